//! `AccountStore`: sign-up and the credentials login checks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use latchkey_application::ports::{AccountStore, Credentials, NewAccount, StoreError, UserProfile};
use latchkey_domain::{LoginIdentifier, PasswordHash, UserId};

use crate::SqliteStore;
use crate::errors::SqliteError;
use crate::models::{NewUserRow, parse_uuid};
use crate::principal::load_account;
use crate::schema::{memberships, sessions, tenants, users};
use crate::sessions::insert_session;

#[async_trait]
impl AccountStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(
        user.id = %account.user.id,
        tenant.id = %account.tenant.id,
        session.id = %account.session.id,
    ))]
    async fn create_account(&self, account: NewAccount) -> Result<(), StoreError> {
        self.write(move |conn| insert_account(conn, &account)).await
    }

    #[tracing::instrument(skip_all, fields(user.id))]
    async fn find_credentials(
        &self,
        identifier: &LoginIdentifier,
    ) -> Result<Option<Credentials>, StoreError> {
        let identifier = identifier.clone();
        let found = self
            .read(move |conn| {
                let query = users::table
                    .select((users::id, users::password_hash))
                    .into_boxed();
                let query = match &identifier {
                    LoginIdentifier::Email(email) => {
                        query.filter(users::email_normalized.eq(email.normalized()))
                    }
                    LoginIdentifier::Username(username) => {
                        query.filter(users::username_normalized.eq(username.normalized()))
                    }
                };
                Ok(query.first::<(String, Option<String>)>(conn).optional()?)
            })
            .await?;
        let Some((id, password_hash)) = found else {
            return Ok(None);
        };

        let user_id = UserId::from_uuid(parse_uuid(&id)?);
        tracing::Span::current().record("user.id", tracing::field::display(user_id));
        Ok(Some(Credentials {
            user_id,
            password_hash: password_hash.map(PasswordHash::from_phc),
        }))
    }

    #[tracing::instrument(skip_all, fields(user.id = %user_id))]
    async fn update_password_hash(
        &self,
        user_id: UserId,
        hash: &PasswordHash,
    ) -> Result<(), StoreError> {
        let phc = hash.expose_phc().to_owned();
        self.write(move |conn| {
            diesel::update(users::table.find(user_id.to_string()))
                .set(users::password_hash.eq(phc))
                .execute(conn)?;
            Ok(())
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(user.id = %user_id))]
    async fn find_profile(&self, user_id: UserId) -> Result<Option<UserProfile>, StoreError> {
        self.read(move |conn| load_profile(conn, user_id)).await
    }
}

// One read transaction, so that the user, memberships and sessions are one snapshot.
fn load_profile(
    conn: &mut SqliteConnection,
    user_id: UserId,
) -> Result<Option<UserProfile>, SqliteError> {
    conn.transaction(|conn| {
        let Some(account) = load_account(conn, user_id)? else {
            return Ok(None);
        };
        let id = user_id.to_string();
        let created_at: DateTime<Utc> = users::table
            .find(&id)
            .select(users::created_at)
            .first(conn)?;
        // Diesel offers no `max` over SQLite timestamps; the latest row is the same thing.
        let last_login_at: Option<DateTime<Utc>> = sessions::table
            .filter(sessions::user_id.eq(&id))
            .select(sessions::created_at)
            .order(sessions::created_at.desc())
            .first(conn)
            .optional()?;

        Ok(Some(UserProfile {
            user: account.user,
            memberships: account.memberships,
            created_at,
            last_login_at,
        }))
    })
}

// The user goes in first: its unique indexes are what a duplicate sign-up trips over.
fn insert_account(conn: &mut SqliteConnection, account: &NewAccount) -> Result<(), SqliteError> {
    let created_at = account.session.created_at;
    let (user_id, tenant_id) = (account.user.id, account.tenant.id);

    let password_hash = account.password_hash.expose_phc();
    diesel::insert_into(users::table)
        .values(NewUserRow::new(&account.user, password_hash, created_at))
        .execute(conn)?;

    diesel::insert_into(tenants::table)
        .values((
            tenants::id.eq(tenant_id.to_string()),
            tenants::name.eq(account.tenant.name.as_str()),
            tenants::created_at.eq(created_at),
        ))
        .execute(conn)?;

    let roles = serde_json::Value::from(vec![account.role.as_str()]).to_string();
    diesel::insert_into(memberships::table)
        .values((
            memberships::user_id.eq(user_id.to_string()),
            memberships::tenant_id.eq(tenant_id.to_string()),
            memberships::roles.eq(roles),
            memberships::created_at.eq(created_at),
        ))
        .execute(conn)?;

    insert_session(conn, user_id, tenant_id, &account.session)
}
