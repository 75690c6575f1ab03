//! Resilience tests: the server under a database outage, an overloaded hashing pool,
//! timing probes for account enumeration, and arbitrary request input. Each starts the real
//! server on port 0 and speaks HTTP to it, like the `api` tests whose helpers it shares.

#[expect(
    dead_code,
    reason = "the helpers are shared with the api tests, which use the ones this binary does not"
)]
#[path = "../api/helpers.rs"]
mod helpers;

mod database_outage;
mod envelope;
mod hashing_overload;
mod login_timing;
mod private_postgres;
mod request_parsing;
mod request_strategies;
