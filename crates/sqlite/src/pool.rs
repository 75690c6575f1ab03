//! The connection pool every port of [`SqliteStore`] shares, and the two ways work runs on
//! it: [`SqliteStore::read`] and [`SqliteStore::write`].

use std::path::PathBuf;
use std::time::Duration;

use bb8::ErrorSink;
use diesel::connection::SimpleConnection;
use diesel::{Connection, ConnectionError, ConnectionResult, RunQueryDsl, SqliteConnection};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolError, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use latchkey_application::ports::StoreError;

use crate::errors::{self, SqliteError};

type AsyncSqliteConnection = SyncConnectionWrapper<SqliteConnection>;
type ConnectionManager = AsyncDieselConnectionManager<AsyncSqliteConnection>;
type SqlitePool = bb8::Pool<ConnectionManager>;

/// Where the SQLite file lives and how it is shared.
#[derive(Debug, Clone)]
pub struct SqliteSettings {
    /// The database file; it and its parent directories are created when missing.
    pub path: PathBuf,
    /// The most connections the pool opens; requests beyond it wait for a free one.
    pub max_connections: u32,
    /// How long a request waits for the write lock (SQLite's `busy_timeout`), and for a
    /// free connection, before failing with `Unavailable`.
    pub busy_timeout: Duration,
}

