use rstest::rstest;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{PASSWORD, TestApp, TestResult, error_envelope, spawn_app_on_with};

async fn spawn_locking_app(
    store: StoreKind,
    duration_secs: u64,
) -> Result<TestApp, Box<dyn std::error::Error + Send + Sync>> {
    spawn_app_on_with(store, |settings| {
        settings.lockout.enabled = true;
        settings.lockout.max_attempts = 3;
        settings.lockout.duration_secs = duration_secs;
    })
    .await
}

async fn fail_logins(app: &TestApp, email: &str, times: usize) -> TestResult {
    for _ in 0..times {
        let response = app
            .log_in(&json!({"email": email, "password": "not the password"}))
            .await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_identifier_locks_exactly_like_a_known_one(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_locking_app(store, 900).await?;
    app.signed_up("ann@example.com").await?;

    let mut bodies: Vec<Value> = Vec::new();
    for email in ["ann@example.com", "nobody@example.com"] {
        fail_logins(&app, email, 3).await?;
        let locked = app
            .log_in(&json!({"email": email, "password": PASSWORD}))
            .await?;
        assert_eq!(
            locked.status(),
            StatusCode::FORBIDDEN,
            "{email}: even the right password is refused"
        );
        bodies.push(locked.json().await?);
    }

    assert_eq!(
        bodies[0], bodies[1],
        "a lock reveals nothing about the account"
    );
    assert_eq!(bodies[0]["errorCode"], json!("ER-01034"));
    let other = app
        .log_in(&json!({"email": "ANN@example.com ", "password": PASSWORD}))
        .await?;
    assert_eq!(
        other.status(),
        StatusCode::FORBIDDEN,
        "the lock is keyed by the normalized identifier"
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_resets_the_count_and_a_lock_runs_out(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_locking_app(store, 1).await?;
    app.signed_up("ann@example.com").await?;

    fail_logins(&app, "ann@example.com", 2).await?;
    let success = app
        .log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .await?;
    assert_eq!(success.status(), StatusCode::OK);
    fail_logins(&app, "ann@example.com", 2).await?;
    let still_open = app
        .log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .await?;
    assert_eq!(
        still_open.status(),
        StatusCode::OK,
        "two plus two failures never made three in a row"
    );

    fail_logins(&app, "ann@example.com", 3).await?;
    let (status, _, _) = error_envelope(
        app.log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
            .await?,
    )
    .await?;
    assert_eq!(status, StatusCode::FORBIDDEN);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let after = app
        .log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .await?;
    assert_eq!(after.status(), StatusCode::OK, "the lock ran out");
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_failures_are_all_counted(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_locking_app(store, 900).await?;
    let attempt = json!({"email": "ann@example.com", "password": "not the password"});

    let attempts = futures_util::future::join_all((0..3).map(|_| app.log_in(&attempt))).await;
    for response in attempts {
        assert_eq!(response?.status(), StatusCode::UNAUTHORIZED);
    }

    let locked = app.log_in(&attempt).await?;
    assert_eq!(locked.status(), StatusCode::FORBIDDEN);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_lockout_off_failures_never_lock(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| settings.lockout.max_attempts = 2).await?;
    app.signed_up("ann@example.com").await?;

    fail_logins(&app, "ann@example.com", 5).await?;

    let response = app
        .log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_guesses_get_no_more_attempts_than_the_lock_allows(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_locking_app(store, 900).await?;
    app.signed_up("ann@example.com").await?;
    let guesses: Vec<Value> = (0..12)
        .map(|n| json!({"email": "ann@example.com", "password": format!("guess number {n}")}))
        .collect();

    let answers = futures_util::future::join_all(guesses.iter().map(|g| app.log_in(g))).await;
    let mut statuses = Vec::new();
    for answer in answers {
        statuses.push(answer?.status());
    }

    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let locked = statuses
        .iter()
        .filter(|s| **s == StatusCode::FORBIDDEN)
        .count();
    assert_eq!(
        (checked, locked),
        (3, 9),
        "only the policy's three attempts reach the password check: {statuses:?}"
    );
    let right = app
        .log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .await?;
    assert_eq!(
        right.status(),
        StatusCode::FORBIDDEN,
        "then even the right one waits"
    );
    Ok(())
}
