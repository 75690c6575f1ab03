//! `StorePruner`: what can no longer be used goes, what still matters stays.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use latchkey_application::ports::{
    AccountStore, LoginThrottle, PruneBatch, PrunedRows, RotationOutcome, SessionStore, StorePruner,
};
use latchkey_domain::{LockoutPolicy, UserId};

use crate::fixtures::{GRACE, new_account, new_session, now, rotate, rotated};
use crate::{TestResult, TestStore};

const LOCK_FOR: Duration = Duration::from_secs(900);

fn batch(at: DateTime<Utc>, limit: u32) -> PruneBatch {
    PruneBatch {
        now: at,
        throttle_idle_for: LOCK_FOR,
        limit,
    }
}

/// Starts a session for `user_id` at `at`, optionally ending at `ends_at`, and returns its
/// first token.
async fn session_of(
    db: &impl TestStore,
    user_id: UserId,
    at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
) -> TestResult<latchkey_domain::RefreshToken> {
    let (mut session, token) = new_session(at);
    session.absolute_expires_at = ends_at;
    db.store()
        .start_session(user_id, session)
        .await?
        .ok_or("no session for an existing user")?;
    Ok(token)
}

pub async fn prune_deletes_dead_tokens_and_sessions_and_keeps_live_ones(
    db: &impl TestStore,
) -> TestResult {
    let start = now();
    let (account, live_first) = new_account(Some("ann@example.com"), None, start);
    let user_id = account.user.id;
    db.store().create_account(account).await?;
    // The live session's first token is rotated out: it must outlive the grace window.
    let (rotation, _) = rotate(&live_first, start, GRACE, None);
    rotated(db.store().rotate_refresh_token(rotation).await?)?;

    let logged_out = session_of(db, user_id, start, None).await?;
    db.store().revoke_session(logged_out.hash(), start).await?;
    session_of(db, user_id, start, Some(start + TimeDelta::minutes(1))).await?;
    let long_ago = start - TimeDelta::days(40);
    session_of(db, user_id, long_ago, None).await?;
    // A session refreshed 20 days ago: its first token has expired, its successor has not.
    let old_first = session_of(db, user_id, long_ago, None).await?;
    let (rotation, old_successor) = rotate(&old_first, start - TimeDelta::days(20), GRACE, None);
    rotated(db.store().rotate_refresh_token(rotation).await?)?;
    assert_eq!(db.count("refresh_tokens").await?, 7);
    assert_eq!(db.count("sessions").await?, 5);

    let later = start + TimeDelta::hours(1);
    let pruned = db.store().prune_batch(batch(later, 100)).await?;
    assert_eq!(
        (pruned.refresh_tokens, pruned.sessions),
        (4, 3),
        "the revoked, ended and expired sessions' tokens and the expired rotated-out token"
    );
    assert_eq!(db.count("refresh_tokens").await?, 3);
    assert_eq!(db.count("sessions").await?, 2);
    let again = db.store().prune_batch(batch(later, 100)).await?;
    assert_eq!(again, PrunedRows::default(), "a second pass finds nothing");

    let (survivor, _) = rotate(&old_successor, later, GRACE, None);
    rotated(db.store().rotate_refresh_token(survivor).await?)?;
    // Reuse detection still works on the kept rotated-out token.
    let (replay, _) = rotate(&live_first, later, GRACE, None);
    let outcome = db.store().rotate_refresh_token(replay).await?;
    assert!(
        matches!(outcome, RotationOutcome::Reused { .. }),
        "a replayed rotated-out token of a live session must still be reuse, got {outcome:?}"
    );
    Ok(())
}

pub async fn prune_deletes_in_bounded_batches(db: &impl TestStore) -> TestResult {
    let start = now();
    let (account, _) = new_account(Some("ann@example.com"), None, start);
    let user_id = account.user.id;
    db.store().create_account(account).await?;
    for _ in 0..5 {
        session_of(db, user_id, start - TimeDelta::days(40), None).await?;
    }

    let mut passes = Vec::new();
    loop {
        let pruned = db.store().prune_batch(batch(start, 2)).await?;
        assert!(
            pruned.refresh_tokens <= 2 && pruned.sessions <= 2,
            "a pass deleted more than its batch: {pruned:?}"
        );
        passes.push((pruned.refresh_tokens, pruned.sessions));
        if !pruned.has_full_batch(2) {
            break;
        }
    }
    assert_eq!(passes, vec![(2, 2), (2, 2), (1, 1)]);
    assert_eq!(
        db.count("refresh_tokens").await?,
        1,
        "the live session's token"
    );
    assert_eq!(db.count("sessions").await?, 1);
    Ok(())
}

pub async fn prune_keeps_locked_and_recent_throttle_records(db: &impl TestStore) -> TestResult {
    let start = now();
    let hour_ago = start - TimeDelta::hours(1);
    let policy = LockoutPolicy {
        max_attempts: 3,
        lock_for: LOCK_FOR,
    };
    let long_lock = LockoutPolicy {
        max_attempts: 3,
        lock_for: Duration::from_secs(2 * 3600),
    };
    let store = db.store();
    store.count_attempt("email:idle", &policy, hour_ago).await?;
    for _ in 0..3 {
        store
            .count_attempt("email:lock-ran-out", &policy, hour_ago)
            .await?;
        store
            .count_attempt("email:locked", &long_lock, hour_ago)
            .await?;
    }
    let ten_minutes_ago = start - TimeDelta::minutes(10);
    store
        .count_attempt("email:recent", &policy, ten_minutes_ago)
        .await?;
    assert_eq!(db.count("login_throttle").await?, 4);

    let pruned = store.prune_batch(batch(start, 100)).await?;
    assert_eq!(
        pruned.login_throttle, 2,
        "the idle count and the run-out lock"
    );
    assert_eq!(db.count("login_throttle").await?, 2);
    let locked = store.find_throttle("email:locked").await?;
    assert!(locked.is_locked_at(start), "a lock in force must stay");
    let recent = store.find_throttle("email:recent").await?;
    assert_eq!(recent.failures, 1, "a count in progress must not be reset");

    // A forgotten record counts afresh, and the store still counts under concurrency.
    let counted = store.count_attempt("email:idle", &policy, start).await?;
    assert_eq!(counted.state.failures, 1);
    Ok(())
}
