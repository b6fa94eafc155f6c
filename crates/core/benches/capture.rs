//! `make bench`, what keeping everything costs (issue 20): Notion page content at Notion's
//! documented limit against its floor, a content reload after 10 pages changed against the
//! requests those pages need, attachments downloaded against a plain client in the same run,
//! and the Markdown folder export of 100,000 stored items with content.
//!
//! `INLET_BENCH_ONLY=content|files|vault` measures one part. Plain `Instant` timing; medians of
//! `RUNS` runs where a run is short, one run (said so) where a run takes minutes.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use inlet_core::item::IntegrationItem;
use inlet_core::providers::{LoadRequest, RecordScope};
use inlet_core::{Inlet, Integration, ItemKind, Mode};
use inlet_sandbox::{notion_block_reads, DataEdit, DatasetSize, Knobs, Sandbox, SandboxConfig};

const LATENCY: Duration = Duration::from_millis(30);
const RUNS: usize = 3;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// The peak resident memory of this process so far (`VmHWM`), in MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The least time `requests` requests one after another take when each costs `cost` and at
/// most `max` go in any `window` (a rolling window, each sent at the earliest moment allowed).
fn chain_floor(requests: usize, cost: Duration, max: usize, window: Duration) -> Duration {
    let mut sent: Vec<Duration> = Vec::with_capacity(requests);
    let mut done = Duration::ZERO;
    for _ in 0..requests {
        let mut at = done;
        if sent.len() >= max {
            at = at.max(sent[sent.len() - max] + window);
        }
        sent.push(at);
        done = at + cost;
    }
    done
}

fn requests(sandbox: &Sandbox) -> u64 {
    sandbox.counters().api_requests.load(Ordering::SeqCst)
}

