use std::sync::Arc;

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use utoipa_swagger_ui::Config;

use crate::ApiError;
use crate::openapi::responses::NotFound;

/// Where the OpenAPI document is served; the docs page loads it from there.
pub(crate) const OPENAPI_PATH: &str = "/openapi.json";

/// The OpenAPI document and the docs page, both rendered once at start-up.
pub(crate) struct ApiDocs {
    document: web::Bytes,
    page: String,
    swagger: Arc<Config<'static>>,
}

impl ApiDocs {
    pub fn new(document: &serde_json::Value) -> Result<Self, String> {
        // No validator: Swagger UI would otherwise send the document to a public service,
        // and the page must work offline.
        let swagger = Arc::new(Config::new([OPENAPI_PATH]).validator_url("none"));
        let index = swagger_file("index.html", &swagger).ok_or("Swagger UI has no index.html")?;
        let index = String::from_utf8(index.1).map_err(|error| error.to_string())?;
        // The page links its assets relatively ("./swagger-ui.css"), which from `/docs` would
        // resolve to the root; the base makes `/docs` and `/docs/` both work, with no redirect.
        let page = index.replacen("<head>", "<head>\n    <base href=\"/docs/\">", 1);
        let document = serde_json::to_vec(document).map_err(|error| error.to_string())?;
        Ok(Self {
            document: document.into(),
            page,
            swagger,
        })
    }
}

/// A Swagger UI file and its content type, if there is one at `path`.
fn swagger_file(path: &str, config: &Arc<Config<'static>>) -> Option<(String, Vec<u8>)> {
    let file = utoipa_swagger_ui::serve(path, config.clone()).ok()??;
    Some((file.content_type, file.bytes.into_owned()))
}

/// `GET /openapi.json`: this document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    summary = "This OpenAPI 3.1 document",
    responses((status = 200, description = "The document", body = Object,
        content_type = "application/json")),
    security(()),
)]
pub async fn openapi(docs: web::Data<ApiDocs>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(docs.document.clone())
}

/// `GET /docs`: the API documentation page (Swagger UI, served from the binary).
#[utoipa::path(
    get,
    path = "/docs",
    operation_id = "docs",
    tag = "operations",
    summary = "This document as a browsable page (Swagger UI); every asset is served locally",
    responses((status = 200, description = "The page", body = String, content_type = "text/html")),
    security(()),
)]
pub async fn docs(docs: web::Data<ApiDocs>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .body(docs.page.clone())
}

/// `GET /docs/{file}`: the page's scripts, styles and icons.
#[utoipa::path(
    get,
    path = "/docs/{file}",
    operation_id = "docs_file",
    tag = "operations",
    summary = "An asset of the docs page",
    params(("file" = String, Path, description = "A file of Swagger UI's distribution")),
    responses(
        (status = 200, description = "The file", content(
            (String = "text/html"), (String = "text/css"), (String = "text/javascript"),
            (String = "text/plain"), (String = "image/png"))),
        (status = 404, response = NotFound),
    ),
    security(()),
)]
pub async fn docs_file(
    docs: web::Data<ApiDocs>,
    file: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = file.into_inner();
    if file.is_empty() || file == "index.html" {
        return Ok(self::docs(docs).await);
    }
    let (content_type, bytes) =
        swagger_file(&file, &docs.swagger).ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok().content_type(content_type).body(bytes))
}
