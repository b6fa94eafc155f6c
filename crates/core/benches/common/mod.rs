//! What the benchmarks share: Inlet started on a sandbox the way the app starts it, and
//! connected through the loopback redirect by a "browser" that consents at once.

// Each benchmark uses a part of what is here.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use inlet_core::config::SandboxEndpoint;
use inlet_core::keychain::{MemoryStore, TokenStore};
use inlet_core::services::StartOptions;
use inlet_core::{Inlet, Integration, Secret};
use inlet_sandbox::{DatasetSize, Knobs, Sandbox, SandboxConfig};

pub mod vault_store;

/// The middle of `runs`.
pub fn median(mut runs: Vec<std::time::Duration>) -> std::time::Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// The requests `sandbox` has served so far.
pub fn api_requests(sandbox: &Sandbox) -> u64 {
    sandbox
        .counters()
        .api_requests
        .load(std::sync::atomic::Ordering::SeqCst)
}

/// A sandbox of `size` with `knobs`.
pub async fn sandbox_of(size: DatasetSize, knobs: Knobs) -> Sandbox {
    Sandbox::start(SandboxConfig {
        size,
        knobs,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox")
}

/// Inlet with an item store in `dir` (emptied first), connected to `integration` on `sandbox`.
pub async fn stored(sandbox: &Sandbox, integration: Integration, dir: &std::path::Path) -> Inlet {
    let _ = std::fs::remove_dir_all(dir);
    connected_in(sandbox, integration, Some(dir.to_owned()))
        .await
        .0
}

/// Inlet on `sandbox`, connected to `integration`, with the access token the sign-in stored.
pub async fn connected(sandbox: &Sandbox, integration: Integration) -> (Inlet, String) {
    connected_in(sandbox, integration, None).await
}

/// [`connected`], with its item store in `data_dir` (`None`: in memory).
pub async fn connected_in(
    sandbox: &Sandbox,
    integration: Integration,
    data_dir: Option<PathBuf>,
) -> (Inlet, String) {
    let endpoint = SandboxEndpoint {
        base: url::Url::parse(&sandbox.base_url()).expect("url"),
        client_id: inlet_sandbox::CLIENT_ID.into(),
        client_secret: Secret::new(inlet_sandbox::CLIENT_SECRET),
    };
    let store = Arc::new(MemoryStore::default());
    let inlet = start(store.clone(), Some(Arc::new(endpoint)), data_dir).await;
    let (start, finished) = inlet.sign_in.begin(integration).await.expect("begin");
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
    // The listener answers the browser once the sign-in is finished: follow it meanwhile.
    let browser = tokio::spawn(async move { client.get(&callback).send().await });
    finished.await.expect("connected");
    browser.await.expect("browser").expect("callback");
    let key = store.keys().expect("keys").remove(0);
    let token = store.get(&key).expect("get").expect("stored").access_token;
    (inlet, token.expose().to_owned())
}

/// Inlet with its item store in `data_dir`, connected to nothing (what is stored there is
/// exported as it is).
pub async fn started_in(data_dir: PathBuf) -> Inlet {
    start(Arc::new(MemoryStore::default()), None, Some(data_dir)).await
}

async fn start(
    store: Arc<MemoryStore>,
    demo: Option<Arc<SandboxEndpoint>>,
    data_dir: Option<PathBuf>,
) -> Inlet {
    let env = [("INLET_REDIRECT_URI", "http://127.0.0.1:0/oauth/callback")];
    Inlet::start(StartOptions {
        store: Some(store),
        demo: demo.map(|d| d as Arc<dyn inlet_core::services::DemoServer>),
        data_dir,
        ..StartOptions::new(&env)
    })
    .await
    .expect("inlet")
}

/// A load of `integration` (`sync`: only what changed), its wall time and its result; a partial
/// load, or one that did not sync as asked, stops the benchmark.
pub async fn timed_load(
    inlet: &Inlet,
    integration: Integration,
    sync: bool,
) -> (std::time::Duration, inlet_core::load::LoadResult) {
    let request = inlet_core::providers::LoadRequest {
        sync,
        ..inlet_core::providers::LoadRequest::structure()
    };
    timed_request(inlet, integration, request).await
}

/// A load of `integration` asked as `request`, its wall time and its result (as [`timed_load`]).
pub async fn timed_request(
    inlet: &Inlet,
    integration: Integration,
    request: inlet_core::providers::LoadRequest,
) -> (std::time::Duration, inlet_core::load::LoadResult) {
    let sync = request.sync;
    let started = std::time::Instant::now();
    let result = (inlet.loader)
        .load_with(integration, request, std::sync::Arc::new(|_| {}), false)
        .await
        .expect("load");
    assert!(!result.partial, "{:?}", result.failures);
    assert_eq!(result.incremental, sync, "{:?}", result.notes);
    (started.elapsed(), result)
}

/// A row of a sync table: what, its wall time and requests, and both against the full load's.
pub fn sync_row(
    what: &str,
    wall: std::time::Duration,
    requests: u64,
    full: (std::time::Duration, u64),
) {
    println!(
        "| {what} | {:.2} s | {requests} | {:.2}% | {:.2}% |",
        wall.as_secs_f64(),
        100.0 * wall.as_secs_f64() / full.0.as_secs_f64(),
        100.0 * requests as f64 / full.1 as f64,
    );
}

/// What a sync costs against a full load, measured in one run: the full load once, then `runs`
/// syncs of the unchanged account and `runs` syncs each after its own `edit` (which changes
/// `changed` items), as (median wall time, requests of the last run).
pub struct SyncFigures {
    pub full: (std::time::Duration, u64),
    pub unchanged: (std::time::Duration, u64),
    pub changed: (std::time::Duration, u64),
}

/// `pause`: how long to wait before each sync, so it starts as a scheduled one does, with the
/// provider's rate window empty.
pub async fn sync_figures(
    sandbox: &Sandbox,
    inlet: &Inlet,
    integration: Integration,
    runs: usize,
    edit: &inlet_sandbox::DataEdit,
    (changed, pause): (u32, std::time::Duration),
    records: inlet_core::providers::RecordScope,
) -> SyncFigures {
    let before = api_requests(sandbox);
    let full_request = inlet_core::providers::LoadRequest::with_records(records);
    let (full_wall, _) = timed_request(inlet, integration, full_request).await;
    let full = (full_wall, api_requests(sandbox) - before);
    eprintln!("full load: {full_wall:?}, {} requests", full.1);
    let measure = async |edit: Option<&inlet_sandbox::DataEdit>, expected: u32| {
        let (mut walls, mut requests) = (Vec::new(), 0);
        for _ in 0..runs {
            if let Some(edit) = edit {
                sandbox.edit_data(edit);
            }
            tokio::time::sleep(pause).await;
            let before = api_requests(sandbox);
            let (wall, result) = timed_load(inlet, integration, true).await;
            requests = api_requests(sandbox) - before;
            let changes = result.changes.unwrap_or_default();
            eprintln!(
                "sync: {wall:?}, {requests} requests, {changes:?}; 429s so far: {}",
                sandbox
                    .counters()
                    .rate_limited
                    .load(std::sync::atomic::Ordering::SeqCst)
            );
            assert_eq!(changes.changed, expected);
            walls.push(wall);
        }
        (median(walls), requests)
    };
    let unchanged = measure(None, 0).await;
    let changed = measure(Some(edit), changed).await;
    SyncFigures {
        full,
        unchanged,
        changed,
    }
}

impl SyncFigures {
    /// Prints the table's header and rows: the full load (`full`, its label), the unchanged
    /// sync's and the changed one's (`changed`, its label), each against the full load.
    pub fn print(&self, full: &str, changed: &str, runs: usize) {
        println!("| what | wall | requests | of the full load's time | of its requests |\n|---|---|---|---|---|");
        sync_row(
            &format!("{full} (one run)"),
            self.full.0,
            self.full.1,
            self.full,
        );
        let (wall, requests) = self.unchanged;
        sync_row(
            &format!("sync, nothing changed (median of {runs})"),
            wall,
            requests,
            self.full,
        );
        let (wall, requests) = self.changed;
        sync_row(
            &format!("sync after {changed} (median of {runs})"),
            wall,
            requests,
            self.full,
        );
    }
}
