use std::time::Duration;

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::binary::start_binary;
use crate::helpers::{PASSWORD, TestDatabase, TestResult, sign_up_body};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_in_flight_logins_finish_and_refuses_new_connections() -> TestResult {
    let database = TestDatabase::create().await?;
    let server = start_binary(|command| {
        command.env("DATABASE_URL", &database.url);
        // Two dozen concurrent logins of one user exceed the attempts lockout admits at
        // once (it counts them before their passwords are checked); this test is about
        // shutdown, so lockout stays out of its way.
        command.env("LATCHKEY__LOCKOUT__ENABLED", "false");
    })?;
    let client = reqwest::Client::new();
    let sign_up = client
        .post(format!(
            "{}/identity/resources/users/v1/signUp",
            server.address
        ))
        .json(&sign_up_body("ann@example.com"))
        .send()
        .await?;
    assert_eq!(sign_up.status(), StatusCode::CREATED);

    let login = json!({"email": "ann@example.com", "password": PASSWORD});
    let url = format!("{}/identity/resources/auth/v1/user", server.address);
    let in_flight = join_all((0..24).map(|_| client.post(&url).json(&login).send()));
    let terminate = async {
        // Argon2 makes two dozen logins take far longer than this on two cores.
        tokio::time::sleep(Duration::from_millis(60)).await;
        server.terminate()
    };
    let (responses, killed) = tokio::join!(in_flight, terminate);

    assert!(killed?.success());
    for response in responses {
        assert_eq!(
            response?.status(),
            StatusCode::OK,
            "an in-flight login was lost"
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = client
        .get(format!("{}/health/live", server.address))
        .send()
        .await;
    assert!(
        after.is_err(),
        "new connections are refused once shutdown started"
    );
    Ok(())
}
