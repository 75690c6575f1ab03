use async_trait::async_trait;
use latchkey_domain::{Password, PasswordHash};

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing slot was busy for longer than the queue deadline.
    #[error("hashing queue is full")]
    Overloaded,
    #[error("hashing failed: {0}")]
    Unexpected(String),
}

/// The outcome of checking a password.
#[derive(Debug)]
pub enum Verification {
    /// Wrong password, unknown user or a user without a password: deliberately one case.
    Mismatch,
    /// The password is right. `rehashed` holds a fresh hash when the stored one was made
    /// with other parameters than the configured ones, to be stored in its place.
    Match { rehashed: Option<PasswordHash> },
}

/// Slow, salted password hashing.
///
/// Implementations must never hash on an async worker thread, and must bound how many
/// hashes wait: a full queue is `Overloaded`, never unbounded memory or latency.
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: Password) -> Result<PasswordHash, HashError>;

    /// Checks `password` against `hash`. With `hash` absent (unknown user, or a user
    /// without a password) it verifies against a dummy hash of the same cost and answers
    /// `Mismatch`, so that the three cases cannot be told apart by timing.
    async fn verify(
        &self,
        password: Password,
        hash: Option<PasswordHash>,
    ) -> Result<Verification, HashError>;
}
