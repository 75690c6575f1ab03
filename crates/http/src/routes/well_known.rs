use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use crate::AppState;

/// `GET /.well-known/jwks.json`: every public key that may still have live tokens.
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.identity.json_web_key_set())
}

/// `GET /.well-known/openid-configuration`: where the keys are, for JWT libraries that
/// discover them.
pub async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    let issuer = state
        .identity
        .settings()
        .issuer
        .trim_end_matches('/')
        .to_owned();
    let algorithms: Vec<Value> = state.identity.json_web_key_set()["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|key| key.get("alg").cloned())
                .collect()
        })
        .unwrap_or_default();
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algorithms,
    }))
}
