use std::sync::Arc;
use std::time::Duration;

use latchkey_domain::{LockoutPolicy, PasswordPolicy};
use secrecy::SecretString;

use crate::ports::{
    AccountStore, Clock, LoginThrottle, PasswordHasher, Randomness, SessionStore, TokenIssuer,
};

/// The adapters the use cases run on.
#[derive(Clone)]
pub struct IdentityPorts {
    pub accounts: Arc<dyn AccountStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub throttle: Arc<dyn LoginThrottle>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub tokens: Arc<dyn TokenIssuer>,
    pub clock: Arc<dyn Clock>,
    pub randomness: Arc<dyn Randomness>,
}

/// The policies the use cases enforce, from configuration.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    /// The environment's client id: the `aud` of every token and the name of the cookie.
    pub client_id: String,
    /// The environment's API key; without one no environment token is ever issued.
    pub api_key: Option<SecretString>,
    /// The `iss` of every token.
    pub issuer: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub refresh_grace: Duration,
    pub session_absolute_ttl: Option<Duration>,
    pub environment_token_ttl: Duration,
    pub passwords: PasswordPolicy,
    /// The role a user gets in the tenant their sign-up creates.
    pub sign_up_role: String,
    /// Brute-force protection; `None` turns it off.
    pub lockout: Option<LockoutPolicy>,
}

/// Latchkey's use cases: one method per verb, each in its own file under `use_cases/`.
#[derive(Clone)]
pub struct Identity {
    pub(crate) ports: IdentityPorts,
    pub(crate) settings: Arc<IdentitySettings>,
}

impl Identity {
    pub fn new(ports: IdentityPorts, settings: IdentitySettings) -> Self {
        Self {
            ports,
            settings: Arc::new(settings),
        }
    }

    pub fn settings(&self) -> &IdentitySettings {
        &self.settings
    }

    /// The public keys tokens can be verified with.
    pub fn json_web_key_set(&self) -> serde_json::Value {
        self.ports.tokens.json_web_key_set()
    }
}
