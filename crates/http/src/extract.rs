use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::{ApiError, AppState, ErrorCode};

/// A JSON request body, read with Latchkey's rules rather than actix's defaults:
///
/// - an empty body is `{}`, whatever the `Content-Type` (the web SDK sends
///   `application/json` on empty POSTs);
/// - a non-empty body must be `application/json` (415 otherwise);
/// - a body over the configured limit is 413, checked before and while reading;
/// - malformed JSON is 400 `ER-00006`; well-formed JSON of the wrong shape is a validation
///   error that names the field but never echoes its value.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = request
            .app_data::<Data<AppState>>()
            .map_or(16 * 1024, |state| state.body_limit);
        let declared_length = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        let is_json = is_json_content_type(request);
        let mut payload = payload.take();

        Box::pin(async move {
            if declared_length.is_some_and(|length| length > limit) {
                return Err(too_large(limit));
            }
            let body = read_limited(&mut payload, limit).await?;
            if body.iter().all(u8::is_ascii_whitespace) {
                return parse(b"{}");
            }
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    ErrorCode::UnsupportedMediaType,
                    "Content-Type must be application/json",
                ));
            }
            parse(&body)
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
pub fn bearer_token(request: &HttpRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn is_json_content_type(request: &HttpRequest) -> bool {
    let Some(value) = request.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

async fn read_limited(payload: &mut Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid_json())?;
        if body.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!("Request body must be at most {limit} bytes"),
    )
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<JsonBody<T>, ApiError> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(JsonBody(value)),
        Err(error) if error.is_data() => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::Validation,
            shape_message(&error.to_string()),
        )),
        Err(_) => Err(ApiError::invalid_json()),
    }
}

// serde's messages quote the offending value ("invalid type: string \"...\""), which could
// be a password; keep only what was expected.
fn shape_message(serde_message: &str) -> String {
    let message = serde_message.split(" at line ").next().unwrap_or_default();
    if message.starts_with("missing field") {
        return message.to_owned();
    }
    match message.split_once(", expected ") {
        Some((_, expected)) => format!("A field has the wrong type: expected {expected}"),
        None => "The request body does not have the expected shape".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_messages_never_echo_the_value() {
        let message =
            shape_message("invalid type: string \"hunter2\", expected u32 at line 1 column 9");
        assert_eq!(message, "A field has the wrong type: expected u32");
        assert_eq!(
            shape_message("missing field `email` at line 1 column 2"),
            "missing field `email`"
        );
        assert!(!shape_message("invalid value: string \"hunter2\"").contains("hunter2"));
    }
}
