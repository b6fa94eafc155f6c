//! `make bench`: full loads from the sandbox at the providers' documented limits and 30 ms of
//! latency, against the floor — the least time those limits and that latency allow — for a small
//! and a large account of each provider, and Inlet again under limits stricter than documented.
//!
//! The floor of a load is simulated: every page costs what one page costs the naive client in the
//! same run (30 ms of latency plus the sandbox's own work), pages that follow cursors go one after
//! another, independent streams (HubSpot's object types and owners, each type's definitions,
//! pipelines, record pages and association batches one after another; Airtable's bases) overlap
//! without bound,
//! a Notion load's requests (search, then each data source's query, each database, each block
//! parent) go one after another, and every request waits for the documented limit — a rolling window (HubSpot: 100 in 10 s;
//! Notion: 9 in 3 s; Airtable: 50 in 1 s per user) — taking the earliest moment it allows. No
//! client can be faster; the ratio is Inlet's wall time over it.
//! Plain `Instant` timing, medians of 3 runs.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use inlet_core::providers::LoadRequest;
use inlet_core::{Inlet, Integration};
use inlet_sandbox::{DatasetSize, Knobs, Sandbox, SandboxConfig};

const LATENCY: Duration = Duration::from_millis(30);
const RUNS: usize = 3;

struct Account {
    integration: Integration,
    label: &'static str,
    size: DatasetSize,
    /// Airtable: every record of every base too ("Load all records").
    records: bool,
}

fn none() -> DatasetSize {
    DatasetSize {
        contacts: 0,
        companies: 0,
        deals: 0,
        airtable_bases: 0,
        airtable_records: 0,
        notion_pages: 0,
        ..DatasetSize::default()
    }
}

fn accounts() -> Vec<Account> {
    let hubspot = |label, contacts, companies, deals| Account {
        integration: Integration::Hubspot,
        label,
        size: DatasetSize {
            contacts,
            companies,
            deals,
            ..none()
        },
        records: false,
    };
    let notion = |label, notion_pages| Account {
        integration: Integration::Notion,
        label,
        size: DatasetSize {
            notion_pages,
            ..none()
        },
        records: false,
    };
    let airtable = |label, airtable_bases| Account {
        integration: Integration::Airtable,
        label,
        size: DatasetSize {
            airtable_bases,
            airtable_records: 1,
            ..none()
        },
        records: false,
    };
    vec![
        hubspot("HubSpot, 5,000 items", 3_000, 1_500, 500),
        hubspot("HubSpot, 25,000 items", 15_000, 7_000, 3_000),
        notion("Notion, 1,000 items", 1_000),
        notion("Notion, 3,000 items", 3_000),
        airtable("Airtable, 10 bases", 10),
        airtable("Airtable, 200 bases", 200),
        Account {
            integration: Integration::Airtable,
            label: "Airtable, a table of 50,000 records",
            size: DatasetSize {
                airtable_bases: 1,
                airtable_tables: 1,
                airtable_big_table: 50_000,
                ..none()
            },
            records: true,
        },
    ]
}

fn knobs(strict: bool) -> Knobs {
    let documented = Knobs {
        latency_ms: LATENCY.as_millis() as u64,
        rate_limit_max: 100, // a privately distributed HubSpot app
        airtable_bases_page_size: 100,
        ..Knobs::default()
    };
    if !strict {
        return documented;
    }
    // Stricter than documented: what the pacing must learn from the first 429 of each scope.
    Knobs {
        rate_limit_max: 70,
        notion_requests_per_3s: 6,
        airtable_user_rate_per_sec: 30,
        ..documented
    }
}

