//! Latchkey's embedded storage adapter: one SQLite file, through `diesel` and
//! `diesel-async`'s `SyncConnectionWrapper`, with SQLite compiled in (`libsqlite3-sys`,
//! bundled) so that nothing needs to be installed on the machine.
//!
//! One type, [`SqliteStore`], implements every storage port of `latchkey-application`
//! (`AccountStore`, `SessionStore`, `SigningKeyStore`, `LoginThrottle`, `StorePruner`,
//! `HealthProbe`) over one bounded `bb8` pool of connections to the file; clone it into as
//! many `Arc<dyn Port>` as the server wires. It also runs the embedded migrations of
//! `migrations/sqlite` ([`SqliteStore::run_migrations`]) and answers the readiness probe
//! ([`SqliteStore::ping`]).
//!
//! SQLite allows one writer at a time. Every transaction that writes starts with
//! `BEGIN IMMEDIATE`, taking the write lock before it reads, and every connection waits up
//! to its busy timeout for that lock: concurrent requests queue instead of failing, and the
//! rotation and sign-up races resolve exactly as they do on Postgres. Each unit of work runs
//! whole on a blocking thread, in a task of its own, so a caller that gives up midway can
//! never leave a transaction open on a pooled connection.
//!
//! Limitation: the file belongs to one machine, so nodes behind a load balancer cannot
//! share it, and writes run one at a time; Postgres is the store for scaling out.
//!
//! Depends on `latchkey-application` and `latchkey-domain` only. Driver errors never leave
//! this crate: they become `StoreError`s whose messages name the kind of failure and carry
//! neither SQL, nor user data, nor the file's path.

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

pub use pool::{SqliteSettings, SqliteStore};
