use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::me::tenant_dto;
use crate::extract::bearer_token;
use crate::{ApiError, AppState};

/// `GET /resources/users/v3/me/tenants` (and `v1`, which the web SDK calls instead when
/// sessions per tenant are on): the tenants of the user behind the access token, and the
/// one the token acts in.
pub async fn my_tenants(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = state
        .identity
        .load_current_user(bearer_token(&request))
        .await?;

    let memberships = &current.profile.memberships;
    let active = memberships
        .iter()
        .find(|m| m.tenant_id == current.active_tenant)
        .map(tenant_dto);
    let tenants: Vec<_> = memberships.iter().map(tenant_dto).collect();
    Ok(HttpResponse::Ok().json(json!({ "tenants": tenants, "activeTenant": active })))
}

/// `GET /resources/users/v1/me/authorization`: the roles and permissions the access token
/// carries in its tenant (the web SDK loads it when its authorization flag is on).
pub async fn my_authorization(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = state
        .identity
        .load_current_user(bearer_token(&request))
        .await?;

    let roles: Vec<_> = current
        .profile
        .memberships
        .iter()
        .filter(|m| m.tenant_id == current.active_tenant)
        .flat_map(|m| {
            m.roles
                .iter()
                .map(|key| json!({"id": key, "key": key, "name": key, "permissions": []}))
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "roles": roles, "permissions": [] })))
}
