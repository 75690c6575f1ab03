use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use latchkey_application::ports::{AccessTokenSubject, StoredSigningKey, TokenError, TokenIssuer};
use latchkey_application::{AccessClaims, EnvironmentClaims};
use serde::Deserialize;
use serde::Serialize;
use serde_json::{Value, json};

use crate::signing_key::{decoding_key, encoding_key};
use crate::{CryptoError, KeyCipher, SigningAlgorithm};

struct ActiveKey {
    kid: String,
    algorithm: Algorithm,
    encoding: EncodingKey,
}

/// One generation of keys: the signing key and every key tokens may still carry.
struct KeyRing {
    active: ActiveKey,
    verifiers: HashMap<String, (Algorithm, DecodingKey)>,
    jwks: Value,
}

impl KeyRing {
    /// The first key that is not retired signs; every key verifies and is published.
    fn open(keys: &[StoredSigningKey], cipher: Option<&KeyCipher>) -> Result<Self, CryptoError> {
        let active = keys
            .iter()
            .find(|key| key.retired_at.is_none())
            .ok_or(CryptoError::NoActiveKey)?;
        let algorithm: SigningAlgorithm = active.algorithm.parse()?;
        let pkcs8 = match (active.is_encrypted, cipher) {
            (false, _) => active.private_key.clone(),
            (true, Some(cipher)) => cipher.open(&active.kid, &active.private_key)?,
            (true, None) => return Err(CryptoError::MissingKeyEncryptionKey),
        };
        let active_key = ActiveKey {
            kid: active.kid.clone(),
            algorithm: algorithm.jwt_algorithm(),
            encoding: encoding_key(algorithm, &pkcs8)?,
        };

        let mut verifiers = HashMap::new();
        let mut published = Vec::new();
        for key in keys {
            let algorithm: SigningAlgorithm = key.algorithm.parse()?;
            verifiers.insert(
                key.kid.clone(),
                (algorithm.jwt_algorithm(), decoding_key(&key.public_jwk)?),
            );
            let jwk: Value = serde_json::from_str(&key.public_jwk)
                .map_err(|_| CryptoError::InvalidKey("stored public JWK"))?;
            published.push(jwk);
        }
        Ok(Self {
            active: active_key,
            verifiers,
            jwks: json!({ "keys": published }),
        })
    }
}

/// Signs Latchkey's JWTs with the active key and verifies them against every published key.
/// The keys can be swapped at run time ([`JwtIssuer::reload`]), so that every node picks up
/// a rotation without a restart.
pub struct JwtIssuer {
    ring: RwLock<Arc<KeyRing>>,
    cipher: Option<KeyCipher>,
    issuer: String,
    audience: String,
    leeway: Duration,
}

impl JwtIssuer {
    /// Opens the stored keys (see [`JwtIssuer::reload`]).
    pub fn from_stored(
        keys: &[StoredSigningKey],
        cipher: Option<KeyCipher>,
        issuer: String,
        audience: String,
        leeway: Duration,
    ) -> Result<Self, CryptoError> {
        let ring = KeyRing::open(keys, cipher.as_ref())?;
        Ok(Self {
            ring: RwLock::new(Arc::new(ring)),
            cipher,
            issuer,
            audience,
            leeway,
        })
    }

    /// Replaces the keys: the first key that is not retired signs from now on; every key
    /// verifies and is published. On error the current keys stay in place.
    pub fn reload(&self, keys: &[StoredSigningKey]) -> Result<(), CryptoError> {
        let ring = Arc::new(KeyRing::open(keys, self.cipher.as_ref())?);
        let mut current = self.ring.write().unwrap_or_else(PoisonError::into_inner);
        *current = ring;
        Ok(())
    }

