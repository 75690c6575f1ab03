use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use latchkey_application::IdentityError;
use latchkey_domain::ValidationErrors;
use serde::Serialize;

/// The stable `errorCode` values Latchkey answers with. Frontegg's own codes where one
/// exists, `ER-LK-....` codes of Latchkey's elsewhere; the README lists them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidAuthentication,
    Locked,
    InvalidJson,
    Validation,
    UnsupportedMediaType,
    PayloadTooLarge,
    NotFound,
    CorsRefused,
    EmailTaken,
    UsernameTaken,
    InvalidRefreshToken,
    TenantNotMember,
    InvalidEnvironmentToken,
    InvalidAccessToken,
    RateLimited,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidAuthentication => "ER-01013",
            Self::Locked => "ER-01034",
            Self::InvalidJson => "ER-00006",
            Self::Validation => "ER-LK-1001",
            Self::UnsupportedMediaType => "ER-LK-1002",
            Self::PayloadTooLarge => "ER-LK-1003",
            Self::NotFound => "ER-LK-1004",
            Self::CorsRefused => "ER-LK-1005",
            Self::EmailTaken => "ER-LK-2001",
            Self::UsernameTaken => "ER-LK-2002",
            Self::InvalidRefreshToken => "ER-LK-3001",
            Self::TenantNotMember => "ER-LK-3002",
            Self::InvalidEnvironmentToken => "ER-LK-3003",
            Self::InvalidAccessToken => "ER-LK-3004",
            Self::RateLimited => "ER-LK-4290",
            Self::Unavailable => "ER-LK-5030",
            Self::Internal => "ER-LK-5000",
        }
    }
}

/// An error response: a status, a code and messages, rendered as Frontegg's envelope
/// `{"errors": [...], "errorCode": "..."}`.
#[derive(Debug, thiserror::Error)]
#[error("{status} {code:?}")]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    messages: Vec<String>,
    retry_after_secs: Option<u64>,
}

/// Frontegg's error envelope, the body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ErrorEnvelope)]
pub(crate) struct Envelope<'a> {
    /// One message per problem (for a validation failure, one per field).
    #[schema(value_type = Vec<String>, min_items = 1)]
    errors: &'a [String],
    /// A stable code: Frontegg's (`ER-01013`, ...) or Latchkey's (`ER-LK-....`).
    #[schema(value_type = String, example = "ER-01013")]
    error_code: &'static str,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            messages: vec![message.into()],
            retry_after_secs: None,
        }
    }

    pub fn validation(errors: &ValidationErrors) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: ErrorCode::Validation,
            messages: errors.messages(),
            retry_after_secs: None,
        }
    }

    pub fn invalid_json() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidJson,
            "Invalid input json",
        )
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "Not found")
    }

    pub fn unavailable() -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "Service temporarily unavailable, please retry",
        );
        error.retry_after_secs = Some(1);
        error
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Internal server error",
        )
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let envelope = Envelope {
            errors: &self.messages,
            error_code: self.code.as_str(),
        };
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        response.json(envelope)
    }
}

impl From<IdentityError> for ApiError {
    fn from(error: IdentityError) -> Self {
        use IdentityError as E;
        match error {
            E::Validation(errors) => Self::validation(&errors),
            E::InvalidCredentials | E::InvalidEnvironmentCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidAuthentication,
                "Invalid authentication",
            ),
            E::Locked => Self::new(
                StatusCode::FORBIDDEN,
                ErrorCode::Locked,
                "User is locked after too many failed attempts; try again later",
            ),
            E::EmailTaken => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::EmailTaken,
                "User already exists",
            ),
            E::UsernameTaken => Self::new(
                StatusCode::CONFLICT,
                ErrorCode::UsernameTaken,
                "Username already exists",
            ),
            E::InvalidRefreshToken | E::RefreshTokenReused { .. } => Self::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidRefreshToken,
                "Session not found",
            ),
            E::TenantNotMember => Self::new(
                StatusCode::FORBIDDEN,
                ErrorCode::TenantNotMember,
                "User is not a member of the requested tenant",
            ),
            E::InvalidAccessToken => Self::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidAccessToken,
                "Missing or invalid access token",
            ),
            E::InvalidEnvironmentToken => Self::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidEnvironmentToken,
                "Missing or invalid environment token",
            ),
            E::Unavailable(cause) => {
                tracing::warn!(error.cause = %cause, "request refused: service unavailable");
                Self::unavailable()
            }
            E::Unexpected(cause) => {
                tracing::error!(error.cause = %cause, "request failed unexpectedly");
                Self::internal()
            }
        }
    }
}
