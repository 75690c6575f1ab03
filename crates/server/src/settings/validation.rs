//! Validation of the loaded settings: what their types alone cannot check, each problem
//! reported by its key, before anything connects or binds.

use super::{ConfigError, Settings};

/// The most clock skew `tokens.leeway_secs` may tolerate: the contract allows no hidden
/// leeway beyond a few seconds, and five minutes is already generous.
pub const MAX_LEEWAY_SECS: u64 = 300;

/// The longest lifetime any token or session may be configured with (ten years): longer
/// is a mistake, and far longer overflows the date arithmetic.
const MAX_TTL_SECS: u64 = 10 * 365 * 24 * 60 * 60;

/// The smallest `server.body_limit_bytes`: below it no sign-up body fits.
const MIN_BODY_LIMIT_BYTES: usize = 1024;

fn invalid(key: &str, problem: &str) -> ConfigError {
    ConfigError::new(key, problem)
}

fn at_least_one(key: &str, value: u64) -> Result<(), ConfigError> {
    if value == 0 {
        return Err(invalid(key, "must be at least 1"));
    }
    Ok(())
}

/// Argon2's most lanes (2^24 - 1).
const MAX_ARGON2_LANES: u32 = 0x00FF_FFFF;

/// An IP address, or a syntactically valid host name that resolves. The syntax is checked
/// first so that a garbled value is refused without a DNS query.
fn is_listen_host(host: &str) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let is_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.is_empty() || name.len() > 253 || !name.split('.').all(is_label) {
        return false;
    }
    std::net::ToSocketAddrs::to_socket_addrs(&(name, 0))
        .is_ok_and(|mut found| found.next().is_some())
}

impl Settings {
    /// Checks what types alone cannot, before anything connects or binds: each problem
    /// is reported by its key, and no value can make start-up panic further on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.validate_server()?;
        self.validate_database()?;
        self.cookie_same_site()?;
        self.signing_algorithm()?;
        self.key_encryption_key()?;
        self.trusted_proxies()?;
        self.validate_tokens()?;
        self.validate_passwords()?;
        self.validate_upper_bounds()?;
        self.validate_api_key()?;
        if self.keys.reload_interval_secs == 0 {
            return Err(invalid("keys.reload_interval_secs", "must be at least 1"));
        }
        let lockout = &self.lockout;
        at_least_one("lockout.max_attempts", lockout.max_attempts.into())?;
        at_least_one("lockout.duration_secs", lockout.duration_secs)?;
        let limits = &self.rate_limit;
        for (key, value) in [
            ("rate_limit.log_in_per_minute", limits.log_in_per_minute),
            ("rate_limit.sign_up_per_minute", limits.sign_up_per_minute),
            ("rate_limit.vendor_per_minute", limits.vendor_per_minute),
        ] {
            if value == 0 {
                return Err(invalid(
                    key,
                    "must be at least 1 per minute (set rate_limit.enabled = false to turn limits off)",
                ));
            }
        }
        let environment = &self.environment;
        let is_cookie_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if environment.client_id.is_empty() || !environment.client_id.chars().all(is_cookie_safe) {
            return Err(invalid(
                "environment.client_id",
                "must be non-empty letters, digits, '-' or '_'",
            ));
        }
        if environment.issuer.trim().is_empty() {
            return Err(invalid("environment.issuer", "must not be empty"));
        }
        if self.sign_up.default_role.trim().is_empty() {
            return Err(invalid("sign_up.default_role", "must not be empty"));
        }
        let is_origin = |origin: &str| {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            rest.is_some_and(|host| !host.is_empty() && !host.contains('/'))
        };
        if !self.cors.origins().iter().all(|origin| is_origin(origin)) {
            return Err(invalid(
                "cors.allowed_origins",
                "must be comma-separated origins like https://app.example.com",
            ));
        }
        if !matches!(self.log.format.as_str(), "pretty" | "text" | "json") {
            return Err(invalid("log.format", "must be `pretty` or `json`"));
        }
        Ok(())
    }

    fn validate_server(&self) -> Result<(), ConfigError> {
        let server = &self.server;
        if !is_listen_host(&server.host) {
            return Err(invalid(
                "server.host",
                "must be an IP address or a host name that resolves",
            ));
        }
        if server.workers == Some(0) {
            return Err(invalid("server.workers", "must be at least 1 (or unset)"));
        }
        if server.body_limit_bytes < MIN_BODY_LIMIT_BYTES {
            return Err(invalid(
                "server.body_limit_bytes",
                &format!("must be at least {MIN_BODY_LIMIT_BYTES}"),
            ));
        }
        Ok(())
    }

    fn validate_database(&self) -> Result<(), ConfigError> {
        let database = &self.database;
        at_least_one("database.max_connections", database.max_connections.into())?;
        at_least_one(
            "database.connect_timeout_secs",
            database.connect_timeout_secs,
        )
    }

    fn validate_tokens(&self) -> Result<(), ConfigError> {
        let tokens = &self.tokens;
        let absolute = tokens.session_absolute_ttl_secs;
        let lifetimes = [
            ("tokens.access_ttl_secs", Some(tokens.access_ttl_secs)),
            ("tokens.refresh_ttl_secs", Some(tokens.refresh_ttl_secs)),
            ("tokens.session_absolute_ttl_secs", absolute),
            (
                "environment.token_ttl_secs",
                Some(self.environment.token_ttl_secs),
            ),
        ];
        for (key, value) in lifetimes {
            let Some(value) = value else { continue };
            if value == 0 || value > MAX_TTL_SECS {
                return Err(invalid(
                    key,
                    &format!(
                        "must be between 1 and {MAX_TTL_SECS} (ten years): no token may live forever or not at all"
                    ),
                ));
            }
        }
        if tokens.refresh_grace_secs >= tokens.refresh_ttl_secs {
            return Err(invalid(
                "tokens.refresh_grace_secs",
                "must be shorter than tokens.refresh_ttl_secs",
            ));
        }
        if tokens.leeway_secs > MAX_LEEWAY_SECS {
            return Err(invalid(
                "tokens.leeway_secs",
                &format!("must be at most {MAX_LEEWAY_SECS} seconds"),
            ));
        }
        Ok(())
    }

    fn validate_passwords(&self) -> Result<(), ConfigError> {
        let passwords = &self.passwords;
        if passwords.min_length == 0 || passwords.min_length > passwords.max_length {
            return Err(invalid(
                "passwords.min_length",
                "must be between 1 and passwords.max_length",
            ));
        }
        // Argon2's own limits (RFC 9106): at least one pass, 1 to 2^24 - 1 lanes, and at
        // least 8 KiB of memory per lane.
        at_least_one(
            "passwords.argon2_iterations",
            passwords.argon2_iterations.into(),
        )?;
        let lanes = passwords.argon2_parallelism;
        if !(1..=MAX_ARGON2_LANES).contains(&lanes) {
            return Err(invalid(
                "passwords.argon2_parallelism",
                &format!("must be between 1 and {MAX_ARGON2_LANES}"),
            ));
        }
        let least_memory = u64::from(lanes) * 8;
        if u64::from(passwords.argon2_memory_kib) < least_memory {
            return Err(invalid(
                "passwords.argon2_memory_kib",
                &format!("must be at least 8 × passwords.argon2_parallelism ({least_memory})"),
            ));
        }
        if passwords.hashing_workers == Some(0) {
            return Err(invalid(
                "passwords.hashing_workers",
                "must be at least 1 (or unset)",
            ));
        }
        Ok(())
    }
}

