//! The error responses the operations share, as components they refer to by name. Every
//! one of them carries the error envelope; the statuses and codes are those of
//! `crate::error` and the README's error table.

use utoipa::ToResponse;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

/// A response with the error envelope as its JSON body.
fn envelope(description: &str) -> ResponseBuilder {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", content)
}

/// `Retry-After`: whole seconds until a retry may succeed.
fn retry_after(response: ResponseBuilder) -> ResponseBuilder {
    let seconds = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(1));
    let header = HeaderBuilder::new()
        .schema(seconds)
        .description(Some("Seconds to wait before retrying."));
    response.header("Retry-After", header.build())
}

/// Declares a unit type per shared error response, named as its component is.
macro_rules! error_responses {
    ($($name:ident => $description:literal $(, $decorate:expr)?;)+) => {$(
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let response = envelope($description);
                $(let response = $decorate(response);)?
                (stringify!($name), response.build().into())
            }
        }
    )+};
}

error_responses! {
    BadRequest => "The body is not JSON (`ER-00006`), or it fails validation (`ER-LK-1001`, \
        one message per field; also JSON of the wrong shape).";
    InvalidCredentials => "Unknown identifier, wrong password or a user without a password, \
        all with one body (`ER-01013`).";
    InvalidRefreshToken => "The refresh cookie is missing, unknown, expired, revoked or \
        replayed (`ER-LK-3001`).";
    InvalidEnvironmentToken => "No valid environment token (`ER-LK-3003`).";
    InvalidAccessToken => "No valid access token: missing, expired, tampered, `alg: none`, \
        another algorithm or another audience (`ER-LK-3004`).";
    Locked => "The identifier is locked after repeated failed logins (`ER-01034`).";
    TenantNotMember => "`tenantId` is not one of the user's tenants (`ER-LK-3002`); the \
        refresh token is not consumed.";
    NotFound => "No such route or file (`ER-LK-1004`).";
    Conflict => "The email (`ER-LK-2001`) or username (`ER-LK-2002`) is already registered.";
    PayloadTooLarge => "The body is over `server.body_limit_bytes` (`ER-LK-1003`).";
    UnsupportedMediaType => "A non-empty body that is not `application/json` (`ER-LK-1002`).";
    RateLimited => "Too many requests from this client IP (`ER-LK-4290`).", rate_limited;
    Internal => "Something unexpected failed (`ER-LK-5000`); the cause is in the log only.";
    Unavailable => "The database is unreachable or the password-hashing queue is full \
        (`ER-LK-5030`).", retry_after;
}

/// A 429 says when to retry twice: `Retry-After` and `X-Rate-Limit-Reset`.
fn rate_limited(response: ResponseBuilder) -> ResponseBuilder {
    let instant = ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)));
    let reset = HeaderBuilder::new()
        .schema(instant)
        .description(Some("When the limit resets (RFC 3339)."));
    retry_after(response).header("X-Rate-Limit-Reset", reset.build())
}
