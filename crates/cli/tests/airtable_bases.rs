//! Airtable accounts as users bring them, through the `inlet` binary and the real keychain: 300
//! bases load completely under the per-user limit, and a base loads in full and is written as a
//! workbook. Run by `make test` inside a private Secret Service session.

mod common;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{cli_connect, text, Env};
use inlet_sandbox::{DatasetSize, Knobs, SandboxConfig};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn three_hundred_bases_load_completely_from_the_cli() {
    let env = Env::with(
        "bases-300",
        SandboxConfig {
            size: DatasetSize {
                airtable_bases: 300,
                airtable_records: 1,
                ..DatasetSize::default()
            },
            knobs: Knobs {
                latency_ms: 5,
                airtable_bases_page_size: 100,
                ..Knobs::default()
            },
            ..SandboxConfig::default()
        },
    )
    .await;
    cli_connect(&env, "airtable").await;
    let out = env.run(&["load", "airtable", "--format", "ndjson"]).await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let items: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let data = env.sandbox.dataset();
    let tables: usize = data.airtable.bases.iter().map(|b| b.tables.len()).sum();
    let count = |kind: &str| items.iter().filter(|i| i["type"] == kind).count();
    assert_eq!((count("base"), count("table")), (300, tables), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(
        env.sandbox
            .counters()
            .rate_limited
            .load(std::sync::atomic::Ordering::SeqCst),
        0,
        "under the documented limits, no request meets a 429"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn a_base_loads_in_full_and_becomes_a_workbook_from_the_cli() {
    let env = Env::with(
        "base-workbook",
        SandboxConfig {
            size: DatasetSize {
                airtable_bases: 3,
                airtable_records: 5,
                airtable_big_table: 230,
                ..DatasetSize::default()
            },
            ..SandboxConfig::default()
        },
    )
    .await;
    cli_connect(&env, "airtable").await;
    let data = env.sandbox.dataset();
    let base = &data.airtable.bases[0];
    let workbook = env.data_dir.join("base.xlsx");
    let path = workbook.to_str().unwrap();

    // Asked before its records are stored, the workbook says how to get them.
    env.run(&["load", "airtable"]).await;
    let early = env.run(&["workbook", &base.id, "--output", path]).await;
    assert!(!early.status.success());
    assert!(
        text(&early.stderr).contains("--records-of"),
        "{}",
        text(&early.stderr)
    );

    let out = env
        .run(&[
            "load",
            "airtable",
            "--records-of",
            &base.id,
            "--format",
            "ndjson",
        ])
        .await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for table in &base.tables {
        let records = lines
            .iter()
            .filter(|i| i["type"] == "record" && i["parent_id"] == table.id.as_str())
            .count();
        assert_eq!(
            records,
            table.records.len(),
            "every record of {}",
            table.name
        );
    }
    assert!(
        !stderr.contains("items in"),
        "no progress when piped: {stderr}"
    );
    let expected: usize = base.tables.iter().map(|t| t.records.len()).sum();

    let out = env.run(&["workbook", &base.id, "--output", path]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("wrote {expected} records")));
    let mut book: Xlsx<_> = open_workbook(&workbook).unwrap();
    let first = &base.tables[0];
    let sheet = book.worksheet_range(&first.name).unwrap();
    assert_eq!(sheet.height(), first.records.len() + 1);
    let header: Vec<String> = sheet
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let estimate = header.iter().position(|h| h == "Estimate").unwrap();
    assert!(sheet
        .rows()
        .skip(1)
        .all(|row| matches!(row[estimate], Data::Float(_))));

    // The account's calls this month are in `inlet status`; once the plan is said, a load of
    // every record says what it costs before it starts.
    let status = text(&env.run(&["status"]).await.stdout);
    assert!(status.contains("API calls by Inlet in"), "{status}");
    assert!(
        status.contains("plan not set (free, team, business)"),
        "{status}"
    );
    let set = env.run(&["plan", "airtable", "free"]).await;
    assert!(set.status.success(), "{}", text(&set.stderr));
    assert!(text(&set.stdout).contains("plan Free allows 1000 a month per workspace"));
    let out = env.run(&["load", "airtable", "--all-records"]).await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Loading these records takes about"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the plan allows 1,000 calls a month"),
        "{stderr}"
    );
    let unknown = env.run(&["plan", "airtable", "platinum"]).await;
    assert!(
        text(&unknown.stderr).contains("[invalid_argument]"),
        "{}",
        text(&unknown.stderr)
    );
    let unset = env.run(&["plan", "airtable", "none"]).await;
    assert!(text(&unset.stdout).contains("plan not set"));

    // Bad input is one clear line and a failure exit.
    let wrong = env.run(&["load", "hubspot", "--all-records"]).await;
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("[invalid_argument]"),
        "{}",
        text(&wrong.stderr)
    );
    let _ = std::fs::remove_dir_all(&env.data_dir);
}
