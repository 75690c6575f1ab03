use crate::FieldError;

/// A login name for username sign-up: `^[A-Za-z0-9._-]{1,255}$`, unique regardless of case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username {
    as_given: String,
    normalized: String,
}

impl Username {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw.is_empty() {
            return Err(FieldError::new("username", "username should not be empty"));
        }
        if raw.len() > Self::MAX_CHARS {
            return Err(FieldError::new(
                "username",
                "username must be at most 255 characters long",
            ));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if !raw.chars().all(allowed) {
            return Err(FieldError::new(
                "username",
                "Username can only contain letters, numbers, dots, underscores, and hyphens",
            ));
        }
        Ok(Self {
            as_given: raw.to_owned(),
            normalized: raw.to_ascii_lowercase(),
        })
    }

    /// Rebuilds a username that was validated before it was stored.
    pub fn from_trusted(stored: String) -> Self {
        let normalized = stored.to_ascii_lowercase();
        Self {
            as_given: stored,
            normalized,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.as_given
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_frontegg_pattern() {
        assert!(Username::parse("ann.lee_01-x").is_ok());
        for raw in ["", "ann lee", "ann@lee", "änn", &"a".repeat(256)] {
            assert!(Username::parse(raw).is_err(), "{raw:?} should be rejected");
        }
        assert_eq!(
            Username::parse("Ann").map(|u| u.normalized),
            Ok("ann".to_owned())
        );
    }
}
