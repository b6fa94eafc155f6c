//! A refused refresh never overwrites a newer pair: when the provider turns a refresh token
//! down (`invalid_grant` for one already rotated), the keychain is read again, and a pair another
//! process stored meanwhile is used instead of asking to reconnect. Airtable revokes the whole
//! grant when a refresh token is used twice, so Inlet must never do it: a refresh whose answer
//! was lost (the token may have rotated) says "reconnect" instead of trying the old token again.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, Mutex};

use chrono::Utc;
use common::{connect_to, endpoint, sandbox, start, Env};
use inlet_core::http::{http_client, AccessTokens};
use inlet_core::keychain::{MemoryStore, StoredConnection, TokenStore};
use inlet_core::providers::provider;
use inlet_core::tokens::{ConnectionTokens, RefreshLocks};
use inlet_core::{CoreError, Integration, Result};
use inlet_sandbox::Knobs;

/// What another process does to the keychain at the `n`th read (from 1) of a connection: answer
/// with an entry as it saw it (`Some`), or change what is stored and let the read go on (`None`).
type OnRead = Box<dyn Fn(usize, &MemoryStore) -> Option<StoredConnection> + Send + Sync>;

/// The keychain shared with another process, whose doings `on_read` plays.
struct Shared {
    now: Arc<MemoryStore>,
    reads: Mutex<usize>,
    on_read: OnRead,
}

impl Shared {
    fn new(now: Arc<MemoryStore>, on_read: OnRead) -> Arc<Self> {
        Arc::new(Self {
            now,
            reads: Mutex::new(0),
            on_read,
        })
    }
}

