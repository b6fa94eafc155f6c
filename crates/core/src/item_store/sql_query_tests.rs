//! The SQL door on a real SQLite file: the documented views answer, a scoped statement sees only
//! its accounts through the views, and whatever writes, attaches, sets or runs too long is refused.

use std::time::Duration;

use serde_json::{json, Value};

use super::super::tests::{key, load, temp_store};
use super::*;
use crate::config::Mode;
use crate::fixtures;
use crate::integration::Integration;

/// Collects an answer.
#[derive(Default)]
struct Answer {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

impl SqlSink for Answer {
    fn columns(&mut self, names: &[String]) -> Result<()> {
        self.columns = names.to_vec();
        Ok(())
    }
    fn row(&mut self, values: Vec<Value>) -> Result<bool> {
        self.rows.push(values);
        Ok(true)
    }
}

fn run(store: &ItemStore, sql: &str, scope: &SqlScope) -> Result<Answer> {
    let mut answer = Answer::default();
    store.run_sql(sql, scope, Duration::from_secs(5), &mut answer)?;
    Ok(answer)
}

fn other_account() -> AccountKey {
    AccountKey {
        integration: Integration::Notion,
        mode: Mode::Sandbox,
        account_id: "n1".into(),
    }
}

/// A store with 30 HubSpot contacts (account 42) and 5 Notion pages (account n1).
fn two_accounts(name: &str) -> ItemStore {
    let (store, _) = temp_store(name);
    load(&store, &fixtures::contacts(30), false);
    let mut writer = store
        .begin(&other_account(), &fixtures::account("n1"))
        .unwrap();
    writer
        .append(&fixtures::items_of(Integration::Notion, "n1", 5))
        .unwrap();
    let generation = writer.finish(false).unwrap();
    store.purge(&other_account(), generation.id).unwrap();
    store
}

fn refused_with(result: Result<Answer>) -> String {
    match result {
        Err(CoreError::SqlRefused { reason }) => reason,
        Err(other) => panic!("refused with another error: {other}"),
        Ok(answer) => panic!("ran: {:?}", answer.rows),
    }
}

#[test]
fn the_views_answer_for_every_account_of_the_store() {
    let store = two_accounts("sql-views");
    let answer = run(
        &store,
        "SELECT integration, count(*) FROM items GROUP BY 1 ORDER BY 1",
        &SqlScope::Everything,
    )
    .unwrap();
    assert_eq!(answer.columns, ["integration", "count(*)"]);
    assert_eq!(
        answer.rows,
        [
            vec![json!("hubspot"), json!(30)],
            vec![json!("notion"), json!(5)]
        ]
    );
    let contact = run(
        &store,
        "SELECT id, name, url, json_extract(details, '$.email') FROM items WHERE id = '7'",
        &SqlScope::Everything,
    )
    .unwrap();
    assert_eq!(
        contact.rows,
        [vec![
            json!("7"),
            json!("Contact 7"),
            json!("https://app.hubspot.com/contacts/42/record/0-1/7"),
            json!("person7@example.com")
        ]]
    );
    // Every documented view can be read (none refers to a name that is not there).
    for view in super::super::sql_views::VIEWS {
        run(
            &store,
            &format!("SELECT * FROM {} LIMIT 1", view.name),
            &SqlScope::Everything,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", view.name));
    }
}

#[test]
fn a_scoped_statement_sees_its_accounts_alone_and_only_through_the_views() {
    let store = two_accounts("sql-scoped");
    let scope = SqlScope::Accounts(vec![other_account()]);
    let answer = run(&store, "SELECT integration, count(*) FROM items", &scope).unwrap();
    assert_eq!(answer.rows, [vec![json!("notion"), json!(5)]]);
    let accounts = run(&store, "SELECT account_id FROM accounts", &scope).unwrap();
    assert_eq!(accounts.rows, [vec![json!("n1")]]);
    assert!(run(&store, "SELECT * FROM hubspot_contacts", &scope)
        .unwrap()
        .rows
        .is_empty());
    // The tables and the file's own views are out of reach, however they are named.
    for sql in [
        "SELECT count(*) FROM item_rows",
        "SELECT count(*) FROM main.items",
        "SELECT body FROM main.item_rows WHERE item_id = '7'",
        "SELECT count(*) FROM revision_rows",
        "SELECT * FROM generations",
        "WITH x AS (SELECT * FROM item_rows) SELECT count(*) FROM x",
    ] {
        refused_with(run(&store, sql, &scope));
    }
    // The statement's own names never reach into the views.
    let shadowed = run(
        &store,
        "WITH accounts(integration, mode, account_id, load_id) AS
           (SELECT 'hubspot', 'sandbox', '42', value FROM json_each('[1, 2, 3, 4]'))
         SELECT integration, count(*) FROM items",
        &scope,
    )
    .unwrap();
    assert_eq!(shadowed.rows, [vec![json!("notion"), json!(5)]]);
    for sql in [
        "SELECT * FROM pragma_table_info('preferences')",
        "SELECT count(*) FROM zeroblob(10)",
        "SELECT length(zeroblob(1000000000))",
        "SELECT load_extension('x')",
    ] {
        refused_with(run(&store, sql, &scope));
    }
    let shape = run(
        &store,
        "SELECT count(*) FROM pragma_table_info('items')",
        &scope,
    )
    .unwrap();
    assert_eq!(shape.rows, [vec![json!(15)]]);
    // No account at all: the views are empty, not the store.
    let none = run(
        &store,
        "SELECT count(*) FROM items",
        &SqlScope::Accounts(vec![]),
    )
    .unwrap();
    assert_eq!(none.rows, [vec![json!(0)]]);
    // The scoped views can still be taken apart with JSON's table functions.
    let emails = run(
        &store,
        "SELECT count(*) FROM items i, json_each(i.details) j WHERE j.key = 'email'",
        &SqlScope::Accounts(vec![key()]),
    )
    .unwrap();
    assert_eq!(emails.rows, [vec![json!(30)]]);
}

#[test]
fn writes_attachments_settings_and_second_statements_are_refused() {
    let store = two_accounts("sql-refused");
    for scope in [SqlScope::Everything, SqlScope::Accounts(vec![key()])] {
        for sql in [
            "DELETE FROM item_rows",
            "UPDATE items SET name = 'x'",
            "INSERT INTO preferences VALUES ('a', 'b')",
            "DROP VIEW items",
            "CREATE TABLE x (a)",
            "ATTACH DATABASE '/etc/hostname.db' AS other",
            "PRAGMA query_only = OFF",
            "PRAGMA journal_mode = DELETE",
            "BEGIN",
            "SELECT 1; DELETE FROM item_rows",
            "VACUUM INTO '/tmp/copy.sqlite3'",
            "SELEC nothing",
            "SELECT 1; SELECT 2",
        ] {
            let reason = refused_with(run(&store, sql, &scope));
            assert!(!reason.is_empty(), "{sql}");
        }
    }
    let count = run(
        &store,
        "SELECT count(*) FROM item_rows",
        &SqlScope::Everything,
    )
    .unwrap();
    assert_eq!(count.rows, [vec![json!(35)]], "nothing was written");
    // The schema's shape can be read.
    let columns = run(
        &store,
        "SELECT name FROM pragma_table_info('items') WHERE name = 'details'",
        &SqlScope::Everything,
    )
    .unwrap();
    assert_eq!(columns.rows, [vec![json!("details")]]);
}

#[test]
fn a_statement_past_its_time_limit_is_stopped() {
    let store = two_accounts("sql-slow");
    let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
                   SELECT count(*) FROM n";
    let mut answer = Answer::default();
    let result = store.run_sql(
        endless,
        &SqlScope::Everything,
        Duration::from_millis(200),
        &mut answer,
    );
    assert!(
        matches!(result, Err(CoreError::SqlTimedOut { .. })),
        "{result:?}"
    );
}
