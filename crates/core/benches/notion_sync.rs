//! `make bench`, what a Notion sync costs (issue 21): a workspace of 8,000 items
//! (`INLET_BENCH_NOTION_ITEMS` to change it) at Notion's documented limit (an average of three
//! requests a second, Inlet's own pace; 30 ms a request), loaded in full once; then a sync of the
//! unchanged workspace (the median of `RUNS`) and syncs after 1 % of its pages were renamed (the
//! median of `RUNS`, each after its own edit), against the full load's time and requests in the
//! same run.

use common::{sandbox_of, stored, sync_figures};
use inlet_core::Integration;
use inlet_sandbox::{DataEdit, DatasetSize, Knobs};

const RUNS: usize = 3;
/// Notion's rate window (nine requests in any three seconds): each sync starts with it empty,
/// as an hourly or daily one does.
const WINDOW: std::time::Duration = std::time::Duration::from_millis(3_500);

#[tokio::main]
async fn main() {
    let items: usize = std::env::var("INLET_BENCH_NOTION_ITEMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8_000);
    let size = DatasetSize {
        contacts: 0,
        companies: 0,
        deals: 0,
        notion_pages: items,
        airtable_bases: 0,
        ..DatasetSize::default()
    };
    let knobs = Knobs {
        latency_ms: 30,
        // Search leaves nothing out here: the sandbox's default (a page in seven) models a
        // workspace shared a moment ago, whose misses a sync leaves to the weekly full load.
        notion_search_misses: 0,
        ..Knobs::default()
    };
    let sandbox = sandbox_of(size, knobs).await;
    let dir = std::env::temp_dir().join("inlet-bench-notion-sync");
    let inlet = stored(&sandbox, Integration::Notion, &dir).await;
    let edited = (items / 100).max(1);
    let edit = DataEdit {
        notion_renamed: edited,
        ..DataEdit::default()
    };
    let figures = sync_figures(
        &sandbox,
        &inlet,
        Integration::Notion,
        RUNS,
        &edit,
        (edited as u32, WINDOW),
        inlet_core::providers::RecordScope::None,
    )
    .await;
    figures.print(
        &format!("Notion full load, {items} pages"),
        &format!("1 % of the pages ({edited}) were renamed"),
        RUNS,
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[path = "common/mod.rs"]
mod common;
