//! Credentialed CORS for the allow-listed origins, with its refusals in the JSON envelope.

use actix_cors::{Cors, CorsError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};

use crate::{ApiError, ErrorCode};

/// Every request header Frontegg's SDKs send, so that their preflights succeed.
const SDK_HEADERS: [&str; 14] = [
    "authorization",
    "content-type",
    "accept",
    "x-frontegg-framework",
    "x-frontegg-sdk",
    "frontegg-source",
    "frontegg-requested-application-id",
    "frontegg-application-id",
    "frontegg-vendor-host",
    "frontegg-login-alias",
    "frontegg-scoped-tenant",
    "frontegg-tenant-id",
    "frontegg-user-id",
    "x-access-token",
];

/// Credentialed CORS for the allow-listed origins only; the refresh cookie rides along.
pub(crate) fn cors(allowed_origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .supports_credentials()
        // A request from another origin is answered without CORS headers (the browser then
        // withholds the response) rather than with a non-JSON error.
        .block_on_origin_mismatch(false)
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers(SDK_HEADERS)
        .expose_headers(["frontegg-trace-id"])
        .max_age(3600);
    for origin in allowed_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// actix-cors answers a refused preflight (origin, method or header not allowed) with a
/// plain-text 400; this wraps it, so the refusal carries the JSON envelope like every other
/// error. Its messages are actix-cors' fixed texts, which echo nothing from the request.
pub(crate) async fn cors_errors_as_envelope(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = next.call(request).await?.map_into_boxed_body();
    let refusal = response
        .response()
        .error()
        .and_then(|error| error.as_error::<CorsError>())
        .map(ToString::to_string);
    let Some(message) = refusal else {
        return Ok(response);
    };
    let envelope =
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::CorsRefused, message).error_response();
    Ok(response.into_response(envelope))
}
