use rstest::rstest;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use serde_json::{Value, json};

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{
    COOKIE_NAME, PASSWORD, TestResult, error_envelope, refresh_cookie, refresh_set_cookie,
    spawn_app_on, spawn_app_on_with,
};

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_rotates_the_token_and_returns_a_fresh_auth_body(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let first = app.signed_up("ann@example.com").await?;

    let response = app.refresh(&first).await?;

    assert_eq!(response.status(), StatusCode::OK);
    let second = refresh_cookie(&response).ok_or("no rotated cookie")?;
    assert_ne!(second, first);
    let body: Value = response.json().await?;
    assert_eq!(body["refreshToken"], json!(second));
    assert!(body["accessToken"].as_str().is_some());

    let third = refresh_cookie(&app.refresh(&second).await?).ok_or("successor did not refresh")?;
    assert_ne!(third, second);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_ignores_any_authorization_header_and_accepts_every_body_the_sdks_send(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let mut token = app.signed_up("ann@example.com").await?;
    let bodies: [Option<&str>; 5] = [
        None,
        Some(""),
        Some("{}"),
        Some(r#"{"tenantId":null}"#),
        Some("  "),
    ];

    for body in bodies {
        let mut request = app
            .client
            .post(app.url("/identity/resources/auth/v1/user/token/refresh"))
            .header(COOKIE, format!("{COOKIE_NAME}={token}"))
            .header(AUTHORIZATION, "Bearer expired.or.garbage")
            .header(CONTENT_TYPE, "application/json");
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await?;
        assert_eq!(response.status(), StatusCode::OK, "body {body:?}");
        token = refresh_cookie(&response).ok_or("no cookie")?;
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_accepts_every_cookie_name_variant(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let mut token = app.signed_up("ann@example.com").await?;

    for name in [
        "fe_refresh_testclient-id",
        "fe_refresh_test-client-id",
        "fe_refresh_testclientid",
    ] {
        let response = app
            .client
            .post(app.url("/resources/auth/v1/user/token/refresh"))
            .header(COOKIE, format!("other=1; {name}={token}"))
            .send()
            .await?;
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        token = refresh_cookie(&response).ok_or("no cookie")?;
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_unknown_or_garbage_cookie_is_a_401_that_leaves_cookies_alone(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let cookies = [
        None,
        Some(format!(
            "{COOKIE_NAME}=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        )),
        Some(format!("{COOKIE_NAME}=garbage")),
        Some(format!("{COOKIE_NAME}=\"\";;;=; =x; {COOKIE_NAME}")),
        Some("fe_refresh_someoneelse=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()),
    ];
    let non_utf8 = [COOKIE_NAME.as_bytes(), b"=\xff\xfe\x80"].concat();
    for cookie in cookies
        .into_iter()
        .map(|c| c.map(String::into_bytes))
        .chain([Some(non_utf8)])
    {
        let mut request = app
            .client
            .post(app.url("/identity/resources/auth/v1/user/token/refresh"));
        if let Some(cookie) = &cookie {
            request = request.header(COOKIE, reqwest::header::HeaderValue::from_bytes(cookie)?);
        }
        let response = request.send().await?;
        assert!(
            refresh_set_cookie(&response).is_none(),
            "{cookie:?} must not touch the cookie"
        );
        let (status, code, _) = error_envelope(response).await?;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "ER-LK-3001"),
            "{cookie:?}"
        );
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_the_user_does_not_belong_to_is_a_403_that_consumes_nothing(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let ann = app
        .sign_up(&crate::helpers::sign_up_body("ann@example.com"))
        .await?;
    let ann_token = refresh_cookie(&ann).ok_or("no cookie")?;
    let ann_tenant = ann.json::<Value>().await?["tenantId"].clone();
    let bo = app
        .sign_up(&crate::helpers::sign_up_body("bo@example.com"))
        .await?;
    let bo_tenant = bo.json::<Value>().await?["tenantId"].clone();

    for foreign in [bo_tenant, json!(uuid::Uuid::new_v4().to_string())] {
        let response = app
            .client
            .post(app.url("/identity/resources/auth/v1/user/token/refresh"))
            .header(COOKIE, format!("{COOKIE_NAME}={ann_token}"))
            .json(&json!({"tenantId": foreign}))
            .send()
            .await?;
        let (status, _, _) = error_envelope(response).await?;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    let response = app
        .client
        .post(app.url("/identity/resources/auth/v1/user/token/refresh"))
        .header(COOKIE, format!("{COOKIE_NAME}={ann_token}"))
        .json(&json!({"tenantId": ann_tenant}))
        .send()
        .await?;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the token was not consumed by the 403s"
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_token_inside_the_grace_window_yields_the_same_successor(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let first = app.signed_up("ann@example.com").await?;

    let once = refresh_cookie(&app.refresh(&first).await?).ok_or("no cookie")?;
    let again = refresh_cookie(&app.refresh(&first).await?).ok_or("no cookie")?;

    assert_eq!(once, again);
    assert_eq!(
        app.database.count("refresh_tokens").await?,
        2,
        "no second successor was stored"
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_token_after_the_grace_window_revokes_the_whole_session(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| settings.tokens.refresh_grace_secs = 1).await?;
    let first = app.signed_up("ann@example.com").await?;
    let second = refresh_cookie(&app.refresh(&first).await?).ok_or("no cookie")?;
    let latest = refresh_cookie(&app.refresh(&second).await?).ok_or("no cookie")?;

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, _, _) = error_envelope(app.refresh(&first).await?).await?;

    assert_eq!(status, StatusCode::UNAUTHORIZED, "reuse is refused");
    let (status, _, _) = error_envelope(app.refresh(&latest).await?).await?;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the session's live token died too"
    );
    let response = app
        .log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .await?;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the user can still log in again"
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_refresh_token_is_a_401(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let token = app.signed_up("ann@example.com").await?;
    app.database.expire_refresh_tokens().await?;

    let (status, _, _) = error_envelope(app.refresh(&token).await?).await?;

    assert_eq!(status, StatusCode::UNAUTHORIZED);
    Ok(())
}
