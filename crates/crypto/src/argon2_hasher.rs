use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, ParamsString, PasswordHash as PhcHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
    /// Hashes running now.
    busy: Arc<AtomicUsize>,
    pool: HashingPoolSettings,
}

/// How long hashing must have stopped before its memory goes back to the system.
const RELEASE_MEMORY_AFTER: Duration = Duration::from_secs(1);

struct Hasher {
    argon2: Argon2<'static>,
    params: Params,
    memory: Arc<MemoryPool>,
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
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut random_password = [0u8; 32];
        SystemRandom::new()
            .fill(&mut random_password)
            .map_err(|_| CryptoError::InvalidKey("random source failed"))?;
        let memory = Arc::new(MemoryPool::default());
        let dummy = hash_with(&argon2, &params, &memory, &random_password)
            .map_err(|error| CryptoError::InvalidHashParameters(error.to_string()))?;
        memory.lock().clear();
        Ok(Self {
            inner: Arc::new(Hasher {
                argon2,
                params,
                memory,
                settings,
                dummy,
            }),
            workers: Arc::new(Semaphore::new(pool.workers.max(1))),
            waiting: Arc::new(AtomicUsize::new(0)),
            busy: Arc::new(AtomicUsize::new(0)),
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
        let _running = Running::start(self);
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

/// Counts a hash as running until dropped, also when the request awaiting it goes away.
/// The last one out schedules the release of the hashing memory: under load the next hash
/// reuses it; once hashing stops, it goes back to the system so an idle server stays small.
struct Running<'a> {
    hasher: &'a Argon2PasswordHasher,
}

impl<'a> Running<'a> {
    fn start(hasher: &'a Argon2PasswordHasher) -> Self {
        hasher.busy.fetch_add(1, Ordering::SeqCst);
        hasher.inner.memory.mark_busy();
        Self { hasher }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let still_busy = self.hasher.busy.fetch_sub(1, Ordering::SeqCst) - 1;
        if still_busy == 0 && self.hasher.waiting.load(Ordering::SeqCst) == 0 {
            Arc::clone(&self.hasher.inner.memory).release_later(RELEASE_MEMORY_AFTER);
        }
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

fn hash_with(
    argon2: &Argon2<'_>,
    params: &Params,
    memory: &MemoryPool,
    password: &[u8],
) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| argon2::password_hash::Error::Crypto)?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    memory.fill(argon2, params, password, &salt, &mut output)?;

    let salt = SaltString::encode_b64(&salt)?;
    let phc = PhcHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` hashes to `phc` with the algorithm and costs `phc` names. The output
/// comparison is constant-time (`Output`'s equality).
fn verifies(
    phc: &PhcHash<'_>,
    memory: &MemoryPool,
    password: &[u8],
) -> Result<bool, argon2::password_hash::Error> {
    let algorithm = Algorithm::try_from(phc.algorithm)?;
    let version = phc.version.map(Version::try_from).transpose()?;
    let params = Params::try_from(phc)?;
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return Err(argon2::password_hash::Error::PhcStringField);
    };
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes)?;

    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params.clone());
    let mut output = vec![0u8; expected.len()];
    memory.fill(&argon2, &params, password, salt, &mut output)?;
    Ok(Output::new(&output)? == expected)
}

// glibc serves a freed block of up to 32 MiB from its heaps afterwards and keeps it there,
// so 19 MiB buffers freed by several threads would stay resident for good. A capacity above
// that size is always its own mapping, returned to the system when dropped; the pages past
// what Argon2 uses are never touched, so they cost address space, not memory.
const ALWAYS_MAPPED_BLOCKS: usize = 32 * 1024 + 1;

/// Argon2's working memory, reused from one hash to the next while hashing goes on (a fresh
/// 19 MiB costs thousands of page faults per hash) and given back once it stops.
#[derive(Default)]
struct MemoryPool {
    buffers: Mutex<Vec<Vec<Block>>>,
    /// Bumped whenever hashing goes idle; a pending release only runs if it is still current.
    idle_since: AtomicU64,
}

impl MemoryPool {
    /// Argon2 into `output`, in a pooled buffer (grown when `params` need more). No zeroing
    /// is needed between hashes: Argon2 writes every block before reading it.
    fn fill(
        &self,
        argon2: &Argon2<'_>,
        params: &Params,
        password: &[u8],
        salt: &[u8],
        output: &mut [u8],
    ) -> Result<(), argon2::Error> {
        let blocks = params.block_count();
        let mut memory = self.lock().pop().unwrap_or_default();
        if memory.len() < blocks {
            memory = Vec::with_capacity(blocks.max(ALWAYS_MAPPED_BLOCKS));
            memory.resize(blocks, Block::default());
        }
        let result =
            argon2.hash_password_into_with_memory(password, salt, output, &mut memory[..blocks]);
        self.lock().push(memory);
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
        self.buffers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Frees every buffer after `delay`, unless hashing resumed (and went idle again) since.
    fn release_later(self: Arc<Self>, delay: Duration) {
        let generation = self.idle_since.fetch_add(1, Ordering::SeqCst) + 1;
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.lock().clear();
            return;
        };
        runtime.spawn(async move {
            tokio::time::sleep(delay).await;
            if self.idle_since.load(Ordering::SeqCst) == generation {
                self.lock().clear();
            }
        });
    }

    fn mark_busy(&self) {
        self.idle_since.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl PasswordHasher for Argon2PasswordHasher {
    async fn hash(&self, password: Password) -> Result<PasswordHash, HashError> {
        let phc = self
            .run(move |hasher| {
                let password = password.expose().as_bytes();
                hash_with(&hasher.argon2, &hasher.params, &hasher.memory, password)
            })
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
            let matches = verifies(&parsed, &hasher.memory, secret).unwrap_or(false);
            if !(matches && is_real) {
                return Verification::Mismatch;
            }
            let rehashed = if hasher.is_current(&parsed) {
                None
            } else {
                hash_with(&hasher.argon2, &hasher.params, &hasher.memory, secret)
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
