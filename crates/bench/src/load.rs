//! Driving a flow: closed loops of concurrent workers, or a fixed arrival rate.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;

/// How long a phase may run, and how many requests it may send at most.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub duration: Duration,
    pub max_requests: u64,
}

/// What one phase measured on the client side.
#[derive(Debug, Default)]
pub struct Outcome {
    pub succeeded: u64,
    pub failed: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// Sorted, of the successful requests only.
    pub latencies: Vec<Duration>,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        self.succeeded as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p`-th percentile (0–100) of the latencies, nearest rank.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = (p / 100.0 * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    fn record(&mut self, latency: Duration, result: anyhow::Result<()>) {
        match result {
            Ok(()) => {
                self.succeeded += 1;
                self.latencies.push(latency);
            }
            Err(error) => {
                self.failed += 1;
                self.first_error.get_or_insert_with(|| format!("{error:#}"));
            }
        }
    }

    fn merge(&mut self, other: Outcome) {
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.latencies.extend(other.latencies);
    }
}

/// One request of a flow: takes the worker's state (a refresh chain's current token, ...)
/// and gives back the state for its next request.
pub trait Step<S>: Fn(S) -> Self::Future + Send + Sync + 'static {
    type Future: Future<Output = (S, anyhow::Result<()>)> + Send + 'static;
}

impl<S, F, Fut> Step<S> for F
where
    F: Fn(S) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = (S, anyhow::Result<()>)> + Send + 'static,
{
    type Future = Fut;
}

/// One worker per state, each sending its next request as soon as the last one answered,
/// until the time or the request budget runs out.
pub async fn closed_loop<S, F>(states: Vec<S>, limits: Limits, step: F) -> Outcome
where
    S: Send + 'static,
    F: Step<S>,
{
    let step = Arc::new(step);
    let sent = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + limits.duration;
    let mut workers = JoinSet::new();
    for mut state in states {
        let step = Arc::clone(&step);
        let sent = Arc::clone(&sent);
        workers.spawn(async move {
            let mut outcome = Outcome::default();
            while Instant::now() < deadline
                && sent.fetch_add(1, Ordering::Relaxed) < limits.max_requests
            {
                let asked = Instant::now();
                let (next, result) = step(state).await;
                state = next;
                outcome.record(asked.elapsed(), result);
            }
            outcome
        });
    }
    finish(workers, started).await
}

/// Requests at a fixed rate whatever the answers' pace (an open loop), each on an idle
/// state; latency counts from the moment a request was due, so a stalled server cannot
/// hide its queue (coordinated omission).
pub async fn fixed_rate<S, F>(states: Vec<S>, per_second: f64, limits: Limits, step: F) -> Outcome
where
    S: Send + 'static,
    F: Step<S>,
{
    let step = Arc::new(step);
    let (idle_tx, idle_rx) = mpsc::unbounded_channel();
    for state in states {
        let _ = idle_tx.send(state);
    }
    let idle_rx = Arc::new(Mutex::new(idle_rx));
    let interval = Duration::from_secs_f64(1.0 / per_second.max(1.0));
    let started = Instant::now();
    let mut requests = JoinSet::new();
    let mut due = started;
    let mut sent = 0;
    while due < started + limits.duration && sent < limits.max_requests {
        tokio::time::sleep_until(due.into()).await;
        let (step, idle_tx, idle_rx) = (Arc::clone(&step), idle_tx.clone(), Arc::clone(&idle_rx));
        requests.spawn(async move {
            let mut outcome = Outcome::default();
            let state = idle_rx.lock().await.recv().await;
            if let Some(state) = state {
                let (next, result) = step(state).await;
                let _ = idle_tx.send(next);
                outcome.record(due.elapsed(), result);
            }
            outcome
        });
        sent += 1;
        due += interval;
    }
    finish(requests, started).await
}

async fn finish(mut tasks: JoinSet<Outcome>, started: Instant) -> Outcome {
    let mut total = Outcome::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(outcome) => total.merge(outcome),
            Err(error) => total.record(Duration::ZERO, Err(error.into())),
        }
    }
    total.elapsed = started.elapsed();
    total.latencies.sort_unstable();
    total
}
