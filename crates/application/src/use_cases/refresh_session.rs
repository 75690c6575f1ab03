use latchkey_domain::{RefreshToken, TenantId};

use crate::ports::{RotationOutcome, TokenRotation};
use crate::telemetry::count_refresh;
use crate::{Authenticated, Identity, IdentityError};

impl Identity {
    /// Exchanges a refresh token for a new access token and the token's successor.
    ///
    /// Repeats of the same token inside the grace window all receive the same successor;
    /// a repeat after it revokes the whole session.
    #[tracing::instrument(name = "refresh_session", skip_all, fields(session.id, user.id))]
    pub async fn refresh_session(
        &self,
        presented: Option<RefreshToken>,
        requested_tenant: Option<TenantId>,
    ) -> Result<Authenticated, IdentityError> {
        let Some(presented) = presented else {
            count_refresh("invalid");
            return Err(IdentityError::InvalidRefreshToken);
        };

        let now = self.ports.clock.now();
        let successor = self.generate_refresh_token();
        let rotation = TokenRotation {
            presented: presented.hash(),
            successor: self.new_refresh_token(&successor, now),
            sealed_successor: presented.seal_successor(&successor),
            requested_tenant,
            now,
            grace: self.settings.refresh_grace,
        };
        let outcome = self.ports.sessions.rotate_refresh_token(rotation).await?;

        let (principal, issued) = match outcome {
            RotationOutcome::Rotated(principal) => {
                count_refresh("rotated");
                (principal, successor)
            }
            RotationOutcome::AlreadyRotated {
                principal,
                sealed_successor,
            } => {
                count_refresh("grace");
                (principal, presented.unseal_successor(&sealed_successor))
            }
            RotationOutcome::Reused { session_id } => {
                count_refresh("reuse_revoked");
                tracing::warn!(session.id = %session_id, "refresh token reused after rotation; session revoked");
                return Err(IdentityError::RefreshTokenReused { session_id });
            }
            RotationOutcome::Invalid => {
                count_refresh("invalid");
                return Err(IdentityError::InvalidRefreshToken);
            }
            RotationOutcome::NotAMember => {
                count_refresh("forbidden_tenant");
                return Err(IdentityError::TenantNotMember);
            }
        };

        let span = tracing::Span::current();
        span.record("session.id", tracing::field::display(principal.session_id));
        span.record("user.id", tracing::field::display(principal.user.id));
        self.authenticated(principal, issued, now)
    }
}
