//! `AccountStore`: sign-up and the credentials login checks.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::{AccountStore, Credentials, NewAccount, StoreError, UserProfile};
use latchkey_domain::{LoginIdentifier, PasswordHash, UserId};
use uuid::Uuid;

use crate::PgStore;
use crate::errors::{self, PgError};
use crate::models::{NewMembershipRow, NewTenantRow, NewUserRow};
use crate::principal::load_account;
use crate::schema::{memberships, sessions, tenants, users};
use crate::sessions::insert_session;

#[async_trait]
impl AccountStore for PgStore {
    #[tracing::instrument(skip_all, fields(
        user.id = %account.user.id,
        tenant.id = %account.tenant.id,
        session.id = %account.session.id,
    ))]
    async fn create_account(&self, account: NewAccount) -> Result<(), StoreError> {
        let mut connection = self.connection().await?;
        connection
            .transaction::<_, PgError, _>(|conn| insert_account(conn, &account).scope_boxed())
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user.id))]
    async fn find_credentials(
        &self,
        identifier: &LoginIdentifier,
    ) -> Result<Option<Credentials>, StoreError> {
        let query = users::table
            .select((users::id, users::password_hash))
            .into_boxed();
        let query = match identifier {
            LoginIdentifier::Email(email) => {
                query.filter(users::email_normalized.eq(email.normalized()))
            }
            LoginIdentifier::Username(username) => {
                query.filter(users::username_normalized.eq(username.normalized()))
            }
        };

        let mut connection = self.connection().await?;
        let found = query
            .first::<(Uuid, Option<String>)>(&mut connection)
            .await
            .optional()
            .map_err(errors::from_diesel)?;

        Ok(found.map(|(id, password_hash)| {
            let user_id = UserId::from_uuid(id);
            tracing::Span::current().record("user.id", tracing::field::display(user_id));
            Credentials {
                user_id,
                password_hash: password_hash.map(PasswordHash::from_phc),
            }
        }))
    }

    #[tracing::instrument(skip_all, fields(user.id = %user_id))]
    async fn update_password_hash(
        &self,
        user_id: UserId,
        hash: &PasswordHash,
    ) -> Result<(), StoreError> {
        let mut connection = self.connection().await?;
        diesel::update(users::table.find(user_id.as_uuid()))
            .set(users::password_hash.eq(hash.expose_phc()))
            .execute(&mut connection)
            .await
            .map_err(errors::from_diesel)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user.id = %user_id))]
    async fn find_profile(&self, user_id: UserId) -> Result<Option<UserProfile>, StoreError> {
        let mut connection = self.connection().await?;
        let Some(account) = load_account(&mut connection, user_id).await? else {
            return Ok(None);
        };
        let created_at: DateTime<Utc> = users::table
            .find(user_id.as_uuid())
            .select(users::created_at)
            .first(&mut connection)
            .await
            .map_err(errors::from_diesel)?;
        let last_login_at: Option<DateTime<Utc>> = sessions::table
            .filter(sessions::user_id.eq(user_id.as_uuid()))
            .select(diesel::dsl::max(sessions::created_at))
            .first(&mut connection)
            .await
            .map_err(errors::from_diesel)?;

        Ok(Some(UserProfile {
            user: account.user,
            memberships: account.memberships,
            created_at,
            last_login_at,
        }))
    }
}

// The user goes in first: its unique indexes are what a duplicate sign-up trips over.
async fn insert_account(conn: &mut AsyncPgConnection, account: &NewAccount) -> Result<(), PgError> {
    let created_at = account.session.created_at;
    let (user_id, tenant_id) = (account.user.id, account.tenant.id);

    let user = NewUserRow::new(
        &account.user,
        account.password_hash.expose_phc(),
        created_at,
    );
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .await?;

    let tenant = NewTenantRow {
        id: tenant_id.as_uuid(),
        name: account.tenant.name.as_str(),
        created_at,
    };
    diesel::insert_into(tenants::table)
        .values(tenant)
        .execute(conn)
        .await?;

    let membership = NewMembershipRow {
        user_id: user_id.as_uuid(),
        tenant_id: tenant_id.as_uuid(),
        roles: vec![account.role.clone()],
        created_at,
    };
    diesel::insert_into(memberships::table)
        .values(membership)
        .execute(conn)
        .await?;

    insert_session(conn, user_id, tenant_id, &account.session).await
}
