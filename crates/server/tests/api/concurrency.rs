use futures_util::future::join_all;
use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{TestResult, refresh_cookie, sign_up_body, spawn_app_on};

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_simultaneous_sign_ups_with_one_email_make_one_account(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let body = sign_up_body("race@example.com");

    let responses = join_all((0..10).map(|_| app.sign_up(&body))).await;

    let mut statuses: Vec<StatusCode> = Vec::new();
    for response in responses {
        statuses.push(response?.status());
    }
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|status| **status == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 9), "{statuses:?}");
    assert_eq!(app.database.count("users").await?, 1);
    assert_eq!(app.database.count("tenants").await?, 1);
    assert_eq!(app.database.count("memberships").await?, 1);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_simultaneous_refreshes_with_one_cookie_all_get_the_same_successor(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let token = app.signed_up("ann@example.com").await?;

    let responses = join_all((0..10).map(|_| app.refresh(&token))).await;

    let mut successors = Vec::new();
    for response in responses {
        let response = response?;
        assert_eq!(response.status(), StatusCode::OK);
        successors.push(refresh_cookie(&response).ok_or("no cookie")?);
    }
    successors.dedup();
    assert_eq!(
        successors.len(),
        1,
        "one successor for all: {}",
        successors.len()
    );
    assert_eq!(app.database.count("refresh_tokens").await?, 2);

    let next = app.refresh(&successors[0]).await?;
    assert_eq!(
        next.status(),
        StatusCode::OK,
        "the shared successor refreshes once more"
    );
    Ok(())
}
