use serde_json::{Map, Value};

use crate::FieldError;

/// Free-form user metadata: always a JSON object once parsed.
///
/// Frontegg's SDKs send it as a string holding a JSON object; an object is accepted too.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata(Map<String, Value>);

impl Metadata {
    /// Serialized metadata larger than this is refused: it rides in every access token.
    pub const MAX_BYTES: usize = 4096;

    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let object = match raw {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(object)) => object.clone(),
            Some(Value::String(text)) if text.trim().is_empty() => Map::new(),
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(object)) => object,
                _ => return Err(not_an_object()),
            },
            Some(_) => return Err(not_an_object()),
        };
        if Value::Object(object.clone()).to_string().len() > Self::MAX_BYTES {
            return Err(FieldError::new(
                "metadata",
                "metadata must be at most 4096 bytes",
            ));
        }
        if has_nul(&Value::Object(object.clone())) {
            return Err(FieldError::new(
                "metadata",
                "metadata must not contain NUL characters",
            ));
        }
        Ok(Self(object))
    }

    pub fn from_trusted(object: Map<String, Value>) -> Self {
        Self(object)
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

fn not_an_object() -> FieldError {
    FieldError::new("metadata", "metadata must be a JSON object")
}

// Postgres `jsonb` cannot hold U+0000; refusing it here keeps it a 400.
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(object) => object
            .iter()
            .any(|(key, value)| key.contains('\0') || has_nul(value)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn metadata_accepts_an_object_or_a_string_holding_one() {
        let from_string = Metadata::parse(Some(&json!("{\"plan\":\"pro\"}")));
        let from_object = Metadata::parse(Some(&json!({"plan": "pro"})));
        assert_eq!(from_string, from_object);
        assert_eq!(Metadata::parse(None), Ok(Metadata::default()));
    }

    #[test]
    fn metadata_that_is_not_an_object_is_rejected() {
        for raw in [
            json!("[1]"),
            json!("nope"),
            json!(3),
            json!([1]),
            json!(true),
            json!({"a": "\u{0}"}),
        ] {
            assert!(
                Metadata::parse(Some(&raw)).is_err(),
                "{raw} should be rejected"
            );
        }
    }
}
