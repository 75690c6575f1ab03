//! The Postgres adapter against a live database: every test gets a fresh database of its
//! own (from `TEST_DATABASE_URL`), migrated on creation and dropped at the end.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use diesel::sql_types::{BigInt, Uuid as SqlUuid};
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use latchkey_application::ports::{
    AccountStore, NewAccount, NewRefreshToken, NewSession, NewSigningKey, RotationOutcome,
    SessionStore, SigningKeyStore, StoreError, TokenRotation,
};
use latchkey_domain::{
    EmailAddress, LoginIdentifier, Metadata, PasswordHash, Principal, RefreshToken, SessionId,
    Tenant, TenantId, TenantName, User, UserId, Username,
};
use latchkey_postgres::{PgSettings, PgStore};
use secrecy::SecretString;
use uuid::Uuid;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const GRACE: Duration = Duration::from_secs(10);
const REFRESH_TTL: TimeDelta = TimeDelta::days(30);

// ---------------------------------------------------------------------------------------
// Accounts

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_found_by_a_differently_cased_email_or_username() -> TestResult {
    let db = TestDb::create().await?;
    let (account, _) = new_account(Some("Ann.Lee@Example.com"), Some("Ann.Lee"), now());
    let user_id = account.user.id;
    db.store.create_account(account).await?;

    let by_email = LoginIdentifier::Email(EmailAddress::parse("ann.lee@EXAMPLE.COM")?);
    let by_username = LoginIdentifier::Username(Username::parse("ANN.LEE")?);
    for identifier in [by_email, by_username] {
        let found = db.store.find_credentials(&identifier).await?;
        let found = found.ok_or("credentials not found")?;
        assert_eq!(found.user_id, user_id, "{identifier:?}");
        let hash = found.password_hash.ok_or("password hash missing")?;
        assert_eq!(hash.expose_phc(), "$argon2id$v=19$stub", "{identifier:?}");
    }

    let unknown = LoginIdentifier::Email(EmailAddress::parse("bob@example.com")?);
    assert!(db.store.find_credentials(&unknown).await?.is_none());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_email_or_username_is_refused_and_leaves_no_tenant_behind() -> TestResult {
    let db = TestDb::create().await?;
    let (first, _) = new_account(Some("ann@example.com"), Some("ann"), now());
    db.store.create_account(first).await?;

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
        let refused = db.store.create_account(duplicate).await;
        assert!(is_expected(&refused), "{description}: got {refused:?}");
        assert_eq!(db.count("tenants").await?, 1, "{description}");
        assert_eq!(db.count("users").await?, 1, "{description}");
        assert_eq!(db.count("sessions").await?, 1, "{description}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Sessions

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_starts_in_the_users_tenant() -> TestResult {
    let db = TestDb::create().await?;
    let (account, _) = new_account(Some("ann@example.com"), None, now());
    let (user_id, tenant_id) = (account.user.id, account.tenant.id);
    let user = account.user.clone();
    db.store.create_account(account).await?;

    let (session, _) = new_session(now());
    let session_id = session.id;
    let principal = db.store.start_session(user_id, session).await?;
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
    let nobody = db.store.start_session(UserId::generate(), session).await?;
    assert!(nobody.is_none(), "a session started for an unknown user");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_token_repeats_its_successor_in_grace_then_revokes_the_session() -> TestResult {
    let db = TestDb::create().await?;
    let start = now();
    let (account, first) = new_account(Some("ann@example.com"), None, start);
    let session_id = account.session.id;
    db.store.create_account(account).await?;

    let (rotation, successor) = rotate(&first, start, GRACE, None);
    let sealed = rotation.sealed_successor;
    match db.store.rotate_refresh_token(rotation).await? {
        RotationOutcome::Rotated(principal) => assert_eq!(principal.session_id, session_id),
        other => panic!("a live token should rotate, got {other:?}"),
    }

    let (repeat, _) = rotate(&first, start + TimeDelta::seconds(5), GRACE, None);
    match db.store.rotate_refresh_token(repeat).await? {
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
    match db.store.rotate_refresh_token(reuse).await? {
        RotationOutcome::Reused {
            session_id: revoked,
        } => assert_eq!(revoked, session_id),
        other => panic!("a repeat after the grace window is reuse, got {other:?}"),
    }

    let (after_reuse, _) = rotate(&successor, later, GRACE, None);
    let outcome = db.store.rotate_refresh_token(after_reuse).await?;
    assert!(
        matches!(outcome, RotationOutcome::Invalid),
        "the successor of a reused token must be dead, got {outcome:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_expired_and_ended_tokens_are_invalid() -> TestResult {
    let db = TestDb::create().await?;
    let start = now();
    let (mut account, token) = new_account(Some("ann@example.com"), None, start);
    account.session.absolute_expires_at = Some(start + TimeDelta::hours(1));
    db.store.create_account(account).await?;

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
        let outcome = db.store.rotate_refresh_token(rotation).await?;
        assert!(
            matches!(outcome, RotationOutcome::Invalid),
            "{description}: got {outcome:?}"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_tenant_is_refused_without_consuming_the_token() -> TestResult {
    let db = TestDb::create().await?;
    let (ann, token) = new_account(Some("ann@example.com"), None, now());
    let (bob, _) = new_account(Some("bob@example.com"), None, now());
    let bobs_tenant = bob.tenant.id;
    db.store.create_account(ann).await?;
    db.store.create_account(bob).await?;

    let (foreign, _) = rotate(&token, now(), GRACE, Some(bobs_tenant));
    let outcome = db.store.rotate_refresh_token(foreign).await?;
    assert!(
        matches!(outcome, RotationOutcome::NotAMember),
        "got {outcome:?}"
    );

    let (own, _) = rotate(&token, now(), GRACE, None);
    let outcome = db.store.rotate_refresh_token(own).await?;
    assert!(
        matches!(outcome, RotationOutcome::Rotated(_)),
        "the refused token should still rotate, got {outcome:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requested_tenant_becomes_the_sessions_active_tenant() -> TestResult {
    let db = TestDb::create().await?;
    let (account, token) = new_account(Some("ann@example.com"), None, now());
    let (user_id, home) = (account.user.id, account.tenant.id);
    db.store.create_account(account).await?;
    let second = db.add_membership(user_id, "Second", now()).await?;

    let (switch, successor) = rotate(&token, now(), GRACE, Some(second));
    let principal = rotated(db.store.rotate_refresh_token(switch).await?)?;
    assert_eq!(principal.active_tenant, second);
    assert_eq!(principal.tenant_ids(), vec![home, second], "oldest first");

    let (stay, _) = rotate(&successor, now(), GRACE, None);
    let principal = rotated(db.store.rotate_refresh_token(stay).await?)?;
    assert_eq!(principal.active_tenant, second, "the switch must be stored");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rotations_of_one_token_have_exactly_one_winner() -> TestResult {
    let db = TestDb::create().await?;
    let (account, token) = new_account(Some("ann@example.com"), None, now());
    db.store.create_account(account).await?;

    let racers = (0..10).map(|_| {
        let store = db.store.clone();
        let (rotation, _) = rotate(&token, now(), GRACE, None);
        tokio::spawn(async move {
            let own_sealed = rotation.sealed_successor;
            let outcome = store.rotate_refresh_token(rotation).await;
            outcome.map(|outcome| (outcome, own_sealed))
        })
    });
    let mut winners = Vec::new();
    let mut repeats = Vec::new();
    for racer in racers.collect::<Vec<_>>() {
        match racer.await?? {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_session_no_longer_rotates() -> TestResult {
    let db = TestDb::create().await?;
    let (account, token) = new_account(Some("ann@example.com"), None, now());
    let session_id = account.session.id;
    db.store.create_account(account).await?;

    let revoked = db.store.revoke_session(token.hash(), now()).await?;
    assert_eq!(revoked, Some(session_id));
    let again = db.store.revoke_session(token.hash(), now()).await?;
    assert_eq!(again, Some(session_id), "logging out twice is fine");
    let unknown = db.store.revoke_session(new_token().hash(), now()).await?;
    assert_eq!(unknown, None);

    let (rotation, _) = rotate(&token, now(), GRACE, None);
    let outcome = db.store.rotate_refresh_token(rotation).await?;
    assert!(
        matches!(outcome, RotationOutcome::Invalid),
        "got {outcome:?}"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Signing keys

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_starting_together_agree_on_one_signing_key() -> TestResult {
    let db = TestDb::create().await?;

    let nodes = (0..5).map(|node| {
        let store = db.store.clone();
        tokio::spawn(async move { store.ensure_active_key(signing_key(node), now()).await })
    });
    let mut active_kids = Vec::new();
    for node in nodes.collect::<Vec<_>>() {
        let keys = node.await??;
        assert_eq!(keys.len(), 1, "only one key may exist");
        active_kids.extend(keys.into_iter().map(|key| key.kid));
    }

    assert_eq!(active_kids.len(), 5);
    active_kids.dedup();
    assert_eq!(active_kids.len(), 1, "nodes disagree: {active_kids:?}");
    assert_eq!(db.count("signing_keys").await?, 1);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Connectivity

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_unavailable_not_a_startup_failure() -> TestResult {
    let store = PgStore::connect(PgSettings {
        url: SecretString::from("postgres://postgres@127.0.0.1:1/postgres"),
        max_connections: 2,
        connect_timeout: Duration::from_millis(300),
    })?;

    let ping = store.ping().await;
    assert!(
        matches!(ping, Err(StoreError::Unavailable(_))),
        "got {ping:?}"
    );
    let migrations = store.run_migrations().await;
    assert!(
        matches!(migrations, Err(StoreError::Unavailable(_))),
        "got {migrations:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migrated_database_answers_pings_and_migrates_again_as_a_no_op() -> TestResult {
    let db = TestDb::create().await?;
    db.store.ping().await?;
    db.store.run_migrations().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Fixtures

/// The current time at the database's precision, so stored and compared instants agree.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn new_token() -> RefreshToken {
    let mut bytes = [0; 32];
    bytes[..16].copy_from_slice(Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(Uuid::new_v4().as_bytes());
    RefreshToken::from_bytes(bytes)
}

fn new_session(at: DateTime<Utc>) -> (NewSession, RefreshToken) {
    let token = new_token();
    let session = NewSession {
        id: SessionId::generate(),
        created_at: at,
        absolute_expires_at: None,
        refresh_token: NewRefreshToken {
            hash: token.hash(),
            expires_at: at + REFRESH_TTL,
        },
    };
    (session, token)
}

fn new_account(
    email: Option<&str>,
    username: Option<&str>,
    at: DateTime<Utc>,
) -> (NewAccount, RefreshToken) {
    let (session, token) = new_session(at);
    let user = User {
        id: UserId::generate(),
        email: email.map(|email| EmailAddress::from_trusted(email.to_owned())),
        username: username.map(|name| Username::from_trusted(name.to_owned())),
        name: Some("Ann Lee".to_owned()),
        phone_number: None,
        profile_picture_url: None,
        metadata: Metadata::from_trusted(serde_json::Map::from_iter([(
            "plan".to_owned(),
            serde_json::Value::from("pro"),
        )])),
        email_verified: false,
    };
    let account = NewAccount {
        user,
        password_hash: PasswordHash::from_phc("$argon2id$v=19$stub".to_owned()),
        tenant: Tenant {
            id: TenantId::generate(),
            name: TenantName::parse("Acme").unwrap_or_else(|error| panic!("{error}")),
        },
        role: "Admin".to_owned(),
        session,
    };
    (account, token)
}

/// A rotation of `presented` at `at`, and the successor it offers.
fn rotate(
    presented: &RefreshToken,
    at: DateTime<Utc>,
    grace: Duration,
    requested_tenant: Option<TenantId>,
) -> (TokenRotation, RefreshToken) {
    let successor = new_token();
    let rotation = TokenRotation {
        presented: presented.hash(),
        successor: NewRefreshToken {
            hash: successor.hash(),
            expires_at: at + REFRESH_TTL,
        },
        sealed_successor: presented.seal_successor(&successor),
        requested_tenant,
        now: at,
        grace,
    };
    (rotation, successor)
}

fn rotated(outcome: RotationOutcome) -> TestResult<Principal> {
    match outcome {
        RotationOutcome::Rotated(principal) => Ok(principal),
        other => Err(format!("expected a rotation, got {other:?}").into()),
    }
}

fn signing_key(node: u8) -> NewSigningKey {
    NewSigningKey {
        kid: format!("key-of-node-{node}"),
        algorithm: "RS256".to_owned(),
        private_key: vec![node; 16],
        is_encrypted: false,
        public_jwk: format!("{{\"kid\":\"key-of-node-{node}\"}}"),
        created_at: now(),
    }
}

// ---------------------------------------------------------------------------------------
// A database per test

struct TestDb {
    store: PgStore,
    admin_url: String,
    url: String,
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

impl TestDb {
    async fn create() -> TestResult<Self> {
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("latchkey_pg_{}", Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&admin_url).await?;
        sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;

        let url = with_database(&admin_url, &name);
        let db = Self {
            store: PgStore::connect(PgSettings {
                url: SecretString::from(url.clone()),
                max_connections: 12,
                connect_timeout: Duration::from_secs(10),
            })?,
            admin_url,
            url,
            name,
        };
        db.store.run_migrations().await?;
        Ok(db)
    }

    async fn count(&self, table: &str) -> TestResult<i64> {
        let mut connection = AsyncPgConnection::establish(&self.url).await?;
        let counted = sql_query(format!("SELECT count(*) AS count FROM {table}"))
            .get_result::<Count>(&mut connection)
            .await?;
        Ok(counted.count)
    }

    /// Makes the user a member of a new tenant, which no port can do yet.
    async fn add_membership(
        &self,
        user_id: UserId,
        tenant_name: &str,
        at: DateTime<Utc>,
    ) -> TestResult<TenantId> {
        let tenant_id = TenantId::generate();
        let mut connection = AsyncPgConnection::establish(&self.url).await?;
        sql_query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
            .bind::<SqlUuid, _>(tenant_id.as_uuid())
            .bind::<diesel::sql_types::Text, _>(tenant_name)
            .bind::<diesel::sql_types::Timestamptz, _>(at)
            .execute(&mut connection)
            .await?;
        sql_query(
            "INSERT INTO memberships (user_id, tenant_id, roles, created_at) \
             VALUES ($1, $2, ARRAY['Member'], $3 + interval '1 second')",
        )
        .bind::<SqlUuid, _>(user_id.as_uuid())
        .bind::<SqlUuid, _>(tenant_id.as_uuid())
        .bind::<diesel::sql_types::Timestamptz, _>(at)
        .execute(&mut connection)
        .await?;
        Ok(tenant_id)
    }
}

// Dropping the database needs async I/O, which `Drop` cannot await; a thread of its own
// runs it, so that the database goes away even when the test panicked.
impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url).await?;
                sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                TestResult::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// `admin_url` with its database replaced by `database`.
fn with_database(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{server}/{database}{query}")
}
