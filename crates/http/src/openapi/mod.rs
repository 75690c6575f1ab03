//! The OpenAPI 3.1 document, generated from the routes' `#[utoipa::path]` annotations and
//! their DTOs, and served at `/openapi.json`.
//!
//! The identity routes are annotated once, without a prefix, and listed under each of the
//! three prefixes they are served under, so a tool that tries every path in the document
//! tries every path the server answers. Their operation ids and tags name the prefix.

pub(crate) mod responses;

use serde_json::{Value, json};
use utoipa::OpenApi;
use utoipa::openapi::path::{PathItem, Paths};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;

use crate::error::Envelope;
use crate::routes::{self, IDENTITY_PREFIXES};
use responses::*;

/// The identity routes, without their prefix.
#[derive(OpenApi)]
#[openapi(paths(
    routes::log_in::log_in,
    routes::refresh_session::refresh_session,
    routes::log_out::log_out,
    routes::sign_up::sign_up,
    routes::sign_up_with_username::sign_up_with_username,
    routes::me::me,
    routes::my_tenants::my_tenants,
    routes::my_tenants::my_tenants_v1,
    routes::my_tenants::my_authorization,
    routes::public_configuration::public_configuration,
    routes::public_configuration::sign_up_strategies,
))]
struct IdentityRoutes;

/// Everything else, and the parts the whole document shares.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Latchkey",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
        description = "A self-hosted identity server that speaks Frontegg's identity API. \
            Every error answers with the envelope `{errors, errorCode}`, and every response \
            carries a `frontegg-trace-id` header that also appears in the server's log."
    ),
    paths(
        routes::issue_vendor_token::issue_vendor_token,
        routes::well_known::jwks,
        routes::well_known::openid_configuration,
        routes::health::live,
        routes::health::ready,
        routes::health::metrics,
        routes::api_docs::openapi,
        routes::api_docs::docs,
        routes::api_docs::docs_file,
    ),
    components(
        schemas(Envelope),
        responses(
            BadRequest,
            InvalidCredentials,
            InvalidRefreshToken,
            InvalidEnvironmentToken,
            InvalidAccessToken,
            Locked,
            TenantNotMember,
            NotFound,
            Conflict,
            PayloadTooLarge,
            UnsupportedMediaType,
            RateLimited,
            Internal,
            Unavailable,
        ),
    ),
    tags(
        (name = "environment", description = "Environment tokens, for backends"),
        (name = "keys", description = "What token verifiers need"),
        (name = "operations", description = "Health, metrics and this documentation"),
    ),
)]
struct ApiDoc;

/// The document, for a server whose refresh cookie is named `cookie_name`.
pub(crate) fn document(cookie_name: &str) -> Result<Value, serde_json::Error> {
    let mut api = ApiDoc::openapi();
    let identity = IdentityRoutes::openapi();

    let others = std::mem::take(&mut api.paths.paths);
    let mut tags = Vec::new();
    for prefix in IDENTITY_PREFIXES {
        let base = format!("{prefix}/resources");
        api.paths
            .paths
            .extend(identity_paths(&identity.paths, &base));
        let description = format!("The identity routes under `{base}`");
        tags.push(
            TagBuilder::new()
                .name(base)
                .description(Some(description))
                .build(),
        );
    }
    api.paths.paths.extend(others);
    tags.extend(api.tags.take().unwrap_or_default());
    api.tags = Some(tags);

    let components = api.components.get_or_insert_default();
    if let Some(identity) = identity.components {
        components.schemas.extend(identity.schemas);
    }
    for (name, scheme) in security_schemes(cookie_name) {
        components.add_security_scheme(name, scheme);
    }

    let mut document = serde_json::to_value(&api)?;
    declare_headers(&mut document);
    Ok(document)
}

/// The identity routes under `base`, with operation ids made unique by the base.
fn identity_paths(identity: &Paths, base: &str) -> Vec<(String, PathItem)> {
    let label = base.trim_start_matches('/').replace('/', "_");
    let mut paths = Vec::new();
    for (path, item) in &identity.paths {
        let mut item = item.clone();
        for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
            operation.tags = Some(vec![base.to_owned()]);
            if let Some(id) = &operation.operation_id {
                operation.operation_id = Some(format!("{label}_{id}"));
            }
        }
        paths.push((format!("{base}{path}"), item));
    }
    paths
}

/// The user's access token, the environment token (two ways to send it) and the cookie.
fn security_schemes(cookie_name: &str) -> [(&'static str, SecurityScheme); 4] {
    let bearer = |description: &str| {
        let http = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(description));
        SecurityScheme::Http(http.build())
    };
    let environment_header = ApiKeyValue::with_description(
        "x-access-token",
        "The environment token, in a header of its own",
    );
    let cookie = ApiKeyValue::with_description(
        cookie_name,
        "The refresh token, set by login, sign-up and refresh (HttpOnly)",
    );
    [
        (
            "accessToken",
            bearer("The user's access token, from login, sign-up or refresh"),
        ),
        (
            "environmentToken",
            bearer("An environment token, from `POST /auth/vendor`"),
        ),
        (
            "environmentTokenHeader",
            SecurityScheme::ApiKey(ApiKey::Header(environment_header)),
        ),
        (
            "refreshCookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(cookie)),
        ),
    ]
}

/// Every response carries `frontegg-trace-id`, and every header the document names is
/// always sent, so each is declared `required` (which utoipa's header type cannot say).
fn declare_headers(document: &mut Value) {
    let operations = document
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("responses")?.as_object_mut())
        .flat_map(|responses| responses.values_mut());
    operations.for_each(declare_response_headers);

    let shared = document
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|responses| responses.values_mut());
    shared.for_each(declare_response_headers);
}

fn declare_response_headers(response: &mut Value) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    // A reference gets its headers where it points.
    if response.contains_key("$ref") {
        return;
    }
    let headers = response.entry("headers").or_insert_with(|| json!({}));
    let Some(headers) = headers.as_object_mut() else {
        return;
    };
    for header in headers.values_mut().filter_map(Value::as_object_mut) {
        header.insert("required".into(), json!(true));
    }
    let trace_id = json!({
        "description": "The request's trace id, also in the server's log line for it",
        "required": true,
        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
    });
    headers.insert("frontegg-trace-id".into(), trace_id);
}
