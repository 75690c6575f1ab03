use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use latchkey_application::CurrentUser;
use latchkey_domain::Membership;
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::bearer_token;
use crate::openapi::responses::*;
use crate::{ApiError, AppState};

/// A role as Frontegg's user DTO lists it. Latchkey's roles are plain keys, so `id`, `key`
/// and `name` are the same string.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Role)]
pub(super) struct RoleDto {
    id: String,
    key: String,
    name: String,
    permissions: Vec<String>,
}

/// A tenant the user belongs to, as Frontegg's user DTO lists it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Tenant)]
pub(super) struct TenantDto {
    #[schema(format = Uuid)]
    id: String,
    /// The same as `id`.
    #[schema(format = Uuid)]
    tenant_id: String,
    name: String,
    /// The user's roles in this tenant.
    roles: Vec<RoleDto>,
    /// Always `null`.
    deleted_at: Option<String>,
    /// Always `null`.
    metadata: Option<String>,
    is_reseller: bool,
}

/// Frontegg's `UserDto`, as `GET /users/v2/me` returns it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = User)]
pub struct MeResponse {
    #[schema(format = Uuid)]
    id: String,
    /// The same as `id`.
    #[schema(format = Uuid)]
    sub: String,
    email: Option<String>,
    username: Option<String>,
    name: Option<String>,
    profile_picture_url: Option<String>,
    phone_number: Option<String>,
    verified: bool,
    mfa_enrolled: bool,
    /// Always `local`.
    #[schema(value_type = String, example = "local")]
    provider: &'static str,
    /// The user's roles in the active tenant.
    roles: Vec<RoleDto>,
    /// Always empty: there is no permission model yet.
    permissions: Vec<String>,
    /// The tenant the access token acts in.
    #[schema(format = Uuid)]
    tenant_id: String,
    tenant_ids: Vec<String>,
    tenants: Vec<TenantDto>,
    /// Frontegg sends metadata as a string holding a JSON object.
    metadata: String,
    vendor_metadata: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    last_login: Option<String>,
    sub_account_access_allowed: bool,
}

pub(super) fn tenant_dto(membership: &Membership) -> TenantDto {
    TenantDto {
        id: membership.tenant_id.to_string(),
        tenant_id: membership.tenant_id.to_string(),
        name: membership.tenant_name.clone(),
        roles: membership.roles.iter().map(|key| role(key)).collect(),
        deleted_at: None,
        metadata: None,
        is_reseller: false,
    }
}

pub(super) fn role(key: &str) -> RoleDto {
    RoleDto {
        id: key.to_owned(),
        key: key.to_owned(),
        name: key.to_owned(),
        permissions: Vec::new(),
    }
}

impl MeResponse {
    fn new(current: &CurrentUser) -> Self {
        let CurrentUser {
            profile,
            active_tenant,
        } = current;
        let user = &profile.user;
        let active = profile
            .memberships
            .iter()
            .find(|m| m.tenant_id == *active_tenant);
        let time =
            |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
        Self {
            id: user.id.to_string(),
            sub: user.id.to_string(),
            email: user.email.as_ref().map(|email| email.as_str().to_owned()),
            username: user
                .username
                .as_ref()
                .map(|username| username.as_str().to_owned()),
            name: user.name.clone(),
            profile_picture_url: user.profile_picture_url.clone(),
            phone_number: user.phone_number.clone(),
            verified: user.email_verified,
            mfa_enrolled: false,
            provider: "local",
            roles: active
                .map(|m| m.roles.iter().map(|key| role(key)).collect())
                .unwrap_or_default(),
            permissions: Vec::new(),
            tenant_id: active_tenant.to_string(),
            tenant_ids: profile
                .memberships
                .iter()
                .map(|m| m.tenant_id.to_string())
                .collect(),
            tenants: profile.memberships.iter().map(tenant_dto).collect(),
            metadata: user.metadata.to_value().to_string(),
            vendor_metadata: None,
            created_at: time(profile.created_at),
            last_login: profile.last_login_at.map(time),
            sub_account_access_allowed: false,
        }
    }
}

/// `GET /resources/users/v2/me`: the user behind the access token.
#[utoipa::path(
    get,
    path = "/users/v2/me",
    operation_id = "me",
    summary = "The user behind the access token",
    responses(
        (status = 200, description = "The user, with their tenants and roles", body = MeResponse),
        (status = 401, response = InvalidAccessToken),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
    security(("accessToken" = [])),
)]
pub async fn me(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = state
        .identity
        .load_current_user(bearer_token(&request))
        .await?;

    Ok(HttpResponse::Ok().json(MeResponse::new(&current)))
}