/// The largest value each bounded key takes. Past these a value is a typo rather than a
/// choice, and some would panic or exhaust memory far from start-up (actix refuses more
/// than 512 workers; a lock or timeout near `u64::MAX` overflows the clock arithmetic;
/// Argon2 allocates its whole memory cost for every hash at once).
const UPPER_BOUNDS: [(&str, u64); 11] = [
    ("server.workers", 512),
    ("server.shutdown_timeout_secs", 3_600),
    ("database.max_connections", 1_000),
    ("database.connect_timeout_secs", 300),
    ("passwords.argon2_memory_kib", 2 * 1024 * 1024),
    ("passwords.argon2_iterations", 100),
    ("passwords.hashing_workers", 1_024),
    ("passwords.hashing_queue_timeout_ms", 60_000),
    ("keys.reload_interval_secs", 86_400),
    ("maintenance.prune_interval_secs", 7 * 86_400),
    ("lockout.duration_secs", MAX_TTL_SECS),
];

impl Settings {
    fn bounded_values(&self) -> [u64; 11] {
        let as_u64 = |value: usize| u64::try_from(value).unwrap_or(u64::MAX);
        [
            self.server.workers.map_or(0, as_u64),
            self.server.shutdown_timeout_secs,
            self.database.max_connections.into(),
            self.database.connect_timeout_secs,
            self.passwords.argon2_memory_kib.into(),
            self.passwords.argon2_iterations.into(),
            self.passwords.hashing_workers.map_or(0, as_u64),
            self.passwords.hashing_queue_timeout_ms,
            self.keys.reload_interval_secs,
            self.maintenance.prune_interval_secs,
            self.lockout.duration_secs,
        ]
    }

    fn validate_upper_bounds(&self) -> Result<(), ConfigError> {
        for ((key, most), value) in UPPER_BOUNDS.into_iter().zip(self.bounded_values()) {
            if value > most {
                return Err(invalid(key, &format!("must be at most {most}")));
            }
        }
        Ok(())
    }

