use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;

use crate::FieldError;

/// How long a password may be, counted in characters after NFKC normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: 8,
            max_chars: 128,
        }
    }
}

impl PasswordPolicy {
    /// Parses a new password (sign-up), enforcing the length policy.
    pub fn parse_new(&self, raw: &SecretString) -> Result<Password, FieldError> {
        let password = self.normalize(raw)?;
        let chars = password.0.expose_secret().chars().count();
        if chars < self.min_chars {
            return Err(FieldError::new(
                "password",
                format!(
                    "password must be at least {} characters long",
                    self.min_chars
                ),
            ));
        }
        Ok(password)
    }

    /// Parses a password presented at login. Only the upper bound applies: a short password
    /// simply fails to match, and refusing it early would reveal the policy, not the account.
    pub fn parse_presented(&self, raw: &SecretString) -> Result<Password, FieldError> {
        self.normalize(raw)
    }

    fn normalize(&self, raw: &SecretString) -> Result<Password, FieldError> {
        let raw = raw.expose_secret();
        if raw.is_empty() {
            return Err(FieldError::new("password", "password should not be empty"));
        }
        // NFKC expands a character to at most 18 code points of 4 bytes, but a longer input
        // is refused before normalizing, so hostile input costs at most one bounded pass.
        let too_long = || {
            FieldError::new(
                "password",
                format!(
                    "password must be at most {} characters long",
                    self.max_chars
                ),
            )
        };
        if raw.len() > self.max_chars * 4 {
            return Err(too_long());
        }
        if raw.contains('\0') {
            return Err(FieldError::new(
                "password",
                "password must not contain NUL characters",
            ));
        }
        let normalized: String = raw.nfkc().collect();
        if normalized.chars().count() > self.max_chars {
            return Err(too_long());
        }
        Ok(Password(SecretString::from(normalized)))
    }
}

/// A password, NFKC-normalized and within policy. Its `Debug` never shows the value.
pub struct Password(SecretString);

impl Password {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// A password hash in PHC string form (`$argon2id$v=19$m=...`). Redacted in `Debug`.
#[derive(Clone)]
pub struct PasswordHash(SecretString);

impl PasswordHash {
    pub fn from_phc(phc: String) -> Self {
        Self(SecretString::from(phc))
    }

    pub fn expose_phc(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(raw: &str) -> SecretString {
        SecretString::from(raw.to_owned())
    }

    #[test]
    fn passwords_are_nfkc_normalized() {
        let policy = PasswordPolicy::default();
        // U+FB01 (the "fi" ligature) normalizes to "fi".
        let password = policy.parse_new(&secret("\u{FB01}rst-pass"));
        assert_eq!(
            password.map(|p| p.expose().to_owned()).ok(),
            Some("first-pass".to_owned())
        );
    }

    #[test]
    fn length_is_bounded_after_normalization() {
        let policy = PasswordPolicy::default();
        assert!(policy.parse_new(&secret("short")).is_err());
        assert!(policy.parse_new(&secret(&"a".repeat(129))).is_err());
        assert!(policy.parse_new(&secret(&"a".repeat(128))).is_ok());
        assert!(policy.parse_presented(&secret("short")).is_ok());
        assert!(
            policy
                .parse_presented(&secret(&"a".repeat(10_000)))
                .is_err()
        );
        assert!(policy.parse_presented(&secret("pass\0word")).is_err());
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let password = PasswordPolicy::default().parse_new(&secret("hunter2hunter2"));
        assert!(!format!("{password:?}").contains("hunter2"));
        assert!(!format!("{:?}", PasswordHash::from_phc("$argon2id$x".into())).contains("argon"));
    }
}
