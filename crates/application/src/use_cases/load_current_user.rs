use latchkey_domain::TenantId;

use crate::ports::{TokenError, UserProfile};
use crate::{Identity, IdentityError};

/// The user behind an access token, with the tenant the token acts in.
#[derive(Debug)]
pub struct CurrentUser {
    pub profile: UserProfile,
    pub active_tenant: TenantId,
}

impl Identity {
    /// Verifies a user's access token and loads who it belongs to.
    ///
    /// Access tokens are self-contained: one stays valid until it expires, even after its
    /// session is logged out.
    #[tracing::instrument(name = "load_current_user", skip_all, fields(user.id))]
    pub async fn load_current_user(
        &self,
        access_token: Option<&str>,
    ) -> Result<CurrentUser, IdentityError> {
        let token = access_token.ok_or(IdentityError::InvalidAccessToken)?;
        let subject =
            self.ports
                .tokens
                .verify_access_token(token)
                .map_err(|error| match error {
                    TokenError::Invalid => IdentityError::InvalidAccessToken,
                    other => other.into(),
                })?;
        tracing::Span::current().record("user.id", tracing::field::display(subject.user_id));

        let profile = self.ports.accounts.find_profile(subject.user_id).await?;
        let profile = profile.ok_or(IdentityError::InvalidAccessToken)?;
        let active_tenant = profile
            .memberships
            .iter()
            .map(|membership| membership.tenant_id)
            .find(|tenant| *tenant == subject.tenant_id)
            .ok_or(IdentityError::InvalidAccessToken)?;
        Ok(CurrentUser {
            profile,
            active_tenant,
        })
    }
}
