//! `make bench`, what a sync costs (issue 21): a HubSpot portal of 25,000 contacts at HubSpot's
//! documented limits (30 ms a request), loaded in full once; then a sync of the unchanged portal
//! (the median of `RUNS`), and syncs after 1 % of the contacts changed (250 edited, the median of
//! `RUNS`, each after its own edit; each sync starts with the search window empty), against the full load's time and requests in the same run.
//! Then the syncs on the slower cadences (the daily check: ids counted, associations read; the
//! monthly check of every record). A full load again after the syncs is the yardstick's second reading.

use std::time::Duration;

use common::{api_requests, sandbox_of, stored, sync_figures, sync_row, timed_load};
use inlet_core::Integration;
use inlet_sandbox::{DataEdit, DatasetSize, Knobs};

const RUNS: usize = 3;
/// HubSpot's search window (one second) and Inlet's slack on it (10 %), and a little more.
const SEARCH_WINDOW_EMPTY: Duration = Duration::from_millis(1_200);

#[tokio::main]
async fn main() {
    let size = DatasetSize {
        contacts: 25_000,
        companies: 500,
        deals: 500,
        notion_pages: 0,
        airtable_bases: 0,
        ..DatasetSize::default()
    };
    let knobs = Knobs {
        latency_ms: 30,
        ..Knobs::default()
    };
    let sandbox = sandbox_of(size, knobs).await;
    let dir = std::env::temp_dir().join("inlet-bench-sync");
    let inlet = stored(&sandbox, Integration::Hubspot, &dir).await;
    let edit = DataEdit {
        renamed: 250,
        ..DataEdit::default()
    };
    let figures = sync_figures(
        &sandbox,
        &inlet,
        Integration::Hubspot,
        RUNS,
        &edit,
        // Each sync starts with HubSpot's search window (five a second) empty, as a scheduled
        // or a person's sync does — not within a second of the one before.
        (250, SEARCH_WINDOW_EMPTY),
        inlet_core::providers::RecordScope::None,
    )
    .await;
    // The slower cadences' syncs of the same portal: each type's ids counted and associations
    // read again (once a day) and every record checked (every four weeks), made due by dating
    // the last ones back.
    let daily = due_sync(&sandbox, &inlet, "daily-checked:").await;
    let weekly = due_sync(&sandbox, &inlet, "checked:").await;
    let before = api_requests(&sandbox);
    let (again, _) = timed_load(&inlet, Integration::Hubspot, false).await;
    let again_requests = api_requests(&sandbox) - before;
    let growth = store_growth(&sandbox, &inlet, &edit).await;

    figures.print(
        "HubSpot full load, 25,000 contacts, 500 companies, 500 deals",
        "1 % of the contacts changed",
        RUNS,
    );
    let full = figures.full;
    sync_row(
        "full load again, after the syncs (one run)",
        again,
        again_requests,
        full,
    );
    sync_row(
        &format!("sync with the daily check: ids counted, associations read (median of {RUNS})"),
        daily.0,
        daily.1,
        full,
    );
    sync_row(
        &format!("sync with the monthly check of every record (median of {RUNS})"),
        weekly.0,
        weekly.1,
        full,
    );
    println!("| (streams: owners, contacts, companies, deals, tickets, a custom object) | | | | |");
    let mb = |bytes: u64| bytes as f64 / 1e6;
    let grew = |(before, after): (u64, u64)| after.saturating_sub(before);
    println!(
        "\n| store after {DAYS} daily syncs, 1 % of the contacts changed each day | before | after | grew | the changed items' data | grew ÷ changed |\n|---|---|---|---|---|---|",
    );
    for (what, sizes) in [
        ("the file", growth.file),
        ("its data (pages in use)", growth.live),
    ] {
        println!(
            "| HubSpot, 25,000 contacts: {what} | {:.2} MB | {:.2} MB | {:.2} MB | {:.2} MB | {:.2} |",
            mb(sizes.0),
            mb(sizes.1),
            mb(grew(sizes)),
            mb(growth.changed),
            grew(sizes) as f64 / growth.changed.max(1) as f64,
        );
    }
    println!(
        "| (the history: {} revisions, {:.2} MB of text) | | | | | |",
        growth.revisions,
        mb(growth.history)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The median time and requests of [`RUNS`] syncs of the unchanged portal, each made with the
/// provider state's checks named `prefix…` dated 29 days back (so due).
async fn due_sync(
    sandbox: &inlet_sandbox::Sandbox,
    inlet: &inlet_core::Inlet,
    prefix: &str,
) -> (Duration, u64) {
    let store = inlet.library.store().expect("a store").clone();
    let accounts = (inlet.connections.connected_accounts().await).expect("accounts");
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(29))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (mut walls, mut requests) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let state = store.provider_state(&accounts[0]).expect("the state");
        let due: Vec<(String, Option<String>)> = (state.into_keys())
            .filter(|k| k.starts_with(prefix))
            .map(|k| (k, Some(long_ago.clone())))
            .collect();
        assert!(!due.is_empty(), "no check named {prefix}");
        store
            .update_provider_state(&accounts[0], &due)
            .expect("dated back");
        tokio::time::sleep(SEARCH_WINDOW_EMPTY).await;
        let before = api_requests(sandbox);
        let (wall, result) = timed_load(inlet, Integration::Hubspot, true).await;
        assert!(
            result.incremental && !result.partial,
            "{:?}",
            result.failures
        );
        walls.push(wall);
        requests.push(api_requests(sandbox) - before);
    }
    requests.sort_unstable();
    (common::median(walls), requests[RUNS / 2])
}

/// Days of syncs the store's growth is measured over.
const DAYS: usize = 30;

/// The store's size on disk before and after [`DAYS`] syncs, each after `edit` (a day's 1 %),
/// and the size of the items those syncs found changed (their JSON, as stored).
struct Growth {
    /// The file's size before and after.
    file: (u64, u64),
    /// The pages in use before and after.
    live: (u64, u64),
    changed: u64,
    revisions: u64,
    history: u64,
}

async fn store_growth(
    sandbox: &inlet_sandbox::Sandbox,
    inlet: &inlet_core::Inlet,
    edit: &DataEdit,
) -> Growth {
    let store = inlet.library.store().expect("a store").clone();
    let before = store.disk_size().expect("the store's size");
    let live_before = store.live_size().expect("the store's data");
    let accounts = inlet
        .connections
        .connected_accounts()
        .await
        .expect("accounts");
    let mut changed = 0u64;
    for _ in 0..DAYS {
        sandbox.edit_data(edit);
        timed_load(inlet, Integration::Hubspot, true).await;
        let current = store.current(&accounts[0]).expect("read").expect("stored");
        changed += (store.items(current.id).expect("items").iter())
            .filter(|i| i.delta == Some(inlet_core::Delta::Changed))
            .map(|i| serde_json::to_string(i).map_or(0, |j| j.len() as u64))
            .sum::<u64>();
    }
    let space = store.history_space().expect("the history");
    Growth {
        file: (before, store.disk_size().expect("the store's size")),
        live: (live_before, store.live_size().expect("the store's data")),
        changed,
        revisions: space.revisions,
        history: space.bytes,
    }
}

#[path = "common/mod.rs"]
mod common;
