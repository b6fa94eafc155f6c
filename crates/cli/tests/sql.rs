//! `inlet sql` end to end: a HubSpot portal loaded from the sandbox over HTTP into a real store,
//! then read through the documented views in every output format; writes and reaching outside
//! are refused in the `{error, message, details}` shape. Run by `make test` inside a private
//! Secret Service session (ignored by plain `cargo test`).

// Test code: a failed step should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use common::{cli_connect, text, Env};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn the_views_answer_what_the_load_stored_and_nothing_else_is_run() {
    let env = Env::new("sql").await;
    cli_connect(&env, "hubspot").await;
    let load = env.run(&["--quiet", "load", "hubspot"]).await;
    assert!(load.status.success(), "{}", text(&load.stderr));
    let data = env.sandbox.dataset();
    let contact = &data.hubspot.contacts[3];
    let email = (contact.properties.iter())
        .find(|(name, _)| *name == "email")
        .and_then(|(_, v)| v.clone())
        .expect("the sandbox's contacts have e-mails");

    let json = env
        .run(&[
            "sql",
            "SELECT count(*) AS n FROM hubspot_contacts",
            "--format",
            "json",
        ])
        .await;
    assert!(json.status.success(), "{}", text(&json.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{ "n": data.hubspot.contacts.len() }])
    );

    let one = format!(
        "SELECT id, email FROM hubspot_contacts WHERE id = '{}'",
        contact.id
    );
    let csv = env.run(&["sql", &one, "--format", "csv"]).await;
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    assert_eq!(
        text(&csv.stdout),
        format!("id,email\n{},{email}\n", contact.id)
    );

    let ndjson = env
        .run(&[
            "sql",
            "SELECT integration, count(*) AS n FROM items GROUP BY 1",
            "--format",
            "ndjson",
        ])
        .await;
    let line: serde_json::Value = serde_json::from_slice(&ndjson.stdout).unwrap();
    assert_eq!(line["integration"], "hubspot");
    assert!(line["n"].as_u64().unwrap() > data.hubspot.contacts.len() as u64);

    let table = env
        .run(&["sql", "SELECT account_id, load_state FROM accounts"])
        .await;
    let shown = text(&table.stdout);
    assert!(
        shown.contains(&data.hubspot.portal_id.to_string()) && shown.contains("complete"),
        "{shown}"
    );
    assert!(shown.trim_end().ends_with("(1 row)"), "{shown}");

    for refused in [
        "DELETE FROM item_rows",
        "ATTACH DATABASE '/tmp/other.sqlite3' AS other",
        "PRAGMA query_only = OFF",
        "SELECT 1; SELECT 2",
    ] {
        let out = env.run(&["--json", "sql", refused]).await;
        assert_eq!(out.status.code(), Some(1), "{refused}");
        let error = text(&out.stderr);
        let last = error.lines().last().unwrap_or_default();
        let error: serde_json::Value = serde_json::from_str(last).unwrap();
        assert_eq!(error["error"], "sql_refused", "{refused}");
        assert!(error["details"]["reason"].is_string());
    }
    let bad = env
        .run(&["--json", "sql", "SELECT 1", "--format", "xml"])
        .await;
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("invalid_argument"));

    let after = env
        .run(&[
            "sql",
            "SELECT count(*) FROM hubspot_contacts",
            "--format",
            "csv",
        ])
        .await;
    assert_eq!(
        text(&after.stdout),
        format!("count(*)\n{}\n", data.hubspot.contacts.len()),
        "nothing was written"
    );
}
