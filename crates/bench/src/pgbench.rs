//! Postgres alone: `pgbench` running the statements of one refresh, so that the CPU its
//! backends spend per transaction bounds what a refresh can cost the database.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};

use crate::database::{Admin, BenchDatabase};
use crate::procfs::CpuSnapshot;

/// The refresh transaction of `crates/postgres/src/rotation.rs`, statement by statement:
/// one `SELECT … FOR UPDATE OF` that locks the presented token with its session and reads
/// the user and their memberships, then one `WITH` that consumes the token, moves the
/// session (not, here: the flag is false, as in most refreshes) and inserts the successor.
/// Each client follows its own chain (`:n` counts its rotations), as each browser does.
const REFRESH_SCRIPT: &str = r"\set next :n + 1
BEGIN;
SELECT t.expires_at, t.consumed_at, t.sealed_successor, s.id AS session_id, s.user_id, s.tenant_id, s.absolute_expires_at, s.revoked_at, u.id AS found_user_id, u.email, u.username, u.name, u.phone_number, u.profile_picture_url, COALESCE(u.metadata, '{}') AS metadata, COALESCE(u.email_verified, false) AS email_verified, m.tenant_ids, m.tenant_names, m.roles FROM refresh_tokens t INNER JOIN sessions s ON s.id = t.session_id LEFT JOIN users u ON u.id = s.user_id CROSS JOIN LATERAL (SELECT COALESCE(array_agg(ms.tenant_id ORDER BY ms.created_at, ms.tenant_id), '{}') AS tenant_ids, COALESCE(array_agg(tn.name ORDER BY ms.created_at, ms.tenant_id), '{}') AS tenant_names, COALESCE(json_agg(ms.roles ORDER BY ms.created_at, ms.tenant_id), '[]') AS roles FROM memberships ms INNER JOIN tenants tn ON tn.id = ms.tenant_id WHERE ms.user_id = s.user_id) m WHERE t.hash = sha256(convert_to('pgbench-' || :client_id || '-' || :n, 'UTF8')) FOR UPDATE OF t, s \gset
WITH consumed AS (UPDATE refresh_tokens SET consumed_at = now(), sealed_successor = sha256(convert_to('sealed-' || :n, 'UTF8')) WHERE hash = sha256(convert_to('pgbench-' || :client_id || '-' || :n, 'UTF8'))), moved AS (UPDATE sessions SET tenant_id = :tenant_id WHERE id = :session_id AND false) INSERT INTO refresh_tokens (hash, session_id, parent_hash, issued_at, expires_at) VALUES (sha256(convert_to('pgbench-' || :client_id || '-' || :next, 'UTF8')), :session_id, sha256(convert_to('pgbench-' || :client_id || '-' || :n, 'UTF8')), now(), now() + interval '30 days');
END;
\set n :next
";

/// What the database alone spends per refresh-shaped transaction.
#[derive(Debug, Clone, Copy)]
pub struct TransactionCost {
    pub per_second: f64,
    pub cpu: Duration,
    pub transactions: u64,
}

/// Where to find `pgbench`: on `PATH`, else in `pg_config --bindir`.
pub fn locate() -> Option<PathBuf> {
    let on_path = Command::new("pgbench")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if on_path {
        return Some(PathBuf::from("pgbench"));
    }
    let output = Command::new("pg_config").arg("--bindir").output().ok()?;
    let bindir = String::from_utf8(output.stdout).ok()?;
    let candidate = Path::new(bindir.trim()).join("pgbench");
    candidate.is_file().then_some(candidate)
}

/// Seeds one chain per client on existing sessions of `database` (which the server's
/// flows filled), then runs the script and measures a window inside the run, so that
/// connecting and disconnecting are not counted.
pub async fn refresh_transactions(
    pgbench: &Path,
    admin: &Admin,
    database: &BenchDatabase,
    clients: u32,
    window: Duration,
    work_dir: &Path,
) -> anyhow::Result<TransactionCost> {
    seed_chains(admin, database, clients).await?;
    let script = work_dir.join("refresh.pgbench");
    std::fs::write(&script, REFRESH_SCRIPT)?;
    let log_prefix = work_dir.join("pgbench-log");
    remove_logs(work_dir)?;

    let run_for = window + Duration::from_secs(3);
    let child = Command::new(pgbench)
        .args(["-n", "-M", "prepared", "-j", "1", "-D", "n=0", "--log"])
        .arg(format!("--log-prefix={}", log_prefix.display()))
        .arg(format!("--client={clients}"))
        .arg(format!("--time={}", run_for.as_secs()))
        .arg(format!("--file={}", script.display()))
        .arg(&database.url)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting pgbench")?;

    tokio::time::sleep(Duration::from_secs(1)).await;
    let pids = admin.backend_pids(&database.name, Some("pgbench")).await?;
    let (from, before) = (unix_now(), CpuSnapshot::take(&pids));
    tokio::time::sleep(window).await;
    let (to, after) = (unix_now(), CpuSnapshot::take(&pids));

    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "pgbench failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let transactions = count_logged_between(work_dir, from, to)?;
    if transactions == 0 {
        bail!("pgbench logged no transaction in its measuring window");
    }
    let cpu = before.used_until(&after);
    Ok(TransactionCost {
        per_second: transactions as f64 / (to - from).as_secs_f64(),
        cpu: cpu / u32::try_from(transactions)?,
        transactions,
    })
}

async fn seed_chains(admin: &Admin, database: &BenchDatabase, clients: u32) -> anyhow::Result<()> {
    let seed = format!(
        "INSERT INTO refresh_tokens (hash, session_id, issued_at, expires_at) \
         SELECT sha256(convert_to('pgbench-' || (ordinal - 1) || '-0', 'UTF8')), id, now(), \
                now() + interval '30 days' \
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS ordinal FROM sessions) AS s \
         WHERE ordinal <= {clients};"
    );
    admin.execute_in(database, &seed).await
}

fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

fn remove_logs(work_dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(work_dir)? {
        let path = entry?.path();
        if is_log(&path) {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}

fn is_log(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("pgbench-log"))
}

/// Transactions whose completion time (`time_epoch time_us`, the fifth and sixth fields of
/// pgbench's per-transaction log) falls inside `[from, to)`.
fn count_logged_between(work_dir: &Path, from: Duration, to: Duration) -> anyhow::Result<u64> {
    let mut count = 0;
    for entry in std::fs::read_dir(work_dir)? {
        let path = entry?.path();
        if !is_log(&path) {
            continue;
        }
        for line in std::fs::read_to_string(&path)?.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(seconds), Some(micros)) = (fields.get(4), fields.get(5)) else {
                continue;
            };
            let (Ok(seconds), Ok(micros)) = (seconds.parse::<u64>(), micros.parse::<u64>()) else {
                continue;
            };
            let done = Duration::from_secs(seconds) + Duration::from_micros(micros);
            if from <= done && done < to {
                count += 1;
            }
        }
    }
    Ok(count)
}
