use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::EnvironmentClaims;
use crate::{Identity, IdentityError, IssuedToken};

impl Identity {
    /// Issues an environment token to a caller that knows the client id and API key.
    #[tracing::instrument(name = "issue_vendor_token", skip_all)]
    pub async fn issue_vendor_token(
        &self,
        client_id: &str,
        secret: &SecretString,
    ) -> Result<IssuedToken, IdentityError> {
        let Some(api_key) = &self.settings.api_key else {
            return Err(IdentityError::InvalidEnvironmentCredentials);
        };
        // Both comparisons always run, in constant time, so timing reveals neither value.
        let id_matches = client_id
            .as_bytes()
            .ct_eq(self.settings.client_id.as_bytes());
        let key_matches = secret
            .expose_secret()
            .as_bytes()
            .ct_eq(api_key.expose_secret().as_bytes());
        if !bool::from(id_matches & key_matches) {
            tracing::info!("environment token refused: invalid credentials");
            return Err(IdentityError::InvalidEnvironmentCredentials);
        }

        let now = self.ports.clock.now();
        let ttl = self.settings.environment_token_ttl;
        let expires_at = now + ttl;
        let claims = EnvironmentClaims {
            vendor_id: self.settings.client_id.clone(),
            scopes: Vec::new(),
            token_type: "vendor",
            aud: self.settings.client_id.clone(),
            iss: self.settings.issuer.clone(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = self.ports.tokens.sign_environment_token(&claims)?;
        Ok(IssuedToken {
            token,
            expires_at,
            expires_in_secs: ttl.as_secs(),
        })
    }
}
