//! Failed logins take the same time and say the same thing whether the account is unknown,
//! the password is wrong, or the account has no password: a dummy hash is verified when
//! there is no real one, so timing reveals nothing about which accounts exist.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestResult, spawn_app};

const ROUNDS: usize = 30;
/// The slowest of the three medians may exceed the fastest by less than this factor.
/// Missing a hash (tens of milliseconds) shows up as a ratio of several times.
const MEDIAN_RATIO_BOUND: f64 = 1.2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_take_the_same_time_and_say_the_same_thing_whatever_the_cause() -> TestResult
{
    let app = spawn_app().await?;
    app.signed_up("ann@example.com").await?;
    app.signed_up("nopass@example.com").await?;
    app.database
        .execute(
            "UPDATE users SET password_hash = NULL WHERE email_normalized = 'nopass@example.com'",
        )
        .await?;
    let cases: [(&str, Value); 3] = [
        (
            "unknown email",
            json!({"email": "nobody@example.com", "password": PASSWORD}),
        ),
        (
            "wrong password",
            json!({"email": "ann@example.com", "password": "wrong horse battery"}),
        ),
        (
            "password-less user",
            json!({"email": "nopass@example.com", "password": PASSWORD}),
        ),
    ];
    // One warm-up round so connection set-up and first-use costs fall on no case.
    for (_, body) in &cases {
        app.log_in(body).await?;
    }

    let mut durations: [Vec<Duration>; 3] = Default::default();
    let mut bodies = Vec::new();
    // Round-robin: any drift in machine load falls on the three cases alike.
    for _ in 0..ROUNDS {
        for (index, (description, body)) in cases.iter().enumerate() {
            let started = Instant::now();
            let response = app.log_in(body).await?;
            let status = response.status();
            let bytes = response.bytes().await?;
            durations[index].push(started.elapsed());

            assert_eq!(status, StatusCode::UNAUTHORIZED, "{description}: {bytes:?}");
            bodies.push(bytes);
        }
    }

    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "the failure bodies differ: {:?}",
        bodies.iter().collect::<std::collections::BTreeSet<_>>()
    );
    let medians = durations.map(median);
    let fastest = medians.iter().min().ok_or("no cases")?.as_secs_f64();
    let slowest = medians.iter().max().ok_or("no cases")?.as_secs_f64();
    let report: Vec<String> = cases
        .iter()
        .zip(&medians)
        .map(|((description, _), median)| format!("{description}: {median:?}"))
        .collect();
    eprintln!("median failed-login times: {}", report.join(", "));
    assert!(
        slowest / fastest < MEDIAN_RATIO_BOUND,
        "failed logins take measurably different times ({})",
        report.join(", ")
    );
    Ok(())
}

fn median(mut durations: Vec<Duration>) -> Duration {
    durations.sort();
    durations
        .get(durations.len() / 2)
        .copied()
        .unwrap_or_default()
}
