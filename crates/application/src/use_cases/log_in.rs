use latchkey_domain::{LoginIdentifier, Password, PasswordHash, UserId};

use crate::ports::Verification;

use crate::{Authenticated, Identity, IdentityError};

/// A login attempt, already parsed.
#[derive(Debug)]
pub struct LogIn {
    pub identifier: LoginIdentifier,
    pub password: Password,
}

impl Identity {
    /// Checks a password and starts a session.
    ///
    /// Unknown identifier, wrong password and password-less user all end in
    /// `InvalidCredentials` after one full hash verification, so neither the answer nor its
    /// timing tells them apart.
    #[tracing::instrument(name = "log_in", skip_all, fields(user.id, session.id))]
    pub async fn log_in(&self, attempt: LogIn) -> Result<Authenticated, IdentityError> {
        let result = self.check_password_and_start_session(attempt).await;
        crate::telemetry::count_login(&result);
        result
    }

    async fn check_password_and_start_session(
        &self,
        attempt: LogIn,
    ) -> Result<Authenticated, IdentityError> {
        let throttle_key = attempt.identifier.throttle_key();
        let failures_so_far = self.refuse_if_locked(&throttle_key).await?;

        let credentials = self
            .ports
            .accounts
            .find_credentials(&attempt.identifier)
            .await?;
        let (user_id, hash) = match credentials {
            Some(found) => (Some(found.user_id), found.password_hash),
            None => (None, None),
        };
        let verification = self.ports.hasher.verify(attempt.password, hash).await?;
        let (Some(user_id), Verification::Match { rehashed }) = (user_id, verification) else {
            tracing::info!("login refused: invalid credentials");
            self.record_failure(&throttle_key).await?;
            return Err(IdentityError::InvalidCredentials);
        };

        if let Some(rehashed) = rehashed {
            self.store_rehashed_password(user_id, &rehashed).await;
        }
        if failures_so_far > 0 {
            self.ports.throttle.clear_failures(&throttle_key).await?;
        }
        let now = self.ports.clock.now();
        let (session, refresh_token) = self.new_session(now);
        let principal = self.ports.sessions.start_session(user_id, session).await?;
        let Some(principal) = principal else {
            tracing::info!("login refused: user has no tenant");
            return Err(IdentityError::InvalidCredentials);
        };

        let span = tracing::Span::current();
        span.record("user.id", tracing::field::display(user_id));
        span.record("session.id", tracing::field::display(principal.session_id));
        self.authenticated(principal, refresh_token, now)
    }

    /// Refuses a locked identifier before any hashing; returns its failures so far.
    async fn refuse_if_locked(&self, throttle_key: &str) -> Result<u32, IdentityError> {
        if self.settings.lockout.is_none() {
            return Ok(0);
        }
        let state = self.ports.throttle.find_throttle(throttle_key).await?;
        if state.is_locked_at(self.ports.clock.now()) {
            tracing::info!("login refused: identifier locked");
            return Err(IdentityError::Locked);
        }
        Ok(state.failures)
    }

    /// Upgrades a hash made with outdated parameters. A failure costs only the upgrade, never
    /// the login: the old hash still verifies.
    async fn store_rehashed_password(&self, user_id: UserId, rehashed: &PasswordHash) {
        match self
            .ports
            .accounts
            .update_password_hash(user_id, rehashed)
            .await
        {
            Ok(()) => tracing::info!("password rehashed with the configured parameters"),
            Err(error) => {
                tracing::warn!(error.cause = %error, "could not store a rehashed password")
            }
        }
    }

    async fn record_failure(&self, throttle_key: &str) -> Result<(), IdentityError> {
        let Some(policy) = &self.settings.lockout else {
            return Ok(());
        };
        let now = self.ports.clock.now();
        let state = self
            .ports
            .throttle
            .record_failure(throttle_key, policy, now)
            .await?;
        if state.is_locked_at(now) {
            tracing::warn!("identifier locked after repeated login failures");
        }
        Ok(())
    }
}
