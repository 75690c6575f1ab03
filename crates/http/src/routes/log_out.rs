use actix_web::{HttpRequest, HttpResponse, web};

use crate::openapi::responses::*;
use crate::{ApiError, AppState};

/// `POST /resources/auth/v1/logout`: revoke the session in the cookie and expire the
/// cookie, whether or not one came in. The body, if any, is ignored.
#[utoipa::path(
    post,
    path = "/auth/v1/logout",
    operation_id = "log_out",
    summary = "Revoke the session in the refresh cookie",
    description = "Answers with an expiring cookie whether or not a valid one came in; any \
        body is ignored.",
    responses(
        (status = 201, description = "Logged out; the refresh cookie expires",
            headers(("Set-Cookie" = String, description = "The refresh cookie, expiring"))),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
    security((), ("refreshCookie" = [])),
)]
pub async fn log_out(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let presented = state.cookies.read(&request);

    state.identity.log_out(presented).await?;

    Ok(HttpResponse::Created()
        .cookie(state.cookies.expire())
        .finish())
}
