use rstest::rstest;
use std::io::Write;
use std::sync::{Arc, Mutex};

use latchkey_server::settings::LogSettings;
use latchkey_server::telemetry;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use serde_json::{Value, json};

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{API_KEY, COOKIE_NAME, PASSWORD, TestResult, refresh_cookie, spawn_app_on};

#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_token_cookie_or_email_reaches_the_logs_even_at_debug_level(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    telemetry::init(
        &LogSettings {
            level: "debug".into(),
            format: "pretty".into(),
        },
        move || writer.clone(),
    );
    let app = spawn_app_on(store).await?;
    let email = "secret.person@example.com";
    let mut secrets = vec![
        PASSWORD.to_owned(),
        email.to_owned(),
        API_KEY.to_owned(),
        "wrong password".to_owned(),
    ];

    let signed_up: Value = app
        .sign_up(&crate::helpers::sign_up_body(email))
        .await?
        .json()
        .await?;
    secrets.push(
        signed_up["authResponse"]["refreshToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    secrets.push(
        signed_up["authResponse"]["accessToken"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    );
    let failed = app
        .log_in(&json!({"email": email, "password": "wrong password"}))
        .await?;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    let logged_in = app
        .log_in(&json!({"email": email, "password": PASSWORD}))
        .await?;
    let token = refresh_cookie(&logged_in).ok_or("no cookie")?;
    secrets.push(token.clone());
    let refreshed = app.refresh(&token).await?;
    let successor = refresh_cookie(&refreshed).ok_or("no cookie")?;
    secrets.push(successor.clone());
    let logout = app
        .client
        .post(app.url("/identity/resources/auth/v1/logout"))
        .header(COOKIE, format!("{COOKIE_NAME}={successor}"))
        .send()
        .await?;
    assert_eq!(logout.status(), StatusCode::CREATED);
    secrets.push(app.environment_token().await?);

    let text = logs.text();
    assert!(
        text.contains("request finished"),
        "the request lines were captured"
    );
    assert!(
        text.contains("http.route=/identity/resources/auth/v1/user"),
        "{text}"
    );
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        assert!(
            !text.contains(secret.as_str()),
            "a secret reached the logs: {secret}"
        );
    }
    assert!(
        !text.contains("$argon2id$"),
        "a password hash reached the logs"
    );
    Ok(())
}
