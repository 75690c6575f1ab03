use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use latchkey_application::LogIn;
use latchkey_domain::{EmailAddress, FieldError, LoginIdentifier, Username, ValidationErrors};
use secrecy::SecretString;
use serde::Deserialize;

use super::auth_response::{AuthResponse, with_refresh_cookie};
use crate::extract::JsonBody;
use crate::{ApiError, AppState};

/// `{email or username, password, invitationToken?, recaptchaToken?}`. Invitations and
/// captchas are not supported yet; their tokens are accepted and ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogInBody {
    email: Option<String>,
    username: Option<String>,
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
