//! The connection pool every port of [`PgStore`] shares.

use std::time::Duration;

use bb8::ErrorSink;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, PoolError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::StoreError;
use secrecy::{ExposeSecret, SecretString};

use crate::errors;

pub(crate) type PgPool = bb8::Pool<AsyncDieselConnectionManager<AsyncPgConnection>>;
pub(crate) type PgConnection<'a> =
    bb8::PooledConnection<'a, AsyncDieselConnectionManager<AsyncPgConnection>>;

/// How to reach Postgres.
#[derive(Debug, Clone)]
pub struct PgSettings {
    /// A `postgres://user:password@host:port/database` URL. Secret: it may carry a password.
    pub url: SecretString,
    /// The most connections the pool opens; requests beyond it wait for a free one.
    pub max_connections: u32,
    /// How long a request waits for a connection before failing with `Unavailable`.
    pub connect_timeout: Duration,
}

/// Latchkey's storage on Postgres: one pool, shared by every port it implements
/// (`AccountStore`, `SessionStore`, `SigningKeyStore`). Cloning is cheap and shares the pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pub(crate) pool: PgPool,
    pub(crate) connect_timeout: Duration,
}

impl PgStore {
    /// Builds the pool without connecting, so that a server can start (and report itself
    /// not ready) while the database is still down; connections are opened on demand.
    ///
    /// Must be called inside a Tokio runtime, which the pool's maintenance task runs on.
    pub fn connect(settings: PgSettings) -> Result<Self, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(errors::unexpected(
                "PgStore::connect must be called inside a Tokio runtime",
            ));
        }

        let manager = AsyncDieselConnectionManager::new(settings.url.expose_secret());
        let pool = bb8::Pool::builder()
            .max_size(settings.max_connections)
            .connection_timeout(settings.connect_timeout)
            .error_sink(Box::new(LogConnectionErrors))
            .build_unchecked(manager);
        Ok(Self {
            pool,
            connect_timeout: settings.connect_timeout,
        })
    }

    /// Checks that a connection can be had and answers a query, for the readiness probe.
    #[tracing::instrument(skip_all)]
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut connection = self.connection().await?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *connection)
            .await
            .map_err(errors::from_diesel)?;
        Ok(())
    }

    pub(crate) async fn connection(&self) -> Result<PgConnection<'_>, StoreError> {
        let asked_at = std::time::Instant::now();
        let connection = self.pool.get().await.map_err(errors::from_pool);
        metrics::histogram!("latchkey_db_pool_wait_seconds").record(asked_at.elapsed());
        let state = self.pool.state();
        metrics::gauge!("latchkey_db_pool_connections").set(state.connections);
        metrics::gauge!("latchkey_db_pool_idle_connections").set(state.idle_connections);
        connection
    }
}

/// The pool retries failed connection attempts until `connect_timeout`, then reports only
/// that it timed out; this keeps the reason (refused, bad password, ...) in the log.
#[derive(Debug, Clone, Copy)]
struct LogConnectionErrors;

impl ErrorSink<PoolError> for LogConnectionErrors {
    fn sink(&self, error: PoolError) {
        tracing::warn!(error = %error, "database connection failed");
    }

    fn boxed_clone(&self) -> Box<dyn ErrorSink<PoolError>> {
        Box::new(*self)
    }
}

#[async_trait::async_trait]
impl latchkey_application::ports::HealthProbe for PgStore {
    async fn check(&self) -> Result<(), StoreError> {
        self.ping().await
    }
}
