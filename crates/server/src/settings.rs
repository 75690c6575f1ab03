//! Latchkey's configuration: built-in defaults, then `config/latchkey.toml` (or the file
//! given with `--config`), then `LATCHKEY__SECTION__KEY` environment variables and
//! `DATABASE_URL`. Every key is documented where it is declared, with its default, and in
//! the README.

use std::path::{Path, PathBuf};

use base64::Engine;
use latchkey_crypto::SigningAlgorithm;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod validation;

pub use validation::MAX_LEEWAY_SECS;

/// Why start-up refused the configuration; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl ConfigError {
    /// A problem with one key, named in the message.
    pub fn new(key: &str, problem: &str) -> Self {
        Self(format!("`{key}` {problem}"))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub environment: EnvironmentSettings,
    pub cookie: CookieConfig,
    pub tokens: TokenSettings,
    pub keys: KeySettings,
    pub passwords: PasswordSettings,
    pub sign_up: SignUpSettings,
    pub log: LogSettings,
    pub cors: CorsSettings,
    pub rate_limit: RateLimitConfig,
    pub lockout: LockoutConfig,
    pub maintenance: MaintenanceSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MaintenanceSettings {
    /// Seconds between passes that delete expired and revoked sessions, their refresh
    /// tokens and idle login-throttle records; 0 turns pruning off on this node. Default
    /// 3600.
    pub prune_interval_secs: u64,
    /// The most rows of each kind one statement deletes; a pass repeats until a batch
    /// comes back short. Default 1000.
    pub prune_batch_size: std::num::NonZeroU32,
}

impl Default for MaintenanceSettings {
    fn default() -> Self {
        Self {
            prune_interval_secs: 3600,
            prune_batch_size: std::num::NonZeroU32::MIN.saturating_add(999),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LockoutConfig {
    /// Lock an identifier after repeated failed logins. Default true.
    pub enabled: bool,
    /// Consecutive failures that lock it. Default 10.
    pub max_attempts: u32,
    /// How long the lock lasts, in seconds. Default 900.
    pub duration_secs: u64,
}

impl Default for LockoutConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_attempts: 10,
            duration_secs: 900,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Limit requests per client IP. Default true; turn off only for benchmarks.
    pub enabled: bool,
    /// Logins a client IP may attempt per minute. Default 100 (Frontegg's published limit).
    pub log_in_per_minute: u32,
    /// Sign-ups (both routes together) a client IP may attempt per minute. Default 5.
    pub sign_up_per_minute: u32,
    /// `POST /auth/vendor` requests a client IP may make per minute, so that the API key
    /// cannot be guessed at full speed. Default 30.
    pub vendor_per_minute: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            log_in_per_minute: 100,
            sign_up_per_minute: 5,
            vendor_per_minute: 30,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CorsSettings {
    /// Comma-separated origins (`https://app.example.com,http://localhost:3000`) whose pages
    /// may call the API with credentials. Default: none.
    pub allowed_origins: String,
}

impl CorsSettings {
    pub fn origins(&self) -> Vec<String> {
        self.allowed_origins
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .filter(|origin| !origin.is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on. Default `127.0.0.1`.
    pub host: String,
    /// Port to listen on; 0 picks a free one. Default 8080.
    pub port: u16,
    /// HTTP worker threads. Default: one per core.
    pub workers: Option<usize>,
    /// Largest accepted request body, in bytes. Default 16384.
    pub body_limit_bytes: usize,
    /// Seconds in-flight requests get to finish on shutdown. Default 30.
    pub shutdown_timeout_secs: u64,
    /// Comma-separated proxy IPs whose `X-Forwarded-For` is believed. Default: none.
    pub trusted_proxies: String,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            workers: None,
            body_limit_bytes: 16 * 1024,
            shutdown_timeout_secs: 30,
            trusted_proxies: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://…` or `sqlite://PATH`. Also read from `DATABASE_URL`. Default unset: the
    /// embedded SQLite store in `data_dir`.
    pub url: Option<SecretString>,
    /// Where the embedded store keeps `latchkey.db` when no URL is set. Default `data`.
    pub data_dir: PathBuf,
    /// Pool size. Default 10.
    pub max_connections: u32,
    /// Seconds to wait for a connection before answering 503. Default 5.
    pub connect_timeout_secs: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            data_dir: PathBuf::from("data"),
            max_connections: 10,
            connect_timeout_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnvironmentSettings {
    /// The client id SDKs are configured with: the tokens' `aud` and the cookie's name.
    /// Default `latchkey`.
    pub client_id: String,
    /// The API key `POST /auth/vendor` checks. No default: without one, no environment
    /// token is issued (and username sign-up is unavailable).
    pub api_key: Option<SecretString>,
    /// The tokens' `iss`, normally Latchkey's public base URL. Default `http://localhost:8080`.
    pub issuer: String,
    /// Lifetime of environment tokens, in seconds. Default 3600.
    pub token_ttl_secs: u64,
}

impl Default for EnvironmentSettings {
    fn default() -> Self {
        Self {
            client_id: "latchkey".into(),
            api_key: None,
            issuer: "http://localhost:8080".into(),
            token_ttl_secs: 3600,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CookieConfig {
    /// Send the refresh cookie with `Secure`. Default true.
    pub secure: bool,
    /// `Strict`, `Lax` or `None`. Default `None` (embedded login from another site).
    pub same_site: String,
    /// The cookie's `Domain`; unset means host-only. Default unset.
    pub domain: Option<String>,
}

impl Default for CookieConfig {
    fn default() -> Self {
        Self {
            secure: true,
            same_site: "None".into(),
            domain: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenSettings {
    /// Access-token lifetime in seconds. Default 86400.
    pub access_ttl_secs: u64,
    /// Refresh-token lifetime in seconds, renewed by every refresh. Default 2592000.
    pub refresh_ttl_secs: u64,
    /// Seconds during which a rotated-out refresh token still yields its successor.
    /// Default 10.
    pub refresh_grace_secs: u64,
    /// Absolute session lifetime in seconds, however often refreshed. Default unset.
    pub session_absolute_ttl_secs: Option<u64>,
    /// `RS256`, `ES256` or `EdDSA`; used when a new signing key is created. Default `RS256`.
    pub algorithm: String,
    /// Clock skew tolerated when verifying `exp`, in seconds, at most
    /// [`MAX_LEEWAY_SECS`]. Default 5.
    pub leeway_secs: u64,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            access_ttl_secs: 86_400,
            refresh_ttl_secs: 2_592_000,
            refresh_grace_secs: 10,
            session_absolute_ttl_secs: None,
            algorithm: "RS256".into(),
            leeway_secs: 5,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeySettings {
    /// Base64 of 32 random bytes: the key-encryption key that seals signing keys at rest
    /// (AES-256-GCM). Default unset, and start-up warns that keys are stored in the clear.
    pub encryption_key: Option<SecretString>,
    /// Seconds between re-reads of the published keys, so that a rotation reaches every
    /// node. Default 30.
    pub reload_interval_secs: u64,
}

impl Default for KeySettings {
    fn default() -> Self {
        Self {
            encryption_key: None,
            reload_interval_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordSettings {
    /// Minimum length in characters after NFKC normalization. Default 8.
    pub min_length: usize,
    /// Maximum length in characters after NFKC normalization. Default 128.
    pub max_length: usize,
    /// Refuse common and easily guessed passwords at sign-up (zxcvbn's estimate below a
    /// million guesses). Default true.
    pub reject_guessable: bool,
    /// Argon2id memory cost in KiB. Default 19456.
    pub argon2_memory_kib: u32,
    /// Argon2id iterations. Default 2.
    pub argon2_iterations: u32,
    /// Argon2id lanes. Default 1.
    pub argon2_parallelism: u32,
    /// Hashes computed at once. Default: one per core.
    pub hashing_workers: Option<usize>,
    /// Requests allowed to wait for a hashing worker. Default 256.
    pub hashing_queue: usize,
    /// Milliseconds a request may wait for a hashing worker before a 503. Default 5000.
    pub hashing_queue_timeout_ms: u64,
}

impl Default for PasswordSettings {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 128,
            reject_guessable: true,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            hashing_workers: None,
            hashing_queue: 256,
            hashing_queue_timeout_ms: 5_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignUpSettings {
    /// The role a user gets in the tenant their sign-up creates. Default `Admin`.
    pub default_role: String,
}

impl Default for SignUpSettings {
    fn default() -> Self {
        Self {
            default_role: "Admin".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A `tracing` filter, used when `RUST_LOG` is unset. Default `info`.
    pub level: String,
    /// `pretty` (human-readable; `text` is accepted too) or `json`. Default `pretty`.
    pub format: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "pretty".into(),
        }
    }
}

impl Settings {
    /// Loads the layered configuration and validates it.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let file_source = match file {
            Some(path) => config::File::from(path).required(true),
            None => config::File::with_name("config/latchkey").required(false),
        };
        let environment = config::Environment::with_prefix("LATCHKEY")
            .prefix_separator("__")
            .separator("__");
        let settings: Settings = config::Config::builder()
            .add_source(file_source)
            .add_source(environment)
            .set_override_option("database.url", std::env::var("DATABASE_URL").ok())
            .and_then(|builder| builder.build())
            .and_then(|config| config.try_deserialize())
            .map_err(|error| ConfigError(error.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn trusted_proxies(&self) -> Result<Vec<std::net::IpAddr>, ConfigError> {
        self.server
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|proxy| !proxy.is_empty())
            .map(|proxy| {
                proxy.parse().map_err(|_| {
                    ConfigError::new(
                        "server.trusted_proxies",
                        "must be comma-separated IP addresses",
                    )
                })
            })
            .collect()
    }

    pub fn cookie_same_site(&self) -> Result<latchkey_http::SameSite, ConfigError> {
        let same_site = match self.cookie.same_site.to_ascii_lowercase().as_str() {
            "strict" => latchkey_http::SameSite::Strict,
            "lax" => latchkey_http::SameSite::Lax,
            "none" => latchkey_http::SameSite::None,
            _ => {
                return Err(ConfigError::new(
                    "cookie.same_site",
                    "must be `Strict`, `Lax` or `None`",
                ));
            }
        };
        if same_site == latchkey_http::SameSite::None && !self.cookie.secure {
            return Err(ConfigError::new(
                "cookie.same_site",
                "`None` requires cookie.secure = true (browsers drop it otherwise)",
            ));
        }
        Ok(same_site)
    }

    pub fn signing_algorithm(&self) -> Result<SigningAlgorithm, ConfigError> {
        self.tokens.algorithm.parse().map_err(|_| {
            ConfigError::new("tokens.algorithm", "must be `RS256`, `ES256` or `EdDSA`")
        })
    }

    /// The decoded key-encryption key, if one is configured.
    pub fn key_encryption_key(&self) -> Result<Option<Vec<u8>>, ConfigError> {
        let Some(encoded) = &self.keys.encryption_key else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.expose_secret().trim())
            .ok()
            .filter(|bytes| bytes.len() == 32)
            .ok_or_else(|| {
                ConfigError::new(
                    "keys.encryption_key",
                    "must be the base64 of exactly 32 bytes",
                )
            })?;
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid() {
        assert!(Settings::default().validate().is_ok());
    }

    #[test]
    fn the_example_file_lists_only_real_keys_with_their_defaults() -> Result<(), ConfigError> {
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/latchkey.example.toml");
        let loaded = Settings::load(Some(&example))?;
        let defaults = Settings::default();
        assert_eq!(loaded.server.port, defaults.server.port);
        assert_eq!(
            loaded.tokens.refresh_ttl_secs,
            defaults.tokens.refresh_ttl_secs
        );
        assert_eq!(loaded.lockout.max_attempts, defaults.lockout.max_attempts);
        assert_eq!(
            loaded.passwords.argon2_memory_kib,
            defaults.passwords.argon2_memory_kib
        );
        Ok(())
    }

    #[test]
    fn pruning_is_hourly_by_default_and_a_zero_batch_is_refused_by_its_key() {
        let defaults = Settings::default().maintenance;
        assert_eq!(defaults.prune_interval_secs, 3600);
        assert_eq!(defaults.prune_batch_size.get(), 1000);

        let file =
            std::env::temp_dir().join(format!("latchkey-zero-batch-{}.toml", std::process::id()));
        let written = std::fs::write(&file, "[maintenance]\nprune_batch_size = 0\n");
        assert!(written.is_ok(), "could not write {}", file.display());
        let message = Settings::load(Some(&file))
            .map_err(|error| error.to_string())
            .err()
            .unwrap_or_default();
        let _ = std::fs::remove_file(&file);
        assert!(
            message.contains("prune_batch_size"),
            "{message:?} should name maintenance.prune_batch_size"
        );
    }
}
