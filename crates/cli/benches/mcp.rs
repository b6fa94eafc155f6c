//! `make bench`, the assistant's tools on the million-item store (issue 22): 1,000,000 synthetic
//! items over 6 accounts in a real SQLite file, loaded twice with 1 % changed between (10,000
//! revisions seen today), every account opened to assistants. The tools' answers in process
//! (medians of `RUNS`), against the yardstick of the grid's first window for the same words
//! (what the app's search shows); then the release `inlet mcp` answering 1,000 sequential
//! calls over stdio, its resident memory after 100 calls and after 1,000.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use inlet_core::assistant::{Assistant, ChangesAsked, SearchAsked};
use inlet_core::item_store::{AccountKey, ItemStore};
use inlet_core::services::{ItemView, Library};
use inlet_core::{IntegrationItem, Mode};

const TOTAL: usize = 1_000_000;
const RUNS: usize = 5;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn load(store: &ItemStore, key: &AccountKey, items: &[IntegrationItem]) {
    let account = inlet_core::fixtures::account(&key.account_id);
    let mut writer = store.begin(key, &account).expect("begin");
    for page in items.chunks(500) {
        writer.append(page).expect("append");
    }
    let id = writer.finish(false).expect("finish").id;
    store.purge(key, id).expect("purge");
}

async fn timed<T, F: std::future::Future<Output = T>>(mut call: impl FnMut() -> F) -> Duration {
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        std::hint::black_box(call().await);
        runs.push(start.elapsed());
    }
    median(runs)
}

fn row(what: &str, took: Duration, yardstick: Duration, target: &str) {
    let ratio = took.as_secs_f64() / yardstick.as_secs_f64().max(1e-9);
    println!(
        "| {what} | {:.1} ms | {ratio:.2} | {target} |",
        took.as_secs_f64() * 1e3
    );
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    (status.lines().find_map(|l| l.strip_prefix("VmRSS:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("inlet-mcp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let store = ItemStore::open(&dir.join(inlet_core::item_store::FILE_NAME)).expect("store");
    let keys: Vec<AccountKey> = (inlet_core::fixtures::two_accounts_each().into_iter())
        .map(|(integration, account_id)| AccountKey {
            integration,
            mode: Mode::Sandbox,
            account_id,
        })
        .collect();
    let per_account = TOTAL / keys.len();
    for key in &keys {
        let mut items =
            inlet_core::fixtures::items_of(key.integration, &key.account_id, per_account);
        load(&store, key, &items);
        for item in items.iter_mut().step_by(100) {
            item.name.push_str(" (renamed)");
        }
        load(&store, key, &items);
    }
    drop(store);
    let library = Arc::new(Library::open(Some(&dir)).expect("library"));
    for key in &keys {
        library
            .set_assistant_access(key, true)
            .await
            .expect("open to assistants");
    }
    let assistant = Assistant::new(library.clone());
    let search = |words: &str| SearchAsked {
        words: words.into(),
        limit: 20,
        ..SearchAsked::default()
    };
    let grid = |words: &str| {
        let view = ItemView {
            search: words.into(),
            ..ItemView::default()
        };
        let (library, keys) = (library.clone(), keys.clone());
        async move { library.window(&keys, view, 0, 100).await.expect("window") }
    };
    // The grid's keystroke is a search the store has not read yet (it keeps the last one's
    // rows): another search between runs, untimed.
    let grid_keystroke = |words: &'static str| {
        let grid = &grid;
        async move {
            let mut runs = Vec::new();
            for _ in 0..RUNS {
                grid("zzzz").await;
                let start = Instant::now();
                std::hint::black_box(grid(words).await);
                runs.push(start.elapsed());
            }
            median(runs)
        }
    };
    println!(
        "| what (1,000,000 items, 6 accounts; median of {RUNS}) | time | ÷ yardstick | target |"
    );
    println!("|---|---|---|---|");
    for words in ["contact 4242", "contact", "renamed"] {
        let yardstick = grid_keystroke(words).await;
        let took = timed(|| assistant.search(search(words))).await;
        row(
            &format!("search \"{words}\" (first 20; yardstick: the grid's first 100 rows)"),
            took,
            yardstick,
            "< 100 ms",
        );
    }
    let id = "142424";
    let yardstick = grid_keystroke("contact 142424").await;
    let took = timed(|| assistant.get_item(id, Some("hubspot-a"))).await;
    row(
        "get_item (yardstick: the grid's search for it)",
        took,
        yardstick,
        "< 10 ms",
    );
    let today = chrono::Utc::now().date_naive().to_string();
    let changes = || ChangesAsked {
        since: Some(today.clone()),
        limit: 50,
        cursor: None,
    };
    let took = timed(|| assistant.list_changes(changes())).await;
    let yardstick =
        timed(|| library.changes_since(&keys, chrono::Utc::now() - chrono::Duration::days(1)))
            .await;
    row(
        "list_changes for a day, 10,000 changes (first 50; yardstick: reading them all)",
        took,
        yardstick,
        "< 100 ms",
    );

    // The release server over stdio: 1,000 sequential calls, its memory after 100 and 1,000.
    let mut server = Command::new(env!("CARGO_BIN_EXE_inlet"))
        .arg("mcp")
        .env("INLET_DATA_DIR", &dir)
        .env("INLET_KEYCHAIN_SERVICE", "dev.inlet.mcp-bench")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("inlet mcp");
    let pid = server.id();
    let mut input = server.stdin.take().expect("stdin");
    let mut output = BufReader::new(server.stdout.take().expect("stdout")).lines();
    let mut send = |message: serde_json::Value| {
        writeln!(input, "{message}").expect("send");
        input.flush().expect("flush");
    };
    send(
        serde_json::json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}),
    );
    output.next();
    send(serde_json::json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    let calls = [
        serde_json::json!({"name": "search", "arguments": {"query": "contact 12", "limit": 20}}),
        serde_json::json!({"name": "get_item", "arguments": {"id": "4242", "account": "notion-b"}}),
        serde_json::json!({"name": "query", "arguments": {"sql": "SELECT type, count(*) FROM items WHERE account_id = 'airtable-a' GROUP BY 1"}}),
        serde_json::json!({"name": "list_changes", "arguments": {"limit": 20}}),
    ];
    let (mut after_100, mut after_500, started) = (0, 0, Instant::now());
    for n in 1..=1_000u32 {
        let call = &calls[n as usize % calls.len()];
        send(serde_json::json!({"jsonrpc":"2.0","id":n,"method":"tools/call","params":call}));
        output.next().expect("an answer").expect("read");
        if n == 100 {
            after_100 = resident_kib(pid);
        }
        if n == 500 {
            after_500 = resident_kib(pid);
        }
    }
    let after_1000 = resident_kib(pid);
    let each = started.elapsed() / 1_000;
    drop(input);
    let _ = server.wait();
    println!();
    // The kept connections' page caches (64 MiB each at most) fill over the first calls; a
    // leak would keep growing after they are warm, between the 500th call and the 1,000th.
    println!("| `inlet mcp` (release), 1,000 sequential calls over stdio | after 100 calls | after 500 | after 1,000 | 500 → 1,000 |");
    println!("|---|---|---|---|---|");
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "| resident memory (mean {:.1} ms a call) | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.2} × |",
        each.as_secs_f64() * 1e3,
        mib(after_100),
        mib(after_500),
        mib(after_1000),
        after_1000 as f64 / (after_500.max(1)) as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}
