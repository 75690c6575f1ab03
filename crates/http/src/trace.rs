use std::time::Instant;

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

const TRACE_ID_HEADER: HeaderName = HeaderName::from_static("frontegg-trace-id");

/// The `method` of metrics and logs: one of a fixed set, so that a client inventing
/// methods (`curl -X M12345`) can neither create unbounded metric series nor write what it
/// likes into the log.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The `route` of metrics and logs for a path no route serves. Otherwise it is the matched
/// route template, never the raw path, so that random paths add no series.
const UNMATCHED_ROUTE: &str = "<unmatched>";

/// Gives every request a fresh trace id (32 hex characters), runs it inside a span that
/// carries the id, answers with the `frontegg-trace-id` header, and logs one line when the
/// response is ready: method, route template, status, latency. Nothing from the request
/// body, cookies or `Authorization` header is ever logged.
pub async fn trace_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let method = method_label(request.method());
    let span = tracing::info_span!("request", trace_id = %trace_id);
    let started = Instant::now();

    // Handlers and extractors render their errors as responses, so an `Err` here could only
    // come from actix itself; it is passed on as is. (Cloning the request to render it here
    // is not an option: actix's router needs the request uniquely owned.)
    let mut response = next
        .call(request)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();

    if let Ok(value) = HeaderValue::from_str(&trace_id) {
        response.headers_mut().insert(TRACE_ID_HEADER, value);
    }
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let labels = [("route", route.clone()), ("method", method.to_owned())];
    metrics::histogram!("latchkey_http_request_duration_seconds", &labels).record(elapsed);
    let labels = [
        ("route", route.clone()),
        ("method", method.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("latchkey_http_requests_total", &labels).increment(1);
    span.in_scope(|| {
        tracing::info!(
            http.method = method,
            http.route = %route,
            http.status = status,
            latency_ms = format_args!("{latency_ms:.2}"),
            "request finished"
        );
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        for invented in ["M12345", "PROPFIND", "get", "CONNECT", "TRACE"] {
            let method = Method::from_bytes(invented.as_bytes());
            assert_eq!(
                method.as_ref().map(method_label).ok(),
                Some("other"),
                "{invented}"
            );
        }
        assert_eq!(method_label(&Method::POST), "POST");
    }
}
