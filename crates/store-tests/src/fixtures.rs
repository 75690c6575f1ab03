//! Values the checks store: accounts, sessions, tokens and keys with fresh identifiers.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use latchkey_application::ports::{
    NewAccount, NewRefreshToken, NewSession, NewSigningKey, RotationOutcome, TokenRotation,
};
use latchkey_domain::{
    EmailAddress, Metadata, PasswordHash, Principal, RefreshToken, SessionId, Tenant, TenantId,
    TenantName, User, UserId, Username,
};
use uuid::Uuid;

use crate::TestResult;

/// How long a rotated token may be presented again and still get its successor.
pub const GRACE: Duration = Duration::from_secs(10);
/// The lifetime of every refresh token the checks issue.
pub const REFRESH_TTL: TimeDelta = TimeDelta::days(30);

/// The current time at the database's precision, so stored and compared instants agree.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// 256 fresh random-enough bits: unique per call, which is all a check needs.
pub fn new_token() -> RefreshToken {
    let mut bytes = [0; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    RefreshToken::from_bytes(bytes)
}

/// A session starting `at`, with its first refresh token.
pub fn new_session(at: DateTime<Utc>) -> (NewSession, RefreshToken) {
    let token = new_token();
    let session = NewSession {
        id: SessionId::generate(),
        created_at: at,
        absolute_expires_at: None,
        refresh_token: NewRefreshToken {
            hash: token.hash(),
            expires_at: at + REFRESH_TTL,
        },
    };
    (session, token)
}

/// Ann's account (in tenant `Acme`, as `Admin`), named by the given email and username.
pub fn new_account(
    email: Option<&str>,
    username: Option<&str>,
    at: DateTime<Utc>,
) -> (NewAccount, RefreshToken) {
    let (session, token) = new_session(at);
    let user = User {
        id: UserId::generate(),
        email: email.map(|email| EmailAddress::from_trusted(email.to_owned())),
        username: username.map(|name| Username::from_trusted(name.to_owned())),
        name: Some("Ann Lee".to_owned()),
        phone_number: None,
        profile_picture_url: None,
        metadata: Metadata::from_trusted(serde_json::Map::from_iter([(
            "plan".to_owned(),
            serde_json::Value::from("pro"),
        )])),
        email_verified: false,
    };
    let account = NewAccount {
        user,
        password_hash: PasswordHash::from_phc("$argon2id$v=19$stub".to_owned()),
        tenant: Tenant {
            id: TenantId::generate(),
            name: TenantName::parse("Acme").unwrap_or_else(|error| panic!("{error}")),
        },
        role: "Admin".to_owned(),
        session,
    };
    (account, token)
}

/// A rotation of `presented` at `at`, and the successor it offers.
pub fn rotate(
    presented: &RefreshToken,
    at: DateTime<Utc>,
    grace: Duration,
    requested_tenant: Option<TenantId>,
) -> (TokenRotation, RefreshToken) {
    let successor = new_token();
    let rotation = TokenRotation {
        presented: presented.hash(),
        successor: NewRefreshToken {
            hash: successor.hash(),
            expires_at: at + REFRESH_TTL,
        },
        sealed_successor: presented.seal_successor(&successor),
        requested_tenant,
        now: at,
        grace,
    };
    (rotation, successor)
}

/// The principal of a `Rotated` outcome; any other outcome fails the check.
pub fn rotated(outcome: RotationOutcome) -> TestResult<Principal> {
    match outcome {
        RotationOutcome::Rotated(principal) => Ok(principal),
        other => Err(format!("expected a rotation, got {other:?}").into()),
    }
}

/// A distinct unencrypted key per `node`.
pub fn signing_key(node: u8) -> NewSigningKey {
    NewSigningKey {
        kid: format!("key-of-node-{node}"),
        algorithm: "RS256".to_owned(),
        private_key: vec![node; 16],
        is_encrypted: false,
        public_jwk: format!("{{\"kid\":\"key-of-node-{node}\"}}"),
        created_at: now(),
    }
}
