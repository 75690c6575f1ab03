//! `SessionStore`: starting sessions, rotating their refresh tokens, revoking them.

use std::time::Duration;

use chrono::TimeDelta;
use latchkey_application::ports::{AccountStore, RotationOutcome, SessionStore};
use latchkey_domain::UserId;

use crate::fixtures::{
    GRACE, REFRESH_TTL, new_account, new_session, new_token, now, rotate, rotated,
};
use crate::{TestResult, TestStore, race};

pub async fn a_session_starts_in_the_users_tenant(db: &impl TestStore) -> TestResult {
    let (account, _) = new_account(Some("ann@example.com"), None, now());
    let (user_id, tenant_id) = (account.user.id, account.tenant.id);
    let user = account.user.clone();
    db.store().create_account(account).await?;

    let (session, _) = new_session(now());
    let session_id = session.id;
    let principal = db.store().start_session(user_id, session).await?;
    let principal = principal.ok_or("no principal for an existing user")?;
    assert_eq!(principal.user, user);
    assert_eq!(principal.session_id, session_id);
    assert_eq!(principal.active_tenant, tenant_id);
    assert_eq!(principal.tenant_ids(), vec![tenant_id]);
    let membership = principal
        .active_membership()
        .ok_or("no active membership")?;
    assert_eq!(membership.tenant_name, "Acme");
    assert_eq!(membership.roles, vec!["Admin".to_owned()]);

    let (session, _) = new_session(now());
    let nobody = db
        .store()
        .start_session(UserId::generate(), session)
        .await?;
    assert!(nobody.is_none(), "a session started for an unknown user");
    Ok(())
}

pub async fn a_rotated_token_repeats_its_successor_in_grace_then_revokes_the_session(
    db: &impl TestStore,
) -> TestResult {
    let start = now();
    let (account, first) = new_account(Some("ann@example.com"), None, start);
    let session_id = account.session.id;
    db.store().create_account(account).await?;

    let (rotation, successor) = rotate(&first, start, GRACE, None);
    let sealed = rotation.sealed_successor;
    match db.store().rotate_refresh_token(rotation).await? {
        RotationOutcome::Rotated(principal) => assert_eq!(principal.session_id, session_id),
        other => panic!("a live token should rotate, got {other:?}"),
    }

    let (repeat, _) = rotate(&first, start + TimeDelta::seconds(5), GRACE, None);
    match db.store().rotate_refresh_token(repeat).await? {
        RotationOutcome::AlreadyRotated {
            principal,
            sealed_successor,
        } => {
            assert_eq!(principal.session_id, session_id);
            assert_eq!(
                sealed_successor, sealed,
                "a repeat must get the same successor"
            );
            assert_eq!(first.unseal_successor(&sealed_successor), successor);
        }
        other => panic!("a repeat inside the grace window, got {other:?}"),
    }

    let later = start + TimeDelta::seconds(1);
    let (reuse, _) = rotate(&first, later, Duration::ZERO, None);
    match db.store().rotate_refresh_token(reuse).await? {
        RotationOutcome::Reused {
            session_id: revoked,
        } => assert_eq!(revoked, session_id),
        other => panic!("a repeat after the grace window is reuse, got {other:?}"),
    }

    // The revocation was committed, not rolled back with the refused request.
    let (after_reuse, _) = rotate(&successor, later, GRACE, None);
    let outcome = db.store().rotate_refresh_token(after_reuse).await?;
    assert!(
        matches!(outcome, RotationOutcome::Invalid),
        "the successor of a reused token must be dead, got {outcome:?}"
    );
    Ok(())
}

pub async fn unknown_expired_and_ended_tokens_are_invalid(db: &impl TestStore) -> TestResult {
    let start = now();
    let (mut account, token) = new_account(Some("ann@example.com"), None, start);
    account.session.absolute_expires_at = Some(start + TimeDelta::hours(1));
    db.store().create_account(account).await?;

    let cases = [
        (new_token(), start, "an unknown token"),
        (token.clone(), start + REFRESH_TTL, "a token at its expiry"),
        (
            token,
            start + TimeDelta::hours(1),
            "a token of an ended session",
        ),
    ];
    for (presented, at, description) in cases {
        let (rotation, _) = rotate(&presented, at, GRACE, None);
        let outcome = db.store().rotate_refresh_token(rotation).await?;
        assert!(
            matches!(outcome, RotationOutcome::Invalid),
            "{description}: got {outcome:?}"
        );
    }
    Ok(())
}

