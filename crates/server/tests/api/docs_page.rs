use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::helpers::{TestResult, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_loads_every_asset_from_the_server_itself() -> TestResult {
    let app = spawn_app().await?;

    for page in ["/docs", "/docs/"] {
        let response = app.get(page).await?;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        let content_type = content_type.as_ref().and_then(|value| value.to_str().ok());
        assert!(
            content_type.is_some_and(|value| value.starts_with("text/html")),
            "{page}: {content_type:?}"
        );
        let html = response.text().await?;
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{html}"
        );
        assert!(
            !html.contains("//cdn") && !html.contains("src=\"//"),
            "{html}"
        );

        let assets: Vec<&str> = html
            .split(['"', '\''])
            .filter(|part| part.starts_with("./") || part.ends_with(".css"))
            .collect();
        assert!(assets.len() >= 4, "{html}");
        for asset in assets {
            let url = format!("/docs/{}", asset.trim_start_matches("./"));
            let response = app.get(&url).await?;
            assert_eq!(response.status(), StatusCode::OK, "{url}");
        }
    }

    let initializer = app
        .get("/docs/swagger-initializer.js")
        .await?
        .text()
        .await?;
    assert!(
        initializer.contains("\"url\": \"/openapi.json\""),
        "{initializer}"
    );
    assert!(
        initializer.contains("\"validatorUrl\": \"none\""),
        "no online validator: {initializer}"
    );
    // Only the embedded files are served: no other file, wherever the path points.
    for missing in [
        "/docs/no-such-file.js",
        "/docs/..%2f..%2fembed.rs",
        "/docs/%2e%2e/Cargo.toml",
    ] {
        let response = app.get(missing).await?;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
        let body: Value = response.json().await?;
        assert_eq!(body["errorCode"], json!("ER-LK-1004"), "{missing}");
    }
    Ok(())
}
