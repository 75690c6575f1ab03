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

    /// Counts one login attempt at `now` as a failure, before its password is checked: a
    /// success clears the count afterwards. Counting first is what makes the limit hold
    /// under concurrency, since attempts in flight together each see the ones before them.
    ///
    /// A locked identifier refuses the attempt and keeps its state (a refused attempt never
    /// extends the lock); a lock that has run out starts the count afresh; the attempt that
    /// reaches `max_attempts` is still admitted, and locks the identifier while it runs.
    pub fn count_attempt(self, policy: &LockoutPolicy, now: DateTime<Utc>) -> CountedAttempt {
        if self.is_locked_at(now) {
            return CountedAttempt {
                state: self,
                admitted: false,
            };
        }
        let expired = self.locked_until.is_some();
        let failures = if expired {
            1
        } else {
            self.failures.saturating_add(1)
        };
        let locked_until = (failures >= policy.max_attempts).then(|| now + policy.lock_for);
        CountedAttempt {
            state: Self {
                failures,
                locked_until,
            },
            admitted: true,
        }
    }
}

/// The outcome of [`ThrottleState::count_attempt`]: the state to store, and whether the
/// attempt may go on to have its password checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedAttempt {
    pub state: ThrottleState,
    pub admitted: bool,
}

impl CountedAttempt {
    /// This attempt is the last one allowed before the lock.
    pub fn is_last_before_lock(&self) -> bool {
        self.admitted && self.state.locked_until.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(state: ThrottleState, at: DateTime<Utc>) -> CountedAttempt {
        state.count_attempt(&LockoutPolicy::default(), at)
    }

    #[test]
    fn the_tenth_attempt_is_admitted_and_locks_the_eleventh_is_refused() {
        let now = Utc::now();
        let mut state = ThrottleState::default();
        for _ in 0..9 {
            let counted = count(state, now);
            assert!(counted.admitted && !counted.is_last_before_lock());
            state = counted.state;
        }

        let tenth = count(state, now);
        assert!(tenth.admitted && tenth.is_last_before_lock());
        assert!(tenth.state.is_locked_at(now));

        let eleventh = count(tenth.state, now);
        assert!(!eleventh.admitted);
        assert_eq!(
            eleventh.state, tenth.state,
            "a refused attempt changes nothing"
        );
    }

    #[test]
    fn a_lock_that_has_run_out_starts_the_count_afresh() {
        let policy = LockoutPolicy::default();
        let now = Utc::now();
        let locked = ThrottleState {
            failures: 10,
            locked_until: Some(now + policy.lock_for),
        };
        assert!(!locked.is_locked_at(now + policy.lock_for));

        let later = now + policy.lock_for + Duration::from_secs(1);
        let counted = count(locked, later);
        assert!(counted.admitted);
        assert_eq!(
            counted.state,
            ThrottleState {
                failures: 1,
                locked_until: None
            }
        );
    }
}
