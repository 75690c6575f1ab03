//! No request, however malformed, makes the server fail: arbitrary bodies, content types,
//! headers and cookies on every route get an answer below 500, errors in the JSON envelope
//! with nothing of a cause in them, and the server keeps serving afterwards.

use std::collections::BTreeMap;
use std::sync::Mutex;

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};

use crate::envelope::{Answer, envelope_code, leaked_text};
use crate::helpers::{TestApp, TestResult, spawn_app};
use crate::request_strategies::{HostileRequest, hostile_request};

/// Enough cases to reach every route with every kind of body several times, while the
/// whole property stays within seconds on a two-core machine.
const CASES: u32 = 400;

#[test]
fn no_request_on_any_route_gets_a_server_error() -> TestResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let app = runtime.block_on(spawn_app())?;
    // A signed-up user makes valid-looking logins reach the password check and the store.
    runtime.block_on(app.signed_up("ann@example.com"))?;

    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    });
    let seen = Mutex::new(BTreeMap::<u16, u32>::new());
    runner
        .run(&hostile_request(), |request| {
            let status = runtime.block_on(check(&app, &request))?;
            if let Ok(mut seen) = seen.lock() {
                *seen.entry(status.as_u16()).or_default() += 1;
            }
            Ok(())
        })
        .map_err(|failure| failure.to_string())?;

    // The generators must reach past the first parser: every kind of refusal, and some
    // requests good enough to succeed.
    let seen = seen.into_inner().map_err(|_| "tally poisoned")?;
    eprintln!("statuses seen: {seen:?}");
    for expected in [200, 201, 400, 401, 413, 415] {
        assert!(seen.contains_key(&expected), "no {expected} among {seen:?}");
    }

    let live = runtime.block_on(app.get("/health/live"))?;
    assert_eq!(live.status(), StatusCode::OK, "the server stopped serving");
    Ok(())
}

/// Sends `request` and checks the answer; returns its status.
async fn check(app: &TestApp, request: &HostileRequest) -> Result<StatusCode, TestCaseError> {
    let answer = send(app, request)
        .await
        .map_err(|error| TestCaseError::fail(format!("no answer: {error}")))?;

    if answer.status.is_server_error() {
        return Err(TestCaseError::fail(format!(
            "{} {:?}",
            answer.status,
            answer.text()
        )));
    }
    if answer.status.is_client_error() {
        envelope_code(&answer).map_err(TestCaseError::fail)?;
    }
    if let Some(marker) = leaked_text(&answer.body) {
        return Err(TestCaseError::fail(format!(
            "the body leaks {marker:?}: {:?}",
            answer.text()
        )));
    }
    Ok(answer.status)
}

async fn send(app: &TestApp, request: &HostileRequest) -> Result<Answer, reqwest::Error> {
    let method = match request.method {
        "GET" => Method::GET,
        _ => Method::POST,
    };
    let mut builder = app
        .client
        .request(method, app.url(&request.path))
        .body(request.body.clone());
    let content_type = request.content_type.as_deref().map(HeaderValue::from_str);
    if let Some(Ok(value)) = content_type {
        builder = builder.header(CONTENT_TYPE, value);
    }
    for (name, value) in &request.headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            builder = builder.header(HeaderName::from_static(name), value);
        }
    }
    Answer::read(builder.send().await?).await
}
