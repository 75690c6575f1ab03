use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::SecondsFormat;
use latchkey_application::Authenticated;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;

/// Frontegg's `AuthenticationResponseDto`, as login, refresh and sign-up return it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthResponse {
    /// Always `bearer`.
    #[schema(value_type = String, example = "bearer")]
    token_type: &'static str,
    /// Always `false`: there is no MFA yet.
    mfa_required: bool,
    /// The user's access token, a signed JWT.
    access_token: String,
    /// The same opaque value as the refresh cookie.
    refresh_token: String,
    /// Seconds until the access token expires.
    expires_in: u64,
    /// When the access token expires.
    #[schema(format = DateTime)]
    expires: String,
    #[schema(format = Uuid)]
    user_id: String,
    user_email: Option<String>,
    email_verified: bool,
}

impl AuthResponse {
    pub fn new(authenticated: &Authenticated) -> Self {
        let user = &authenticated.principal.user;
        let access = &authenticated.access_token;
        Self {
            token_type: "bearer",
            mfa_required: false,
            access_token: access.token.clone(),
            refresh_token: authenticated.refresh_token.encode(),
            expires_in: access.expires_in_secs,
            expires: access.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            user_id: user.id.to_string(),
            user_email: user.email.as_ref().map(|email| email.as_str().to_owned()),
            email_verified: user.email_verified,
        }
    }
}

/// A JSON response that also sets the refresh cookie for `authenticated`.
pub fn with_refresh_cookie(
    status: StatusCode,
    state: &AppState,
    authenticated: &Authenticated,
    body: impl Serialize,
) -> HttpResponse {
    HttpResponse::build(status)
        .cookie(state.cookies.issue(&authenticated.refresh_token))
        .json(body)
}
