use async_trait::async_trait;
use chrono::{DateTime, Utc};
use latchkey_domain::{LoginIdentifier, Membership, PasswordHash, Tenant, User, UserId};

use super::{NewSession, StoreError};

/// A user about to be created together with their tenant, membership and first session.
#[derive(Debug)]
pub struct NewAccount {
    pub user: User,
    pub password_hash: PasswordHash,
    pub tenant: Tenant,
    pub role: String,
    pub session: NewSession,
}

/// What login needs to check a password.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: UserId,
    /// `None` for a user who has no password (one who signs in another way).
    pub password_hash: Option<PasswordHash>,
}

/// A user with every tenant they belong to, for the `/me` routes.
#[derive(Debug, Clone)]
pub struct UserProfile {
    pub user: User,
    /// Oldest first.
    pub memberships: Vec<Membership>,
    pub created_at: DateTime<Utc>,
    /// When the user's latest session started.
    pub last_login_at: Option<DateTime<Utc>>,
}

/// Users, tenants and memberships.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates the user, the tenant, the membership and the first session with its refresh
    /// token, all or nothing. Fails with `EmailTaken` / `UsernameTaken` when the normalized
    /// email or username already belongs to someone, as decided by a unique index, so that
    /// concurrent sign-ups cannot both succeed and no half-made tenant remains.
    async fn create_account(&self, account: NewAccount) -> Result<(), StoreError>;

    /// Finds the credentials of the user named by `identifier`, compared by its normalized
    /// form.
    async fn find_credentials(
        &self,
        identifier: &LoginIdentifier,
    ) -> Result<Option<Credentials>, StoreError>;

    /// Replaces the user's password hash (after a login that found it made with outdated
    /// parameters).
    async fn update_password_hash(
        &self,
        user_id: UserId,
        hash: &PasswordHash,
    ) -> Result<(), StoreError>;

    /// Loads a user and their memberships; `None` when the user does not exist.
    async fn find_profile(&self, user_id: UserId) -> Result<Option<UserProfile>, StoreError>;
}
