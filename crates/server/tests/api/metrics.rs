use rstest::rstest;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{PASSWORD, TestResult, refresh_cookie, spawn_app_on, spawn_app_on_with};

/// The value of the one series of `name` whose labels include every `label`.
fn series(exposition: &str, name: &str, labels: &[&str]) -> Option<f64> {
    exposition
        .lines()
        .filter(|line| line.starts_with(name) && !line.starts_with('#'))
        .filter(|line| line[name.len()..].starts_with(['{', ' ']))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_flow_shows_up_in_every_metric_series(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| {
        settings.tokens.refresh_grace_secs = 1;
        settings.rate_limit.enabled = true;
        settings.rate_limit.log_in_per_minute = 4;
    })
    .await?;
    let first = app.signed_up("ann@example.com").await?;
    let good = json!({"email": "ann@example.com", "password": PASSWORD});
    let bad = json!({"email": "ann@example.com", "password": "not the password"});
    let statuses = [
        app.log_in(&good).await?.status(),
        app.log_in(&good).await?.status(),
        app.log_in(&bad).await?.status(),
    ];
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::OK, StatusCode::UNAUTHORIZED]
    );
    assert_eq!(app.log_in(&good).await?.status(), StatusCode::OK);
    assert_eq!(
        app.log_in(&good).await?.status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    let second = refresh_cookie(&app.refresh(&first).await?).ok_or("no cookie")?;
    assert_eq!(
        refresh_cookie(&app.refresh(&first).await?),
        Some(second),
        "grace"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        app.refresh(&first).await?.status(),
        StatusCode::UNAUTHORIZED,
        "reuse"
    );
    assert_eq!(
        app.refresh("garbage").await?.status(),
        StatusCode::UNAUTHORIZED
    );

    let response = app.get("/metrics").await?;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await?;

    let expect = |name: &str, labels: &[&str], value: f64| {
        assert_eq!(
            series(&text, name, labels),
            Some(value),
            "{name}{labels:?} in:\n{text}"
        );
    };
    expect("latchkey_logins_total", &["outcome=\"success\""], 3.0);
    expect("latchkey_logins_total", &["outcome=\"invalid\""], 1.0);
    expect("latchkey_logins_total", &["outcome=\"rate_limited\""], 1.0);
    expect("latchkey_refreshes_total", &["outcome=\"rotated\""], 1.0);
    expect("latchkey_refreshes_total", &["outcome=\"grace\""], 1.0);
    expect(
        "latchkey_refreshes_total",
        &["outcome=\"reuse_revoked\""],
        1.0,
    );
    expect("latchkey_refreshes_total", &["outcome=\"invalid\""], 1.0);
    let login_route = "route=\"/identity/resources/auth/v1/user\"";
    expect(
        "latchkey_http_requests_total",
        &[login_route, "status=\"200\""],
        3.0,
    );
    expect(
        "latchkey_http_requests_total",
        &[login_route, "status=\"429\""],
        1.0,
    );
    expect(
        "latchkey_http_request_duration_seconds_count",
        &[login_route],
        5.0,
    );
    expect("latchkey_hash_duration_seconds_count", &[], 5.0);
    assert!(series(&text, "latchkey_hash_queue_wait_seconds_count", &[]).is_some());
    assert!(series(&text, "latchkey_db_pool_wait_seconds_count", &[]).is_some());
    assert!(series(&text, "latchkey_db_pool_connections", &[]).is_some_and(|n| n >= 1.0));
    assert!(!text.contains("ann@example.com"), "no user data in labels");
    Ok(())
}

/// The labels of every `latchkey_http_requests_total` series, sorted (the exposition's
/// order is not stable).
fn request_series(exposition: &str) -> Vec<String> {
    let mut series: Vec<String> = exposition
        .lines()
        .filter(|line| line.starts_with("latchkey_http_requests_total{"))
        .filter_map(|line| line.rsplit_once(' ').map(|(labels, _)| labels.to_owned()))
        .collect();
    series.sort();
    series
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invented_methods_and_random_paths_add_no_series(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let round = |methods: [&'static str; 2]| {
        let app = &app;
        async move {
            for method in methods {
                let method = reqwest::Method::from_bytes(method.as_bytes())?;
                let nonce = uuid::Uuid::new_v4().simple().to_string();
                for path in [
                    format!("/{nonce}"),
                    format!("/identity/resources/{nonce}"),
                    "/identity/resources/auth/v1/user".to_owned(),
                ] {
                    app.client
                        .request(method.clone(), app.url(&path))
                        .send()
                        .await?;
                }
            }
            let exposition = app.get("/metrics").await?.text().await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(exposition)
        }
    };

    // Scraping is itself counted once it has happened: scrape before the first round too.
    app.get("/metrics").await?;
    let first = round(["M12345", "PROPFIND"]).await?;
    let second = round(["X99999", "BREW"]).await?;

    assert_eq!(request_series(&first), request_series(&second), "{second}");
    for invented in ["M12345", "PROPFIND", "X99999", "BREW"] {
        assert!(!second.contains(invented), "{invented} in:\n{second}");
    }
    assert!(
        second
            .lines()
            .any(|line| line.contains("method=\"other\"") && line.contains("route=\"<unmatched>\"")),
        "{second}"
    );
    Ok(())
}
