//! Latchkey's cryptography adapters: Argon2id password hashing on a bounded pool, JWT
//! signing and verification, signing-key generation and encryption at rest, and the
//! system's secure random source.
//!
//! Depends on `latchkey-domain` and `latchkey-application` (whose ports it implements);
//! every primitive comes from `argon2`, `jsonwebtoken` and `aws-lc-rs`.

mod argon2_hasher;
mod jwt_issuer;
mod key_cipher;
mod randomness;
mod signing_key;

pub use argon2_hasher::{Argon2PasswordHasher, Argon2Settings, HashingPoolSettings};
pub use jwt_issuer::JwtIssuer;
pub use key_cipher::KeyCipher;
pub use randomness::SystemRandomness;
pub use signing_key::{SigningAlgorithm, generate_signing_key};

/// Why a key could not be created, opened or used.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("invalid key material: {0}")]
    InvalidKey(&'static str),
    #[error("a signing key is encrypted but no key-encryption key is configured")]
    MissingKeyEncryptionKey,
    #[error("no active signing key")]
    NoActiveKey,
    #[error("unsupported signing algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    #[error("invalid Argon2 parameters: {0}")]
    InvalidHashParameters(String),
}
