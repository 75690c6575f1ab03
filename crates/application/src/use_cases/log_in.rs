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
        let last_before_lock = self.count_attempt(&throttle_key).await?;

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
            if last_before_lock {
                tracing::warn!("identifier locked after repeated login failures");
            }
            return Err(IdentityError::InvalidCredentials);
        };

        if let Some(rehashed) = rehashed {
            self.store_rehashed_password(user_id, &rehashed).await;
        }
        if self.settings.lockout.is_some() {
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

    /// Counts the attempt as a failure before any hashing, and refuses it when the
    /// identifier is locked; a success clears the count afterwards. Counting first, not
    /// after the hash, is what stops concurrent guesses from all passing a check made
    /// before any of them failed. Answers whether this attempt is the last one allowed.
    async fn count_attempt(&self, throttle_key: &str) -> Result<bool, IdentityError> {
        let Some(policy) = &self.settings.lockout else {
            return Ok(false);
        };
        let now = self.ports.clock.now();
        let counted = self
            .ports
            .throttle
            .count_attempt(throttle_key, policy, now)
            .await?;
        if !counted.admitted {
            tracing::info!("login refused: identifier locked");
            return Err(IdentityError::Locked);
        }
        Ok(counted.is_last_before_lock())
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
}
