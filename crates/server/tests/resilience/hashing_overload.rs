//! A burst of logins larger than the hashing pool can queue is refused with 503s, promptly
//! and without errors, while the rest of the server keeps answering.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::envelope::{Answer, check_unavailable};
use crate::helpers::{PASSWORD, TestResult, spawn_app_with};

const BURST: usize = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_hashing_queue_answers_503_and_the_server_stays_live() -> TestResult {
    let app = spawn_app_with(|settings| {
        settings.passwords.hashing_workers = Some(1);
        settings.passwords.hashing_queue = 1;
        settings.passwords.hashing_queue_timeout_ms = 50;
    })
    .await?;
    app.signed_up("ann@example.com").await?;
    let login = json!({"email": "ann@example.com", "password": PASSWORD});

    let burst = join_all((0..BURST).map(|_| async {
        let response = app.log_in(&login).await?;
        Answer::read(response).await
    }));
    let probes = async {
        let mut probes = Vec::new();
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let started = Instant::now();
            let status = app
                .get("/health/live")
                .await
                .map(|response| response.status());
            probes.push((status, started.elapsed()));
        }
        probes
    };
    let (answers, probes) = tokio::join!(burst, probes);

    let mut statuses = Vec::new();
    let mut problems = Vec::new();
    for answer in answers {
        let answer = answer?;
        statuses.push(answer.status.as_u16());
        if answer.status == StatusCode::OK {
            continue;
        }
        if let Err(problem) = check_unavailable(&answer) {
            problems.push(problem);
        }
    }
    eprintln!("burst of {BURST} logins: {statuses:?}; live probes: {probes:?}");
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        statuses.contains(&503),
        "no login was refused: {statuses:?}"
    );
    assert!(
        statuses.contains(&200),
        "no login got through: {statuses:?}"
    );
    for (status, elapsed) in probes {
        assert_eq!(status?, StatusCode::OK, "/health/live during the burst");
        // Liveness must not wait for a hashing worker; a second is a generous bound.
        assert!(
            elapsed < Duration::from_secs(1),
            "/health/live took {elapsed:?}"
        );
    }
    Ok(())
}
