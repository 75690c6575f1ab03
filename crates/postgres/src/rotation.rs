//! Refresh-token rotation: the one transaction every refresh runs.
//!
//! The presented token's row is locked first (`FOR UPDATE`), so concurrent refreshes with
//! one token queue behind each other: the first consumes it and stores the successor, the
//! rest wake to find it consumed and answer with the same sealed successor. What to do with
//! the token is decided by the application's rotation rules; this file locks and writes.

use std::pin::Pin;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::{
    PresentedToken, RotationDecision, RotationOutcome, TokenRotation,
};
use latchkey_domain::Principal;

use crate::errors::PgError;
use crate::models::{NewRefreshTokenRow, RefreshTokenRow, SessionRow};
use crate::principal::load_account;
use crate::schema::{refresh_tokens, sessions};
use crate::sessions::revoke;

// Boxed with concrete types, as in `principal.rs`: inside the transaction's higher-ranked
// closure rustc cannot otherwise prove the joined futures `Send`.
type Writing<'a> = Pin<Box<dyn Future<Output = QueryResult<usize>> + Send + 'a>>;

// Every path returns `Ok`: a revocation for reuse must commit, and the refusals have
// written nothing, so committing them is harmless.
pub(crate) async fn rotate(
    conn: &mut AsyncPgConnection,
    rotation: &TokenRotation,
) -> Result<RotationOutcome, PgError> {
    let Some(presented) = lock_token(conn, rotation).await? else {
        return Ok(RotationOutcome::Invalid);
    };
    let session = presented.session;
    let span = tracing::Span::current();
    span.record("session.id", tracing::field::display(session.id));
    span.record("user.id", tracing::field::display(session.user_id));

    let account = load_account(conn, session.user_id).await?;
    let decision = RotationDecision::decide(&presented, account, rotation);

    match &decision {
        RotationDecision::RevokeForReuse { session_id } => {
            revoke(conn, session_id.as_uuid(), rotation.now).await?;
        }
        RotationDecision::Consume {
            principal,
            moves_session,
        } => consume(conn, rotation, principal, *moves_session).await?,
        RotationDecision::Answer(_) => {}
    }
    Ok(decision.into_outcome())
}

/// The presented token with its session, both locked until the transaction ends.
async fn lock_token(
    conn: &mut AsyncPgConnection,
    rotation: &TokenRotation,
) -> Result<Option<PresentedToken>, PgError> {
    let locked = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::hash.eq(rotation.presented.0.as_slice()))
        .select((RefreshTokenRow::as_select(), SessionRow::as_select()))
        .for_update()
        .first::<(RefreshTokenRow, SessionRow)>(conn)
        .await
        .optional()?;
    let presented = locked.map(|(token, session)| token.into_presented(session));
    Ok(presented.transpose()?)
}

/// Consumes the presented token, stores its successor and, when the session moves, sets
/// the tenant it now acts in.
async fn consume(
    conn: &mut AsyncPgConnection,
    rotation: &TokenRotation,
    principal: &Principal,
    moves_session: bool,
) -> Result<(), PgError> {
    let presented = rotation.presented.0.as_slice();
    let consumed: Writing<'_> = Box::pin(
        diesel::update(refresh_tokens::table.find(presented))
            .set((
                refresh_tokens::consumed_at.eq(rotation.now),
                refresh_tokens::sealed_successor.eq(rotation.sealed_successor.0.as_slice()),
            ))
            .execute(conn),
    );
    let successor = NewRefreshTokenRow {
        hash: &rotation.successor.hash.0,
        session_id: principal.session_id.as_uuid(),
        parent_hash: Some(presented),
        issued_at: rotation.now,
        expires_at: rotation.successor.expires_at,
    };
    let inserted: Writing<'_> = Box::pin(
        diesel::insert_into(refresh_tokens::table)
            .values(successor)
            .execute(conn),
    );
    // Polled together, the two writes share one round trip (diesel-async pipelines them);
    // Postgres still runs them in order, inside this transaction.
    tokio::try_join!(consumed, inserted)?;

    if moves_session {
        diesel::update(sessions::table.find(principal.session_id.as_uuid()))
            .set(sessions::tenant_id.eq(principal.active_tenant.as_uuid()))
            .execute(conn)
            .await?;
    }
    Ok(())
}
