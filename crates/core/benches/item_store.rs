//! `make bench`, the item store: 1,000,000 synthetic items over 3 integrations and 6 accounts
//! in a real SQLite file. Medians of several runs; the yardstick, measured in the same run, is
//! writing the same items as NDJSON (what the JSON-file cache of earlier versions did).

use std::path::Path;
use std::time::{Duration, Instant};

use inlet_core::export::{export_to_path, ExportFormat};
use inlet_core::item_store::{AccountKey, ItemQuery, ItemStore};
use inlet_core::{Integration, IntegrationItem, Mode};

const TOTAL: usize = 1_000_000;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn accounts() -> Vec<AccountKey> {
    Integration::ALL
        .iter()
        .flat_map(|i| {
            ["a", "b"].map(|a| AccountKey {
                integration: *i,
                mode: Mode::Sandbox,
                account_id: format!("{i}-{a}"),
            })
        })
        .collect()
}

/// `count` items of `key`'s integration, with names, parents and a detail to search.
fn items_of(key: &AccountKey, count: usize) -> Vec<IntegrationItem> {
    inlet_core::fixtures::contacts(count)
        .into_iter()
        .map(|mut item| {
            item.integration = key.integration;
            item.name = format!("{} {} {}", key.account_id, item.item_type, item.id);
            item.parent_path_or_name = Some(format!("Parent {}", item.id.len()));
            item
        })
        .collect()
}

fn ingest(store: &ItemStore, key: &AccountKey, items: &[IntegrationItem]) -> i64 {
    let account = inlet_core::fixtures::account(&key.account_id);
    let mut writer = store.begin(key, &account).expect("begin");
    for page in items.chunks(100) {
        writer.append(page).expect("append");
    }
    let id = writer.finish(false).expect("finish").id;
    store.purge(key, id).expect("purge");
    id
}

fn fresh(dir: &Path, name: &str) -> ItemStore {
    let path = dir.join(format!("{name}.sqlite3"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    ItemStore::open(&path).expect("open")
}

fn main() {
    let dir = std::env::temp_dir().join(format!("inlet-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let keys = accounts();
    let per_account = TOTAL / keys.len();
    let data: Vec<Vec<IntegrationItem>> = keys.iter().map(|k| items_of(k, per_account)).collect();
    println!(
        "{:<58} {:>12}",
        "item store benchmark (1,000,000 items, 6 accounts)", "median"
    );

    // Ingest, in pages of 100 as loads deliver them, against NDJSON of the same items.
    let mut ingest_runs = Vec::new();
    let mut ndjson_runs = Vec::new();
    let mut store = fresh(&dir, "store");
    for run in 0..3 {
        store = fresh(&dir, &format!("store-{run}"));
        let start = Instant::now();
        for (key, items) in keys.iter().zip(&data) {
            ingest(&store, key, items);
        }
        ingest_runs.push(start.elapsed());
        let start = Instant::now();
        export_to_path(
            &dir.join("yardstick.ndjson"),
            ExportFormat::Ndjson,
            data.iter().flatten(),
        )
        .expect("ndjson");
        ndjson_runs.push(start.elapsed());
    }
    let (ingested, ndjson) = (median(ingest_runs), median(ndjson_runs));
    println!(
        "{:<58} {:>9} ms  ({:.0} items/s; NDJSON file {} ms, ratio {:.2})",
        "ingest 1,000,000 items (pages of 100, with FTS5)",
        ingested.as_millis(),
        TOTAL as f64 / ingested.as_secs_f64(),
        ndjson.as_millis(),
        ingested.as_secs_f64() / ndjson.as_secs_f64()
    );

    let generations: Vec<i64> = keys
        .iter()
        .map(|k| store.current(k).expect("current").expect("stored").id)
        .collect();
    let timed = |query: &ItemQuery, runs: usize| -> (Duration, usize) {
        let mut found = 0;
        let times = (0..runs)
            .map(|_| {
                let start = Instant::now();
                found = store.query(query).expect("query").len();
                start.elapsed()
            })
            .collect();
        (median(times), found)
    };
    for words in ["notion-b contact 4242", "hubspot", "parent"] {
        let query = ItemQuery {
            generations: generations.clone(),
            search: Some(words.into()),
            changes_only: false,
        };
        let (took, found) = timed(&query, 5);
        println!(
            "{:<58} {:>9} ms  ({found} rows, all fetched and decoded)",
            format!("search \"{words}\" across every account"),
            took.as_millis()
        );
    }

    // A second load of one account of 1,000,000 items: 1 % changed, 0.1 % gone, 0.1 % new.
    let big = AccountKey {
        integration: Integration::Hubspot,
        mode: Mode::Live,
        account_id: "big".into(),
    };
    let first = items_of(&big, TOTAL);
    let mut second = items_of(&big, TOTAL + TOTAL / 1000);
    second.retain(|i| i.id.parse::<usize>().map_or(true, |n| n % 1000 != 7));
    for item in second.iter_mut().step_by(100) {
        item.name.push_str(" (renamed)");
    }
    let mut compare_runs = Vec::new();
    let mut purge_runs = Vec::new();
    for run in 0..3 {
        let store = fresh(&dir, &format!("changes-{run}"));
        ingest(&store, &big, &first);
        let account = inlet_core::fixtures::account("big");
        let mut writer = store.begin(&big, &account).expect("begin");
        for page in second.chunks(100) {
            writer.append(page).expect("append");
        }
        let start = Instant::now();
        let generation = writer.finish(false).expect("finish");
        compare_runs.push(start.elapsed());
        let start = Instant::now();
        store.purge(&big, generation.id).expect("purge");
        purge_runs.push(start.elapsed());
        if run == 0 {
            let c = generation.changes.expect("compared");
            println!(
                "{:<58} {:>12}",
                "  changes found",
                format!("+{} ~{} -{}", c.new, c.changed, c.gone)
            );
        }
    }
    println!(
        "{:<58} {:>9} ms",
        "change detection, 1,000,000 against 1,000,000",
        median(compare_runs).as_millis()
    );
    println!(
        "{:<58} {:>9} ms",
        "  then dropping the replaced generation (after it is visible)",
        median(purge_runs).as_millis()
    );

    // Export of everything stored, read back from the store.
    let mut export_runs = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let query = ItemQuery {
            generations: generations.clone(),
            ..ItemQuery::default()
        };
        let items = store.query(&query).expect("read");
        export_to_path(&dir.join("all.csv"), ExportFormat::Csv, &items).expect("csv");
        export_runs.push(start.elapsed());
    }
    println!(
        "{:<58} {:>9} ms",
        "export 1,000,000 stored items to CSV (read + write)",
        median(export_runs).as_millis()
    );
    std::fs::remove_dir_all(&dir).ok();
}
