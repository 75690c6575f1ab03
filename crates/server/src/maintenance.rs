//! Background upkeep of the database: pruning rows that can no longer be used, so that
//! refresh tokens, sessions and login-throttle records do not accumulate forever.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use latchkey_application::ports::{Clock, PruneBatch, PrunedRows, StoreError, StorePruner};

use crate::Settings;

/// Rows are judged dead this long after this node's clock says they died, so that a node
/// whose clock runs ahead never deletes what another node still accepts.
const CLOCK_SKEW_MARGIN: TimeDelta = TimeDelta::minutes(1);

/// Batches one pass may run, so that a pass ends even if rows die faster than it deletes.
const MAX_BATCHES_PER_PASS: usize = 1000;

/// Prunes at start-up and then every `maintenance.prune_interval_secs` (never when 0).
/// Every node runs it; the store lets passes on several nodes overlap safely. A failed pass
/// is logged and retried at the next tick: it never stops the server.
pub(crate) fn spawn_pruner(
    settings: &Settings,
    pruner: Arc<dyn StorePruner>,
    clock: Arc<dyn Clock>,
) {
    let maintenance = &settings.maintenance;
    if maintenance.prune_interval_secs == 0 {
        tracing::info!("pruning is off (maintenance.prune_interval_secs = 0)");
        return;
    }
    let interval = Duration::from_secs(maintenance.prune_interval_secs);
    let limit = maintenance.prune_batch_size.get();
    let throttle_idle_for = Duration::from_secs(settings.lockout.duration_secs);

    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // The first tick is immediate: nodes restarted more often than the interval
            // would otherwise never prune.
            ticks.tick().await;
            let batch = PruneBatch {
                now: clock.now() - CLOCK_SKEW_MARGIN,
                throttle_idle_for,
                limit,
            };
            let (pruned, outcome) = prune(pruner.as_ref(), batch).await;
            record(&pruned);
            let (tokens, sessions, throttle) = (
                pruned.refresh_tokens,
                pruned.sessions,
                pruned.login_throttle,
            );
            match outcome {
                Ok(()) => tracing::info!(
                    pruned.refresh_tokens = tokens,
                    pruned.sessions = sessions,
                    pruned.login_throttle = throttle,
                    "pruned unusable rows"
                ),
                Err(error) => tracing::warn!(
                    error.cause = %error,
                    pruned.refresh_tokens = tokens,
                    pruned.sessions = sessions,
                    pruned.login_throttle = throttle,
                    "pruning failed; retrying at the next interval"
                ),
            }
        }
    });
}

/// One pass: batches until none comes back full. Returns what the committed batches
/// deleted, also when a later one failed.
async fn prune(
    pruner: &dyn StorePruner,
    batch: PruneBatch,
) -> (PrunedRows, Result<(), StoreError>) {
    let mut total = PrunedRows::default();
    for _ in 0..MAX_BATCHES_PER_PASS {
        let pruned = match pruner.prune_batch(batch).await {
            Ok(pruned) => pruned,
            Err(error) => return (total, Err(error)),
        };
        total.add(pruned);
        if !pruned.has_full_batch(batch.limit) {
            break;
        }
        // Lets other tasks of this runtime run between batches.
        tokio::task::yield_now().await;
    }
    (total, Ok(()))
}

fn record(pruned: &PrunedRows) {
    for (kind, rows) in [
        ("refresh_tokens", pruned.refresh_tokens),
        ("sessions", pruned.sessions),
        ("login_throttle", pruned.login_throttle),
    ] {
        metrics::counter!("latchkey_pruned_rows_total", "kind" => kind).increment(rows);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use chrono::Utc;

    use super::*;

    /// Answers with the queued results, then with empty batches.
    struct ScriptedPruner(Mutex<Vec<Result<PrunedRows, StoreError>>>);

    #[async_trait]
    impl StorePruner for ScriptedPruner {
        async fn prune_batch(&self, _: PruneBatch) -> Result<PrunedRows, StoreError> {
            let mut script = self
                .0
                .lock()
                .map_err(|_| StoreError::Unexpected("poisoned".into()))?;
            if script.is_empty() {
                return Ok(PrunedRows::default());
            }
            script.remove(0)
        }
    }

    fn rows(refresh_tokens: u64, sessions: u64, login_throttle: u64) -> PrunedRows {
        PrunedRows {
            refresh_tokens,
            sessions,
            login_throttle,
        }
    }

    fn batch() -> PruneBatch {
        PruneBatch {
            now: Utc::now(),
            throttle_idle_for: Duration::from_secs(900),
            limit: 10,
        }
    }

    #[tokio::test]
    async fn a_pass_repeats_batches_until_one_comes_back_short() {
        let pruner = ScriptedPruner(Mutex::new(vec![
            Ok(rows(10, 3, 0)),
            Ok(rows(2, 10, 0)),
            Ok(rows(0, 4, 1)),
            Ok(rows(10, 10, 10)),
        ]));

        let (pruned, outcome) = prune(&pruner, batch()).await;

        assert!(outcome.is_ok());
        assert_eq!(pruned, rows(12, 17, 1), "the fourth batch must not run");
    }

    #[tokio::test]
    async fn a_failed_batch_keeps_the_counts_of_those_before_it() {
        let pruner = ScriptedPruner(Mutex::new(vec![
            Ok(rows(10, 0, 0)),
            Err(StoreError::Unavailable("down".into())),
        ]));

        let (pruned, outcome) = prune(&pruner, batch()).await;

        assert!(matches!(outcome, Err(StoreError::Unavailable(_))));
        assert_eq!(pruned, rows(10, 0, 0));
    }
}
