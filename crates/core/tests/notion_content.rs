//! Notion page content through the real path (sandbox over HTTP → blocks → Markdown → the
//! SQLite store): every block type as Markdown (a golden file), words only in a page's body
//! found by search, content read again only for pages edited since — the requests those pages
//! need and no more — and a content load cancelled half-way that resumes where it stopped.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use inlet_core::providers::LoadRequest;
use inlet_core::services::ItemView;
use inlet_core::{Inlet, Integration, ItemKind};
use inlet_sandbox::{notion_block_reads, DataEdit, DatasetSize, Sandbox, SandboxConfig};

fn requests(sandbox: &Sandbox) -> u64 {
    sandbox.counters().api_requests.load(Ordering::SeqCst)
}

fn with_content() -> LoadRequest {
    LoadRequest {
        content: true,
        ..LoadRequest::default()
    }
}

async fn small_workspace() -> Arc<Sandbox> {
    sandbox_with(SandboxConfig {
        size: DatasetSize {
            notion_pages: 60,
            ..DatasetSize::default()
        },
        ..SandboxConfig::default()
    })
    .await
}

/// Loads Notion with `request`; answers the result and the requests it took.
async fn load_counting(
    sandbox: &Sandbox,
    inlet: &Inlet,
    request: LoadRequest,
) -> (inlet_core::load::LoadResult, u64) {
    let before = requests(sandbox);
    let result = inlet
        .loader
        .load_with(Integration::Notion, request, no_progress(), true)
        .await
        .unwrap();
    (result, requests(sandbox) - before)
}

/// The stored Markdown of page `id`, if any.
async fn markdown(inlet: &Inlet, id: &str) -> Option<String> {
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let content = inlet.library.content(&accounts, Integration::Notion, id);
    content.await.unwrap().map(|c| c.markdown)
}

/// Compares `text` with the golden file `name` (`INLET_UPDATE_GOLDEN=1` writes it).
fn golden(name: &str, text: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("INLET_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, expected, "differs from {}", path.display());
}

#[tokio::test(flavor = "multi_thread")]
async fn page_content_is_markdown_found_by_search_and_read_again_only_where_edited() {
    let sandbox = small_workspace().await;
    let (inlet, dir) = stored_inlet(&sandbox, "notion-content").await;
    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    let (first, _) = load_counting(&sandbox, &inlet, with_content()).await;
    assert_complete(&sandbox, Integration::Notion, &first);

    // Every page, rows included, has its content.
    let pages: Vec<String> = (first.items.iter())
        .filter(|i| i.item_type == ItemKind::Page)
        .map(|i| i.id.clone())
        .collect();
    for page in &pages {
        let text = markdown(&inlet, page).await.unwrap();
        assert!(text.starts_with("Some text."), "{page}: {text}");
    }
    // Every block type, as Markdown.
    let dataset = sandbox.dataset();
    let showcases: HashSet<String> = (dataset.notion.showcase_pages())
        .map(|p| p.id.clone())
        .collect();
    // The first in the dataset's order (the golden file names its sub-pages).
    let showcase = dataset.notion.showcase_pages().next().unwrap().id.clone();
    golden(
        "notion_every_block.md",
        &markdown(&inlet, &showcase)
            .await
            .unwrap()
            .replace(&showcase.replace('-', ""), "PAGE"),
    );

    // A word only in a page's body finds the page.
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let view = ItemView {
        search: "Mind".into(),
        ..ItemView::default()
    };
    let found = inlet.library.window(&accounts, view, 0, 100).await.unwrap();
    let found: HashSet<String> = found.rows.into_iter().map(|r| r.item.id).collect();
    assert_eq!(found, showcases);

    // Nothing edited: a content load costs what a load without content does.
    let (_, plain) = load_counting(&sandbox, &inlet, LoadRequest::structure()).await;
    let (_, unchanged) = load_counting(&sandbox, &inlet, with_content()).await;
    assert_eq!(unchanged, plain, "no page's content is read again");

    // Three pages edited: their blocks are read again, and nothing else.
    sandbox.edit_data(&DataEdit {
        notion_content_edits: 3,
        ..DataEdit::default()
    });
    let dataset = sandbox.dataset();
    let edited: Vec<&str> = (dataset.notion.objects.iter())
        .filter(|o| o.object == "page")
        .take(3)
        .map(|o| o.id.as_str())
        .collect();
    let needed: u64 = (edited.iter())
        .map(|p| notion_block_reads(&dataset.notion, p) as u64)
        .sum();
    let (after, cost) = load_counting(&sandbox, &inlet, with_content()).await;
    assert_complete(&sandbox, Integration::Notion, &after);
    assert_eq!(cost, plain + needed, "the edited pages' blocks and no more");
    for page in &edited {
        let text = markdown(&inlet, page).await.unwrap();
        assert!(text.starts_with("Some text, revision 1."), "{page}: {text}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_content_load_cancelled_half_way_resumes_where_it_stopped() {
    let sandbox = small_workspace().await;
    // What a first load without content costs, from a store of its own.
    let (plain_inlet, plain_dir) = stored_inlet(&sandbox, "notion-plain").await;
    connect_to(&plain_inlet, Integration::Notion)
        .await
        .0
        .unwrap();
    let (_, plain) = load_counting(&sandbox, &plain_inlet, LoadRequest::structure()).await;

    let (inlet, dir) = stored_inlet(&sandbox, "notion-resume").await;
    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    // Cancelled once the content of a few pages arrived.
    let stop = Arc::new(AtomicBool::new(false));
    let seen = stop.clone();
    let progress: inlet_core::load::ProgressFn = Arc::new(move |p| {
        if p.stream == "page content" && p.items >= 5 {
            seen.store(true, Ordering::SeqCst);
        }
    });
    let load = inlet
        .loader
        .load_with(Integration::Notion, with_content(), progress, false);
    let canceller = load.canceller();
    let watcher = tokio::spawn(async move {
        while !stop.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        canceller.cancel();
    });
    assert_eq!(load.await.unwrap_err().code(), "cancelled");
    watcher.await.unwrap();

    let dataset = sandbox.dataset();
    let pages: Vec<&str> = (dataset.notion.objects.iter())
        .filter(|o| o.object == "page")
        .map(|o| o.id.as_str())
        .collect();
    let mut kept = HashSet::new();
    for page in &pages {
        if markdown(&inlet, page).await.is_some() {
            kept.insert(*page);
        }
    }
    assert!(
        !kept.is_empty() && kept.len() < pages.len(),
        "{} of {}",
        kept.len(),
        pages.len()
    );

    // Resumed: only the rows whose content was not kept are read beyond a plain first load (the
    // walk reads every other page's blocks on a first load anyway).
    let rows: Vec<&str> = (dataset.notion.objects.iter())
        .filter(|o| o.object == "page" && o.data_source.is_some())
        .map(|o| o.id.as_str())
        .filter(|id| !kept.contains(id))
        .collect();
    let needed: u64 = (rows.iter())
        .map(|p| notion_block_reads(&dataset.notion, p) as u64)
        .sum();
    let (resumed, cost) = load_counting(&sandbox, &inlet, with_content()).await;
    assert_complete(&sandbox, Integration::Notion, &resumed);
    assert_eq!(cost, plain + needed, "what was kept is not read again");
    for page in &pages {
        assert!(markdown(&inlet, page).await.is_some(), "{page}");
    }
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(plain_dir).ok();
}
