use actix_web::{HttpRequest, HttpResponse, web};
use chrono::SecondsFormat;
use latchkey_application::CurrentUser;
use latchkey_domain::Membership;
use serde::Serialize;
use serde_json::Value;

use crate::extract::bearer_token;
use crate::{ApiError, AppState};

/// A role as Frontegg's user DTO lists it. Latchkey's roles are plain keys.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleDto {
    id: String,
    key: String,
    name: String,
    permissions: Vec<String>,
}

/// Frontegg's `UserDto`, as `GET /users/v2/me` returns it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MeResponse {
    id: String,
    sub: String,
    email: Option<String>,
    username: Option<String>,
    name: Option<String>,
    profile_picture_url: Option<String>,
    phone_number: Option<String>,
    verified: bool,
    mfa_enrolled: bool,
    provider: &'static str,
    roles: Vec<RoleDto>,
    permissions: Vec<String>,
    tenant_id: String,
    tenant_ids: Vec<String>,
    tenants: Vec<Value>,
    /// Frontegg sends metadata as a string holding JSON.
    metadata: String,
    vendor_metadata: Option<String>,
    created_at: String,
    last_login: Option<String>,
    sub_account_access_allowed: bool,
}

pub(super) fn tenant_dto(membership: &Membership) -> Value {
    serde_json::json!({
        "id": membership.tenant_id.to_string(),
        "tenantId": membership.tenant_id.to_string(),
        "name": membership.tenant_name,
        "roles": membership.roles.iter().map(|key| role(key)).collect::<Vec<_>>(),
        "deletedAt": null,
        "metadata": null,
        "isReseller": false,
    })
}

fn role(key: &str) -> RoleDto {
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
