use latchkey_domain::{SessionId, ValidationErrors};

use crate::ports::{HashError, StoreError, TokenError};

/// Why a use case refused or failed. Only the HTTP adapter turns these into status codes.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// Unknown identifier, wrong password or a user without a password: deliberately one case.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many consecutive failures for this identifier; it is locked for a while.
    #[error("identifier locked after repeated failures")]
    Locked,
    #[error("email already registered")]
    EmailTaken,
    #[error("username already registered")]
    UsernameTaken,
    /// Missing, unknown, expired or revoked refresh token.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// A rotated-out token came back after the grace window; its session is now revoked.
    #[error("refresh token reused; session {session_id} revoked")]
    RefreshTokenReused { session_id: SessionId },
    #[error("the requested tenant is not one of the user's tenants")]
    TenantNotMember,
    /// Missing, expired, badly signed or foreign access token, or one whose user is gone.
    #[error("missing or invalid access token")]
    InvalidAccessToken,
    #[error("missing or invalid environment token")]
    InvalidEnvironmentToken,
    #[error("invalid environment credentials")]
    InvalidEnvironmentCredentials,
    /// The database cannot be reached, or the hashing queue is full: try again shortly.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("unexpected failure: {0}")]
    Unexpected(String),
}

impl From<StoreError> for IdentityError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::EmailTaken => Self::EmailTaken,
            StoreError::UsernameTaken => Self::UsernameTaken,
            StoreError::Unavailable(cause) => Self::Unavailable(cause),
            StoreError::Unexpected(cause) => Self::Unexpected(cause),
        }
    }
}

impl From<HashError> for IdentityError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Overloaded => Self::Unavailable("password hashing queue is full".into()),
            HashError::Unexpected(cause) => Self::Unexpected(cause),
        }
    }
}

impl From<TokenError> for IdentityError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::Invalid => Self::InvalidEnvironmentToken,
            TokenError::Unexpected(cause) => Self::Unexpected(cause),
        }
    }
}
