//! `docs/schema.md` says exactly what the store's views hold: every view it documents is in a
//! new store file, with the documented columns in their order, and no view goes undocumented.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use inlet_core::item_store::{ItemStore, SqlScope, SqlSink};
use serde_json::Value;

#[derive(Default)]
struct Rows(Vec<Vec<Value>>);

impl SqlSink for Rows {
    fn columns(&mut self, _: &[String]) -> inlet_core::Result<()> {
        Ok(())
    }
    fn row(&mut self, values: Vec<Value>) -> inlet_core::Result<bool> {
        self.0.push(values);
        Ok(true)
    }
}

fn texts(store: &ItemStore, sql: &str) -> Vec<String> {
    let mut rows = Rows::default();
    store
        .run_sql(
            sql,
            &SqlScope::Everything,
            Duration::from_secs(10),
            &mut rows,
        )
        .unwrap();
    rows.0
        .into_iter()
        .map(|row| row[0].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The documented views, each with its columns, in the document's order.
fn documented() -> Vec<(String, Vec<String>)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.md"))
        .unwrap();
    let mut views: Vec<(String, Vec<String>)> = Vec::new();
    for line in doc.lines() {
        if let Some(name) = line.strip_prefix("## `").and_then(|l| l.strip_suffix('`')) {
            views.push((name.to_owned(), Vec::new()));
        } else if let (Some(column), Some(view)) = (
            line.strip_prefix("| `").and_then(|l| l.split('`').next()),
            views.last_mut(),
        ) {
            view.1.push(column.to_owned());
        }
    }
    views
}

#[test]
fn the_schema_document_matches_the_views_column_by_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = ItemStore::open(&dir.path().join("items.sqlite3")).unwrap();
    let views = documented();
    assert!(views.len() >= 10, "{views:?}");
    let mut in_store = texts(&store, "SELECT name FROM sqlite_schema WHERE type = 'view'");
    let mut named: Vec<String> = views.iter().map(|(name, _)| name.clone()).collect();
    in_store.sort();
    named.sort();
    assert_eq!(in_store, named, "every view documented, and only views");
    for (view, columns) in &views {
        let actual = texts(
            &store,
            &format!("SELECT name FROM pragma_table_info('{view}') ORDER BY cid"),
        );
        assert_eq!(&actual, columns, "docs/schema.md's columns of {view}");
    }
}
