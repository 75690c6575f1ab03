use std::sync::Arc;

use latchkey_application::Identity;
use latchkey_application::ports::HealthProbe;

use crate::CookieSettings;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub identity: Identity,
    pub cookies: Arc<CookieSettings>,
    pub health: Arc<dyn HealthProbe>,
    /// Requests whose body exceeds this many bytes are refused with 413.
    pub body_limit: usize,
    /// Renders the Prometheus exposition for `GET /metrics`.
    pub render_metrics: Arc<dyn Fn() -> String + Send + Sync>,
}
