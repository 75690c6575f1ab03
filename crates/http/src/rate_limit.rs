//! Per-client-IP rate limits on the routes attackers hammer, through `actix-governor`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{Governor, GovernorConfig, GovernorConfigBuilder, KeyExtractor};
use actix_web::dev::ServiceRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::RETRY_AFTER;
use actix_web::middleware::Condition;
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use chrono::{SecondsFormat, Utc};

use crate::{ApiError, ErrorCode};

/// Which limits apply.
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    pub enabled: bool,
    pub log_in_per_minute: u32,
    pub sign_up_per_minute: u32,
    /// `POST /auth/vendor` requests, where the environment's API key can be guessed.
    pub vendor_per_minute: u32,
    /// Peers whose `X-Forwarded-For` is believed. Everyone else is keyed by their own address.
    pub trusted_proxies: Vec<IpAddr>,
}

/// The limiters of every limited route, built once and shared by all workers.
#[derive(Clone)]
pub(crate) struct RouteLimits {
    enabled: bool,
    log_in: RouteLimit,
    sign_up: RouteLimit,
    vendor: RouteLimit,
}

impl RouteLimits {
    pub fn new(settings: &RateLimitSettings) -> Option<Self> {
        Some(Self {
            enabled: settings.enabled,
            log_in: route_limit(
                "log_in",
                settings.log_in_per_minute,
                &settings.trusted_proxies,
            )?,
            sign_up: route_limit(
                "sign_up",
                settings.sign_up_per_minute,
                &settings.trusted_proxies,
            )?,
            vendor: route_limit(
                "vendor",
                settings.vendor_per_minute,
                &settings.trusted_proxies,
            )?,
        })
    }

    pub fn log_in(&self) -> Condition<Governor<ClientIp, NoOpMiddleware<QuantaInstant>>> {
        Condition::new(self.enabled, Governor::new(&self.log_in))
    }

    pub fn sign_up(&self) -> Condition<Governor<ClientIp, NoOpMiddleware<QuantaInstant>>> {
        Condition::new(self.enabled, Governor::new(&self.sign_up))
    }

    pub fn vendor(&self) -> Condition<Governor<ClientIp, NoOpMiddleware<QuantaInstant>>> {
        Condition::new(self.enabled, Governor::new(&self.vendor))
    }
}

/// The shared limiter state of one route (all prefixes and workers count together).
type RouteLimit = GovernorConfig<ClientIp, NoOpMiddleware<QuantaInstant>>;

/// Builds the limiter for `per_minute` requests a minute, allowing that many in a burst.
fn route_limit(
    route: &'static str,
    per_minute: u32,
    trusted_proxies: &[IpAddr],
) -> Option<RouteLimit> {
    let per_minute = per_minute.max(1);
    GovernorConfigBuilder::default()
        .period(Duration::from_secs(60) / per_minute)
        .burst_size(per_minute)
        .key_extractor(ClientIp {
            trusted_proxies: Arc::new(trusted_proxies.to_vec()),
            route,
        })
        .finish()
}

/// Keys requests by the client's address: the peer, or, behind a trusted proxy, the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
#[derive(Debug, Clone)]
pub struct ClientIp {
    trusted_proxies: Arc<Vec<IpAddr>>,
    /// The limited route, for the metrics.
    route: &'static str,
}

impl ClientIp {
    fn client_of(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        let hops = forwarded_for.unwrap_or_default().split(',').rev();
        let mut client = peer;
        for hop in hops.map(str::trim) {
            match hop.parse::<IpAddr>() {
                Ok(address) if self.trusted_proxies.contains(&address) => client = address,
                Ok(address) => return address,
                // A garbled entry ends the trusted chain: what lies left of it is unverifiable.
                Err(_) => return client,
            }
        }
        client
    }
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;
    type KeyExtractionError = ApiError;

    fn extract(&self, request: &ServiceRequest) -> Result<IpAddr, ApiError> {
        let peer = request
            .peer_addr()
            .map(|address| address.ip())
            .ok_or_else(ApiError::internal)?;
        let forwarded_for = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok());
        Ok(self.client_of(peer, forwarded_for))
    }

    fn exceed_rate_limit_response(
        &self,
        negative: &NotUntil<QuantaInstant>,
        _: HttpResponseBuilder,
    ) -> HttpResponse {
        metrics::counter!("latchkey_rate_limited_total", "route" => self.route).increment(1);
        if self.route == "log_in" {
            metrics::counter!("latchkey_logins_total", "outcome" => "rate_limited").increment(1);
        }
        let wait = negative.wait_time_from(DefaultClock::default().now());
        let retry_after = wait.as_secs().max(1);
        let reset = Utc::now() + wait;
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "Too many requests",
        )
        .error_response();
        let headers = response.headers_mut();
        headers.insert(RETRY_AFTER, retry_after.into());
        if let Ok(value) = reset.to_rfc3339_opts(SecondsFormat::Secs, true).parse() {
            headers.insert(
                actix_web::http::header::HeaderName::from_static("x-rate-limit-reset"),
                value,
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let extractor = ClientIp {
            trusted_proxies: Arc::new(vec![ip("10.0.0.1"), ip("10.0.0.2")]),
            route: "log_in",
        };
        let spoofed = Some("1.1.1.1, 2.2.2.2");
        assert_eq!(
            extractor.client_of(ip("9.9.9.9"), spoofed),
            ip("9.9.9.9"),
            "untrusted peer"
        );
        assert_eq!(
            extractor.client_of(ip("10.0.0.1"), spoofed),
            ip("2.2.2.2"),
            "right-most untrusted hop"
        );
        assert_eq!(
            extractor.client_of(ip("10.0.0.1"), Some("3.3.3.3, 10.0.0.2")),
            ip("3.3.3.3")
        );
        assert_eq!(
            extractor.client_of(ip("10.0.0.1"), Some("junk")),
            ip("10.0.0.1")
        );
        assert_eq!(extractor.client_of(ip("10.0.0.1"), None), ip("10.0.0.1"));
    }
}
