//! The physical limits the flows are compared with: Argon2 alone (the server's hasher, and
//! the C reference implementation) and JWT signing alone.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use latchkey_application::AccessClaims;
use latchkey_application::ports::{PasswordHasher, StoredSigningKey, TokenIssuer};
use latchkey_crypto::{
    Argon2PasswordHasher, Argon2Settings, HashingPoolSettings, JwtIssuer, SigningAlgorithm,
    generate_signing_key,
};
use latchkey_domain::{Password, PasswordPolicy};
use secrecy::SecretString;
use serde_json::json;

use crate::client::PASSWORD;
use crate::load::{Limits, closed_loop};
use crate::procfs;

/// The argon2-cffi release the C figures come from (it bundles the reference C code).
const ARGON2_CFFI: &str = "argon2-cffi==25.1.0";

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn password() -> anyhow::Result<Password> {
    PasswordPolicy::default()
        .parse_presented(&SecretString::from(PASSWORD.to_owned()))
        .map_err(|_| anyhow::anyhow!("the benchmark password is refused"))
}

fn hasher(settings: Argon2Settings, workers: usize) -> anyhow::Result<Arc<Argon2PasswordHasher>> {
    let pool = HashingPoolSettings {
        workers,
        max_queue: 1024,
        queue_timeout: Duration::from_secs(60),
    };
    Ok(Arc::new(Argon2PasswordHasher::new(settings, pool)?))
}

/// Hashes per second with the server's hasher hashing on every core at once.
pub async fn argon2_all_cores(settings: Argon2Settings, limits: Limits) -> anyhow::Result<f64> {
    let hasher = hasher(settings, cores())?;
    password()?;
    let states = vec![(); cores() * 2];
    let outcome = closed_loop(states, limits, move |()| {
        let hasher = Arc::clone(&hasher);
        async move {
            let result = match password() {
                Ok(password) => hasher.hash(password).await.map(drop).map_err(Into::into),
                Err(error) => Err(error),
            };
            ((), result)
        }
    })
    .await;
    if let Some(error) = outcome.first_error {
        bail!("hashing failed: {error}");
    }
    Ok(outcome.per_second())
}

/// Time per hash, one hash at a time.
#[derive(Debug, Clone, Copy)]
pub struct HashTime {
    pub wall: Duration,
    pub cpu: Duration,
    pub hashes: u32,
}

/// One hash at a time through the server's hasher; CPU is this whole process's.
pub async fn argon2_one_at_a_time(
    settings: Argon2Settings,
    limits: Limits,
) -> anyhow::Result<HashTime> {
    let hasher = hasher(settings, 1)?;
    let own_pid = std::process::id();
    let cpu_before = procfs::cpu_time(own_pid).context("reading own CPU time")?;
    let started = Instant::now();
    let mut hashes = 0;
    while started.elapsed() < limits.duration && u64::from(hashes) < limits.max_requests {
        hasher.hash(password()?).await?;
        hashes += 1;
    }
    let wall = started.elapsed();
    let cpu = procfs::cpu_time(own_pid).context("reading own CPU time")? - cpu_before;
    Ok(HashTime {
        wall: wall / hashes.max(1),
        cpu: cpu / hashes.max(1),
        hashes,
    })
}

/// Why the C reference could not be measured, when it could not.
pub type Skipped = String;

