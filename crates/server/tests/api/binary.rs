//! The real `latchkey` binary as a child process, for the tests that need what only a
//! process has: its exit, a signal, its working directory, what it prints.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A running server on a free port; killed if the test ends early.
pub struct RunningBinary {
    child: Child,
    pub address: String,
    log: Arc<Mutex<Vec<Value>>>,
}

/// Starts `latchkey serve` with JSON logs on a free port, after `configure` has added the
/// test's environment, and waits until it listens.
pub fn start_binary(configure: impl FnOnce(&mut Command)) -> Result<RunningBinary, Error> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    command
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env("LATCHKEY__SERVER__PORT", "0")
        .env("LATCHKEY__RATE_LIMIT__ENABLED", "false")
        .env("LATCHKEY__LOG__FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped());
    configure(&mut command);
    let mut child = command.spawn()?;

    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let log = Arc::new(Mutex::new(Vec::new()));
    let port = loop {
        let line = lines.next().ok_or("the server exited before listening")??;
        let event: Value = serde_json::from_str(&line)?;
        let port = (event["message"] == json!("latchkey listening")).then(|| event["port"].clone());
        log.lock().map_err(|_| "log lock poisoned")?.push(event);
        if let Some(port) = port {
            break port.as_u64().ok_or("no port in the listening line")?;
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    let kept = Arc::clone(&log);
    std::thread::spawn(move || {
        for event in lines.map_while(Result::ok) {
            let Ok(event) = serde_json::from_str(&event) else {
                continue;
            };
            let Ok(mut kept) = kept.lock() else { return };
            kept.push(event);
        }
    });
    Ok(RunningBinary {
        child,
        address: format!("http://127.0.0.1:{port}"),
        log,
    })
}

impl RunningBinary {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends SIGTERM, as an orchestrator stopping the server would.
    pub fn terminate(&self) -> Result<ExitStatus, std::io::Error> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
    }

    /// Waits for the process to end by itself.
    pub fn wait(&mut self) -> Result<ExitStatus, std::io::Error> {
        self.child.wait()
    }

    /// Every log event printed so far.
    pub fn log(&self) -> Vec<Value> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }
}

impl Drop for RunningBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
