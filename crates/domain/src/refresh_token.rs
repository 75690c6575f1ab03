use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// A refresh token carries 256 random bits.
pub const REFRESH_TOKEN_BYTES: usize = 32;

/// An opaque refresh token as the client holds it (URL-safe base64 of 32 random bytes).
///
/// Only its SHA-256 is ever stored. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken([u8; REFRESH_TOKEN_BYTES]);

impl RefreshToken {
    pub fn from_bytes(bytes: [u8; REFRESH_TOKEN_BYTES]) -> Self {
        Self(bytes)
    }

    /// Parses a token presented by a client; anything that is not one of ours is `None`.
    pub fn parse(presented: &str) -> Option<Self> {
        if presented.len() != 43 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(presented).ok()?;
        bytes.try_into().ok().map(Self)
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn hash(&self) -> RefreshTokenHash {
        RefreshTokenHash(Sha256::digest(self.0).into())
    }

    /// Seals `successor` so that only a holder of `self` can recover it.
    ///
    /// Inside the grace window every request that presents `self` must receive the same
    /// successor, yet the store keeps no token in the clear. The successor is therefore kept
    /// XOR-ed with a pad derived from `self`: a one-time pad, since every token has at most one
    /// successor. Reading the database alone reveals nothing usable.
    pub fn seal_successor(&self, successor: &RefreshToken) -> SealedRefreshToken {
        SealedRefreshToken(xor(self.successor_pad(), successor.0))
    }

    pub fn unseal_successor(&self, sealed: &SealedRefreshToken) -> RefreshToken {
        RefreshToken(xor(self.successor_pad(), sealed.0))
    }

    fn successor_pad(&self) -> [u8; REFRESH_TOKEN_BYTES] {
        let mut hasher = Sha256::new();
        hasher.update(b"latchkey.refresh-token.successor-pad.v1");
        hasher.update(self.0);
        hasher.finalize().into()
    }
}

fn xor(a: [u8; REFRESH_TOKEN_BYTES], b: [u8; REFRESH_TOKEN_BYTES]) -> [u8; REFRESH_TOKEN_BYTES] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken([REDACTED])")
    }
}

/// The SHA-256 of a refresh token: what the store keeps and looks tokens up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefreshTokenHash(pub [u8; 32]);

/// A successor token sealed under its parent (see [`RefreshToken::seal_successor`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SealedRefreshToken(pub [u8; REFRESH_TOKEN_BYTES]);

impl fmt::Debug for SealedRefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealedRefreshToken([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_through_their_text_form() {
        let token = RefreshToken::from_bytes([7; 32]);
        assert_eq!(RefreshToken::parse(&token.encode()), Some(token));
        assert_eq!(RefreshToken::parse("short"), None);
        assert_eq!(RefreshToken::parse(&"!".repeat(43)), None);
    }

    #[test]
    fn only_the_parent_unseals_its_successor() {
        let parent = RefreshToken::from_bytes([1; 32]);
        let successor = RefreshToken::from_bytes([2; 32]);
        let sealed = parent.seal_successor(&successor);
        assert_eq!(parent.unseal_successor(&sealed), successor);
        assert_ne!(
            RefreshToken::from_bytes([3; 32]).unseal_successor(&sealed),
            successor
        );
        assert_ne!(sealed.0, successor.0);
    }
}
