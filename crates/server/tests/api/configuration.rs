use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::binary::start_binary;
use crate::helpers::{PASSWORD, TestResult, sign_up_body};

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
    // Nothing listens on port 1: a bad value must be reported before any connection is
    // tried, or the message would be about the database instead of the key.
    let database = ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/postgres");
    let cases: [(&str, &str, &str); 18] = [
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
        ("LATCHKEY__LOG__FORMAT", "xml", "log.format"),
        ("LATCHKEY__SERVER__NO_SUCH_KEY", "1", "no_such_key"),
        ("LATCHKEY__SERVER__WORKERS", "0", "server.workers"),
        ("LATCHKEY__SERVER__HOST", "not a host!", "server.host"),
        (
            "LATCHKEY__SERVER__BODY_LIMIT_BYTES",
            "0",
            "server.body_limit_bytes",
        ),
        (
            "LATCHKEY__DATABASE__MAX_CONNECTIONS",
            "0",
            "database.max_connections",
        ),
        (
            "LATCHKEY__DATABASE__CONNECT_TIMEOUT_SECS",
            "0",
            "database.connect_timeout_secs",
        ),
        (
            "LATCHKEY__PASSWORDS__ARGON2_MEMORY_KIB",
            "4",
            "passwords.argon2_memory_kib",
        ),
        (
            "LATCHKEY__PASSWORDS__ARGON2_ITERATIONS",
            "0",
            "passwords.argon2_iterations",
        ),
        (
            "LATCHKEY__PASSWORDS__ARGON2_PARALLELISM",
            "0",
            "passwords.argon2_parallelism",
        ),
        (
            "LATCHKEY__PASSWORDS__ARGON2_PARALLELISM",
            "4294967295",
            "passwords.argon2_parallelism",
        ),
        (
            "LATCHKEY__TOKENS__LEEWAY_SECS",
            "86400",
            "tokens.leeway_secs",
        ),
        (
            "LATCHKEY__RATE_LIMIT__VENDOR_PER_MINUTE",
            "0",
            "rate_limit.vendor_per_minute",
        ),
    ];
    for (key, value, named) in cases {
        let (succeeded, printed) = run_latchkey(&["serve"], &[database, (key, value)])?;
        assert!(!succeeded, "{key}={value} must stop start-up");
        assert!(
            printed.contains(named),
            "{key}={value}: {printed:?} should name {named}"
        );
        assert!(
            !printed.contains("panicked"),
            "{key}={value} made start-up panic: {printed:?}"
        );
    }
    Ok(())
}

#[test]
fn a_database_url_of_another_kind_stops_start_up_naming_the_key() -> TestResult {
    let (succeeded, printed) = run_latchkey(&["migrate"], &[("DATABASE_URL", "mysql://db/x")])?;

    assert!(!succeeded);
    assert!(printed.contains("database.url"), "{printed:?}");
    assert!(
        !printed.contains("mysql://db/x"),
        "the URL is a secret: {printed:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_database_url_the_embedded_store_keeps_data_across_a_restart() -> TestResult {
    let directory = std::env::temp_dir().join(format!("latchkey-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir(&directory)?;
    let in_directory = |command: &mut Command| {
        command.current_dir(&directory);
    };
    let client = reqwest::Client::new();

    let mut first = start_binary(in_directory)?;
    let signed_up = client
        .post(first.url("/identity/resources/users/v1/signUp"))
        .json(&sign_up_body("ann@example.com"))
        .send()
        .await?;
    assert_eq!(signed_up.status(), StatusCode::CREATED);
    let log = first.log();
    assert!(first.terminate()?.success());
    assert!(first.wait()?.success(), "the server did not stop cleanly");

    let store = log.iter().find(|event| event["message"] == "storage ready");
    assert_eq!(
        store.map(|event| &event["store"]),
        Some(&json!("sqlite")),
        "{log:#?}"
    );
    let warned = log.iter().any(|event| {
        event["level"] == "WARN"
            && event["message"]
                .as_str()
                .is_some_and(|m| m.contains("node"))
    });
    assert!(warned, "no warning that SQLite suits one node: {log:#?}");
    assert!(directory.join("data/latchkey.db").is_file());

    let second = start_binary(in_directory)?;
    let login = json!({"email": "ann@example.com", "password": PASSWORD});
    let logged_in = client
        .post(second.url("/identity/resources/auth/v1/user"))
        .json(&login)
        .send()
        .await?;
    assert_eq!(
        logged_in.status(),
        StatusCode::OK,
        "the user did not survive the restart"
    );
    drop(second);
    std::fs::remove_dir_all(&directory)?;
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
