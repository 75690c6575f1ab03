//! Wiring: adapters into ports, ports into use cases, use cases into the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use latchkey_application::ports::{Clock, SystemClock};
use latchkey_application::{Identity, IdentityPorts, IdentitySettings};
use latchkey_crypto::{
    Argon2PasswordHasher, Argon2Settings, HashingPoolSettings, SystemRandomness,
};
use latchkey_domain::{LockoutPolicy, PasswordPolicy};
use latchkey_http::{AppState, CookieSettings, HttpSettings, RateLimitSettings, http_server};

use crate::{Settings, keys, maintenance, store};

/// A built server: listening, with migrations applied and a signing key in place.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to the database, applies pending migrations, loads (or creates) the signing
    /// key, and binds the listener. Port 0 binds a free port; [`Application::port`] tells
    /// which.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate()?;
        let stores = store::open(&settings).await?;

        let clock = Arc::new(SystemClock);
        let tokens =
            Arc::new(keys::load(&settings, stores.signing_keys.as_ref(), clock.now()).await?);
        keys::spawn_reloader(
            &settings,
            Arc::clone(&tokens),
            Arc::clone(&stores.signing_keys),
        );
        maintenance::spawn_pruner(&settings, Arc::clone(&stores.pruner), clock.clone());
        let identity = Identity::new(
            IdentityPorts {
                accounts: stores.accounts,
                sessions: stores.sessions,
                throttle: stores.throttle,
                hasher: Arc::new(password_hasher(&settings)?),
                tokens,
                clock,
                randomness: Arc::new(SystemRandomness::default()),
            },
            identity_settings(&settings),
        );

        let state = AppState {
            identity,
            cookies: Arc::new(CookieSettings::new(
                &settings.environment.client_id,
                settings.cookie.secure,
                settings.cookie_same_site()?,
                settings.cookie.domain.clone(),
                Duration::from_secs(settings.tokens.refresh_ttl_secs),
            )),
            health: stores.health,
            body_limit: settings.server.body_limit_bytes,
            render_metrics: crate::metrics::renderer(),
        };
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))?;
        let port = listener.local_addr()?.port();
        let http = HttpSettings {
            workers: settings.server.workers,
            shutdown_timeout: Duration::from_secs(settings.server.shutdown_timeout_secs),
            client_request_timeout: Duration::from_secs(5),
            cors_allowed_origins: settings.cors.origins(),
            rate_limits: RateLimitSettings {
                enabled: settings.rate_limit.enabled,
                log_in_per_minute: settings.rate_limit.log_in_per_minute,
                sign_up_per_minute: settings.rate_limit.sign_up_per_minute,
                vendor_per_minute: settings.rate_limit.vendor_per_minute,
                trusted_proxies: settings.trusted_proxies()?,
            },
        };
        let server = http_server(listener, state, &http)?;
        tracing::info!(port, "latchkey listening");
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// `latchkey migrate`: apply pending migrations and stop.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    store::open(settings).await?;
    tracing::info!("migrations applied");
    Ok(())
}

fn password_hasher(settings: &Settings) -> anyhow::Result<Argon2PasswordHasher> {
    let passwords = &settings.passwords;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let hasher = Argon2PasswordHasher::new(
        Argon2Settings {
            memory_kib: passwords.argon2_memory_kib,
            iterations: passwords.argon2_iterations,
            parallelism: passwords.argon2_parallelism,
        },
        HashingPoolSettings {
            workers: passwords.hashing_workers.unwrap_or(cores),
            max_queue: passwords.hashing_queue,
            queue_timeout: Duration::from_millis(passwords.hashing_queue_timeout_ms),
        },
    )?;
    Ok(hasher)
}

fn identity_settings(settings: &Settings) -> IdentitySettings {
    let seconds = Duration::from_secs;
    IdentitySettings {
        client_id: settings.environment.client_id.clone(),
        api_key: settings.environment.api_key.clone(),
        issuer: settings.environment.issuer.clone(),
        access_token_ttl: seconds(settings.tokens.access_ttl_secs),
        refresh_token_ttl: seconds(settings.tokens.refresh_ttl_secs),
        refresh_grace: seconds(settings.tokens.refresh_grace_secs),
        session_absolute_ttl: settings.tokens.session_absolute_ttl_secs.map(seconds),
        environment_token_ttl: seconds(settings.environment.token_ttl_secs),
        passwords: PasswordPolicy {
            min_chars: settings.passwords.min_length,
            max_chars: settings.passwords.max_length,
            reject_guessable: settings.passwords.reject_guessable,
        },
        sign_up_role: settings.sign_up.default_role.clone(),
        lockout: settings.lockout.enabled.then(|| LockoutPolicy {
            max_attempts: settings.lockout.max_attempts,
            lock_for: seconds(settings.lockout.duration_secs),
        }),
    }
}
