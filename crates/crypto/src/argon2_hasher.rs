use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash as PhcHash, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use async_trait::async_trait;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use latchkey_application::ports::{HashError, PasswordHasher, Verification};
use latchkey_domain::{Password, PasswordHash};
use tokio::sync::Semaphore;

use crate::CryptoError;

/// Argon2id cost parameters; the defaults are OWASP's minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// How much hashing may run and wait at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingPoolSettings {
    /// Hashes computed at the same time, each on a blocking thread.
    pub workers: usize,
    /// Requests allowed to wait for a worker; beyond this they are refused at once.
    pub max_queue: usize,
    /// How long a request may wait for a worker before it is refused.
    pub queue_timeout: Duration,
}

/// Argon2id on a bounded set of blocking threads, never on an async worker.
pub struct Argon2PasswordHasher {
    inner: Arc<Hasher>,
    workers: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    pool: HashingPoolSettings,
}

struct Hasher {
    argon2: Argon2<'static>,
    settings: Argon2Settings,
    /// Verified in place of a missing hash, so unknown users cost a full verification.
    dummy: String,
}

impl Argon2PasswordHasher {
    pub fn new(settings: Argon2Settings, pool: HashingPoolSettings) -> Result<Self, CryptoError> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|error| CryptoError::InvalidHashParameters(error.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut random_password = [0u8; 32];
        SystemRandom::new()
            .fill(&mut random_password)
            .map_err(|_| CryptoError::InvalidKey("random source failed"))?;
        let dummy = hash_with(&argon2, &random_password)
            .map_err(|error| CryptoError::InvalidHashParameters(error.to_string()))?;
        Ok(Self {
            inner: Arc::new(Hasher {
                argon2,
                settings,
                dummy,
            }),
            workers: Arc::new(Semaphore::new(pool.workers.max(1))),
            waiting: Arc::new(AtomicUsize::new(0)),
            pool,
        })
    }

    /// Runs `work` on a blocking thread once a worker slot is free, or refuses.
    async fn run<T, F>(&self, work: F) -> Result<T, HashError>
    where
        T: Send + 'static,
        F: FnOnce(&Hasher) -> T + Send + 'static,
    {
        let queued_at = Instant::now();
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
        let permit = if queued >= self.pool.max_queue {
            None
        } else {
            tokio::time::timeout(
                self.pool.queue_timeout,
                self.workers.clone().acquire_owned(),
            )
            .await
            .ok()
            .and_then(Result::ok)
        };
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        metrics::histogram!("latchkey_hash_queue_wait_seconds").record(queued_at.elapsed());
        let Some(permit) = permit else {
            metrics::counter!("latchkey_hash_rejections_total").increment(1);
            return Err(HashError::Overloaded);
        };

        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let started = Instant::now();
            let output = work(&inner);
            metrics::histogram!("latchkey_hash_duration_seconds").record(started.elapsed());
            output
        })
        .await
        .map_err(|_| HashError::Unexpected("hashing task panicked".into()))
    }
}

impl Hasher {
    /// Whether `hash` was made with the configured algorithm, version and costs.
    fn is_current(&self, hash: &PhcHash<'_>) -> bool {
        let Ok(params) = Params::try_from(hash) else {
            return false;
        };
        hash.algorithm == Algorithm::Argon2id.ident()
            && hash.version == Some(Version::V0x13.into())
            && params.m_cost() == self.settings.memory_kib
            && params.t_cost() == self.settings.iterations
            && params.p_cost() == self.settings.parallelism
    }
}

fn hash_with(argon2: &Argon2<'_>, password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| argon2::password_hash::Error::Crypto)?;
    let salt = SaltString::encode_b64(&salt)?;
    Ok(argon2.hash_password(password, &salt)?.to_string())
}

#[async_trait]
impl PasswordHasher for Argon2PasswordHasher {
    async fn hash(&self, password: Password) -> Result<PasswordHash, HashError> {
        let phc = self
            .run(move |hasher| hash_with(&hasher.argon2, password.expose().as_bytes()))
            .await?
            .map_err(|error| HashError::Unexpected(format!("argon2: {error}")))?;
        Ok(PasswordHash::from_phc(phc))
    }

