//! Refresh-token rotation: the one transaction every refresh runs.
//!
//! The presented token's row is locked first (`FOR UPDATE`), so concurrent refreshes with
//! one token queue behind each other: the first consumes it and stores the successor, the
//! rest wake to find it consumed and answer with the same sealed successor.

use chrono::{DateTime, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::{RotationOutcome, TokenRotation};
use latchkey_domain::{SessionId, TenantId};

use crate::errors::PgError;
use crate::models::{RefreshTokenRow, SessionRow};
use crate::principal::load_account;
use crate::schema::{refresh_tokens, sessions};
use crate::sessions::{insert_refresh_token, revoke};

// Every early return is `Ok`: a revocation for reuse must commit, and the other refusals
// have written nothing, so committing them is harmless.
pub(crate) async fn rotate(
    conn: &mut AsyncPgConnection,
    rotation: &TokenRotation,
) -> Result<RotationOutcome, PgError> {
    let Some((token, session)) = lock_token(conn, rotation).await? else {
        return Ok(RotationOutcome::Invalid);
    };
    if token.expires_at <= rotation.now || !session.is_live_at(rotation.now) {
        return Ok(RotationOutcome::Invalid);
    }
    let span = tracing::Span::current();
    span.record("session.id", tracing::field::display(session.id));
    span.record("user.id", tracing::field::display(session.user_id));

    if token
        .consumed_at
        .is_some_and(|consumed_at| is_past_grace(consumed_at, rotation))
    {
        revoke(conn, session.id, rotation.now).await?;
        let session_id = session.session_id();
        return Ok(RotationOutcome::Reused { session_id });
    }

    let Some(account) = load_account(conn, session.user_id()).await? else {
        return Ok(RotationOutcome::Invalid);
    };
    let active_tenant = rotation
        .requested_tenant
        .unwrap_or_else(|| session.tenant_id());
    if !account.is_member_of(active_tenant) {
        return Ok(RotationOutcome::NotAMember);
    }
    let principal = account.into_principal(session.session_id(), active_tenant);

    if token.consumed_at.is_some() {
        let sealed_successor = token.sealed_successor()?;
        return Ok(RotationOutcome::AlreadyRotated {
            principal,
            sealed_successor,
        });
    }
    consume(conn, rotation, &session, active_tenant).await?;
    Ok(RotationOutcome::Rotated(principal))
}

/// The presented token with its session, both locked until the transaction ends.
async fn lock_token(
    conn: &mut AsyncPgConnection,
    rotation: &TokenRotation,
) -> Result<Option<(RefreshTokenRow, SessionRow)>, PgError> {
    let locked = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::hash.eq(rotation.presented.0.as_slice()))
        .select((RefreshTokenRow::as_select(), SessionRow::as_select()))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    Ok(locked)
}

fn is_past_grace(consumed_at: DateTime<Utc>, rotation: &TokenRotation) -> bool {
    let grace = TimeDelta::from_std(rotation.grace).unwrap_or(TimeDelta::MAX);
    rotation.now.signed_duration_since(consumed_at) > grace
}

/// Consumes the presented token, stores its successor and moves the session to the tenant
/// it now acts in.
async fn consume(
    conn: &mut AsyncPgConnection,
    rotation: &TokenRotation,
    session: &SessionRow,
    active_tenant: TenantId,
) -> Result<(), PgError> {
    let presented = rotation.presented.0.as_slice();
    diesel::update(refresh_tokens::table.find(presented))
        .set((
            refresh_tokens::consumed_at.eq(rotation.now),
            refresh_tokens::sealed_successor.eq(rotation.sealed_successor.0.as_slice()),
        ))
        .execute(conn)
        .await?;

    let session_id = SessionId::from_uuid(session.id);
    let successor = &rotation.successor;
    insert_refresh_token(
        conn,
        session_id,
        successor,
        Some(&rotation.presented),
        rotation.now,
    )
    .await?;

    if active_tenant != session.tenant_id() {
        diesel::update(sessions::table.find(session.id))
            .set(sessions::tenant_id.eq(active_tenant.as_uuid()))
            .execute(conn)
            .await?;
    }
    Ok(())
}
