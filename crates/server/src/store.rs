//! Which storage adapter serves this process, chosen by the database URL.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use latchkey_application::ports::{
    AccountStore, HealthProbe, LoginThrottle, SessionStore, SigningKeyStore, StorePruner,
};
use latchkey_postgres::{PgSettings, PgStore};
use latchkey_sqlite::{SqliteSettings, SqliteStore};
use secrecy::{ExposeSecret, SecretString};

use crate::Settings;
use crate::settings::ConfigError;

/// Every storage port, served by one adapter.
#[derive(Clone)]
pub(crate) struct Stores {
    pub accounts: Arc<dyn AccountStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub throttle: Arc<dyn LoginThrottle>,
    pub signing_keys: Arc<dyn SigningKeyStore>,
    pub health: Arc<dyn HealthProbe>,
    pub pruner: Arc<dyn StorePruner>,
}

impl Stores {
    fn of<S>(store: S) -> Self
    where
        S: AccountStore
            + SessionStore
            + LoginThrottle
            + SigningKeyStore
            + HealthProbe
            + StorePruner
            + Clone
            + 'static,
    {
        Self {
            accounts: Arc::new(store.clone()),
            sessions: Arc::new(store.clone()),
            throttle: Arc::new(store.clone()),
            signing_keys: Arc::new(store.clone()),
            health: Arc::new(store.clone()),
            pruner: Arc::new(store),
        }
    }
}

/// Where the data lives, as named by `database.url`.
enum StoreLocation {
    Postgres(SecretString),
    Sqlite(PathBuf),
}

impl StoreLocation {
    /// `postgres://…` is Postgres; `sqlite://PATH` is that SQLite file; no URL at all is the
    /// embedded default, `latchkey.db` in `database.data_dir`.
    fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let Some(url) = &settings.database.url else {
            return Ok(Self::Sqlite(settings.database.data_dir.join("latchkey.db")));
        };
        let text = url.expose_secret();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.clone()));
        }
        match text.strip_prefix("sqlite://") {
            Some(path) if !path.is_empty() => Ok(Self::Sqlite(PathBuf::from(path))),
            _ => Err(ConfigError::new(
                "database.url",
                "must be postgres://…, postgresql://… or sqlite://PATH (or unset for the embedded default)",
            )),
        }
    }
}

/// Opens the configured store and applies its pending migrations.
pub(crate) async fn open(settings: &Settings) -> anyhow::Result<Stores> {
    let timeout = Duration::from_secs(settings.database.connect_timeout_secs);
    match StoreLocation::from_settings(settings)? {
        StoreLocation::Postgres(url) => {
            let max_connections = settings.database.max_connections;
            let store = PgStore::connect(PgSettings {
                url,
                max_connections,
                connect_timeout: timeout,
            })?;
            store.run_migrations().await?;
            tracing::info!(store = "postgres", "storage ready");
            Ok(Stores::of(store))
        }
        StoreLocation::Sqlite(path) => {
            let max_connections = settings.database.max_connections;
            let sqlite = SqliteSettings {
                path: path.clone(),
                max_connections,
                busy_timeout: timeout,
            };
            let store = SqliteStore::open(sqlite)?;
            store.run_migrations().await?;
            tracing::info!(store = "sqlite", path = %path.display(), "storage ready");
            tracing::warn!(
                "the embedded SQLite store suits a single node; run several nodes on Postgres"
            );
            Ok(Stores::of(store))
        }
    }
}
