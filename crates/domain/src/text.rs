use validator::ValidateUrl;

use crate::FieldError;

/// Rejects control characters (NUL included): they have no place in a name and some
/// databases refuse them outright, which must surface as a 400, not a storage error.
pub(crate) fn reject_control_characters(
    field: &'static str,
    value: &str,
) -> Result<(), FieldError> {
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(())
}

/// Unicode's bidirectional embeddings, overrides and isolates: in a tenant or user name
/// they reorder the text around them wherever it is shown, which spoofs what an admin reads.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn reject_bidi_controls(field: &'static str, value: &str) -> Result<(), FieldError> {
    if value.chars().any(is_bidi_control) {
        return Err(FieldError::new(
            field,
            format!("{field} must not contain bidirectional formatting characters"),
        ));
    }
    Ok(())
}

fn bounded_text(field: &'static str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    reject_control_characters(field, raw)?;
    reject_bidi_controls(field, raw)?;
    let trimmed = raw.trim();
    if trimmed.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            format!("{field} must be at most {max_chars} characters long"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// The name of a tenant, taken from `companyName` at sign-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantName(String);

impl TenantName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = bounded_text("companyName", raw, Self::MAX_CHARS)?;
        if name.is_empty() {
            return Err(FieldError::new(
                "companyName",
                "companyName should not be empty",
            ));
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional free-text profile field (a display name, a phone number, a picture URL):
/// trimmed, bounded, free of control characters; empty means absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionalText(Option<String>);

impl OptionalText {
    pub fn parse(
        field: &'static str,
        raw: Option<&str>,
        max_chars: usize,
    ) -> Result<Self, FieldError> {
        let Some(raw) = raw else {
            return Ok(Self(None));
        };
        let text = bounded_text(field, raw, max_chars)?;
        Ok(Self((!text.is_empty()).then_some(text)))
    }

    /// An optional absolute `http` or `https` URL (a profile picture): anything a browser
    /// would run instead of fetch, such as `javascript:` or `data:`, is refused.
    pub fn parse_web_url(
        field: &'static str,
        raw: Option<&str>,
        max_chars: usize,
    ) -> Result<Self, FieldError> {
        let text = Self::parse(field, raw, max_chars)?;
        let Some(url) = text.as_deref() else {
            return Ok(text);
        };
        let lower = url.to_ascii_lowercase();
        let is_web = lower.starts_with("https://") || lower.starts_with("http://");
        if !is_web || !url.validate_url() {
            return Err(FieldError::new(
                field,
                format!("{field} must be an http or https URL"),
            ));
        }
        Ok(text)
    }

    pub fn none() -> Self {
        Self(None)
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }

    pub fn into_inner(self) -> Option<String> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_are_trimmed_and_must_not_be_blank() {
        assert_eq!(
            TenantName::parse("  Acme ").map(|n| n.0),
            Ok("Acme".to_owned())
        );
        assert!(TenantName::parse("   ").is_err());
        assert!(TenantName::parse(&"x".repeat(256)).is_err());
    }

    #[test]
    fn control_characters_are_rejected_in_every_text_field() {
        assert!(TenantName::parse("Ac\0me").is_err());
        assert!(OptionalText::parse("name", Some("a\u{7}b"), 10).is_err());
        assert_eq!(
            OptionalText::parse("name", Some("  "), 10),
            Ok(OptionalText(None))
        );
    }

    #[test]
    fn bidirectional_overrides_are_rejected_in_names() {
        assert!(TenantName::parse("Acme\u{202E}gnp.exe").is_err());
        assert!(OptionalText::parse("name", Some("a\u{2067}b"), 10).is_err());
        assert!(OptionalText::parse("name", Some("مرحبا Ann"), 20).is_ok());
    }

    #[test]
    fn picture_urls_must_be_web_urls() {
        let parse = |raw| OptionalText::parse_web_url("profilePictureUrl", Some(raw), 100);
        assert!(parse("https://cdn.example.com/a.png").is_ok());
        assert!(parse("HTTP://example.com/a.png").is_ok());
        for refused in [
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "//example.com/a.png",
            "https://",
            "not a url",
        ] {
            assert!(parse(refused).is_err(), "{refused} is refused");
        }
        assert_eq!(
            OptionalText::parse_web_url("profilePictureUrl", None, 100),
            Ok(OptionalText(None))
        );
    }
}
