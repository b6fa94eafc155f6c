//! A Notion sync over real HTTP against the sandbox: after people renamed pages, added rows
//! search has not indexed, moved rows and pages (with what is under them) to the trash and made
//! subpages, a sync fetches only those — search newest first, each data source's rows edited
//! since and its trash, the changed pages' blocks — and leaves the store exactly as a full load
//! of the workspace would, content included.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;

use common::*;
use inlet_core::item_store::ChangeSummary;
use inlet_core::load::LoadResult;
use inlet_core::providers::LoadRequest;
use inlet_core::{Inlet, Integration, ItemKind};
use inlet_sandbox::{DataEdit, DatasetSize, Knobs, Sandbox, SandboxConfig};

fn request(sync: bool) -> LoadRequest {
    LoadRequest {
        sync,
        content: true,
        ..LoadRequest::structure()
    }
}

async fn run(inlet: &Inlet, sync: bool) -> LoadResult {
    (inlet.loader)
        .load_with(Integration::Notion, request(sync), no_progress(), true)
        .await
        .unwrap()
}

async fn workspace() -> std::sync::Arc<Sandbox> {
    sandbox_with(SandboxConfig {
        size: DatasetSize {
            notion_pages: 60,
            ..DatasetSize::default()
        },
        // Inlet paces itself at Notion's documented three a second, whatever the sandbox allows.
        knobs: Knobs::default(),
        ..SandboxConfig::default()
    })
    .await
}

/// The stored Markdown of every page, by id.
async fn contents(inlet: &Inlet, result: &LoadResult) -> Vec<(String, Option<String>)> {
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let mut all = Vec::new();
    for item in result
        .items
        .iter()
        .filter(|i| i.item_type == ItemKind::Page)
    {
        let content = inlet
            .library
            .content(&accounts, Integration::Notion, &item.id);
        all.push((item.id.clone(), content.await.unwrap().map(|c| c.markdown)));
    }
    all.sort();
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn a_notion_sync_fetches_only_the_changes_and_equals_a_full_load() {
    let sandbox = workspace().await;
    let requests = || sandbox.counters().api_requests.load(Ordering::SeqCst);
    let (inlet, dir) = stored_inlet(&sandbox, "notion-sync").await;
    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    let full = run(&inlet, false).await;
    let sources = (full.items.iter())
        .filter(|i| i.item_type == ItemKind::DataSource)
        .count() as u32;
    assert!(sources >= 2, "{sources} data sources");

    // Nothing changed: one search, and two queries a data source (rows edited since, its trash).
    let before = requests();
    let unchanged = run(&inlet, true).await;
    assert!(unchanged.incremental);
    assert_eq!(unchanged.changes, Some(ChangeSummary::default()));
    assert_eq!(by_key(&unchanged.items), by_key(&full.items));
    assert_eq!(unchanged.requests, 1 + 2 * sources);
    assert_eq!(requests() - before, u64::from(unchanged.requests));

    sandbox.edit_data(&DataEdit {
        notion_renamed: 3,
        notion_added_rows: 2,
        notion_trashed_rows: 2,
        notion_trashed_pages: 1,
        notion_subpages: 2,
        notion_moved: 1,
        ..DataEdit::default()
    });
    let synced = run(&inlet, true).await;
    assert!(
        synced.incremental && !synced.partial,
        "{:?}",
        synced.failures
    );
    let changes = synced.changes.unwrap();
    assert_eq!(changes.new, 4, "{changes:?}: two rows and two subpages");
    assert!(changes.changed >= 3, "{changes:?}");
    assert!(
        changes.gone >= 3,
        "{changes:?}: two rows, a page and what it held"
    );
    // (The content of the changed pages is most of it; the benchmark measures a large one.)
    assert!(
        synced.requests < full.requests,
        "a sync sent {} requests, a full load {}",
        synced.requests,
        full.requests
    );
    // The renamed page's title, from what to what.
    // The page moved under another one (its own time unchanged, so search does not give it)
    // is there, under its new parent (what it held: the comparison with a full load below).
    let moved = (sandbox.dataset().notion.objects.iter())
        .find(|o| {
            o.parent.0 == "page_id"
                && full
                    .items
                    .iter()
                    .any(|i| i.id == o.id && i.parent_id != o.parent.1)
        })
        .expect("a moved page")
        .clone();
    let now = synced
        .items
        .iter()
        .find(|i| i.id == moved.id)
        .expect("still there");
    assert_eq!(now.parent_id, moved.parent.1);
    let held = |result: &LoadResult| {
        (result.items.iter())
            .filter(|i| i.parent_id.as_deref() == Some(moved.id.as_str()))
            .count()
    };
    assert_eq!(held(&synced), held(&full));
    let renamed = sandbox.dataset().notion.objects[0].clone();
    let name = only_change_of(&inlet, &renamed.id, "name").await;
    assert_eq!(name.to, serde_json::json!(renamed.title));
    // Who renamed it, as the page's `last_edited_by` says (a partial user: its id).
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let history = (inlet.library.item_history(&accounts, &renamed.id))
        .await
        .unwrap();
    assert_eq!(
        history[0].edited_by.as_deref(),
        Some("00000000-0000-0000-0000-00000000000a")
    );

    // A full load of the same workspace into a store of its own finds the same items, alike,
    // with the same content.
    let (fresh, fresh_dir) = stored_inlet(&sandbox, "notion-sync-full").await;
    connect_to(&fresh, Integration::Notion).await.0.unwrap();
    let reference = run(&fresh, false).await;
    let (mine, theirs) = (by_key(&synced.items), by_key(&reference.items));
    let keys = |all: &[(String, serde_json::Value)]| {
        all.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()
    };
    assert_eq!(keys(&mine), keys(&theirs));
    for (mine, theirs) in mine.iter().zip(&theirs) {
        assert_eq!(mine, theirs);
    }
    assert_eq!(
        contents(&inlet, &synced).await,
        contents(&fresh, &reference).await
    );

    // The week's full load after syncs finds nothing they missed here.
    let again = run(&inlet, false).await;
    assert_eq!(again.changes, Some(ChangeSummary::default()));
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(fresh_dir);
}
