use latchkey_domain::{
    EmailAddress, Membership, Metadata, OptionalText, Password, Principal, Tenant, TenantId,
    TenantName, User, UserId, Username,
};

use crate::ports::NewAccount;
use crate::{Authenticated, Identity, IdentityError};

/// The profile fields both sign-up flows share, already parsed.
#[derive(Debug)]
pub struct NewUserProfile {
    pub password: Password,
    pub company_name: TenantName,
    pub name: OptionalText,
    pub phone_number: OptionalText,
    pub profile_picture_url: OptionalText,
    pub metadata: Metadata,
}

/// A sign-up with an email address.
#[derive(Debug)]
pub struct SignUp {
    pub email: EmailAddress,
    pub username: Option<Username>,
    pub profile: NewUserProfile,
}

/// A sign-up with a username; the email address is optional.
#[derive(Debug)]
pub struct SignUpWithUsername {
    pub username: Username,
    pub email: Option<EmailAddress>,
    pub profile: NewUserProfile,
}

/// A new user, their tenant, and their first session.
#[derive(Debug)]
pub struct SignedUp {
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub authenticated: Authenticated,
}

impl Identity {
    /// Creates a user, a tenant named after their company, their membership (with the
    /// configured sign-up role) and a first session, all at once.
    #[tracing::instrument(name = "sign_up", skip_all, fields(user.id, tenant.id))]
    pub async fn sign_up(&self, request: SignUp) -> Result<SignedUp, IdentityError> {
        self.create_account(Some(request.email), request.username, request.profile)
            .await
    }

    pub(crate) async fn create_account(
        &self,
        email: Option<EmailAddress>,
        username: Option<Username>,
        profile: NewUserProfile,
    ) -> Result<SignedUp, IdentityError> {
        let password_hash = self.ports.hasher.hash(profile.password).await?;

        let now = self.ports.clock.now();
        let user = User {
            id: UserId::generate(),
            email,
            username,
            name: profile.name.into_inner(),
            phone_number: profile.phone_number.into_inner(),
            profile_picture_url: profile.profile_picture_url.into_inner(),
            metadata: profile.metadata,
            email_verified: false,
        };
        let tenant = Tenant {
            id: TenantId::generate(),
            name: profile.company_name,
        };
        let role = self.settings.sign_up_role.clone();
        let (session, refresh_token) = self.new_session(now);
        let principal = Principal {
            user: user.clone(),
            session_id: session.id,
            active_tenant: tenant.id,
            memberships: vec![Membership {
                tenant_id: tenant.id,
                tenant_name: tenant.name.as_str().to_owned(),
                roles: vec![role.clone()],
            }],
        };

        let account = NewAccount {
            user,
            password_hash,
            tenant,
            role,
            session,
        };
        self.ports.accounts.create_account(account).await?;

        let span = tracing::Span::current();
        span.record("user.id", tracing::field::display(principal.user.id));
        span.record(
            "tenant.id",
            tracing::field::display(principal.active_tenant),
        );
        let (user_id, tenant_id) = (principal.user.id, principal.active_tenant);
        let authenticated = self.authenticated(principal, refresh_token, now)?;
        Ok(SignedUp {
            user_id,
            tenant_id,
            authenticated,
        })
    }
}
