//! A disposable Postgres cluster that belongs to one test, which may stop and restart it.
//!
//! Postgres refuses to run as root, so when the tests run as root every server command goes
//! through `runuser -u postgres`, in a directory that user owns. The cluster listens on a
//! free loopback port with trust authentication, and [`Drop`] stops it and deletes its files
//! whatever the test's outcome.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

type Error = Box<dyn std::error::Error + Send + Sync>;

pub struct PrivatePostgres {
    root: PathBuf,
    bindir: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

impl PrivatePostgres {
    /// Creates a cluster in a fresh directory and starts it. The error says, in words meant
    /// for whoever reads the test output, why this machine cannot run one.
    pub fn start() -> Result<Self, Error> {
        let bindir = server_bindir()?;
        let as_postgres_user = is_root()?;
        let root = std::env::temp_dir().join(format!(
            "latchkey-private-pg-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir(&root)?;
        // From here on the guard owns the directory: any early return deletes it.
        let mut cluster = Self {
            root,
            bindir,
            port: 0,
            as_postgres_user,
        };

        if as_postgres_user {
            let owner = Command::new("chown")
                .arg("postgres:")
                .arg(&cluster.root)
                .output()?;
            if !owner.status.success() {
                return Err(cannot(
                    "prepared (chown to the postgres user failed)",
                    &owner.stderr,
                ));
            }
        }
        cluster.initdb()?;
        cluster.start_on_a_free_port()?;
        Ok(cluster)
    }

    /// A URL for the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the cluster the hard way (`pg_ctl stop -m immediate`): every connection dies
    /// at once, as in a crash.
    pub fn kill(&self) -> Result<(), Error> {
        self.pg_ctl(&["stop", "-m", "immediate", "-w"], "stopped")
    }

    /// Starts the stopped cluster again, on the same port and data.
    pub fn resume(&self) -> Result<(), Error> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.root.display()
        );
        let log = self.root.join("postgres.log");
        let log = log.to_string_lossy();
        self.pg_ctl(
            &["start", "-w", "-t", "30", "-l", &log, "-o", &options],
            "started",
        )
    }

    fn initdb(&self) -> Result<(), Error> {
        let data = self.data_dir();
        let data = data.to_string_lossy();
        let args = [
            "-D",
            &data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ];
        self.run("initdb", &args, "initialised (initdb)")
    }

    /// Another process may take the port between picking it and binding it; a few tries
    /// make that race harmless.
    fn start_on_a_free_port(&mut self) -> Result<(), Error> {
        let mut last_error = None;
        for _ in 0..3 {
            self.port = free_loopback_port()?;
            match self.resume() {
                Ok(()) => return Ok(()),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| "no port tried".into()))
    }

    fn pg_ctl(&self, args: &[&str], what: &str) -> Result<(), Error> {
        let data = self.data_dir();
        let data = data.to_string_lossy();
        let mut all = vec!["-D", &data];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all, what)
    }

    fn run(&self, tool: &str, args: &[&str], what: &str) -> Result<(), Error> {
        let program = self.bindir.join(tool);
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        let output = command.args(args).current_dir(&self.root).output()?;
        if output.status.success() {
            return Ok(());
        }
        let mut detail = output.stderr;
        detail.extend_from_slice(&output.stdout);
        detail
            .extend_from_slice(&std::fs::read(self.root.join("postgres.log")).unwrap_or_default());
        Err(cannot(what, &detail))
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        if self.data_dir().join("postmaster.pid").exists() {
            let _ = self.kill();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn cannot(what: &str, detail: &[u8]) -> Error {
    format!(
        "the private Postgres cluster this test needs could not be {what} on this machine; \
         it needs PostgreSQL's server binaries (initdb, pg_ctl from `pg_config --bindir`) \
         and, when run as root, a `postgres` user and `runuser`. Output: {}",
        String::from_utf8_lossy(detail).trim()
    )
    .into()
}

fn server_bindir() -> Result<PathBuf, Error> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .map_err(|error| {
            cannot(
                "found (pg_config did not run)",
                error.to_string().as_bytes(),
            )
        })?;
    let bindir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if !output.status.success() || !Path::new(&bindir).join("pg_ctl").exists() {
        return Err(cannot("found (no pg_ctl beside pg_config)", &output.stderr));
    }
    Ok(bindir)
}

fn is_root() -> Result<bool, Error> {
    let output = Command::new("id").arg("-u").output()?;
    Ok(String::from_utf8_lossy(&output.stdout).trim() == "0")
}

fn free_loopback_port() -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
