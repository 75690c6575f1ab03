use async_trait::async_trait;

use super::StoreError;

/// Tells whether the store can serve requests right now, for `/health/ready`.
#[async_trait]
pub trait HealthProbe: Send + Sync {
    /// Succeeds when a round trip to the store succeeds within its configured timeout.
    async fn check(&self) -> Result<(), StoreError>;
}
