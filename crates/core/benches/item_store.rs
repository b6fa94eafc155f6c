//! `make bench`, the item store: 1,000,000 synthetic items over 3 integrations and 6 accounts
//! in a real SQLite file. Medians of several runs; the yardstick, measured in the same run, is
//! writing the same items as NDJSON (what the JSON-file cache of earlier versions did).

use std::path::Path;
use std::time::{Duration, Instant};

use inlet_core::export::{export_stream, export_to_path, ExportFormat};
use inlet_core::item_store::{AccountKey, ItemStore, RowFilter, SortColumn, ViewSort};
use inlet_core::{Integration, IntegrationItem, Mode};

const TOTAL: usize = 1_000_000;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
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
    if let Some(position) = std::env::args().position(|a| a == "--export-child") {
        let args: Vec<String> = std::env::args().skip(position + 1).collect();
        export_child(&args);
        return;
    }
    let dir = std::env::temp_dir().join(format!("inlet-store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    // `INLET_BENCH_ONLY=search`: one ingest, then the grid's reads alone; `=changes`: the
    // change detection and the dropping of a replaced generation alone.
    let only = std::env::var("INLET_BENCH_ONLY").unwrap_or_default();
    if only != "changes" {
        reads(&dir, only == "search");
    }
    if only == "search" {
        std::fs::remove_dir_all(&dir).ok();
        return;
    }

    // A second load of one account of 1,000,000 items: 1 % changed, 0.1 % gone, 0.1 % new.
    let big = AccountKey {
        integration: Integration::Hubspot,
        mode: Mode::Live,
        account_id: "big".into(),
    };
    let first = inlet_core::fixtures::items_of(big.integration, &big.account_id, TOTAL);
    let mut second =
        inlet_core::fixtures::items_of(big.integration, &big.account_id, TOTAL + TOTAL / 1000);
    second.retain(|i| i.id.parse::<usize>().map_or(true, |n| n % 1000 != 7));
    for item in second.iter_mut().step_by(100) {
        item.name.push_str(" (renamed)");
    }
    let mut first_runs = Vec::new();
    let mut write_runs = Vec::new();
    let mut compare_runs = Vec::new();
    let mut purge_runs = Vec::new();
    let mut longest_waits = Vec::new();
    for run in 0..3 {
        let store = fresh(&dir, &format!("changes-{run}"));
        let start = Instant::now();
        ingest(&store, &big, &first);
        first_runs.push(start.elapsed());
        let account = inlet_core::fixtures::account("big");
        let start = Instant::now();
        let (writer, write_wait) = while_probing(&store, || {
            let mut writer = store.begin(&big, &account).expect("begin");
            for page in second.chunks(100) {
                writer.append(page).expect("append");
            }
            writer
        });
        write_runs.push(start.elapsed());
        let start = Instant::now();
        let (generation, compare_wait) = while_probing(&store, || writer.finish(false));
        let generation = generation.expect("finish");
        compare_runs.push(start.elapsed());
        let start = Instant::now();
        let (purged, purge_wait) = while_probing(&store, || store.purge(&big, generation.id));
        purged.expect("purge");
        purge_runs.push(start.elapsed());
        longest_waits.push((compare_wait, purge_wait, write_wait));
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
        "the first load of 1,000,000 written and finished",
        median(first_runs).as_millis()
    );
    println!(
        "{:<58} {:>9} ms",
        "the second load written, each row compared as it is",
        median(write_runs).as_millis()
    );
    println!(
        "{:<58} {:>9} ms",
        "change detection at the finish, 1,000,000 against 1,000,000",
        median(compare_runs).as_millis()
    );
    println!(
        "{:<58} {:>9} ms",
        "  then dropping the replaced generation (after it is visible)",
        median(purge_runs).as_millis()
    );
    let longest = |pick: fn(&(Duration, Duration, Duration)) -> Duration| {
        longest_waits.iter().map(pick).max().unwrap_or_default()
    };
    println!(
        "{:<58} {:>9} ms  (while comparing: {} ms; while writing: {} ms)",
        "  longest wait of another write while dropping it",
        ms(longest(|w| w.1)),
        ms(longest(|w| w.0)),
        ms(longest(|w| w.2))
    );

    std::fs::remove_dir_all(&dir).ok();
}

/// Ingest (pages of 100 as loads deliver them, against NDJSON of the same items), then the
/// grid's reads and (unless `only_search`) the exports.
fn reads(dir: &Path, only_search: bool) {
    let keys: Vec<AccountKey> = inlet_core::fixtures::two_accounts_each()
        .into_iter()
        .map(|(integration, account_id)| AccountKey {
            integration,
            mode: Mode::Sandbox,
            account_id,
        })
        .collect();
    let per_account = TOTAL / keys.len();
    let data: Vec<Vec<IntegrationItem>> = keys
        .iter()
        .map(|k| inlet_core::fixtures::items_of(k.integration, &k.account_id, per_account))
        .collect();
    println!(
        "{:<58} {:>12}",
        "item store benchmark (1,000,000 items, 6 accounts)", "median"
    );

    // Ingest, in pages of 100 as loads deliver them, against NDJSON of the same items.
    let mut ingest_runs = Vec::new();
    let mut ndjson_runs = Vec::new();
    let mut store = fresh(dir, "store");
    for run in 0..if only_search { 1 } else { 3 } {
        store = fresh(dir, &format!("store-{run}"));
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
    grid_windows(&store, &generations);
    if !only_search {
        exports(&store, &generations, dir);
    }
}

/// Runs `work` while another thread writes a preference every 5 ms; what `work` gave and the
/// longest that write waited (how long `work` held the write lock at a time).
fn while_probing<T>(store: &ItemStore, work: impl FnOnce() -> T) -> (T, Duration) {
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let prober = scope.spawn(|| {
            let mut longest = Duration::ZERO;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let start = Instant::now();
                store
                    .set_preference("bench_probe", Some("x"))
                    .expect("a write");
                longest = longest.max(start.elapsed());
                std::thread::sleep(Duration::from_millis(5));
            }
            longest
        });
        let out = work();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        (out, prober.join().expect("the prober"))
    })
}

