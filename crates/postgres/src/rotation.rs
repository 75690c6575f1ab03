//! Refresh-token rotation: the one transaction every refresh runs.
//!
//! The presented token's row is locked first (`FOR UPDATE`), so concurrent refreshes with
//! one token queue behind each other: the first consumes it and stores the successor, the
//! rest wake to find it consumed and answer with the same sealed successor. What to do with
//! the token is decided by the application's rotation rules; this file locks and writes.
//!
//! A refresh is `BEGIN`, two statements and `COMMIT`: one `SELECT … FOR UPDATE OF` the
//! token and its session that also returns the session's user with their memberships, and,
//! when the rules say to consume the token, one statement that marks it consumed, inserts
//! its successor and (when asked) moves the session to another tenant. Both are written by
//! hand, since diesel's DSL has neither `FOR UPDATE OF` nor data-modifying `WITH`, but as
//! query types with a static id rather than `sql_query`, so that diesel-async prepares
//! each once per connection instead of once per refresh.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{
    Array, Bool, Bytea, Json, Jsonb, Nullable, Text, Timestamptz, Untyped, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::{
    PresentedToken, RotationDecision, RotationOutcome, TokenRotation, UserAccount,
};
use latchkey_domain::{Membership, Principal, TenantId};
use serde_json::Value;
use uuid::Uuid;

use crate::errors::{self, PgError};
use crate::models::{RefreshTokenRow, SessionRow, UserRow};
use crate::sessions::revoke;

// Every path returns `Ok`: a revocation for reuse must commit, and the refusals have
// written nothing, so committing them is harmless.
pub(crate) async fn rotate(
    conn: &mut AsyncPgConnection,
    rotation: &TokenRotation,
) -> Result<RotationOutcome, PgError> {
    let locked = LockToken {
        hash: rotation.presented.0.as_slice(),
    }
    .get_result::<LockedRow>(conn)
    .await
    .optional()?;
    let Some(locked) = locked else {
        return Ok(RotationOutcome::Invalid);
    };
    let span = tracing::Span::current();
    span.record("session.id", tracing::field::display(locked.session_id));
    span.record("user.id", tracing::field::display(locked.user_id));

    let (presented, account) = locked.into_parts()?;
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

/// Consumes the presented token, stores its successor and, when the session moves, sets
/// the tenant it now acts in: one statement, whose parts Postgres runs in this transaction.
async fn consume(
    conn: &mut AsyncPgConnection,
    rotation: &TokenRotation,
    principal: &Principal,
    moves_session: bool,
) -> Result<(), PgError> {
    ConsumeToken {
        presented: rotation.presented.0.as_slice(),
        now: rotation.now,
        sealed_successor: rotation.sealed_successor.0.as_slice(),
        successor: rotation.successor.hash.0.as_slice(),
        successor_expires_at: rotation.successor.expires_at,
        session_id: principal.session_id.as_uuid(),
        moves_session,
        tenant_id: principal.active_tenant.as_uuid(),
    }
    .execute(conn)
    .await?;
    Ok(())
}

/// The presented token with its session, both locked until the transaction ends, and the
/// session's user with their memberships (in the order `principal.rs` loads them), which
/// are read, not locked. The user is an outer join so that a missing user reads as `None`,
/// as `load_account` answers; the memberships come as three aligned arrays.
const LOCK_TOKEN_SQL: &str = "\
SELECT t.expires_at, t.consumed_at, t.sealed_successor, \
s.id AS session_id, s.user_id, s.tenant_id, s.absolute_expires_at, s.revoked_at, \
u.id AS found_user_id, u.email, u.username, u.name, u.phone_number, u.profile_picture_url, \
COALESCE(u.metadata, '{}') AS metadata, COALESCE(u.email_verified, false) AS email_verified, \
m.tenant_ids, m.tenant_names, m.roles \
FROM refresh_tokens t \
INNER JOIN sessions s ON s.id = t.session_id \
LEFT JOIN users u ON u.id = s.user_id \
CROSS JOIN LATERAL (\
SELECT COALESCE(array_agg(ms.tenant_id ORDER BY ms.created_at, ms.tenant_id), '{}') AS tenant_ids, \
COALESCE(array_agg(tn.name ORDER BY ms.created_at, ms.tenant_id), '{}') AS tenant_names, \
COALESCE(json_agg(ms.roles ORDER BY ms.created_at, ms.tenant_id), '[]') AS roles \
FROM memberships ms INNER JOIN tenants tn ON tn.id = ms.tenant_id \
WHERE ms.user_id = s.user_id) m \
WHERE t.hash = ";

const LOCK_TOKEN_SUFFIX: &str = " FOR UPDATE OF t, s";

struct LockToken<'a> {
    hash: &'a [u8],
}

