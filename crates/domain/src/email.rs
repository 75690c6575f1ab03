use validator::ValidateEmail;

use crate::FieldError;
use crate::text::reject_control_characters;

/// An email address: trimmed and validated, kept as the user typed it, and compared through
/// its lower-cased form so that `Ann@Example.com` and `ann@example.com` are one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    as_given: String,
    normalized: String,
}

impl EmailAddress {
    /// RFC 5321 caps a forward path at 254 characters.
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        reject_control_characters("email", raw)?;
        let email = raw.trim();
        if email.is_empty() {
            return Err(FieldError::new("email", "email should not be empty"));
        }
        if email.chars().count() > Self::MAX_CHARS
            || !email.validate_email()
            || !has_dotted_domain(email)
        {
            return Err(FieldError::new("email", "email must be an email"));
        }
        Ok(Self {
            as_given: email.to_owned(),
            normalized: email.to_lowercase(),
        })
    }

    /// Rebuilds an address that was validated before it was stored.
    pub fn from_trusted(stored: String) -> Self {
        let normalized = stored.to_lowercase();
        Self {
            as_given: stored,
            normalized,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.as_given
    }

    /// The form used for uniqueness and lookup.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

// `validator` accepts `user@localhost`; a sign-up address must be deliverable on the internet.
fn has_dotted_domain(email: &str) -> bool {
    email.rsplit_once('@').is_some_and(|(_, domain)| {
        domain.split('.').count() >= 2 && !domain.split('.').any(str::is_empty)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_keep_their_case_but_compare_lower_cased() {
        let email = EmailAddress::parse("  Ann@Example.COM ").map_err(|e| e.message);
        let email = email.as_ref().map(|e| (e.as_str(), e.normalized()));
        assert_eq!(email, Ok(("Ann@Example.COM", "ann@example.com")));
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for raw in [
            "",
            "plain",
            "a@b",
            "a@localhost",
            "a@.com",
            "a@b.",
            "a @b.com",
            "a\0@b.com",
        ] {
            assert!(
                EmailAddress::parse(raw).is_err(),
                "{raw:?} should be rejected"
            );
        }
    }
}
