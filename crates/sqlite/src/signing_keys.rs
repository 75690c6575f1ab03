//! `SigningKeyStore`: the token-signing keys every process on the file shares.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use latchkey_application::ports::{NewSigningKey, SigningKeyStore, StoreError, StoredSigningKey};

use crate::SqliteStore;
use crate::errors::SqliteError;
use crate::models::{SigningKeyRow, into_stored_key};
use crate::schema::signing_keys;

#[async_trait]
impl SigningKeyStore for SqliteStore {
    // The write transaction serializes callers (what an advisory lock does on Postgres):
    // the first to find no active key stores its candidate, and the rest adopt it.
    #[tracing::instrument(skip_all, fields(signing_key.kid))]
    async fn ensure_active_key(
        &self,
        candidate: NewSigningKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredSigningKey>, StoreError> {
        let keys = self
            .write(move |conn| {
                let active = insert_unless_one_is_active(conn, &candidate)?;
                tracing::Span::current().record("signing_key.kid", active.as_str());
                load_published(conn, now)
            })
            .await?;
        Ok(keys.into_iter().map(into_stored_key).collect())
    }

    #[tracing::instrument(skip_all)]
    async fn list_published_keys(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredSigningKey>, StoreError> {
        let keys = self.read(move |conn| load_published(conn, now)).await?;
        Ok(keys.into_iter().map(into_stored_key).collect())
    }

    #[tracing::instrument(skip_all, fields(signing_key.kid = %replacement.kid))]
    async fn rotate_key(
        &self,
        replacement: NewSigningKey,
        now: DateTime<Utc>,
        retired_key_expires_at: DateTime<Utc>,
    ) -> Result<Vec<StoredSigningKey>, StoreError> {
        let keys = self
            .write(move |conn| {
                let active = signing_keys::table.filter(signing_keys::retired_at.is_null());
                diesel::update(active)
                    .set((
                        signing_keys::retired_at.eq(now),
                        signing_keys::expires_at.eq(retired_key_expires_at),
                    ))
                    .execute(conn)?;
                insert(conn, &replacement)?;
                load_published(conn, now)
            })
            .await?;
        Ok(keys.into_iter().map(into_stored_key).collect())
    }
}

/// Returns the kid of the active key: the one found, or the candidate.
fn insert_unless_one_is_active(
    conn: &mut SqliteConnection,
    candidate: &NewSigningKey,
) -> Result<String, SqliteError> {
    let active = signing_keys::table
        .filter(signing_keys::retired_at.is_null())
        .select(signing_keys::kid)
        .first::<String>(conn)
        .optional()?;
    if let Some(active) = active {
        return Ok(active);
    }

    tracing::info!(signing_key.kid = %candidate.kid, "storing a new active signing key");
    insert(conn, candidate)?;
    Ok(candidate.kid.clone())
}

/// Stores `key` as the active key.
fn insert(conn: &mut SqliteConnection, key: &NewSigningKey) -> QueryResult<()> {
    diesel::insert_into(signing_keys::table)
        .values((
            signing_keys::kid.eq(&key.kid),
            signing_keys::algorithm.eq(&key.algorithm),
            signing_keys::private_key.eq(&key.private_key),
            signing_keys::is_encrypted.eq(key.is_encrypted),
            signing_keys::public_jwk.eq(&key.public_jwk),
            signing_keys::created_at.eq(key.created_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The active key, then every retired key whose tokens may still be alive, most recently
/// retired first.
///
/// A retired key without `expires_at` has no known end, so it stays published.
fn load_published(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> Result<Vec<SigningKeyRow>, SqliteError> {
    let keys = signing_keys::table
        .filter(
            signing_keys::retired_at
                .is_null()
                .or(signing_keys::expires_at.is_null())
                .or(signing_keys::expires_at.gt(now)),
        )
        // SQLite sorts NULL first in ascending order, so last in descending: the active
        // key (retired_at NULL) is put first explicitly.
        .order((
            signing_keys::retired_at.is_null().desc(),
            signing_keys::retired_at.desc(),
            signing_keys::created_at.desc(),
        ))
        .load::<SigningKeyRow>(conn)?;
    Ok(keys)
}
