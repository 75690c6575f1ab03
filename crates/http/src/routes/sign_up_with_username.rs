use actix_web::{HttpRequest, HttpResponse, web};
use latchkey_application::SignUpWithUsername;
use latchkey_domain::{EmailAddress, PasswordPolicy, Username, ValidationErrors};

use super::sign_up::SignUpResponse;
use super::sign_up::{SignUpBody, signed_up_response};
use crate::extract::{JsonBody, bearer_token};
use crate::openapi::responses::*;
use crate::{ApiError, AppState};

impl SignUpBody {
    fn parse_with_username(
        self,
        policy: &PasswordPolicy,
    ) -> Result<SignUpWithUsername, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let username = errors.check(Username::parse(
            self.username.as_deref().unwrap_or_default(),
        ));
        let email = match self.email.as_deref() {
            None => Some(None),
            Some(raw) if raw.trim().is_empty() => Some(None),
            Some(raw) => errors.check(EmailAddress::parse(raw)).map(Some),
        };
        let profile = self.parse_profile(policy, &mut errors);
        match (username, email, profile) {
            (Some(username), Some(email), Some(profile)) if errors.is_empty() => {
                Ok(SignUpWithUsername {
                    username,
                    email,
                    profile,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The environment token, from `Authorization: Bearer` or `x-access-token`.
fn environment_token(request: &HttpRequest) -> Option<&str> {
    let headers = request.headers();
    let access_token = headers
        .get("x-access-token")
        .and_then(|value| value.to_str().ok());
    let access_token = access_token
        .map(str::trim)
        .filter(|token| !token.is_empty());
    bearer_token(request).or(access_token)
}

/// `POST /resources/users/v1/signUp/username`: sign up with a username; needs an
/// environment token.
#[utoipa::path(
    post,
    path = "/users/v1/signUp/username",
    operation_id = "sign_up_with_username",
    summary = "Sign up with a username; needs an environment token",
    description = "Without a valid token the answer is 401 before the body is read, \
        whatever the body.",
    request_body(content = SignUpBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Signed up and logged in; the refresh token is also set \
            as the refresh cookie", body = SignUpResponse,
            headers(("Set-Cookie" = String, description = "The refresh cookie"))),
        (status = 400, response = BadRequest),
        (status = 401, response = InvalidEnvironmentToken),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = RateLimited),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
    security(("environmentToken" = []), ("environmentTokenHeader" = [])),
)]
pub async fn sign_up_with_username(
    request: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // The token is verified before the body is even read, so a caller without a valid one
    // learns nothing about how bodies are parsed (size, media type, JSON, fields).
    let access = state
        .identity
        .verify_environment_token(environment_token(&request))?;
    let body = JsonBody::<SignUpBody>::read(&request, payload.into_inner()).await?;
    let policy = state.identity.settings().passwords;
    let sign_up = body
        .0
        .parse_with_username(&policy)
        .map_err(|errors| ApiError::validation(&errors))?;

    let signed_up = state
        .identity
        .sign_up_with_username(access, sign_up)
        .await?;

    Ok(signed_up_response(&state, &signed_up))
}
