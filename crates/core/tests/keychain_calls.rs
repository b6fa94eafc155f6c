//! A load reads the keychain a handful of times, whatever the number of requests it sends: the
//! token is kept in memory for the load and the keychain is asked again only inside the refresh
//! lock (the Secret Service stops answering under a call per request).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{connect_to, endpoint, sandbox_with, start, Env};
use inlet_core::keychain::{MemoryStore, StoredConnection, TokenStore};
use inlet_core::{Integration, Result};
use inlet_sandbox::{DatasetSize, SandboxConfig};

/// A token store that counts the calls that reach it.
#[derive(Default)]
struct Counted {
    inner: MemoryStore,
    calls: AtomicUsize,
}

impl Counted {
    fn count(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl TokenStore for Counted {
    fn keys(&self) -> Result<Vec<String>> {
        self.count();
        self.inner.keys()
    }
    fn get(&self, key: &str) -> Result<Option<StoredConnection>> {
        self.count();
        self.inner.get(key)
    }
    fn put(&self, connection: &StoredConnection) -> Result<()> {
        self.count();
        self.inner.put(connection)
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.count();
        self.inner.delete(key)
    }
    fn get_entry(&self, name: &str) -> Result<Option<String>> {
        self.count();
        self.inner.get_entry(name)
    }
    fn put_entry(&self, name: &str, value: &str) -> Result<()> {
        self.count();
        self.inner.put_entry(name, value)
    }
    fn delete_entry(&self, name: &str) -> Result<()> {
        self.count();
        self.inner.delete_entry(name)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_load_reads_the_keychain_a_handful_of_times_whatever_its_size() {
    let size = DatasetSize {
        contacts: 3_000,
        companies: 1_000,
        deals: 1_000,
        ..DatasetSize::default()
    };
    let sandbox = sandbox_with(SandboxConfig {
        size,
        ..SandboxConfig::default()
    })
    .await;
    let store = Arc::new(Counted::default());
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let inlet = start(&Env::of(&[]), Some(demo), store.clone(), None).await;
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();

    for refresh in [false, true] {
        if refresh {
            sandbox.expire_access_tokens(); // a 401 mid-load: one refresh, under the lock
        }
        let before = store.calls.load(Ordering::SeqCst);
        let requests = sandbox.counters().api_requests.load(Ordering::SeqCst);
        let result = common::load(&inlet, Integration::Hubspot).await.unwrap();
        let calls = store.calls.load(Ordering::SeqCst) - before;
        let requests = sandbox.counters().api_requests.load(Ordering::SeqCst) - requests;
        let whole = common::portal::hubspot_ids(&sandbox.dataset().hubspot).len();
        assert_eq!(
            result.count as usize, whole,
            "{whole} items: 5,000 records and the rest"
        );
        assert!(requests >= 50, "{requests} requests");
        // Finding the account, reading its token once, and — after the 401s of the streams
        // running at once — one refresh that each of them re-reads inside the lock.
        assert!(
            calls <= 12,
            "{calls} keychain calls for {requests} requests (refresh: {refresh})"
        );
    }
}
