use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut, Data};
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

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
        Self::read(request, payload.take())
    }
}

impl<T: DeserializeOwned + 'static> JsonBody<T> {
    /// Reads `payload` with the rules above. For a handler that must check something else
    /// (a credential) before the body is looked at: it takes the raw `web::Payload` and
    /// calls this once the check has passed.
    pub fn read(
        request: &HttpRequest,
        mut payload: Payload,
    ) -> Pin<Box<dyn Future<Output = Result<Self, ApiError>>>> {
        let limit = request
            .app_data::<Data<AppState>>()
            .map_or(16 * 1024, |state| state.body_limit);
        let declared_length = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        let is_json = is_json_content_type(request);

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
            shape_message::<T>(body, &error),
        )),
        Err(_) => Err(ApiError::invalid_json()),
    }
}

/// Says what is wrong with well-formed JSON of the wrong shape, in the client's terms.
///
/// serde's own messages are no good here: they quote the offending value ("invalid type:
/// string \"...\"", which could be a password) and name Rust types ("expected struct
/// LogInBody"), and serde_json does not say which field failed. So the body is looked at
/// again as plain JSON (only on this error path): a body that is not an object is told it
/// must be one; otherwise each field alone is tried against `T` to find the one that fails.
fn shape_message<T: DeserializeOwned>(body: &[u8], error: &serde_json::Error) -> String {
    let message = error.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    if let Some(field) = quoted_field(message, "missing field ") {
        return format!("{field} is required");
    }
    if let Some(field) = quoted_field(message, "duplicate field ") {
        return format!("{field} appears more than once");
    }
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return "The request body must be a JSON object".to_owned();
    };
    let failing = fields.into_iter().find_map(|(name, value)| {
        let alone = Value::Object(Map::from_iter([(name.clone(), value)]));
        let error = serde_json::from_value::<T>(alone).err()?;
        let message = error.to_string();
        (!message.starts_with("missing field ")).then(|| (name, expected_kind(&message)))
    });
    match failing {
        Some((name, Some(kind))) => format!("{name} must be {kind}"),
        Some((name, None)) => format!("{name} has the wrong type"),
        None => "The request body does not have the expected shape".to_owned(),
    }
}

/// The field name in serde's "missing field `email`" (which names no type and no value).
fn quoted_field<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let name = message.strip_prefix(prefix)?.strip_prefix('`')?;
    name.strip_suffix('`')
}

/// The JSON kind serde expected, from the end of its message (`..., expected a string`),
/// or `None` when it expected something only a Rust type name would describe.
fn expected_kind(serde_message: &str) -> Option<&'static str> {
    let (_, expected) = serde_message.rsplit_once(", expected ")?;
    let expected = expected.split(" at line ").next().unwrap_or_default();
    let is_number = expected.contains("integer")
        || expected.contains("number")
        || expected.contains("float")
        || matches!(
            expected,
            "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "f32" | "f64"
        );
    if expected.contains("string") {
        Some("a string")
    } else if is_number {
        Some("a number")
    } else if expected.contains("bool") {
        Some("true or false")
    } else if expected.contains("sequence") || expected.contains("tuple") {
        Some("an array")
    } else if expected.contains("map") || expected.starts_with("struct ") {
        Some("an object")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct ExampleBody {
        #[serde(rename = "email")]
        _email: Option<String>,
        #[serde(rename = "count")]
        _count: Option<u32>,
    }

    fn message_for(body: &str) -> String {
        match serde_json::from_str::<ExampleBody>(body) {
            Ok(_) => String::new(),
            Err(error) => shape_message::<ExampleBody>(body.as_bytes(), &error),
        }
    }

    #[test]
    fn shape_messages_name_the_field_but_never_a_value_or_a_rust_type() {
        let cases = [
            (
                r#"{"email": "a@b.co", "count": "hunter2"}"#,
                "count must be a number",
            ),
            (r#"{"email": 5}"#, "email must be a string"),
            (r#"{"email": ["hunter2"]}"#, "email must be a string"),
            ("[]", "The request body must be a JSON object"),
            (r#""hunter2""#, "The request body must be a JSON object"),
            ("1", "The request body must be a JSON object"),
            ("null", "The request body must be a JSON object"),
            (
                r#"{"email": "a", "email": "b"}"#,
                "email appears more than once",
            ),
        ];
        for (body, expected) in cases {
            let message = message_for(body);
            assert_eq!(message, expected, "{body}");
            for leak in ["hunter2", "struct", "Body", "enum", "u32", "String"] {
                assert!(
                    !message.contains(leak),
                    "{body}: {message:?} contains {leak}"
                );
            }
        }
    }

    #[test]
    fn expected_kinds_never_pass_a_type_name_through() {
        assert_eq!(
            expected_kind("invalid type: map, expected u32"),
            Some("a number")
        );
        assert_eq!(
            expected_kind("invalid type: map, expected enum Provider"),
            None
        );
        assert_eq!(
            expected_kind("invalid type: map, expected struct X"),
            Some("an object")
        );
        assert_eq!(expected_kind("no comma here"), None);
    }
}
