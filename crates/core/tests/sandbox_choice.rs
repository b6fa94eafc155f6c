//! The built-in sandbox starts only when the person chooses it (or has a sandbox connection),
//! never merely because Inlet was launched: a fresh install serves nothing on loopback.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use common::{connect_to, endpoint, sandbox, Env};
use inlet_core::keychain::{MemoryStore, TokenStore};
use inlet_core::services::{DemoServer, StartOptions};
use inlet_core::{Inlet, Integration, Mode, SandboxEndpoint};
use inlet_sandbox::Knobs;

/// A built-in demo (one that starts a server) that counts its starts.
struct CountingDemo {
    endpoint: SandboxEndpoint,
    starts: AtomicUsize,
}

#[async_trait]
impl DemoServer for CountingDemo {
    async fn endpoint(&self) -> inlet_core::Result<SandboxEndpoint> {
        self.starts.fetch_add(1, Ordering::SeqCst);
        Ok(self.endpoint.clone())
    }

    fn starts_a_server(&self) -> bool {
        true
    }
}

async fn launch(store: Arc<dyn TokenStore>, demo: Arc<CountingDemo>) -> Inlet {
    let env = Env::of(&[]);
    Inlet::start(StartOptions {
        store: Some(store),
        demo: Some(demo),
        ..StartOptions::new(&env)
    })
    .await
    .unwrap()
}

async fn modes(inlet: &Inlet) -> Vec<Option<Mode>> {
    let statuses = inlet.connections.integrations().await.unwrap();
    statuses.into_iter().map(|s| s.mode).collect()
}

#[tokio::test]
async fn the_sandbox_starts_when_chosen_and_at_later_launches_not_before() {
    let sandbox = sandbox(Knobs::default()).await;
    let demo = Arc::new(CountingDemo {
        endpoint: endpoint(
            &sandbox,
            inlet_sandbox::CLIENT_ID,
            inlet_sandbox::CLIENT_SECRET,
        ),
        starts: AtomicUsize::new(0),
    });
    let store: Arc<MemoryStore> = Arc::new(MemoryStore::default());

    // A fresh launch: nothing started, every provider waits to be set up.
    let inlet = launch(store.clone(), demo.clone()).await;
    assert_eq!(demo.starts.load(Ordering::SeqCst), 0);
    assert_eq!(modes(&inlet).await, vec![None, None, None]);
    assert_eq!(
        inlet
            .sign_in
            .begin(Integration::Hubspot)
            .await
            .err()
            .unwrap()
            .code(),
        "not_configured"
    );

    // Chosen: it starts, and every provider without credentials uses it.
    inlet.connections.choose_sandbox().await.unwrap();
    assert_eq!(demo.starts.load(Ordering::SeqCst), 1);
    assert_eq!(modes(&inlet).await, vec![Some(Mode::Sandbox); 3]);
    connect_to(&inlet, Integration::Notion).await.0.unwrap();

    // A later launch remembers the choice.
    let again = launch(store.clone(), demo.clone()).await;
    assert_eq!(modes(&again).await, vec![Some(Mode::Sandbox); 3]);
    assert_eq!(demo.starts.load(Ordering::SeqCst), 2);

    // A sandbox connection alone (the choice made by an earlier version) is enough too.
    store.delete_entry("sandbox:chosen").unwrap();
    let with_connection = launch(store.clone(), demo.clone()).await;
    assert_eq!(modes(&with_connection).await, vec![Some(Mode::Sandbox); 3]);
    for key in store.keys().unwrap() {
        store.delete(&key).unwrap();
    }
    let none = launch(store.clone(), demo.clone()).await;
    assert_eq!(modes(&none).await, vec![None, None, None]);
}
