use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

/// A freshly generated signing key, offered to the store.
#[derive(Debug, Clone)]
pub struct NewSigningKey {
    /// The RFC 7638 thumbprint of the public key.
    pub kid: String,
    pub algorithm: String,
    /// PKCS#8 private key, sealed under the key-encryption key when one is configured.
    pub private_key: Vec<u8>,
    pub is_encrypted: bool,
    /// The public key as a JWK (JSON text).
    pub public_jwk: String,
    pub created_at: DateTime<Utc>,
}

/// A signing key as stored.
#[derive(Debug, Clone)]
pub struct StoredSigningKey {
    pub kid: String,
    pub algorithm: String,
    pub private_key: Vec<u8>,
    pub is_encrypted: bool,
    pub public_jwk: String,
    pub created_at: DateTime<Utc>,
    /// Set once the key stopped signing; it stays published until `expires_at`.
    pub retired_at: Option<DateTime<Utc>>,
    /// After this instant no token it signed can be alive, and it is no longer published.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Token-signing keys, shared by every node through the database.
#[async_trait]
pub trait SigningKeyStore: Send + Sync {
    /// Stores `candidate` as the active key if no key is active, atomically, so that nodes
    /// starting together on an empty database agree on one key. Returns every key that is
    /// active or still published at `now`, the active one first.
    async fn ensure_active_key(
        &self,
        candidate: NewSigningKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredSigningKey>, StoreError>;

    /// Every key that is active or still published at `now`, the active one first.
    async fn list_published_keys(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredSigningKey>, StoreError>;

    /// Retires the active key, keeping it published until `retired_key_expires_at` (when
    /// no token it signed can still be alive), and makes `replacement` the active key, all
    /// at once. Returns the published keys afterwards, the new active one first.
    async fn rotate_key(
        &self,
        replacement: NewSigningKey,
        now: DateTime<Utc>,
        retired_key_expires_at: DateTime<Utc>,
    ) -> Result<Vec<StoredSigningKey>, StoreError>;
}
