//! Changes since the last load, end to end: the sandbox's data changes between two loads over
//! real HTTP, and the second load, read back as the grid reads it, says exactly what changed.

mod common;

use common::*;
use inlet_core::export::ExportFormat;
use inlet_core::item_store::ChangeSummary;
use inlet_core::providers::LoadRequest;
use inlet_core::services::ItemView;
use inlet_core::Integration;
use inlet_sandbox::{DataEdit, Knobs};

#[tokio::test]
async fn a_second_load_after_people_edited_the_account_marks_new_changed_and_gone_items() {
    let sandbox = sandbox(Knobs::default()).await;
    let (inlet, dir) = stored_inlet(&sandbox, "changes").await;
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    let first = load(&inlet, Integration::Hubspot).await.unwrap();
    assert_eq!(first.changes, None);

    let before = sandbox.dataset().hubspot.contacts.clone();
    sandbox.edit_data(&DataEdit {
        renamed: 3,
        removed: 2,
        added: 4,
        ..DataEdit::default()
    });
    let second = load(&inlet, Integration::Hubspot).await.unwrap();
    assert_eq!(
        second.changes,
        Some(ChangeSummary {
            new: 4,
            changed: 3,
            gone: 2
        })
    );

    // The grid's "Changes only" view shows exactly those rows, marked.
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let view = ItemView {
        changes_only: true,
        ..ItemView::default()
    };
    let window = inlet
        .library
        .window(&accounts, view.clone(), 0, 100)
        .await
        .unwrap();
    assert_eq!(window.total, 9);
    let delta_of = |id: &str| {
        window
            .rows
            .iter()
            .find(|r| r.item.id == id)
            .and_then(|r| r.item.delta)
    };
    for contact in &before[..3] {
        assert_eq!(
            delta_of(&contact.id).map(inlet_core::Delta::as_str),
            Some("changed")
        );
    }
    for contact in &before[3..5] {
        assert_eq!(
            delta_of(&contact.id).map(inlet_core::Delta::as_str),
            Some("gone")
        );
    }
    let facets = inlet
        .library
        .facets(&accounts, ItemView::default())
        .await
        .unwrap();
    assert_eq!(facets.changes, 9);
    // The load's output is the account's items now: the gone ones are in the Changes view
    // (and marked in the grid), not in what the load returns or what Export all writes.
    assert!(second
        .items
        .iter()
        .all(|i| i.delta != Some(inlet_core::Delta::Gone)));
    assert_eq!(facets.total as usize, second.items.len() + 2);
    let export = dir.join("export-all.ndjson");
    let written = inlet
        .library
        .export_view(
            &accounts,
            ItemView::default(),
            ExportFormat::Ndjson,
            &export,
        )
        .await
        .unwrap();
    assert_eq!(written as usize, second.items.len());
    assert!(!std::fs::read_to_string(&export)
        .unwrap()
        .contains("\"gone\""));
    let changes_export = dir.join("export-changes.ndjson");
    let written = inlet
        .library
        .export_view(
            &accounts,
            view.clone(),
            ExportFormat::Ndjson,
            &changes_export,
        )
        .await
        .unwrap();
    assert_eq!(
        written, 9,
        "an export of the Changes view keeps the gone ones"
    );

    // A third load with nothing edited has nothing to say, and the gone ones are gone. As the
    // app loads: pages go straight into the store and nothing is read back.
    let third = inlet
        .loader
        .load_into_store(Integration::Hubspot, no_progress())
        .await
        .unwrap();
    assert_eq!(third.changes, Some(ChangeSummary::default()));
    assert!(third.items.is_empty(), "the items stay in the store");
    assert_eq!(third.count as usize, second.items.len());
    let everything = inlet
        .library
        .window(&accounts, ItemView::default(), 0, 1)
        .await
        .unwrap();
    assert_eq!(everything.total, third.count);
    let window = inlet.library.window(&accounts, view, 0, 100).await.unwrap();
    assert_eq!(window.total, 0);
    std::fs::remove_dir_all(&dir).ok();
}

/// Airtable signs attachment links afresh on every answer (they expire after a couple of
/// hours): a second records load of an unedited base finds nothing changed, though every
/// attachment's link differs.
#[tokio::test(flavor = "multi_thread")]
async fn airtable_records_with_attachments_are_unchanged_when_only_their_signed_links_moved() {
    let sandbox = sandbox(Knobs::default()).await;
    let (inlet, dir) = stored_inlet(&sandbox, "changes-attachments").await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let scope = || inlet_core::providers::RecordScope::All;
    let with_files = |result: &inlet_core::load::LoadResult| -> Vec<(String, String)> {
        let mut links: Vec<(String, String)> = result
            .items
            .iter()
            .filter_map(|i| Some((i.id.clone(), i.details.get("Files")?.to_string())))
            .collect();
        links.sort();
        links
    };
    let loader = &inlet.loader;
    let first = loader
        .load_with(
            Integration::Airtable,
            LoadRequest::with_records(scope()),
            no_progress(),
            true,
        )
        .await
        .unwrap();
    let second = loader
        .load_with(
            Integration::Airtable,
            LoadRequest::with_records(scope()),
            no_progress(),
            true,
        )
        .await
        .unwrap();
    let (before, after) = (with_files(&first), with_files(&second));
    assert!(!before.is_empty(), "the dataset has attachments");
    assert!(
        before
            .iter()
            .zip(&after)
            .all(|(b, a)| b.0 == a.0 && b.1 != a.1),
        "every link was signed again"
    );
    assert_eq!(second.changes, Some(ChangeSummary::default()));
    std::fs::remove_dir_all(&dir).ok();
}
