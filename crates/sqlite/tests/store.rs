//! The SQLite adapter against a real file: every test gets a directory of its own under the
//! system's temporary directory, removed at the end. The storage contract's checks come
//! from `latchkey-store-tests`, shared with every adapter; the tests here are about what
//! only a file has: its creation, reopening it, and its one writer at a time.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text, TimestamptzSqlite};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection, sql_query};
use latchkey_application::ports::{
    AccountStore, HealthProbe, RotationOutcome, SessionStore, StoreError,
};
use latchkey_domain::{EmailAddress, LoginIdentifier, TenantId, UserId};
use latchkey_sqlite::{SqliteSettings, SqliteStore};
use latchkey_store_tests::{
    GRACE, TestResult, TestStore, new_account, now, race, rotate, store_contract_tests,
};
use uuid::Uuid;

store_contract_tests!(TestDb::create);

// ---------------------------------------------------------------------------------------
// The file

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_creates_the_directory_and_the_file() -> TestResult {
    let directory = TestDir::new();
    let path = directory.path().join("nested/deeper/latchkey.db");

    let store = SqliteStore::open(settings(&path, Duration::from_secs(5)))?;
    assert!(path.is_file(), "the database file was not created");
    store.run_migrations().await?;
    store.ping().await?;
    store.check().await?;
    store.run_migrations().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_reopening_the_store() -> TestResult {
    let db = TestDb::create().await?;
    let (account, _) = new_account(Some("ann@example.com"), None, now());
    let user_id = account.user.id;
    db.store.create_account(account).await?;
    let path = db.path.clone();
    let directory = db.release();

    let reopened = SqliteStore::open(settings(&path, Duration::from_secs(5)))?;
    reopened.run_migrations().await?;
    let identifier = LoginIdentifier::Email(EmailAddress::parse("ANN@example.com")?);
    let found = reopened.find_credentials(&identifier).await?;
    assert_eq!(found.map(|found| found.user_id), Some(user_id));
    drop(directory);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_together_migrate_once() -> TestResult {
    let directory = TestDir::new();
    let path = directory.path().join("latchkey.db");
    let stores = [(); 4].map(|()| SqliteStore::open(settings(&path, Duration::from_secs(5))));

    let migrations = stores.into_iter().map(|store| {
        tokio::spawn(async move {
            let store = store?;
            store.run_migrations().await?;
            TestResult::Ok(())
        })
    });
    for migration in migrations.collect::<Vec<_>>() {
        migration.await??;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// One writer at a time

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_waits_for_the_lock_while_reads_go_on() -> TestResult {
    let db = TestDb::create().await?;
    let (ann, _) = new_account(Some("ann@example.com"), None, now());
    db.store.create_account(ann).await?;
    let held = Duration::from_millis(400);
    let lock = WriteLock::hold(&db.path, held).await?;

    let reading = Instant::now();
    let identifier = LoginIdentifier::Email(EmailAddress::parse("ann@example.com")?);
    assert!(db.store.find_credentials(&identifier).await?.is_some());
    assert!(
        reading.elapsed() < held / 2,
        "a read must not wait for the writer (WAL)"
    );

    let (bob, _) = new_account(Some("bob@example.com"), None, now());
    db.store.create_account(bob).await?;
    assert!(
        lock.taken_at.elapsed() >= held,
        "the write must have queued behind the lock"
    );
    lock.release().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_past_the_busy_timeout_is_unavailable() -> TestResult {
    let directory = TestDir::new();
    let path = directory.path().join("latchkey.db");
    let store = SqliteStore::open(settings(&path, Duration::from_millis(100)))?;
    store.run_migrations().await?;
    let lock = WriteLock::hold(&path, Duration::from_secs(1)).await?;

    let (account, _) = new_account(Some("ann@example.com"), None, now());
    let refused = store.create_account(account).await;
    assert!(
        matches!(&refused, Err(StoreError::Unavailable(message)) if !message.contains(".db")),
        "got {refused:?}"
    );
    lock.release().await?;
    Ok(())
}

// Deferred transactions (`BEGIN` instead of `BEGIN IMMEDIATE`) fail this test: a racer
// that read before another wrote gets SQLITE_BUSY when it writes, busy timeout or not.
// Several rounds through two pools (as two processes would have) make that near certain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotations_through_two_stores_on_one_file_have_one_winner() -> TestResult {
    let db = TestDb::create().await?;
    let other = SqliteStore::open(settings(&db.path, Duration::from_secs(5)))?;

    for round in 0..5 {
        let email = format!("ann{round}@example.com");
        let (account, token) = new_account(Some(&email), None, now());
        db.store.create_account(account).await?;
        let outcomes = race(10, |racer| {
            let store = [&db.store, &other][racer % 2].clone();
            let (rotation, _) = rotate(&token, now(), GRACE, None);
            async move { store.rotate_refresh_token(rotation).await }
        })
        .await?;

        let mut successors = Vec::new();
        let mut winners = 0;
        for outcome in outcomes {
            match outcome? {
                RotationOutcome::Rotated(_) => winners += 1,
                RotationOutcome::AlreadyRotated {
                    sealed_successor, ..
                } => successors.push(sealed_successor),
                other => panic!("round {round}: a racer got {other:?}"),
            }
        }
        assert_eq!((winners, successors.len()), (1, 9), "round {round}");
        successors.dedup();
        assert_eq!(successors.len(), 1, "round {round}: one successor for all");
    }
    assert_eq!(
        db.count("refresh_tokens").await?,
        10,
        "one successor per round"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// A directory per test

fn settings(path: &Path, busy_timeout: Duration) -> SqliteSettings {
    SqliteSettings {
        path: path.to_owned(),
        max_connections: 4,
        busy_timeout,
    }
}

/// A fresh directory under the system's temporary directory, removed on drop (also when
/// the test panicked).
struct TestDir(PathBuf);

impl TestDir {
    fn new() -> Self {
        let name = format!("latchkey-sqlite-{}", Uuid::new_v4().simple());
        Self(std::env::temp_dir().join(name))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        if std::fs::remove_dir_all(&self.0).is_err() && self.0.exists() {
            eprintln!("could not remove {}", self.0.display());
        }
    }
}

struct TestDb {
    store: SqliteStore,
    path: PathBuf,
    directory: TestDir,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

impl TestDb {
    async fn create() -> TestResult<Self> {
        let directory = TestDir::new();
        let path = directory.path().join("latchkey.db");
        let store = SqliteStore::open(settings(&path, Duration::from_secs(5)))?;
        store.run_migrations().await?;
        // The pool opens connections on demand, and opening one takes longer than a
        // rotation: without this, a race's first racers would run one after another on
        // the one connection there is, instead of side by side as the checks intend.
        race(8, |_| {
            let store = store.clone();
            async move { store.ping().await }
        })
        .await?
        .into_iter()
        .collect::<Result<(), _>>()?;
        Ok(Self {
            store,
            path,
            directory,
        })
    }

    /// Drops the store, keeping the directory (and the file) alive.
    fn release(self) -> TestDir {
        self.directory
    }

    fn connect(&self) -> TestResult<SqliteConnection> {
        let path = self.path.to_str().ok_or("temporary path is not UTF-8")?;
        Ok(SqliteConnection::establish(path)?)
    }
}

#[async_trait(?Send)]
impl TestStore for TestDb {
    type Store = SqliteStore;

    fn store(&self) -> &SqliteStore {
        &self.store
    }

    async fn count(&self, table: &str) -> TestResult<i64> {
        let counted = sql_query(format!("SELECT count(*) AS count FROM {table}"))
            .get_result::<Count>(&mut self.connect()?)?;
        Ok(counted.count)
    }

    async fn add_membership(
        &self,
        user_id: UserId,
        tenant_name: &str,
        at: DateTime<Utc>,
    ) -> TestResult<TenantId> {
        let tenant_id = TenantId::generate();
        let mut connection = self.connect()?;
        sql_query("INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)")
            .bind::<Text, _>(tenant_id.to_string())
            .bind::<Text, _>(tenant_name)
            .bind::<TimestamptzSqlite, _>(at)
            .execute(&mut connection)?;
        sql_query(
            "INSERT INTO memberships (user_id, tenant_id, roles, created_at) \
             VALUES (?, ?, '[\"Member\"]', ?)",
        )
        .bind::<Text, _>(user_id.to_string())
        .bind::<Text, _>(tenant_id.to_string())
        .bind::<TimestamptzSqlite, _>(at + TimeDelta::seconds(1))
        .execute(&mut connection)?;
        Ok(tenant_id)
    }
}

/// SQLite's write lock, held by a connection of another "process" on a thread of its own.
struct WriteLock {
    taken_at: Instant,
    holder: std::thread::JoinHandle<TestResult>,
}

impl WriteLock {
    /// Returns once the lock is taken; it is let go `held` later.
    async fn hold(path: &Path, held: Duration) -> TestResult<Self> {
        let path = path
            .to_str()
            .ok_or("temporary path is not UTF-8")?
            .to_owned();
        let (taken, is_taken) = mpsc::channel();
        let holder = std::thread::spawn(move || {
            let mut connection = SqliteConnection::establish(&path)?;
            connection.batch_execute("BEGIN IMMEDIATE")?;
            taken.send(Instant::now())?;
            std::thread::sleep(held);
            connection.batch_execute("COMMIT")?;
            TestResult::Ok(())
        });
        let taken_at = tokio::task::spawn_blocking(move || is_taken.recv()).await??;
        Ok(Self { taken_at, holder })
    }

    async fn release(self) -> TestResult {
        let holder = self.holder;
        tokio::task::spawn_blocking(move || holder.join())
            .await?
            .map_err(|_| "the lock holder panicked")?
    }
}
