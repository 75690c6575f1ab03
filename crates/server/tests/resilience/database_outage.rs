//! The database dies under a running server and comes back: every answer in between is a
//! prompt 503, and nothing is lost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::join_all;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};

use crate::envelope::{Answer, check_unavailable};
use crate::helpers::{
    COOKIE_NAME, PASSWORD, TestResult, refresh_cookie, sign_up_body, start, test_settings,
};
use crate::private_postgres::PrivatePostgres;

type Error = Box<dyn std::error::Error + Send + Sync>;

const CONNECT_TIMEOUT_SECS: u64 = 2;
/// A correctness bound on hanging, not a performance target: a request must give up on the
/// database within its connect timeout, plus slack for a loaded two-core machine.
const ANSWER_BOUND: Duration = Duration::from_secs(CONNECT_TIMEOUT_SECS + 3);
/// How long the server may take to notice, by itself, that the database is back.
const RECOVERY_BOUND: Duration = Duration::from_secs(30);
const KEPT_USERS: usize = 3;

/// A server started on the private cluster, with the few calls these tests make.
#[derive(Clone)]
struct Server {
    address: String,
    client: reqwest::Client,
}

impl Server {
    async fn post(&self, path: &str, body: &Value, cookie: Option<&str>) -> Result<Timed, Error> {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .json(body);
        if let Some(token) = cookie {
            request = request.header(COOKIE, format!("{COOKIE_NAME}={token}"));
        }
        let started = Instant::now();
        let response = request.send().await?;
        let cookie = refresh_cookie(&response);
        let answer = Answer::read(response).await?;
        Ok(Timed {
            answer,
            cookie,
            elapsed: started.elapsed(),
        })
    }

    async fn get(&self, path: &str) -> Result<Timed, Error> {
        let started = Instant::now();
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await?;
        let answer = Answer::read(response).await?;
        Ok(Timed {
            answer,
            cookie: None,
            elapsed: started.elapsed(),
        })
    }

    async fn log_in(&self, email: &str) -> Result<Timed, Error> {
        let body = json!({"email": email, "password": PASSWORD});
        self.post("/identity/resources/auth/v1/user", &body, None)
            .await
    }

    async fn refresh(&self, token: &str) -> Result<Timed, Error> {
        let path = "/frontegg/identity/resources/auth/v1/user/token/refresh";
        self.post(path, &json!({"tenantId": null}), Some(token))
            .await
    }

    async fn sign_up(&self, email: &str) -> Result<Timed, Error> {
        let path = "/identity/resources/users/v1/signUp";
        self.post(path, &sign_up_body(email), None).await
    }
}

