use actix_web::{HttpResponse, web};
use latchkey_domain::{FieldError, ValidationErrors};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::JsonBody;
use crate::openapi::responses::*;
use crate::{ApiError, AppState};

/// The environment's credentials: `environment.client_id` and `environment.api_key`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VendorBody {
    #[schema(value_type = String, required = true)]
    client_id: Option<String>,
    /// The API key.
    #[schema(value_type = String, format = Password, required = true)]
    secret: Option<SecretString>,
}

/// An environment token.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VendorTokenResponse {
    /// A signed JWT with `type: "vendor"`.
    token: String,
    /// Seconds until it expires.
    expires_in: u64,
}

/// `POST /auth/vendor`: an environment token for `{clientId, secret}`.
#[utoipa::path(
    post,
    path = "/auth/vendor",
    operation_id = "issue_vendor_token",
    tag = "environment",
    summary = "An environment token for the environment's client id and API key",
    request_body(content = VendorBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The token", body = VendorTokenResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = InvalidCredentials),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = RateLimited),
        (status = 500, response = Internal),
    ),
    security(()),
)]
pub async fn issue_vendor_token(
    state: web::Data<AppState>,
    body: JsonBody<VendorBody>,
) -> Result<HttpResponse, ApiError> {
    let VendorBody { client_id, secret } = body.0;
    let mut errors = ValidationErrors::new();
    if client_id.is_none() {
        errors.push(FieldError::new("clientId", "clientId should not be empty"));
    }
    if secret.is_none() {
        errors.push(FieldError::new("secret", "secret should not be empty"));
    }
    let (Some(client_id), Some(secret)) = (client_id, secret) else {
        return Err(ApiError::validation(&errors));
    };

    let issued = state
        .identity
        .issue_vendor_token(&client_id, &secret)
        .await?;

    let body = VendorTokenResponse {
        token: issued.token,
        expires_in: issued.expires_in_secs,
    };
    Ok(HttpResponse::Ok().json(body))
}
