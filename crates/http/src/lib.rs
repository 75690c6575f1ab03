//! Latchkey's HTTP adapter: the Frontegg-compatible identity API on actix-web.
//!
//! Routes, request and response DTOs, the refresh cookie, the error envelope and the
//! per-request trace id live here, and only here are errors mapped to status codes.
//! Depends on `latchkey-domain` and `latchkey-application`; never on a storage or crypto
//! adapter.

mod cookies;
mod cors;
mod error;
mod extract;
mod openapi;
mod rate_limit;
mod routes;
mod server;
mod state;
mod trace;

pub use cookies::{CookieSettings, SameSite};
pub use error::{ApiError, ErrorCode};
pub use rate_limit::RateLimitSettings;
pub use server::{HttpSettings, http_server};
pub use state::AppState;
