//! Notion pages search misses, found under their parents: Notion's search "is not guaranteed to
//! return everything" and lags behind pages made a moment ago, so a load walks each page's block
//! children for child pages and databases — on a first load every page's, later only those of
//! pages edited since, the others keeping the children they had (a page search misses this time
//! but whose unchanged parent held it is read by itself, not taken for gone).

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;

use common::*;
use inlet_core::Integration;
use inlet_sandbox::{DataEdit, DatasetSize, Knobs, Sandbox, SandboxConfig};

fn requests(sandbox: &Sandbox) -> u64 {
    sandbox.counters().api_requests.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_search_missed_are_found_under_their_parents_and_only_edited_pages_are_walked_again()
{
    let sandbox = sandbox_with(SandboxConfig {
        size: DatasetSize {
            notion_pages: 60,
            ..DatasetSize::default()
        },
        knobs: Knobs {
            notion_search_misses: 4,
            ..Knobs::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let (inlet, dir) = stored_inlet(&sandbox, "notion-walk").await;
    connect_to(&inlet, Integration::Notion).await.0.unwrap();

    let before = requests(&sandbox);
    let first = load(&inlet, Integration::Notion).await.unwrap();
    let first_cost = requests(&sandbox) - before;
    assert_complete(&sandbox, Integration::Notion, &first);
    assert!(
        first
            .notes
            .iter()
            .any(|n| n.contains("that their parent still lists")),
        "{:?}",
        first.notes
    );

    // Nothing changed: no page's blocks are read again, and what search misses is still there.
    let before = requests(&sandbox);
    let second = load(&inlet, Integration::Notion).await.unwrap();
    let second_cost = requests(&sandbox) - before;
    assert_complete(&sandbox, Integration::Notion, &second);
    let unchanged = second.changes.map(|c| (c.new, c.changed, c.gone));
    assert_eq!(
        unchanged,
        Some((0, 0, 0)),
        "nothing changed, whichever way it was found"
    );
    let pages = sandbox
        .dataset()
        .notion
        .objects
        .iter()
        .filter(|o| o.object == "page" && o.data_source.is_none())
        .count() as u64;
    assert!(
        second_cost + pages <= first_cost,
        "the second load reads no page's blocks: {second_cost} requests after {first_cost}"
    );

    // Two pages are made inside a page a moment ago: search has not indexed them, their parent
    // was edited — its blocks are read again and they are found.
    sandbox.edit_data(&DataEdit {
        notion_subpages: 2,
        ..DataEdit::default()
    });
    let third = load(&inlet, Integration::Notion).await.unwrap();
    assert_complete(&sandbox, Integration::Notion, &third);
    let changes = third.changes.unwrap();
    // The two pages, and their parent (edited, with two more children).
    assert_eq!(
        (changes.new, changes.changed, changes.gone),
        (2, 1, 0),
        "{changes:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
