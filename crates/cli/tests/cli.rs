//! The `inlet` binary end to end: a real sandbox over HTTP, the real loopback redirect (the test
//! plays the browser by following the sandbox's 302), and the real keychain. Run by `make test`
//! inside a private Secret Service session (they are ignored by plain `cargo test`).

mod common;

use std::process::Stdio;
use std::sync::atomic::Ordering;

use common::{cli_connect, errors, text, Env};
use inlet_sandbox::SandboxConfig;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn connect_status_load_disconnect() {
    let env = Env::new("flow").await;
    let connected = cli_connect(&env, "hubspot").await;
    assert!(
        connected.callback.starts_with("http://127.0.0.1:"),
        "{}",
        connected.callback
    );
    assert!(
        connected.page.contains("You can close this tab"),
        "{}",
        connected.page
    );
    let portal = env.sandbox.dataset().hubspot.portal_id.to_string();
    assert!(
        connected.lines.iter().any(|l| l.contains(&portal)),
        "{:?}",
        connected.lines
    );

    let status = env.run(&["status", "--json"]).await;
    assert!(status.status.success(), "{}", text(&status.stderr));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let hubspot = json
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["integration"] == "hubspot")
        .unwrap();
    assert_eq!(hubspot["connected"], true);
    assert_eq!(hubspot["mode"], "sandbox");
    assert!(
        !text(&status.stdout).contains("access-"),
        "no token in status"
    );

    let file = env.data_dir.with_extension("csv");
    let load = env
        .run(&[
            "load",
            "hubspot",
            "--format",
            "csv",
            "--output",
            file.to_str().unwrap(),
        ])
        .await;
    assert!(load.status.success(), "{}", text(&load.stderr));
    let mut reader = csv::Reader::from_path(&file).unwrap();
    let mut ids: Vec<String> = reader.records().map(|r| r.unwrap()[1].to_owned()).collect();
    ids.sort();
    let hub = &env.sandbox.dataset().hubspot;
    let mut expected: Vec<String> = common::portal::hubspot_ids(hub)
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    expected.sort();
    assert_eq!(ids, expected);
    std::fs::remove_file(&file).ok();

    let xlsx = env.data_dir.with_extension("xlsx");
    let out = env
        .run(&[
            "load",
            "hubspot",
            "--format",
            "xlsx",
            "--output",
            xlsx.to_str().unwrap(),
        ])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
    std::fs::remove_file(&xlsx).ok();
    let to_stdout = env.run(&["load", "hubspot", "--format", "xlsx"]).await;
    assert_eq!(to_stdout.status.code(), Some(1), "xlsx needs a file");

    let ndjson = env.run(&["load", "hubspot"]).await;
    assert_eq!(text(&ndjson.stdout).lines().count(), expected.len());

    // A sync fetches what people changed meanwhile and says what it cost, for scripts in JSON.
    let renamed = env.sandbox.dataset().hubspot.contacts[0].id.clone();
    let before_sync = chrono::Utc::now().to_rfc3339();
    env.sandbox.edit_data(&inlet_sandbox::DataEdit {
        renamed: 2,
        removed: 1,
        ..Default::default()
    });
    let sync = env.run(&["sync", "hubspot", "--json"]).await;
    assert!(sync.status.success(), "{}", text(&sync.stderr));
    let report: serde_json::Value = serde_json::from_slice(&sync.stdout).unwrap();
    assert_eq!(report["integration"], "hubspot");
    assert_eq!(report["incremental"], true);
    assert_eq!(
        (
            report["new"].as_u64(),
            report["changed"].as_u64(),
            report["gone"].as_u64()
        ),
        (Some(0), Some(2), Some(1))
    );
    assert!(
        report["requests"]
            .as_u64()
            .is_some_and(|n| (1..=20).contains(&n)),
        "{report}"
    );
    // The renamed contact's history says what moved.
    let history = env.run(&["history", &renamed]).await;
    assert!(history.status.success(), "{}", text(&history.stderr));
    let told = text(&history.stdout);
    assert!(told.contains("changed (HubSpot)"), "{told}");
    assert!(told.contains("    details.values.lastname: \""), "{told}");
    assert!(told.contains(" (renamed)\""), "{told}");
    let unknown = env.run(&["history", "no-such-item"]).await;
    assert_eq!(unknown.status.code(), Some(1));
    // The change feed: everything seen since a date, across accounts, one JSON line each.
    let feed = env
        .run(&["history", "--since", "2000-01-01", "--json"])
        .await;
    assert!(feed.status.success(), "{}", text(&feed.stderr));
    let kinds: Vec<String> = text(&feed.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "changed").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "gone").count(),
        1,
        "{kinds:?}"
    );
    // The items as they were before the sync: the same ones, the renamed contact as it was.
    let then = env
        .run(&["items", "hubspot", "--as-of", &before_sync])
        .await;
    assert!(then.status.success(), "{}", text(&then.stderr));
    let items: Vec<serde_json::Value> = text(&then.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(items.len(), expected.len());
    let was = items.iter().find(|i| i["id"] == renamed.as_str()).unwrap();
    assert!(
        !was["name"].as_str().unwrap().contains("(renamed)"),
        "{was}"
    );
    let before_any = env.run(&["items", "--as-of", "2000-01-01"]).await;
    assert!(before_any.status.success() && before_any.stdout.is_empty());
    assert!(text(&before_any.stderr).contains("nothing was loaded before"));
    let nonsense = env.run(&["items", "--as-of", "last tuesday"]).await;
    assert_eq!(nonsense.status.code(), Some(1));
    assert!(errors(&nonsense.stderr).contains("[invalid_argument]"));
    let later = env.run(&["history", "--since", "2999-01-01"]).await;
    assert!(later.status.success() && later.stdout.is_empty());
    // Every connected integration when none is named; nothing changed since.
    let again = env.run(&["sync"]).await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).starts_with("HubSpot: 0 new, 0 changed, 0 gone — "),
        "{}",
        text(&again.stdout)
    );

    let disconnect = env.run(&["disconnect", "hubspot"]).await;
    assert_eq!(
        text(&disconnect.stdout).trim(),
        "revoked Inlet's access at HubSpot\ndisconnected hubspot"
    );
    let after = env.run(&["load", "hubspot"]).await;
    assert_eq!(after.status.code(), Some(1));
    assert_eq!(
        errors(&after.stderr).trim(),
        "error: HubSpot is not connected. Connect it first. [not_connected]"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn bad_input_is_one_clear_line_and_a_failure_exit() {
    let env = Env::new("errors").await;
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["load", "dropbox"], "[unknown_integration]"),
        (vec!["connect", "salesforce"], "[unknown_integration]"),
        (
            vec!["load", "hubspot", "--format", "xml"],
            "[invalid_argument]",
        ),
        (vec!["load", "hubspot"], "[not_connected]"),
        (vec!["disconnect", "notion"], ""),
    ];
    for (args, code) in cases {
        let out = env.run(&args).await;
        let stderr = errors(&out.stderr);
        if code.is_empty() {
            assert!(out.status.success(), "{args:?}: {stderr}");
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.trim_end().ends_with(code),
            "{args:?}: {stderr}"
        );
    }

    // No client credentials and no sandbox: not configured.
    let mut command = env.command(&["connect", "hubspot", "--no-browser"]);
    command.env_remove("INLET_SANDBOX_URL");
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("[not_configured]"),
        "{}",
        text(&out.stderr)
    );

    // No Secret Service: keychain unavailable.
    let mut command = env.command(&["status"]);
    command.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/inlet-bus",
    );
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("[keychain_unavailable]"),
        "{}",
        text(&out.stderr)
    );

    // No Secret Service: connect refuses before any authorization URL is shown (nobody
    // consents for nothing), and says what to start.
    let mut command = env.command(&["connect", "hubspot", "--no-browser"]);
    command.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/inlet-bus",
    );
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("[keychain_unavailable]"), "{stderr}");
    assert!(stderr.contains("gnome-keyring-daemon"), "{stderr}");
    assert!(
        !text(&out.stdout).contains("http"),
        "a URL was shown: {}",
        text(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn airtable_tables_and_records_and_notion_pages_load_from_the_cli() {
    let env = Env::new("airtable-notion").await;
    cli_connect(&env, "airtable").await;
    let load = env.run(&["load", "airtable", "--format", "json"]).await;
    assert!(load.status.success(), "{}", text(&load.stderr));
    let items: Vec<serde_json::Value> = serde_json::from_slice(&load.stdout).unwrap();
    let bases = &env.sandbox.dataset().airtable.bases;
    let tables: usize = bases.iter().map(|b| b.tables.len()).sum();
    assert_eq!(items.len(), bases.len() + tables);

    let base = &bases[1];
    let spec = format!("{}/{}", base.id, base.tables[0].id);
    let records = env.run(&["load", "airtable", "--records", &spec]).await;
    assert!(records.status.success(), "{}", text(&records.stderr));
    assert_eq!(
        text(&records.stdout).lines().count(),
        base.tables[0].records.len()
    );
    // By name: that base's table, and no other base's table of the same name.
    let by_name = format!("{}/{}", base.id, base.tables[0].name);
    let records = env.run(&["load", "airtable", "--records", &by_name]).await;
    assert!(records.status.success(), "{}", text(&records.stderr));
    let lines: Vec<serde_json::Value> = text(&records.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), base.tables[0].records.len());
    assert!(lines
        .iter()
        .all(|r| r["parent_id"] == base.tables[0].id.as_str()));

    let missing = format!("{}/No such table", base.id);
    for (args, code) in [
        (
            vec!["load", "airtable", "--records", "no-slash"],
            "[invalid_argument]",
        ),
        (
            vec!["load", "hubspot", "--records", "a/b"],
            "[invalid_argument]",
        ),
        (
            vec!["load", "airtable", "--records", &missing],
            "[invalid_argument]",
        ),
    ] {
        let out = env.run(&args).await;
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).trim_end().ends_with(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }

    cli_connect(&env, "notion").await;
    let notion = env.run(&["load", "notion"]).await;
    assert!(notion.status.success(), "{}", text(&notion.stderr));
    // Pages and databases, and each database's data sources (Notion-Version 2025-09-03): a
    // database with two of them, invisible to older searches, is there with both.
    let data = env.sandbox.dataset();
    let sources: usize = data
        .notion
        .objects
        .iter()
        .map(|o| o.data_sources.len())
        .sum();
    assert!(data.notion.objects.iter().any(|o| o.data_sources.len() > 1));
    let lines: Vec<serde_json::Value> = text(&notion.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), data.notion.objects.len() + sources);
    let databases: std::collections::HashSet<&str> = lines
        .iter()
        .filter(|i| i["type"] == "database")
        .filter_map(|i| i["id"].as_str())
        .collect();
    for source in lines.iter().filter(|i| i["type"] == "data_source") {
        let parent = source["parent_id"].as_str().unwrap_or_default();
        assert!(
            databases.contains(parent),
            "a data source's parent is its database: {source}"
        );
    }
    // Pages' content: loaded with --content, carried by `inlet items` as Markdown.
    let content = env.run(&["load", "notion", "--content"]).await;
    assert!(content.status.success(), "{}", text(&content.stderr));
    let items = env.run(&["items", "notion", "--type", "page"]).await;
    assert!(items.status.success(), "{}", text(&items.stderr));
    let pages: Vec<serde_json::Value> = text(&items.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!pages.is_empty());
    for page in &pages {
        let markdown = page["content_md"].as_str().unwrap_or_default();
        assert!(markdown.starts_with("Some text."), "{page}");
    }
    let showcase = data.notion.showcase_pages().next().unwrap();
    let rich = pages
        .iter()
        .find(|p| p["id"] == showcase.id.as_str())
        .unwrap();
    assert!(rich["content_md"].as_str().unwrap().contains("- [x] Done"));
    // The folder export: a Markdown page per Notion page; the file store says what it holds.
    let vault = std::env::temp_dir().join(format!("inlet-cli-vault-{}", std::process::id()));
    let vault_arg = vault.display().to_string();
    let export = env.run(&["export", "notion", "--output", &vault_arg]).await;
    assert!(export.status.success(), "{}", text(&export.stderr));
    let showcase_md = std::fs::read_dir(vault.join("Notion"))
        .unwrap()
        .flatten()
        .any(|e| e.path().extension().is_some_and(|x| x == "md"));
    assert!(showcase_md, "pages at the vault's top");
    assert!(text(&export.stderr).contains("exported"));
    let files = env.run(&["files"]).await;
    assert!(files.status.success(), "{}", text(&files.stderr));
    assert!(
        text(&files.stdout).contains("files kept"),
        "{}",
        text(&files.stdout)
    );
    std::fs::remove_dir_all(&vault).ok();
    let refused = env.run(&["load", "hubspot", "--content"]).await;
    assert!(text(&refused.stderr)
        .trim_end()
        .ends_with("[invalid_argument]"));
    for integration in ["airtable", "notion"] {
        assert!(env.run(&["disconnect", integration]).await.status.success());
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn stored_items_are_read_without_the_network_and_a_killed_load_changes_nothing() {
    let config = SandboxConfig {
        knobs: inlet_sandbox::Knobs {
            latency_ms: 150,
            ..inlet_sandbox::Knobs::default()
        },
        ..SandboxConfig::default()
    };
    let env = Env::with("items", config).await;
    cli_connect(&env, "hubspot").await;
    let hub = &env.sandbox.dataset().hubspot;
    let total = common::portal::hubspot_ids(hub).len();
    for _ in 0..2 {
        let load = env.run(&["load", "hubspot", "--output", "/dev/null"]).await;
        assert!(load.status.success(), "{}", text(&load.stderr));
    }
    let items = env.run(&["items", "hubspot"]).await;
    assert!(items.status.success(), "{}", text(&items.stderr));
    assert_eq!(text(&items.stdout).lines().count(), total);
    let changes = env.run(&["items", "--changes"]).await;
    assert_eq!(
        text(&changes.stdout).lines().count(),
        0,
        "nothing changed between the loads"
    );
    let name = hub.contacts[5]
        .properties
        .iter()
        .find(|(k, _)| *k == "email")
        .and_then(|(_, v)| v.clone())
        .expect("contacts have an e-mail");
    let found = env
        .run(&["items", "--search", &name, "--format", "json"])
        .await;
    let json: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == hub.contacts[5].id),
        "{name}: {json}"
    );

    // Filters and sorts are the grid's: the deals, by name, largest first, as CSV.
    let deals = env
        .run(&[
            "items", "--type", "deal", "--sort", "name", "--desc", "--format", "csv",
        ])
        .await;
    assert!(deals.status.success(), "{}", text(&deals.stderr));
    let mut reader = csv::Reader::from_reader(deals.stdout.as_slice());
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[3].to_ascii_lowercase())
        .collect();
    assert_eq!(names.len(), hub.deals.len());
    assert!(names.windows(2).all(|w| w[0] >= w[1]), "{names:?}");
    let bad = env.run(&["items", "--sort", "colour"]).await;
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("not a column to sort by"),
        "{}",
        text(&bad.stderr)
    );

    // A load killed midway leaves the last complete one as it was.
    let served = || env.sandbox.counters().api_requests.load(Ordering::SeqCst);
    let before = served();
    let mut child = env
        .command(&["load", "hubspot", "--output", "/dev/null"])
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Under way once the sandbox served its first pages.
    while served() < before + 2 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let after = env.run(&["items", "hubspot"]).await;
    assert!(after.status.success(), "{}", text(&after.stderr));
    assert_eq!(text(&after.stdout).lines().count(), total);

    // Disconnecting keeps the stored items (they are back with the account) unless asked.
    let kept = env.run(&["disconnect", "hubspot"]).await;
    assert!(
        text(&kept.stderr).contains("--forget-items"),
        "{}",
        text(&kept.stderr)
    );
    cli_connect(&env, "hubspot").await;
    let back = env.run(&["items", "hubspot"]).await;
    assert_eq!(text(&back.stdout).lines().count(), total);
    let forgot = env.run(&["disconnect", "hubspot", "--forget-items"]).await;
    assert!(text(&forgot.stdout).contains("removed its stored items"));
    cli_connect(&env, "hubspot").await;
    let none = env.run(&["items", "hubspot"]).await;
    assert_eq!(text(&none.stdout).lines().count(), 0);
    std::fs::remove_dir_all(&env.data_dir).ok();
}

