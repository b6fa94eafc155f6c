//! `make bench`, what an Airtable sync costs (issue 21): 200 bases of two tables (the first
//! table 500 records, the others 50) at Airtable's documented limits (5 requests a second a base,
//! Inlet's own pace; 30 ms a request; every base in one listing page, as Airtable gives up to
//! 1,000), every record loaded once — which makes each base's webhook — then a sync of the
//! unchanged account (the median of `RUNS`) and syncs after 1 % of the records changed (200
//! notes in the first table, the median of `RUNS`, each after its own edit), against the full
//! load's time and requests in the same run.

use common::{sandbox_of, stored, sync_figures};
use inlet_core::providers::RecordScope;
use inlet_core::Integration;
use inlet_sandbox::{DataEdit, DatasetSize, Knobs};

const RUNS: usize = 3;
const BASES: usize = 200;
/// Airtable's rate window (a second a base): each sync starts with it empty.
const WINDOW: std::time::Duration = std::time::Duration::from_millis(1_100);

#[tokio::main]
async fn main() {
    let size = DatasetSize {
        contacts: 0,
        companies: 0,
        deals: 0,
        notion_pages: 0,
        airtable_bases: BASES,
        airtable_tables: 2,
        airtable_records: 50,
        airtable_big_table: 500,
    };
    let knobs = Knobs {
        latency_ms: 30,
        airtable_bases_page_size: 1_000,
        ..Knobs::default()
    };
    let records = 500 + 50 * (2 * BASES - 1);
    let changed = records / 100;
    let sandbox = sandbox_of(size, knobs).await;
    let dir = std::env::temp_dir().join("inlet-bench-airtable-sync");
    let inlet = stored(&sandbox, Integration::Airtable, &dir).await;
    let edit = DataEdit {
        airtable_changed: changed,
        ..DataEdit::default()
    };
    let figures = sync_figures(
        &sandbox,
        &inlet,
        Integration::Airtable,
        RUNS,
        &edit,
        (changed as u32, WINDOW),
        RecordScope::All,
    )
    .await;
    figures.print(
        &format!("Airtable full load, {BASES} bases, {records} records"),
        &format!("1 % of the records ({changed}) changed"),
        RUNS,
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[path = "common/mod.rs"]
mod common;
