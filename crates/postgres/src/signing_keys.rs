//! `SigningKeyStore`: the token-signing keys every node shares.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::{NewSigningKey, SigningKeyStore, StoreError, StoredSigningKey};

use crate::PgStore;
use crate::errors::PgError;
use crate::models::SigningKeyRow;
use crate::schema::signing_keys;

/// Serializes nodes deciding whether a key must be created. The value is arbitrary but
/// must never change.
const SIGNING_KEY_LOCK: i64 = 0x4c61_7463_6b65_7902;

#[async_trait]
impl SigningKeyStore for PgStore {
    #[tracing::instrument(skip_all, fields(signing_key.kid))]
    async fn ensure_active_key(
        &self,
        candidate: NewSigningKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredSigningKey>, StoreError> {
        let mut connection = self.connection().await?;
        let keys = connection
            .transaction::<_, PgError, _>(|conn| {
                async move {
                    let active = insert_unless_one_is_active(conn, candidate).await?;
                    tracing::Span::current().record("signing_key.kid", active.as_str());
                    load_published(conn, now).await
                }
                .scope_boxed()
            })
            .await?;

        Ok(keys.into_iter().map(StoredSigningKey::from).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn list_published_keys(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredSigningKey>, StoreError> {
        let mut connection = self.connection().await?;
        let keys = load_published(&mut connection, now).await?;
        Ok(keys.into_iter().map(StoredSigningKey::from).collect())
    }

    #[tracing::instrument(skip_all, fields(signing_key.kid = %replacement.kid))]
    async fn rotate_key(
        &self,
        replacement: NewSigningKey,
        now: DateTime<Utc>,
        retired_key_expires_at: DateTime<Utc>,
    ) -> Result<Vec<StoredSigningKey>, StoreError> {
        let mut connection = self.connection().await?;
        let keys = connection
            .transaction::<_, PgError, _>(|conn| {
                async move {
                    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                        .bind::<BigInt, _>(SIGNING_KEY_LOCK)
                        .execute(conn)
                        .await?;
                    diesel::update(signing_keys::table.filter(signing_keys::retired_at.is_null()))
                        .set((
                            signing_keys::retired_at.eq(now),
                            signing_keys::expires_at.eq(retired_key_expires_at),
                        ))
                        .execute(conn)
                        .await?;
                    diesel::insert_into(signing_keys::table)
                        .values(SigningKeyRow::from(replacement))
                        .execute(conn)
                        .await?;
                    load_published(conn, now).await
                }
                .scope_boxed()
            })
            .await?;
        Ok(keys.into_iter().map(StoredSigningKey::from).collect())
    }
}

/// Returns the kid of the active key: the one found, or the candidate.
//
// Without the lock, two nodes starting on an empty database would both see no active key;
// the partial unique index would then fail one of them instead of letting it adopt the other's.
async fn insert_unless_one_is_active(
    conn: &mut AsyncPgConnection,
    candidate: NewSigningKey,
) -> Result<String, PgError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(SIGNING_KEY_LOCK)
        .execute(conn)
        .await?;

    let active = signing_keys::table
        .filter(signing_keys::retired_at.is_null())
        .select(signing_keys::kid)
        .first::<String>(conn)
        .await
        .optional()?;
    if let Some(active) = active {
        return Ok(active);
    }

    tracing::info!(signing_key.kid = %candidate.kid, "storing a new active signing key");
    let kid = candidate.kid.clone();
    diesel::insert_into(signing_keys::table)
        .values(SigningKeyRow::from(candidate))
        .execute(conn)
        .await?;
    Ok(kid)
}

/// The active key, then every retired key whose tokens may still be alive, newest first.
///
/// A retired key without `expires_at` has no known end, so it stays published.
async fn load_published(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> Result<Vec<SigningKeyRow>, PgError> {
    let keys = signing_keys::table
        .filter(
            signing_keys::retired_at
                .is_null()
                .or(signing_keys::expires_at.is_null())
                .or(signing_keys::expires_at.gt(now)),
        )
        .order((
            signing_keys::retired_at.desc().nulls_first(),
            signing_keys::created_at.desc(),
        ))
        .select(SigningKeyRow::as_select())
        .load(conn)
        .await?;
    Ok(keys)
}
