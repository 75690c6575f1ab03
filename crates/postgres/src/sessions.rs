//! `SessionStore`: starting, rotating and revoking sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::{
    NewRefreshToken, NewSession, RotationOutcome, SessionStore, StoreError, TokenRotation,
};
use latchkey_domain::{Principal, RefreshTokenHash, SessionId, TenantId, UserId};
use uuid::Uuid;

use crate::errors::{self, PgError};
use crate::models::{NewRefreshTokenRow, NewSessionRow};
use crate::principal::load_account;
use crate::schema::{refresh_tokens, sessions};
use crate::{PgStore, rotation};

#[async_trait]
impl SessionStore for PgStore {
    #[tracing::instrument(skip_all, fields(user.id = %user_id, session.id = %session.id))]
    async fn start_session(
        &self,
        user_id: UserId,
        session: NewSession,
    ) -> Result<Option<Principal>, StoreError> {
        let mut connection = self.connection().await?;
        let principal = connection
            .transaction::<_, PgError, _>(|conn| {
                start_in_first_tenant(conn, user_id, &session).scope_boxed()
            })
            .await?;
        Ok(principal)
    }

    #[tracing::instrument(skip_all, fields(session.id, user.id))]
    async fn rotate_refresh_token(
        &self,
        rotation: TokenRotation,
    ) -> Result<RotationOutcome, StoreError> {
        let mut connection = self.connection().await?;
        let outcome = connection
            .transaction::<_, PgError, _>(|conn| rotation::rotate(conn, &rotation).scope_boxed())
            .await?;
        Ok(outcome)
    }

    #[tracing::instrument(skip_all, fields(session.id))]
    async fn revoke_session(
        &self,
        presented: RefreshTokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionId>, StoreError> {
        let mut connection = self.connection().await?;
        let session_id = refresh_tokens::table
            .find(presented.0.as_slice())
            .select(refresh_tokens::session_id)
            .first::<Uuid>(&mut connection)
            .await
            .optional()
            .map_err(errors::from_diesel)?;
        let Some(session_id) = session_id else {
            return Ok(None);
        };

        tracing::Span::current().record("session.id", tracing::field::display(session_id));
        revoke(&mut connection, session_id, now)
            .await
            .map_err(errors::from_diesel)?;
        Ok(Some(SessionId::from_uuid(session_id)))
    }
}

async fn start_in_first_tenant(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    session: &NewSession,
) -> Result<Option<Principal>, PgError> {
    let Some(account) = load_account(conn, user_id).await? else {
        return Ok(None);
    };
    let Some(tenant_id) = account.first_tenant() else {
        return Ok(None);
    };

    insert_session(conn, user_id, tenant_id, session).await?;
    Ok(Some(account.into_principal(session.id, tenant_id)))
}

/// Stores a new session acting in `tenant_id`, with its first refresh token.
pub(crate) async fn insert_session(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    tenant_id: TenantId,
    session: &NewSession,
) -> Result<(), PgError> {
    let row = NewSessionRow {
        id: session.id.as_uuid(),
        user_id: user_id.as_uuid(),
        tenant_id: tenant_id.as_uuid(),
        created_at: session.created_at,
        absolute_expires_at: session.absolute_expires_at,
    };
    diesel::insert_into(sessions::table)
        .values(row)
        .execute(conn)
        .await?;

    let token = &session.refresh_token;
    insert_refresh_token(conn, session.id, token, None, session.created_at).await
}

pub(crate) async fn insert_refresh_token(
    conn: &mut AsyncPgConnection,
    session_id: SessionId,
    token: &NewRefreshToken,
    parent: Option<&RefreshTokenHash>,
    issued_at: DateTime<Utc>,
) -> Result<(), PgError> {
    let row = NewRefreshTokenRow {
        hash: &token.hash.0,
        session_id: session_id.as_uuid(),
        parent_hash: parent.map(|hash| hash.0.as_slice()),
        issued_at,
        expires_at: token.expires_at,
    };
    diesel::insert_into(refresh_tokens::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the session revoked, keeping the first revocation's time.
pub(crate) async fn revoke(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let still_live = sessions::table
        .find(session_id)
        .filter(sessions::revoked_at.is_null());
    diesel::update(still_live)
        .set(sessions::revoked_at.eq(now))
        .execute(conn)
        .await?;
    Ok(())
}
