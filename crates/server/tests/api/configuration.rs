use std::process::Command;

use crate::helpers::TestResult;

/// Runs the real binary with `env` and returns its exit status and everything it printed.
fn run_latchkey(args: &[&str], env: &[(&str, &str)]) -> Result<(bool, String), std::io::Error> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env("LATCHKEY__SERVER__PORT", "0");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output()?;
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((output.status.success(), printed))
}

#[test]
fn a_bad_configuration_stops_start_up_naming_the_key() -> TestResult {
    let database = [(
        "DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )];
    let cases: [(&str, &str, &str); 6] = [
        ("LATCHKEY__SERVER__PORT", "not-a-port", "server.port"),
        (
            "LATCHKEY__COOKIE__SAME_SITE",
            "Sideways",
            "cookie.same_site",
        ),
        (
            "LATCHKEY__TOKENS__ACCESS_TTL_SECS",
            "0",
            "tokens.access_ttl_secs",
        ),
        (
            "LATCHKEY__TOKENS__REFRESH_GRACE_SECS",
            "-1",
            "refresh_grace_secs",
        ),
        ("LATCHKEY__COOKIE__SECURE", "maybe", "cookie.secure"),
        ("LATCHKEY__SERVER__NO_SUCH_KEY", "1", "no_such_key"),
    ];
    for (key, value, named) in cases {
        let (succeeded, printed) = run_latchkey(&["serve"], &[database[0], (key, value)])?;
        assert!(!succeeded, "{key}={value} must stop start-up");
        assert!(
            printed.contains(named),
            "{key}={value}: {printed:?} should name {named}"
        );
    }
    Ok(())
}

#[test]
fn without_a_database_url_start_up_says_what_is_missing() -> TestResult {
    let (succeeded, printed) = run_latchkey(&["migrate"], &[])?;

    assert!(!succeeded);
    assert!(printed.contains("DATABASE_URL"), "{printed:?}");
    Ok(())
}

#[test]
fn migrate_applies_the_migrations_and_exits() -> TestResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let database = runtime.block_on(crate::helpers::TestDatabase::create())?;

    let (succeeded, printed) = run_latchkey(&["migrate"], &[("DATABASE_URL", &database.url)])?;

    assert!(succeeded, "{printed}");
    let tables =
        runtime.block_on(database.count("information_schema.tables WHERE table_name = 'users'"))?;
    assert_eq!(tables, 1);
    Ok(())
}
