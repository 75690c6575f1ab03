use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_domain::{FieldError, TenantId, ValidationErrors};
use serde::Deserialize;

use super::auth_response::{AuthResponse, with_refresh_cookie};
use crate::extract::JsonBody;
use crate::{ApiError, AppState};

/// `{}`, `{"tenantId": null}` or `{"tenantId": "<id>"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshBody {
    tenant_id: Option<String>,
}

/// `POST /resources/auth/v1/user/token/refresh`: rotate the refresh token in the cookie.
///
/// The cookie is the only credential: an `Authorization` header is ignored, and a failure
/// leaves the cookie alone, since a concurrent request may just have set a newer one.
pub async fn refresh_session(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    let requested_tenant = match body.0.tenant_id.as_deref() {
        None => None,
        Some(raw) => Some(raw.parse::<TenantId>().map_err(|_| {
            ApiError::validation(&ValidationErrors::from(FieldError::new(
                "tenantId",
                "tenantId must be a UUID",
            )))
        })?),
    };
    let presented = state.cookies.read(&request);

    let authenticated = state
        .identity
        .refresh_session(presented, requested_tenant)
        .await?;

    let body = AuthResponse::new(&authenticated);
    Ok(with_refresh_cookie(
        StatusCode::OK,
        &state,
        &authenticated,
        body,
    ))
}
