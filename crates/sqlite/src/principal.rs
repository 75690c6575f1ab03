//! Loading a user with their memberships: what every session answers with.

use diesel::prelude::*;
use latchkey_application::ports::UserAccount;
use latchkey_domain::UserId;

use crate::errors::SqliteError;
use crate::models::{MembershipRow, UserRow, into_membership};
use crate::schema::{memberships, tenants, users};

/// `None` when the user does not exist.
pub(crate) fn load_account(
    conn: &mut SqliteConnection,
    user_id: UserId,
) -> Result<Option<UserAccount>, SqliteError> {
    let user_id = user_id.to_string();
    let user = users::table
        .find(&user_id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    let Some(user) = user else {
        return Ok(None);
    };

    let memberships = memberships::table
        .inner_join(tenants::table)
        .filter(memberships::user_id.eq(&user_id))
        .order((memberships::created_at, memberships::tenant_id))
        .select((memberships::tenant_id, tenants::name, memberships::roles))
        .load::<MembershipRow>(conn)?
        .into_iter()
        .map(into_membership)
        .collect::<Result<_, _>>()?;
    Ok(Some(UserAccount {
        user: user.into_user()?,
        memberships,
    }))
}
