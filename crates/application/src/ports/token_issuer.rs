use latchkey_domain::{SessionId, TenantId, UserId};
use serde_json::Value;

use crate::AccessClaims;
use crate::use_cases::EnvironmentClaims;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Bad signature, wrong algorithm, `alg: none`, expired, wrong audience or wrong type.
    #[error("invalid token")]
    Invalid,
    #[error("token signing failed: {0}")]
    Unexpected(String),
}

/// Who an access token was issued to, once its signature and lifetime are verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenSubject {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub tenant_id: TenantId,
}

/// Signs and verifies JWTs with the active signing key.
///
/// Signing is a few hundred microseconds of CPU, so these methods are synchronous.
pub trait TokenIssuer: Send + Sync {
    fn sign_access_token(&self, claims: &AccessClaims) -> Result<String, TokenError>;

    fn sign_environment_token(&self, claims: &EnvironmentClaims) -> Result<String, TokenError>;

    /// Accepts only an unexpired environment token (`type: "vendor"`) signed by one of our
    /// keys with that key's algorithm.
    fn verify_environment_token(&self, token: &str) -> Result<(), TokenError>;

    /// Accepts only an unexpired user token (`type: "userToken"`) for our audience, signed
    /// by one of our keys with that key's algorithm (never `alg: none`, never another).
    fn verify_access_token(&self, token: &str) -> Result<AccessTokenSubject, TokenError>;

    /// The public keys as a JWK Set, for `/.well-known/jwks.json`.
    fn json_web_key_set(&self) -> Value;
}
