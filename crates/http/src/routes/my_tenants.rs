use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::me::{RoleDto, TenantDto, role, tenant_dto};
use crate::extract::bearer_token;
use crate::openapi::responses::*;
use crate::{ApiError, AppState};

/// The user's tenants and the one the access token acts in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyTenantsResponse {
    tenants: Vec<TenantDto>,
    /// `null` only if the user has left the token's tenant since it was issued.
    active_tenant: Option<TenantDto>,
}

/// The roles and permissions an access token carries in its tenant.
#[derive(Serialize, ToSchema)]
pub struct AuthorizationResponse {
    roles: Vec<RoleDto>,
    /// Always empty: there is no permission model yet.
    permissions: Vec<String>,
}

/// `GET /resources/users/v3/me/tenants`: the tenants of the user behind the access token, and the
/// one the token acts in.
#[utoipa::path(
    get,
    path = "/users/v3/me/tenants",
    operation_id = "my_tenants",
    summary = "The user's tenants and the active one",
    responses(
        (status = 200, description = "The tenants", body = MyTenantsResponse),
        (status = 401, response = InvalidAccessToken),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
    security(("accessToken" = [])),
)]
pub async fn my_tenants(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = state
        .identity
        .load_current_user(bearer_token(&request))
        .await?;

    let memberships = &current.profile.memberships;
    let body = MyTenantsResponse {
        tenants: memberships.iter().map(tenant_dto).collect(),
        active_tenant: memberships
            .iter()
            .find(|m| m.tenant_id == current.active_tenant)
            .map(tenant_dto),
    };
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /resources/users/v1/me/tenants`: the same as `v3`, which the web SDK calls instead
/// when sessions per tenant are on.
#[utoipa::path(
    get,
    path = "/users/v1/me/tenants",
    operation_id = "my_tenants_v1",
    summary = "The user's tenants and the active one (v1, the same body as v3)",
    responses(
        (status = 200, description = "The tenants", body = MyTenantsResponse),
        (status = 401, response = InvalidAccessToken),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
    security(("accessToken" = [])),
)]
pub async fn my_tenants_v1(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    my_tenants(request, state).await
}

/// `GET /resources/users/v1/me/authorization`: the roles and permissions the access token
/// carries in its tenant (the web SDK loads it when its authorization flag is on).
#[utoipa::path(
    get,
    path = "/users/v1/me/authorization",
    operation_id = "my_authorization",
    summary = "The roles and permissions of the access token's tenant",
    responses(
        (status = 200, description = "Roles and permissions", body = AuthorizationResponse),
        (status = 401, response = InvalidAccessToken),
        (status = 500, response = Internal),
        (status = 503, response = Unavailable),
    ),
    security(("accessToken" = [])),
)]
pub async fn my_authorization(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = state
        .identity
        .load_current_user(bearer_token(&request))
        .await?;

    let roles = current
        .profile
        .memberships
        .iter()
        .filter(|m| m.tenant_id == current.active_tenant)
        .flat_map(|m| m.roles.iter().map(|key| role(key)))
        .collect();
    let body = AuthorizationResponse {
        roles,
        permissions: Vec::new(),
    };
    Ok(HttpResponse::Ok().json(body))
}
