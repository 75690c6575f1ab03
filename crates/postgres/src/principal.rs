//! Loading a user with their memberships: what every session answers with.

use std::pin::Pin;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::UserAccount;
use latchkey_domain::{Membership, UserId};

use crate::errors::PgError;
use crate::models::{MembershipRow, UserRow};
use crate::schema::{memberships, tenants, users};

// Boxed where the types are concrete: joined inside a transaction's higher-ranked closure,
// rustc cannot otherwise prove the load futures `Send`.
type Loading<'a, T> = Pin<Box<dyn Future<Output = QueryResult<Vec<T>>> + Send + 'a>>;

/// `None` when the user does not exist.
pub(crate) async fn load_account(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> Result<Option<UserAccount>, PgError> {
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
    Ok(Some(UserAccount {
        user: user.into_user()?,
        memberships: memberships.into_iter().map(Membership::from).collect(),
    }))
}
