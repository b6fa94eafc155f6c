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

    // Disconnecting forgets the cached items too.
    restarted
        .connections
        .disconnect(Integration::Hubspot)
        .await
        .unwrap();
    assert!(shown_at_start(&restarted).await.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}
