use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::CryptoError;

/// Encrypts signing keys at rest with AES-256-GCM under the configured key-encryption key.
///
/// A sealed key is `nonce || ciphertext || tag`; its key id is bound as associated data,
/// so a sealed key cannot be swapped in under another id.
pub struct KeyCipher(LessSafeKey);

impl KeyCipher {
    pub fn new(key_encryption_key: &[u8]) -> Result<Self, CryptoError> {
        let key = UnboundKey::new(&AES_256_GCM, key_encryption_key)
            .map_err(|_| CryptoError::InvalidKey("the key-encryption key must be 32 bytes"))?;
        Ok(Self(LessSafeKey::new(key)))
    }

    pub fn seal(&self, kid: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| CryptoError::InvalidKey("random source failed"))?;
        let mut sealed = plaintext.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(kid.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| CryptoError::InvalidKey("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, kid: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let wrong_key = CryptoError::InvalidKey(
            "a stored signing key does not decrypt under the configured key-encryption key",
        );
        if sealed.len() < NONCE_LEN {
            return Err(wrong_key);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce)
            .map_err(|_| CryptoError::InvalidKey("bad nonce"))?;
        let mut buffer = ciphertext.to_vec();
        let plaintext = self
            .0
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut buffer)
            .map_err(|_| wrong_key)?;
        Ok(plaintext.to_vec())
    }
}

impl fmt::Debug for KeyCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyCipher([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_under_the_same_key_and_id() -> Result<(), CryptoError> {
        let cipher = KeyCipher::new(&[9; 32])?;
        let sealed = cipher.seal("kid-1", b"private key")?;
        assert_eq!(cipher.open("kid-1", &sealed)?, b"private key");
        assert!(cipher.open("kid-2", &sealed).is_err());
        assert!(KeyCipher::new(&[8; 32])?.open("kid-1", &sealed).is_err());
        assert!(KeyCipher::new(&[1; 16]).is_err());
        Ok(())
    }
}
