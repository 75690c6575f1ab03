//! `LoginThrottle`: consecutive failed logins per identifier.

use std::time::Duration;

use latchkey_application::ports::LoginThrottle;
use latchkey_domain::{LockoutPolicy, ThrottleState};

use crate::fixtures::now;
use crate::{TestResult, TestStore, race};

pub async fn concurrent_login_attempts_are_all_counted(db: &impl TestStore) -> TestResult {
    let policy = LockoutPolicy {
        max_attempts: 10,
        lock_for: Duration::from_secs(900),
    };
    let at = now();
    let attempts = race(15, |_| {
        let store = db.store().clone();
        async move {
            store
                .count_attempt("email:ann@example.com", &policy, at)
                .await
        }
    })
    .await?;
    let mut counts = Vec::new();
    let mut refused = 0;
    for attempt in attempts {
        let attempt = attempt?;
        if attempt.admitted {
            counts.push(attempt.state.failures);
        } else {
            refused += 1;
        }
    }

    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=10).collect::<Vec<_>>(),
        "each attempt saw the one before"
    );
    assert_eq!(
        refused, 5,
        "no more than the policy's attempts are admitted"
    );
    let stored = db.store().find_throttle("email:ann@example.com").await?;
    assert_eq!(stored.failures, 10);
    assert!(stored.is_locked_at(at), "the tenth attempt locks");
    let other = db.store().find_throttle("email:bob@example.com").await?;
    assert_eq!(other, ThrottleState::default(), "keys are counted apart");
    Ok(())
}

pub async fn cleared_failures_are_forgotten(db: &impl TestStore) -> TestResult {
    let policy = LockoutPolicy::default();
    let key = "username:ann";
    db.store().count_attempt(key, &policy, now()).await?;
    db.store().count_attempt(key, &policy, now()).await?;
    assert_eq!(db.store().find_throttle(key).await?.failures, 2);

    db.store().clear_failures(key).await?;
    assert_eq!(
        db.store().find_throttle(key).await?,
        ThrottleState::default()
    );
    db.store().clear_failures(key).await?;
    Ok(())
}

pub async fn attempts_counted_while_successes_clear_never_fail(db: &impl TestStore) -> TestResult {
    let policy = LockoutPolicy::default();
    let key = "email:ann@example.com";
    let at = now();
    let outcomes = race(24, |index| {
        let store = db.store().clone();
        async move {
            if index % 2 == 0 {
                store.count_attempt(key, &policy, at).await.map(|_| ())
            } else {
                store.clear_failures(key).await
            }
        }
    })
    .await?;

    for outcome in outcomes {
        outcome?;
    }
    Ok(())
}
