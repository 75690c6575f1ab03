use latchkey_domain::{LoginIdentifier, Password};

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
        let credentials = self
            .ports
            .accounts
            .find_credentials(&attempt.identifier)
            .await?;

        let (user_id, hash) = match credentials {
            Some(found) => (Some(found.user_id), found.password_hash),
            None => (None, None),
        };
        let is_valid = self.ports.hasher.verify(attempt.password, hash).await?;
        let Some(user_id) = user_id.filter(|_| is_valid) else {
            tracing::info!("login refused: invalid credentials");
            return Err(IdentityError::InvalidCredentials);
        };

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
}