/// Time `work` `runs` times; the median.
fn timed<T>(runs: usize, mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(work());
        times.push(start.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// What the grid asks for: a window of 100 rows and the total, under a search, a sort, at any
/// offset; the facet counts; a tree.
fn grid_windows(store: &ItemStore, generations: &[i64]) {
    let all = RowFilter::default();
    let by_name = ViewSort::default();
    // Each keystroke is a search the store has not read yet: another search between runs
    // takes the place of the one kept (the store keeps the last search's rows).
    let other_search = || {
        let other = RowFilter {
            search: "zzzz".into(),
            ..RowFilter::default()
        };
        store.count(generations, &other).expect("count");
    };
    let first_window = |filter: &RowFilter, sort: ViewSort| {
        let (mut both, mut alone, mut last) = (Vec::new(), Vec::new(), (0, 0));
        for _ in 0..5 {
            other_search();
            let start = Instant::now();
            let rows = store
                .window(generations, filter, sort, 0, 100)
                .expect("window");
            alone.push(start.elapsed());
            let total = store.count(generations, filter).expect("count");
            both.push(start.elapsed());
            last = (rows.len(), total);
        }
        ((median(both), last), median(alone))
    };
    // Typing "notion-b contact 4242" one key at a time: each keystroke is a new search.
    let typed = "notion-b contact 4242";
    let mut slowest = (Duration::ZERO, String::new(), 0);
    let (mut keystrokes, mut rows_first) = (Vec::new(), Vec::new());
    for end in 1..=typed.len() {
        let prefix = &typed[..end];
        if prefix.ends_with(' ') {
            continue;
        }
        let filter = RowFilter {
            search: prefix.into(),
            ..RowFilter::default()
        };
        let ((took, (_, total)), rows_alone) = first_window(&filter, by_name);
        keystrokes.push(took);
        rows_first.push(rows_alone);
        if took > slowest.0 {
            slowest = (took, prefix.to_owned(), total);
        }
    }
    println!(
        "{:<58} {:>9} ms  (slowest: \"{}\", {} ms, {} rows; the rows alone {} ms, slowest {} ms)",
        format!(
            "search keystroke → first 100 rows + total ({} keys)",
            keystrokes.len()
        ),
        ms(median(keystrokes)),
        slowest.1,
        ms(slowest.0),
        slowest.2,
        ms(median(rows_first.clone())),
        ms(rows_first.iter().max().copied().unwrap_or_default())
    );
    // A store change makes the view's ranks stale: the first search after it walks the sort
    // index (and notes the store's version), the next one reads the ranks, kept from then on.
    let (mut walked, mut ranked) = (Vec::new(), Vec::new());
    let late = RowFilter {
        search: "notion-b c".into(),
        ..RowFilter::default()
    };
    for run in 0..5 {
        store
            .set_preference("bench_probe", Some(&format!("changed {run}")))
            .expect("a write");
        let start = Instant::now();
        store
            .window(generations, &late, by_name, 0, 100)
            .expect("window");
        walked.push(start.elapsed());
        let start = Instant::now();
        store
            .window(generations, &late, by_name, 0, 100)
            .expect("window");
        ranked.push(start.elapsed());
    }
    println!(
        "{:<58} {:>9} ms  (the next one, reading the view's ranks: {} ms)",
        "  first search after the store changed (\"notion-b c\")",
        ms(median(walked)),
        ms(median(ranked))
    );
    let mut sorts = Vec::new();
    for column in [
        SortColumn::Name,
        SortColumn::Type,
        SortColumn::Parent,
        SortColumn::Created,
        SortColumn::Modified,
        SortColumn::Integration,
    ] {
        for descending in [false, true] {
            let ((took, _), _) = first_window(&all, ViewSort { column, descending });
            sorts.push((
                took,
                format!("{column:?}{}", if descending { " desc" } else { "" }),
            ));
        }
    }
    sorts.sort();
    let (worst, worst_sort) = sorts.last().cloned().expect("sorts");
    println!(
        "{:<58} {:>9} ms  (slowest: {worst_sort}, {} ms)",
        "sort by a column → first 100 rows + total (12 sorts)",
        ms(sorts[sorts.len() / 2].0),
        ms(worst)
    );
    // Near the top the sort column's index answers; far down, the view's order of row ids
    // (built on the first jump there, then kept) does — as the library reads windows.
    let mut near = Vec::new();
    for offset in (0..20_000u32).step_by(1_000) {
        let (took, _) = timed(3, || {
            store
                .window(generations, &all, by_name, offset, 100)
                .expect("window")
        });
        near.push(took);
    }
    let (build, order) = timed(3, || {
        store.flat_order(generations, &all, by_name).expect("order")
    });
    let mut far = Vec::new();
    for n in 0..20usize {
        let start = (n * 49_999 + 20_000) % (order.len() - 100);
        let (took, _) = timed(3, || {
            store
                .rows_by_id(generations, &all, &order[start..start + 100], false)
                .expect("rows")
        });
        far.push(took);
    }
    let worst = near.iter().chain(&far).max().copied().expect("windows");
    println!(
        "{:<58} {:>9} ms  (near the top {} ms; slowest {} ms)",
        "a 100-row window while scrolling (sorted by name)",
        ms(median(far)),
        ms(median(near)),
        ms(worst)
    );
    println!(
        "{:<58} {:>9} ms  (once per view; {} row ids)",
        "  first jump far down: the view's order of row ids",
        ms(build),
        order.len()
    );
    let (facets, _) = timed(5, || store.facets(generations, &all).expect("facets"));
    let searched = RowFilter {
        search: "contact".into(),
        ..RowFilter::default()
    };
    let mut under_search = Vec::new();
    for _ in 0..5 {
        other_search();
        let start = Instant::now();
        store.facets(generations, &searched).expect("facets");
        under_search.push(start.elapsed());
    }
    let facets_search = median(under_search);
    println!(
        "{:<58} {:>9} ms  (under a search matching every row: {} ms)",
        "facet counts (type, account, changes)",
        ms(facets),
        ms(facets_search)
    );
    let (tree, order) = timed(3, || {
        store
            .tree_order(generations, &all, by_name, &Default::default())
            .expect("tree")
    });
    println!(
        "{:<58} {:>9} ms  ({} roots)",
        "tree of 1,000,000 items, flattened (first view of Tree)",
        ms(tree),
        order.len()
    );
}

/// Exports of every stored row, streamed from a store query, each in a child process so its peak
/// RSS is its own: the growth is the child's peak minus its RSS before the export.
fn exports(store: &ItemStore, generations: &[i64], dir: &Path) {
    let ids: Vec<String> = generations.iter().map(i64::to_string).collect();
    for (format, sort) in [
        ("csv", "loaded"),
        ("csv", "name"),
        ("ndjson", "loaded"),
        ("json", "loaded"),
        ("xlsx", "loaded"),
    ] {
        let mut runs = Vec::new();
        let mut growth = 0;
        for _ in 0..3 {
            let out = std::process::Command::new(std::env::current_exe().expect("exe"))
                .arg("--export-child")
                .arg(store.path())
                .arg(dir.join(format!("all.{format}")))
                .arg(format)
                .arg(sort)
                .args(&ids)
                .output()
                .expect("child");
            let text = String::from_utf8_lossy(&out.stdout);
            let mut fields = text.split_whitespace();
            let took: f64 = fields.next().and_then(|f| f.parse().ok()).expect("time");
            growth = fields.next().and_then(|f| f.parse().ok()).expect("rss");
            runs.push(Duration::from_secs_f64(took));
        }
        println!(
            "{:<58} {:>9} ms  (peak RSS growth {} MB)",
            format!(
                "export 1,000,000 stored items to {} (store → file)",
                format.to_uppercase()
            ),
            ms(median(runs)),
            growth / 1024
        );
    }
}

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn export_child(args: &[String]) {
    let store = ItemStore::open(Path::new(&args[0])).expect("open");
    let out = Path::new(&args[1]);
    let format: ExportFormat = args[2].parse().expect("format");
    let sort = ViewSort {
        column: if args[3] == "name" {
            SortColumn::Name
        } else {
            SortColumn::Loaded
        },
        descending: false,
    };
    let generations: Vec<i64> = args[4..].iter().map(|g| g.parse().expect("id")).collect();
    let before = rss_kb("VmRSS:");
    let start = Instant::now();
    store
        .with_view_rows(&generations, &RowFilter::default(), sort, |rows| {
            export_stream(out, format, rows)
        })
        .expect("export");
    let took = start.elapsed();
    println!(
        "{} {}",
        took.as_secs_f64(),
        rss_kb("VmHWM:").saturating_sub(before)
    );
}
