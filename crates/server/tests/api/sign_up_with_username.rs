use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{PASSWORD, TestResult, error_envelope, spawn_app_on};

const PATH: &str = "/identity/resources/users/v1/signUp/username";

fn body(username: &str) -> Value {
    json!({"username": username, "password": PASSWORD, "companyName": "Lee Co"})
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn username_sign_up_needs_a_valid_environment_token(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let unsigned = "eyJhbGciOiJub25lIn0.eyJ0eXBlIjoidmVuZG9yIn0.";

    for bearer in [None, Some("garbage"), Some(unsigned)] {
        let mut request = app.client.post(app.url(PATH)).json(&body("ann"));
        if let Some(token) = bearer {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let (status, code, _) = error_envelope(request.send().await?).await?;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "ER-LK-3003"),
            "{bearer:?}"
        );
    }
    assert_eq!(app.database.count("users").await?, 0);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_token_is_not_an_environment_token(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let signed_up: Value = app
        .sign_up(&crate::helpers::sign_up_body("ann@example.com"))
        .await?
        .json()
        .await?;
    let user_token = signed_up["authResponse"]["accessToken"]
        .as_str()
        .ok_or("no token")?;

    let response = app
        .client
        .post(app.url(PATH))
        .bearer_auth(user_token)
        .json(&body("bo"))
        .send()
        .await?;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn username_sign_up_with_either_token_header_then_log_in_by_username(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let token = app.environment_token().await?;

    let by_bearer = app
        .client
        .post(app.url(PATH))
        .bearer_auth(&token)
        .json(&body("Ann.Lee"))
        .send()
        .await?;
    assert_eq!(by_bearer.status(), StatusCode::CREATED);
    let signed_up: Value = by_bearer.json().await?;
    assert_eq!(signed_up["authResponse"]["userEmail"], json!(null));

    let by_header = app
        .client
        .post(app.url(PATH))
        .header("x-access-token", &token)
        .json(&body("bo"))
        .send()
        .await?;
    assert_eq!(by_header.status(), StatusCode::CREATED);

    let response = app
        .log_in(&json!({"username": "ann.lee", "password": PASSWORD}))
        .await?;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "usernames compare case-insensitively"
    );
    let logged_in: Value = response.json().await?;
    assert_eq!(logged_in["userId"], signed_up["userId"]);

    let duplicate = app
        .client
        .post(app.url(PATH))
        .bearer_auth(&token)
        .json(&body("ANN.LEE"))
        .send()
        .await?;
    let (status, code, _) = error_envelope(duplicate).await?;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::CONFLICT, "ER-LK-2002")
    );
    assert_eq!(app.database.count("tenants").await?, 2);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn username_sign_up_validates_the_username_and_optional_email(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let token = app.environment_token().await?;
    let mut with_bad_email = body("carla");
    with_bad_email["email"] = json!("carla@nowhere");
    let cases = [
        ("bad characters", body("carla lee")),
        ("too long", body(&"c".repeat(256))),
        ("missing", json!({"password": PASSWORD, "companyName": "C"})),
        ("bad email", with_bad_email),
    ];
    for (description, request) in cases {
        let response = app
            .client
            .post(app.url(PATH))
            .bearer_auth(&token)
            .json(&request)
            .send()
            .await?;
        let (status, _, _) = error_envelope(response).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{description}");
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_valid_token_every_body_problem_is_a_401(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let oversized = format!(r#"{{"username":"{}"}}"#, "a".repeat(17 * 1024));
    let cases: [(&str, Option<&str>, String); 6] = [
        ("not JSON", Some("application/json"), "{not json".into()),
        ("wrong shape", Some("application/json"), "[]".into()),
        (
            "wrong field type",
            Some("application/json"),
            r#"{"username": 5}"#.into(),
        ),
        (
            "wrong content type",
            Some("text/plain"),
            r#"{"username":"a"}"#.into(),
        ),
        ("no content type", None, r#"{"username":"a"}"#.into()),
        ("over the size limit", Some("application/json"), oversized),
    ];
    for token in [None, Some("Bearer not-a-token-we-signed")] {
        for (description, content_type, body) in &cases {
            let mut request = app.client.post(app.url(PATH)).body(body.clone());
            if let Some(content_type) = content_type {
                request = request.header(CONTENT_TYPE, *content_type);
            }
            if let Some(token) = token {
                request = request.header("authorization", token);
            }
            let (status, code, _) = error_envelope(request.send().await?).await?;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNAUTHORIZED, "ER-LK-3003"),
                "{description}, token {token:?}"
            );
        }
    }
    Ok(())
}
