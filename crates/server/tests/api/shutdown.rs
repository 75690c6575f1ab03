use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestDatabase, TestResult, sign_up_body};

/// The real binary, started on a free port; killed if the test ends early.
struct RunningBinary {
    child: Child,
    address: String,
}

impl Drop for RunningBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_binary(
    database_url: &str,
) -> Result<RunningBinary, Box<dyn std::error::Error + Send + Sync>> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .env("DATABASE_URL", database_url)
        .env("LATCHKEY__SERVER__PORT", "0")
        .env("LATCHKEY__RATE_LIMIT__ENABLED", "false")
        .env("LATCHKEY__LOG__FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let port = loop {
        let line = lines.next().ok_or("the server exited before listening")??;
        let event: serde_json::Value = serde_json::from_str(&line)?;
        if event["message"] == json!("latchkey listening") {
            break event["port"]
                .as_u64()
                .ok_or("no port in the listening line")?;
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok(RunningBinary {
        child,
        address: format!("http://127.0.0.1:{port}"),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_in_flight_logins_finish_and_refuses_new_connections() -> TestResult {
    let database = TestDatabase::create().await?;
    let server = start_binary(&database.url)?;
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
        Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status()
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
