//! Airtable bases in full: a load asked for a base's records brings every record of every table
//! into the item store (progress per table), keeps the records of other bases across later
//! loads, and a base is written out as one workbook with typed cells — all over real HTTP
//! against the sandbox and a real SQLite file.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use inlet_core::{Delta, ItemKind};
use std::sync::{Arc, Mutex};

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::*;
use inlet_core::load::{LoadProgress, LoadResult};
use inlet_core::providers::{LoadRequest, RecordScope};
use inlet_core::{Inlet, Integration};
use inlet_sandbox::dataset::AirtableBase;
use inlet_sandbox::{DatasetSize, Knobs, Sandbox, SandboxConfig};

/// Loads the Airtable account with the records of `scope`, collecting every progress report.
async fn load_with(inlet: &Inlet, scope: RecordScope) -> (LoadResult, Vec<LoadProgress>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let progress = Arc::new(move |p: LoadProgress| sink.lock().unwrap().push(p));
    let result = inlet
        .loader
        .load_with(
            Integration::Airtable,
            LoadRequest::with_records(scope),
            progress,
            true,
        )
        .await
        .expect("the load succeeds");
    let reports = seen.lock().unwrap().clone();
    (result, reports)
}

/// The record ids `result` holds, sorted.
fn record_ids(result: &LoadResult) -> Vec<String> {
    let mut ids: Vec<String> = result
        .items
        .iter()
        .filter(|i| i.item_type == ItemKind::Record && i.delta != Some(Delta::Gone))
        .map(|i| i.id.clone())
        .collect();
    ids.sort();
    ids
}

fn ids_of(bases: &[&AirtableBase]) -> Vec<String> {
    let mut ids: Vec<String> = bases
        .iter()
        .flat_map(|b| b.tables.iter())
        .flat_map(|t| t.records.iter().map(|r| r.id.clone()))
        .collect();
    ids.sort();
    ids
}