/// The same hash through argon2-cffi (the reference C implementation), in a virtual
/// environment under `work_dir`. With `may_install` false, an environment that does not
/// exist yet is skipped instead of created (no network in a smoke run).
pub fn argon2_reference(
    settings: Argon2Settings,
    limits: Limits,
    work_dir: &Path,
    may_install: bool,
) -> anyhow::Result<Result<HashTime, Skipped>> {
    let venv = work_dir.join("venv");
    let python = venv.join("bin").join("python");
    let marker = venv.join(format!("{ARGON2_CFFI}.installed"));
    if !marker.is_file() {
        if !may_install {
            return Ok(Err(format!(
                "{ARGON2_CFFI} is not installed in {} and a smoke run does not install it",
                venv.display()
            )));
        }
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(&python).args(["-m", "pip", "install", "--quiet", ARGON2_CFFI]))?;
        std::fs::write(&marker, "")?;
    }

    let output = Command::new(&python)
        .arg("-c")
        .arg(REFERENCE_SCRIPT)
        .args([
            settings.memory_kib.to_string(),
            settings.iterations.to_string(),
            settings.parallelism.to_string(),
            limits.duration.as_secs_f64().to_string(),
            limits.max_requests.to_string(),
        ])
        .output()?;
    if !output.status.success() {
        bail!("argon2-cffi: {}", String::from_utf8_lossy(&output.stderr));
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let seconds = |key: &str| report[key].as_f64().map(Duration::from_secs_f64);
    Ok(Ok(HashTime {
        wall: seconds("wall").context("no wall time from argon2-cffi")?,
        cpu: seconds("cpu").context("no CPU time from argon2-cffi")?,
        hashes: report["hashes"].as_u64().unwrap_or(0).try_into()?,
    }))
}

// Same password, a 16-byte random salt and a 32-byte output, as the server's hasher.
const REFERENCE_SCRIPT: &str = r#"
import json, os, sys, time
from argon2.low_level import Type, hash_secret
m, t, p = (int(a) for a in sys.argv[1:4])
seconds, most = float(sys.argv[4]), int(sys.argv[5])
secret = b"latchkey bench: correct horse battery staple"
def once():
    hash_secret(secret, os.urandom(16), time_cost=t, memory_cost=m, parallelism=p,
                hash_len=32, type=Type.ID)
once()
hashes, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
while time.perf_counter() - wall0 < seconds and hashes < most:
    once()
    hashes += 1
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
print(json.dumps({"hashes": hashes, "wall": wall / max(hashes, 1), "cpu": cpu / max(hashes, 1)}))
"#;

fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command.output()?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// CPU per access-token signature, signing on one thread.
#[derive(Debug, Clone, Copy)]
pub struct SignatureCost {
    pub cpu: Duration,
    pub signatures: u64,
}

/// Signs access tokens like the server's (same claims, same algorithm, a fresh key) in a
/// loop on this thread.
pub fn jwt_signing(algorithm: SigningAlgorithm, limits: Limits) -> anyhow::Result<SignatureCost> {
    let key = generate_signing_key(algorithm, None, chrono::Utc::now())?;
    let stored = StoredSigningKey {
        kid: key.kid,
        algorithm: key.algorithm,
        private_key: key.private_key,
        is_encrypted: key.is_encrypted,
        public_jwk: key.public_jwk,
        created_at: key.created_at,
        retired_at: None,
        expires_at: None,
    };
    let issuer = JwtIssuer::from_stored(
        &[stored],
        None,
        "http://localhost:8080".into(),
        "latchkey".into(),
        Duration::from_secs(5),
    )?;
    let claims = access_claims();

    let cpu_before = procfs::this_thread_cpu_time().context("reading thread CPU time")?;
    let started = Instant::now();
    let mut signatures = 0;
    while started.elapsed() < limits.duration && signatures < limits.max_requests {
        issuer.sign_access_token(&claims)?;
        signatures += 1;
    }
    let cpu = procfs::this_thread_cpu_time().context("reading thread CPU time")? - cpu_before;
    Ok(SignatureCost {
        cpu: cpu / u32::try_from(signatures.max(1))?,
        signatures,
    })
}

fn access_claims() -> AccessClaims {
    let now = chrono::Utc::now().timestamp();
    let tenant = "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b".to_owned();
    AccessClaims {
        sub: "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6c".into(),
        email: Some("someone-0001@bench.example.com".into()),
        email_verified: false,
        name: None,
        metadata: json!({}),
        roles: vec!["Admin".into()],
        permissions: vec![],
        tenant_id: tenant.clone(),
        tenant_ids: vec![tenant],
        profile_picture_url: None,
        sid: "0193a5b2-7c4d-7e8f-9a0b-1c2d3e4f5a6d".into(),
        token_type: "userToken",
        aud: "latchkey".into(),
        iss: "http://localhost:8080".into(),
        iat: now,
        exp: now + 86_400,
    }
}
