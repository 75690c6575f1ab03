//! `StorePruner`: deleting refresh tokens, sessions and login-throttle records that can no
//! longer be used.
//!
//! Each kind is one `DELETE` of its own (an implicit transaction), bounded by `LIMIT` in a
//! sub-select that locks the rows it picks with `FOR UPDATE SKIP LOCKED`: a row a request
//! holds (a rotation, a counted login attempt) is left for the next pass instead of being
//! waited for, and nodes pruning at once take disjoint rows.
//!
//! Limitation: no index covers `expires_at`, `revoked_at` or `updated_at`, so a pass that
//! finds fewer dead rows than its batch scans the whole table; an index would tax every
//! refresh and login for the sake of an hourly task.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use diesel::sql_types::{BigInt, Timestamptz};
use diesel_async::RunQueryDsl;
use latchkey_application::ports::{PruneBatch, PrunedRows, StoreError, StorePruner};

use crate::PgStore;
use crate::errors;

// Tokens that no rotation can accept: expired, or of a revoked or ended session.
const DEAD_REFRESH_TOKENS: &str = "\
    DELETE FROM refresh_tokens WHERE hash IN ( \
        SELECT t.hash FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id \
        WHERE t.expires_at < $1 \
           OR s.revoked_at IS NOT NULL \
           OR s.absolute_expires_at <= $1 \
        LIMIT $2 FOR UPDATE OF t SKIP LOCKED)";

// Sessions whose last token is gone; deleting one cascades to nothing.
const TOKENLESS_SESSIONS: &str = "\
    DELETE FROM sessions WHERE id IN ( \
        SELECT s.id FROM sessions s \
        WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id) \
        LIMIT $1 FOR UPDATE OF s SKIP LOCKED)";

// Unlocked records nobody has written to for a lock's duration.
const IDLE_THROTTLE_RECORDS: &str = "\
    DELETE FROM login_throttle WHERE identifier_key IN ( \
        SELECT identifier_key FROM login_throttle \
        WHERE (locked_until IS NULL OR locked_until <= $1) AND updated_at < $2 \
        LIMIT $3 FOR UPDATE SKIP LOCKED)";

#[async_trait]
impl StorePruner for PgStore {
    #[tracing::instrument(skip_all)]
    async fn prune_batch(&self, batch: PruneBatch) -> Result<PrunedRows, StoreError> {
        let mut connection = self.connection().await?;
        let limit = i64::from(batch.limit);
        let idle_since = idle_since(&batch);

        let refresh_tokens = diesel::sql_query(DEAD_REFRESH_TOKENS)
            .bind::<Timestamptz, _>(batch.now)
            .bind::<BigInt, _>(limit)
            .execute(&mut *connection)
            .await
            .map_err(errors::from_diesel)?;
        let sessions = diesel::sql_query(TOKENLESS_SESSIONS)
            .bind::<BigInt, _>(limit)
            .execute(&mut *connection)
            .await
            .map_err(errors::from_diesel)?;
        let login_throttle = diesel::sql_query(IDLE_THROTTLE_RECORDS)
            .bind::<Timestamptz, _>(batch.now)
            .bind::<Timestamptz, _>(idle_since)
            .bind::<BigInt, _>(limit)
            .execute(&mut *connection)
            .await
            .map_err(errors::from_diesel)?;

        Ok(PrunedRows {
            refresh_tokens: refresh_tokens as u64,
            sessions: sessions as u64,
            login_throttle: login_throttle as u64,
        })
    }
}

/// Records last written before this instant are idle.
fn idle_since(batch: &PruneBatch) -> DateTime<Utc> {
    let idle_for = TimeDelta::from_std(batch.throttle_idle_for).unwrap_or(TimeDelta::MAX);
    batch
        .now
        .checked_sub_signed(idle_for)
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}
