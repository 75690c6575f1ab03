//! One module per route, named for the use case it serves.

pub(crate) mod api_docs;
pub(crate) mod auth_response;
pub(crate) mod health;
pub(crate) mod issue_vendor_token;
pub(crate) mod log_in;
pub(crate) mod log_out;
pub(crate) mod me;
pub(crate) mod my_tenants;
pub(crate) mod public_configuration;
pub(crate) mod refresh_session;
pub(crate) mod sign_up;
pub(crate) mod sign_up_with_username;
pub(crate) mod well_known;

use actix_web::web;

use crate::rate_limit::RouteLimits;

/// Clients call the identity routes under three prefixes: the documented server base, the
/// web SDK's `/frontegg` form, and the bare form.
pub(crate) const IDENTITY_PREFIXES: [&str; 3] = ["/identity", "/frontegg/identity", ""];

/// Registers every route; `limits` guards the routes attackers hammer.
pub(crate) fn configure(limits: RouteLimits) -> impl Fn(&mut web::ServiceConfig) {
    move |config| {
        for prefix in IDENTITY_PREFIXES {
            config.service(identity_scope(prefix, &limits));
        }
        config
            .service(
                web::resource("/auth/vendor")
                    .wrap(limits.vendor())
                    .route(web::post().to(issue_vendor_token::issue_vendor_token))
                    .default_service(web::to(not_found)),
            )
            .route("/.well-known/jwks.json", web::get().to(well_known::jwks))
            .route(
                "/.well-known/openid-configuration",
                web::get().to(well_known::openid_configuration),
            )
            .route("/health/live", web::get().to(health::live))
            .route("/health/ready", web::get().to(health::ready))
            .route("/metrics", web::get().to(health::metrics))
            .route(api_docs::OPENAPI_PATH, web::get().to(api_docs::openapi))
            .route("/docs", web::get().to(api_docs::docs))
            .route("/docs/{file:.*}", web::get().to(api_docs::docs_file));
    }
}

/// Every unknown path or method: a JSON 404, never actix's bare 404 or 405.
pub(crate) async fn not_found() -> Result<actix_web::HttpResponse, crate::ApiError> {
    Err(crate::ApiError::not_found())
}

fn identity_scope(prefix: &str, limits: &RouteLimits) -> actix_web::Scope {
    let post = web::post;
    web::scope(&format!("{prefix}/resources"))
        .service(
            web::resource("/auth/v1/user")
                .wrap(limits.log_in())
                .route(post().to(log_in::log_in))
                .default_service(web::to(not_found)),
        )
        .route(
            "/auth/v1/user/token/refresh",
            post().to(refresh_session::refresh_session),
        )
        .route("/auth/v1/logout", post().to(log_out::log_out))
        .service(
            web::resource("/users/v1/signUp")
                .wrap(limits.sign_up())
                .route(post().to(sign_up::sign_up))
                .default_service(web::to(not_found)),
        )
        .service(
            web::resource("/users/v1/signUp/username")
                .wrap(limits.sign_up())
                .route(post().to(sign_up_with_username::sign_up_with_username))
                .default_service(web::to(not_found)),
        )
        .route("/users/v2/me", web::get().to(me::me))
        .route(
            "/users/v3/me/tenants",
            web::get().to(my_tenants::my_tenants),
        )
        .route(
            "/users/v1/me/tenants",
            web::get().to(my_tenants::my_tenants_v1),
        )
        .route(
            "/users/v1/me/authorization",
            web::get().to(my_tenants::my_authorization),
        )
        .route(
            "/configurations/v1/public",
            web::get().to(public_configuration::public_configuration),
        )
        .route(
            "/configurations/v1/sign-up/strategies",
            web::get().to(public_configuration::sign_up_strategies),
        )
}