/// On a terminal a load draws a line per stream counting its items; piped, it draws nothing
/// and `--quiet` leaves only the output. The terminal is a pseudo-terminal from `script`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn progress_shows_on_a_terminal_only() {
    let env = Env::new("tty").await;
    cli_connect(&env, "hubspot").await;
    let inlet = env!("CARGO_BIN_EXE_inlet");
    let mut on_tty = env.command(&[]);
    on_tty.env("TERM", "xterm").args([
        "-q",
        "-e",
        "-c",
        &format!("{inlet} load hubspot --output /dev/null"),
        "/dev/null",
    ]);
    let mut script = std::process::Command::new("script");
    script.args(on_tty.get_args());
    for (name, value) in on_tty.get_envs() {
        match value {
            Some(value) => script.env(name, value),
            None => script.env_remove(name),
        };
    }
    let shown = tokio::task::spawn_blocking(move || script.output().unwrap())
        .await
        .unwrap();
    assert!(shown.status.success(), "{}", text(&shown.stdout));
    let screen = text(&shown.stdout);
    for stream in ["contacts", "companies", "deals"] {
        assert!(
            screen.contains(&format!("{stream}: ")),
            "{stream} in {screen}"
        );
    }
    assert!(screen.contains("items in"), "{screen}");
    let piped = env.run(&["load", "hubspot", "--output", "/dev/null"]).await;
    assert!(
        !text(&piped.stderr).contains("items in"),
        "{}",
        text(&piped.stderr)
    );
    assert!(text(&piped.stderr).contains("loaded 485 items"));
    let quiet = env
        .run(&["--quiet", "load", "hubspot", "--output", "/dev/null"])
        .await;
    assert_eq!(
        errors(&quiet.stderr).trim(),
        "",
        "--quiet: nothing but errors (and the overrides in force)"
    );
}
