//! The driver's smoke mode runs end to end against the debug build and reports every
//! figure. No timing is asserted: benchmarks are not tests.

use std::process::Command;

#[test]
fn a_smoke_run_reports_every_figure() -> Result<(), Box<dyn std::error::Error>> {
    let output = Command::new(env!("CARGO_BIN_EXE_latchkey-bench"))
        .arg("--smoke")
        .output()?;
    let report = String::from_utf8(output.stdout)?;
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the smoke run failed: {errors}\n{report}"
    );

    let figures = [
        "| sign-up |",
        "| login |",
        "| refresh |",
        "| refresh at 80 % |",
        "| mix |",
        "hashes/s",
        "one hash, Rust",
        "one hash, C reference",
        "pgbench, refresh-shaped transaction",
        "per signature",
        "start to ready",
        "RSS idle after start",
        "RSS idle after load",
        "login/s ÷ Argon2 bound",
        "Rust hash CPU ÷ C hash CPU",
        "CPU per refresh ÷ (pgbench tx CPU + signature CPU)",
        "sign-up/s ÷ Argon2 bound",
        "refresh p99 at 80 % of max",
    ];
    for figure in figures {
        assert!(
            report.contains(figure),
            "no `{figure}` in the report:\n{report}"
        );
    }
    Ok(())
}