/// The requests a Notion load makes, one after another: the search's pages (what it misses
/// aside), a query per 100 rows of each data source, a read per database and per block parent,
/// the block children of every page that is not a row (and of the columns on it), and a read of
/// each page search missed that they list.
fn notion_requests(data: &inlet_sandbox::dataset::Dataset, misses: u32) -> usize {
    let objects = &data.notion.objects;
    let every = |n: usize| if misses > 0 { n / misses as usize } else { 0 };
    let mut rows_per_source: std::collections::HashMap<&str, usize> = Default::default();
    for row in objects.iter().filter_map(|o| o.data_source.as_deref()) {
        *rows_per_source.entry(row).or_default() += 1;
    }
    let rows: std::collections::HashSet<&str> = objects
        .iter()
        .filter(|o| o.data_source.is_some())
        .map(|o| o.id.as_str())
        .collect();
    let pages: Vec<_> = objects
        .iter()
        .filter(|o| o.object == "page" && o.data_source.is_none())
        .collect();
    // Pages inside a page that is not a row, or in a column: search misses every nth.
    let subpages = pages
        .iter()
        .filter(|o| match (o.parent.0, o.parent.1.as_deref()) {
            ("block_id", _) => true,
            ("page_id", parent) => !parent.is_some_and(|p| rows.contains(p)),
            _ => false,
        })
        .count();
    let missed = every(rows_per_source.values().sum()) + every(subpages);
    let databases: Vec<_> = objects.iter().filter(|o| o.object == "database").collect();
    let results: usize = objects
        .iter()
        .map(|o| {
            if o.object == "database" {
                o.data_sources.len()
            } else {
                1
            }
        })
        .sum::<usize>()
        - missed;
    let queries: usize = databases
        .iter()
        .flat_map(|d| &d.data_sources)
        .map(|(id, _)| {
            rows_per_source
                .get(id.as_str())
                .copied()
                .unwrap_or(0)
                .div_ceil(100)
                .max(1)
        })
        .sum();
    let under = |kind: &str, id: &str| {
        objects
            .iter()
            .filter(|o| o.parent.0 == kind && o.parent.1.as_deref() == Some(id))
            .count()
    };
    let walks: usize = pages
        .iter()
        .map(|p| {
            let columns = data
                .notion
                .blocks
                .iter()
                .filter(|(_, on)| *on == p.id)
                .count();
            (1 + under("page_id", &p.id) + columns).div_ceil(100)
        })
        .sum::<usize>()
        + data
            .notion
            .blocks
            .iter()
            .map(|(column, _)| under("block_id", column).div_ceil(100).max(1))
            .sum::<usize>();
    results.div_ceil(100).max(1)
        + queries
        + databases.len()
        + data.notion.blocks.len()
        + walks
        + every(subpages)
}

/// A load's shape: the requests that go before any stream starts, the pages of each cursor
/// chain, the pages that release more chains (Airtable's base listing: each of its pages
/// releases its bases' table requests), and its window. A Notion load is one chain of `notion`
/// requests.
struct Shape {
    head: usize,
    chains: Vec<usize>,
    listing: Vec<usize>,
    window: (u32, Duration),
}

/// A HubSpot portal's chains, one per stream: the owners; per object type its definitions,
/// pipelines (deals, tickets), listing pages and association batches (1,000 records each, per
/// associated type; the first deal's 130 contacts need one more). The custom object types are
/// read before (the head).
fn hubspot_chains(s: &DatasetSize) -> Vec<usize> {
    let pages = |n: usize| n.div_ceil(100).max(1);
    let batches = |n: usize, kinds: usize| n.div_ceil(1_000) * kinds;
    let tickets = s.deals / 3 + 1;
    let cars = 12;
    vec![
        1,
        1 + pages(s.contacts) + batches(s.contacts, 1),
        1 + pages(s.companies),
        2 + pages(s.deals) + batches(s.deals, 2) + usize::from(s.deals > 0 && s.contacts > 100),
        2 + pages(tickets) + batches(tickets, 3),
        1 + pages(cars),
    ]
}

fn shape(account: &Account, knobs: &Knobs, notion: usize) -> Shape {
    let s = &account.size;
    match account.integration {
        Integration::Hubspot => Shape {
            head: 1,
            chains: hubspot_chains(s),
            listing: Vec::new(),
            window: (knobs.rate_limit_max, Duration::from_secs(10)),
        },
        Integration::Notion => Shape {
            head: 0,
            chains: vec![notion],
            listing: Vec::new(),
            window: (knobs.notion_requests_per_3s, Duration::from_secs(3)),
        },
        Integration::Airtable => {
            let per_page = knobs.airtable_bases_page_size.max(1);
            let listing: Vec<usize> = (0..s.airtable_bases.div_ceil(per_page).max(1))
                .map(|p| per_page.min(s.airtable_bases - (p * per_page).min(s.airtable_bases)))
                .collect();
            Shape {
                head: 0,
                chains: Vec::new(),
                listing,
                window: (knobs.airtable_user_rate_per_sec, Duration::from_secs(1)),
            }
        }
    }
}

