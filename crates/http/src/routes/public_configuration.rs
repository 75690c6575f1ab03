use actix_web::HttpResponse;
use serde_json::json;

/// `GET /resources/configurations/v1/public`: what the login box needs before it renders.
pub async fn public_configuration() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "allowSignups": true,
        "allowNotVerifiedUsersLogin": true,
        "apiTokensEnabled": false,
        "forcePermissions": false,
        "authStrategy": "EmailAndPassword",
        "machineToMachineAuthStrategy": "ClientCredentials",
    }))
}

/// `GET /resources/configurations/v1/sign-up/strategies`: sign-up by email only. Username
/// sign-up exists, but it needs an environment token a browser does not have, so it is not
/// advertised: a login box that offered it would fail with 401.
pub async fn sign_up_strategies() -> HttpResponse {
    HttpResponse::Ok().json(json!([
        {"strategy": "email", "isActive": true, "isRequired": true},
        {"strategy": "username", "isActive": false, "isRequired": false},
        {"strategy": "phoneNumber", "isActive": false, "isRequired": false},
    ]))
}
