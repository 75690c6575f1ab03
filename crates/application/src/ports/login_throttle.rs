use async_trait::async_trait;
use chrono::{DateTime, Utc};
use latchkey_domain::{LockoutPolicy, ThrottleState};

use super::StoreError;

/// Consecutive failed logins per identifier, shared by every node through the store.
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// The current record for `key` (a default, unlocked one when there is none).
    async fn find_throttle(&self, key: &str) -> Result<ThrottleState, StoreError>;

    /// Records one failure atomically, applying [`ThrottleState::after_failure`] to the
    /// stored record under a lock so that concurrent failures are all counted, and returns
    /// the new record.
    async fn record_failure(
        &self,
        key: &str,
        policy: &LockoutPolicy,
        now: DateTime<Utc>,
    ) -> Result<ThrottleState, StoreError>;

    /// Forgets `key`'s failures (after a successful login).
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;
}
