use reqwest::StatusCode;
use reqwest::header::{ORIGIN, SET_COOKIE};
use rstest::rstest;

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{TestResult, error_envelope, sign_up_body, spawn_app_on_with};

const APP_ORIGIN: &str = "http://localhost:3000";

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preflight_from_an_allowed_origin_admits_every_sdk_header(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| {
        settings.cors.allowed_origins = format!("{APP_ORIGIN}, https://app.example.com")
    })
    .await?;
    let headers = "authorization,content-type,x-frontegg-framework,x-frontegg-sdk,frontegg-source,frontegg-requested-application-id,frontegg-scoped-tenant,frontegg-login-alias,frontegg-vendor-host";

    let response = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            app.url("/frontegg/identity/resources/auth/v1/user"),
        )
        .header(ORIGIN, APP_ORIGIN)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", headers)
        .send()
        .await?;

    assert!(response.status().is_success(), "{}", response.status());
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    assert_eq!(header("access-control-allow-origin"), APP_ORIGIN);
    assert_eq!(header("access-control-allow-credentials"), "true");
    for requested in headers.split(',') {
        assert!(
            header("access-control-allow-headers").contains(requested),
            "{requested} not allowed"
        );
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_origin_sees_the_trace_id_and_another_origin_gets_no_cors_headers(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| {
        settings.cors.allowed_origins = APP_ORIGIN.into()
    })
    .await?;

    let allowed = app
        .client
        .post(app.url("/frontegg/identity/resources/users/v1/signUp"))
        .header(ORIGIN, APP_ORIGIN)
        .json(&sign_up_body("ann@example.com"))
        .send()
        .await?;
    assert_eq!(allowed.status(), StatusCode::CREATED);
    assert!(allowed.headers().get(SET_COOKIE).is_some());
    let exposed = allowed
        .headers()
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok());
    assert!(
        exposed.is_some_and(|v| v.contains("frontegg-trace-id")),
        "{exposed:?}"
    );

    let foreign = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .header(ORIGIN, "https://evil.example")
        .send()
        .await?;
    assert_eq!(foreign.status(), StatusCode::OK);
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_preflight_answers_with_the_json_envelope_and_a_trace_id(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| {
        settings.cors.allowed_origins = APP_ORIGIN.into()
    })
    .await?;
    let cases = [
        (
            "origin not allowed",
            "https://evil.example",
            "POST",
            "content-type",
        ),
        ("method not allowed", APP_ORIGIN, "TRACE", "content-type"),
        (
            "header not allowed",
            APP_ORIGIN,
            "POST",
            "x-not-a-frontegg-header",
        ),
    ];
    for (description, origin, method, headers) in cases {
        let response = app
            .client
            .request(
                reqwest::Method::OPTIONS,
                app.url("/identity/resources/auth/v1/user"),
            )
            .header(ORIGIN, origin)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", headers)
            .send()
            .await?;

        let trace_id = response
            .headers()
            .get("frontegg-trace-id")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(trace_id.len(), 32, "{description}: trace id {trace_id:?}");
        let (status, code, errors) = error_envelope(response).await?;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "ER-LK-1005"),
            "{description}: {errors:?}"
        );
    }
    Ok(())
}
