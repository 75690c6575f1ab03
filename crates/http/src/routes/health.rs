use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::{ApiError, AppState};

/// `GET /health/live`: the process is up.
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
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
