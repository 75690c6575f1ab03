//! The requests of Latchkey's flows, as a browser's SDK sends them.

use anyhow::{Context, bail};
use reqwest::Client;
use serde_json::{Value, json};

/// The cookie name for the default client id `latchkey`.
const REFRESH_COOKIE: &str = "fe_refresh_latchkey";

/// A password zxcvbn accepts, shared by every benchmark user (each hash is salted anyway).
pub const PASSWORD: &str = "latchkey bench: correct horse battery staple";

/// One API, reached over one keep-alive client.
#[derive(Clone)]
pub struct Api {
    client: Client,
    base_url: String,
}

impl Api {
    pub fn new(client: Client, base_url: &str) -> Self {
        Self {
            client,
            base_url: base_url.to_owned(),
        }
    }

    /// Signs up `email` with its own tenant; returns the first refresh token.
    pub async fn sign_up(&self, email: &str) -> anyhow::Result<String> {
        let body = json!({"email": email, "password": PASSWORD, "companyName": "Bench Co"});
        let url = format!("{}/identity/resources/users/v1/signUp", self.base_url);
        let reply = self.post(&url, &body, None, 201).await?;
        refresh_token(&reply["authResponse"])
    }

    /// Logs `email` in with the right password; returns the session's refresh token.
    pub async fn log_in(&self, email: &str) -> anyhow::Result<String> {
        let body = json!({"email": email, "password": PASSWORD});
        let url = format!("{}/identity/resources/auth/v1/user", self.base_url);
        let reply = self.post(&url, &body, None, 200).await?;
        refresh_token(&reply)
    }

    /// Rotates `token`; returns its successor.
    pub async fn refresh(&self, token: &str) -> anyhow::Result<String> {
        let url = format!(
            "{}/identity/resources/auth/v1/user/token/refresh",
            self.base_url
        );
        let reply = self.post(&url, &json!({}), Some(token), 200).await?;
        refresh_token(&reply)
    }

    async fn post(
        &self,
        url: &str,
        body: &Value,
        token: Option<&str>,
        expected: u16,
    ) -> anyhow::Result<Value> {
        let mut request = self.client.post(url).json(body);
        if let Some(token) = token {
            request = request.header("cookie", format!("{REFRESH_COOKIE}={token}"));
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        if status != expected {
            let text = String::from_utf8_lossy(&bytes);
            bail!("{url} answered {status}, expected {expected}: {text}");
        }
        Ok(serde_json::from_slice(&bytes)?)
    }
}

fn refresh_token(auth: &Value) -> anyhow::Result<String> {
    auth["refreshToken"]
        .as_str()
        .map(str::to_owned)
        .context("no refreshToken in the answer")
}