impl TokenStore for Shared {
    fn keys(&self) -> Result<Vec<String>> {
        self.now.keys()
    }
    fn get(&self, key: &str) -> Result<Option<StoredConnection>> {
        let mut reads = self.reads.lock().unwrap();
        *reads += 1;
        if let Some(seen) = (self.on_read)(*reads, &self.now) {
            return Ok(Some(seen));
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
    // Notion rotates its refresh tokens and refuses one used twice (documenting nothing more).
    let sandbox = sandbox(Knobs::default()).await;
    let store = Arc::new(MemoryStore::default());
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let first = start(&Env::of(&[]), Some(demo), store.clone(), None).await;
    connect_to(&first, Integration::Notion).await.0.unwrap();
    let key = store.keys().unwrap().remove(0);
    let before = store.get(&key).unwrap().unwrap();

    // The first process refreshes (the refresh token rotates) and stores the new pair.
    sandbox.expire_access_tokens();
    common::load(&first, Integration::Notion).await.unwrap();
    let newer = store.get(&key).unwrap().unwrap();
    assert_ne!(newer.refresh_token, before.refresh_token);
    assert_eq!(sandbox.refresh_count(), 1);

    // A second process read the old, expiring pair (when it looked, and again inside its lock)
    // and refreshes with the dead refresh token: Notion refuses it.
    let mut stale = before.clone();
    stale.expires_at = Some(Utc::now());
    // The keychain as another process saw it a moment ago: the first two reads of the
    // connection return the stale pair, later ones what is stored now.
    let second = ConnectionTokens::new(
        Shared::new(
            store.clone(),
            Box::new(move |n, _| (n <= 2).then(|| stale.clone())),
        ),
        &RefreshLocks::default(),
        key.clone(),
        first.connections.settings(Integration::Notion).unwrap(),
        provider(Integration::Notion),
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
    let error = common::load(&first, Integration::Notion).await.unwrap_err();
    assert!(
        matches!(error, CoreError::ReconnectNeeded { .. }),
        "{error}"
    );
    let marked = store.get(&key).unwrap().unwrap();
    assert!(marked.reconnect_needed);
    assert_eq!(marked.refresh_token, newer.refresh_token);
}

/// A refresh that finishes after Disconnect writes nothing back: the card must not say
/// "connected" again with a live rotated pair (Airtable has no revoke endpoint).
#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_finishing_after_a_disconnect_writes_nothing_back() {
    let sandbox = sandbox(Knobs::default()).await;
    let store = Arc::new(MemoryStore::default());
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let inlet = start(&Env::of(&[]), Some(demo), store.clone(), None).await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let key = store.keys().unwrap().remove(0);
    let mut expiring = store.get(&key).unwrap().unwrap();
    expiring.expires_at = Some(Utc::now());
    store.put(&expiring).unwrap();
    // Another process disconnects while this one refreshes: the entry is deleted right before
    // the refresh would write its rotated pair (the third read of it: the first look, the read
    // inside the lock, the check before writing).
    let gone = key.clone();
    let tokens = ConnectionTokens::new(
        Shared::new(
            store.clone(),
            Box::new(move |n, now| {
                if n == 3 {
                    now.delete(&gone).unwrap();
                }
                None
            }),
        ),
        &RefreshLocks::default(),
        key.clone(),
        inlet.connections.settings(Integration::Airtable).unwrap(),
        provider(Integration::Airtable),
        http_client().unwrap(),
    );
    let error = tokens.current().await.unwrap_err();
    assert_eq!(error.code(), "not_connected", "{error}");
    assert_eq!(sandbox.refresh_count(), 1, "the refresh did happen");
    assert!(
        store.get(&key).unwrap().is_none(),
        "written back after the disconnect"
    );
    assert!(inlet
        .connections
        .credentials(Integration::Airtable)
        .await
        .unwrap()
        .is_none());
}

/// Disconnect takes the connection's lock (here: the lock file another process holds while it
/// refreshes) and waits for it, so the refresh's rotated pair is what it revokes and forgets.
#[tokio::test(flavor = "multi_thread")]
async fn disconnect_waits_for_a_refresh_in_another_process() {
    let sandbox = sandbox(Knobs::default()).await;
    let store = Arc::new(MemoryStore::default());
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let data_dir = tempfile::tempdir().unwrap();
    let inlet = Arc::new(
        start(
            &Env::of(&[]),
            Some(demo),
            store.clone(),
            Some(data_dir.path().to_owned()),
        )
        .await,
    );
    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    let key = store.keys().unwrap().remove(0);
    let other_process = RefreshLocks::in_dir(data_dir.path().join("locks"), "dev.inlet.app");
    let refreshing = other_process.hold(&key).await.unwrap();
    let disconnecting = {
        let inlet = inlet.clone();
        tokio::spawn(async move { inlet.connections.disconnect(Integration::Notion).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !disconnecting.is_finished(),
        "disconnect did not wait for the refresh"
    );
    assert!(store.get(&key).unwrap().is_some());
    drop(refreshing);
    let gone = disconnecting.await.unwrap().unwrap();
    assert!(gone.is_some());
    assert!(store.get(&key).unwrap().is_none());
}

/// Airtable revokes the grant when a refresh token is used twice. Inlet's locks keep it from
/// happening; a process that skipped them (here: one whose keychain read is stale) costs the
/// whole connection, and every holder of it then hears "reconnect".
#[tokio::test(flavor = "multi_thread")]
async fn an_airtable_refresh_token_used_twice_revokes_the_grant() {
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
    let mut stale = store.get(&key).unwrap().unwrap();
    sandbox.expire_access_tokens();
    common::load(&first, Integration::Airtable).await.unwrap();
    assert_eq!(sandbox.refresh_count(), 1);
    assert_eq!(
        sandbox.grants_revoked_on_reuse(),
        0,
        "a locked refresh is used once"
    );

    stale.expires_at = Some(Utc::now());
    let careless = ConnectionTokens::new(
        Shared::new(
            store.clone(),
            Box::new(move |n, _| (n <= 2).then(|| stale.clone())),
        ),
        &RefreshLocks::default(),
        key.clone(),
        first.connections.settings(Integration::Airtable).unwrap(),
        provider(Integration::Airtable),
        http_client().unwrap(),
    );
    let _ = careless.current().await;
    assert_eq!(
        sandbox.grants_revoked_on_reuse(),
        1,
        "the reuse revoked the grant"
    );
    let error = common::load(&first, Integration::Airtable)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "reconnect_needed", "{error}");
}

/// A refresh whose answer is lost may have rotated the token at Airtable: Inlet says
/// "reconnect" and never sends the old refresh token again (which would revoke the grant).
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_airtable_refresh_answer_says_reconnect_without_reusing_the_token() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = common::inlet(&sandbox).await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    sandbox.set_knobs(Knobs {
        airtable_lose_refresh_answers: 1,
        ..Knobs::default()
    });
    sandbox.expire_access_tokens();
    let error = common::load(&inlet, Integration::Airtable)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "reconnect_needed", "{error}");
    assert_eq!(sandbox.refresh_count(), 1, "Airtable did rotate the token");
    // Later loads say the same without trying the old token.
    let again = common::load(&inlet, Integration::Airtable)
        .await
        .unwrap_err();
    assert_eq!(again.code(), "reconnect_needed", "{again}");
    assert_eq!(sandbox.grants_revoked_on_reuse(), 0, "never used twice");
    let status = inlet.connections.integrations().await.unwrap();
    assert!(status
        .iter()
        .any(|s| s.integration == Integration::Airtable && s.reconnect_needed));
}
