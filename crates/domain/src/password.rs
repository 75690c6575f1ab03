use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;

use crate::FieldError;

/// What a new password must be: its length in characters after NFKC normalization, and
/// whether guessable passwords are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    pub max_chars: usize,
    /// Refuse passwords an attacker would try within a million guesses: common passwords,
    /// keyboard walks, dictionary words with obvious substitutions, or the user's own email
    /// or company name (the blocklist NIST SP 800-63B asks for, as estimated by zxcvbn).
    pub reject_guessable: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: 8,
            max_chars: 128,
            reject_guessable: true,
        }
    }
}

/// zxcvbn's estimate below which a password counts as guessable (its score 0 and 1).
const MIN_GUESSES_LOG10: f64 = 6.0;

impl PasswordPolicy {
    /// Parses a new password (sign-up), enforcing the whole policy. `user_inputs` are the
    /// user's other fields (email, username, company), which the password must not echo.
    pub fn parse_new(
        &self,
        raw: &SecretString,
        user_inputs: &[&str],
    ) -> Result<Password, FieldError> {
        let password = self.normalize(raw)?;
        let chars = password.0.expose_secret().chars().count();
        if chars < self.min_chars {
            let message = format!(
                "password must be at least {} characters long",
                self.min_chars
            );
            return Err(FieldError::new("password", message));
        }
        if self.reject_guessable && is_guessable(password.expose(), user_inputs) {
            let message = "password is too common or too easy to guess; try a longer phrase";
            return Err(FieldError::new("password", message));
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

// Runs only on input already bounded by `max_chars`, which keeps zxcvbn's cost bounded too.
fn is_guessable(password: &str, user_inputs: &[&str]) -> bool {
    zxcvbn::zxcvbn(password, user_inputs).guesses_log10() < MIN_GUESSES_LOG10
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
        let password = policy.parse_new(&secret("\u{FB01}ne tuned lantern"), &[]);
        let expected = Some("fine tuned lantern".to_owned());
        assert_eq!(password.map(|p| p.expose().to_owned()).ok(), expected);
    }

    #[test]
    fn length_is_bounded_after_normalization() {
        let lenient = PasswordPolicy {
            reject_guessable: false,
            ..PasswordPolicy::default()
        };
        assert!(lenient.parse_new(&secret("short"), &[]).is_err());
        assert!(lenient.parse_new(&secret(&"a".repeat(129)), &[]).is_err());
        assert!(lenient.parse_new(&secret(&"a".repeat(128)), &[]).is_ok());
        assert!(lenient.parse_presented(&secret("short")).is_ok());
        assert!(
            lenient
                .parse_presented(&secret(&"a".repeat(10_000)))
                .is_err()
        );
        assert!(lenient.parse_presented(&secret("pass\0word")).is_err());
    }

    #[test]
    fn common_and_self_referential_passwords_are_refused() {
        let policy = PasswordPolicy::default();
        let common = [
            "password",
            "password123",
            "qwertyuiop",
            "iloveyou",
            "P@ssw0rd!",
            "12345678",
        ];
        for password in common {
            assert!(
                policy.parse_new(&secret(password), &[]).is_err(),
                "{password} should be refused"
            );
        }
        let own_email = policy.parse_new(&secret("annlee@example.com"), &["annlee@example.com"]);
        assert!(own_email.is_err(), "the user's own email is guessable");
        assert!(
            policy
                .parse_new(&secret("correct horse battery"), &[])
                .is_ok()
        );
        assert!(policy.parse_new(&secret("vX9#qe2Lm"), &[]).is_ok());
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let policy = PasswordPolicy {
            reject_guessable: false,
            ..PasswordPolicy::default()
        };
        let password = policy.parse_new(&secret("hunter2hunter2"), &[]);
        assert!(!format!("{password:?}").contains("hunter2"));
        assert!(!format!("{:?}", PasswordHash::from_phc("$argon2id$x".into())).contains("argon"));
    }
}
