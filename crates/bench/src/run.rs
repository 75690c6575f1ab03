//! One benchmark run: the server's flows, then the limits, on one machine in one go.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use latchkey_crypto::{Argon2Settings, SigningAlgorithm};

use crate::bounds::{self, HashTime, Skipped};
use crate::client::Api;
use crate::database::{Admin, BenchDatabase};
use crate::flows::{self, Concurrency, FlowFigures, Target};
use crate::load::Limits;
use crate::pgbench::{self, TransactionCost};
use crate::server::ServerProcess;

/// How long and how hard to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub smoke: bool,
    pub flow: Limits,
    pub bound: Limits,
    pub pgbench_window: Duration,
    pub concurrency: Concurrency,
    pub database_url: String,
    pub server_binary: PathBuf,
    pub work_dir: PathBuf,
}

/// Everything one run measured.
#[derive(Debug)]
pub struct Figures {
    pub flows: Vec<FlowFigures>,
    /// The fixed rate of the latency run: 80 % of the closed-loop refresh throughput.
    pub paced_refresh_rate: f64,
    pub start_to_ready: Duration,
    pub rss_after_start_kib: u64,
    pub rss_after_load_kib: u64,
    pub argon2: Argon2Settings,
    pub argon2_bound_per_second: f64,
    pub rust_hash: HashTime,
    pub c_hash: Result<HashTime, Skipped>,
    pub algorithm: SigningAlgorithm,
    pub signature: bounds::SignatureCost,
    pub pgbench: Result<TransactionCost, Skipped>,
}

impl Figures {
    pub fn flow(&self, name: &str) -> Option<&FlowFigures> {
        self.flows.iter().find(|flow| flow.name == name)
    }
}

pub async fn run(plan: &Plan) -> anyhow::Result<Figures> {
    std::fs::create_dir_all(&plan.work_dir)?;
    let admin = Admin::connect(&plan.database_url).await?;
    let database = admin
        .create_database(&format!("latchkey_bench_{}", std::process::id()))
        .await?;
    let figures = run_on(plan, &admin, &database).await;
    admin.drop_database(&database.name).await?;
    figures
}

async fn run_on(plan: &Plan, admin: &Admin, database: &BenchDatabase) -> anyhow::Result<Figures> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(1024)
        .build()?;
    let log = plan.work_dir.join("latchkey.log");
    // The first start applies the migrations; the second measures a start on a ready schema.
    ServerProcess::start(&plan.server_binary, &database.url, &log, &client)
        .await?
        .stop()?;
    let server = ServerProcess::start(&plan.server_binary, &database.url, &log, &client).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after_start_kib = server.rss_kib().unwrap_or_default();

    let api = Api::new(client, &server.base_url);
    let target = Target {
        api: &api,
        server: &server,
        admin,
        database: &database.name,
    };
    let (flows, paced_refresh_rate) = run_flows(plan, &target).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after_load_kib = server.rss_kib().unwrap_or_default();
    let start_to_ready = server.start_to_ready;
    server.stop()?;

    let argon2 = Argon2Settings::default();
    let algorithm = SigningAlgorithm::Rs256;
    Ok(Figures {
        flows,
        paced_refresh_rate,
        start_to_ready,
        rss_after_start_kib,
        rss_after_load_kib,
        argon2,
        argon2_bound_per_second: bounds::argon2_all_cores(argon2, plan.bound).await?,
        rust_hash: bounds::argon2_one_at_a_time(argon2, plan.bound).await?,
        c_hash: bounds::argon2_reference(argon2, plan.bound, &plan.work_dir, !plan.smoke)?,
        algorithm,
        signature: bounds::jwt_signing(algorithm, plan.bound)?,
        pgbench: run_pgbench(plan, admin, database).await?,
    })
}

async fn run_flows(plan: &Plan, target: &Target<'_>) -> anyhow::Result<(Vec<FlowFigures>, f64)> {
    let (api, limits, concurrency) = (target.api, plan.flow, plan.concurrency);
    let users = concurrency.sign_ups;
    let mut figures = Vec::new();

    let sign_ups = flows::sign_ups(api, users, limits);
    figures.push(target.measure("sign-up", sign_ups).await?);
    let log_ins = flows::log_ins(api, users, limits);
    figures.push(target.measure("login", log_ins).await?);

    let chains = flows::start_chains(api, users, concurrency.refresh_chains).await?;
    let refreshes = flows::refreshes(chains, limits);
    figures.push(target.measure("refresh", refreshes).await?);

    let rate = 0.8 * figures.last().map_or(0.0, |flow| flow.outcome.per_second());
    let chains = flows::start_chains(api, users, concurrency.refresh_chains).await?;
    let paced = flows::refreshes_at(chains, rate, limits);
    figures.push(target.measure("refresh at 80 %", paced).await?);

    let workers = flows::start_mix(api, users, concurrency.mix).await?;
    figures.push(target.measure("mix", flows::mix(workers, limits)).await?);

    for flow in &figures {
        if let Some(error) = &flow.outcome.first_error {
            bail!(
                "{} failed {} times, first: {error}",
                flow.name,
                flow.outcome.failed
            );
        }
    }
    Ok((figures, rate))
}

async fn run_pgbench(
    plan: &Plan,
    admin: &Admin,
    database: &BenchDatabase,
) -> anyhow::Result<Result<TransactionCost, Skipped>> {
    let Some(pgbench) = pgbench::locate() else {
        if plan.smoke {
            return Ok(Err(
                "pgbench is not installed (not on PATH nor in pg_config --bindir)".into(),
            ));
        }
        bail!("pgbench is not installed (not on PATH nor in pg_config --bindir)");
    };
    let clients = u32::try_from(plan.concurrency.refresh_chains)?;
    let cost = pgbench::refresh_transactions(
        &pgbench,
        admin,
        database,
        clients,
        plan.pgbench_window,
        &plan.work_dir,
    )
    .await?;
    Ok(Ok(cost))
}
