//! The measured flows against a running server: what each request does and how many run.

use std::time::Duration;

use anyhow::Context;

use crate::client::Api;
use crate::database::Admin;
use crate::load::{Limits, Outcome, closed_loop, fixed_rate};
use crate::procfs::{self, CpuSnapshot};
use crate::server::ServerProcess;

/// One flow's figures: the client's view and the CPU both sides spent.
#[derive(Debug)]
pub struct FlowFigures {
    pub name: &'static str,
    pub outcome: Outcome,
    /// The server process plus its Postgres backends.
    pub server_cpu: Duration,
    /// This driver process (the HTTP client), which shares the machine's cores.
    pub client_cpu: Duration,
}

impl FlowFigures {
    pub fn server_cpu_per_request(&self) -> Duration {
        per_request(self.server_cpu, self.outcome.succeeded)
    }

    pub fn client_cpu_per_request(&self) -> Duration {
        per_request(self.client_cpu, self.outcome.succeeded)
    }
}

fn per_request(cpu: Duration, requests: u64) -> Duration {
    cpu.div_f64(requests.max(1) as f64)
}

/// Concurrent workers (or chains) per flow.
#[derive(Debug, Clone, Copy)]
pub struct Concurrency {
    pub sign_ups: usize,
    pub refresh_chains: usize,
    pub mix: usize,
}

/// What the flows run against.
pub struct Target<'a> {
    pub api: &'a Api,
    pub server: &'a ServerProcess,
    pub admin: &'a Admin,
    pub database: &'a str,
}

impl Target<'_> {
    /// Runs `flow`, reading the CPU of the server, its backends and this process around it.
    pub async fn measure<F>(&self, name: &'static str, flow: F) -> anyhow::Result<FlowFigures>
    where
        F: Future<Output = Outcome>,
    {
        let own_pid = std::process::id();
        let mut pids = self.admin.backend_pids(self.database, None).await?;
        pids.push(self.server.pid);
        let server_before = CpuSnapshot::take(&pids);
        let client_before = procfs::cpu_time(own_pid).context("reading own CPU time")?;

        let outcome = flow.await;

        let client_after = procfs::cpu_time(own_pid).context("reading own CPU time")?;
        // Backends the pool opened during the flow count too (from zero).
        pids.extend(self.admin.backend_pids(self.database, None).await?);
        pids.sort_unstable();
        pids.dedup();
        let server_after = CpuSnapshot::take(&pids);
        Ok(FlowFigures {
            name,
            outcome,
            server_cpu: server_before.used_until(&server_after),
            client_cpu: client_after.saturating_sub(client_before),
        })
    }
}

/// The email of the `index`-th user a sign-up worker creates.
fn email(worker: usize, index: u64) -> String {
    format!("bench-{worker}-{index}@bench.example.com")
}

/// Each worker signs up new users, one after another.
pub async fn sign_ups(api: &Api, workers: usize, limits: Limits) -> Outcome {
    let states = (0..workers)
        .map(|worker| (api.clone(), worker, 0))
        .collect();
    closed_loop(states, limits, |(api, worker, next)| async move {
        let result = api.sign_up(&email(worker, next)).await.map(drop);
        ((api, worker, next + 1), result)
    })
    .await
}

/// Each worker logs one user (the first its sign-up worker created) in, again and again.
pub async fn log_ins(api: &Api, workers: usize, limits: Limits) -> Outcome {
    let states = (0..workers)
        .map(|worker| (api.clone(), email(worker, 0)))
        .collect();
    closed_loop(states, limits, |(api, email)| async move {
        let result = api.log_in(&email).await.map(drop);
        ((api, email), result)
    })
    .await
}

/// A chain per signed-up user: a login, whose refresh token is then rotated by each request.
pub async fn start_chains(
    api: &Api,
    users: usize,
    chains: usize,
) -> anyhow::Result<Vec<(Api, String)>> {
    let mut started = Vec::with_capacity(chains);
    for chain in 0..chains {
        let token = api.log_in(&email(chain % users, 0)).await?;
        started.push((api.clone(), token));
    }
    Ok(started)
}

/// Each chain presents the token the previous refresh returned.
pub async fn refreshes(chains: Vec<(Api, String)>, limits: Limits) -> Outcome {
    closed_loop(chains, limits, refresh_step).await
}

/// Refreshes at a fixed rate, each on a chain that is not waiting for an answer.
pub async fn refreshes_at(chains: Vec<(Api, String)>, per_second: f64, limits: Limits) -> Outcome {
    fixed_rate(chains, per_second, limits, refresh_step).await
}

async fn refresh_step((api, token): (Api, String)) -> ((Api, String), anyhow::Result<()>) {
    match api.refresh(&token).await {
        Ok(successor) => ((api, successor), Ok(())),
        Err(error) => ((api, token), Err(error)),
    }
}

/// A worker of the mixed flow: a browser session that mostly refreshes, sometimes logs in
/// again, and sometimes a new user signs up.
pub struct MixWorker {
    api: Api,
    worker: usize,
    user: String,
    token: String,
    signed_up: u64,
    random: u64,
}

pub async fn start_mix(api: &Api, users: usize, workers: usize) -> anyhow::Result<Vec<MixWorker>> {
    let chains = start_chains(api, users, workers).await?;
    let workers = chains
        .into_iter()
        .enumerate()
        .map(|(worker, (api, token))| MixWorker {
            api,
            worker,
            user: email(worker % users, 0),
            token,
            signed_up: 0,
            random: 0x9E37_79B9_7F4A_7C15 ^ worker as u64,
        })
        .collect();
    Ok(workers)
}

/// Out of 20 requests: 16 refreshes, 3 logins, 1 sign-up.
pub async fn mix(workers: Vec<MixWorker>, limits: Limits) -> Outcome {
    closed_loop(workers, limits, |mut worker: MixWorker| async move {
        worker.random ^= worker.random << 13;
        worker.random ^= worker.random >> 7;
        worker.random ^= worker.random << 17;
        let result = match worker.random % 20 {
            0 => {
                worker.signed_up += 1;
                let email = format!(
                    "mix-{}-{}@bench.example.com",
                    worker.worker, worker.signed_up
                );
                worker.api.sign_up(&email).await.map(drop)
            }
            1..=3 => worker.api.log_in(&worker.user).await.map(|token| {
                worker.token = token;
            }),
            _ => worker.api.refresh(&worker.token).await.map(|token| {
                worker.token = token;
            }),
        };
        (worker, result)
    })
    .await
}
