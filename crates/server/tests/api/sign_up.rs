use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{
    COOKIE_NAME, PASSWORD, TestResult, error_envelope, refresh_set_cookie, sign_up_body,
    spawn_app_on,
};

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_creates_user_tenant_membership_and_a_logged_in_session(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;

    let response = app.sign_up(&sign_up_body("Ann@Example.com")).await?;

    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = refresh_set_cookie(&response).ok_or("no refresh cookie")?;
    let body: Value = response.json().await?;
    assert_eq!(body["shouldActivate"], json!(false));
    let auth = &body["authResponse"];
    assert_eq!(auth["tokenType"], json!("bearer"));
    assert_eq!(auth["mfaRequired"], json!(false));
    assert_eq!(auth["userId"], body["userId"]);
    assert_eq!(
        auth["userEmail"],
        json!("Ann@Example.com"),
        "stored as given"
    );
    assert_eq!(auth["emailVerified"], json!(false));
    assert_eq!(auth["expiresIn"], json!(86_400));
    assert!(
        auth["expires"]
            .as_str()
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
    );
    assert!(
        auth["accessToken"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    let refresh_token = auth["refreshToken"].as_str().ok_or("no refreshToken")?;
    assert!(
        cookie.starts_with(&format!("{COOKIE_NAME}={refresh_token};")),
        "cookie carries the body's token"
    );
    assert!(body["tenantId"].as_str().is_some());

    for table in [
        "users",
        "tenants",
        "memberships",
        "sessions",
        "refresh_tokens",
    ] {
        assert_eq!(app.database.count(table).await?, 1, "one row in {table}");
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_email_in_another_case_is_a_conflict_that_creates_nothing(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    app.signed_up("ann@example.com").await?;

    let response = app.sign_up(&sign_up_body("  ANN@example.COM ")).await?;

    let (status, code, _) = error_envelope(response).await?;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "ER-LK-2001")
    );
    assert_eq!(app.database.count("users").await?, 1);
    assert_eq!(app.database.count("tenants").await?, 1);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_sign_ups_are_400s_that_name_the_field_and_create_nothing(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let with = |field: &str, value: Value| {
        let mut body = sign_up_body("ann@example.com");
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = sign_up_body("ann@example.com");
        body.as_object_mut().map(|object| object.remove(field));
        body
    };
    let cases = [
        ("missing email", without("email"), "email"),
        (
            "email without @",
            with("email", json!("ann.example.com")),
            "email",
        ),
        (
            "email domain without a dot",
            with("email", json!("ann@localhost")),
            "email",
        ),
        (
            "password too short",
            with("password", json!("short")),
            "password",
        ),
        (
            "password too long",
            with("password", json!("p".repeat(129))),
            "password",
        ),
        ("missing password", without("password"), "password"),
        (
            "common password",
            with("password", json!("password123")),
            "password",
        ),
        (
            "password is the email",
            with("password", json!("ann@example.com")),
            "password",
        ),
        ("missing company", without("companyName"), "companyName"),
        (
            "blank company",
            with("companyName", json!("   ")),
            "companyName",
        ),
        (
            "company too long",
            with("companyName", json!("c".repeat(256))),
            "companyName",
        ),
        (
            "unknown provider",
            with("provider", json!("google")),
            "provider",
        ),
        (
            "metadata not an object",
            with("metadata", json!("[1,2]")),
            "metadata",
        ),
        ("metadata a number", with("metadata", json!(42)), "metadata"),
        (
            "a script as the picture URL",
            with("profilePictureUrl", json!("javascript:alert(1)")),
            "profilePictureUrl",
        ),
        (
            "a right-to-left override in the company",
            with("companyName", json!("Acme\u{202E}gnp.exe")),
            "companyName",
        ),
        (
            "NUL in the name",
            with("name", json!("Ann\u{0}Lee")),
            "name",
        ),
        (
            "control character in the company",
            with("companyName", json!("Ac\u{1b}me")),
            "companyName",
        ),
        (
            "bad username",
            with("username", json!("ann lee")),
            "sername",
        ),
    ];

    for (description, body, field) in cases {
        let response = app.sign_up(&body).await?;
        let (status, code, errors) = error_envelope(response).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{description}");
        assert_eq!(code, "ER-LK-1001", "{description}");
        assert!(
            errors.iter().any(|message| message.contains(field)),
            "{description}: {errors:?}"
        );
        assert!(
            !errors.iter().any(|message| message.contains(PASSWORD)),
            "{description}"
        );
    }
    assert_eq!(app.database.count("users").await?, 0);
    assert_eq!(app.database.count("tenants").await?, 0);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_problem_in_a_sign_up_is_reported_at_once(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;

    let response = app
        .sign_up(&json!({"email": "nope", "password": "x"}))
        .await?;

    let (status, _, errors) = error_envelope(response).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        errors.len(),
        3,
        "email, password and companyName: {errors:?}"
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_may_be_an_object_and_optional_fields_may_be_absent(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let body = json!({
        "email": "bo@example.com",
        "password": PASSWORD,
        "companyName": "Bo Inc",
        "provider": "local",
        "metadata": {"plan": "free"},
        "phoneNumber": "+1 555 0100",
        "skipInviteEmail": true,
        "roleIds": [],
    });

    let response = app.sign_up(&body).await?;

    assert_eq!(response.status(), StatusCode::CREATED);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_is_served_under_all_three_prefixes(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    for (index, prefix) in ["/identity", "/frontegg/identity", ""]
        .into_iter()
        .enumerate()
    {
        let path = format!("{prefix}/resources/users/v1/signUp");
        let response = app
            .post_json(&path, &sign_up_body(&format!("user{index}@example.com")))
            .await?;
        assert_eq!(response.status(), StatusCode::CREATED, "{path}");
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_sign_up_refuses_a_username_which_stays_free_for_username_sign_up(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let mut body = sign_up_body("ann@example.com");
    body["username"] = json!("ann");

    let response = app.sign_up(&body).await?;

    let (status, code, errors) = error_envelope(response).await?;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "ER-LK-1001")
    );
    assert!(
        errors.iter().any(|message| message.contains("username")),
        "{errors:?}"
    );
    assert_eq!(app.database.count("users").await?, 0);
    let by_username = app
        .log_in(&json!({"username": "ann", "password": PASSWORD}))
        .await?;
    assert_eq!(by_username.status(), StatusCode::UNAUTHORIZED);
    let token = app.environment_token().await?;
    let claimed = app
        .client
        .post(app.url("/identity/resources/users/v1/signUp/username"))
        .bearer_auth(token)
        .json(&json!({"username": "ann", "password": PASSWORD, "companyName": "Acme"}))
        .send()
        .await?;
    assert_eq!(
        claimed.status(),
        StatusCode::CREATED,
        "the username is free"
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_sign_up_treats_a_null_or_empty_username_as_absent(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    for (index, username) in [json!(null), json!("")].into_iter().enumerate() {
        let mut body = sign_up_body(&format!("user{index}@example.com"));
        body["username"] = username;
        let response = app.sign_up(&body).await?;
        assert_eq!(response.status(), StatusCode::CREATED, "{body}");
    }
    Ok(())
}
