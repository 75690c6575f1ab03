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

/// A database created for one test and dropped after it.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
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
            name,
        })
    }

    pub async fn connection(&self) -> Result<AsyncPgConnection, diesel::ConnectionError> {
        AsyncPgConnection::establish(&self.url).await
    }

    pub async fn count(
        &self,
        table: &str,
    ) -> Result<i64, Box<dyn std::error::Error + Send + Sync>> {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            count: i64,
        }
        let mut connection = self.connection().await?;
        let row: Count = diesel::sql_query(format!("SELECT count(*) AS count FROM {table}"))
            .get_result(&mut connection)
            .await?;
        Ok(row.count)
    }

    pub async fn execute(&self, sql: &str) -> TestResult {
        let mut connection = self.connection().await?;
        diesel::sql_query(sql).execute(&mut connection).await?;
        Ok(())
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
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

pub async fn spawn_app() -> Result<TestApp, Box<dyn std::error::Error + Send + Sync>> {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(
    configure: impl FnOnce(&mut Settings),
) -> Result<TestApp, Box<dyn std::error::Error + Send + Sync>> {
    let database = TestDatabase::create().await?;
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
