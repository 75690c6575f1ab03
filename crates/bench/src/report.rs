//! The run's figures as Markdown tables, with the ratios DESIGN section 8 sets targets on.

use std::fmt::Write as _;
use std::time::Duration;

use crate::bounds::HashTime;
use crate::run::{Figures, Plan};

fn ms(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

pub fn render(plan: &Plan, figures: &Figures) -> String {
    let mut out = String::new();
    let mode = if plan.smoke { "smoke" } else { "full" };
    let _ = writeln!(
        out,
        "## Latchkey benchmark ({mode} run: {} s per flow, {} s per bound)\n",
        plan.flow.duration.as_secs_f64(),
        plan.bound.duration.as_secs_f64()
    );
    flows_table(&mut out, figures);
    bounds_table(&mut out, figures);
    ratios_table(&mut out, figures);
    out
}

fn flows_table(out: &mut String, figures: &Figures) {
    let _ = writeln!(
        out,
        "| flow | requests | errors | req/s | p50 ms | p95 ms | p99 ms | \
         CPU/req ms (server + PG) | client CPU/req ms |\n|---|---|---|---|---|---|---|---|---|"
    );
    for flow in &figures.flows {
        let outcome = &flow.outcome;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} |",
            flow.name,
            outcome.succeeded,
            outcome.failed,
            outcome.per_second(),
            ms(outcome.percentile(50.0)),
            ms(outcome.percentile(95.0)),
            ms(outcome.percentile(99.0)),
            ms(flow.server_cpu_per_request()),
            ms(flow.client_cpu_per_request()),
        );
    }
    let _ = writeln!(
        out,
        "\n`refresh at 80 %` sends {:.1} refreshes/s at a fixed rate (80 % of the closed-loop \
         refresh throughput); its latencies count from when each request was due.\n",
        figures.paced_refresh_rate
    );
}

fn hash_row(name: &str, hash: &Result<HashTime, String>) -> String {
    match hash {
        Ok(hash) => format!(
            "| {name} | {} ms wall, {} ms CPU per hash ({} hashes) |",
            ms(hash.wall),
            ms(hash.cpu),
            hash.hashes
        ),
        Err(reason) => format!("| {name} | skipped: {reason} |"),
    }
}

fn bounds_table(out: &mut String, figures: &Figures) {
    let argon2 = figures.argon2;
    let _ = writeln!(out, "| limit | figure |\n|---|---|");
    let _ = writeln!(
        out,
        "| Argon2id m={} KiB t={} p={}, server's hasher on all {} cores | {:.1} hashes/s |",
        argon2.memory_kib,
        argon2.iterations,
        argon2.parallelism,
        crate::bounds::cores(),
        figures.argon2_bound_per_second
    );
    let _ = writeln!(
        out,
        "{}",
        hash_row("one hash, Rust (`argon2` crate)", &Ok(figures.rust_hash))
    );
    let _ = writeln!(
        out,
        "{}",
        hash_row("one hash, C reference (argon2-cffi)", &figures.c_hash)
    );
    match &figures.pgbench {
        Ok(cost) => {
            let _ = writeln!(
                out,
                "| pgbench, refresh-shaped transaction | {:.1} tx/s, {} ms backend CPU per tx ({} tx) |",
                cost.per_second,
                ms(cost.cpu),
                cost.transactions
            );
        }
        Err(reason) => {
            let _ = writeln!(
                out,
                "| pgbench, refresh-shaped transaction | skipped: {reason} |"
            );
        }
    }
    let _ = writeln!(
        out,
        "| JWT signature, {:?} (aws-lc-rs) | {} ms CPU per signature ({} signatures) |",
        figures.algorithm,
        ms(figures.signature.cpu),
        figures.signature.signatures
    );
    let _ = writeln!(
        out,
        "| start to ready (migrations applied) | {} ms |\n\
         | RSS idle after start | {} MiB |\n| RSS idle after load | {} MiB |\n",
        ms(figures.start_to_ready),
        mib(figures.rss_after_start_kib),
        mib(figures.rss_after_load_kib)
    );
}

fn ratios_table(out: &mut String, figures: &Figures) {
    let _ = writeln!(
        out,
        "| ratio (DESIGN 8) | value | target | |\n|---|---|---|---|"
    );
    let bound = figures.argon2_bound_per_second;
    let per_second = |name| {
        figures
            .flow(name)
            .map_or(0.0, |flow| flow.outcome.per_second())
    };
    let row = |out: &mut String, name: &str, value: String, target: &str, met: Option<bool>| {
        let met = met.map_or("not measured", verdict);
        let _ = writeln!(out, "| {name} | {value} | {target} | {met} |");
    };

    let login = per_second("login") / bound;
    row(
        out,
        "login/s ÷ Argon2 bound",
        format!("{login:.3}"),
        "≥ 0.90",
        Some(login >= 0.9),
    );

    let hash_ratio = figures
        .c_hash
        .as_ref()
        .ok()
        .map(|c| figures.rust_hash.cpu.as_secs_f64() / c.cpu.as_secs_f64());
    let value = hash_ratio.map_or("—".into(), |ratio| format!("{ratio:.3}"));
    row(
        out,
        "Rust hash CPU ÷ C hash CPU",
        value,
        "≤ 1.00",
        hash_ratio.map(|r| r <= 1.0),
    );

    let parts = figures
        .pgbench
        .as_ref()
        .ok()
        .map(|pg| pg.cpu + figures.signature.cpu);
    let refresh = figures
        .flow("refresh")
        .map(|flow| flow.server_cpu_per_request());
    let refresh_ratio = parts
        .zip(refresh)
        .map(|(parts, refresh)| refresh.as_secs_f64() / parts.as_secs_f64());
    let value = refresh_ratio.map_or("—".into(), |ratio| format!("{ratio:.3}"));
    row(
        out,
        "CPU per refresh ÷ (pgbench tx CPU + signature CPU)",
        value,
        "≤ 1.30",
        refresh_ratio.map(|r| r <= 1.3),
    );

    let sign_up = per_second("sign-up") / bound;
    row(
        out,
        "sign-up/s ÷ Argon2 bound",
        format!("{sign_up:.3}"),
        "≥ 0.85",
        Some(sign_up >= 0.85),
    );

    let p99 = figures
        .flow("refresh at 80 %")
        .map(|flow| flow.outcome.percentile(99.0));
    let value = p99.map_or("—".into(), |p99| format!("{} ms", ms(p99)));
    row(
        out,
        "refresh p99 at 80 % of max",
        value,
        "< 25 ms",
        p99.map(|p| p < Duration::from_millis(25)),
    );

    let rss = figures.rss_after_start_kib.max(figures.rss_after_load_kib);
    row(
        out,
        "idle RSS (larger of the two)",
        format!("{} MiB", mib(rss)),
        "< 30 MB",
        Some(rss * 1024 < 30_000_000),
    );
    let ready = figures.start_to_ready;
    row(
        out,
        "start to ready",
        format!("{} ms", ms(ready)),
        "< 1 s",
        Some(ready < Duration::from_secs(1)),
    );
}