/// The least time loading every record of one base's one table can take: the bases listing and
/// the base's tables, then the record pages one after another (each follows the previous
/// one's offset), at most 5 a second (the base's limit, which one chain fills on its own).
fn records_floor(account: &Account, cost: Duration) -> Duration {
    let pages = account.size.airtable_big_table.div_ceil(100).max(1);
    let spacing = Duration::from_millis(200);
    let mut done = cost; // the bases listing
    let mut last_sent: Option<Duration> = None;
    for _ in 0..=pages {
        // the tables request, then each page of records
        let at = last_sent.map_or(done, |sent| done.max(sent + spacing));
        last_sent = Some(at);
        done = at + cost;
    }
    done
}

/// The least time a load of `account` can take when a page costs `cost` (see the module doc).
fn floor(account: &Account, knobs: &Knobs, cost: Duration, notion: usize) -> Duration {
    if account.records {
        return records_floor(account, cost);
    }
    let Shape {
        head,
        chains,
        listing,
        window: (max, window),
    } = shape(account, knobs, notion);
    let mut sent: Vec<Duration> = Vec::new();
    // The earliest moment at or after `at` that the window lets one more request go.
    let mut send = |at: Duration| -> Duration {
        if max == 0 {
            return at; // no account-wide window (Airtable's OAuth tokens)
        }
        let max = max as usize;
        let mut t = at;
        if sent.len() >= max {
            let oldest_in_window = sent[sent.len() - max];
            t = t.max(oldest_in_window + window);
        }
        sent.push(t);
        t
    };
    let mut ends = Vec::new();
    // What goes first, one after another (HubSpot's custom object types).
    let mut start = Duration::ZERO;
    for _ in 0..head {
        start = send(start) + cost;
    }
    // Chains that start at once (HubSpot's streams, Notion's search): earliest-ready first.
    let mut ready: Vec<(Duration, usize)> = chains.iter().map(|p| (start, *p)).collect();
    // Airtable: the listing's pages one after another, each releasing one request per base.
    let mut at = start;
    for bases in listing {
        at = send(at) + cost;
        ready.extend((0..bases).map(|_| (at, 1)));
    }
    ends.push(at);
    while !ready.is_empty() {
        ready.sort_by_key(|(t, _)| *t);
        let (t, left) = ready.remove(0);
        let done = send(t) + cost;
        if left > 1 {
            ready.push((done, left - 1));
        } else {
            ends.push(done);
        }
    }
    ends.into_iter().max().unwrap_or_default()
}

struct Measured {
    wall: Duration,
    /// Until the last page arrived (the rest is writing the load into the item store).
    network: Duration,
    requests: u64,
    limited: u64,
    complete: bool,
}

