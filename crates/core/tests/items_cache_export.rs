//! Loaded items kept on disk for offline use, and exports of exactly what a view shows.

mod common;

use std::sync::Arc;

use common::*;
use inlet_core::export::ExportFormat;
use inlet_core::store::{MemoryStore, TokenStore};
use inlet_core::{Inlet, Integration};
use inlet_sandbox::Knobs;

/// The cached loads a start shows: those of the accounts connected now.
async fn shown_at_start(inlet: &Inlet) -> Vec<inlet_core::cache::CachedLoad> {
    let current = inlet.connections.current_accounts().await.unwrap();
    inlet.library.cached_loads(&current).await.unwrap()
}

#[tokio::test]
async fn a_load_is_cached_shown_again_at_start_and_exported_as_viewed() {
    let sandbox = sandbox(Knobs::default()).await;
    let dir = std::env::temp_dir().join(format!("inlet-items-{}", std::process::id()));
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let env = Env::of(&[]);
    let inlet = start(&env, Some(demo.clone()), store.clone(), Some(dir.clone())).await;
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    let result = load(&inlet, Integration::Hubspot).await.unwrap();
    let status = inlet.connections.integrations().await.unwrap();
    assert!(status.iter().any(|s| s.integration == Integration::Hubspot
        && s.last_load.is_some()
        && s.connected_at.is_some()));

    // A new start of the app, offline: the cached items come back with their age.
    drop(sandbox);
    let restarted = start(&env, Some(demo), store.clone(), Some(dir.clone())).await;
    let cached = shown_at_start(&restarted).await;
    assert_eq!(cached.len(), 1);
    assert_eq!(cached[0].items, result.items);
    assert!(!cached[0].partial);

    // Export exactly the view: these keys, in this order.
    let mut view: Vec<&inlet_core::IntegrationItem> = result
        .items
        .iter()
        .filter(|i| i.item_type == "deal")
        .collect();
    view.sort_by(|a, b| b.name.cmp(&a.name));
    let keys: Vec<String> = view.iter().map(|i| i.key()).collect();
    let path = dir.join("view.csv");
    let written = restarted
        .library
        .export_view(keys.clone(), ExportFormat::Csv, &path)
        .await
        .unwrap();
    assert_eq!(written as usize, view.len());
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let ids: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert_eq!(ids, view.iter().map(|i| i.id.clone()).collect::<Vec<_>>());

    let all = dir.join("all.xlsx");
    assert_eq!(
        restarted
            .library
            .export_all(ExportFormat::Xlsx, &all)
            .await
            .unwrap() as usize,
        result.items.len()
    );
    let mut stale = keys;
    stale.push("hubspot/deal/does-not-exist".into());
    let err = restarted
        .library
        .export_view(stale, ExportFormat::Json, &dir.join("stale.json"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    assert!(
        !dir.join("stale.json").exists(),
        "no partial file is left behind"
    );

    // Disconnecting takes the items off the screen and keeps them stored until asked to forget.
    let account = restarted
        .connections
        .disconnect(Integration::Hubspot)
        .await
        .unwrap()
        .expect("it was connected");
    assert!(shown_at_start(&restarted).await.is_empty());
    let stored = restarted.library.store().unwrap();
    assert!(stored.current(&account).unwrap().is_some(), "kept");
    restarted.library.forget(&account).await.unwrap();
    assert!(stored.current(&account).unwrap().is_none(), "forgotten");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn loads_go_through_the_store_which_holds_no_token_and_says_what_changed() {
    let sandbox = sandbox(Knobs::default()).await;
    let dir = std::env::temp_dir().join(format!("inlet-store-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let inlet = start(&Env::of(&[]), Some(demo), store.clone(), Some(dir.clone())).await;
    for integration in PROVIDERS {
        connect_to(&inlet, integration).await.0.unwrap();
        let first = load(&inlet, integration).await.unwrap();
        assert_eq!(first.changes, None, "{integration}: a first load");
        let again = load(&inlet, integration).await.unwrap();
        let changes = again.changes.expect("compared with the first load");
        assert_eq!(
            (changes.new, changes.changed, changes.gone),
            (0, 0, 0),
            "{integration}"
        );
        assert_complete(&sandbox, integration, &again);
    }
    // Every token the connections hold, and the client secret, are nowhere in the store's files.
    let mut secrets = vec![inlet_sandbox::CLIENT_SECRET.to_owned()];
    for key in store.keys().unwrap() {
        let connection = store.get(&key).unwrap().unwrap();
        secrets.push(connection.access_token.expose().to_owned());
        if let Some(refresh) = connection.refresh_token {
            secrets.push(refresh.expose().to_owned());
        }
    }
    assert!(secrets.len() > 3);
    let mut everything = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        everything.push_str(&String::from_utf8_lossy(&bytes));
    }
    assert!(
        everything.contains("Sandbox Workspace"),
        "the files hold the store"
    );
    for secret in &secrets {
        assert!(
            !everything.contains(secret.as_str()),
            "a secret reached the store"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_json_cache_of_earlier_versions_moves_into_the_store() {
    let dir = std::env::temp_dir().join(format!("inlet-legacy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let account = inlet_core::fixtures::account("42");
    let legacy = inlet_core::cache::CachedLoad {
        integration: Integration::Hubspot,
        mode: inlet_core::Mode::Sandbox,
        account: account.clone(),
        loaded_at: chrono::Utc::now(),
        partial: false,
        items: inlet_core::fixtures::contacts(30),
        changes: None,
    };
    inlet_core::cache::ItemCache::new(dir.join("items"))
        .save(&legacy)
        .unwrap();
    // A connection for that account, so its items are the ones shown.
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    store
        .put(&inlet_core::fixtures::connection(
            Integration::Hubspot,
            "42",
        ))
        .unwrap();
    let sandbox = sandbox(Knobs::default()).await;
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let inlet = start(&Env::of(&[]), Some(demo), store, Some(dir.clone())).await;
    let shown = shown_at_start(&inlet).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].items, legacy.items);
    assert!(!dir.join("items").exists(), "the JSON files are gone");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn every_loaded_integration_keeps_its_last_load_while_others_connect() {
    let sandbox = sandbox(Knobs::default()).await;
    let dir = std::env::temp_dir().join(format!("inlet-last-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let inlet = start(&Env::of(&[]), Some(demo), store, Some(dir.clone())).await;
    for integration in PROVIDERS {
        connect_to(&inlet, integration).await.0.unwrap();
        load(&inlet, integration).await.unwrap();
    }
    let status = inlet.connections.integrations().await.unwrap();
    for s in &status {
        assert!(s.last_load.is_some(), "{}: no last load", s.integration);
    }
    std::fs::remove_dir_all(&dir).ok();
}
