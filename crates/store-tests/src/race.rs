//! Concurrent requests, as a check makes them.

use std::sync::Arc;

use tokio::sync::Barrier;

use crate::TestResult;

/// Runs `racers` tasks made by `racer` (given its index) on the runtime at once: each
/// waits until all are spawned, so that they reach the store together, as concurrent
/// requests do, rather than one after another as they happen to be scheduled. Returns
/// their results in racer order.
pub async fn race<T, F>(racers: usize, mut racer: impl FnMut(usize) -> F) -> TestResult<Vec<T>>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let start = Arc::new(Barrier::new(racers));
    let tasks: Vec<_> = (0..racers)
        .map(|index| {
            let (start, run) = (Arc::clone(&start), racer(index));
            tokio::spawn(async move {
                start.wait().await;
                run.await
            })
        })
        .collect();

    let mut results = Vec::with_capacity(racers);
    for task in tasks {
        results.push(task.await?);
    }
    Ok(results)
}
