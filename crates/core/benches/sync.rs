//! `make bench`, what a sync costs (issue 21): a HubSpot portal of 25,000 contacts at HubSpot's
//! documented limits (30 ms a request), loaded in full once; then a sync of the unchanged portal
//! (the median of `RUNS`), and syncs after 1 % of the contacts changed (250 edited, the median of
//! `RUNS`, each after its own edit), against the full load's time and requests in the same run.
//! A full load again after the syncs is the yardstick's second reading.

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{api_requests, median, sandbox_of, stored};
use inlet_core::load::LoadResult;
use inlet_core::providers::LoadRequest;
use inlet_core::{Inlet, Integration};
use inlet_sandbox::{DataEdit, DatasetSize, Knobs};

const RUNS: usize = 3;

/// A load of HubSpot (`sync`: only what changed), its wall time and the requests it made.
async fn timed(inlet: &Inlet, sync: bool) -> (Duration, LoadResult) {
    let request = LoadRequest {
        sync,
        ..LoadRequest::structure()
    };
    let started = Instant::now();
    let result = (inlet.loader)
        .load_with(Integration::Hubspot, request, Arc::new(|_| {}), false)
        .await
        .expect("load");
    assert!(!result.partial, "{:?}", result.failures);
    assert_eq!(result.incremental, sync, "{:?}", result.notes);
    (started.elapsed(), result)
}

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
    let row = |what: &str, wall: Duration, requests: u64, full: (Duration, u64)| {
        println!(
            "| {what} | {:.2} s | {requests} | {:.1}% | {:.1}% |",
            wall.as_secs_f64(),
            100.0 * wall.as_secs_f64() / full.0.as_secs_f64(),
            100.0 * requests as f64 / full.1 as f64,
        );
    };
    let before = api_requests(&sandbox);
    let (full_wall, _) = timed(&inlet, false).await;
    let full = (full_wall, api_requests(&sandbox) - before);

    let mut unchanged = Vec::new();
    let mut unchanged_requests = 0;
    for _ in 0..RUNS {
        let before = api_requests(&sandbox);
        let (wall, result) = timed(&inlet, true).await;
        assert_eq!(result.changes.unwrap_or_default().changed, 0);
        unchanged.push(wall);
        unchanged_requests = api_requests(&sandbox) - before;
    }
    let mut changed = Vec::new();
    let mut changed_requests = 0;
    for _ in 0..RUNS {
        sandbox.edit_data(&DataEdit {
            renamed: 250,
            ..DataEdit::default()
        });
        let before = api_requests(&sandbox);
        let (wall, result) = timed(&inlet, true).await;
        assert_eq!(result.changes.unwrap_or_default().changed, 250);
        changed.push(wall);
        changed_requests = api_requests(&sandbox) - before;
    }
    let before = api_requests(&sandbox);
    let (again, _) = timed(&inlet, false).await;
    let again_requests = api_requests(&sandbox) - before;

    println!("| what | wall | requests | of the full load's time | of its requests |\n|---|---|---|---|---|");
    row(
        "HubSpot full load, 25,000 contacts, 500 companies, 500 deals (one run)",
        full.0,
        full.1,
        full,
    );
    row(
        &format!("sync, nothing changed (median of {RUNS})"),
        median(unchanged),
        unchanged_requests,
        full,
    );
    row(
        &format!("sync after 1 % of the contacts changed (median of {RUNS})"),
        median(changed),
        changed_requests,
        full,
    );
    row(
        "full load again, after the syncs (one run)",
        again,
        again_requests,
        full,
    );
    println!("| (streams: owners, contacts, companies, deals, tickets, a custom object) | | | | |");
    let _ = std::fs::remove_dir_all(dir);
}

#[path = "common/mod.rs"]
mod common;
