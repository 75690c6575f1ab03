//! Loading a user with their memberships: what every session answers with.

use std::pin::Pin;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use latchkey_domain::{Membership, Principal, SessionId, TenantId, User, UserId};

use crate::errors::PgError;
use crate::models::{MembershipRow, UserRow};
use crate::schema::{memberships, tenants, users};

/// A user and the tenants they belong to, oldest membership first.
pub(crate) struct Account {
    pub user: User,
    pub memberships: Vec<Membership>,
}

impl Account {
    /// The tenant the user joined first: where a new session starts.
    pub fn first_tenant(&self) -> Option<TenantId> {
        self.memberships.iter().map(|m| m.tenant_id).next()
    }

    pub fn is_member_of(&self, tenant_id: TenantId) -> bool {
        self.memberships.iter().any(|m| m.tenant_id == tenant_id)
    }

    pub fn into_principal(self, session_id: SessionId, active_tenant: TenantId) -> Principal {
        Principal {
            user: self.user,
            session_id,
            active_tenant,
            memberships: self.memberships,
        }
    }
}

// Boxed where the types are concrete: joined inside a transaction's higher-ranked closure,
// rustc cannot otherwise prove the load futures `Send`.
type Loading<'a, T> = Pin<Box<dyn Future<Output = QueryResult<Vec<T>>> + Send + 'a>>;

/// `None` when the user does not exist.
pub(crate) async fn load_account(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> Result<Option<Account>, PgError> {
    let user_id = user_id.as_uuid();
    let user: Loading<'_, UserRow> = Box::pin(
        users::table
            .find(user_id)
            .select(UserRow::as_select())
            .load(conn),
    );
    let memberships: Loading<'_, MembershipRow> = Box::pin(
        memberships::table
            .inner_join(tenants::table)
            .filter(memberships::user_id.eq(user_id))
            .order((memberships::created_at, memberships::tenant_id))
            .select((memberships::tenant_id, tenants::name, memberships::roles))
            .load(conn),
    );

    // Polled together, the two queries share one round trip: diesel-async pipelines them.
    let (users, memberships) = tokio::try_join!(user, memberships)?;

    let Some(user) = users.into_iter().next() else {
        return Ok(None);
    };
    Ok(Some(Account {
        user: user.into_user()?,
        memberships: memberships.into_iter().map(Membership::from).collect(),
    }))
}
