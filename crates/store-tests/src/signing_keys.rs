//! `SigningKeyStore`: the keys every node shares.

use chrono::TimeDelta;
use latchkey_application::ports::{SigningKeyStore, StoredSigningKey};

use crate::fixtures::{now, signing_key};
use crate::{TestResult, TestStore, race};

pub async fn nodes_starting_together_agree_on_one_signing_key(db: &impl TestStore) -> TestResult {
    let nodes = race(5, |node| {
        let store = db.store().clone();
        let candidate = signing_key(u8::try_from(node).unwrap_or(u8::MAX));
        async move { store.ensure_active_key(candidate, now()).await }
    })
    .await?;
    let mut active_kids = Vec::new();
    for keys in nodes {
        let keys = keys?;
        assert_eq!(keys.len(), 1, "only one key may exist");
        active_kids.extend(keys.into_iter().map(|key| key.kid));
    }

    assert_eq!(active_kids.len(), 5);
    active_kids.dedup();
    assert_eq!(active_kids.len(), 1, "nodes disagree: {active_kids:?}");
    assert_eq!(db.count("signing_keys").await?, 1);
    Ok(())
}

pub async fn a_rotated_key_stays_published_until_it_expires(db: &impl TestStore) -> TestResult {
    let start = now();
    let at = |seconds| start + TimeDelta::seconds(seconds);
    let kids =
        |keys: Vec<StoredSigningKey>| keys.into_iter().map(|key| key.kid).collect::<Vec<_>>();
    let store = db.store();
    store.ensure_active_key(signing_key(0), start).await?;
    let after_one = kids(store.rotate_key(signing_key(1), at(1), at(3600)).await?);
    assert_eq!(after_one, ["key-of-node-1", "key-of-node-0"]);

    let after_two = kids(store.rotate_key(signing_key(2), at(2), at(7200)).await?);
    assert_eq!(
        after_two,
        ["key-of-node-2", "key-of-node-1", "key-of-node-0"],
        "the active key first, then the retired ones, most recently retired first"
    );
    let adopted = kids(store.ensure_active_key(signing_key(3), at(3)).await?);
    assert_eq!(
        adopted, after_two,
        "a rotated key is the active key nodes adopt"
    );

    let published = kids(store.list_published_keys(at(3600)).await?);
    assert_eq!(
        published,
        ["key-of-node-2", "key-of-node-1"],
        "unpublished at expiry"
    );
    let published = kids(store.list_published_keys(at(7200)).await?);
    assert_eq!(published, ["key-of-node-2"]);
    assert_eq!(
        db.count("signing_keys").await?,
        3,
        "expired keys are kept, unpublished"
    );
    Ok(())
}
