use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// The OpenID discovery document: enough for JWT libraries to find the keys.
#[derive(Serialize, ToSchema)]
pub struct OpenIdConfiguration {
    /// `environment.issuer`, the tokens' `iss`.
    issuer: String,
    jwks_uri: String,
    #[schema(value_type = Vec<String>)]
    response_types_supported: [&'static str; 1],
    #[schema(value_type = Vec<String>)]
    subject_types_supported: [&'static str; 1],
    /// The algorithms of the published keys.
    id_token_signing_alg_values_supported: Vec<String>,
}

/// The published keys (RFC 7517), as `GET /.well-known/jwks.json` serves them. Only the
/// OpenAPI document uses this type; the set itself comes from the token issuer.
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the JWKS in the OpenAPI document only")]
pub struct JsonWebKeySet {
    keys: Vec<JsonWebKey>,
}

/// One public key; which members it has depends on `kty`.
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the JWKS in the OpenAPI document only")]
pub struct JsonWebKey {
    /// `RSA`, `EC` or `OKP`.
    kty: String,
    /// The key's RFC 7638 thumbprint, the `kid` in token headers.
    kid: String,
    /// `RS256`, `ES256` or `EdDSA`.
    alg: String,
    /// Always `sig`.
    #[schema(rename = "use")]
    key_use: String,
    /// RSA modulus.
    n: Option<String>,
    /// RSA exponent.
    e: Option<String>,
    /// `P-256` or `Ed25519`.
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

/// `GET /.well-known/jwks.json`: every public key that may still have live tokens.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    operation_id = "jwks",
    tag = "keys",
    summary = "The public keys tokens are verified with",
    responses((status = 200, description = "The key set", body = JsonWebKeySet,
        content_type = "application/json")),
    security(()),
)]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.identity.json_web_key_set())
}

/// `GET /.well-known/openid-configuration`: where the keys are, for JWT libraries that
/// discover them.
#[utoipa::path(
    get,
    path = "/.well-known/openid-configuration",
    operation_id = "openid_configuration",
    tag = "keys",
    summary = "OpenID discovery: where the keys are",
    responses((status = 200, description = "The discovery document", body = OpenIdConfiguration)),
    security(()),
)]
pub async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    let issuer = state
        .identity
        .settings()
        .issuer
        .trim_end_matches('/')
        .to_owned();
    let algorithms = state.identity.json_web_key_set()["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|key| key.get("alg")?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    HttpResponse::Ok().json(OpenIdConfiguration {
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        issuer,
        response_types_supported: ["token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: algorithms,
    })
}