/// A response, its refresh cookie, and how long it took.
struct Timed {
    answer: Answer,
    cookie: Option<String>,
    elapsed: Duration,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_outage_is_a_prompt_503_and_the_server_recovers_by_itself() -> TestResult {
    let postgres = Arc::new(tokio::task::spawn_blocking(PrivatePostgres::start).await??);
    let mut settings = test_settings(&postgres.url());
    settings.database.connect_timeout_secs = CONNECT_TIMEOUT_SECS;
    let server = Server {
        address: start(settings).await?,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
    };
    let mut kept_tokens = Vec::new();
    for index in 0..KEPT_USERS {
        let signed_up = server.sign_up(&kept_email(index)).await?;
        assert_eq!(
            signed_up.answer.status,
            StatusCode::CREATED,
            "{:?}",
            signed_up.answer
        );
        kept_tokens.push(signed_up.cookie.ok_or("sign-up set no cookie")?);
    }
    let churn_token = server
        .sign_up("churn@example.com")
        .await?
        .cookie
        .ok_or("no cookie")?;
    assert_eq!(
        server.get("/health/ready").await?.answer.status,
        StatusCode::OK
    );

    requests_in_flight_when_the_database_dies_never_fail_with_a_500(
        &server,
        &postgres,
        &churn_token,
    )
    .await?;
    for round in ["first", "second"] {
        every_route_answers_a_prompt_503_while_the_database_is_down(&server, &kept_tokens)
            .await
            .map_err(|error| format!("{round} round of the outage: {error}"))?;
    }

    let restarted = Arc::clone(&postgres);
    tokio::task::spawn_blocking(move || restarted.resume()).await??;
    the_server_becomes_ready_by_itself(&server).await?;
    nothing_issued_before_the_outage_is_lost(&server, &kept_tokens).await?;
    Ok(())
}

/// Logins and refreshes run while the cluster is killed under them; each one either
/// succeeds or answers the 503 contract.
async fn requests_in_flight_when_the_database_dies_never_fail_with_a_500(
    server: &Server,
    postgres: &Arc<PrivatePostgres>,
    churn_token: &str,
) -> TestResult {
    let churn_until = Instant::now() + Duration::from_millis(1_500);
    let churners = (0..4).map(|worker| {
        let server = server.clone();
        let token = churn_token.to_owned();
        tokio::spawn(async move {
            let mut answers = Vec::new();
            // Bounded in count as well as in time.
            for _ in 0..200 {
                if Instant::now() >= churn_until {
                    break;
                }
                let timed = if worker % 2 == 0 {
                    server.refresh(&token).await
                } else {
                    server.log_in("churn@example.com").await
                };
                answers.push(timed);
            }
            answers
        })
    });
    let churners: Vec<_> = churners.collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = Arc::clone(postgres);
    tokio::task::spawn_blocking(move || killed.kill()).await??;

    let mut problems = Vec::new();
    let mut counts = (0, 0);
    for churner in join_all(churners).await {
        for timed in churner? {
            let timed = timed?;
            match timed.answer.status {
                StatusCode::OK => counts.0 += 1,
                _ => {
                    counts.1 += 1;
                    if let Err(problem) = check_unavailable(&timed.answer) {
                        problems.push(format!("in flight: {problem}"));
                    }
                }
            }
            if timed.elapsed >= ANSWER_BOUND {
                problems.push(format!("in flight: answered after {:?}", timed.elapsed));
            }
        }
    }
    eprintln!(
        "requests in flight at the kill: {} succeeded, {} refused",
        counts.0, counts.1
    );
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(counts.1 > 0, "no request ran into the outage");
    Ok(())
}

async fn every_route_answers_a_prompt_503_while_the_database_is_down(
    server: &Server,
    kept_tokens: &[String],
) -> TestResult {
    let emails: Vec<String> = (0..kept_tokens.len()).map(kept_email).collect();
    let mut calls = Vec::new();
    for (email, token) in emails.iter().zip(kept_tokens) {
        calls.push(("log in", server.log_in(email).boxed()));
        calls.push(("refresh", server.refresh(token).boxed()));
    }
    calls.push((
        "sign up",
        server.sign_up("during-outage@example.com").boxed(),
    ));
    calls.push(("ready", server.get("/health/ready").boxed()));
    let (names, futures): (Vec<_>, Vec<_>) = calls.into_iter().unzip();
    let live = server.get("/health/live");
    let (answers, live) = tokio::join!(join_all(futures), live);

    let mut problems = Vec::new();
    for (name, timed) in names.into_iter().zip(answers) {
        let timed = timed?;
        eprintln!(
            "{name} during the outage: {} in {:?}",
            timed.answer.status, timed.elapsed
        );
        if let Err(problem) = check_unavailable(&timed.answer) {
            problems.push(format!("{name}: {problem}"));
        }
        if timed.elapsed >= ANSWER_BOUND {
            problems.push(format!("{name}: answered after {:?}", timed.elapsed));
        }
        // Readiness gives up sooner than the pool, since probes commonly time out at 1 s.
        if name == "ready" && timed.elapsed >= Duration::from_secs(CONNECT_TIMEOUT_SECS) {
            problems.push(format!("ready: answered after {:?}", timed.elapsed));
        }
    }
    let live = live?;
    if live.answer.status != StatusCode::OK || live.elapsed >= ANSWER_BOUND {
        problems.push(format!(
            "live: {} after {:?}",
            live.answer.status, live.elapsed
        ));
    }
    assert!(problems.is_empty(), "{problems:#?}");
    Ok(())
}

async fn the_server_becomes_ready_by_itself(server: &Server) -> TestResult {
    let restarted = Instant::now();
    loop {
        let ready = server.get("/health/ready").await?;
        if ready.answer.status == StatusCode::OK {
            eprintln!("ready again {:?} after the restart", restarted.elapsed());
            return Ok(());
        }
        if restarted.elapsed() > RECOVERY_BOUND {
            return Err(format!(
                "not ready {RECOVERY_BOUND:?} after the database came back: {:?}",
                ready.answer
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn nothing_issued_before_the_outage_is_lost(
    server: &Server,
    kept_tokens: &[String],
) -> TestResult {
    for (index, token) in kept_tokens.iter().enumerate() {
        let refreshed = server.refresh(token).await?;
        assert_eq!(
            refreshed.answer.status,
            StatusCode::OK,
            "a refresh token issued before the outage: {:?}",
            refreshed.answer
        );
        assert!(
            refreshed
                .cookie
                .is_some_and(|successor| successor != *token)
        );
        let logged_in = server.log_in(&kept_email(index)).await?;
        assert_eq!(
            logged_in.answer.status,
            StatusCode::OK,
            "{:?}",
            logged_in.answer
        );
    }
    // The sign-up refused during the outage left nothing half-made behind.
    let signed_up = server.sign_up("during-outage@example.com").await?;
    assert_eq!(
        signed_up.answer.status,
        StatusCode::CREATED,
        "{:?}",
        signed_up.answer
    );
    Ok(())
}

fn kept_email(index: usize) -> String {
    format!("kept{index}@example.com")
}