    async fn verify(
        &self,
        password: Password,
        hash: Option<PasswordHash>,
    ) -> Result<Verification, HashError> {
        self.run(move |hasher| {
            let is_real = hash.is_some();
            let phc = hash
                .as_ref()
                .map_or(hasher.dummy.as_str(), PasswordHash::expose_phc);
            // An unparsable stored hash is treated like a wrong password (and logged), not
            // as a server error that would tell an attacker this account is special.
            let Ok(parsed) = PhcHash::new(phc) else {
                tracing::error!("a stored password hash is not a valid PHC string");
                return Verification::Mismatch;
            };
            let secret = password.expose().as_bytes();
            // The verification runs first and unconditionally: it is what makes a missing
            // hash cost as much as a wrong password.
            let matches = hasher.argon2.verify_password(secret, &parsed).is_ok();
            if !(matches && is_real) {
                return Verification::Mismatch;
            }
            let rehashed = if hasher.is_current(&parsed) {
                None
            } else {
                hash_with(&hasher.argon2, secret)
                    .ok()
                    .map(PasswordHash::from_phc)
            };
            Verification::Match { rehashed }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use latchkey_domain::PasswordPolicy;
    use secrecy::SecretString;

    use super::*;

    fn password(raw: &str) -> Password {
        let parsed = PasswordPolicy::default().parse_presented(&SecretString::from(raw.to_owned()));
        parsed.unwrap_or_else(|_| unreachable!("test passwords are valid"))
    }

    fn hasher(workers: usize, max_queue: usize) -> Result<Argon2PasswordHasher, CryptoError> {
        let pool = HashingPoolSettings {
            workers,
            max_queue,
            queue_timeout: Duration::from_secs(5),
        };
        Argon2PasswordHasher::new(Argon2Settings::default(), pool)
    }

    fn matches(verification: &Verification) -> bool {
        matches!(verification, Verification::Match { .. })
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() -> Result<(), Box<dyn std::error::Error>> {
        let hasher = hasher(2, 8)?;
        let hash = hasher.hash(password("correct horse")).await?;
        assert!(
            hash.expose_phc()
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
        );
        let verified = hasher
            .verify(password("correct horse"), Some(hash.clone()))
            .await?;
        assert!(matches!(verified, Verification::Match { rehashed: None }));
        assert!(!matches(
            &hasher.verify(password("wrong horse"), Some(hash)).await?
        ));
        assert!(!matches(
            &hasher.verify(password("correct horse"), None).await?
        ));
        Ok(())
    }

    #[tokio::test]
    async fn a_hash_with_outdated_parameters_is_rehashed_on_a_match()
    -> Result<(), Box<dyn std::error::Error>> {
        let pool = HashingPoolSettings {
            workers: 1,
            max_queue: 4,
            queue_timeout: Duration::from_secs(5),
        };
        let old = Argon2Settings {
            memory_kib: 8192,
            iterations: 1,
            parallelism: 1,
        };
        let old_hash = Argon2PasswordHasher::new(old, pool)?
            .hash(password("correct horse"))
            .await?;

        let verified = hasher(1, 4)?
            .verify(password("correct horse"), Some(old_hash))
            .await?;

        let Verification::Match {
            rehashed: Some(rehashed),
        } = verified
        else {
            return Err("expected a match with a fresh hash".into());
        };
        assert!(
            rehashed
                .expose_phc()
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_instead_of_growing() -> Result<(), Box<dyn std::error::Error>>
    {
        let hasher = Arc::new(hasher(1, 1)?);
        let attempts: Vec<_> = (0..6)
            .map(|_| {
                let hasher = Arc::clone(&hasher);
                tokio::spawn(async move { hasher.hash(password("correct horse")).await })
            })
            .collect();
        let mut refused = 0;
        for attempt in attempts {
            if matches!(attempt.await?, Err(HashError::Overloaded)) {
                refused += 1;
            }
        }
        assert!(
            refused >= 1,
            "with one worker and one queue slot, six hashes cannot all wait"
        );
        Ok(())
    }
}
