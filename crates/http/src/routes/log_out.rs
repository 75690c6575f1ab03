use actix_web::{HttpRequest, HttpResponse, web};

use crate::{ApiError, AppState};

/// `POST /resources/auth/v1/logout`: revoke the session in the cookie and expire the
/// cookie, whether or not one came in. The body, if any, is ignored.
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
