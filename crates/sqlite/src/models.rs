//! Rows as diesel reads and writes them in SQLite, and their conversion to and from the
//! domain: UUIDs travel as text and JSON as text, so reading one back can fail.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use latchkey_application::ports::{PresentedToken, StoreError, StoredSession, StoredSigningKey};
use latchkey_domain::{
    EmailAddress, Membership, Metadata, SessionId, TenantId, User, UserId, Username,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::errors;
use crate::schema::{refresh_tokens, sessions, users};

/// Reads a stored identifier.
pub(crate) fn parse_uuid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|_| errors::unexpected("stored identifier is not a UUID"))
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub(crate) struct NewUserRow<'a> {
    pub id: String,
    pub email: Option<&'a str>,
    pub email_normalized: Option<&'a str>,
    pub username: Option<&'a str>,
    pub username_normalized: Option<&'a str>,
    pub name: Option<&'a str>,
    pub phone_number: Option<&'a str>,
    pub profile_picture_url: Option<&'a str>,
    pub metadata: String,
    pub email_verified: bool,
    pub password_hash: &'a str,
    pub created_at: DateTime<Utc>,
}

impl<'a> NewUserRow<'a> {
    pub fn new(user: &'a User, password_hash: &'a str, created_at: DateTime<Utc>) -> Self {
        let email = user.email.as_ref();
        let username = user.username.as_ref();
        Self {
            id: user.id.to_string(),
            email: email.map(EmailAddress::as_str),
            email_normalized: email.map(EmailAddress::normalized),
            username: username.map(Username::as_str),
            username_normalized: username.map(Username::normalized),
            name: user.name.as_deref(),
            phone_number: user.phone_number.as_deref(),
            profile_picture_url: user.profile_picture_url.as_deref(),
            metadata: user.metadata.to_value().to_string(),
            email_verified: user.email_verified,
            password_hash,
            created_at,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(Sqlite))]
pub(crate) struct UserRow {
    pub id: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub phone_number: Option<String>,
    pub profile_picture_url: Option<String>,
    pub metadata: String,
    pub email_verified: bool,
}

impl UserRow {
    pub fn into_user(self) -> Result<User, StoreError> {
        let metadata = serde_json::from_str::<Map<String, Value>>(&self.metadata)
            .map_err(|_| errors::unexpected("stored metadata is not a JSON object"))?;
        Ok(User {
            id: UserId::from_uuid(parse_uuid(&self.id)?),
            email: self.email.map(EmailAddress::from_trusted),
            username: self.username.map(Username::from_trusted),
            name: self.name,
            phone_number: self.phone_number,
            profile_picture_url: self.profile_picture_url,
            metadata: Metadata::from_trusted(metadata),
            email_verified: self.email_verified,
        })
    }
}

/// A membership joined with its tenant's name; `roles` is a JSON array of strings.
pub(crate) type MembershipRow = (String, String, String);

pub(crate) fn into_membership(
    (tenant_id, tenant_name, roles): MembershipRow,
) -> Result<Membership, StoreError> {
    let roles = serde_json::from_str(&roles)
        .map_err(|_| errors::unexpected("stored roles are not a JSON array of strings"))?;
    Ok(Membership {
        tenant_id: TenantId::from_uuid(parse_uuid(&tenant_id)?),
        tenant_name,
        roles,
    })
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(Sqlite))]
pub(crate) struct SessionRow {
    pub id: String,
    pub user_id: String,
    pub tenant_id: String,
    pub absolute_expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl SessionRow {
    fn into_stored(self) -> Result<StoredSession, StoreError> {
        Ok(StoredSession {
            id: SessionId::from_uuid(parse_uuid(&self.id)?),
            user_id: UserId::from_uuid(parse_uuid(&self.user_id)?),
            tenant_id: TenantId::from_uuid(parse_uuid(&self.tenant_id)?),
            absolute_expires_at: self.absolute_expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(Sqlite))]
pub(crate) struct RefreshTokenRow {
    pub expires_at: DateTime<Utc>,
    pub consumed_at: Option<DateTime<Utc>>,
    pub sealed_successor: Option<Vec<u8>>,
}

impl RefreshTokenRow {
    pub fn into_presented(self, session: SessionRow) -> Result<PresentedToken, StoreError> {
        let sealed = self.sealed_successor.as_deref();
        let session = session.into_stored()?;
        PresentedToken::from_columns(self.expires_at, self.consumed_at, sealed, session)
    }
}

/// The columns of a signing key, in table order.
pub(crate) type SigningKeyRow = (
    String,
    String,
    Vec<u8>,
    bool,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

pub(crate) fn into_stored_key(row: SigningKeyRow) -> StoredSigningKey {
    let (kid, algorithm, private_key, is_encrypted, public_jwk, created_at, retired, expires) = row;
    StoredSigningKey {
        kid,
        algorithm,
        private_key,
        is_encrypted,
        public_jwk,
        created_at,
        retired_at: retired,
        expires_at: expires,
    }
}
