use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use latchkey_application::{NewUserProfile, SignUp, SignedUp};
use latchkey_domain::{
    EmailAddress, FieldError, Metadata, OptionalText, PasswordPolicy, TenantName, ValidationErrors,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};

use super::auth_response::{AuthResponse, with_refresh_cookie};
use crate::extract::JsonBody;
use crate::openapi::responses::*;
use crate::{ApiError, AppState};

/// The sign-up body both sign-up routes take. Fields Latchkey does not support yet
/// (`roleIds`, `invitationToken`, `recaptchaToken`, ...) are accepted and ignored.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignUpBody {
    /// Required on `signUp`, optional on `signUp/username`; unique, compared lower-cased.
    #[schema(format = Email)]
    pub(super) email: Option<String>,
    /// Required on `signUp/username`, where it is unique and compared lower-cased. Refused on
    /// `signUp` (unless `null` or empty): usernames need an environment token.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,255}$")]
    pub(super) username: Option<String>,
    /// `passwords.min_length` to `passwords.max_length` characters after NFKC
    /// normalization, and not a common password.
    #[schema(value_type = String, format = Password, required = true)]
    password: Option<SecretString>,
    /// The name of the tenant the sign-up creates.
    #[schema(value_type = String, required = true)]
    company_name: Option<String>,
    /// `local`, the default, is the only provider.
    provider: Option<String>,
    name: Option<String>,
    /// A JSON object, or a string holding one (what the SDKs send); at most 4 KiB.
    #[schema(schema_with = metadata_schema)]
    metadata: Option<Value>,
    phone_number: Option<String>,
    profile_picture_url: Option<String>,
}

/// `metadata` is an object, a string holding one, or absent.
fn metadata_schema() -> Schema {
    let one_of = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Object))
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ObjectBuilder::new().schema_type(Type::Null));
    Schema::OneOf(one_of.build())
}

impl SignUpBody {
    /// Parses every field but the identifiers, collecting each problem into `errors`.
    pub(super) fn parse_profile(
        &self,
        policy: &PasswordPolicy,
        errors: &mut ValidationErrors,
    ) -> Option<NewUserProfile> {
        if !matches!(self.provider.as_deref(), None | Some("local")) {
            errors.push(FieldError::new("provider", "provider must be local"));
        }
        let password = match &self.password {
            Some(password) => {
                let inputs = [&self.email, &self.username, &self.company_name];
                let inputs: Vec<&str> = inputs.into_iter().filter_map(|i| i.as_deref()).collect();
                errors.check(policy.parse_new(password, &inputs))
            }
            None => {
                errors.push(FieldError::new("password", "password should not be empty"));
                None
            }
        };
        let company_name = errors.check(TenantName::parse(
            self.company_name.as_deref().unwrap_or_default(),
        ));
        let name = errors.check(OptionalText::parse("name", self.name.as_deref(), 255));
        let phone_number = errors.check(OptionalText::parse(
            "phoneNumber",
            self.phone_number.as_deref(),
            64,
        ));
        let picture = OptionalText::parse_web_url(
            "profilePictureUrl",
            self.profile_picture_url.as_deref(),
            4095,
        );
        let profile_picture_url = errors.check(picture);
        let metadata = errors.check(Metadata::parse(self.metadata.as_ref()));
        Some(NewUserProfile {
            password: password?,
            company_name: company_name?,
            name: name?,
            phone_number: phone_number?,
            profile_picture_url: profile_picture_url?,
            metadata: metadata?,
        })
    }

    fn parse(self, policy: &PasswordPolicy) -> Result<SignUp, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let email = errors.check(EmailAddress::parse(
            self.email.as_deref().unwrap_or_default(),
        ));
        // A username is registered only through `signUp/username`, behind an environment
        // token; accepting one here would let anyone claim usernames without it.
        if self.username.as_deref().is_some_and(|raw| !raw.is_empty()) {
            errors.push(FieldError::new(
                "username",
                "username is not accepted here; sign up with a username at signUp/username",
            ));
        }
        let profile = self.parse_profile(policy, &mut errors);
        match (email, profile) {
            (Some(email), Some(profile)) if errors.is_empty() => Ok(SignUp {
                email,
                username: None,
                profile,
            }),
            _ => Err(errors),
        }
    }
}

/// Frontegg's `SignUpResponseDto`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignUpResponse {
    /// Always `false`: there is no activation step.
    should_activate: bool,
    #[schema(format = Uuid)]
    user_id: String,
    /// The tenant the sign-up created.
    #[schema(format = Uuid)]
    tenant_id: String,
    auth_response: AuthResponse,
}

pub(super) fn signed_up_response(state: &AppState, signed_up: &SignedUp) -> HttpResponse {
    let body = SignUpResponse {
        should_activate: false,
        user_id: signed_up.user_id.to_string(),
        tenant_id: signed_up.tenant_id.to_string(),
        auth_response: AuthResponse::new(&signed_up.authenticated),
    };
    with_refresh_cookie(StatusCode::CREATED, state, &signed_up.authenticated, body)
}

/// `POST /resources/users/v1/signUp`: create a user, their tenant and a first session.
#[utoipa::path(
    post,
    path = "/users/v1/signUp",
    operation_id = "sign_up",
    summary = "Create a user, their tenant and a first session",
    request_body(content = SignUpBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Signed up and logged in; the refresh token is also set \
            as the refresh cookie", body = SignUpResponse,
            headers(("Set-Cookie" = String, description = "The refresh cookie"))),
        (status = 400, response = BadRequest),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 429, response = RateLimited),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
    security(()),
)]
pub async fn sign_up(
    state: web::Data<AppState>,
    body: JsonBody<SignUpBody>,
) -> Result<HttpResponse, ApiError> {
    let policy = state.identity.settings().passwords;
    let request = body
        .0
        .parse(&policy)
        .map_err(|errors| ApiError::validation(&errors))?;

    let signed_up = state.identity.sign_up(request).await?;

    Ok(signed_up_response(&state, &signed_up))
}
