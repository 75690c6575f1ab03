use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use rstest::rstest;

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{TestResult, error_envelope, spawn_app_on};
use serde_json::json;

const JSON_ROUTES: [&str; 5] = [
    "/identity/resources/auth/v1/user",
    "/identity/resources/users/v1/signUp",
    "/identity/resources/users/v1/signUp/username",
    "/identity/resources/auth/v1/user/token/refresh",
    "/auth/vendor",
];

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_the_envelope_and_change_nothing(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let oversized = format!(r#"{{"email":"{}"}}"#, "a".repeat(17 * 1024));
    let cases: [(&str, Option<&str>, String, StatusCode, &str); 5] = [
        (
            "not JSON",
            Some("application/json"),
            "{not json".into(),
            StatusCode::BAD_REQUEST,
            "ER-00006",
        ),
        (
            "truncated JSON",
            Some("application/json"),
            r#"{"email":"#.into(),
            StatusCode::BAD_REQUEST,
            "ER-00006",
        ),
        (
            "wrong content type",
            Some("text/plain"),
            r#"{"email":"a@b.co"}"#.into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "ER-LK-1002",
        ),
        (
            "no content type",
            None,
            r#"{"email":"a@b.co"}"#.into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "ER-LK-1002",
        ),
        (
            "over the size limit",
            Some("application/json"),
            oversized,
            StatusCode::PAYLOAD_TOO_LARGE,
            "ER-LK-1003",
        ),
    ];

    for route in JSON_ROUTES {
        for (description, content_type, body, status, code) in &cases {
            let mut request = app.client.post(app.url(route)).body(body.clone());
            if let Some(content_type) = content_type {
                request = request.header(CONTENT_TYPE, *content_type);
            }
            let (got_status, got_code, _) = error_envelope(request.send().await?).await?;
            // Username sign-up checks for its environment token before it reads the body.
            if route.ends_with("/username") {
                assert_eq!(
                    (got_status, got_code.as_str()),
                    (StatusCode::UNAUTHORIZED, "ER-LK-3003"),
                    "{route}: {description}"
                );
                continue;
            }
            assert_eq!(
                (got_status, got_code.as_str()),
                (*status, *code),
                "{route}: {description}"
            );
        }
    }
    assert_eq!(app.database.count("users").await?, 0);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_of_the_wrong_types_is_a_400_that_never_echoes_the_value(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let bodies = [
        r#"{"email": 42, "password": "x"}"#,
        r#"{"email": "a@b.co", "password": ["secret-in-an-array"]}"#,
        r#"{"email": {"nested": true}, "password": "secret-value"}"#,
        r#"[1, 2, 3]"#,
        r#""just a string""#,
        r#"{"tenantId": 7}"#,
    ];
    for body in bodies {
        let response = app
            .client
            .post(app.url("/identity/resources/auth/v1/user"))
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let (status, _, errors) = error_envelope(response).await?;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(!errors.join(" ").contains("secret"), "{body}: {errors:?}");
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_on_a_post_route_is_a_json_404_not_a_redirect(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;

    let response = app
        .client
        .get(app.url("/identity/resources/auth/v1/user"))
        .header(CONTENT_TYPE, "application/json")
        .send()
        .await?;

    assert!(!response.status().is_redirection());
    let (status, _, _) = error_envelope(response).await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shape_errors_name_the_field_but_never_a_rust_type(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let token = app.environment_token().await?;
    let routes_and_a_field = JSON_ROUTES
        .into_iter()
        .zip(["email", "email", "username", "tenantId", "clientId"]);
    for (route, field) in routes_and_a_field {
        let wrong_field_type = json!({ field: 5 }).to_string();
        let bodies = [("[]", None), ("\"x\"", None), ("1", None)];
        let bodies = bodies
            .into_iter()
            .map(|(body, field)| (body.to_owned(), field))
            .chain([(wrong_field_type, Some(field))]);
        for (body, field) in bodies {
            let response = app
                .client
                .post(app.url(route))
                .header(CONTENT_TYPE, "application/json")
                .header("x-access-token", &token)
                .body(body.clone())
                .send()
                .await?;
            let (status, code, errors) = error_envelope(response).await?;
            let said = errors.join(" ");
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::BAD_REQUEST, "ER-LK-1001"),
                "{route} {body}: {said}"
            );
            for type_word in [
                "struct", "Body", "enum", "Option", "String", "u32", "Secret",
            ] {
                assert!(!said.contains(type_word), "{route} {body}: {said}");
            }
            if let Some(field) = field {
                assert!(said.contains(field), "{route} {body}: {said}");
            }
        }
    }
    Ok(())
}