async fn sandbox() -> Arc<Sandbox> {
    sandbox_with(SandboxConfig {
        size: DatasetSize {
            airtable_bases: 4,
            airtable_records: 12,
            // Five pages of 100 in the first table of the first base.
            airtable_big_table: 450,
            ..DatasetSize::default()
        },
        knobs: Knobs {
            latency_ms: 1,
            ..Knobs::default()
        },
        ..SandboxConfig::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_loads_in_full_and_its_records_stay_across_later_loads() {
    let sandbox = sandbox().await;
    let (inlet, dir) = stored_inlet(&sandbox, "airtable-records").await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let data = sandbox.dataset();
    let bases = &data.airtable.bases;

    // The first base's records: every one, each table a part of the progress.
    let (first, reports) = load_with(&inlet, RecordScope::Of(vec![bases[0].id.clone()])).await;
    assert!(!first.partial, "{:?}", first.failures);
    assert_eq!(record_ids(&first), ids_of(&[&bases[0]]));
    for table in &bases[0].tables {
        let done = reports
            .iter()
            .find(|p| p.stream == table.name && p.done)
            .unwrap_or_else(|| panic!("no finished progress for {}: {reports:?}", table.name));
        assert_eq!(done.items as usize, table.records.len(), "{}", table.name);
    }
    assert_eq!(
        reports
            .iter()
            .filter(|p| p.stream == bases[0].tables[0].name && !p.done)
            .map(|p| p.items)
            .max(),
        Some(450),
        "progress arrives page by page"
    );
    let big = first
        .items
        .iter()
        .find(|i| i.id == bases[0].tables[0].records[0].id)
        .unwrap();
    assert_eq!(
        big.parent_id.as_deref(),
        Some(bases[0].tables[0].id.as_str())
    );
    assert_eq!(big.details["Estimate"], 0);

    // Another base's records: the first base's stay, and only the new ones are new.
    let (second, _) = load_with(&inlet, RecordScope::Of(vec![bases[1].id.clone()])).await;
    assert_eq!(record_ids(&second), ids_of(&[&bases[0], &bases[1]]));
    let changes = second.changes.expect("compared with the load before");
    assert_eq!(changes.new as usize, ids_of(&[&bases[1]]).len());
    assert_eq!((changes.changed, changes.gone), (0, 0));

    // A load of bases and tables alone keeps every record, and reports nothing gone.
    let plain = load(&inlet, Integration::Airtable).await.unwrap();
    assert_eq!(record_ids(&plain), ids_of(&[&bases[0], &bases[1]]));
    assert_eq!(plain.changes.map(|c| (c.new, c.gone)), Some((0, 0)));

    // Every base.
    let (all, _) = load_with(&inlet, RecordScope::All).await;
    let every: Vec<&AirtableBase> = bases.iter().collect();
    assert_eq!(record_ids(&all), ids_of(&every));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_is_one_workbook_with_a_typed_sheet_per_table() {
    let sandbox = sandbox().await;
    let (inlet, dir) = stored_inlet(&sandbox, "airtable-workbook").await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let data = sandbox.dataset();
    let base = &data.airtable.bases[1];
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let path = dir.join("base.xlsx");

    // Before its records are loaded, the base cannot be written, and says why.
    load(&inlet, Integration::Airtable).await.unwrap();
    let error = inlet
        .library
        .export_base_workbook(&accounts, &base.id, &path)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "invalid_argument");
    assert!(error.to_string().contains("load its records"), "{error}");
    assert!(!path.exists());
    let unknown = inlet
        .library
        .export_base_workbook(&accounts, "appNOSUCHBASE000", &path)
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), "invalid_argument");

    load_with(&inlet, RecordScope::Of(vec![base.id.clone()])).await;
    let written = inlet
        .library
        .export_base_workbook(&accounts, &base.id, &path)
        .await
        .unwrap();
    let expected: usize = base.tables.iter().map(|t| t.records.len()).sum();
    assert_eq!(written as usize, expected);

    let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
    let names: Vec<String> = base.tables.iter().map(|t| t.name.clone()).collect();
    assert_eq!(workbook.sheet_names(), names, "a sheet per table, in order");
    for table in &base.tables {
        let sheet = workbook.worksheet_range(&table.name).unwrap();
        assert_eq!(sheet.height(), table.records.len() + 1, "{}", table.name);
        let header: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let mut fields: Vec<String> = table
            .fields
            .iter()
            .map(|(_, name, _)| name.clone())
            .collect();
        fields.extend(["Record ID".to_owned(), "Created".to_owned()]);
        assert_eq!(header, fields);
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        for (row, record) in sheet.rows().skip(1).zip(&table.records) {
            assert_eq!(row[column("Record ID")], Data::String(record.id.clone()));
            assert_eq!(
                row[column("Name")].to_string(),
                record.fields["Name"].as_str().unwrap()
            );
            let estimate = record.fields["Estimate"].as_f64().unwrap();
            assert_eq!(
                row[column("Estimate")],
                Data::Float(estimate),
                "numbers are numbers"
            );
            match record.fields.get("Budget") {
                Some(budget) => {
                    assert_eq!(row[column("Budget")], Data::Float(budget.as_f64().unwrap()))
                }
                None => assert_eq!(row[column("Budget")], Data::Empty),
            }
            let Data::DateTime(due) = &row[column("Due")] else {
                panic!("a date is a date: {:?}", row[column("Due")]);
            };
            let due = due.as_datetime().unwrap().date().to_string();
            assert_eq!(due, record.fields["Due"].as_str().unwrap());
            assert!(matches!(row[column("Created")], Data::DateTime(_)));
            if let Some(reviewed) = record.fields.get("Reviewed") {
                let Data::DateTime(time) = &row[column("Reviewed")] else {
                    panic!("a date-time is a date: {:?}", row[column("Reviewed")]);
                };
                let expected =
                    chrono::DateTime::parse_from_rfc3339(reviewed.as_str().unwrap()).unwrap();
                let got = time.as_datetime().unwrap();
                assert!(
                    (got.and_utc().timestamp_millis() - expected.timestamp_millis()).abs() <= 1
                );
            }
            if let Some(double) = record.fields.get("Double").and_then(|d| d.as_f64()) {
                assert_eq!(
                    row[column("Double")],
                    Data::Float(double),
                    "a formula whose result is a number, as a number"
                );
            }
            let done = record.fields.get("Done").and_then(|d| d.as_bool());
            match done {
                Some(done) => assert_eq!(row[column("Done")], Data::Bool(done)),
                None => assert_eq!(row[column("Done")], Data::Empty),
            }
            if let Some(links) = record.fields.get("Related") {
                assert_eq!(
                    row[column("Related")].to_string(),
                    links[0].as_str().unwrap(),
                    "linked records as their ids"
                );
            }
            if let Some(files) = record.fields.get("Files") {
                assert_eq!(
                    row[column("Files")].to_string(),
                    files[0]["filename"].as_str().unwrap(),
                    "attachments as their file names, not links that expire"
                );
            }
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_base_that_fails_to_load_keeps_its_stored_tables_and_records() {
    let sandbox = sandbox().await;
    let (inlet, dir) = stored_inlet(&sandbox, "airtable-failed-base").await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let data = sandbox.dataset();
    let bases = &data.airtable.bases;
    let every: Vec<&AirtableBase> = bases.iter().collect();
    load_with(&inlet, RecordScope::All).await;

    // The second base's schema fails: the load is partial, and that base keeps what it had.
    let mut knobs = sandbox.knobs();
    knobs.airtable_failing_base = Some(bases[1].id.clone());
    sandbox.set_knobs(knobs.clone());
    let partial = load(&inlet, Integration::Airtable).await.unwrap();
    assert!(partial.partial);
    assert_eq!(partial.failures[0].stream, bases[1].id);
    assert_eq!(record_ids(&partial), ids_of(&every), "no record lost");
    let tables = |result: &LoadResult| {
        result
            .items
            .iter()
            .filter(|i| i.item_type == ItemKind::Table && i.delta != Some(Delta::Gone))
            .count()
    };
    let all_tables: usize = bases.iter().map(|b| b.tables.len()).sum();
    assert_eq!(
        tables(&partial),
        all_tables,
        "the failed base's tables stay too"
    );

    // Once it answers again, nothing is gone.
    knobs.airtable_failing_base = None;
    sandbox.set_knobs(knobs);
    let again = load(&inlet, Integration::Airtable).await.unwrap();
    assert!(!again.partial);
    assert_eq!(record_ids(&again), ids_of(&every));
    assert_eq!(again.changes.map(|c| c.gone), Some(0));
    let _ = std::fs::remove_dir_all(dir);
}

/// Airtable's records offsets expire (inactivity, a server restart: 422
/// LIST_RECORDS_ITERATOR_NOT_AVAILABLE); the listing starts again and the base loads complete,
/// each record once.
#[tokio::test(flavor = "multi_thread")]
async fn an_expired_records_offset_starts_the_table_again_without_losing_or_repeating_a_record() {
    let sandbox = sandbox().await;
    let (inlet, dir) = stored_inlet(&sandbox, "airtable-expired-offsets").await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let data = sandbox.dataset();
    let base = &data.airtable.bases[0];
    // Two of the big table's offsets expire: it is listed three times in all.
    sandbox.set_knobs(Knobs {
        latency_ms: 1,
        airtable_expire_offsets: 2,
        ..Knobs::default()
    });
    let (result, reports) = load_with(&inlet, RecordScope::Of(vec![base.id.clone()])).await;
    assert!(!result.partial, "{:?}", result.failures);
    assert_eq!(
        sandbox.knobs().airtable_expire_offsets,
        0,
        "both expiries met"
    );
    assert_eq!(record_ids(&result), ids_of(&[base]));
    let big = &base.tables[0];
    let done = reports
        .iter()
        .find(|p| p.stream == big.name && p.done)
        .unwrap();
    assert_eq!(
        done.items as usize,
        big.records.len(),
        "each record given once"
    );
    let _ = std::fs::remove_dir_all(dir);
}
