use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{StoreKind, TestResult, spawn_app_on, start, test_settings};

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starting_node_prunes_logged_out_sessions_and_keeps_live_ones(
    #[values(StoreKind::Postgres, StoreKind::Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let ann = app.signed_up("ann@example.com").await?;
    let bob = app.signed_up("bob@example.com").await?;
    assert_eq!(app.log_out(Some(&bob)).await?.status(), StatusCode::CREATED);
    assert_eq!(app.database.count("sessions").await?, 2);

    // A node prunes as it starts, then every interval.
    start(test_settings(&app.database.url)).await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.database.count("sessions").await? > 1 {
        assert!(
            Instant::now() < deadline,
            "the logged-out session was not pruned"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.database.count("refresh_tokens").await?, 1);

    assert_eq!(app.refresh(&ann).await?.status(), StatusCode::OK);
    let metrics = app.get("/metrics").await?.text().await?;
    assert!(
        metrics.contains("latchkey_pruned_rows_total{kind=\"sessions\"}"),
        "pruned rows are counted by kind"
    );
    Ok(())
}
