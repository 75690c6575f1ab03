//! End-to-end tests: each starts the real server on port 0 against a fresh database and
//! speaks HTTP to it.

mod binary;
mod concurrency;
mod configuration;
mod cors;
mod docs_page;
mod helpers;
mod hostile_input;
mod lockout;
mod log_in;
mod log_out;
mod logging;
mod me;
mod metrics;
mod openapi;
mod pruning;
mod rate_limits;
mod refresh_session;
mod several_nodes;
mod shutdown;
mod sign_up;
mod sign_up_with_username;
mod tokens;
