use std::str::FromStr;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use latchkey_application::ports::NewSigningKey;
use serde_json::{Value, json};

use crate::{CryptoError, KeyCipher};

/// The algorithms Latchkey signs with. RS256 is what Frontegg's SDKs verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningAlgorithm {
    Rs256,
    Es256,
    EdDsa,
}

impl SigningAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }

    pub(crate) fn jwt_algorithm(self) -> Algorithm {
        match self {
            Self::Rs256 => Algorithm::RS256,
            Self::Es256 => Algorithm::ES256,
            Self::EdDsa => Algorithm::EdDSA,
        }
    }
}

impl FromStr for SigningAlgorithm {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "RS256" => Ok(Self::Rs256),
            "ES256" => Ok(Self::Es256),
            "EdDSA" => Ok(Self::EdDsa),
            other => Err(CryptoError::UnsupportedAlgorithm(other.to_owned())),
        }
    }
}

/// Generates a key pair, names it by its RFC 7638 thumbprint, and seals the private half
/// when a key-encryption key is configured.
pub fn generate_signing_key(
    algorithm: SigningAlgorithm,
    cipher: Option<&KeyCipher>,
    now: DateTime<Utc>,
) -> Result<NewSigningKey, CryptoError> {
    let failed = |_| CryptoError::InvalidKey("key generation failed");
    let (pkcs8, public) = match algorithm {
        SigningAlgorithm::Rs256 => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(failed)?;
            let public = pair.public_key();
            let n = public.modulus().big_endian_without_leading_zero().to_vec();
            let e = public.exponent().big_endian_without_leading_zero().to_vec();
            let pkcs8 = pair.as_der().map_err(failed)?.as_ref().to_vec();
            (pkcs8, PublicKey::Rsa { n, e })
        }
        SigningAlgorithm::Es256 => {
            let document = EcdsaKeyPair::generate_pkcs8(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                &SystemRandom::new(),
            )
            .map_err(failed)?;
            let pair =
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, document.as_ref())
                    .map_err(|_| CryptoError::InvalidKey("generated EC key rejected"))?;
            let point = pair.public_key().as_ref();
            let (x, y) = point
                .get(1..33)
                .zip(point.get(33..65))
                .ok_or(CryptoError::InvalidKey("EC point"))?;
            (
                document.as_ref().to_vec(),
                PublicKey::Ec {
                    x: x.to_vec(),
                    y: y.to_vec(),
                },
            )
        }
        SigningAlgorithm::EdDsa => {
            let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(failed)?;
            let pair = Ed25519KeyPair::from_pkcs8(document.as_ref())
                .map_err(|_| CryptoError::InvalidKey("generated Ed25519 key rejected"))?;
            (
                document.as_ref().to_vec(),
                PublicKey::Okp {
                    x: pair.public_key().as_ref().to_vec(),
                },
            )
        }
    };

    let kid = public.thumbprint();
    let public_jwk = public.jwk(&kid, algorithm).to_string();
    let (private_key, is_encrypted) = match cipher {
        Some(cipher) => (cipher.seal(&kid, &pkcs8)?, true),
        None => (pkcs8, false),
    };
    Ok(NewSigningKey {
        kid,
        algorithm: algorithm.as_str().to_owned(),
        private_key,
        is_encrypted,
        public_jwk,
        created_at: now,
    })
}

/// Builds the signing key from a stored PKCS#8 document.
pub(crate) fn encoding_key(
    algorithm: SigningAlgorithm,
    pkcs8: &[u8],
) -> Result<EncodingKey, CryptoError> {
    match algorithm {
        SigningAlgorithm::Rs256 => {
            // jsonwebtoken takes RSA keys as PKCS#1, which it extracts from a PKCS#8 PEM.
            let pem = format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                base64::engine::general_purpose::STANDARD.encode(pkcs8)
            );
            EncodingKey::from_rsa_pem(pem.as_bytes())
                .map_err(|_| CryptoError::InvalidKey("RSA private key"))
        }
        SigningAlgorithm::Es256 => Ok(EncodingKey::from_ec_der(pkcs8)),
        SigningAlgorithm::EdDsa => Ok(EncodingKey::from_ed_der(pkcs8)),
    }
}

/// Builds the verification key from a stored public JWK.
pub(crate) fn decoding_key(public_jwk: &str) -> Result<DecodingKey, CryptoError> {
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_str(public_jwk)
        .map_err(|_| CryptoError::InvalidKey("stored public JWK"))?;
    DecodingKey::from_jwk(&jwk).map_err(|_| CryptoError::InvalidKey("stored public JWK"))
}

enum PublicKey {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { x: Vec<u8>, y: Vec<u8> },
    Okp { x: Vec<u8> },
}

impl PublicKey {
    /// The members RFC 7638 hashes, in its lexicographic order.
    fn required_members(&self) -> Value {
        let b64 = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        match self {
            Self::Rsa { n, e } => json!({"e": b64(e), "kty": "RSA", "n": b64(n)}),
            Self::Ec { x, y } => json!({"crv": "P-256", "kty": "EC", "x": b64(x), "y": b64(y)}),
            Self::Okp { x } => json!({"crv": "Ed25519", "kty": "OKP", "x": b64(x)}),
        }
    }

    fn thumbprint(&self) -> String {
        // serde_json writes object keys in sorted order and without whitespace, which is
        // exactly the canonical form RFC 7638 asks for.
        let canonical = self.required_members().to_string();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes());
        URL_SAFE_NO_PAD.encode(digest.as_ref())
    }

    fn jwk(&self, kid: &str, algorithm: SigningAlgorithm) -> Value {
        let mut jwk = self.required_members();
        if let Value::Object(members) = &mut jwk {
            members.insert("kid".into(), json!(kid));
            members.insert("alg".into(), json!(algorithm.as_str()));
            members.insert("use".into(), json!("sig"));
        }
        jwk
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_generates_a_usable_key() -> Result<(), CryptoError> {
        for algorithm in [
            SigningAlgorithm::Rs256,
            SigningAlgorithm::Es256,
            SigningAlgorithm::EdDsa,
        ] {
            let key = generate_signing_key(algorithm, None, Utc::now())?;
            let jwk: Value =
                serde_json::from_str(&key.public_jwk).map_err(|_| CryptoError::NoActiveKey)?;
            assert_eq!(jwk["kid"], json!(key.kid));
            assert_eq!(key.kid.len(), 43, "a SHA-256 thumbprint in base64url");
            encoding_key(algorithm, &key.private_key)?;
            decoding_key(&key.public_jwk)?;
        }
        Ok(())
    }

    #[test]
    fn thumbprints_follow_rfc_7638() {
        // The example key of RFC 7638 section 3.1 and its published thumbprint.
        let n = URL_SAFE_NO_PAD.decode("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw").unwrap_or_default();
        let key = PublicKey::Rsa {
            n,
            e: vec![1, 0, 1],
        };
        assert_eq!(
            key.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
