//! Generators of hostile requests: any route under any prefix, bodies that are random
//! bytes, random JSON or the route's own fields filled with the wrong things, and garbage in
//! the headers a client controls.

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::helpers::COOKIE_NAME;

const PREFIXES: [&str; 3] = ["/identity", "/frontegg/identity", ""];

/// Identity routes (served under every prefix) with the body fields each one reads.
const IDENTITY_ROUTES: [(&str, &str, &[&str]); 10] = [
    (
        "POST",
        "/resources/auth/v1/user",
        &[
            "email",
            "username",
            "password",
            "invitationToken",
            "recaptchaToken",
        ],
    ),
    (
        "POST",
        "/resources/auth/v1/user/token/refresh",
        &["tenantId"],
    ),
    ("POST", "/resources/auth/v1/logout", &[]),
    (
        "POST",
        "/resources/users/v1/signUp",
        &[
            "email",
            "password",
            "companyName",
            "provider",
            "name",
            "metadata",
            "phoneNumber",
            "profilePictureUrl",
        ],
    ),
    (
        "POST",
        "/resources/users/v1/signUp/username",
        &[
            "username",
            "email",
            "password",
            "companyName",
            "provider",
            "metadata",
        ],
    ),
    ("GET", "/resources/users/v2/me", &[]),
    ("GET", "/resources/users/v3/me/tenants", &[]),
    ("GET", "/resources/users/v1/me/tenants", &[]),
    ("GET", "/resources/configurations/v1/public", &[]),
    (
        "GET",
        "/resources/configurations/v1/sign-up/strategies",
        &[],
    ),
];

/// Routes served without a prefix.
const BARE_ROUTES: [(&str, &str, &[&str]); 5] = [
    ("POST", "/auth/vendor", &["clientId", "secret"]),
    ("GET", "/.well-known/jwks.json", &[]),
    ("GET", "/.well-known/openid-configuration", &[]),
    ("GET", "/health/live", &[]),
    ("GET", "/health/ready", &[]),
];

/// One request, as the property test sends it.
#[derive(Debug, Clone)]
pub struct HostileRequest {
    pub method: &'static str,
    pub path: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Header name and value, each value printable ASCII so that the client can send it.
    pub headers: Vec<(&'static str, String)>,
}

pub fn hostile_request() -> impl Strategy<Value = HostileRequest> {
    (route(), content_type(), headers()).prop_flat_map(|((method, path, fields), kind, headers)| {
        body(fields).prop_map(move |body| HostileRequest {
            method,
            path: path.clone(),
            content_type: kind.clone(),
            body,
            headers: headers.clone(),
        })
    })
}

fn route() -> impl Strategy<Value = (&'static str, String, &'static [&'static str])> {
    let identity = (0..PREFIXES.len(), 0..IDENTITY_ROUTES.len()).prop_map(|(prefix, index)| {
        let (method, path, fields) = IDENTITY_ROUTES[index];
        (method, format!("{}{path}", PREFIXES[prefix]), fields)
    });
    let bare = (0..BARE_ROUTES.len()).prop_map(|index| {
        let (method, path, fields) = BARE_ROUTES[index];
        (method, path.to_owned(), fields)
    });
    prop_oneof![4 => identity, 1 => bare]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        6 => Just(Some("application/json".to_owned())),
        1 => Just(Some("application/json; charset=utf-8".to_owned())),
        1 => Just(Some("text/plain".to_owned())),
        1 => Just(Some("application/x-www-form-urlencoded".to_owned())),
        1 => Just(None),
        1 => printable(40).prop_map(Some),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    let name = prop_oneof![
        Just("authorization"),
        Just("x-access-token"),
        Just("cookie"),
        Just("x-forwarded-for"),
        Just("frontegg-vendor-host"),
        Just("frontegg-application-id"),
        Just("origin"),
    ];
    let value = prop_oneof![
        printable(120),
        printable(200).prop_map(|token| format!("Bearer {token}")),
        printable(300).prop_map(|token| format!("{COOKIE_NAME}={token}")),
        Just("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.".to_owned()),
    ];
    vec((name, value), 0..4)
}

fn body(fields: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let with_fields = btree_map(field_name(fields), hostile_value(), 0..8).prop_map(|fields| {
        let object: Map<String, Value> = fields.into_iter().collect();
        Value::Object(object).to_string().into_bytes()
    });
    prop_oneof![
        1 => Just(Vec::new()),
        1 => vec(any::<u8>(), 0..256),
        2 => json_value().prop_map(|value| value.to_string().into_bytes()),
        6 => with_fields,
    ]
}

/// Mostly the route's own field names, sometimes another one.
fn field_name(fields: &'static [&'static str]) -> BoxedStrategy<String> {
    let stray = "[a-zA-Z]{1,12}";
    if fields.is_empty() {
        return stray.boxed();
    }
    let known = (0..fields.len()).prop_map(move |index| fields[index].to_owned());
    prop_oneof![4 => known, 1 => stray].boxed()
}

/// Values a field should never be given, and a few it should.
fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => json_value(),
        2 => any::<String>().prop_map(Value::String),
        1 => "[a-z]{1,10}@[a-z]{1,10}(\\.[a-z]{2,4})?".prop_map(Value::String),
        1 => "[ -~]{0,20}\u{0}[ -~]{0,20}".prop_map(Value::String),
        1 => "[\u{1}-\u{1f}\u{7f}]{1,5}".prop_map(Value::String),
        1 => (1usize..20_000).prop_map(|length| Value::String("x".repeat(length))),
        1 => Just(Value::String("{\"plan\":\"pro\"}".to_owned())),
        1 => Just(Value::String("[1,2,3]".to_owned())),
        1 => Just(Value::String("correct horse battery".to_owned())),
        1 => Just(Value::String("00000000-0000-0000-0000-000000000000".to_owned())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map("[a-zA-Z]{0,10}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Up to `max` printable ASCII characters: what a client can put in a header.
fn printable(max: usize) -> impl Strategy<Value = String> {
    vec((0x20u8..0x7f).prop_map(char::from), 0..max).prop_map(String::from_iter)
}
