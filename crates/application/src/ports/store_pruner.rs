use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

/// One pruning pass: what counts as dead, and how many rows of each kind it may delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneBatch {
    /// The instant rows are judged against. Callers running on several nodes pass a time a
    /// little behind their clock, so that a node whose clock runs ahead never deletes what
    /// another node still accepts.
    pub now: DateTime<Utc>,
    /// How long a login-throttle record must have been left alone before it is forgotten:
    /// the lockout duration.
    pub throttle_idle_for: Duration,
    /// The most rows of each kind one call deletes.
    pub limit: u32,
}

/// How many rows of each kind one call deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrunedRows {
    pub refresh_tokens: u64,
    pub sessions: u64,
    pub login_throttle: u64,
}

impl PrunedRows {
    /// Some kind filled its batch, so more of it may be waiting.
    pub fn has_full_batch(&self, limit: u32) -> bool {
        let limit = u64::from(limit);
        self.refresh_tokens >= limit || self.sessions >= limit || self.login_throttle >= limit
    }

    pub fn total(&self) -> u64 {
        self.refresh_tokens + self.sessions + self.login_throttle
    }

    /// Adds another call's counts to these.
    pub fn add(&mut self, other: Self) {
        self.refresh_tokens += other.refresh_tokens;
        self.sessions += other.sessions;
        self.login_throttle += other.login_throttle;
    }
}

/// Deletes rows that can no longer be used or matter, so that tables do not grow without
/// bound. Safe to call from several nodes at once.
#[async_trait]
pub trait StorePruner: Send + Sync {
    /// Deletes at most `batch.limit` rows of each kind, in short statements (never one long
    /// transaction over every kind), skipping rows another transaction holds instead of
    /// waiting for them. Deletes, in this order:
    ///
    /// 1. **Refresh tokens** that no request can ever use again: expired ones
    ///    (`expires_at < now`), and every token of a session that is revoked or past its
    ///    absolute lifetime (`absolute_expires_at <= now`). A consumed (rotated-out) token of
    ///    a live session is kept until it expires, however old its consumption: presenting
    ///    it after the grace window is reuse, which must still revoke the session.
    /// 2. **Sessions** with no refresh token left. A session without a token can neither be
    ///    refreshed nor logged out, and revoked or ended sessions reach that state through
    ///    step 1; deleting only token-less sessions also means no deletion cascades to an
    ///    unbounded number of tokens.
    /// 3. **Login-throttle records** that are not locked (`locked_until` unset or
    ///    `<= now`) and were last written before `now - throttle_idle_for`. Forgetting such
    ///    a record resets a count of failures that stopped coming: an attacker who pauses
    ///    for a lock's duration between bursts of fewer than the allowed attempts gets no
    ///    more guesses per lock duration than the lockout already allows.
    ///
    /// Every later rotation and logout must answer as it would have had nothing been
    /// deleted: what goes was already refused as unknown, expired or revoked.
    async fn prune_batch(&self, batch: PruneBatch) -> Result<PrunedRows, StoreError>;
}