    fn ring(&self) -> Arc<KeyRing> {
        Arc::clone(&self.ring.read().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn active_kid(&self) -> String {
        self.ring().active.kid.clone()
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, TokenError> {
        let ring = self.ring();
        let mut header = Header::new(ring.active.algorithm);
        header.kid = Some(ring.active.kid.clone());
        jsonwebtoken::encode(&header, claims, &ring.active.encoding)
            .map_err(|error| TokenError::Unexpected(format!("signing failed: {:?}", error.kind())))
    }

    /// Verifies signature (with the algorithm of the key named by `kid`, never the one the
    /// token claims), expiry, issuer and audience.
    fn verify(&self, token: &str) -> Result<VerifiedClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let ring = self.ring();
        let (algorithm, key) = ring.verifiers.get(&kid).ok_or(TokenError::Invalid)?;
        if header.alg != *algorithm {
            return Err(TokenError::Invalid);
        }
        let mut validation = Validation::new(*algorithm);
        validation.leeway = self.leeway.as_secs();
        validation.set_audience(&[&self.audience]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
        let data = jsonwebtoken::decode::<VerifiedClaims>(token, key, &validation)
            .map_err(|_| TokenError::Invalid)?;
        Ok(data.claims)
    }
}

/// The claims verification looks at; the rest of a token is its bearer's business.
#[derive(Deserialize)]
struct VerifiedClaims {
    #[serde(rename = "type")]
    token_type: String,
    sub: Option<String>,
    sid: Option<String>,
    #[serde(rename = "tenantId")]
    tenant_id: Option<String>,
}

fn parse_claim<T: std::str::FromStr>(claim: Option<String>) -> Result<T, TokenError> {
    claim
        .and_then(|value| value.parse().ok())
        .ok_or(TokenError::Invalid)
}

impl TokenIssuer for JwtIssuer {
    fn sign_access_token(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        self.sign(claims)
    }

    fn sign_environment_token(&self, claims: &EnvironmentClaims) -> Result<String, TokenError> {
        self.sign(claims)
    }

    fn verify_environment_token(&self, token: &str) -> Result<(), TokenError> {
        match self.verify(token)? {
            VerifiedClaims { token_type, .. } if token_type == "vendor" => Ok(()),
            _ => Err(TokenError::Invalid),
        }
    }

    fn verify_access_token(&self, token: &str) -> Result<AccessTokenSubject, TokenError> {
        let claims = self.verify(token)?;
        if claims.token_type != "userToken" {
            return Err(TokenError::Invalid);
        }
        Ok(AccessTokenSubject {
            user_id: parse_claim(claims.sub)?,
            session_id: parse_claim(claims.sid)?,
            tenant_id: parse_claim(claims.tenant_id)?,
        })
    }

    fn json_web_key_set(&self) -> Value {
        self.ring().jwks.clone()
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use chrono::Utc;
    use latchkey_application::ports::StoredSigningKey;

    use super::*;
    use crate::generate_signing_key;

    fn issuer(algorithm: SigningAlgorithm) -> Result<JwtIssuer, CryptoError> {
        let stored = stored_key(algorithm)?;
        JwtIssuer::from_stored(
            &[stored],
            None,
            "https://id.test".into(),
            "client".into(),
            Duration::from_secs(5),
        )
    }

    fn stored_key(algorithm: SigningAlgorithm) -> Result<StoredSigningKey, CryptoError> {
        let key = generate_signing_key(algorithm, None, Utc::now())?;
        Ok(StoredSigningKey {
            kid: key.kid,
            algorithm: key.algorithm,
            private_key: key.private_key,
            is_encrypted: key.is_encrypted,
            public_jwk: key.public_jwk,
            created_at: key.created_at,
            retired_at: None,
            expires_at: None,
        })
    }

    fn environment_claims(exp_offset: i64, aud: &str) -> EnvironmentClaims {
        let now = Utc::now().timestamp();
        EnvironmentClaims {
            vendor_id: "client".into(),
            scopes: vec![],
            token_type: "vendor",
            aud: aud.into(),
            iss: "https://id.test".into(),
            iat: now,
            exp: now + exp_offset,
        }
    }

    #[test]
    fn environment_tokens_round_trip_with_every_algorithm() -> Result<(), CryptoError> {
        for algorithm in [
            SigningAlgorithm::Rs256,
            SigningAlgorithm::Es256,
            SigningAlgorithm::EdDsa,
        ] {
            let issuer = issuer(algorithm)?;
            let token = issuer.sign_environment_token(&environment_claims(60, "client"));
            let verified = token.map(|token| issuer.verify_environment_token(&token));
            assert!(matches!(verified, Ok(Ok(()))), "{algorithm:?}");
        }
        Ok(())
    }

    #[test]
    fn after_a_reload_the_new_key_signs_and_the_old_one_still_verifies() -> Result<(), CryptoError>
    {
        let old = stored_key(SigningAlgorithm::Rs256)?;
        let issuer = JwtIssuer::from_stored(
            std::slice::from_ref(&old),
            None,
            "https://id.test".into(),
            "client".into(),
            Duration::from_secs(5),
        )?;
        let old_token = issuer
            .sign_environment_token(&environment_claims(60, "client"))
            .unwrap_or_default();

        let new = stored_key(SigningAlgorithm::Es256)?;
        let retired = StoredSigningKey {
            retired_at: Some(Utc::now()),
            ..old
        };
        issuer.reload(&[new.clone(), retired])?;

        assert_eq!(issuer.active_kid(), new.kid);
        let new_token = issuer
            .sign_environment_token(&environment_claims(60, "client"))
            .unwrap_or_default();
        assert!(issuer.verify_environment_token(&new_token).is_ok());
        assert!(
            issuer.verify_environment_token(&old_token).is_ok(),
            "the retired key still verifies"
        );
        assert_eq!(
            issuer.json_web_key_set()["keys"].as_array().map(Vec::len),
            Some(2)
        );

        issuer.reload(&[new])?;
        assert!(
            issuer.verify_environment_token(&old_token).is_err(),
            "an unpublished key no longer verifies"
        );
        Ok(())
    }

    #[test]
    fn expired_foreign_audience_and_unsigned_tokens_are_refused() -> Result<(), CryptoError> {
        let issuer = issuer(SigningAlgorithm::Rs256)?;
        let sign = |claims| issuer.sign_environment_token(&claims).unwrap_or_default();
        assert!(
            issuer
                .verify_environment_token(&sign(environment_claims(-60, "client")))
                .is_err()
        );
        assert!(
            issuer
                .verify_environment_token(&sign(environment_claims(60, "other")))
                .is_err()
        );

        let valid = sign(environment_claims(60, "client"));
        let payload = valid.split('.').nth(1).unwrap_or_default();
        let none_header = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"alg":"none","kid":"{}"}}"#,
            issuer.active_kid()
        ));
        assert!(
            issuer
                .verify_environment_token(&format!("{none_header}.{payload}."))
                .is_err()
        );
        let hs_header = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"alg":"HS256","kid":"{}"}}"#,
            issuer.active_kid()
        ));
        assert!(
            issuer
                .verify_environment_token(&format!("{hs_header}.{payload}.AAAA"))
                .is_err()
        );
        Ok(())
    }
}
