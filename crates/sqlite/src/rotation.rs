//! Refresh-token rotation: the one transaction every refresh runs.
//!
//! SQLite has no row locks: the transaction holds the database's write lock from its
//! `BEGIN IMMEDIATE` (see `SqliteStore::write`), so concurrent refreshes with one token run
//! one after another. The first consumes it and stores the successor; the rest find it
//! consumed and answer with the same sealed successor. What to do with the token is decided
//! by the application's rotation rules; this file reads and writes.

use diesel::prelude::*;
use latchkey_application::ports::{
    PresentedToken, RotationDecision, RotationOutcome, TokenRotation,
};
use latchkey_domain::Principal;

use crate::errors::SqliteError;
use crate::models::{RefreshTokenRow, SessionRow};
use crate::principal::load_account;
use crate::schema::{refresh_tokens, sessions};
use crate::sessions::{insert_refresh_token, revoke};

// Every path returns `Ok`: a revocation for reuse must commit, and the refusals have
// written nothing, so committing them is harmless.
pub(crate) fn rotate(
    conn: &mut SqliteConnection,
    rotation: &TokenRotation,
) -> Result<RotationOutcome, SqliteError> {
    let Some(presented) = find_token(conn, rotation)? else {
        return Ok(RotationOutcome::Invalid);
    };
    let session = presented.session;
    let span = tracing::Span::current();
    span.record("session.id", tracing::field::display(session.id));
    span.record("user.id", tracing::field::display(session.user_id));

    let account = load_account(conn, session.user_id)?;
    let decision = RotationDecision::decide(&presented, account, rotation);

    match &decision {
        RotationDecision::RevokeForReuse { session_id } => {
            revoke(conn, *session_id, rotation.now)?;
        }
        RotationDecision::Consume {
            principal,
            moves_session,
        } => consume(conn, rotation, principal, *moves_session)?,
        RotationDecision::Answer(_) => {}
    }
    Ok(decision.into_outcome())
}

/// The presented token with its session.
fn find_token(
    conn: &mut SqliteConnection,
    rotation: &TokenRotation,
) -> Result<Option<PresentedToken>, SqliteError> {
    let found = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::hash.eq(rotation.presented.0.as_slice()))
        .select((RefreshTokenRow::as_select(), SessionRow::as_select()))
        .first::<(RefreshTokenRow, SessionRow)>(conn)
        .optional()?;
    let presented = found.map(|(token, session)| token.into_presented(session));
    Ok(presented.transpose()?)
}

/// Consumes the presented token, stores its successor and, when the session moves, sets
/// the tenant it now acts in.
fn consume(
    conn: &mut SqliteConnection,
    rotation: &TokenRotation,
    principal: &Principal,
    moves_session: bool,
) -> Result<(), SqliteError> {
    let presented = rotation.presented.0.as_slice();
    diesel::update(refresh_tokens::table.find(presented))
        .set((
            refresh_tokens::consumed_at.eq(rotation.now),
            refresh_tokens::sealed_successor.eq(rotation.sealed_successor.0.as_slice()),
        ))
        .execute(conn)?;

    let session_id = principal.session_id;
    let successor = &rotation.successor;
    let parent = Some(&rotation.presented);
    insert_refresh_token(conn, session_id, successor, parent, rotation.now)?;

    if moves_session {
        diesel::update(sessions::table.find(session_id.to_string()))
            .set(sessions::tenant_id.eq(principal.active_tenant.to_string()))
            .execute(conn)?;
    }
    Ok(())
}
