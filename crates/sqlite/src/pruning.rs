//! `StorePruner`: deleting refresh tokens, sessions and login-throttle records that can no
//! longer be used.
//!
//! Each kind is one `DELETE` in a write transaction of its own, bounded by `LIMIT` in a
//! sub-select, so the write lock is held for one batch at a time and requests queue behind
//! it no longer than that. Timestamps are compared as text, which the schema's format keeps
//! in time order (see `migrations/sqlite`).

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, TimestamptzSqlite};
use latchkey_application::ports::{PruneBatch, PrunedRows, StoreError, StorePruner};

use crate::SqliteStore;

// Tokens that no rotation can accept: expired, or of a revoked or ended session.
const DEAD_REFRESH_TOKENS: &str = "\
    DELETE FROM refresh_tokens WHERE hash IN ( \
        SELECT t.hash FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id \
        WHERE t.expires_at < ?1 \
           OR s.revoked_at IS NOT NULL \
           OR s.absolute_expires_at <= ?1 \
        LIMIT ?2)";

// Sessions whose last token is gone; deleting one cascades to nothing.
const TOKENLESS_SESSIONS: &str = "\
    DELETE FROM sessions WHERE id IN ( \
        SELECT s.id FROM sessions s \
        WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id) \
        LIMIT ?1)";

// Unlocked records nobody has written to for a lock's duration.
const IDLE_THROTTLE_RECORDS: &str = "\
    DELETE FROM login_throttle WHERE identifier_key IN ( \
        SELECT identifier_key FROM login_throttle \
        WHERE (locked_until IS NULL OR locked_until <= ?1) AND updated_at < ?2 \
        LIMIT ?3)";

#[async_trait]
impl StorePruner for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn prune_batch(&self, batch: PruneBatch) -> Result<PrunedRows, StoreError> {
        let (now, limit) = (batch.now, i64::from(batch.limit));
        let idle_since = idle_since(&batch);

        let refresh_tokens = self
            .write(move |conn| {
                Ok(diesel::sql_query(DEAD_REFRESH_TOKENS)
                    .bind::<TimestamptzSqlite, _>(now)
                    .bind::<BigInt, _>(limit)
                    .execute(conn)?)
            })
            .await?;
        let sessions = self
            .write(move |conn| {
                Ok(diesel::sql_query(TOKENLESS_SESSIONS)
                    .bind::<BigInt, _>(limit)
                    .execute(conn)?)
            })
            .await?;
        let login_throttle = self
            .write(move |conn| {
                Ok(diesel::sql_query(IDLE_THROTTLE_RECORDS)
                    .bind::<TimestamptzSqlite, _>(now)
                    .bind::<TimestamptzSqlite, _>(idle_since)
                    .bind::<BigInt, _>(limit)
                    .execute(conn)?)
            })
            .await?;

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
