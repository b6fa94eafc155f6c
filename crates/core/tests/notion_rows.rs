//! Notion databases' rows with their properties as typed values and data sources with their
//! schema, through the sandbox over HTTP and the SQLite store: found by a property's value,
//! exported with a column per property.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use inlet_core::export::ExportFormat;
use inlet_core::services::ItemView;
use inlet_core::{Integration, ItemKind};
use inlet_sandbox::Knobs;

#[tokio::test(flavor = "multi_thread")]
async fn rows_keep_typed_properties_are_found_by_them_and_export_as_columns() {
    let sandbox = sandbox(Knobs::default()).await;
    let (inlet, dir) = stored_inlet(&sandbox, "notion-rows").await;
    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    let result = load(&inlet, Integration::Notion).await.unwrap();
    assert_complete(&sandbox, Integration::Notion, &result);

    // A data source keeps its schema as fields, the title first.
    let source = (result.items.iter())
        .find(|i| i.item_type == ItemKind::DataSource)
        .unwrap();
    let fields = source.details["fields"].as_array().unwrap();
    assert_eq!(
        (fields[0]["name"].as_str(), fields[0]["type"].as_str()),
        (Some("Name"), Some("title"))
    );
    let types: Vec<&str> = fields.iter().filter_map(|f| f["type"].as_str()).collect();
    for kind in [
        "select",
        "number",
        "date",
        "multi_select",
        "checkbox",
        "people",
        "files",
        "url",
    ] {
        assert!(types.contains(&kind), "{kind} in {types:?}");
    }

    // Its rows keep each property as a plain typed value; a plain page keeps none.
    let rows: Vec<&inlet_core::IntegrationItem> = (result.items.iter())
        .filter(|i| i.parent_id.as_deref() == Some(source.id.as_str()))
        .collect();
    assert!(!rows.is_empty());
    for row in &rows {
        let values = &row.details["properties"];
        assert_eq!(values["Name"], row.name.as_str());
        assert!(values["Priority"].is_u64(), "{values}");
        assert!(values["Done"].is_boolean());
        assert!(values["Tags"].is_array());
        assert_eq!(values["Owner"], serde_json::json!(["Ada Lovelace"]));
        assert!(values["Due"].as_str().unwrap().starts_with("2026-"));
        assert!(values["Status"].is_null() || values["Status"].is_string());
    }
    let plain = (result.items.iter())
        .find(|i| {
            i.item_type == ItemKind::Page
                && i.details
                    .get("parent_type")
                    .is_some_and(|p| p == "workspace")
        })
        .unwrap();
    assert!(
        plain.details.get("properties").is_none(),
        "a page that is no row"
    );

    // A status only a property holds finds the rows that have it.
    let in_progress: Vec<&str> = (result.items.iter())
        .filter(|i| {
            i.details
                .get("properties")
                .is_some_and(|p| p["Status"] == "In progress")
        })
        .map(|i| i.id.as_str())
        .collect();
    assert!(!in_progress.is_empty());
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let view = ItemView {
        search: "progress".into(),
        types: vec![ItemKind::Page],
        ..ItemView::default()
    };
    let found = inlet.library.window(&accounts, view, 0, 500).await.unwrap();
    let mut found: Vec<String> = found.rows.into_iter().map(|r| r.item.id).collect();
    found.sort();
    let mut expected: Vec<String> = in_progress.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(found, expected);

    // The data source's rows as CSV: a column per property, values as text.
    let csv = dir.join("rows.csv");
    let view = ItemView {
        parent: Some(source.id.clone()),
        ..ItemView::default()
    };
    (inlet.library)
        .export_view(&accounts, view, ExportFormat::Csv, &csv)
        .await
        .unwrap();
    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let header = reader.headers().unwrap().clone();
    for column in ["Priority", "Tags", "Owner", "Done"] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    let owner = header.iter().position(|h| h == "Owner").unwrap();
    assert!(reader
        .records()
        .all(|r| r.unwrap().get(owner) == Some("Ada Lovelace")));
    let _ = std::fs::remove_dir_all(dir);
}
