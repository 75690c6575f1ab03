use std::time::Duration;

use chrono::{DateTime, Utc};

/// Brute-force protection: how many consecutive failures lock an identifier, and for how
/// long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_attempts: u32,
    pub lock_for: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            lock_for: Duration::from_secs(15 * 60),
        }
    }
}

/// The failed-login record of one identifier, whether or not an account exists for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

impl ThrottleState {
    pub fn is_locked_at(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    /// The state after one more failure at `now`. A lock that has run out starts the count
    /// afresh; reaching `max_attempts` locks for `lock_for`.
    pub fn after_failure(self, policy: &LockoutPolicy, now: DateTime<Utc>) -> Self {
        let expired = self.locked_until.is_some_and(|until| until <= now);
        let failures = if expired {
            1
        } else {
            self.failures.saturating_add(1)
        };
        let locked_until = if failures >= policy.max_attempts {
            Some(now + policy.lock_for)
        } else if expired {
            None
        } else {
            self.locked_until
        };
        Self {
            failures,
            locked_until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenth_consecutive_failure_locks_and_an_expired_lock_starts_over() {
        let policy = LockoutPolicy::default();
        let now = Utc::now();
        let mut state = ThrottleState::default();
        for _ in 0..9 {
            state = state.after_failure(&policy, now);
        }
        assert!(!state.is_locked_at(now));
        state = state.after_failure(&policy, now);
        assert!(state.is_locked_at(now));
        assert!(!state.is_locked_at(now + policy.lock_for));

        let later = now + policy.lock_for + Duration::from_secs(1);
        let after = state.after_failure(&policy, later);
        assert_eq!(
            after,
            ThrottleState {
                failures: 1,
                locked_until: None
            }
        );
    }
}
