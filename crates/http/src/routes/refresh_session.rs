use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_domain::{FieldError, TenantId, ValidationErrors};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth_response::{AuthResponse, with_refresh_cookie};
use crate::extract::JsonBody;
use crate::openapi::responses::*;
use crate::{ApiError, AppState};

/// `{}`, `{"tenantId": null}` or `{"tenantId": "<id>"}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshBody {
    /// The tenant the new access token acts in; absent or `null` keeps the current one.
    #[schema(format = Uuid)]
    tenant_id: Option<String>,
}

/// `POST /resources/auth/v1/user/token/refresh`: rotate the refresh token in the cookie.
///
/// The cookie is the only credential: an `Authorization` header is ignored, and a failure
/// leaves the cookie alone, since a concurrent request may just have set a newer one.
#[utoipa::path(
    post,
    path = "/auth/v1/user/token/refresh",
    operation_id = "refresh_session",
    summary = "Rotate the refresh token in the cookie",
    description = "The refresh cookie is the only credential: an `Authorization` header is \
        ignored. Requests presenting one token within `tokens.refresh_grace_secs` of its \
        rotation all get the same successor; a later replay revokes the whole session.",
    request_body(content = Option<RefreshBody>, content_type = "application/json"),
    responses(
        (status = 200, description = "A new access token; the successor refresh token is \
            also set as the refresh cookie", body = AuthResponse,
            headers(("Set-Cookie" = String, description = "The refresh cookie"))),
        (status = 400, response = BadRequest),
        (status = 401, response = InvalidRefreshToken),
        (status = 403, response = TenantNotMember),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
    security(("refreshCookie" = [])),
)]
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