impl QueryId for LockToken<'_> {
    type QueryId = LockToken<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for LockToken<'_> {
    type SqlType = Untyped;
}

impl QueryFragment<Pg> for LockToken<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(LOCK_TOKEN_SQL);
        out.push_bind_param::<Bytea, [u8]>(self.hash)?;
        out.push_sql(LOCK_TOKEN_SUFFIX);
        Ok(())
    }
}

#[derive(QueryableByName)]
struct LockedRow {
    #[diesel(sql_type = Timestamptz)]
    expires_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    consumed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Bytea>)]
    sealed_successor: Option<Vec<u8>>,
    #[diesel(sql_type = SqlUuid)]
    session_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    tenant_id: Uuid,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    absolute_expires_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    found_user_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    username: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    phone_number: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    profile_picture_url: Option<String>,
    #[diesel(sql_type = Jsonb)]
    metadata: Value,
    #[diesel(sql_type = Bool)]
    email_verified: bool,
    #[diesel(sql_type = Array<SqlUuid>)]
    tenant_ids: Vec<Uuid>,
    #[diesel(sql_type = Array<Text>)]
    tenant_names: Vec<String>,
    #[diesel(sql_type = Json)]
    roles: Value,
}

impl LockedRow {
    fn into_parts(self) -> Result<(PresentedToken, Option<UserAccount>), PgError> {
        let session = SessionRow {
            id: self.session_id,
            user_id: self.user_id,
            tenant_id: self.tenant_id,
            absolute_expires_at: self.absolute_expires_at,
            revoked_at: self.revoked_at,
        };
        let token = RefreshTokenRow {
            expires_at: self.expires_at,
            consumed_at: self.consumed_at,
            sealed_successor: self.sealed_successor,
        };
        let presented = token.into_presented(session)?;

        let Some(id) = self.found_user_id else {
            return Ok((presented, None));
        };
        let user = UserRow {
            id,
            email: self.email,
            username: self.username,
            name: self.name,
            phone_number: self.phone_number,
            profile_picture_url: self.profile_picture_url,
            metadata: self.metadata,
            email_verified: self.email_verified,
        }
        .into_user()?;
        let roles: Vec<Vec<String>> = serde_json::from_value(self.roles)
            .map_err(|_| errors::unexpected("stored roles are not arrays of strings"))?;
        if roles.len() != self.tenant_ids.len() || self.tenant_names.len() != self.tenant_ids.len()
        {
            return Err(errors::unexpected("memberships came back misaligned").into());
        }
        let memberships = self
            .tenant_ids
            .into_iter()
            .zip(self.tenant_names)
            .zip(roles)
            .map(|((tenant_id, tenant_name), roles)| Membership {
                tenant_id: TenantId::from_uuid(tenant_id),
                tenant_name,
                roles,
            })
            .collect();
        Ok((presented, Some(UserAccount { user, memberships })))
    }
}

/// Marks the presented token consumed with its sealed successor, moves the session to the
/// given tenant only when told to, and inserts the successor. Postgres runs every
/// data-modifying part of a `WITH` to completion, referenced or not, in this transaction.
struct ConsumeToken<'a> {
    presented: &'a [u8],
    now: DateTime<Utc>,
    sealed_successor: &'a [u8],
    successor: &'a [u8],
    successor_expires_at: DateTime<Utc>,
    session_id: Uuid,
    moves_session: bool,
    tenant_id: Uuid,
}

impl QueryId for ConsumeToken<'_> {
    type QueryId = ConsumeToken<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl QueryFragment<Pg> for ConsumeToken<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH consumed AS (UPDATE refresh_tokens SET consumed_at = ");
        out.push_bind_param::<Timestamptz, _>(&self.now)?;
        out.push_sql(", sealed_successor = ");
        out.push_bind_param::<Bytea, [u8]>(self.sealed_successor)?;
        out.push_sql(" WHERE hash = ");
        out.push_bind_param::<Bytea, [u8]>(self.presented)?;
        out.push_sql("), moved AS (UPDATE sessions SET tenant_id = ");
        out.push_bind_param::<SqlUuid, _>(&self.tenant_id)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<SqlUuid, _>(&self.session_id)?;
        out.push_sql(" AND ");
        out.push_bind_param::<Bool, _>(&self.moves_session)?;
        out.push_sql(") INSERT INTO refresh_tokens (hash, session_id, parent_hash, issued_at, expires_at) VALUES (");
        out.push_bind_param::<Bytea, [u8]>(self.successor)?;
        out.push_sql(", ");
        out.push_bind_param::<SqlUuid, _>(&self.session_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Bytea, [u8]>(self.presented)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamptz, _>(&self.now)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamptz, _>(&self.successor_expires_at)?;
        out.push_sql(")");
        Ok(())
    }
}
