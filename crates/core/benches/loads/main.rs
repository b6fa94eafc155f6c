//! `make bench`: full loads from the sandbox at the providers' documented limits and 30 ms of
//! latency, against the floor — the least time those limits and that latency allow — for a small
//! and a large account of each provider, and Inlet again under limits stricter than documented.
//!
//! The floor of a load, from the requests it must make:
//! - a stream whose pages follow cursors costs `pages × latency` (no two of its pages overlap);
//! - a rolling window of `max` requests per `window` lets request `k` go at `⌊k / max⌋ × window`,
//!   so `R` requests need `⌊(R − 1) / max⌋ × window + latency`;
//! - a steady rate of `r` per second needs `(R − 1) / r + latency`.
//!
//! The floor is the largest of these bounds. Plain `Instant` timing, medians of 3 runs.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use inlet_core::config::SandboxEndpoint;
use inlet_core::services::StartOptions;
use inlet_core::store::MemoryStore;
use inlet_core::{Inlet, Integration, Secret};
use inlet_sandbox::{DatasetSize, Knobs, Sandbox, SandboxConfig};

const LATENCY: Duration = Duration::from_millis(30);
const RUNS: usize = 3;

struct Account {
    integration: Integration,
    label: &'static str,
    size: DatasetSize,
}

fn none() -> DatasetSize {
    DatasetSize {
        contacts: 0,
        companies: 0,
        deals: 0,
        airtable_bases: 0,
        airtable_records: 0,
        notion_pages: 0,
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
    };
    let notion = |label, notion_pages| Account {
        integration: Integration::Notion,
        label,
        size: DatasetSize {
            notion_pages,
            ..none()
        },
    };
    let airtable = |label, airtable_bases| Account {
        integration: Integration::Airtable,
        label,
        size: DatasetSize {
            airtable_bases,
            airtable_records: 1,
            ..none()
        },
    };
    vec![
        hubspot("HubSpot, 5,000 items", 3_000, 1_500, 500),
        hubspot("HubSpot, 25,000 items", 15_000, 7_000, 3_000),
        notion("Notion, 1,000 items", 1_000),
        notion("Notion, 8,000 items", 8_000),
        airtable("Airtable, 10 bases", 10),
        airtable("Airtable, 200 bases", 200),
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

/// Requests a load makes, and its floor (see the module comment).
fn floor(account: &Account, knobs: &Knobs) -> (usize, Duration) {
    let pages = |n: usize| n.div_ceil(100).max(1);
    let window = |requests: usize, max: u32, per: Duration| {
        per * ((requests.saturating_sub(1)) / max as usize) as u32 + LATENCY
    };
    let s = &account.size;
    match account.integration {
        Integration::Hubspot => {
            let streams = [pages(s.contacts), pages(s.companies), pages(s.deals)];
            let requests: usize = streams.iter().sum();
            let cursor = LATENCY * *streams.iter().max().unwrap_or(&1) as u32;
            let rate = window(requests, knobs.rate_limit_max, Duration::from_secs(10));
            (requests, cursor.max(rate))
        }
        Integration::Notion => {
            let requests = pages(s.notion_pages);
            let cursor = LATENCY * requests as u32;
            let rate = window(
                requests,
                knobs.notion_requests_per_3s,
                Duration::from_secs(3),
            );
            (requests, cursor.max(rate))
        }
        Integration::Airtable => {
            let listing = s
                .airtable_bases
                .div_ceil(knobs.airtable_bases_page_size)
                .max(1);
            let requests = listing + s.airtable_bases;
            // The listing's pages follow offsets; each base's tables are one request after it.
            let cursor = LATENCY * (listing as u32 + 1);
            let steady = Duration::from_secs_f64(
                (requests.saturating_sub(1)) as f64 / f64::from(knobs.airtable_user_rate_per_sec),
            ) + LATENCY;
            (requests, cursor.max(steady))
        }
    }
}

struct Measured {
    wall: Duration,
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

/// One load by Inlet, connected afresh (its pacing starts from the documented limits).
async fn inlet_load(account: &Account, knobs: Knobs) -> Measured {
    let sandbox = sandbox(account, knobs).await;
    let endpoint = SandboxEndpoint {
        base: url::Url::parse(&sandbox.base_url()).expect("url"),
        client_id: inlet_sandbox::CLIENT_ID.into(),
        client_secret: Secret::new(inlet_sandbox::CLIENT_SECRET),
    };
    let env = [("INLET_REDIRECT_URI", "http://127.0.0.1:0/oauth/callback")];
    let inlet = Inlet::start(StartOptions {
        store: Some(Arc::new(MemoryStore::default())),
        demo: Some(Arc::new(endpoint)),
        ..StartOptions::new(&env)
    })
    .await
    .expect("inlet");
    let (start, finished) = inlet
        .sign_in
        .begin(account.integration)
        .await
        .expect("begin");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let consent = client
        .get(&start.authorization_url)
        .send()
        .await
        .expect("consent");
    let callback = consent.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    client.get(&callback).send().await.expect("callback");
    finished.await.expect("connected");
    let before = sandbox.counters().api_requests.load(Ordering::SeqCst);
    let started = Instant::now();
    let result = inlet
        .loader
        .load_into_store(account.integration, Arc::new(|_| {}))
        .await;
    let wall = started.elapsed();
    let counters = sandbox.counters();
    Measured {
        wall,
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
    println!(
        "| {label} | {how} | {:.2} s | {} | {} | {:.2} s | {:.2} | {} |",
        m.wall.as_secs_f64(),
        m.requests,
        m.limited,
        floor.as_secs_f64(),
        m.wall.as_secs_f64() / floor.as_secs_f64(),
        if m.complete { "yes" } else { "**no**" }
    );
}

#[tokio::main]
async fn main() {
    println!("| account | client | wall (median of {RUNS}) | requests | 429s | floor | ratio | complete |");
    println!("|---|---|---|---|---|---|---|---|");
    for account in accounts() {
        for (how, strict) in [
            ("Inlet, documented limits", false),
            ("Inlet, stricter limits", true),
        ] {
            let knobs = knobs(strict);
            let (_, floor) = floor(&account, &knobs);
            let mut runs = Vec::new();
            for _ in 0..RUNS {
                runs.push(inlet_load(&account, knobs.clone()).await);
            }
            row(account.label, how, &median(runs), floor);
        }
    }
}
