use crate::{Identity, IdentityError, SignUpWithUsername, SignedUp};

impl Identity {
    /// Signs up a user named by a username. Frontegg requires an environment token for this
    /// route, so the caller must present one we signed.
    #[tracing::instrument(name = "sign_up_with_username", skip_all, fields(user.id, tenant.id))]
    pub async fn sign_up_with_username(
        &self,
        environment_token: Option<&str>,
        request: SignUpWithUsername,
    ) -> Result<SignedUp, IdentityError> {
        let token = environment_token.ok_or(IdentityError::InvalidEnvironmentToken)?;
        self.ports.tokens.verify_environment_token(token)?;

        self.create_account(request.email, Some(request.username), request.profile)
            .await
    }
}
