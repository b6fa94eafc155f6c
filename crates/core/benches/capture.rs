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

use common::{api_requests as requests, median, sandbox_of as sandbox, stored};
use inlet_core::providers::{LoadRequest, RecordScope};
use inlet_core::{Inlet, Integration};
use inlet_sandbox::{notion_block_reads, DataEdit, DatasetSize, Knobs, Sandbox};

const LATENCY: Duration = Duration::from_millis(30);
const RUNS: usize = 3;
/// Runs of the files rows: each is a few seconds, and the disk's pace varies between them.
const FILE_RUNS: usize = 5;

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

/// 1 GB of Airtable attachments (100 of 10 MB): the same links fetched 4 at a time (Inlet's
/// fetcher's width) by a plain client that drops the bytes, one that writes them to files, and
/// one that writes and syncs each file (what a download that must survive a crash costs: the
/// yardstick for Inlet, whose every kept file is synced before it is named); by Inlet's download
/// path (hashed, written, synced, named by hash in the file store); and by a records load that
/// lists them at Airtable's pace and downloads them beside it. Before each row the page cache's
/// dirty data is written out, so no row pays for the one before. Peak memory beside it.
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
    let mut runs: [Vec<Duration>; 6] = Default::default();
    let mut bytes = 0u64;
    for _ in 0..FILE_RUNS {
        let big_box = sandbox(size, knobs.clone()).await;
        let links = inlet_sandbox::airtable_attachment_links(&big_box);
        let http = reqwest::Client::new();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench dir");
        let started = settled();
        bytes = fetch_all(&links, |n, url| plain_fetch(http.clone(), url, None, n)).await;
        runs[0].push(started.elapsed());
        for (row, synced) in [(1, false), (2, true)] {
            let started = settled();
            let to = Some((dir.as_path(), synced));
            fetch_all(&links, |n, url| plain_fetch(http.clone(), url, to, n)).await;
            runs[row].push(started.elapsed());
        }
        let store = inlet_core::files::FileStore::open(&dir.join("files")).expect("file store");
        let started = settled();
        fetch_all(&links, |_, url| {
            let (http, store) = (http.clone(), &store);
            async move {
                let url = url::Url::parse(&url).expect("link");
                let kept = inlet_core::files::download(&http, &url, store, u64::MAX).await;
                kept.expect("download").size
            }
        })
        .await;
        runs[3].push(started.elapsed());
        let inlet = stored(&big_box, Integration::Airtable, &dir.join("load")).await;
        let records = LoadRequest::with_records(RecordScope::All);
        settled();
        runs[4].push(load(&inlet, Integration::Airtable, records).await);
        drop(inlet);
        // The same load where each attachment is 1 kB: the listing's pace and the file
        // requests' own cost, which the 1 GB load pays too.
        let small = Knobs {
            airtable_attachment_bytes: 1_000,
            ..knobs.clone()
        };
        let small_box = sandbox(size, small).await;
        let inlet = stored(&small_box, Integration::Airtable, &dir.join("small")).await;
        let records = LoadRequest::with_records(RecordScope::All);
        settled();
        runs[5].push(load(&inlet, Integration::Airtable, records).await);
        drop(inlet);
        let _ = std::fs::remove_dir_all(&dir);
    }
    let [plain, written, synced, path, load, listing] = runs.map(median);
    let gb = bytes as f64 / 1e9;
    let row = |what: &str, wall: Duration, extra: &str| {
        println!(
            "| {what} | {:.2} s | {:.0} MB/s | {:.0}% | {:.0}% | {extra} |",
            wall.as_secs_f64(),
            bytes as f64 / 1e6 / wall.as_secs_f64(),
            100.0 * plain.as_secs_f64() / wall.as_secs_f64(),
            100.0 * synced.as_secs_f64() / wall.as_secs_f64(),
        );
    };
    println!("| {gb:.2} GB of attachments (100 files), 4 at a time | | | | | |");
    row("plain reqwest, bytes dropped", plain, "");
    row("plain reqwest, written to files", written, "");
    row(
        "plain reqwest, written and each file synced (the yardstick)",
        synced,
        "",
    );
    row(
        "Inlet's download path: hashed, written, synced, kept by hash",
        path,
        "",
    );
    row(
        "Inlet: a records load (7 listing requests at Airtable's pace) with its downloads",
        load,
        &format!("peak memory {:.0} MB", peak_mb()),
    );
    println!(
        "| the same load with 1 kB attachments (its listing's pace and file requests) | {:.2} s | | | | |",
        listing.as_secs_f64()
    );
    row(
        "what the 1 GB adds to the load (the load − the same load with 1 kB files)",
        load.saturating_sub(listing),
        "",
    );
}

/// Writes out the page cache's dirty data (so a row does not pay for the last one's writes),
/// then starts a clock.
fn settled() -> Instant {
    let _ = std::process::Command::new("sync").status();
    Instant::now()
}

/// Runs `fetch` over `links`, 4 at a time, and adds up the bytes each gives.
async fn fetch_all<F, Fut>(links: &[String], fetch: F) -> u64
where
    F: Fn(usize, String) -> Fut,
    Fut: std::future::Future<Output = u64>,
{
    use futures::StreamExt;
    let fetches = links
        .iter()
        .enumerate()
        .map(|(n, url)| fetch(n, url.clone()));
    let sizes: Vec<u64> = futures::stream::iter(fetches)
        .buffer_unordered(4)
        .collect()
        .await;
    sizes.iter().sum()
}

/// A plain download: read to the end, into `dir/<n>` when a folder is given (synced at the end
/// when asked).
async fn plain_fetch(
    http: reqwest::Client,
    url: String,
    to: Option<(&std::path::Path, bool)>,
    n: usize,
) -> u64 {
    use std::io::Write;
    let mut file = to.map(|(d, _)| std::fs::File::create(d.join(n.to_string())).expect("file"));
    let mut answer = http.get(url).send().await.expect("file");
    let mut total = 0u64;
    while let Some(part) = answer.chunk().await.expect("bytes") {
        total += part.len() as u64;
        if let Some(file) = file.as_mut() {
            file.write_all(&part).expect("write");
        }
    }
    if let (Some(file), Some((_, true))) = (file, to) {
        file.sync_all().expect("sync");
    }
    total
}

/// The Markdown folder export of 100,000 stored items, 20,000 of them Notion pages with
/// content (every page linking to the next), the rest HubSpot contacts and Airtable records.
async fn vault() {
    let dir = std::env::temp_dir().join("inlet-bench-vault");
    let _ = std::fs::remove_dir_all(&dir);
    let accounts = common::vault_store::seed_vault_store(&dir, 20_000, 80_000).expect("seed");
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

#[tokio::main]
async fn main() {
    let only = std::env::var("INLET_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "vault" {
        println!("| what | how | wall | | | |\n|---|---|---|---|---|---|");
        vault().await;
    }
    if only.is_empty() || only == "files" {
        println!("| what | wall (median of {FILE_RUNS}) | throughput | of dropped | of the yardstick | memory |\n|---|---|---|---|---|---|");
        files().await;
    }
    if only.is_empty() || only == "content" {
        println!("| what | runs | wall | requests | floor's requests | floor | ratio |\n|---|---|---|---|---|---|---|");
        content().await;
    }
}

#[path = "common/mod.rs"]
mod common;