async fn sandbox(account: &Account, knobs: Knobs) -> Sandbox {
    Sandbox::start(SandboxConfig {
        size: account.size,
        knobs,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox")
}

/// A sandbox for `account` and an Inlet connected to it (its pacing starting from the
/// documented limits), with the access token the sign-in stored.
async fn connected(account: &Account, knobs: Knobs) -> (Sandbox, Inlet, String) {
    let sandbox = sandbox(account, knobs).await;
    let (inlet, token) = common::connected(&sandbox, account.integration).await;
    (sandbox, inlet, token)
}

/// One load by Inlet, connected afresh; `again`: the second of two loads of an account that did
/// not change in between (Notion then reads only the blocks of pages edited since).
async fn inlet_load(account: &Account, knobs: Knobs, again: bool) -> Measured {
    let (sandbox, inlet, _) = connected(account, knobs).await;
    if again {
        let first = inlet
            .loader
            .load_into_store(account.integration, Arc::new(|_| {}))
            .await;
        assert!(first.is_ok_and(|r| !r.partial), "the first load completes");
    }
    let before = sandbox.counters().api_requests.load(Ordering::SeqCst);
    let started = Instant::now();
    let last_page = Arc::new(std::sync::Mutex::new(started));
    let seen = last_page.clone();
    let progress = Arc::new(move |_: inlet_core::load::LoadProgress| {
        *seen.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    });
    let result = if account.records {
        let all = inlet_core::providers::RecordScope::All;
        let load = inlet.loader.load_with(
            Integration::Airtable,
            LoadRequest::with_records(all),
            progress,
            false,
        );
        load.await
    } else {
        inlet
            .loader
            .load_into_store(account.integration, progress)
            .await
    };
    let wall = started.elapsed();
    let network = last_page
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .duration_since(started);
    let counters = sandbox.counters();
    Measured {
        wall,
        network,
        requests: counters.api_requests.load(Ordering::SeqCst) - before,
        limited: counters.rate_limited.load(Ordering::SeqCst),
        complete: result.is_ok_and(|r| !r.partial),
    }
}

fn median(mut runs: Vec<Measured>) -> Measured {
    runs.sort_by_key(|m| m.wall);
    runs.swap_remove(runs.len() / 2)
}

fn row(label: &str, how: &str, m: &Measured, floor: Duration) {
    let wall = m.wall;
    println!(
        "| {label} | {how} | {:.2} s | {:.2} s | {} | {} | {:.2} s | {:.2} | {:.2} | {} |",
        wall.as_secs_f64(),
        m.network.as_secs_f64(),
        m.requests,
        m.limited,
        floor.as_secs_f64(),
        wall.as_secs_f64() / floor.as_secs_f64(),
        m.network.as_secs_f64() / floor.as_secs_f64(),
        if m.complete { "yes" } else { "**no**" }
    );
}

#[tokio::main]
async fn main() {
    println!("| account | client | wall (median of {RUNS}) | last page | requests | 429s | floor | ratio | ratio to last page | complete |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    // The cost of a page, from the last naive run (a records load has none: see below).
    let mut cost = LATENCY;
    // `INLET_BENCH_ONLY=<part of a label>` measures only those accounts;
    // `INLET_BENCH_SKIP=<part of a client>` leaves those rows out ("stricter", "next load").
    let only = std::env::var("INLET_BENCH_ONLY").unwrap_or_default();
    let skip = std::env::var("INLET_BENCH_SKIP").unwrap_or_default();
    let wanted = |how: &str| skip.is_empty() || !how.contains(skip.as_str());
    for account in accounts()
        .into_iter()
        .filter(|a| a.label.contains(only.as_str()))
    {
        let documented = knobs(false);
        if account.records {
            // One request at a time without pacing meets Airtable's 5 per second per base
            // within a second and then a 30 s lockout, again and again: no yardstick. The page
            // cost is the previous Airtable row's; the stricter per-user limit does not bind
            // one base.
            let floor = floor(&account, &documented, cost, 0);
            let mut runs = Vec::new();
            for _ in 0..RUNS {
                runs.push(inlet_load(&account, documented.clone(), false).await);
            }
            row(
                account.label,
                "Inlet, documented limits",
                &median(runs),
                floor,
            );
            continue;
        }
        // The yardstick first: the naive client's cost of one page, in this run.
        let (sandbox, _inlet, token) = connected(&account, documented.clone()).await;
        let naive = naive::load(account.integration, &sandbox.base_url(), token).await;
        let notion = notion_requests(&sandbox.dataset(), documented.notion_search_misses);
        drop(sandbox);
        cost = naive.wall.saturating_sub(naive.waited)
            / u32::try_from(naive.requests.max(1)).unwrap_or(u32::MAX);
        let measured = Measured {
            wall: naive.wall,
            network: naive.wall,
            requests: naive.requests,
            limited: naive.limited,
            complete: true,
        };
        let floor_documented = floor(&account, &documented, cost, notion);
        row(
            account.label,
            "naive (one at a time, no pacing)",
            &measured,
            floor_documented,
        );
        for (how, strict) in [
            ("Inlet, documented limits", false),
            ("Inlet, stricter limits", true),
        ]
        .into_iter()
        .filter(|(how, _)| wanted(how))
        {
            let knobs = knobs(strict);
            let floor = floor(&account, &knobs, cost, notion);
            let mut runs = Vec::new();
            for _ in 0..RUNS {
                runs.push(inlet_load(&account, knobs.clone(), false).await);
            }
            row(account.label, how, &median(runs), floor);
        }
        if account.integration == Integration::Notion && wanted("Inlet, the next load") {
            // A reload of an unchanged workspace: no floor of its own (its requests are what the
            // previous load left to check), so wall and requests only.
            let mut runs = Vec::new();
            for _ in 0..RUNS {
                runs.push(inlet_load(&account, documented.clone(), true).await);
            }
            let m = median(runs);
            println!(
                "| {} | Inlet, the next load (nothing changed) | {:.2} s | {:.2} s | {} | {} | — | — | — | {} |",
                account.label,
                m.wall.as_secs_f64(),
                m.network.as_secs_f64(),
                m.requests,
                m.limited,
                if m.complete { "yes" } else { "**no**" }
            );
        }
        println!(
            "|  | (a page costs {:.1} ms here: 30 ms latency and the sandbox's work) | | | | | | | | |",
            cost.as_secs_f64() * 1000.0
        );
    }
}

#[path = "../common/mod.rs"]
mod common;
mod naive;
