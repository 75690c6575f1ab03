//! Token-signing keys: loading them at start-up, picking up rotations while running, and
//! the `latchkey keys` commands.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use latchkey_application::ports::{SigningKeyStore, StoredSigningKey};
use latchkey_crypto::{JwtIssuer, KeyCipher, generate_signing_key};

use crate::{Settings, store};

fn cipher(settings: &Settings) -> anyhow::Result<Option<KeyCipher>> {
    Ok(settings
        .key_encryption_key()?
        .map(|key| KeyCipher::new(&key))
        .transpose()?)
}

/// Opens the stored signing keys, creating the first one on an empty database.
pub(crate) async fn load(
    settings: &Settings,
    store: &dyn SigningKeyStore,
    now: DateTime<Utc>,
) -> anyhow::Result<JwtIssuer> {
    let cipher = cipher(settings)?;
    if cipher.is_none() {
        tracing::warn!(
            "keys.encryption_key is not set: signing keys are stored in the clear, and anyone \
             who can read the database can mint tokens"
        );
    }

    // Generating a key (tens of milliseconds for RSA) is paid only on a database without
    // an active one; nodes racing on an empty database still agree through the store.
    let published = store.list_published_keys(now).await?;
    let has_active = published
        .first()
        .is_some_and(|key| key.retired_at.is_none());
    let keys = if has_active {
        published
    } else {
        let algorithm = settings.signing_algorithm()?;
        let candidate = generate_signing_key(algorithm, cipher.as_ref(), now)?;
        store.ensure_active_key(candidate, now).await?
    };

    let issuer = JwtIssuer::from_stored(
        &keys,
        cipher,
        settings.environment.issuer.clone(),
        settings.environment.client_id.clone(),
        Duration::from_secs(settings.tokens.leeway_secs),
    )?;
    tracing::info!(key.id = %issuer.active_kid(), "signing key loaded");
    Ok(issuer)
}

/// Re-reads the published keys every `keys.reload_interval_secs`, so that a rotation made
/// by `latchkey keys rotate` (or on another node) reaches this node without a restart.
pub(crate) fn spawn_reloader(
    settings: &Settings,
    issuer: Arc<JwtIssuer>,
    store: Arc<dyn SigningKeyStore>,
) {
    let interval = Duration::from_secs(settings.keys.reload_interval_secs);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let before = issuer.active_kid();
            let reloaded = match store.list_published_keys(Utc::now()).await {
                Ok(keys) => issuer.reload(&keys).map_err(|error| error.to_string()),
                Err(error) => Err(error.to_string()),
            };
            match reloaded {
                Ok(()) if issuer.active_kid() != before => {
                    tracing::info!(key.id = %issuer.active_kid(), "signing key rotated");
                }
                Ok(()) => {}
                Err(cause) => tracing::warn!(error.cause = %cause, "could not reload signing keys"),
            }
        }
    });
}

/// How long a retired key must stay published: until every token it signed has expired,
/// counting the nodes that keep signing with it until their next reload.
fn retired_key_lifetime(settings: &Settings) -> Duration {
    let longest_token = settings
        .tokens
        .access_ttl_secs
        .max(settings.environment.token_ttl_secs);
    Duration::from_secs(
        longest_token + settings.tokens.leeway_secs + settings.keys.reload_interval_secs,
    )
}

/// `latchkey keys rotate`: a new active key; the old one stays published while its tokens
/// may live.
pub async fn rotate(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<()> {
    let stores = store::open(settings).await?;
    let now = Utc::now();
    let replacement = generate_signing_key(
        settings.signing_algorithm()?,
        cipher(settings)?.as_ref(),
        now,
    )?;
    let kid = replacement.kid.clone();
    let retired_until = now + retired_key_lifetime(settings);
    let keys = stores
        .signing_keys
        .rotate_key(replacement, now, retired_until)
        .await?;
    writeln!(
        out,
        "rotated: {kid} now signs; every node switches within {}s",
        settings.keys.reload_interval_secs
    )?;
    print_keys(&keys, out)
}

/// `latchkey keys list`: the published keys, the active one first.
pub async fn list(settings: &Settings, out: &mut dyn Write) -> anyhow::Result<()> {
    let stores = store::open(settings).await?;
    let keys = stores.signing_keys.list_published_keys(Utc::now()).await?;
    print_keys(&keys, out)
}

fn print_keys(keys: &[StoredSigningKey], out: &mut dyn Write) -> anyhow::Result<()> {
    let time = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    writeln!(
        out,
        "{:<44} {:<6} {:<8} {:<21} published until",
        "kid", "alg", "status", "created"
    )?;
    for key in keys {
        let status = if key.retired_at.is_none() {
            "active"
        } else {
            "retired"
        };
        let until = key.expires_at.map_or_else(|| "-".to_owned(), time);
        let sealed = if key.is_encrypted {
            ""
        } else {
            " (stored in the clear)"
        };
        writeln!(
            out,
            "{:<44} {:<6} {:<8} {:<21} {until}{sealed}",
            key.kid,
            key.algorithm,
            status,
            time(key.created_at)
        )?;
    }
    Ok(())
}
