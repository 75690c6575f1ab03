use std::path::PathBuf;
use std::sync::LazyLock;

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use latchkey_server::{Application, Settings};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Response, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

pub const CLIENT_ID: &str = "test-client-id";
pub const COOKIE_NAME: &str = "fe_refresh_testclient-id";
pub const API_KEY: &str = "test-api-key-0123456789";
pub const ISSUER: &str = "https://latchkey.test";
pub const PASSWORD: &str = "correct horse battery";

static ADMIN_URL: LazyLock<String> = LazyLock::new(|| {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
});

/// Which storage adapter a test runs on; most tests run on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Postgres,
    Sqlite,
}

/// A database created for one test and removed after it: a Postgres database on the server
/// at `TEST_DATABASE_URL`, or a SQLite file in a temporary directory.
pub struct TestDatabase {
    /// What `database.url` must say to reach it.
    pub url: String,
    backing: Backing,
}

enum Backing {
    Postgres { name: String },
    Sqlite { dir: PathBuf, path: PathBuf },
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

impl TestDatabase {
    /// A fresh Postgres database.
    pub async fn create() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Self::create_on(StoreKind::Postgres).await
    }

    pub async fn create_on(
        store: StoreKind,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        match store {
            StoreKind::Postgres => {
                let name = format!("latchkey_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = AsyncPgConnection::establish(&ADMIN_URL).await?;
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await?;
                let base = ADMIN_URL
                    .rsplit_once('/')
                    .map_or(ADMIN_URL.as_str(), |(base, _)| base);
                Ok(Self {
                    url: format!("{base}/{name}"),
                    backing: Backing::Postgres { name },
                })
            }
            StoreKind::Sqlite => {
                let dir = std::env::temp_dir()
                    .join(format!("latchkey-test-{}", uuid::Uuid::new_v4().simple()));
                let path = dir.join("latchkey.db");
                let url = format!("sqlite://{}", path.display());
                Ok(Self {
                    url,
                    backing: Backing::Sqlite { dir, path },
                })
            }
        }
    }

    /// Counts the rows of `table` (which may carry a portable `WHERE` clause).
    pub async fn count(
        &self,
        table: &str,
    ) -> Result<i64, Box<dyn std::error::Error + Send + Sync>> {
        let query = format!("SELECT count(*) AS count FROM {table}");
        match &self.backing {
            Backing::Postgres { .. } => {
                let mut connection = AsyncPgConnection::establish(&self.url).await?;
                Ok(diesel::sql_query(query)
                    .get_result::<Count>(&mut connection)
                    .await?
                    .count)
            }
            Backing::Sqlite { path, .. } => {
                let path = path.clone();
                let count = tokio::task::spawn_blocking(move || sqlite_sync::count(&path, &query))
                    .await??;
                Ok(count)
            }
        }
    }

    /// Runs portable SQL against the database.
    pub async fn execute(&self, sql: &str) -> TestResult {
        match &self.backing {
            Backing::Postgres { .. } => {
                let mut connection = AsyncPgConnection::establish(&self.url).await?;
                diesel::sql_query(sql).execute(&mut connection).await?;
            }
            Backing::Sqlite { path, .. } => {
                let (path, sql) = (path.clone(), sql.to_owned());
                tokio::task::spawn_blocking(move || sqlite_sync::execute(&path, &sql)).await??;
            }
        }
        Ok(())
    }

    /// Makes every stored refresh token already expired.
    pub async fn expire_refresh_tokens(&self) -> TestResult {
        match &self.backing {
            Backing::Postgres { .. } => {
                self.execute("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
                    .await
            }
            Backing::Sqlite { .. } => {
                self.execute("UPDATE refresh_tokens SET expires_at = '2000-01-01T00:00:00.000000Z'")
                    .await
            }
        }
    }
}

/// Blocking access to a test's SQLite file (diesel's synchronous API, kept apart from the
/// async one so their `RunQueryDsl` traits do not clash).
mod sqlite_sync {
    use std::path::Path;

    use diesel::{Connection, RunQueryDsl, SqliteConnection};

    use super::Count;

    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn connection(path: &Path) -> Result<SqliteConnection, Error> {
        let mut connection = SqliteConnection::establish(&path.display().to_string())?;
        diesel::sql_query("PRAGMA busy_timeout = 5000").execute(&mut connection)?;
        Ok(connection)
    }

    pub fn count(path: &Path, query: &str) -> Result<i64, Error> {
        Ok(diesel::sql_query(query)
            .get_result::<Count>(&mut connection(path)?)?
            .count)
    }

    pub fn execute(path: &Path, sql: &str) -> Result<(), Error> {
        diesel::sql_query(sql).execute(&mut connection(path)?)?;
        Ok(())
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = match &self.backing {
            Backing::Sqlite { dir, .. } => {
                let _ = std::fs::remove_dir_all(dir);
                return;
            }
            Backing::Postgres { name } => name.clone(),
        };
        // Drop runs outside any async context we could await in; a short-lived runtime on
        // its own thread does the clean-up.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&ADMIN_URL).await.ok()?;
                let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                diesel::sql_query(drop).execute(&mut admin).await.ok()
            })
        });
        let _ = cleanup.join();
    }
}

/// A running server and a client without a cookie jar, so that every cookie is explicit.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: TestDatabase,
}

pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.server.workers = Some(2);
    settings.database.url = Some(SecretString::from(database_url.to_owned()));
    settings.environment.client_id = CLIENT_ID.into();
    settings.environment.api_key = Some(SecretString::from(API_KEY));
    settings.environment.issuer = ISSUER.into();
    // Tests sign up far more than 5 users a minute from one address; the rate-limit tests
    // turn limits back on.
    settings.rate_limit.enabled = false;
    // Likewise the timing and fuzz tests fail logins by the dozen; the lockout tests turn
    // brute-force protection back on.
    settings.lockout.enabled = false;
    settings
}

/// A server on a fresh Postgres database.
#[allow(
    dead_code,
    reason = "used by the resilience tests, which share this file"
)]
pub async fn spawn_app() -> Result<TestApp, Box<dyn std::error::Error + Send + Sync>> {
    spawn_app_on(StoreKind::Postgres).await
}

#[allow(
    dead_code,
    reason = "used by the resilience tests, which share this file"
)]
pub async fn spawn_app_with(
    configure: impl FnOnce(&mut Settings),
) -> Result<TestApp, Box<dyn std::error::Error + Send + Sync>> {
    spawn_app_on_with(StoreKind::Postgres, configure).await
}

pub async fn spawn_app_on(
    store: StoreKind,
) -> Result<TestApp, Box<dyn std::error::Error + Send + Sync>> {
    spawn_app_on_with(store, |_| {}).await
}

pub async fn spawn_app_on_with(
    store: StoreKind,
    configure: impl FnOnce(&mut Settings),
) -> Result<TestApp, Box<dyn std::error::Error + Send + Sync>> {
    let database = TestDatabase::create_on(store).await?;
    let mut settings = test_settings(&database.url);
    configure(&mut settings);
    let address = start(settings).await?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    Ok(TestApp {
        address,
        client,
        database,
    })
}

/// Builds and spawns a server, returning its base URL.
pub async fn start(settings: Settings) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let application = Application::build(settings)
        .await
        .map_err(|error| error.to_string())?;
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    Ok(address)
}

pub fn sign_up_body(email: &str) -> Value {
    json!({
        "email": email,
        "password": PASSWORD,
        "companyName": "Acme",
        "name": "Ann Lee",
        "metadata": "{\"plan\":\"pro\"}",
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Result<Response> {
        self.client.post(self.url(path)).json(body).send().await
    }

    pub async fn get(&self, path: &str) -> reqwest::Result<Response> {
        self.client.get(self.url(path)).send().await
    }

    pub async fn sign_up(&self, body: &Value) -> reqwest::Result<Response> {
        self.post_json("/identity/resources/users/v1/signUp", body)
            .await
    }

    /// Signs up `email` and returns the refresh token from the cookie.
    pub async fn signed_up(
        &self,
        email: &str,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let response = self.sign_up(&sign_up_body(email)).await?;
        assert_eq!(response.status(), StatusCode::CREATED);
        refresh_cookie(&response).ok_or_else(|| "sign-up set no refresh cookie".into())
    }

    pub async fn log_in(&self, body: &Value) -> reqwest::Result<Response> {
        self.post_json("/identity/resources/auth/v1/user", body)
            .await
    }

    /// Refreshes with `token` in the cookie, the way the web SDK does (JSON content type,
    /// `{"tenantId": null}`).
    pub async fn refresh(&self, token: &str) -> reqwest::Result<Response> {
        self.client
            .post(self.url("/frontegg/identity/resources/auth/v1/user/token/refresh"))
            .header(COOKIE, format!("{COOKIE_NAME}={token}"))
            .json(&json!({"tenantId": null}))
            .send()
            .await
    }

    pub async fn log_out(&self, token: Option<&str>) -> reqwest::Result<Response> {
        let mut request = self
            .client
            .post(self.url("/frontegg/identity/resources/auth/v1/logout"))
            .header(CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header(COOKIE, format!("{COOKIE_NAME}={token}"));
        }
        request.send().await
    }

    pub async fn environment_token(
        &self,
    ) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let response = self
            .post_json(
                "/auth/vendor",
                &json!({"clientId": CLIENT_ID, "secret": API_KEY}),
            )
            .await?;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await?;
        body["token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| "no token in vendor response".into())
    }
}

/// The refresh cookie's `Set-Cookie` header, if the response has one.
pub fn refresh_set_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(&format!("{COOKIE_NAME}=")))
        .map(str::to_owned)
}

/// The refresh token value the response's cookie carries.
pub fn refresh_cookie(response: &Response) -> Option<String> {
    let header = refresh_set_cookie(response)?;
    let value = header.split(';').next()?.split_once('=')?.1;
    Some(value.to_owned())
}

/// Reads a JSON error envelope and checks its shape.
pub async fn error_envelope(
    response: Response,
) -> Result<(StatusCode, String, Vec<String>), Box<dyn std::error::Error + Send + Sync>> {
    let status = response.status();
    let body: Value = response.json().await?;
    let code = body["errorCode"]
        .as_str()
        .ok_or("envelope lacks errorCode")?
        .to_owned();
    let errors = body["errors"]
        .as_array()
        .ok_or("envelope lacks errors")?
        .iter()
        .map(|message| {
            message
                .as_str()
                .map(str::to_owned)
                .ok_or("an error is not a string")
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((status, code, errors))
}
