//! Latchkey's storage adapter for Postgres, through `diesel` and `diesel-async` (the
//! tokio-postgres driver; no libpq).
//!
//! One type, [`PgStore`], implements every storage port of `latchkey-application`
//! (`AccountStore`, `SessionStore`, `SigningKeyStore`, `LoginThrottle`, `StorePruner`) over
//! one bounded `bb8` pool; clone it into as many `Arc<dyn Port>` as the server wires. It
//! also runs the embedded migrations of `migrations/postgres` ([`PgStore::run_migrations`])
//! and answers the readiness probe ([`PgStore::ping`]).
//!
//! Depends on `latchkey-application` and `latchkey-domain` only. Driver errors never leave
//! this crate: they become `StoreError`s whose messages name the kind of failure and carry
//! neither SQL nor user data.

mod accounts;
mod errors;
mod migrations;
mod models;
mod pool;
mod principal;
mod pruning;
mod rotation;
mod schema;
mod sessions;
mod signing_keys;
mod throttle;

pub use pool::{PgSettings, PgStore};
