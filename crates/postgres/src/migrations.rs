//! The schema migrations, embedded in the binary and applied at start-up.

use diesel::RunQueryDsl;
use diesel::sql_types::BigInt;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use latchkey_application::ports::StoreError;

use crate::{PgStore, errors};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Serializes nodes that start together, so that one applies the migrations and the others
/// find nothing left to do. The value is arbitrary but must never change.
const MIGRATION_LOCK: i64 = 0x4c61_7463_6b65_7901;

impl PgStore {
    /// Applies every migration the database has not seen yet.
    ///
    /// The migration harness is synchronous, so it runs on a blocking thread that drives
    /// the async connection through the runtime: call this on Tokio's multi-threaded
    /// runtime.
    #[tracing::instrument(skip_all)]
    pub async fn run_migrations(&self) -> Result<(), StoreError> {
        let connecting =
            tokio::time::timeout(self.connect_timeout, self.pool.dedicated_connection());
        let connection = connecting
            .await
            .map_err(|_| StoreError::Unavailable("timed out connecting to the database".into()))?
            .map_err(errors::from_connection)?;

        let applied = tokio::task::spawn_blocking(move || apply_pending(connection))
            .await
            .map_err(|_| errors::unexpected("the migration task panicked"))??;

        if !applied.is_empty() {
            tracing::info!(
                migrations.applied = applied.len(),
                "database migrations applied"
            );
        }
        Ok(())
    }
}

// The advisory lock is held by the session, so it ends with the connection, which this
// function consumes, even when a migration fails.
fn apply_pending(connection: AsyncPgConnection) -> Result<Vec<String>, StoreError> {
    let mut connection = AsyncConnectionWrapper::<AsyncPgConnection>::from(connection);
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut connection)
        .map_err(errors::from_diesel)?;

    // A migration error carries the database's message about a schema statement (not the
    // statement itself): it holds no user data and is what an operator needs to repair it.
    let applied = connection
        .run_pending_migrations(MIGRATIONS)
        .map_err(|error| StoreError::Unexpected(format!("migration failed: {error}")))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}
