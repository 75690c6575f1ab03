//! Rows as diesel reads and writes them, and their conversion to and from the domain.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use latchkey_application::ports::StoreError;
use latchkey_application::ports::{NewSigningKey, PresentedToken, StoredSession, StoredSigningKey};
use latchkey_domain::{
    EmailAddress, Membership, Metadata, SessionId, TenantId, User, UserId, Username,
};
use serde_json::Value;
use uuid::Uuid;

use crate::errors;
use crate::schema::{memberships, refresh_tokens, sessions, signing_keys, tenants, users};

#[derive(Insertable)]
#[diesel(table_name = tenants)]
pub(crate) struct NewTenantRow<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub(crate) struct NewUserRow<'a> {
    pub id: Uuid,
    pub email: Option<&'a str>,
    pub email_normalized: Option<&'a str>,
    pub username: Option<&'a str>,
    pub username_normalized: Option<&'a str>,
    pub name: Option<&'a str>,
    pub phone_number: Option<&'a str>,
    pub profile_picture_url: Option<&'a str>,
    pub metadata: Value,
    pub email_verified: bool,
    pub password_hash: &'a str,
    pub created_at: DateTime<Utc>,
}

impl<'a> NewUserRow<'a> {
    pub fn new(user: &'a User, password_hash: &'a str, created_at: DateTime<Utc>) -> Self {
        Self {
            id: user.id.as_uuid(),
            email: user.email.as_ref().map(EmailAddress::as_str),
            email_normalized: user.email.as_ref().map(EmailAddress::normalized),
            username: user.username.as_ref().map(Username::as_str),
            username_normalized: user.username.as_ref().map(Username::normalized),
            name: user.name.as_deref(),
            phone_number: user.phone_number.as_deref(),
            profile_picture_url: user.profile_picture_url.as_deref(),
            metadata: user.metadata.to_value(),
            email_verified: user.email_verified,
            password_hash,
            created_at,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(Pg))]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub email: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub phone_number: Option<String>,
    pub profile_picture_url: Option<String>,
    pub metadata: Value,
    pub email_verified: bool,
}

impl UserRow {
    pub fn into_user(self) -> Result<User, StoreError> {
        let Value::Object(metadata) = self.metadata else {
            return Err(errors::unexpected("stored metadata is not a JSON object"));
        };
        Ok(User {
            id: UserId::from_uuid(self.id),
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

#[derive(Insertable)]
#[diesel(table_name = memberships)]
pub(crate) struct NewMembershipRow {
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub roles: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A membership joined with its tenant's name.
#[derive(Queryable)]
pub(crate) struct MembershipRow {
    pub tenant_id: Uuid,
    pub tenant_name: String,
    pub roles: Vec<String>,
}

impl From<MembershipRow> for Membership {
    fn from(row: MembershipRow) -> Self {
        Self {
            tenant_id: TenantId::from_uuid(row.tenant_id),
            tenant_name: row.tenant_name,
            roles: row.roles,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
pub(crate) struct NewSessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub absolute_expires_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(Pg))]
pub(crate) struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub tenant_id: Uuid,
    pub absolute_expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<SessionRow> for StoredSession {
    fn from(row: SessionRow) -> Self {
        Self {
            id: SessionId::from_uuid(row.id),
            user_id: UserId::from_uuid(row.user_id),
            tenant_id: TenantId::from_uuid(row.tenant_id),
            absolute_expires_at: row.absolute_expires_at,
            revoked_at: row.revoked_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
pub(crate) struct NewRefreshTokenRow<'a> {
    pub hash: &'a [u8],
    pub session_id: Uuid,
    pub parent_hash: Option<&'a [u8]>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(Pg))]
pub(crate) struct RefreshTokenRow {
    pub expires_at: DateTime<Utc>,
    pub consumed_at: Option<DateTime<Utc>>,
    pub sealed_successor: Option<Vec<u8>>,
}

impl RefreshTokenRow {
    pub fn into_presented(self, session: SessionRow) -> Result<PresentedToken, StoreError> {
        let sealed = self.sealed_successor.as_deref();
        PresentedToken::from_columns(self.expires_at, self.consumed_at, sealed, session.into())
    }
}

#[derive(Insertable, Queryable, Selectable)]
#[diesel(table_name = signing_keys, check_for_backend(Pg))]
pub(crate) struct SigningKeyRow {
    pub kid: String,
    pub algorithm: String,
    pub private_key: Vec<u8>,
    pub is_encrypted: bool,
    pub public_jwk: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<NewSigningKey> for SigningKeyRow {
    fn from(key: NewSigningKey) -> Self {
        Self {
            kid: key.kid,
            algorithm: key.algorithm,
            private_key: key.private_key,
            is_encrypted: key.is_encrypted,
            public_jwk: key.public_jwk,
            created_at: key.created_at,
            retired_at: None,
            expires_at: None,
        }
    }
}

impl From<SigningKeyRow> for StoredSigningKey {
    fn from(row: SigningKeyRow) -> Self {
        Self {
            kid: row.kid,
            algorithm: row.algorithm,
            private_key: row.private_key,
            is_encrypted: row.is_encrypted,
            public_jwk: row.public_jwk,
            created_at: row.created_at,
            retired_at: row.retired_at,
            expires_at: row.expires_at,
        }
    }
}
