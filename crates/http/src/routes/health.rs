use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::{ApiError, AppState};

/// `GET /health/live`: the process is up.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /metrics`: Prometheus metrics (requests, latencies, login and refresh outcomes,
/// hashing queue, database pool). No label carries user data.
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body((state.render_metrics)())
}

/// `GET /health/ready`: the database answers; 503 otherwise.
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match state.health.check().await {
        Ok(()) => Ok(HttpResponse::Ok().json(json!({"status": "ok"}))),
        Err(error) => {
            tracing::warn!(error.cause = %error, "readiness check failed");
            Err(ApiError::unavailable())
        }
    }
}
