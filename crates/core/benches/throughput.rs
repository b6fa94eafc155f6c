//! `make bench`: how long the heavy paths take on this machine, printed as a table.
//! - exporting 100,000 items to each format (streamed to a file);
//! - a full HubSpot load of 5,000 contacts from the sandbox through the real paced client.
//!
//! Plain `Instant` timing over a few runs (median), so it adds no dependency; not run by `make test`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use inlet_core::export::{export_to_path, ExportFormat};
use inlet_core::{Integration, IntegrationItem};
use inlet_sandbox::{DatasetSize, Sandbox, SandboxConfig};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn items(count: usize) -> Vec<IntegrationItem> {
    inlet_core::fixtures::contacts(count)
}

mod common;

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("inlet-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let data = items(100_000);
    println!("{:<44} {:>12}", "benchmark", "median");
    for format in [
        ExportFormat::Csv,
        ExportFormat::Ndjson,
        ExportFormat::Json,
        ExportFormat::Xlsx,
    ] {
        let path = dir.join(format!("items.{}", format.extension()));
        let runs = (0..3)
            .map(|_| {
                let start = Instant::now();
                export_to_path(&path, format, &data).expect("export");
                start.elapsed()
            })
            .collect();
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        println!(
            "{:<44} {:>9} ms  ({:.1} MB)",
            format!("export 100,000 items to {}", format.extension()),
            median(runs).as_millis(),
            size as f64 / 1e6
        );
    }

    let size = DatasetSize {
        contacts: 5_000,
        companies: 0,
        deals: 0,
        ..DatasetSize::default()
    };
    let knobs = inlet_sandbox::Knobs {
        latency_ms: 20,
        ..inlet_sandbox::Knobs::default()
    }; // a little network
    let sandbox = Sandbox::start(SandboxConfig {
        size,
        knobs,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let (inlet, _) = common::connected(&sandbox, Integration::Hubspot).await;
    let started = Instant::now();
    let result = inlet
        .loader
        .load(Integration::Hubspot, Arc::new(|_| {}))
        .await
        .expect("load");
    let took = started.elapsed();
    println!(
        "{:<44} {:>10.0?}  ({} items in 50 pages, paced at 99 requests / 10 s)",
        "HubSpot load of 5,000 contacts (sandbox)",
        took,
        result.items.len()
    );
    std::fs::remove_dir_all(&dir).ok();
}
