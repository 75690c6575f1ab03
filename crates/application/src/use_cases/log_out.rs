use latchkey_domain::RefreshToken;

use crate::{Identity, IdentityError};

impl Identity {
    /// Revokes the session of the presented refresh token. Logging out without a token, or
    /// with one that is already dead, succeeds: the caller is logged out either way.
    #[tracing::instrument(name = "log_out", skip_all, fields(session.id))]
    pub async fn log_out(&self, presented: Option<RefreshToken>) -> Result<(), IdentityError> {
        let Some(token) = presented else {
            return Ok(());
        };

        let now = self.ports.clock.now();
        let revoked = self
            .ports
            .sessions
            .revoke_session(token.hash(), now)
            .await?;
        if let Some(session_id) = revoked {
            tracing::Span::current().record("session.id", tracing::field::display(session_id));
        }
        Ok(())
    }
}
