use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use latchkey_domain::{
    Membership, Principal, RefreshTokenHash, SealedRefreshToken, SessionId, TenantId, User, UserId,
};

use super::StoreError;

/// A refresh token about to be stored; only its hash is kept.
#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    pub hash: RefreshTokenHash,
    pub expires_at: DateTime<Utc>,
}

/// A session about to start, with its first refresh token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    /// When the session ends however often it is refreshed; `None` for no absolute limit.
    pub absolute_expires_at: Option<DateTime<Utc>>,
    pub refresh_token: NewRefreshToken,
}

/// One refresh request: consume `presented`, store `successor`.
#[derive(Debug, Clone)]
pub struct TokenRotation {
    pub presented: RefreshTokenHash,
    pub successor: NewRefreshToken,
    /// The successor sealed under the presented token, kept so that a repeat inside the
    /// grace window can be handed the same successor.
    pub sealed_successor: SealedRefreshToken,
    pub requested_tenant: Option<TenantId>,
    pub now: DateTime<Utc>,
    pub grace: Duration,
}

/// A user with every tenant they belong to, oldest membership first: what a store loads
/// to answer for a session.
#[derive(Debug, Clone, PartialEq)]
pub struct UserAccount {
    pub user: User,
    pub memberships: Vec<Membership>,
}

impl UserAccount {
    /// The tenant the user joined first: where a new session starts.
    pub fn first_tenant(&self) -> Option<TenantId> {
        self.memberships.first().map(|m| m.tenant_id)
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

/// What became of a rotation.
#[derive(Debug)]
pub enum RotationOutcome {
    /// The presented token was live; it is now consumed and the successor stored.
    Rotated(Principal),
    /// The presented token was consumed less than the grace window ago: nothing changed,
    /// and the caller gets the successor that was issued then.
    AlreadyRotated {
        principal: Principal,
        sealed_successor: SealedRefreshToken,
    },
    /// The presented token was consumed before the grace window: the whole session has been
    /// revoked.
    Reused { session_id: SessionId },
    /// Unknown, expired, or of a revoked or expired session.
    Invalid,
    /// `requested_tenant` is not one of the user's tenants; nothing changed.
    NotAMember,
}

/// Sessions and their refresh-token chains.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Starts a session for `user_id` in the user's first tenant and returns who it is for.
    /// `None` when the user no longer exists or belongs to no tenant.
    async fn start_session(
        &self,
        user_id: UserId,
        session: NewSession,
    ) -> Result<Option<Principal>, StoreError>;

    /// Rotates a refresh token in one transaction, serialized against every other rotation
    /// of the same token so that concurrent requests see one winner and the rest see
    /// `AlreadyRotated` with the same sealed successor.
    async fn rotate_refresh_token(
        &self,
        rotation: TokenRotation,
    ) -> Result<RotationOutcome, StoreError>;

    /// Revokes the session the token belongs to (every token in it). Unknown tokens are
    /// not an error: logging out twice is fine.
    async fn revoke_session(
        &self,
        presented: RefreshTokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionId>, StoreError>;
}
