//! `SessionStore`: starting, rotating and revoking sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use latchkey_application::ports::{
    NewRefreshToken, NewSession, RotationOutcome, SessionStore, StoreError, TokenRotation,
};
use latchkey_domain::{Principal, RefreshTokenHash, SessionId, TenantId, UserId};

use crate::errors::SqliteError;
use crate::models::parse_uuid;
use crate::principal::load_account;
use crate::schema::{refresh_tokens, sessions};
use crate::{SqliteStore, rotation};

#[async_trait]
impl SessionStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(user.id = %user_id, session.id = %session.id))]
    async fn start_session(
        &self,
        user_id: UserId,
        session: NewSession,
    ) -> Result<Option<Principal>, StoreError> {
        self.write(move |conn| {
            let Some(account) = load_account(conn, user_id)? else {
                return Ok(None);
            };
            let Some(tenant_id) = account.first_tenant() else {
                return Ok(None);
            };
            insert_session(conn, user_id, tenant_id, &session)?;
            Ok(Some(account.into_principal(session.id, tenant_id)))
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(session.id, user.id))]
    async fn rotate_refresh_token(
        &self,
        rotation: TokenRotation,
    ) -> Result<RotationOutcome, StoreError> {
        self.write(move |conn| rotation::rotate(conn, &rotation))
            .await
    }

    #[tracing::instrument(skip_all, fields(session.id))]
    async fn revoke_session(
        &self,
        presented: RefreshTokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionId>, StoreError> {
        self.write(move |conn| {
            let session_id = refresh_tokens::table
                .find(presented.0.as_slice())
                .select(refresh_tokens::session_id)
                .first::<String>(conn)
                .optional()?;
            let Some(session_id) = session_id else {
                return Ok(None);
            };

            let session_id = SessionId::from_uuid(parse_uuid(&session_id)?);
            tracing::Span::current().record("session.id", tracing::field::display(session_id));
            revoke(conn, session_id, now)?;
            Ok(Some(session_id))
        })
        .await
    }
}

/// Stores a new session acting in `tenant_id`, with its first refresh token.
pub(crate) fn insert_session(
    conn: &mut SqliteConnection,
    user_id: UserId,
    tenant_id: TenantId,
    session: &NewSession,
) -> Result<(), SqliteError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(session.id.to_string()),
            sessions::user_id.eq(user_id.to_string()),
            sessions::tenant_id.eq(tenant_id.to_string()),
            sessions::created_at.eq(session.created_at),
            sessions::absolute_expires_at.eq(session.absolute_expires_at),
        ))
        .execute(conn)?;

    let token = &session.refresh_token;
    insert_refresh_token(conn, session.id, token, None, session.created_at)
}

pub(crate) fn insert_refresh_token(
    conn: &mut SqliteConnection,
    session_id: SessionId,
    token: &NewRefreshToken,
    parent: Option<&RefreshTokenHash>,
    issued_at: DateTime<Utc>,
) -> Result<(), SqliteError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::hash.eq(token.hash.0.as_slice()),
            refresh_tokens::session_id.eq(session_id.to_string()),
            refresh_tokens::parent_hash.eq(parent.map(|hash| hash.0.as_slice())),
            refresh_tokens::issued_at.eq(issued_at),
            refresh_tokens::expires_at.eq(token.expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the session revoked, keeping the first revocation's time.
pub(crate) fn revoke(
    conn: &mut SqliteConnection,
    session_id: SessionId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let still_live = sessions::table
        .find(session_id.to_string())
        .filter(sessions::revoked_at.is_null());
    diesel::update(still_live)
        .set(sessions::revoked_at.eq(now))
        .execute(conn)?;
    Ok(())
}
