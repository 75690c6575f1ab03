use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use rstest::rstest;
use serde_json::json;

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{
    CLIENT_ID, PASSWORD, TestResult, error_envelope, sign_up_body, spawn_app_on_with,
};

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_beyond_the_limit_get_429_with_retry_headers_and_a_spoofed_forwarded_for_does_not_help(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| {
        settings.rate_limit.enabled = true;
        settings.rate_limit.sign_up_per_minute = 2;
    })
    .await?;
    for index in 0..2 {
        let response = app
            .sign_up(&sign_up_body(&format!("user{index}@example.com")))
            .await?;
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    let limited = app
        .client
        .post(app.url("/frontegg/identity/resources/users/v1/signUp/username"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&sign_up_body("user3@example.com"))
        .send()
        .await?;

    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "both sign-up routes share the limit"
    );
    let retry_after: u64 = limited
        .headers()
        .get(RETRY_AFTER)
        .ok_or("no Retry-After")?
        .to_str()?
        .parse()?;
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let reset = limited
        .headers()
        .get("x-rate-limit-reset")
        .ok_or("no X-Rate-Limit-Reset")?
        .to_str()?
        .to_owned();
    assert!(
        chrono::DateTime::parse_from_rfc3339(&reset).is_ok(),
        "{reset}"
    );
    let (_, code, _) = error_envelope(limited).await?;
    assert_eq!(code, "ER-LK-4290");
    assert_eq!(app.database.count("users").await?, 2);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_login_budget(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| {
        settings.rate_limit.enabled = true;
        settings.rate_limit.log_in_per_minute = 1;
        settings.server.trusted_proxies = "127.0.0.1".into();
    })
    .await?;
    let attempt = json!({"email": "nobody@example.com", "password": PASSWORD});
    let log_in_as = |client_ip: &'static str| {
        app.client
            .post(app.url("/identity/resources/auth/v1/user"))
            .header("x-forwarded-for", client_ip)
            .json(&attempt)
            .send()
    };

    assert_eq!(
        log_in_as("198.51.100.1").await?.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        log_in_as("198.51.100.1").await?.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        log_in_as("198.51.100.2").await?.status(),
        StatusCode::UNAUTHORIZED,
        "another client"
    );
    let other_prefix = app
        .client
        .post(app.url("/resources/auth/v1/user"))
        .header("x-forwarded-for", "198.51.100.2")
        .json(&attempt)
        .send()
        .await?;
    assert_eq!(
        other_prefix.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "every prefix shares one budget"
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_rate_limits_off_nothing_is_limited(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app =
        spawn_app_on_with(store, |settings| settings.rate_limit.sign_up_per_minute = 1).await?;

    for index in 0..3 {
        let response = app
            .sign_up(&sign_up_body(&format!("user{index}@example.com")))
            .await?;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_the_api_key_is_rate_limited_per_client_ip(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| {
        settings.rate_limit.enabled = true;
        settings.rate_limit.vendor_per_minute = 2;
    })
    .await?;
    let guess = json!({"clientId": CLIENT_ID, "secret": "a wrong guess"});
    for _ in 0..2 {
        let response = app.post_json("/auth/vendor", &guess).await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }

    let limited = app.post_json("/auth/vendor", &guess).await?;

    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        limited.headers().get(RETRY_AFTER).is_some(),
        "no Retry-After"
    );
    assert!(
        limited.headers().get("x-rate-limit-reset").is_some(),
        "no X-Rate-Limit-Reset"
    );
    let (_, code, _) = error_envelope(limited).await?;
    assert_eq!(code, "ER-LK-4290");
    Ok(())
}
