use actix_web::{HttpResponse, web};
use latchkey_domain::{FieldError, ValidationErrors};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::extract::JsonBody;
use crate::{ApiError, AppState};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VendorBody {
    client_id: Option<String>,
    secret: Option<SecretString>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VendorTokenResponse {
    token: String,
    expires_in: u64,
}

/// `POST /auth/vendor`: an environment token for `{clientId, secret}`.
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