async fn sandbox(size: DatasetSize, knobs: Knobs) -> Sandbox {
    Sandbox::start(SandboxConfig {
        size,
        knobs,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox")
}

/// Inlet with an item store in `dir`, connected to `integration` on `sandbox`.
async fn stored(sandbox: &Sandbox, integration: Integration, dir: &std::path::Path) -> Inlet {
    let _ = std::fs::remove_dir_all(dir);
    common::connected_in(sandbox, integration, Some(dir.to_owned()))
        .await
        .0
}

async fn load(inlet: &Inlet, integration: Integration, request: LoadRequest) -> Duration {
    let started = Instant::now();
    let result = inlet
        .loader
        .load_with(integration, request, Arc::new(|_| {}), false)
        .await
        .expect("load");
    assert!(!result.partial, "{:?}", result.failures);
    started.elapsed()
}

fn with_content() -> LoadRequest {
    LoadRequest {
        content: true,
        ..LoadRequest::default()
    }
}

/// What one request costs here (30 ms of latency and the sandbox's work): the median of 40
/// reads of one page's blocks by a plain client, unpaced.
async fn request_cost(sandbox: &Sandbox, token: &str, page: &str) -> Duration {
    let http = reqwest::Client::new();
    let url = format!("{}/notion/v1/blocks/{page}/children", sandbox.base_url());
    let mut runs = Vec::new();
    for _ in 0..40 {
        let started = Instant::now();
        let answer = http
            .get(&url)
            .bearer_auth(token)
            .header("Notion-Version", "2025-09-03")
            .send()
            .await
            .expect("answer");
        let _ = answer.bytes().await;
        runs.push(started.elapsed());
    }
    median(runs)
}

/// Notion content at the documented limit (9 requests in any 3 s): a content load of 1,000
/// pages against its floor — the requests a plain load makes that are not block reads, plus
/// every page's block reads (`notion_block_reads`), one after another at that limit — then
/// the content reload after 10 pages changed against the requests those 10 need.
async fn content() {
    let size = DatasetSize {
        contacts: 0,
        companies: 0,
        deals: 0,
        airtable_bases: 0,
        notion_pages: 1_000,
        ..DatasetSize::default()
    };
    let knobs = Knobs {
        latency_ms: LATENCY.as_millis() as u64,
        ..Knobs::default()
    };
    let dir = std::env::temp_dir().join("inlet-bench-content");
    // The parts of the floor: a plain load's requests and its block reads, every page's reads.
    let plain_box = sandbox(size, knobs.clone()).await;
    let plain = stored(&plain_box, Integration::Notion, &dir).await;
    let before = requests(&plain_box);
    let blocks_before = plain_box
        .counters()
        .notion_block_reads
        .load(Ordering::SeqCst);
    load(&plain, Integration::Notion, LoadRequest::structure()).await;
    let plain_requests = (requests(&plain_box) - before) as usize;
    let plain_blocks = (plain_box
        .counters()
        .notion_block_reads
        .load(Ordering::SeqCst)
        - blocks_before) as usize;
    let data = plain_box.dataset();
    let pages: Vec<&str> = (data.notion.objects.iter())
        .filter(|o| o.object == "page")
        .map(|o| o.id.as_str())
        .collect();
    let all_blocks: usize = pages
        .iter()
        .map(|p| notion_block_reads(&data.notion, p))
        .sum();
    let need = plain_requests - plain_blocks + all_blocks;
    let (_, token) = common::connected_in(&plain_box, Integration::Notion, None).await;
    let cost = request_cost(&plain_box, &token, pages[0]).await;
    drop(plain);
    let floor = chain_floor(
        need,
        cost,
        knobs.notion_requests_per_3s as usize,
        Duration::from_secs(3),
    );

    // One run: at 3 requests a second a content load of 1,000 pages takes minutes.
    let sandbox = sandbox(size, knobs.clone()).await;
    let inlet = stored(&sandbox, Integration::Notion, &dir).await;
    let before = requests(&sandbox);
    let wall = load(&inlet, Integration::Notion, with_content()).await;
    let made = requests(&sandbox) - before;
    println!("| Notion content, 1,000 pages ({} pages in all), documented limit | one run | {:.1} s | {made} | {need} | {:.1} s | {:.2} |",
        pages.len(), wall.as_secs_f64(), floor.as_secs_f64(), wall.as_secs_f64() / floor.as_secs_f64());

    // Nothing changed, then 10 pages' content changed: the reload reads those 10 pages' blocks.
    let before = requests(&sandbox);
    let unchanged_wall = load(&inlet, Integration::Notion, with_content()).await;
    let unchanged = requests(&sandbox) - before;
    sandbox.edit_data(&DataEdit {
        notion_content_edits: 10,
        ..DataEdit::default()
    });
    let data = sandbox.dataset();
    let edited: usize = (data.notion.objects.iter())
        .filter(|o| o.object == "page")
        .take(10)
        .map(|o| notion_block_reads(&data.notion, &o.id))
        .sum();
    let before = requests(&sandbox);
    let edited_wall = load(&inlet, Integration::Notion, with_content()).await;
    let made = requests(&sandbox) - before;
    println!(
        "| Notion content reload, nothing changed | one run | {:.1} s | {unchanged} | — | — | — |",
        unchanged_wall.as_secs_f64()
    );
    println!("| Notion content reload, 10 pages changed | one run | {:.1} s | {made} | {} (the unchanged reload's + those pages' {edited} block reads) | — | {} |",
        edited_wall.as_secs_f64(), unchanged as usize + edited, if made as usize == unchanged as usize + edited { "exactly" } else { "**differs**" });
    println!(
        "|  | (a request costs {:.1} ms here) | | | | | |",
        cost.as_secs_f64() * 1000.0
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// 1 GB of Airtable attachments (100 of 10 MB) downloaded while a records load runs, against a
/// plain client fetching the same links 4 at a time (Inlet's fetcher's width) in the same run;
/// peak memory beside it.
async fn files() {
    let size = DatasetSize {
        contacts: 0,
        companies: 0,
        deals: 0,
        notion_pages: 0,
        airtable_bases: 1,
        airtable_tables: 1,
        airtable_big_table: 700, // every seventh record has one attachment: 100 files
        ..DatasetSize::default()
    };
    let knobs = Knobs {
        airtable_attachment_bytes: 10_000_000,
        ..Knobs::default()
    };
    let dir = std::env::temp_dir().join("inlet-bench-files");
    let mut inlet_runs = Vec::new();
    let mut plain_runs = Vec::new();
    let mut bytes = 0u64;
    for _ in 0..RUNS {
        let sandbox = sandbox(size, knobs.clone()).await;
        let links = inlet_sandbox::airtable_attachment_links(&sandbox);
        // The yardstick: the same files, 4 at a time, each read to its end and dropped.
        let http = reqwest::Client::new();
        let started = Instant::now();
        let mut total = 0u64;
        for chunk in links.chunks(4) {
            let reads = chunk.iter().map(|url| {
                let http = http.clone();
                async move {
                    let mut answer = http.get(url).send().await.expect("file");
                    let mut n = 0u64;
                    while let Some(part) = answer.chunk().await.expect("bytes") {
                        n += part.len() as u64;
                    }
                    n
                }
            });
            total += futures::future::join_all(reads).await.iter().sum::<u64>();
        }
        plain_runs.push(started.elapsed());
        bytes = total;
        let inlet = stored(&sandbox, Integration::Airtable, &dir).await;
        let records = LoadRequest::with_records(RecordScope::All);
        inlet_runs.push(load(&inlet, Integration::Airtable, records).await);
        drop(inlet);
        let _ = std::fs::remove_dir_all(&dir);
    }
    let (inlet, plain) = (median(inlet_runs), median(plain_runs));
    let gb = bytes as f64 / 1e9;
    println!("| {:.2} GB of attachments (100 files) | Inlet: a records load with its downloads | {:.2} s | {:.0} MB/s | {:.0}% of the plain client | peak memory {:.0} MB |",
        gb, inlet.as_secs_f64(), bytes as f64 / 1e6 / inlet.as_secs_f64(), 100.0 * plain.as_secs_f64() / inlet.as_secs_f64(), peak_mb());
    println!(
        "|  | plain reqwest, 4 at a time, bytes dropped | {:.2} s | {:.0} MB/s | | |",
        plain.as_secs_f64(),
        bytes as f64 / 1e6 / plain.as_secs_f64()
    );
}

/// The Markdown folder export of 100,000 stored items, 20,000 of them Notion pages with
/// content (every page linking to the next), the rest HubSpot contacts and Airtable records.
async fn vault() {
    let dir = std::env::temp_dir().join("inlet-bench-vault");
    let _ = std::fs::remove_dir_all(&dir);
    let accounts = seed_vault_store(&dir, 20_000, 80_000).expect("seed");
    let inlet = common::started_in(dir.clone()).await;
    let mut runs = Vec::new();
    for run in 0..RUNS {
        let out = dir.join(format!("vault-{run}"));
        let started = Instant::now();
        let report = inlet
            .library
            .export_vault(&accounts, &[], &out, false)
            .await
            .expect("export");
        runs.push(started.elapsed());
        assert_eq!(report.pages, 20_000);
        let _ = std::fs::remove_dir_all(&out);
    }
    println!("| folder export, 100,000 items (20,000 pages with content) | median of {RUNS} | {:.2} s | peak memory {:.0} MB |",
        median(runs).as_secs_f64(), peak_mb());
    let _ = std::fs::remove_dir_all(dir);
}

/// A page's id like Notion's (a UUID) from `n`.
fn page_id(n: usize) -> String {
    format!("{n:08x}-0000-4000-8000-{n:012x}")
}

/// An item store in `dir` (`items.sqlite3`, where Inlet looks) holding one Notion account of
/// `pages` pages with content — each page links to the next and hangs under one of the first
/// 100 — and `records` more items, half HubSpot contacts, half Airtable records in 10 tables;
/// answers the accounts, to export. What a folder-export benchmark reads.
fn seed_vault_store(
    dir: &std::path::Path,
    pages: usize,
    records: usize,
) -> inlet_core::Result<Vec<inlet_core::item_store::AccountKey>> {
    use inlet_core::item::ItemContent;
    use inlet_core::item_store::{AccountKey, ItemStore};
    inlet_core::private_files::ensure_private_dir(dir)?;
    let store = ItemStore::open(&dir.join("items.sqlite3"))?;
    let key = |integration: Integration| AccountKey {
        integration,
        mode: Mode::Sandbox,
        account_id: format!("{integration}-bench"),
    };
    let write = |key: &AccountKey, items: Vec<IntegrationItem>| -> inlet_core::Result<()> {
        let mut writer = store.begin(key, &inlet_core::fixtures::account(&key.account_id))?;
        for page in items.chunks(1_000) {
            writer.append(page)?;
        }
        writer.finish(false).map(|_| ())
    };
    let notion = key(Integration::Notion);
    let mut items = Vec::with_capacity(pages);
    for n in 0..pages {
        let id = page_id(n);
        let mut page = IntegrationItem::new(
            Integration::Notion,
            id.clone(),
            ItemKind::Page,
            format!("Page {n}"),
        );
        page.parent_id = (n >= 100).then(|| page_id(n % 100));
        page.url = Some(format!("https://www.notion.so/{}", id.replace('-', "")));
        page.last_modified_time = chrono::DateTime::from_timestamp(1_704_067_200, 0);
        let next = page_id((n + 1) % pages);
        let markdown = format!(
            "# Page {n}\n\nSome text about page {n}, long enough to be a paragraph of a note.\n\n- a list item\n- another\n\nSee [the next page](https://www.notion.so/{}).\n",
            next.replace('-', "")
        );
        let content = ItemContent {
            item_id: id,
            edited: page.last_modified_time,
            markdown,
            blocks: serde_json::Value::Array(Vec::new()),
        };
        store.put_content(&notion, &content)?;
        items.push(page);
    }
    write(&notion, items)?;
    let hubspot = key(Integration::Hubspot);
    write(&hubspot, inlet_core::fixtures::contacts(records / 2))?;
    let airtable = key(Integration::Airtable);
    let base = IntegrationItem::new(
        Integration::Airtable,
        "appBench",
        ItemKind::Base,
        "Bench base",
    );
    let mut items = vec![base];
    for t in 0..10 {
        let mut table = IntegrationItem::new(
            Integration::Airtable,
            format!("tbl{t}"),
            ItemKind::Table,
            format!("Table {t}"),
        );
        table.parent_id = Some("appBench".into());
        table.details.insert(
            "fields".into(),
            serde_json::json!([{"id": "fldName", "name": "Name", "type": "singleLineText"}, {"id": "fldCount", "name": "Count", "type": "number"}]),
        );
        items.push(table);
    }
    for r in 0..records - records / 2 {
        let mut record = IntegrationItem::new(
            Integration::Airtable,
            format!("rec{r:08}"),
            ItemKind::Record,
            format!("Record {r}"),
        );
        record.parent_id = Some(format!("tbl{}", r % 10));
        record
            .details
            .insert("Name".into(), format!("Record {r}").into());
        record.details.insert("Count".into(), r.into());
        items.push(record);
    }
    write(&airtable, items)?;
    Ok(vec![notion, hubspot, airtable])
}

#[tokio::main]
async fn main() {
    let only = std::env::var("INLET_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "vault" {
        println!("| what | how | wall | | | |\n|---|---|---|---|---|---|");
        vault().await;
    }
    if only.is_empty() || only == "files" {
        println!("| what | client | wall (median of {RUNS}) | throughput | ratio | memory |\n|---|---|---|---|---|---|");
        files().await;
    }
    if only.is_empty() || only == "content" {
        println!("| what | runs | wall | requests | floor's requests | floor | ratio |\n|---|---|---|---|---|---|---|");
        content().await;
    }
}

#[path = "common/mod.rs"]
mod common;
