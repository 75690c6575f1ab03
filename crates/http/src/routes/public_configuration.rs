use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::ToSchema;

/// The part of Frontegg's public configuration the login box reads.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicConfiguration {
    allow_signups: bool,
    allow_not_verified_users_login: bool,
    api_tokens_enabled: bool,
    force_permissions: bool,
    #[schema(value_type = String, example = "EmailAndPassword")]
    auth_strategy: &'static str,
    #[schema(value_type = String, example = "ClientCredentials")]
    machine_to_machine_auth_strategy: &'static str,
}

/// Whether sign-up by one kind of identifier is offered.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignUpStrategy {
    /// `email`, `username` or `phoneNumber`.
    #[schema(value_type = String, example = "email")]
    strategy: &'static str,
    is_active: bool,
    is_required: bool,
}

/// `GET /resources/configurations/v1/public`: what the login box needs before it renders.
#[utoipa::path(
    get,
    path = "/configurations/v1/public",
    operation_id = "public_configuration",
    summary = "What the login box loads first",
    responses((status = 200, description = "The configuration", body = PublicConfiguration)),
    security(()),
)]
pub async fn public_configuration() -> HttpResponse {
    HttpResponse::Ok().json(PublicConfiguration {
        allow_signups: true,
        allow_not_verified_users_login: true,
        api_tokens_enabled: false,
        force_permissions: false,
        auth_strategy: "EmailAndPassword",
        machine_to_machine_auth_strategy: "ClientCredentials",
    })
}

/// `GET /resources/configurations/v1/sign-up/strategies`: sign-up by email only. Username
/// sign-up exists, but it needs an environment token a browser does not have, so it is not
/// advertised: a login box that offered it would fail with 401.
#[utoipa::path(
    get,
    path = "/configurations/v1/sign-up/strategies",
    operation_id = "sign_up_strategies",
    summary = "Which sign-up identifiers are offered (email only)",
    responses((status = 200, description = "One entry per identifier", body = [SignUpStrategy])),
    security(()),
)]
pub async fn sign_up_strategies() -> HttpResponse {
    let strategy = |strategy, is_active| SignUpStrategy {
        strategy,
        is_active,
        is_required: is_active,
    };
    HttpResponse::Ok().json([
        strategy("email", true),
        strategy("username", false),
        strategy("phoneNumber", false),
    ])
}
