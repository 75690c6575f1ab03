use async_trait::async_trait;
use chrono::{DateTime, Utc};
use latchkey_domain::{CountedAttempt, LockoutPolicy, ThrottleState};

use super::StoreError;

/// Consecutive failed logins per identifier, shared by every node through the store.
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// The current record for `key` (a default, unlocked one when there is none).
    async fn find_throttle(&self, key: &str) -> Result<ThrottleState, StoreError>;

    /// Counts one login attempt atomically, applying [`ThrottleState::count_attempt`] to
    /// the stored record under a lock, so that concurrent attempts for one key are counted
    /// one after another and no more than the policy allows are ever admitted; stores the
    /// new record and returns the outcome.
    async fn count_attempt(
        &self,
        key: &str,
        policy: &LockoutPolicy,
        now: DateTime<Utc>,
    ) -> Result<CountedAttempt, StoreError>;

    /// Forgets `key`'s failures (after a successful login).
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;
}
