//! One file per use case, named for its verb; shared token plumbing lives here.

pub mod issue_vendor_token;
pub mod load_current_user;
pub mod log_in;
pub mod log_out;
pub mod refresh_session;
pub mod sign_up;
pub mod sign_up_with_username;

use chrono::{DateTime, Utc};
use latchkey_domain::{Principal, REFRESH_TOKEN_BYTES, RefreshToken, SessionId};
use serde::Serialize;
use serde_json::Value;

use crate::ports::{NewRefreshToken, NewSession};
use crate::{Identity, IdentityError};

/// A signed token and when it stops being valid.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub expires_in_secs: u64,
}

/// The outcome of every flow that logs a user in: login, sign-up and refresh.
#[derive(Debug)]
pub struct Authenticated {
    pub principal: Principal,
    pub access_token: IssuedToken,
    pub refresh_token: RefreshToken,
}

/// The claims of a user's access token (Frontegg's default template).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessClaims {
    pub sub: String,
    pub email: Option<String>,
    #[serde(rename = "email_verified")]
    pub email_verified: bool,
    pub name: Option<String>,
    pub metadata: Value,
    pub roles: Vec<String>,
    pub permissions: Vec<String>,
    pub tenant_id: String,
    pub tenant_ids: Vec<String>,
    pub profile_picture_url: Option<String>,
    pub sid: String,
    #[serde(rename = "type")]
    pub token_type: &'static str,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

/// The claims of an environment (vendor) token.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentClaims {
    pub vendor_id: String,
    pub scopes: Vec<String>,
    #[serde(rename = "type")]
    pub token_type: &'static str,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
}

impl Identity {
    pub(crate) fn generate_refresh_token(&self) -> RefreshToken {
        let mut bytes = [0u8; REFRESH_TOKEN_BYTES];
        self.ports.randomness.fill(&mut bytes);
        RefreshToken::from_bytes(bytes)
    }

    /// A new session with its first refresh token (not yet stored).
    pub(crate) fn new_session(&self, now: DateTime<Utc>) -> (NewSession, RefreshToken) {
        let token = self.generate_refresh_token();
        let session = NewSession {
            id: SessionId::generate(),
            created_at: now,
            absolute_expires_at: self.settings.session_absolute_ttl.map(|ttl| now + ttl),
            refresh_token: self.new_refresh_token(&token, now),
        };
        (session, token)
    }

    pub(crate) fn new_refresh_token(
        &self,
        token: &RefreshToken,
        now: DateTime<Utc>,
    ) -> NewRefreshToken {
        NewRefreshToken {
            hash: token.hash(),
            expires_at: now + self.settings.refresh_token_ttl,
        }
    }

    /// Signs the access token for `principal` and bundles the login outcome.
    pub(crate) fn authenticated(
        &self,
        principal: Principal,
        refresh_token: RefreshToken,
        now: DateTime<Utc>,
    ) -> Result<Authenticated, IdentityError> {
        let ttl = self.settings.access_token_ttl;
        let expires_at = now + ttl;
        let claims = self.access_claims(&principal, now, expires_at);
        let token = self.ports.tokens.sign_access_token(&claims)?;
        let access_token = IssuedToken {
            token,
            expires_at,
            expires_in_secs: ttl.as_secs(),
        };
        Ok(Authenticated {
            principal,
            access_token,
            refresh_token,
        })
    }

    fn access_claims(
        &self,
        principal: &Principal,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> AccessClaims {
        let user = &principal.user;
        let roles = principal
            .active_membership()
            .map(|m| m.roles.clone())
            .unwrap_or_default();
        AccessClaims {
            sub: user.id.to_string(),
            email: user.email.as_ref().map(|email| email.as_str().to_owned()),
            email_verified: user.email_verified,
            name: user.name.clone(),
            metadata: user.metadata.to_value(),
            roles,
            // Limitation: Latchkey has no permission model yet, so `permissions` is always empty.
            permissions: Vec::new(),
            tenant_id: principal.active_tenant.to_string(),
            tenant_ids: principal
                .tenant_ids()
                .iter()
                .map(ToString::to_string)
                .collect(),
            profile_picture_url: user.profile_picture_url.clone(),
            sid: principal.session_id.to_string(),
            token_type: "userToken",
            aud: self.settings.client_id.clone(),
            iss: self.settings.issuer.clone(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        }
    }
}
