use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    COOKIE_NAME, PASSWORD, TestDatabase, TestResult, refresh_cookie, sign_up_body, start,
    test_settings,
};

fn node_settings(database: &TestDatabase) -> latchkey_server::Settings {
    let mut settings = test_settings(&database.url);
    settings.keys.reload_interval_secs = 1;
    settings.lockout.enabled = true;
    settings.lockout.max_attempts = 2;
    settings
}

async fn kid_of(
    client: &reqwest::Client,
    node: &str,
    email: &str,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let login = json!({"email": email, "password": PASSWORD});
    let body: Value = client
        .post(format!("{node}/identity/resources/auth/v1/user"))
        .json(&login)
        .send()
        .await?
        .json()
        .await?;
    let token = body["accessToken"].as_str().ok_or("no access token")?;
    Ok(jsonwebtoken::decode_header(token)?.kid.ok_or("no kid")?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_database_behave_as_one_server() -> TestResult {
    let database = TestDatabase::create().await?;
    let (a, b) = (
        start(node_settings(&database)).await?,
        start(node_settings(&database)).await?,
    );
    let client = reqwest::Client::new();

    let signed_up = client
        .post(format!("{a}/identity/resources/users/v1/signUp"))
        .json(&sign_up_body("ann@example.com"))
        .send()
        .await?;
    let token = refresh_cookie(&signed_up).ok_or("no cookie")?;
    let refreshed = client
        .post(format!("{b}/identity/resources/auth/v1/user/token/refresh"))
        .header("cookie", format!("{COOKIE_NAME}={token}"))
        .send()
        .await?;
    assert_eq!(
        refreshed.status(),
        StatusCode::OK,
        "a session started on A refreshes on B"
    );

    let wrong = json!({"email": "bo@example.com", "password": "not it"});
    for _ in 0..2 {
        client
            .post(format!("{a}/identity/resources/auth/v1/user"))
            .json(&wrong)
            .send()
            .await?;
    }
    let locked = client
        .post(format!("{b}/identity/resources/auth/v1/user"))
        .json(&wrong)
        .send()
        .await?;
    assert_eq!(
        locked.status(),
        StatusCode::FORBIDDEN,
        "a lock caused through A holds on B"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_rotated_while_two_nodes_run_is_used_by_both_and_the_old_key_stays_published()
-> TestResult {
    let database = TestDatabase::create().await?;
    let (a, b) = (
        start(node_settings(&database)).await?,
        start(node_settings(&database)).await?,
    );
    let client = reqwest::Client::new();
    client
        .post(format!("{a}/identity/resources/users/v1/signUp"))
        .json(&sign_up_body("ann@example.com"))
        .send()
        .await?;
    let old_kid = kid_of(&client, &a, "ann@example.com").await?;

    let mut printed = Vec::new();
    latchkey_server::keys::rotate(&node_settings(&database), &mut printed)
        .await
        .map_err(|e| e.to_string())?;
    let printed = String::from_utf8(printed)?;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    for node in [&a, &b] {
        let new_kid = kid_of(&client, node, "ann@example.com").await?;
        assert_ne!(new_kid, old_kid, "{node} signs with the new key");
        assert!(printed.contains(&new_kid), "{printed}");
        let jwks: JwkSet = client
            .get(format!("{node}/.well-known/jwks.json"))
            .send()
            .await?
            .json()
            .await?;
        let kids: Vec<_> = jwks
            .keys
            .iter()
            .filter_map(|key| key.common.key_id.clone())
            .collect();
        assert_eq!(
            kids,
            vec![new_kid.clone(), old_kid.clone()],
            "{node} publishes both, the new one first"
        );
    }
    Ok(())
}
