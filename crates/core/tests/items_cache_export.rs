//! Loaded items kept on disk for offline use, and exports of exactly what a view shows.

mod common;

use std::sync::Arc;

use common::*;
use inlet_core::cache::ItemCache;
use inlet_core::export::ExportFormat;
use inlet_core::store::{MemoryStore, TokenStore};
use inlet_core::{Inlet, Integration};
use inlet_sandbox::Knobs;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn a_load_is_cached_shown_again_at_start_and_exported_as_viewed() {
    let sandbox = sandbox(Knobs::default()).await;
    let dir = std::env::temp_dir().join(format!("inlet-items-{}", std::process::id()));
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let hubspot = settings_for(
        &sandbox,
        Integration::Hubspot,
        inlet_sandbox::CLIENT_ID,
        Some(inlet_sandbox::CLIENT_SECRET),
    );
    let settings = || vec![hubspot.clone()];
    let inlet = Inlet::new(settings(), store.clone(), policy())
        .unwrap()
        .with_cache(ItemCache::new(&dir));
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    let result = inlet
        .load(
            Integration::Hubspot,
            Arc::new(|_| {}),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    let status = inlet.integrations().await.unwrap();
    assert!(status.iter().any(|s| s.integration == Integration::Hubspot
        && s.last_load.is_some()
        && s.connected_at.is_some()));

    // A new start of the app, offline: the cached items come back with their age.
    drop(sandbox);
    let restarted = Inlet::new(settings(), store.clone(), policy())
        .unwrap()
        .with_cache(ItemCache::new(&dir));
    let cached = restarted.cached_loads().await.unwrap();
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
            .export_all(ExportFormat::Xlsx, &all)
            .await
            .unwrap() as usize,
        result.items.len()
    );
    let mut stale = keys;
    stale.push("hubspot/deal/does-not-exist".into());
    let err = restarted
        .export_view(stale, ExportFormat::Json, &dir.join("stale.json"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    assert!(
        !dir.join("stale.json").exists(),
        "no partial file is left behind"
    );

    // Disconnecting forgets the cached items too.
    restarted.disconnect(Integration::Hubspot).await.unwrap();
    assert!(restarted.cached_loads().await.unwrap().is_empty());
    std::fs::remove_dir_all(&dir).ok();
}