/// Latchkey's storage in one SQLite file: one pool, shared by every port it implements
/// (`AccountStore`, `SessionStore`, `SigningKeyStore`, `LoginThrottle`, `HealthProbe`).
/// Cloning is cheap and shares the pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Creates the file (and its directory) when missing, checks that it opens, and builds
    /// the pool. Opening is quick, so it is done here: a bad path fails at start-up rather
    /// than on the first request, and the switch to WAL (a write to the file's header) is
    /// made once, before pooled connections could contend for it.
    ///
    /// Must be called inside a Tokio runtime, which the pool and the blocking work run on.
    pub fn open(settings: SqliteSettings) -> Result<Self, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(errors::unexpected(
                "SqliteStore::open must be called inside a Tokio runtime",
            ));
        }
        let path = settings
            .path
            .to_str()
            .ok_or_else(|| errors::unexpected("the database path is not valid UTF-8"))?
            .to_owned();
        if let Some(directory) = settings.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(directory).map_err(|error| {
                StoreError::Unexpected(format!(
                    "could not create the database's directory: {}",
                    error.kind()
                ))
            })?;
        }
        establish(&path, settings.busy_timeout)
            .map_err(|_| errors::unavailable("could not open the database"))?;

        let busy_timeout = settings.busy_timeout;
        let mut config = ManagerConfig::<AsyncSqliteConnection>::default();
        config.custom_setup = Box::new(move |path| {
            let path = path.to_owned();
            Box::pin(async move { establish_on_blocking_thread(path, busy_timeout).await })
        });
        // A connection to a local file does not go stale; checking it costs a thread hop.
        config.recycling_method = RecyclingMethod::Fast;
        let manager = AsyncDieselConnectionManager::new_with_config(path, config);
        let pool = bb8::Pool::builder()
            .max_size(settings.max_connections)
            .connection_timeout(settings.busy_timeout)
            .error_sink(Box::new(LogConnectionErrors))
            .build_unchecked(manager);
        Ok(Self { pool })
    }

    /// Checks that a connection can be had and answers a query, for the readiness probe.
    #[tracing::instrument(skip_all)]
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
    }

    /// Runs `work` on a pooled connection, outside any explicit transaction: for reads.
    pub(crate) async fn read<R, F>(&self, work: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<R, SqliteError> + Send + 'static,
        R: Send + 'static,
    {
        self.run(work).await
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction, committed when it returns `Ok` and
    /// rolled back otherwise.
    //
    // A deferred transaction that reads and then writes cannot wait for the write lock:
    // once another writer has committed, what it read is stale, so SQLite fails its write
    // with SQLITE_BUSY whatever the busy timeout. Taking the lock at BEGIN makes writers
    // queue (up to the busy timeout) before they read anything.
    pub(crate) async fn write<R, F>(&self, work: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<R, SqliteError> + Send + 'static,
        R: Send + 'static,
    {
        self.run(move |conn| conn.immediate_transaction(work)).await
    }

    // The work runs in a task of its own, whole on one blocking thread: if the caller is
    // dropped midway (a client hung up), the transaction still ends and the connection goes
    // back to the pool only after it has, never with a transaction open.
    async fn run<R, F>(&self, work: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<R, SqliteError> + Send + 'static,
        R: Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        let task = tokio::spawn(async move {
            let mut connection = checkout(&pool).await?;
            let done = connection
                .spawn_blocking(move |conn| Ok(span.in_scope(|| work(conn))))
                .await;
            Ok(done.map_err(errors::from_diesel)??)
        });
        task.await
            .map_err(|_| errors::unexpected("a database task panicked"))?
    }
}

/// A pooled connection, reporting the wait and the pool's size as metrics (the same series
/// as the Postgres adapter's).
async fn checkout(
    pool: &SqlitePool,
) -> Result<bb8::PooledConnection<'static, ConnectionManager>, StoreError> {
    let asked_at = std::time::Instant::now();
    let connection = pool.get_owned().await.map_err(errors::from_pool);
    metrics::histogram!("latchkey_db_pool_wait_seconds").record(asked_at.elapsed());
    let state = pool.state();
    metrics::gauge!("latchkey_db_pool_connections").set(state.connections);
    metrics::gauge!("latchkey_db_pool_idle_connections").set(state.idle_connections);
    connection
}

async fn establish_on_blocking_thread(
    path: String,
    busy_timeout: Duration,
) -> ConnectionResult<AsyncSqliteConnection> {
    let connection = tokio::task::spawn_blocking(move || establish(&path, busy_timeout))
        .await
        .map_err(|_| ConnectionError::BadConnection("the connecting task panicked".into()))??;
    Ok(SyncConnectionWrapper::new(connection))
}

/// Opens the file, creating it when missing, and configures the connection.
fn establish(path: &str, busy_timeout: Duration) -> ConnectionResult<SqliteConnection> {
    let mut connection = SqliteConnection::establish(path)?;
    connection
        .batch_execute(&pragmas(busy_timeout))
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
    Ok(connection)
}

// The busy timeout comes first, so that the switch to WAL waits for a lock like anything
// else. WAL lets readers run beside the one writer; `synchronous = NORMAL` is WAL's
// recommended durability (a power loss can drop the last commits, never corrupt the file);
// foreign keys are off by default in SQLite and must be enabled on every connection.
fn pragmas(busy_timeout: Duration) -> String {
    let millis = i32::try_from(busy_timeout.as_millis()).unwrap_or(i32::MAX);
    format!(
        "PRAGMA busy_timeout = {millis}; PRAGMA journal_mode = WAL; \
         PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
    )
}

/// The pool reports only that it timed out; this keeps the reason in the log.
#[derive(Debug, Clone, Copy)]
struct LogConnectionErrors;

impl ErrorSink<PoolError> for LogConnectionErrors {
    fn sink(&self, error: PoolError) {
        tracing::warn!(error = %error, "could not open a database connection");
    }

    fn boxed_clone(&self) -> Box<dyn ErrorSink<PoolError>> {
        Box::new(*self)
    }
}

#[async_trait::async_trait]
impl latchkey_application::ports::HealthProbe for SqliteStore {
    async fn check(&self) -> Result<(), StoreError> {
        self.ping().await
    }
}

#[cfg(test)]
mod tests {
    use diesel::QueryableByName;
    use diesel::sql_types::{BigInt, Text};

    use super::*;

    #[derive(QueryableByName)]
    struct Pragmas {
        #[diesel(sql_type = Text)]
        journal_mode: String,
        #[diesel(sql_type = BigInt)]
        busy_timeout: i64,
        #[diesel(sql_type = BigInt)]
        foreign_keys: i64,
        #[diesel(sql_type = BigInt)]
        synchronous: i64,
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_pooled_connection_is_configured() -> Result<(), StoreError> {
        let directory =
            std::env::temp_dir().join(format!("latchkey-sqlite-{}", uuid::Uuid::new_v4().simple()));
        let store = SqliteStore::open(SqliteSettings {
            path: directory.join("latchkey.db"),
            max_connections: 3,
            busy_timeout: Duration::from_millis(2500),
        })?;

        // Six reads at once, so that the pool opens more than its first connection.
        let reads = (0..6).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .read(|conn| {
                        let query = "SELECT journal_mode, timeout AS busy_timeout, \
                                     foreign_keys, synchronous FROM pragma_journal_mode(), \
                                     pragma_busy_timeout(), pragma_foreign_keys(), \
                                     pragma_synchronous()";
                        Ok(diesel::sql_query(query).get_result::<Pragmas>(conn)?)
                    })
                    .await
            })
        });
        let mut configured = Vec::new();
        for read in reads.collect::<Vec<_>>() {
            configured.push(
                read.await
                    .map_err(|_| errors::unexpected("read panicked"))??,
            );
        }
        let opened = store.pool.state().connections;
        drop(store);
        let _ = std::fs::remove_dir_all(&directory);

        assert!(opened > 1, "only {opened} connection was checked");
        for pragmas in configured {
            assert_eq!(pragmas.journal_mode, "wal");
            assert_eq!(pragmas.busy_timeout, 2500);
            assert_eq!(pragmas.foreign_keys, 1);
            assert_eq!(pragmas.synchronous, 1, "NORMAL");
        }
        Ok(())
    }
}
