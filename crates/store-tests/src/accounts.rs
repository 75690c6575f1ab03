//! `AccountStore`: sign-up, credentials and profiles.

use chrono::TimeDelta;
use latchkey_application::ports::{AccountStore, SessionStore, StoreError};
use latchkey_domain::{EmailAddress, LoginIdentifier, PasswordHash, Username};

use crate::fixtures::{new_account, new_session, now};
use crate::{TestResult, TestStore, race};

pub async fn credentials_are_found_by_a_differently_cased_email_or_username(
    db: &impl TestStore,
) -> TestResult {
    let (account, _) = new_account(Some("Ann.Lee@Example.com"), Some("Ann.Lee"), now());
    let user_id = account.user.id;
    db.store().create_account(account).await?;

    let by_email = LoginIdentifier::Email(EmailAddress::parse("ann.lee@EXAMPLE.COM")?);
    let by_username = LoginIdentifier::Username(Username::parse("ANN.LEE")?);
    for identifier in [by_email, by_username] {
        let found = db.store().find_credentials(&identifier).await?;
        let found = found.ok_or("credentials not found")?;
        assert_eq!(found.user_id, user_id, "{identifier:?}");
        let hash = found.password_hash.ok_or("password hash missing")?;
        assert_eq!(hash.expose_phc(), "$argon2id$v=19$stub", "{identifier:?}");
    }

    let unknown = LoginIdentifier::Email(EmailAddress::parse("bob@example.com")?);
    assert!(db.store().find_credentials(&unknown).await?.is_none());
    Ok(())
}

pub async fn a_taken_email_or_username_is_refused_and_leaves_no_tenant_behind(
    db: &impl TestStore,
) -> TestResult {
    let (first, _) = new_account(Some("ann@example.com"), Some("ann"), now());
    db.store().create_account(first).await?;

    let email_taken =
        |result: &Result<(), StoreError>| matches!(result, Err(StoreError::EmailTaken));
    let username_taken =
        |result: &Result<(), StoreError>| matches!(result, Err(StoreError::UsernameTaken));
    type Expectation<'a> = &'a dyn Fn(&Result<(), StoreError>) -> bool;
    let cases: [(_, _, Expectation<'_>, _); 3] = [
        (
            Some("ANN@example.com"),
            Some("someone"),
            &email_taken,
            "the email in other case",
        ),
        (
            Some("bob@example.com"),
            Some("ANN"),
            &username_taken,
            "the username in other case",
        ),
        (
            None,
            Some("Ann"),
            &username_taken,
            "the username without an email",
        ),
    ];
    for (email, username, is_expected, description) in cases {
        let (duplicate, _) = new_account(email, username, now());
        let refused = db.store().create_account(duplicate).await;
        assert!(is_expected(&refused), "{description}: got {refused:?}");
        assert_eq!(db.count("tenants").await?, 1, "{description}");
        assert_eq!(db.count("users").await?, 1, "{description}");
        assert_eq!(db.count("sessions").await?, 1, "{description}");
    }
    Ok(())
}

pub async fn concurrent_sign_ups_with_one_email_have_exactly_one_winner(
    db: &impl TestStore,
) -> TestResult {
    let outcomes = race(10, |racer| {
        let store = db.store().clone();
        let username = format!("racer{racer}");
        let (account, _) = new_account(Some("ann@example.com"), Some(&username), now());
        async move { store.create_account(account).await }
    })
    .await?;
    let mut created = 0;
    let mut taken = 0;
    for outcome in outcomes {
        match outcome {
            Ok(()) => created += 1,
            Err(StoreError::EmailTaken) => taken += 1,
            Err(other) => panic!("a racer failed with {other:?}"),
        }
    }

    assert_eq!(
        (created, taken),
        (1, 9),
        "one sign-up wins, the rest are EmailTaken"
    );
    for table in [
        "users",
        "tenants",
        "memberships",
        "sessions",
        "refresh_tokens",
    ] {
        assert_eq!(db.count(table).await?, 1, "no half-made account in {table}");
    }
    Ok(())
}

pub async fn a_password_hash_can_be_replaced(db: &impl TestStore) -> TestResult {
    let (account, _) = new_account(Some("ann@example.com"), None, now());
    let user_id = account.user.id;
    db.store().create_account(account).await?;

    let rehashed = PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$new".to_owned());
    db.store().update_password_hash(user_id, &rehashed).await?;
    let identifier = LoginIdentifier::Email(EmailAddress::parse("ann@example.com")?);
    let found = db.store().find_credentials(&identifier).await?;
    let hash = found
        .and_then(|found| found.password_hash)
        .ok_or("hash missing")?;
    assert_eq!(hash.expose_phc(), rehashed.expose_phc());
    Ok(())
}

pub async fn a_profile_lists_memberships_and_the_latest_login(db: &impl TestStore) -> TestResult {
    let signed_up = now();
    let (account, _) = new_account(Some("ann@example.com"), None, signed_up);
    let (user_id, home) = (account.user.id, account.tenant.id);
    let user = account.user.clone();
    db.store().create_account(account).await?;
    let second = db.add_membership(user_id, "Second", signed_up).await?;
    let logged_in = signed_up + TimeDelta::minutes(5);
    let (session, _) = new_session(logged_in);
    db.store().start_session(user_id, session).await?;

    let profile = db.store().find_profile(user_id).await?;
    let profile = profile.ok_or("no profile for an existing user")?;
    assert_eq!(
        profile.user, user,
        "the user round-trips, metadata included"
    );
    assert_eq!(profile.created_at, signed_up);
    assert_eq!(profile.last_login_at, Some(logged_in), "the latest session");
    let tenants: Vec<_> = profile.memberships.iter().map(|m| m.tenant_id).collect();
    assert_eq!(tenants, vec![home, second], "oldest membership first");
    let roles: Vec<_> = profile
        .memberships
        .iter()
        .map(|m| m.roles.clone())
        .collect();
    assert_eq!(
        roles,
        vec![vec!["Admin".to_owned()], vec!["Member".to_owned()]]
    );

    let unknown = db
        .store()
        .find_profile(latchkey_domain::UserId::generate())
        .await?;
    assert!(unknown.is_none(), "a profile for an unknown user");
    Ok(())
}
