//! Loaded items kept in the store for offline use, read back as the grid reads them (windows
//! of a view), and exports of exactly what a view shows, streamed from the store.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use inlet_core::ItemKind;
use std::sync::Arc;

use common::*;
use inlet_core::export::ExportFormat;
use inlet_core::item_store::{SortColumn, ViewSort};
use inlet_core::keychain::{MemoryStore, TokenStore};
use inlet_core::services::ItemView;
use inlet_core::{Inlet, Integration, IntegrationItem};
use inlet_sandbox::Knobs;

/// Every row of `view` over the accounts connected now, read window by window as the grid does.
async fn rows_of(inlet: &Inlet, view: ItemView) -> Vec<IntegrationItem> {
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let mut rows = Vec::new();
    loop {
        let window = inlet
            .library
            .window(&accounts, view.clone(), rows.len() as u32, 100)
            .await
            .unwrap();
        let done = window.rows.len() < 100;
        rows.extend(window.rows.into_iter().map(|r| r.item));
        assert!(rows.len() as u32 <= window.total);
        if done {
            assert_eq!(
                rows.len() as u32,
                window.total,
                "the total counts every row"
            );
            return rows;
        }
    }
}

/// What a start shows: the stored rows of the accounts connected now, by id.
async fn shown_at_start(inlet: &Inlet) -> Vec<IntegrationItem> {
    let mut rows = rows_of(inlet, ItemView::default()).await;
    rows.sort_by_key(|a| a.key());
    rows
}

fn by_key(items: &[IntegrationItem]) -> Vec<IntegrationItem> {
    let mut items = items.to_vec();
    items.sort_by_key(|a| a.key());
    items
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

    // A new start of the app, offline: the stored items come back, with when they were loaded.
    drop(sandbox);
    let restarted = start(&env, Some(demo), store.clone(), Some(dir.clone())).await;
    let accounts = restarted.connections.connected_accounts().await.unwrap();
    let loads = restarted.library.stored_loads(&accounts).await.unwrap();
    assert_eq!(loads.len(), 1);
    assert!(!loads[0].partial && !loads[0].loaded_at.is_empty());
    assert_eq!(shown_at_start(&restarted).await, by_key(&result.items));

    // Export exactly the view: the deals, newest name first, in the grid's order.
    let view = ItemView {
        types: vec![ItemKind::Deal],
        sort: ViewSort {
            column: SortColumn::Name,
            descending: true,
        },
        ..ItemView::default()
    };
    let shown = rows_of(&restarted, view.clone()).await;
    assert!(shown.len() > 1 && shown.iter().all(|i| i.item_type == ItemKind::Deal));
    let path = dir.join("view.csv");
    let written = restarted
        .library
        .export_view(&accounts, view, ExportFormat::Csv, &path)
        .await
        .unwrap();
    assert_eq!(written as usize, shown.len());
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let ids: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    assert_eq!(ids, shown.iter().map(|i| i.id.clone()).collect::<Vec<_>>());

    let all = dir.join("all.xlsx");
    assert_eq!(
        restarted
            .library
            .export_view(&accounts, ItemView::default(), ExportFormat::Xlsx, &all)
            .await
            .unwrap() as usize,
        result.items.len()
    );

    // Disconnecting takes the items off the screen and keeps them stored until asked to forget.
    let account = restarted
        .connections
        .disconnect(Integration::Hubspot)
        .await
        .unwrap()
        .expect("it was connected")
        .account;
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
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue; // the refresh locks: empty files
        }
        let bytes = std::fs::read(path).unwrap();
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
    let legacy = inlet_core::legacy_json::CachedLoad {
        integration: Integration::Hubspot,
        mode: inlet_core::Mode::Sandbox,
        account: account.clone(),
        loaded_at: chrono::Utc::now(),
        partial: false,
        items: inlet_core::fixtures::contacts(30),
        changes: None,
    };
    inlet_core::legacy_json::ItemCache::new(dir.join("items"))
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
    assert_eq!(shown_at_start(&inlet).await, by_key(&legacy.items));
    assert!(!dir.join("items").exists(), "the JSON files are gone");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn every_loaded_integration_keeps_its_last_load_while_others_connect() {
    let sandbox = sandbox(Knobs::default()).await;
    let (inlet, dir) = stored_inlet(&sandbox, "last-load").await;
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
