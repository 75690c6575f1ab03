use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{PASSWORD, TestResult, error_envelope, refresh_cookie, spawn_app_on};

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_with_email_in_any_case_returns_tokens_and_a_cookie(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    app.signed_up("Ann@Example.com").await?;

    for prefix in ["/identity", "/frontegg/identity", ""] {
        let path = format!("{prefix}/resources/auth/v1/user");
        let response = app
            .post_json(
                &path,
                &json!({"email": "ann@EXAMPLE.com", "password": PASSWORD}),
            )
            .await?;

        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let cookie = refresh_cookie(&response).ok_or("no cookie")?;
        let body: Value = response.json().await?;
        assert_eq!(body["refreshToken"], json!(cookie));
        assert_eq!(body["userEmail"], json!("Ann@Example.com"));
        assert_eq!(body["mfaRequired"], json!(false));
    }
    assert_eq!(
        app.database.count("sessions").await?,
        4,
        "sign-up plus three logins"
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_user_wrong_password_and_passwordless_user_get_identical_401s(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    app.signed_up("ann@example.com").await?;
    app.signed_up("nopass@example.com").await?;
    app.database
        .execute(
            "UPDATE users SET password_hash = NULL WHERE email_normalized = 'nopass@example.com'",
        )
        .await?;

    let attempts = [
        json!({"email": "nobody@example.com", "password": PASSWORD}),
        json!({"email": "ann@example.com", "password": "wrong password"}),
        json!({"email": "nopass@example.com", "password": PASSWORD}),
        json!({"username": "nobody", "password": PASSWORD}),
    ];
    let mut bodies = Vec::new();
    for attempt in &attempts {
        let response = app.log_in(attempt).await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{attempt}");
        assert!(refresh_cookie(&response).is_none());
        bodies.push(response.bytes().await?);
    }

    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "bodies differ: {bodies:?}"
    );
    let body: Value = serde_json::from_slice(&bodies[0])?;
    assert_eq!(
        body,
        json!({"errors": ["Invalid authentication"], "errorCode": "ER-01013"})
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_without_an_identifier_or_password_is_a_400(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let cases = [
        ("no identifier", json!({"password": PASSWORD})),
        ("no password", json!({"email": "ann@example.com"})),
        ("empty object", json!({})),
        (
            "password over the limit",
            json!({"email": "ann@example.com", "password": "p".repeat(600)}),
        ),
        (
            "malformed email",
            json!({"email": "ann", "password": PASSWORD}),
        ),
    ];
    for (description, body) in cases {
        let (status, code, _) = error_envelope(app.log_in(&body).await?).await?;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "ER-LK-1001"),
            "{description}"
        );
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_rehashes_a_password_stored_with_outdated_parameters(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let database = crate::helpers::TestDatabase::create_on(store).await?;
    let mut outdated = crate::helpers::test_settings(&database.url);
    outdated.passwords.argon2_memory_kib = 8192;
    outdated.passwords.argon2_iterations = 1;
    let old_server = crate::helpers::start(outdated).await?;
    let client = reqwest::Client::new();
    let body = crate::helpers::sign_up_body("ann@example.com");
    let signed_up = client
        .post(format!("{old_server}/identity/resources/users/v1/signUp"))
        .json(&body)
        .send()
        .await?;
    assert_eq!(signed_up.status(), StatusCode::CREATED);
    assert_eq!(
        database
            .count("users WHERE password_hash LIKE '$argon2id$v=19$m=8192,t=1,%'")
            .await?,
        1
    );

    let current_server =
        crate::helpers::start(crate::helpers::test_settings(&database.url)).await?;
    let login = json!({"email": "ann@example.com", "password": PASSWORD});
    let response = client
        .post(format!("{current_server}/identity/resources/auth/v1/user"))
        .json(&login)
        .send()
        .await?;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        database
            .count("users WHERE password_hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'")
            .await?,
        1
    );
    let again = client
        .post(format!("{current_server}/identity/resources/auth/v1/user"))
        .json(&login)
        .send()
        .await?;
    assert_eq!(again.status(), StatusCode::OK, "the new hash verifies");
    Ok(())
}
