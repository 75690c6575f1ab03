use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::cors::{cors, cors_errors_as_envelope};
use crate::rate_limit::{RateLimitSettings, RouteLimits};
use crate::routes::api_docs::ApiDocs;
use crate::{AppState, openapi, routes, trace};

/// How the HTTP server itself behaves.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Worker threads; `None` for one per core.
    pub workers: Option<usize>,
    /// How long in-flight requests may take to finish once shutdown starts.
    pub shutdown_timeout: Duration,
    /// How long a client may take to send its request head.
    pub client_request_timeout: Duration,
    /// Origins allowed to call the API from a browser, compared exactly.
    pub cors_allowed_origins: Vec<String>,
    pub rate_limits: RateLimitSettings,
}

/// Builds the HTTP server on an already bound listener (port 0 allowed). The server runs
/// when the returned future is awaited or spawned.
pub fn http_server(
    listener: TcpListener,
    state: AppState,
    settings: &HttpSettings,
) -> std::io::Result<Server> {
    let document = openapi::document(state.cookies.name()).map_err(std::io::Error::other)?;
    let docs = web::Data::new(ApiDocs::new(&document).map_err(std::io::Error::other)?);
    let state = web::Data::new(state);
    let origins = settings.cors_allowed_origins.clone();
    let limits = RouteLimits::new(&settings.rate_limits)
        .ok_or_else(|| std::io::Error::other("rate limits must allow at least one request"))?;
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(docs.clone())
            .wrap(cors(&origins))
            .wrap(from_fn(cors_errors_as_envelope))
            .wrap(from_fn(trace::trace_requests))
            .configure(routes::configure(limits.clone()))
            .default_service(web::to(routes::not_found))
    })
    .shutdown_timeout(settings.shutdown_timeout.as_secs())
    .client_request_timeout(settings.client_request_timeout)
    .listen(listener)?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
