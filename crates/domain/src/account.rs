use sha2::{Digest, Sha256};

use crate::{EmailAddress, Metadata, SessionId, TenantId, TenantName, UserId, Username};

/// A person who can log in.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: Option<EmailAddress>,
    pub username: Option<Username>,
    pub name: Option<String>,
    pub phone_number: Option<String>,
    pub profile_picture_url: Option<String>,
    pub metadata: Metadata,
    pub email_verified: bool,
}

/// An account: the unit a product bills and isolates. Sign-up creates one per user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub name: TenantName,
}

/// A user's place in a tenant, with the role keys granted there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub tenant_id: TenantId,
    pub tenant_name: String,
    pub roles: Vec<String>,
}

/// Everything an access token says about its bearer: the user, the session and the tenant
/// the session is acting in.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user: User,
    pub session_id: SessionId,
    pub active_tenant: TenantId,
    pub memberships: Vec<Membership>,
}

impl Principal {
    pub fn active_membership(&self) -> Option<&Membership> {
        self.memberships
            .iter()
            .find(|m| m.tenant_id == self.active_tenant)
    }

    pub fn tenant_ids(&self) -> Vec<TenantId> {
        self.memberships.iter().map(|m| m.tenant_id).collect()
    }
}

/// What a login names its user by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginIdentifier {
    Email(EmailAddress),
    Username(Username),
}

impl LoginIdentifier {
    /// The key brute-force protection counts failures under, whether or not an account
    /// exists for it: the SHA-256 of the normalized identifier, so the throttle table holds
    /// no email addresses.
    pub fn throttle_key(&self) -> String {
        let normalized = match self {
            Self::Email(email) => format!("email:{}", email.normalized()),
            Self::Username(username) => format!("username:{}", username.normalized()),
        };
        Sha256::digest(normalized.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}