    /// An empty API key would make the empty secret a valid one: anyone could then obtain
    /// an environment token and sign up with a username. Unset is how to issue none.
    fn validate_api_key(&self) -> Result<(), ConfigError> {
        let is_empty = self
            .environment
            .api_key
            .as_ref()
            .is_some_and(|key| secrecy::ExposeSecret::expose_secret(key).trim().is_empty());
        if is_empty {
            return Err(invalid(
                "environment.api_key",
                "must not be empty (leave it unset to issue no environment tokens)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    #[test]
    fn each_bad_value_is_reported_by_its_key() {
        type Spoil = fn(&mut Settings);
        let cases: [(&str, Spoil); 37] = [
            ("environment.api_key", |s| {
                s.environment.api_key = Some(SecretString::from(" "))
            }),
            ("lockout.duration_secs", |s| {
                s.lockout.duration_secs = u64::MAX
            }),
            ("server.workers", |s| s.server.workers = Some(100_000_000)),
            ("passwords.argon2_memory_kib", |s| {
                s.passwords.argon2_memory_kib = u32::MAX
            }),
            ("passwords.argon2_iterations", |s| {
                s.passwords.argon2_iterations = u32::MAX
            }),
            ("database.connect_timeout_secs", |s| {
                s.database.connect_timeout_secs = u64::MAX
            }),
            ("cookie.same_site", |s| {
                s.cookie.same_site = "sideways".into()
            }),
            ("cookie.same_site", |s| s.cookie.secure = false),
            ("tokens.algorithm", |s| s.tokens.algorithm = "HS256".into()),
            ("tokens.access_ttl_secs", |s| s.tokens.access_ttl_secs = 0),
            ("tokens.access_ttl_secs", |s| {
                s.tokens.access_ttl_secs = u64::MAX
            }),
            ("tokens.refresh_ttl_secs", |s| {
                s.tokens.refresh_ttl_secs = u64::MAX
            }),
            ("tokens.session_absolute_ttl_secs", |s| {
                s.tokens.session_absolute_ttl_secs = Some(0)
            }),
            ("environment.token_ttl_secs", |s| {
                s.environment.token_ttl_secs = u64::MAX
            }),
            ("tokens.leeway_secs", |s| s.tokens.leeway_secs = 301),
            ("tokens.leeway_secs", |s| s.tokens.leeway_secs = u64::MAX),
            ("keys.encryption_key", |s| {
                s.keys.encryption_key = Some(SecretString::from("c2hvcnQ="))
            }),
            ("environment.client_id", |s| {
                s.environment.client_id = "a;b".into()
            }),
            ("server.workers", |s| s.server.workers = Some(0)),
            ("server.body_limit_bytes", |s| s.server.body_limit_bytes = 0),
            ("server.host", |s| s.server.host = "not a host!".into()),
            ("server.host", |s| s.server.host = String::new()),
            ("server.host", |s| s.server.host = "-bad-.example".into()),
            ("database.max_connections", |s| {
                s.database.max_connections = 0
            }),
            ("database.connect_timeout_secs", |s| {
                s.database.connect_timeout_secs = 0
            }),
            ("passwords.argon2_iterations", |s| {
                s.passwords.argon2_iterations = 0
            }),
            ("passwords.argon2_parallelism", |s| {
                s.passwords.argon2_parallelism = 0
            }),
            ("passwords.argon2_parallelism", |s| {
                s.passwords.argon2_parallelism = u32::MAX
            }),
            ("passwords.argon2_memory_kib", |s| {
                s.passwords.argon2_memory_kib = 7
            }),
            ("passwords.argon2_memory_kib", |s| {
                s.passwords.argon2_parallelism = 4;
                s.passwords.argon2_memory_kib = 31;
            }),
            ("passwords.hashing_workers", |s| {
                s.passwords.hashing_workers = Some(0)
            }),
            ("lockout.max_attempts", |s| s.lockout.max_attempts = 0),
            ("lockout.duration_secs", |s| s.lockout.duration_secs = 0),
            ("rate_limit.log_in_per_minute", |s| {
                s.rate_limit.log_in_per_minute = 0
            }),
            ("rate_limit.sign_up_per_minute", |s| {
                s.rate_limit.sign_up_per_minute = 0
            }),
            ("rate_limit.vendor_per_minute", |s| {
                s.rate_limit.vendor_per_minute = 0
            }),
            ("keys.reload_interval_secs", |s| {
                s.keys.reload_interval_secs = 0
            }),
        ];
        for (key, spoil) in cases {
            let mut settings = Settings::default();
            spoil(&mut settings);
            let message = settings
                .validate()
                .map_err(|error| error.to_string())
                .err()
                .unwrap_or_default();
            assert!(message.contains(key), "{message:?} should name {key}");
        }
    }

    #[test]
    fn the_edges_of_the_allowed_ranges_are_valid() {
        let mut settings = Settings::default();
        settings.server.host = "localhost".into();
        settings.tokens.leeway_secs = MAX_LEEWAY_SECS;
        settings.passwords.argon2_parallelism = 4;
        settings.passwords.argon2_memory_kib = 32;
        settings.server.body_limit_bytes = MIN_BODY_LIMIT_BYTES;
        assert!(settings.validate().is_ok(), "{:?}", settings.validate());
    }
}
