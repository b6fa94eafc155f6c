//! A refused refresh never overwrites a newer pair: when the provider turns a refresh token
//! down (Airtable: 409 for one rotated moments ago, `invalid_grant` after), the keychain is read
//! again, and a pair another process stored meanwhile is used instead of asking to reconnect.

mod common;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use common::{connect_to, endpoint, sandbox, start, Env};
use inlet_core::http::{http_client, AccessTokens};
use inlet_core::providers::provider;
use inlet_core::store::{MemoryStore, StoredConnection, TokenStore};
use inlet_core::tokens::{ConnectionTokens, RefreshLocks};
use inlet_core::{CoreError, Integration, Result};
use inlet_sandbox::Knobs;

/// The keychain as another process saw it a moment ago: the first `stale_reads` reads of the
/// connection return `stale`, later ones what is stored now.
struct SeenEarlier {
    now: Arc<MemoryStore>,
    stale: StoredConnection,
    stale_reads: Mutex<usize>,
}

impl TokenStore for SeenEarlier {
    fn keys(&self) -> Result<Vec<String>> {
        self.now.keys()
    }
    fn get(&self, key: &str) -> Result<Option<StoredConnection>> {
        let mut left = self.stale_reads.lock().unwrap();
        if *left > 0 && key == self.stale.key() {
            *left -= 1;
            return Ok(Some(self.stale.clone()));
        }
        self.now.get(key)
    }
    fn put(&self, connection: &StoredConnection) -> Result<()> {
        self.now.put(connection)
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.now.delete(key)
    }
    fn get_entry(&self, name: &str) -> Result<Option<String>> {
        self.now.get_entry(name)
    }
    fn put_entry(&self, name: &str, value: &str) -> Result<()> {
        self.now.put_entry(name, value)
    }
    fn delete_entry(&self, name: &str) -> Result<()> {
        self.now.delete_entry(name)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_refresh_uses_the_newer_pair_and_never_overwrites_it() {
    let sandbox = sandbox(Knobs::default()).await;
    let store = Arc::new(MemoryStore::default());
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let first = start(&Env::of(&[]), Some(demo), store.clone(), None).await;
    connect_to(&first, Integration::Airtable).await.0.unwrap();
    let key = store.keys().unwrap().remove(0);
    let before = store.get(&key).unwrap().unwrap();

    // The first process refreshes (the refresh token rotates) and stores the new pair.
    sandbox.expire_access_tokens();
    common::load(&first, Integration::Airtable).await.unwrap();
    let newer = store.get(&key).unwrap().unwrap();
    assert_ne!(newer.refresh_token, before.refresh_token);
    assert_eq!(sandbox.refresh_count(), 1);

    // A second process read the old, expiring pair (when it looked, and again inside its lock)
    // and refreshes with the dead refresh token: Airtable answers 409.
    let mut stale = before.clone();
    stale.expires_at = Some(Utc::now());
    let second = ConnectionTokens::new(
        Arc::new(SeenEarlier {
            now: store.clone(),
            stale,
            stale_reads: Mutex::new(2),
        }),
        &RefreshLocks::default(),
        key.clone(),
        first.connections.settings(Integration::Airtable).unwrap(),
        provider(Integration::Airtable),
        http_client().unwrap(),
    );
    let token = second.current().await.unwrap();
    assert_eq!(token, newer.access_token, "the newer pair is used");
    let kept = store.get(&key).unwrap().unwrap();
    assert_eq!(
        kept.refresh_token, newer.refresh_token,
        "nothing overwritten"
    );
    assert!(!kept.reconnect_needed);
    assert_eq!(sandbox.refresh_count(), 1, "no second refresh succeeded");

    // With no newer pair, a refused refresh token does mean "connect again".
    sandbox.revoke_refresh_tokens();
    sandbox.expire_access_tokens();
    let error = common::load(&first, Integration::Airtable)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CoreError::ReconnectNeeded { .. }),
        "{error}"
    );
    let marked = store.get(&key).unwrap().unwrap();
    assert!(marked.reconnect_needed);
    assert_eq!(marked.refresh_token, newer.refresh_token);
}
