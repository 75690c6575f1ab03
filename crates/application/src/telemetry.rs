//! The outcome counters operators watch, through the `metrics` facade (the server installs
//! the Prometheus recorder). Labels never carry user data.

use crate::IdentityError;

/// Counts one login attempt by outcome: `success`, `invalid`, `locked` or `error`.
pub(crate) fn count_login<T>(result: &Result<T, IdentityError>) {
    let outcome = match result {
        Ok(_) => "success",
        Err(IdentityError::InvalidCredentials | IdentityError::Validation(_)) => "invalid",
        Err(IdentityError::Locked) => "locked",
        Err(_) => "error",
    };
    metrics::counter!("latchkey_logins_total", "outcome" => outcome).increment(1);
}

/// Counts one refresh by outcome: `rotated`, `grace`, `reuse_revoked`, `invalid`,
/// `forbidden_tenant` or `error`.
pub(crate) fn count_refresh(outcome: &'static str) {
    metrics::counter!("latchkey_refreshes_total", "outcome" => outcome).increment(1);
}
