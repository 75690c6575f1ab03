//! `LoginThrottle`: consecutive login failures per identifier key.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use latchkey_application::ports::{LoginThrottle, StoreError};
use latchkey_domain::{CountedAttempt, LockoutPolicy, ThrottleState};

use crate::SqliteStore;
use crate::errors::SqliteError;
use crate::schema::login_throttle;

#[async_trait]
impl LoginThrottle for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn find_throttle(&self, key: &str) -> Result<ThrottleState, StoreError> {
        let key = key.to_owned();
        self.read(move |conn| find(conn, &key)).await
    }

    // The write transaction serializes attempts for every key, so each one reads the
    // count the previous one stored: concurrent attempts are all counted.
    #[tracing::instrument(skip_all)]
    async fn count_attempt(
        &self,
        key: &str,
        policy: &LockoutPolicy,
        now: DateTime<Utc>,
    ) -> Result<CountedAttempt, StoreError> {
        let (key, policy) = (key.to_owned(), *policy);
        self.write(move |conn| {
            let counted = find(conn, &key)?.count_attempt(&policy, now);
            let next = counted.state;
            let failures = i32::try_from(next.failures).unwrap_or(i32::MAX);
            diesel::insert_into(login_throttle::table)
                .values((
                    login_throttle::identifier_key.eq(&key),
                    login_throttle::failures.eq(failures),
                    login_throttle::locked_until.eq(next.locked_until),
                    login_throttle::updated_at.eq(now),
                ))
                .on_conflict(login_throttle::identifier_key)
                .do_update()
                .set((
                    login_throttle::failures.eq(excluded(login_throttle::failures)),
                    login_throttle::locked_until.eq(excluded(login_throttle::locked_until)),
                    login_throttle::updated_at.eq(excluded(login_throttle::updated_at)),
                ))
                .execute(conn)?;
            Ok(counted)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |conn| {
            diesel::delete(login_throttle::table.find(&key)).execute(conn)?;
            Ok(())
        })
        .await
    }
}

/// The stored record for `key`, or a fresh one.
fn find(conn: &mut SqliteConnection, key: &str) -> Result<ThrottleState, SqliteError> {
    let row = login_throttle::table
        .find(key)
        .select((login_throttle::failures, login_throttle::locked_until))
        .first::<(i32, Option<DateTime<Utc>>)>(conn)
        .optional()?;
    Ok(
        row.map_or_else(ThrottleState::default, |(failures, locked_until)| {
            ThrottleState {
                failures: u32::try_from(failures).unwrap_or(0),
                locked_until,
            }
        }),
    )
}
