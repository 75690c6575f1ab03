//! Latchkey's use cases and the ports they need.
//!
//! Depends on `latchkey-domain` only. Every port is a trait object (`Arc<dyn Port>`, with
//! `async-trait`) so that the server can wire any adapter in without generics spreading
//! through the HTTP layer; adapters live in their own crates and never see each other.

mod error;
mod identity;
pub mod ports;
mod telemetry;
mod use_cases;

pub use error::IdentityError;
pub use identity::{Identity, IdentityPorts, IdentitySettings};
pub use use_cases::load_current_user::CurrentUser;
pub use use_cases::log_in::LogIn;
pub use use_cases::sign_up::{NewUserProfile, SignUp, SignUpWithUsername, SignedUp};
pub use use_cases::sign_up_with_username::EnvironmentAccess;
pub use use_cases::{AccessClaims, Authenticated, EnvironmentClaims, IssuedToken};
