use crate::{Identity, IdentityError, SignUpWithUsername, SignedUp};

/// Proof that the caller presented an environment token we signed. Only
/// [`Identity::verify_environment_token`] makes one, so username sign-up cannot be reached
/// without it; the HTTP adapter obtains it before reading the request body, so a caller
/// without a valid token learns nothing about how bodies are parsed.
#[derive(Debug)]
pub struct EnvironmentAccess(());

impl Identity {
    /// Checks an environment token (Frontegg requires one for username sign-up).
    pub fn verify_environment_token(
        &self,
        environment_token: Option<&str>,
    ) -> Result<EnvironmentAccess, IdentityError> {
        let token = environment_token.ok_or(IdentityError::InvalidEnvironmentToken)?;
        self.ports.tokens.verify_environment_token(token)?;
        Ok(EnvironmentAccess(()))
    }

    /// Signs up a user named by a username, for a caller that proved its environment token.
    #[tracing::instrument(name = "sign_up_with_username", skip_all, fields(user.id, tenant.id))]
    pub async fn sign_up_with_username(
        &self,
        _access: EnvironmentAccess,
        request: SignUpWithUsername,
    ) -> Result<SignedUp, IdentityError> {
        self.create_account(request.email, Some(request.username), request.profile)
            .await
    }
}
