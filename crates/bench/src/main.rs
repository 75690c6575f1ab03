//! `latchkey-bench`: measures Latchkey's logins, refreshes and sign-ups against the limits
//! that bound them on this machine (Argon2 alone, Postgres alone, JWT signing alone), in
//! one run, and prints the figures with the ratios DESIGN section 8 sets targets on.
//!
//! It starts the `latchkey` binary built next to it on a fresh Postgres database, drives it
//! over loopback with bounded counts and time, and drops the database afterwards. Not a
//! test: `just bench` runs it in release mode; the test suite runs only its `--smoke` mode.

mod bounds;
mod client;
mod database;
mod flows;
mod load;
mod pgbench;
mod procfs;
mod report;
mod run;
mod server;

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use crate::flows::Concurrency;
use crate::load::Limits;
use crate::run::Plan;

#[derive(Debug, Parser)]
#[command(about = "Benchmark Latchkey against the physical limits of this machine")]
struct Args {
    /// Run everything for a second or so, to check that the driver works.
    #[arg(long)]
    smoke: bool,
    /// Seconds per measured flow (full run).
    #[arg(long, default_value_t = 15)]
    flow_secs: u64,
    /// Seconds per bound (Argon2, signing, pgbench) in a full run.
    #[arg(long, default_value_t = 10)]
    bound_secs: u64,
    /// The Postgres server (and a database on it to connect to); the benchmark creates and
    /// drops its own database there.
    #[arg(
        long,
        env = "BENCH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    database_url: String,
    /// The `latchkey` binary; by default the one next to this executable.
    #[arg(long)]
    server: Option<PathBuf>,
    /// Where logs, the pgbench script and the argon2-cffi environment go; by default
    /// `bench/` in the target directory.
    #[arg(long)]
    work_dir: Option<PathBuf>,
}

impl Args {
    fn plan(self) -> anyhow::Result<Plan> {
        let executable = std::env::current_exe()?;
        let profile_dir = executable.parent().context("no executable directory")?;
        let target_dir = profile_dir.parent().context("no target directory")?;
        let (flow, bound, max_requests) = if self.smoke {
            (Duration::from_secs(1), Duration::from_secs(1), 200)
        } else {
            let seconds = Duration::from_secs;
            (seconds(self.flow_secs), seconds(self.bound_secs), 1_000_000)
        };
        Ok(Plan {
            smoke: self.smoke,
            flow: Limits {
                duration: flow,
                max_requests,
            },
            bound: Limits {
                duration: bound,
                max_requests,
            },
            pgbench_window: bound,
            concurrency: Concurrency {
                sign_ups: 8,
                refresh_chains: 16,
                mix: 16,
            },
            database_url: self.database_url,
            server_binary: match self.server {
                Some(path) => path,
                None => server::sibling_binary("latchkey")?,
            },
            work_dir: self.work_dir.unwrap_or_else(|| target_dir.join("bench")),
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let plan = Args::parse().plan()?;
    let figures = run::run(&plan).await?;
    let report = report::render(&plan, &figures);
    std::fs::write(plan.work_dir.join("report.md"), &report)?;
    std::io::stdout().write_all(report.as_bytes())?;
    Ok(())
}
