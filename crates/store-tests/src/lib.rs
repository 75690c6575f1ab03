//! The storage contract, written once: checks that every storage adapter's integration
//! tests run against a fresh store of their own, so that Postgres and SQLite are held to
//! the same behaviour (sign-up races, rotation races, reuse detection, key agreement).
//!
//! A dev-dependency only. Depends on `latchkey-application` and `latchkey-domain`, never
//! on an adapter: an adapter's test binary implements [`TestStore`] for its own fixture
//! and expands [`store_contract_tests!`] to get one `#[tokio::test]` per check.

mod accounts;
mod fixtures;
mod pruning;
mod race;
mod sessions;
mod signing_keys;
mod throttle;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use latchkey_application::ports::{
    AccountStore, LoginThrottle, SessionStore, SigningKeyStore, StorePruner,
};
use latchkey_domain::{TenantId, UserId};

pub use accounts::*;
pub use fixtures::{
    GRACE, REFRESH_TTL, new_account, new_session, new_token, now, rotate, rotated, signing_key,
};
pub use pruning::*;
pub use race::race;
pub use sessions::*;
pub use signing_keys::*;
pub use throttle::*;

/// What a check returns: any failure, as a boxed error.
pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A fresh, migrated store of one adapter, with the inspections no port offers.
#[async_trait(?Send)]
pub trait TestStore {
    type Store: AccountStore
        + SessionStore
        + SigningKeyStore
        + LoginThrottle
        + StorePruner
        + Clone
        + 'static;

    fn store(&self) -> &Self::Store;

    /// How many rows `table` holds.
    async fn count(&self, table: &str) -> TestResult<i64>;

    /// Makes the user a member of a new tenant, one second after `at`, with the role
    /// `Member`: no port can do that yet.
    async fn add_membership(
        &self,
        user_id: UserId,
        tenant_name: &str,
        at: DateTime<Utc>,
    ) -> TestResult<TenantId>;
}

/// Expands to one multi-threaded `#[tokio::test]` per contract check, each on a store made
/// by `$create` (an async function returning `TestResult<impl TestStore>`).
#[macro_export]
macro_rules! store_contract_tests {
    ($create:path) => {
        $crate::store_contract_tests!(@each $create;
            credentials_are_found_by_a_differently_cased_email_or_username,
            a_taken_email_or_username_is_refused_and_leaves_no_tenant_behind,
            concurrent_sign_ups_with_one_email_have_exactly_one_winner,
            a_password_hash_can_be_replaced,
            a_profile_lists_memberships_and_the_latest_login,
            a_session_starts_in_the_users_tenant,
            a_rotated_token_repeats_its_successor_in_grace_then_revokes_the_session,
            unknown_expired_and_ended_tokens_are_invalid,
            a_foreign_tenant_is_refused_without_consuming_the_token,
            a_requested_tenant_becomes_the_sessions_active_tenant,
            concurrent_rotations_of_one_token_have_exactly_one_winner,
            a_revoked_session_no_longer_rotates,
            nodes_starting_together_agree_on_one_signing_key,
            a_rotated_key_stays_published_until_it_expires,
            concurrent_login_attempts_are_all_counted,
            cleared_failures_are_forgotten,
            attempts_counted_while_successes_clear_never_fail,
            prune_deletes_dead_tokens_and_sessions_and_keeps_live_ones,
            prune_deletes_in_bounded_batches,
            prune_keeps_locked_and_recent_throttle_records,
        );
    };
    (@each $create:path; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() -> $crate::TestResult {
                let store = $create().await?;
                $crate::$check(&store).await
            }
        )*
    };
}
