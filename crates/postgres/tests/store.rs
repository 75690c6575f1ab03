//! The Postgres adapter against a live database: every test gets a fresh database of its
//! own (from `TEST_DATABASE_URL`), migrated on creation and dropped at the end. The
//! storage contract's checks come from `latchkey-store-tests`, shared with every adapter.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::StoreError;
use latchkey_domain::{TenantId, UserId};
use latchkey_postgres::{PgSettings, PgStore};
use latchkey_store_tests::{TestResult, TestStore, store_contract_tests};
use secrecy::SecretString;
use uuid::Uuid;

store_contract_tests!(TestDb::create);

// ---------------------------------------------------------------------------------------
// Connectivity

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_unavailable_not_a_startup_failure() -> TestResult {
    let store = PgStore::connect(PgSettings {
        url: SecretString::from("postgres://postgres@127.0.0.1:1/postgres"),
        max_connections: 2,
        connect_timeout: Duration::from_millis(300),
    })?;

    let ping = store.ping().await;
    assert!(
        matches!(ping, Err(StoreError::Unavailable(_))),
        "got {ping:?}"
    );
    let migrations = store.run_migrations().await;
    assert!(
        matches!(migrations, Err(StoreError::Unavailable(_))),
        "got {migrations:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migrated_database_answers_pings_and_migrates_again_as_a_no_op() -> TestResult {
    let db = TestDb::create().await?;
    db.store.ping().await?;
    db.store.run_migrations().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// A database per test

struct TestDb {
    store: PgStore,
    admin_url: String,
    url: String,
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

impl TestDb {
    async fn create() -> TestResult<Self> {
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("latchkey_pg_{}", Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&admin_url).await?;
        sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;

        let url = with_database(&admin_url, &name);
        let db = Self {
            store: PgStore::connect(PgSettings {
                url: SecretString::from(url.clone()),
                max_connections: 12,
                connect_timeout: Duration::from_secs(10),
            })?,
            admin_url,
            url,
            name,
        };
        db.store.run_migrations().await?;
        Ok(db)
    }

    async fn connect(&self) -> TestResult<AsyncPgConnection> {
        Ok(AsyncPgConnection::establish(&self.url).await?)
    }
}

#[async_trait(?Send)]
impl TestStore for TestDb {
    type Store = PgStore;

    fn store(&self) -> &PgStore {
        &self.store
    }

    async fn count(&self, table: &str) -> TestResult<i64> {
        let mut connection = self.connect().await?;
        let counted = sql_query(format!("SELECT count(*) AS count FROM {table}"))
            .get_result::<Count>(&mut connection)
            .await?;
        Ok(counted.count)
    }

    async fn add_membership(
        &self,
        user_id: UserId,
        tenant_name: &str,
        at: DateTime<Utc>,
    ) -> TestResult<TenantId> {
        let tenant_id = TenantId::generate();
        let mut connection = self.connect().await?;
        sql_query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
            .bind::<SqlUuid, _>(tenant_id.as_uuid())
            .bind::<Text, _>(tenant_name)
            .bind::<Timestamptz, _>(at)
            .execute(&mut connection)
            .await?;
        sql_query(
            "INSERT INTO memberships (user_id, tenant_id, roles, created_at) \
             VALUES ($1, $2, ARRAY['Member'], $3 + interval '1 second')",
        )
        .bind::<SqlUuid, _>(user_id.as_uuid())
        .bind::<SqlUuid, _>(tenant_id.as_uuid())
        .bind::<Timestamptz, _>(at)
        .execute(&mut connection)
        .await?;
        Ok(tenant_id)
    }
}

// Dropping the database needs async I/O, which `Drop` cannot await; a thread of its own
// runs it, so that the database goes away even when the test panicked.
impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url).await?;
                sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                TestResult::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// `admin_url` with its database replaced by `database`.
fn with_database(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{server}/{database}{query}")
}
