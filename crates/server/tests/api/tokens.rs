use rstest::rstest;
use std::collections::HashSet;

use futures_util::future::join_all;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::StoreKind::{self, Postgres, Sqlite};
use crate::helpers::{
    API_KEY, CLIENT_ID, ISSUER, PASSWORD, TestDatabase, TestResult, error_envelope, spawn_app_on,
    start, test_settings,
};

/// Verifies `token` with the JWKS the server publishes, as a relying party would.
async fn verify(
    app: &crate::helpers::TestApp,
    token: &str,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let jwks: JwkSet = app.get("/.well-known/jwks.json").await?.json().await?;
    let header = decode_header(token)?;
    let kid = header.kid.ok_or("token has no kid")?;
    let jwk = jwks.find(&kid).ok_or("kid not in the JWKS")?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[CLIENT_ID]);
    validation.set_issuer(&[ISSUER]);
    let data = decode::<Value>(token, &DecodingKey::from_jwk(jwk)?, &validation)?;
    Ok(data.claims)
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_token_verifies_against_the_served_jwks_and_carries_every_claim(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;
    let signed_up: Value = app
        .sign_up(&crate::helpers::sign_up_body("ann@example.com"))
        .await?
        .json()
        .await?;
    let response = app
        .log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .await?;
    let body: Value = response.json().await?;
    let token = body["accessToken"].as_str().ok_or("no access token")?;

    assert_eq!(decode_header(token)?.alg, jsonwebtoken::Algorithm::RS256);
    let claims = verify(&app, token).await?;

    let tenant_id = signed_up["tenantId"].clone();
    assert_eq!(claims["sub"], signed_up["userId"]);
    assert_eq!(claims["email"], json!("ann@example.com"));
    assert_eq!(claims["email_verified"], json!(false));
    assert_eq!(claims["name"], json!("Ann Lee"));
    assert_eq!(
        claims["metadata"],
        json!({"plan": "pro"}),
        "metadata is an object in the token"
    );
    assert_eq!(claims["roles"], json!(["Admin"]));
    assert_eq!(claims["permissions"], json!([]));
    assert_eq!(claims["tenantId"], tenant_id);
    assert_eq!(claims["tenantIds"], json!([tenant_id]));
    assert!(claims.get("profilePictureUrl").is_some());
    assert!(claims["sid"].as_str().is_some());
    assert_eq!(claims["type"], json!("userToken"));
    assert_eq!(claims["aud"], json!(CLIENT_ID));
    assert_eq!(claims["iss"], json!(ISSUER));
    let (iat, exp) = (
        claims["iat"].as_i64().ok_or("iat")?,
        claims["exp"].as_i64().ok_or("exp")?,
    );
    assert_eq!(exp - iat, 86_400);
    assert_eq!(body["expiresIn"], json!(86_400));
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_discovery_document_points_at_the_jwks(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;

    let discovery: Value = app
        .get("/.well-known/openid-configuration")
        .await?
        .json()
        .await?;
    let jwks: Value = app.get("/.well-known/jwks.json").await?.json().await?;

    assert_eq!(discovery["issuer"], json!(ISSUER));
    assert_eq!(
        discovery["jwks_uri"],
        json!(format!("{ISSUER}/.well-known/jwks.json"))
    );
    let keys = jwks["keys"].as_array().ok_or("no keys")?;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["alg"], json!("RS256"));
    assert_eq!(keys[0]["use"], json!("sig"));
    assert!(keys[0].get("d").is_none(), "no private member is published");
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_starting_together_on_an_empty_database_agree_on_one_key(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let database = TestDatabase::create_on(store).await?;
    let starts = join_all((0..3).map(|_| start(test_settings(&database.url)))).await;

    let client = reqwest::Client::new();
    let mut kids = HashSet::new();
    for address in starts {
        let jwks: JwkSet = client
            .get(format!("{}/.well-known/jwks.json", address?))
            .send()
            .await?
            .json()
            .await?;
        assert_eq!(jwks.keys.len(), 1);
        kids.extend(jwks.keys.iter().filter_map(|key| key.common.key_id.clone()));
    }
    assert_eq!(kids.len(), 1, "{kids:?}");
    assert_eq!(database.count("signing_keys").await?, 1);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_keys_are_sealed_when_a_key_encryption_key_is_configured(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = crate::helpers::spawn_app_on_with(store, |settings| {
        settings.keys.encryption_key = Some("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".into());
        settings.tokens.algorithm = "ES256".into();
    })
    .await?;
    app.signed_up("ann@example.com").await?;

    let response = app
        .log_in(&json!({"email": "ann@example.com", "password": PASSWORD}))
        .await?;
    let body: Value = response.json().await?;
    let claims = verify(&app, body["accessToken"].as_str().ok_or("no token")?).await?;

    assert_eq!(claims["type"], json!("userToken"));
    assert_eq!(
        app.database
            .count("signing_keys WHERE is_encrypted AND algorithm = 'ES256'")
            .await?,
        1
    );
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vendor_route_issues_environment_tokens_only_for_the_right_credentials(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;

    let token = app.environment_token().await?;
    let claims = verify(&app, &token).await?;
    assert_eq!(claims["type"], json!("vendor"));

    let wrong = [
        json!({"clientId": CLIENT_ID, "secret": "wrong"}),
        json!({"clientId": "someone-else", "secret": API_KEY}),
        json!({"clientId": CLIENT_ID, "secret": ""}),
    ];
    for body in wrong {
        let (status, code, _) = error_envelope(app.post_json("/auth/vendor", &body).await?).await?;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "ER-01013"),
            "{body}"
        );
    }
    let (status, _, _) = error_envelope(app.post_json("/auth/vendor", &json!({})).await?).await?;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    Ok(())
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_routes_answer_and_every_response_has_a_trace_id(
    #[values(Postgres, Sqlite)] store: StoreKind,
) -> TestResult {
    let app = spawn_app_on(store).await?;

    for path in [
        "/health/live",
        "/health/ready",
        "/.well-known/jwks.json",
        "/no/such/route",
    ] {
        let response = app.get(path).await?;
        let trace_id = response
            .headers()
            .get("frontegg-trace-id")
            .and_then(|value| value.to_str().ok())
            .ok_or("no trace id")?
            .to_owned();
        assert_eq!(trace_id.len(), 32, "{path}");
        assert!(trace_id.chars().all(|c| c.is_ascii_hexdigit()), "{path}");
        let expected = if path == "/no/such/route" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(response.status(), expected, "{path}");
    }
    let (_, code, _) = error_envelope(app.get("/no/such/route").await?).await?;
    assert_eq!(code, "ER-LK-1004");
    Ok(())
}
