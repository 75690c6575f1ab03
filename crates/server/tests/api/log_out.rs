use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{COOKIE_NAME, TestResult, error_envelope, refresh_set_cookie, spawn_app_on};

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_revokes_the_session_and_expires_the_cookie(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let token = app.signed_up("ann@example.com").await?;

    let response = app.log_out(Some(&token)).await?;

    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = refresh_set_cookie(&response).ok_or("no expiring cookie")?;
    assert!(cookie.starts_with(&format!("{COOKIE_NAME}=;")), "{cookie}");
    assert!(
        cookie.contains("Max-Age=0") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(response.bytes().await?.is_empty());

    let (status, _, _) = error_envelope(app.refresh(&token).await?).await?;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the refresh token died with its session"
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_out_without_a_cookie_or_with_a_dead_one_still_succeeds(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;

    for token in [
        None,
        Some("not-a-token"),
        Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    ] {
        let response = app.log_out(token).await?;
        assert_eq!(response.status(), StatusCode::CREATED, "{token:?}");
        assert!(refresh_set_cookie(&response).is_some_and(|c| c.contains("Max-Age=0")));
    }
    Ok(())
}
