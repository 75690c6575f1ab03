use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::openapi::responses::Unavailable;
use crate::{ApiError, AppState};

/// The body of a passing health check.
#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    #[schema(value_type = String, example = "ok")]
    status: &'static str,
}

const OK: HealthStatus = HealthStatus { status: "ok" };

/// `GET /health/live`: the process is up.
#[utoipa::path(
    get,
    path = "/health/live",
    operation_id = "live",
    tag = "operations",
    summary = "Liveness: the process is up",
    responses((status = 200, description = "Up", body = HealthStatus)),
    security(()),
)]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(OK)
}

/// `GET /metrics`: Prometheus metrics (requests, latencies, login and refresh outcomes,
/// hashing queue, database pool). No label carries user data.
#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "operations",
    summary = "Prometheus metrics, for the scraper only",
    responses((status = 200, description = "Prometheus' text exposition format",
        body = String, content_type = "text/plain")),
    security(()),
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body((state.render_metrics)())
}

/// `GET /health/ready`: the database answers; 503 otherwise.
#[utoipa::path(
    get,
    path = "/health/ready",
    operation_id = "ready",
    tag = "operations",
    summary = "Readiness: the database answers",
    responses(
        (status = 200, description = "Ready", body = HealthStatus),
        (status = 503, response = Unavailable),
    ),
    security(()),
)]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match actix_web::rt::time::timeout(READY_WITHIN, state.health.check()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(OK)),
        Ok(Err(error)) => {
            tracing::warn!(error.cause = %error, "readiness check failed");
            Err(ApiError::unavailable())
        }
        Err(_) => {
            tracing::warn!("readiness check failed: the database did not answer in time");
            Err(ApiError::unavailable())
        }
    }
}

/// How long readiness waits for the database. Shorter than the store's own connect timeout
/// because probes commonly give up after a second, and a probe that times out learns
/// nothing, where a prompt 503 says the node should take no traffic.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(1);
