use rstest::rstest;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{
    PASSWORD, TestApp, TestResult, error_envelope, sign_up_body, spawn_app_on, spawn_app_on_with,
    start, test_settings,
};

const ME: &str = "/frontegg/identity/resources/users/v2/me";
const TENANTS: &str = "/frontegg/identity/resources/users/v3/me/tenants";

async fn access_token(
    app: &TestApp,
    email: &str,
) -> Result<(String, Value), Box<dyn std::error::Error + Send + Sync>> {
    let signed_up: Value = app.sign_up(&sign_up_body(email)).await?.json().await?;
    let token = signed_up["authResponse"]["accessToken"]
        .as_str()
        .ok_or("no token")?
        .to_owned();
    Ok((token, signed_up))
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn me_describes_the_user_behind_the_access_token(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let (token, signed_up) = access_token(&app, "ann@example.com").await?;

    let response = app
        .client
        .get(app.url(ME))
        .bearer_auth(&token)
        .send()
        .await?;

    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await?;
    assert_eq!(me["id"], signed_up["userId"]);
    assert_eq!(me["sub"], signed_up["userId"]);
    assert_eq!(me["email"], json!("ann@example.com"));
    assert_eq!(me["name"], json!("Ann Lee"));
    assert_eq!(me["tenantId"], signed_up["tenantId"]);
    assert_eq!(me["tenantIds"], json!([signed_up["tenantId"]]));
    assert_eq!(me["tenants"][0]["name"], json!("Acme"));
    assert_eq!(me["roles"][0]["key"], json!("Admin"));
    assert_eq!(me["permissions"], json!([]));
    assert_eq!(
        me["metadata"],
        json!("{\"plan\":\"pro\"}"),
        "metadata travels as a JSON string"
    );
    assert_eq!(me["verified"], json!(false));
    assert!(me["createdAt"].as_str().is_some() && me["lastLogin"].as_str().is_some());
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_tenants_lists_the_tenants_and_the_active_one(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let (token, signed_up) = access_token(&app, "ann@example.com").await?;

    let body: Value = app
        .client
        .get(app.url(TENANTS))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;

    assert_eq!(body["tenants"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["tenants"][0]["tenantId"], signed_up["tenantId"]);
    assert_eq!(body["activeTenant"]["tenantId"], signed_up["tenantId"]);
    assert_eq!(body["activeTenant"]["name"], json!("Acme"));

    let v1: Value = app
        .client
        .get(app.url("/identity/resources/users/v1/me/tenants"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(v1, body, "v1 answers like v3");
    let authorization: Value = app
        .client
        .get(app.url("/identity/resources/users/v1/me/authorization"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(authorization["roles"][0]["key"], json!("Admin"));
    assert_eq!(authorization["permissions"], json!([]));
    Ok(())
}

fn forge(header: &Value, token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap_or_default();
    format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(header.to_string()))
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tampered_and_missing_access_tokens_are_401s(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let (token, _) = access_token(&app, "ann@example.com").await?;
    let kid = jsonwebtoken::decode_header(&token)?.kid.ok_or("no kid")?;
    let mut tampered = token.clone();
    let last = tampered
        .pop()
        .map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
    tampered.push(last);
    let payload = token.split('.').nth(1).unwrap_or_default();
    let hs256 = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            kid: Some(kid.clone()),
            ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
        },
        &serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(payload)?)?,
        &jsonwebtoken::EncodingKey::from_secret(b"guessable"),
    )?;
    let cases = [
        ("tampered signature", Some(tampered)),
        (
            "alg none",
            Some(forge(&json!({"alg": "none", "kid": kid}), &token)),
        ),
        ("another algorithm", Some(hs256)),
        ("garbage", Some("not.a.jwt".to_owned())),
        ("no token", None),
    ];
    for (description, bearer) in cases {
        for path in [ME, TENANTS] {
            let mut request = app.client.get(app.url(path));
            if let Some(bearer) = &bearer {
                request = request.bearer_auth(bearer);
            }
            let (status, code, _) = error_envelope(request.send().await?).await?;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNAUTHORIZED, "ER-LK-3004"),
                "{description} on {path}"
            );
        }
    }
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_a_401(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on_with(store, |settings| {
        settings.tokens.access_ttl_secs = 1;
        settings.tokens.leeway_secs = 0;
    })
    .await?;
    let (token, _) = access_token(&app, "ann@example.com").await?;

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = app
        .client
        .get(app.url(ME))
        .bearer_auth(&token)
        .send()
        .await?;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_another_audience_is_a_401_even_with_the_same_key(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let mut other = test_settings(&app.database.url);
    other.environment.client_id = "another-client".into();
    let other_address = start(other).await?;
    let body = sign_up_body("ann@example.com");
    let signed_up: Value = app
        .client
        .post(format!(
            "{other_address}/identity/resources/users/v1/signUp"
        ))
        .json(&body)
        .send()
        .await?
        .json()
        .await?;
    let foreign = signed_up["authResponse"]["accessToken"]
        .as_str()
        .ok_or("no token")?;

    let response = app
        .client
        .get(app.url(ME))
        .bearer_auth(foreign)
        .send()
        .await?;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let login = app
        .log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .await?;
    assert_eq!(login.status(), StatusCode::OK, "the user itself is fine");
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_box_configuration_routes_answer(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;

    let public: Value = app
        .get("/frontegg/identity/resources/configurations/v1/public")
        .await?
        .json()
        .await?;
    let strategies: Value = app
        .get("/identity/resources/configurations/v1/sign-up/strategies")
        .await?
        .json()
        .await?;

    assert_eq!(public["allowSignups"], json!(true));
    assert_eq!(public["authStrategy"], json!("EmailAndPassword"));
    let username = strategies
        .as_array()
        .and_then(|all| all.iter().find(|s| s["strategy"] == json!("username")));
    assert_eq!(
        username.map(|s| s["isActive"].clone()),
        Some(json!(false)),
        "needs an environment token"
    );
    Ok(())
}
