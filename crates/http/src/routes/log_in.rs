use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use latchkey_application::LogIn;
use latchkey_domain::{EmailAddress, FieldError, LoginIdentifier, Username, ValidationErrors};
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth_response::{AuthResponse, with_refresh_cookie};
use crate::extract::JsonBody;
use crate::openapi::responses::*;
use crate::{ApiError, AppState};

/// `{email or username, password, invitationToken?, recaptchaToken?}`. Invitations and
/// captchas are not supported yet; their tokens are accepted and ignored.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogInBody {
    /// The email to log in with; either it or `username` is required.
    #[schema(format = Email)]
    email: Option<String>,
    #[schema(pattern = "^[A-Za-z0-9._-]{1,255}$")]
    username: Option<String>,
    /// At most `passwords.max_length` characters.
    #[schema(value_type = String, format = Password, required = true)]
    password: Option<SecretString>,
}

impl LogInBody {
    fn parse(self, state: &AppState) -> Result<LogIn, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let identifier = match (self.email.as_deref(), self.username.as_deref()) {
            (Some(email), _) if !email.trim().is_empty() => errors
                .check(EmailAddress::parse(email))
                .map(LoginIdentifier::Email),
            (_, Some(username)) if !username.is_empty() => errors
                .check(Username::parse(username))
                .map(LoginIdentifier::Username),
            _ => {
                errors.push(FieldError::new(
                    "email",
                    "Either email or username must be provided",
                ));
                None
            }
        };
        let policy = state.identity.settings().passwords;
        let password = match &self.password {
            Some(password) => errors.check(policy.parse_presented(password)),
            None => {
                errors.push(FieldError::new("password", "password should not be empty"));
                None
            }
        };
        match (identifier, password) {
            (Some(identifier), Some(password)) if errors.is_empty() => Ok(LogIn {
                identifier,
                password,
            }),
            _ => Err(errors),
        }
    }
}

/// `POST /resources/auth/v1/user`: log in with a password.
#[utoipa::path(
    post,
    path = "/auth/v1/user",
    operation_id = "log_in",
    summary = "Log in with an email or username and a password",
    request_body(content = LogInBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in; the refresh token is also set as the \
            refresh cookie", body = AuthResponse,
            headers(("Set-Cookie" = String, description = "The refresh cookie"))),
        (status = 400, response = BadRequest),
        (status = 401, response = InvalidCredentials),
        (status = 403, response = Locked),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = RateLimited),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
    security(()),
)]
pub async fn log_in(
    state: web::Data<AppState>,
    body: JsonBody<LogInBody>,
) -> Result<HttpResponse, ApiError> {
    let attempt = body
        .0
        .parse(&state)
        .map_err(|errors| ApiError::validation(&errors))?;

    let authenticated = state.identity.log_in(attempt).await?;

    let body = AuthResponse::new(&authenticated);
    Ok(with_refresh_cookie(
        StatusCode::OK,
        &state,
        &authenticated,
        body,
    ))
}
