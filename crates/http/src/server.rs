use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::{ApiError, AppState, routes, trace};

/// How the HTTP server itself behaves.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Worker threads; `None` for one per core.
    pub workers: Option<usize>,
    /// How long in-flight requests may take to finish once shutdown starts.
    pub shutdown_timeout: Duration,
    /// How long a client may take to send its request head.
    pub client_request_timeout: Duration,
}

/// Builds the HTTP server on an already bound listener (port 0 allowed). The server runs
/// when the returned future is awaited or spawned.
pub fn http_server(
    listener: TcpListener,
    state: AppState,
    settings: &HttpSettings,
) -> std::io::Result<Server> {
    let state = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(from_fn(trace::trace_requests))
            .configure(routes::configure)
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::not_found())
            }))
    })
    .shutdown_timeout(settings.shutdown_timeout.as_secs())
    .client_request_timeout(settings.client_request_timeout)
    .listen(listener)?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
