//! Airtable syncs over real HTTP against the sandbox's webhooks: a load of records makes a
//! webhook per base; a sync reads its payloads from the cursor and only the records they name,
//! and leaves the store exactly as a full load would — after records were changed, added and
//! deleted, and after a field was renamed. An expired webhook and payloads deleted before they
//! were read fall back to reading the base in full and say so; a connection without
//! `webhook:manage` syncs by reading every stored record.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::*;
use inlet_core::item_store::ChangeSummary;
use inlet_core::load::LoadResult;
use inlet_core::providers::{LoadRequest, RecordScope};
use inlet_core::{Inlet, Integration};
use inlet_sandbox::{DataEdit, DatasetSize, Knobs, Sandbox, SandboxConfig};

const BASES: u32 = 3;

async fn sandbox(knobs: Knobs) -> Arc<Sandbox> {
    sandbox_with(SandboxConfig {
        size: DatasetSize {
            airtable_bases: BASES as usize,
            airtable_records: 12,
            airtable_tables: 2,
            ..DatasetSize::default()
        },
        // Each test also loads the base in a second Inlet right after the first, each paced at
        // Airtable's 5 a second per base: room for both, so neither waits out a 30 s lockout.
        knobs: Knobs {
            latency_ms: 1,
            airtable_rate_per_sec: 10,
            ..knobs
        },
        ..SandboxConfig::default()
    })
    .await
}

async fn load_records(inlet: &Inlet) -> LoadResult {
    let request = LoadRequest::with_records(RecordScope::All);
    (inlet.loader)
        .load_with(Integration::Airtable, request, no_progress(), true)
        .await
        .expect("the load of every record")
}

async fn sync(inlet: &Inlet) -> LoadResult {
    let request = LoadRequest {
        sync: true,
        ..LoadRequest::structure()
    };
    (inlet.loader)
        .load_with(Integration::Airtable, request, no_progress(), true)
        .await
        .expect("the sync")
}

/// What a full load of every record finds now, in a store of its own.
async fn full_load_now(sandbox: &Sandbox, name: &str) -> Vec<(String, serde_json::Value)> {
    let (fresh, dir) = stored_inlet(sandbox, name).await;
    // Where the integration lacks an optional scope, the first Connect is refused for it.
    if connect_to(&fresh, Integration::Airtable).await.0.is_err() {
        connect_to(&fresh, Integration::Airtable).await.0.unwrap();
    }
    let items = load_records(&fresh).await.items;
    let _ = std::fs::remove_dir_all(dir);
    by_key(&items)
}

fn assert_same(synced: &LoadResult, reference: &[(String, serde_json::Value)]) {
    let synced = by_key(&synced.items);
    assert_eq!(synced.len(), reference.len());
    for (mine, theirs) in synced.iter().zip(reference) {
        assert_eq!(mine, theirs);
    }
}

