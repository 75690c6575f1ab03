use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, time};
use actix_web::http::header;
use latchkey_domain::RefreshToken;

/// The `SameSite` attribute of the refresh cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Strict,
    Lax,
    None,
}

/// How the refresh cookie is named and scoped.
#[derive(Debug, Clone)]
pub struct CookieSettings {
    /// `fe_refresh_` + the client id with its first `-` removed, as Frontegg's SDKs expect.
    name: String,
    /// The name with every `-` removed, to recognise the variants SDKs also send.
    compact_name: String,
    secure: bool,
    same_site: SameSite,
    domain: Option<String>,
    max_age: Duration,
}

impl CookieSettings {
    pub fn new(
        client_id: &str,
        secure: bool,
        same_site: SameSite,
        domain: Option<String>,
        max_age: Duration,
    ) -> Self {
        let name = format!("fe_refresh_{}", client_id.replacen('-', "", 1));
        let compact_name = name.replace('-', "");
        Self {
            name,
            compact_name,
            secure,
            same_site,
            domain,
            max_age,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The cookie that carries `token` for the refresh-token lifetime.
    pub fn issue(&self, token: &RefreshToken) -> Cookie<'static> {
        let max_age = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        self.build(token.encode(), time::Duration::seconds(max_age))
    }

    /// A cookie that makes the browser forget the refresh token.
    pub fn expire(&self) -> Cookie<'static> {
        self.build(String::new(), time::Duration::ZERO)
    }

    fn build(&self, value: String, max_age: time::Duration) -> Cookie<'static> {
        let same_site = match self.same_site {
            SameSite::Strict => actix_web::cookie::SameSite::Strict,
            SameSite::Lax => actix_web::cookie::SameSite::Lax,
            SameSite::None => actix_web::cookie::SameSite::None,
        };
        let mut cookie = Cookie::build(self.name.clone(), value)
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(same_site)
            .max_age(max_age)
            .finish();
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        cookie
    }

    /// The refresh token the request carries, if any is well-formed.
    ///
    /// The emitted name is preferred; the variants with no dash or every dash removed are
    /// also accepted. Malformed `Cookie` headers and values are ignored, never an error.
    pub fn read(&self, request: &HttpRequest) -> Option<RefreshToken> {
        let pairs: Vec<(&str, &str)> = request
            .headers()
            .get_all(header::COOKIE)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|line| line.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .collect();
        let exact = pairs.iter().filter(|(name, _)| *name == self.name);
        let variants = pairs
            .iter()
            .filter(|(name, _)| name.replace('-', "") == self.compact_name);
        exact
            .chain(variants)
            .find_map(|(_, value)| RefreshToken::parse(value.trim_matches('"')))
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn settings() -> CookieSettings {
        CookieSettings::new(
            "ab-cd-ef",
            true,
            SameSite::None,
            None,
            Duration::from_secs(60),
        )
    }

    #[test]
    fn the_name_drops_only_the_first_dash() {
        assert_eq!(settings().name(), "fe_refresh_abcd-ef");
    }

    #[test]
    fn every_name_variant_is_read_and_garbage_is_ignored() {
        let token = RefreshToken::from_bytes([5; 32]);
        for name in [
            "fe_refresh_abcd-ef",
            "fe_refresh_ab-cd-ef",
            "fe_refresh_abcdef",
        ] {
            let request = TestRequest::default()
                .insert_header((header::COOKIE, format!("x=1; {name}={}", token.encode())))
                .to_http_request();
            assert_eq!(settings().read(&request), Some(token.clone()), "{name}");
        }
        let garbage = TestRequest::default()
            .insert_header((
                header::COOKIE,
                "fe_refresh_abcd-ef=%%%; ;;=;fe_refresh_abcd-ef",
            ))
            .to_http_request();
        assert_eq!(settings().read(&garbage), None);
    }

    #[test]
    fn issued_cookies_carry_the_security_attributes() {
        let cookie = settings()
            .issue(&RefreshToken::from_bytes([5; 32]))
            .to_string();
        for attribute in [
            "HttpOnly",
            "Secure",
            "SameSite=None",
            "Path=/",
            "Max-Age=60",
        ] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert!(settings().expire().to_string().contains("Max-Age=0"));
    }
}