pub async fn a_foreign_tenant_is_refused_without_consuming_the_token(
    db: &impl TestStore,
) -> TestResult {
    let (ann, token) = new_account(Some("ann@example.com"), None, now());
    let (bob, _) = new_account(Some("bob@example.com"), None, now());
    let bobs_tenant = bob.tenant.id;
    db.store().create_account(ann).await?;
    db.store().create_account(bob).await?;

    let (foreign, _) = rotate(&token, now(), GRACE, Some(bobs_tenant));
    let outcome = db.store().rotate_refresh_token(foreign).await?;
    assert!(
        matches!(outcome, RotationOutcome::NotAMember),
        "got {outcome:?}"
    );

    let (own, _) = rotate(&token, now(), GRACE, None);
    let outcome = db.store().rotate_refresh_token(own).await?;
    assert!(
        matches!(outcome, RotationOutcome::Rotated(_)),
        "the refused token should still rotate, got {outcome:?}"
    );
    Ok(())
}

pub async fn a_requested_tenant_becomes_the_sessions_active_tenant(
    db: &impl TestStore,
) -> TestResult {
    let (account, token) = new_account(Some("ann@example.com"), None, now());
    let (user_id, home) = (account.user.id, account.tenant.id);
    db.store().create_account(account).await?;
    let second = db.add_membership(user_id, "Second", now()).await?;

    let (switch, successor) = rotate(&token, now(), GRACE, Some(second));
    let principal = rotated(db.store().rotate_refresh_token(switch).await?)?;
    assert_eq!(principal.active_tenant, second);
    assert_eq!(principal.tenant_ids(), vec![home, second], "oldest first");

    let (stay, _) = rotate(&successor, now(), GRACE, None);
    let principal = rotated(db.store().rotate_refresh_token(stay).await?)?;
    assert_eq!(principal.active_tenant, second, "the switch must be stored");
    Ok(())
}

pub async fn concurrent_rotations_of_one_token_have_exactly_one_winner(
    db: &impl TestStore,
) -> TestResult {
    let (account, token) = new_account(Some("ann@example.com"), None, now());
    db.store().create_account(account).await?;

    let outcomes = race(10, |_| {
        let store = db.store().clone();
        let (rotation, _) = rotate(&token, now(), GRACE, None);
        async move {
            let own_sealed = rotation.sealed_successor;
            let outcome = store.rotate_refresh_token(rotation).await;
            outcome.map(|outcome| (outcome, own_sealed))
        }
    })
    .await?;
    let mut winners = Vec::new();
    let mut repeats = Vec::new();
    for outcome in outcomes {
        match outcome? {
            (RotationOutcome::Rotated(_), own_sealed) => winners.push(own_sealed),
            (
                RotationOutcome::AlreadyRotated {
                    sealed_successor, ..
                },
                _,
            ) => {
                repeats.push(sealed_successor);
            }
            (other, _) => panic!("a racer got {other:?}"),
        }
    }

    assert_eq!(winners.len(), 1, "exactly one rotation must win");
    assert_eq!(repeats.len(), 9);
    assert!(
        repeats
            .iter()
            .all(|sealed| Some(sealed) == <[_]>::first(&winners)),
        "every loser must get the winner's successor"
    );
    Ok(())
}

pub async fn a_revoked_session_no_longer_rotates(db: &impl TestStore) -> TestResult {
    let (account, token) = new_account(Some("ann@example.com"), None, now());
    let session_id = account.session.id;
    db.store().create_account(account).await?;

    let revoked = db.store().revoke_session(token.hash(), now()).await?;
    assert_eq!(revoked, Some(session_id));
    let again = db.store().revoke_session(token.hash(), now()).await?;
    assert_eq!(again, Some(session_id), "logging out twice is fine");
    let unknown = db.store().revoke_session(new_token().hash(), now()).await?;
    assert_eq!(unknown, None);

    let (rotation, _) = rotate(&token, now(), GRACE, None);
    let outcome = db.store().rotate_refresh_token(rotation).await?;
    assert!(
        matches!(outcome, RotationOutcome::Invalid),
        "got {outcome:?}"
    );
    Ok(())
}
