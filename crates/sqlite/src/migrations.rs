//! The schema migrations, embedded in the binary and applied at start-up.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use latchkey_application::ports::StoreError;

use crate::SqliteStore;
use crate::errors::SqliteError;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

impl SqliteStore {
    /// Applies every migration the file has not seen yet.
    ///
    /// It runs in one write transaction, so processes that start together on one file
    /// queue: one applies the migrations and the others find nothing left to do.
    #[tracing::instrument(skip_all)]
    pub async fn run_migrations(&self) -> Result<(), StoreError> {
        let applied = self
            .write(|conn| {
                // A migration error carries SQLite's message about a schema statement (not
                // the statement itself): it holds no user data and is what an operator
                // needs to repair it.
                let applied = conn.run_pending_migrations(MIGRATIONS).map_err(|error| {
                    SqliteError(StoreError::Unexpected(format!("migration failed: {error}")))
                })?;
                Ok(applied.len())
            })
            .await?;

        if applied > 0 {
            tracing::info!(migrations.applied = applied, "database migrations applied");
        }
        Ok(())
    }
}
