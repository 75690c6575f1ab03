//! `LoginThrottle`: consecutive login failures per identifier key.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::scoped_futures::ScopedFutureExt;
use diesel_async::{AsyncConnection, RunQueryDsl};
use latchkey_application::ports::{LoginThrottle, StoreError};
use latchkey_domain::{CountedAttempt, LockoutPolicy, ThrottleState};

use crate::PgStore;
use crate::errors::{self, PgError};
use crate::schema::login_throttle;

type ThrottleRow = (i32, Option<DateTime<Utc>>);

fn state((failures, locked_until): ThrottleRow) -> ThrottleState {
    ThrottleState {
        failures: u32::try_from(failures).unwrap_or(0),
        locked_until,
    }
}

#[async_trait]
impl LoginThrottle for PgStore {
    #[tracing::instrument(skip_all)]
    async fn find_throttle(&self, key: &str) -> Result<ThrottleState, StoreError> {
        let mut connection = self.connection().await?;
        let row = login_throttle::table
            .find(key)
            .select((login_throttle::failures, login_throttle::locked_until))
            .first::<ThrottleRow>(&mut connection)
            .await
            .optional()
            .map_err(errors::from_diesel)?;
        Ok(row.map(state).unwrap_or_default())
    }

    #[tracing::instrument(skip_all)]
    async fn count_attempt(
        &self,
        key: &str,
        policy: &LockoutPolicy,
        now: DateTime<Utc>,
    ) -> Result<CountedAttempt, StoreError> {
        let mut connection = self.connection().await?;
        let counted = connection
            .transaction::<_, PgError, _>(|conn| {
                async move {
                    // One upsert creates the row if missing and locks it either way, so that
                    // concurrent attempts for one key are counted one after another. A
                    // separate insert and `SELECT … FOR UPDATE` would find no row when a
                    // success clears it, or the pruner deletes it, between the two.
                    let current: ThrottleRow = diesel::insert_into(login_throttle::table)
                        .values((
                            login_throttle::identifier_key.eq(key),
                            login_throttle::failures.eq(0),
                            login_throttle::updated_at.eq(now),
                        ))
                        .on_conflict(login_throttle::identifier_key)
                        .do_update()
                        .set(login_throttle::updated_at.eq(now))
                        .returning((login_throttle::failures, login_throttle::locked_until))
                        .get_result(conn)
                        .await?;
                    let counted = state(current).count_attempt(policy, now);
                    let next = counted.state;
                    diesel::update(login_throttle::table.find(key))
                        .set((
                            login_throttle::failures
                                .eq(i32::try_from(next.failures).unwrap_or(i32::MAX)),
                            login_throttle::locked_until.eq(next.locked_until),
                            login_throttle::updated_at.eq(now),
                        ))
                        .execute(conn)
                        .await?;
                    Ok(counted)
                }
                .scope_boxed()
            })
            .await?;
        Ok(counted)
    }

    #[tracing::instrument(skip_all)]
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let mut connection = self.connection().await?;
        diesel::delete(login_throttle::table.find(key))
            .execute(&mut connection)
            .await
            .map_err(errors::from_diesel)?;
        Ok(())
    }
}
