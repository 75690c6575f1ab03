//! Latchkey's domain: the identity vocabulary (users, tenants, sessions, refresh tokens) and
//! the rules that parse untrusted input into it.
//!
//! This crate depends on no other workspace crate and performs no I/O: it is plain data and
//! pure functions, so every layer above can rely on it without caring how it is stored or
//! served.

mod account;
mod email;
mod ids;
mod metadata;
mod password;
mod refresh_token;
mod text;
mod throttle;
mod username;
mod validation;

pub use account::{LoginIdentifier, Membership, Principal, Tenant, User};
pub use email::EmailAddress;
pub use ids::{SessionId, TenantId, UserId};
pub use metadata::Metadata;
pub use password::{Password, PasswordHash, PasswordPolicy};
pub use refresh_token::{REFRESH_TOKEN_BYTES, RefreshToken, RefreshTokenHash, SealedRefreshToken};
pub use text::{OptionalText, TenantName};
pub use throttle::{CountedAttempt, LockoutPolicy, ThrottleState};
pub use username::Username;
pub use validation::{FieldError, ValidationErrors};