#[tokio::test]
async fn a_sync_reads_only_what_the_webhooks_say_changed_and_equals_a_full_load() {
    let sandbox = sandbox(Knobs::default()).await;
    let (inlet, dir) = stored_inlet(&sandbox, "airtable-sync").await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let full = load_records(&inlet).await;

    // Nothing changed: the bases' listing, then each base's schema and its payloads.
    let unchanged = sync(&inlet).await;
    assert!(unchanged.incremental);
    assert_eq!(unchanged.changes, Some(ChangeSummary::default()));
    assert_eq!(by_key(&unchanged.items), by_key(&full.items));
    assert!(
        unchanged.requests <= 1 + 2 * BASES,
        "{} requests for {BASES} unchanged bases",
        unchanged.requests
    );
    assert!(unchanged.notes.is_empty(), "{:?}", unchanged.notes);

    let table = sandbox.dataset().airtable.bases[0].tables[0].clone();
    sandbox.edit_data(&DataEdit {
        airtable_changed: 2,
        airtable_added: 3,
        airtable_removed: 1,
        ..DataEdit::default()
    });
    let synced = sync(&inlet).await;
    let expected = ChangeSummary {
        new: 3,
        changed: 2,
        gone: 1,
    };
    assert_eq!(synced.changes, Some(expected));
    // One read of the five records named, by id.
    assert_eq!(synced.requests, unchanged.requests + 1);
    assert_same(
        &synced,
        &full_load_now(&sandbox, "airtable-sync-full").await,
    );

    // The changed note is a revision, from what to what.
    let record = &table.records[0];
    let note = only_change_of(&inlet, &record.id, "details.Notes").await;
    assert_eq!(
        note.from,
        record.fields.get("Notes").cloned().unwrap_or_default()
    );
    let now = &sandbox.dataset().airtable.bases[0].tables[0].records[0];
    assert_eq!(note.to, now.fields["Notes"]);
    // Who made it, as the payload said (the user has no name there: the e-mail), on the
    // revision and not among its fields.
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let history = (inlet.library.item_history(&accounts, &record.id))
        .await
        .unwrap();
    let editor = sandbox.dataset().airtable.email.clone();
    assert_eq!(history[0].edited_by.as_deref(), Some(editor.as_str()));
    assert!(history[0]
        .changes
        .iter()
        .all(|c| !c.field.contains("edited_by")));

    // A renamed field changes every record of its table: the table is read again whole.
    sandbox.edit_data(&DataEdit {
        airtable_rename_field: true,
        ..DataEdit::default()
    });
    let renamed = sync(&inlet).await;
    let changes = renamed.changes.unwrap();
    assert!(changes.changed >= 2, "{changes:?}");
    assert_same(
        &renamed,
        &full_load_now(&sandbox, "airtable-sync-renamed").await,
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_expired_webhook_or_lost_payloads_read_the_base_in_full_and_say_so() {
    // Webhooks made to live a millisecond: they have expired (as a week without a sync does)
    // when the person edits, so no payload holds the edit.
    let sandbox = sandbox(Knobs {
        airtable_webhook_life_ms: 1,
        ..Knobs::default()
    })
    .await;
    let (inlet, dir) = stored_inlet(&sandbox, "airtable-lost").await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    load_records(&inlet).await;
    let defaults = Knobs {
        airtable_webhook_life_ms: Knobs::default().airtable_webhook_life_ms,
        ..sandbox.knobs()
    };
    sandbox.set_knobs(defaults.clone());
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    sandbox.edit_data(&DataEdit {
        airtable_changed: 1,
        ..DataEdit::default()
    });
    let expired = sync(&inlet).await;
    assert_eq!(expired.changes.map(|c| c.changed), Some(1));
    assert_eq!(
        (expired.notes.iter())
            .filter(|n| n.contains("expired") && n.contains("read in full"))
            .count(),
        BASES as usize,
        "{:?}",
        expired.notes
    );
    assert_same(
        &expired,
        &full_load_now(&sandbox, "airtable-expired-full").await,
    );

    // The new webhooks follow changes again.
    sandbox.edit_data(&DataEdit {
        airtable_added: 1,
        ..DataEdit::default()
    });
    let followed = sync(&inlet).await;
    assert_eq!(followed.changes.map(|c| c.new), Some(1));
    assert!(followed.notes.is_empty(), "{:?}", followed.notes);

    // Payloads deleted before they were read: the gap shows, the base is read in full.
    sandbox.set_knobs(Knobs {
        airtable_payload_retention_ms: 0,
        ..defaults.clone()
    });
    sandbox.edit_data(&DataEdit {
        airtable_removed: 2,
        ..DataEdit::default()
    });
    let lost = sync(&inlet).await;
    sandbox.set_knobs(defaults);
    assert_eq!(lost.changes.map(|c| c.gone), Some(2));
    assert!(
        lost.notes
            .iter()
            .any(|n| n.contains("deleted before Inlet read them")),
        "{:?}",
        lost.notes
    );
    assert_same(&lost, &full_load_now(&sandbox, "airtable-lost-full").await);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn without_the_webhook_scope_a_sync_reads_every_stored_record_and_says_why() {
    let sandbox = sandbox(Knobs {
        airtable_webhook_scope_off: true,
        ..Knobs::default()
    })
    .await;
    let (inlet, dir) = stored_inlet(&sandbox, "airtable-no-hooks").await;
    // The first Connect asks for the optional scopes and is refused; the second goes without.
    let (refused, _) = connect_to(&inlet, Integration::Airtable).await;
    assert!(refused.is_err());
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    load_records(&inlet).await;
    sandbox.edit_data(&DataEdit {
        airtable_changed: 1,
        ..DataEdit::default()
    });
    let synced = sync(&inlet).await;
    assert_eq!(synced.changes.map(|c| c.changed), Some(1));
    assert!(
        synced.notes.iter().any(|n| n.contains("manage webhooks")),
        "{:?}",
        synced.notes
    );
    assert_same(
        &synced,
        &full_load_now(&sandbox, "airtable-no-hooks-full").await,
    );
    let _ = std::fs::remove_dir_all(dir);
}
