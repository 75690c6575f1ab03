//! The traits use cases depend on. Each one states the contract every adapter must honour.

mod account_store;
mod clock;
mod health_probe;
mod login_throttle;
mod password_hasher;
mod randomness;
mod rotation_rules;
mod session_store;
mod signing_key_store;
mod store_pruner;
mod token_issuer;

pub use account_store::{AccountStore, Credentials, NewAccount, UserProfile};
pub use clock::{Clock, SystemClock};
pub use health_probe::HealthProbe;
pub use login_throttle::LoginThrottle;
pub use password_hasher::{HashError, PasswordHasher, Verification};
pub use randomness::Randomness;
pub use rotation_rules::{Consumption, PresentedToken, RotationDecision, StoredSession};
pub use session_store::{
    NewRefreshToken, NewSession, RotationOutcome, SessionStore, TokenRotation, UserAccount,
};
pub use signing_key_store::{NewSigningKey, SigningKeyStore, StoredSigningKey};
pub use store_pruner::{PruneBatch, PrunedRows, StorePruner};
pub use token_issuer::{AccessTokenSubject, TokenError, TokenIssuer};

/// How a storage adapter reports failure. Driver errors are translated inside the adapter;
/// none crosses this boundary.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("email already registered")]
    EmailTaken,
    #[error("username already registered")]
    UsernameTaken,
    /// The database could not be reached in time; the request may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store failure: {0}")]
    Unexpected(String),
}
