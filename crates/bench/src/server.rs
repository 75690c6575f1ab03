//! The `latchkey` server under test, as a child process.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::procfs;

/// A running server; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub pid: u32,
    pub base_url: String,
    /// From spawning the process to its first successful `/health/ready`.
    pub start_to_ready: Duration,
}

impl ServerProcess {
    /// Starts `binary serve` on a free port against `database_url`, with rate limits and
    /// lockout off and JSON logs written to `log_path`, and waits until it is ready.
    pub async fn start(
        binary: &Path,
        database_url: &str,
        log_path: &Path,
        client: &reqwest::Client,
    ) -> anyhow::Result<Self> {
        let log = File::create(log_path)?;
        let started = Instant::now();
        let child = Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("LATCHKEY__SERVER__PORT", "0")
            .env("LATCHKEY__RATE_LIMIT__ENABLED", "false")
            .env("LATCHKEY__LOCKOUT__ENABLED", "false")
            .env("LATCHKEY__LOG__FORMAT", "json")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let pid = child.id();
        let mut server = Self {
            child,
            pid,
            base_url: String::new(),
            start_to_ready: Duration::ZERO,
        };

        let port = server.wait_for_port(log_path).await?;
        server.base_url = format!("http://127.0.0.1:{port}");
        server.wait_until_ready(client).await?;
        server.start_to_ready = started.elapsed();
        Ok(server)
    }

    /// The port from the `latchkey listening` log line.
    async fn wait_for_port(&mut self, log_path: &Path) -> anyhow::Result<u16> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let log = std::fs::read_to_string(log_path).unwrap_or_default();
            let listening = log
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .find(|event| event["message"] == "latchkey listening");
            if let Some(port) = listening.and_then(|event| event["port"].as_u64()) {
                return Ok(u16::try_from(port)?);
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited ({status}) before listening; see {log_path:?}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        bail!("the server did not listen within a minute; see {log_path:?}")
    }

    async fn wait_until_ready(&self, client: &reqwest::Client) -> anyhow::Result<()> {
        let url = format!("{}/health/ready", self.base_url);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let response = client.get(&url).send().await;
            if response.is_ok_and(|response| response.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        bail!("the server was not ready within 30 s")
    }

    pub fn rss_kib(&self) -> Option<u64> {
        procfs::rss_kib(self.pid)
    }

    pub fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Already reaped when stopped; otherwise a failed run must not leave it behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `latchkey` binary next to this one (both are built into the same target directory).
pub fn sibling_binary(name: &str) -> anyhow::Result<PathBuf> {
    let current = std::env::current_exe()?;
    let directory = current
        .parent()
        .context("no directory for the executable")?;
    let candidates = [directory.join(name), directory.join("..").join(name)];
    candidates
        .into_iter()
        .find(|path| path.is_file())
        .with_context(|| format!("no `{name}` binary next to {}", current.display()))
}
