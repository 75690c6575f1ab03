//! Checks on responses that the resilience tests share: Frontegg's error envelope, the
//! 503 contract, and the absence of leaked causes.

use reqwest::header::{CONTENT_TYPE, HeaderName, RETRY_AFTER};
use reqwest::{Response, StatusCode};
use serde_json::Value;

/// Text that would mean a cause reached a client: driver, pool or runtime messages, SQL,
/// source paths, crate names. Compared lower-cased.
const LEAK_MARKERS: [&str; 14] = [
    "postgres",
    "diesel",
    "tokio",
    "bb8",
    "sqlstate",
    "connection refused",
    "timed out in",
    "panicked",
    ".rs:",
    "src/",
    "latchkey_",
    "select ",
    "insert into",
    "stack backtrace",
];

/// A response read once, so that a check can look at its parts in any order.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

impl Answer {
    pub async fn read(response: Response) -> reqwest::Result<Self> {
        let status = response.status();
        let content_type = header_text(&response, CONTENT_TYPE);
        let retry_after = header_text(&response, RETRY_AFTER);
        let body = response.bytes().await?.to_vec();
        Ok(Self {
            status,
            content_type,
            retry_after,
            body,
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn header_text(response: &Response, name: HeaderName) -> Option<String> {
    let value = response.headers().get(name)?;
    value.to_str().ok().map(str::to_owned)
}

/// The `errorCode` of Frontegg's envelope `{"errors": ["..."], "errorCode": "..."}`, or why
/// the body is not one.
pub fn envelope_code(answer: &Answer) -> Result<String, String> {
    let is_json = answer
        .content_type
        .as_deref()
        .is_some_and(|value| value.starts_with("application/json"));
    if !is_json {
        return Err(format!(
            "content type {:?} is not JSON",
            answer.content_type
        ));
    }
    let body: Value = serde_json::from_slice(&answer.body)
        .map_err(|_| format!("body is not JSON: {:?}", answer.text()))?;
    let errors = body["errors"]
        .as_array()
        .ok_or_else(|| format!("no `errors` array: {body}"))?;
    if errors.is_empty() || !errors.iter().all(Value::is_string) {
        return Err(format!("`errors` is not a list of messages: {body}"));
    }
    body["errorCode"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no `errorCode` string: {body}"))
}

/// The first leak marker found in `body`, if any.
pub fn leaked_text(body: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(body).to_lowercase();
    LEAK_MARKERS
        .into_iter()
        .find(|marker| text.contains(marker))
}

/// Checks the 503 contract: `Retry-After` with a number of seconds, the envelope with
/// `ER-LK-5030`, and nothing of the cause in the body.
pub fn check_unavailable(answer: &Answer) -> Result<(), String> {
    if answer.status != StatusCode::SERVICE_UNAVAILABLE {
        return Err(format!("{} {:?}, not a 503", answer.status, answer.text()));
    }
    let retry_after = answer.retry_after.as_deref().ok_or("no Retry-After")?;
    if retry_after.parse::<u64>().is_err() {
        return Err(format!(
            "Retry-After {retry_after:?} is not a number of seconds"
        ));
    }
    let code = envelope_code(answer)?;
    if code != "ER-LK-5030" {
        return Err(format!("errorCode {code}, not ER-LK-5030"));
    }
    match leaked_text(&answer.body) {
        Some(marker) => Err(format!("body leaks {marker:?}: {:?}", answer.text())),
        None => Ok(()),
    }
}
