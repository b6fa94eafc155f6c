//! A HubSpot sync over real HTTP against the sandbox: after people edited, deleted and added
//! contacts, a sync fetches only those (search, archived listing, batch read) and leaves the
//! store exactly as a full load of the portal would; records sharing one timestamp, more than
//! the search's 10,000-result cap, sync without a loop.

mod common;

use std::sync::atomic::Ordering;

use common::*;
use inlet_core::item_store::ChangeSummary;
use inlet_core::load::LoadResult;
use inlet_core::providers::LoadRequest;
use inlet_core::{Inlet, Integration};
use inlet_sandbox::{DataEdit, DatasetSize, Knobs, SandboxConfig};

fn sync_request() -> LoadRequest {
    LoadRequest {
        sync: true,
        ..LoadRequest::structure()
    }
}

async fn sync(inlet: &Inlet) -> LoadResult {
    (inlet.loader)
        .load_with(Integration::Hubspot, sync_request(), no_progress(), true)
        .await
        .expect("sync")
}

#[tokio::test]
async fn a_sync_after_edits_fetches_only_the_changes_and_equals_a_full_load() {
    let sandbox = sandbox(Knobs::default()).await;
    let (inlet, dir) = stored_inlet(&sandbox, "hubspot-sync").await;
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    let full = load(&inlet, Integration::Hubspot).await.unwrap();

    // Nothing changed: a few requests a stream, nothing new, changed or gone.
    let searches = sandbox.counters().hubspot_searches.load(Ordering::SeqCst);
    let unchanged = sync(&inlet).await;
    assert_eq!(unchanged.changes, Some(ChangeSummary::default()));
    assert_eq!(by_key(&unchanged.items), by_key(&full.items));
    let streams = 6; // owners, contacts, companies, deals, tickets, Cars
    assert!(
        unchanged.requests <= 3 * streams,
        "{} requests for an unchanged portal",
        unchanged.requests
    );
    assert_eq!(
        sandbox.counters().hubspot_searches.load(Ordering::SeqCst) - searches,
        5,
        "one search per object type"
    );

    let before = sandbox.dataset().hubspot.contacts.clone();
    sandbox.edit_data(&DataEdit {
        renamed: 3,
        removed: 2,
        added: 4,
        // The last two merged into the one before them: two more gone, one more changed.
        hubspot_merged: 2,
        ..DataEdit::default()
    });
    let synced = sync(&inlet).await;
    assert_eq!(
        synced.changes,
        Some(ChangeSummary {
            new: 4,
            changed: 4,
            gone: 4
        })
    );
    let kept = &before[before.len() - 3];
    let merged = only_change_of(&inlet, &kept.id, "details.values.hs_merged_object_ids").await;
    let last_two = format!(
        "{};{}",
        before[before.len() - 1].id,
        before[before.len() - 2].id
    );
    assert_eq!(merged.to, serde_json::json!(last_two));
    // The unchanged sync's and, for the contacts, their definitions, pipelines, one batch read
    // and one association read.
    assert!(
        synced.requests <= unchanged.requests + 4,
        "a sync of 9 changes sent {} requests, an unchanged one {}",
        synced.requests,
        unchanged.requests
    );

    // Each change is kept as a revision: the renamed contact's last name, from what to what.
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let renamed = &before[0];
    let lastname = only_change_of(&inlet, &renamed.id, "details.values.lastname").await;
    let was = renamed
        .properties
        .iter()
        .find(|(n, _)| *n == "lastname")
        .unwrap()
        .1
        .clone()
        .unwrap();
    assert_eq!(lastname.from, serde_json::json!(was));
    assert_eq!(lastname.to, serde_json::json!(format!("{was} (renamed)")));
    let gone = inlet
        .library
        .item_history(&accounts, &before[3].id)
        .await
        .unwrap();
    assert_eq!(
        gone.iter().map(|r| r.kind).collect::<Vec<_>>(),
        [inlet_core::Delta::Gone]
    );

    // A full load of the same portal into a store of its own finds the same items, alike.
    let (fresh, fresh_dir) = stored_inlet(&sandbox, "hubspot-sync-full").await;
    connect_to(&fresh, Integration::Hubspot).await.0.unwrap();
    let reference = load(&fresh, Integration::Hubspot).await.unwrap();
    let (synced, reference) = (by_key(&synced.items), by_key(&reference.items));
    assert_eq!(synced.len(), reference.len());
    for (mine, theirs) in synced.iter().zip(&reference) {
        assert_eq!(mine, theirs);
    }
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(fresh_dir);
}

#[tokio::test]
async fn fifteen_thousand_records_with_one_timestamp_sync_without_a_loop() {
    let size = DatasetSize {
        contacts: 15_000,
        companies: 10,
        deals: 10,
        notion_pages: 0,
        ..DatasetSize::default()
    };
    let knobs = Knobs {
        // The portal's window as a higher tier has it (the answers' headers say so).
        rate_limit_max: 1_000,
        ..Knobs::default()
    };
    let sandbox = sandbox_with(SandboxConfig {
        size,
        knobs,
        ..SandboxConfig::default()
    })
    .await;
    let (inlet, dir) = stored_inlet(&sandbox, "hubspot-sync-same-time").await;
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    load(&inlet, Integration::Hubspot).await.unwrap();
    // Every contact edited at the same instant (a bulk import does this).
    sandbox.edit_data(&DataEdit {
        renamed: 15_000,
        ..DataEdit::default()
    });
    let searches = sandbox.counters().hubspot_searches.load(Ordering::SeqCst);
    let synced = sync(&inlet).await;
    assert!(!synced.partial, "{:?}", synced.failures);
    assert_eq!(
        synced.changes,
        Some(ChangeSummary {
            new: 0,
            changed: 15_000,
            gone: 0
        })
    );
    // 200 a search: 75 full ones and an empty last one for the contacts, one for each other
    // type (companies, deals, tickets, cars); none pages past the cap.
    let made = sandbox.counters().hubspot_searches.load(Ordering::SeqCst) - searches;
    assert_eq!(made, 76 + 4, "{made} searches");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn daily_and_monthly_checks_put_right_what_syncs_cannot_see() {
    let sandbox = sandbox(Knobs::default()).await;
    let (inlet, dir) = stored_inlet(&sandbox, "hubspot-sync-daily").await;
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    load(&inlet, Integration::Hubspot).await.unwrap();
    let searches = || sandbox.counters().hubspot_searches.load(Ordering::SeqCst);
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let store = inlet.library.store().unwrap();

    // A week and a day after the last full load, a sync still fetches only what changed.
    let week_ago = chrono::Utc::now() - chrono::Duration::days(8);
    store.note_full_load(&accounts[0], week_ago).unwrap();
    let before = searches();
    let quiet = sync(&inlet).await;
    assert!(quiet.incremental);
    assert_eq!(searches(), before + 5, "one search per object type");

    // Two contacts moved to another company (their last change stays), the last three deleted
    // for good (no archive entry), the one before them edited while search lagged (stamped an
    // hour back): a sync's search and archived listing see none of it.
    let contacts = sandbox.dataset().hubspot.contacts.clone();
    sandbox.edit_data(&DataEdit {
        hubspot_reassociated: 2,
        hubspot_purged: 3,
        hubspot_backdated: 1,
        ..DataEdit::default()
    });
    let blind = sync(&inlet).await;
    assert_eq!(blind.changes, Some(ChangeSummary::default()));

    let listings = || {
        sandbox
            .counters()
            .hubspot_live_listings
            .load(Ordering::SeqCst)
    };
    let state = |key: &str, ago: chrono::Duration| {
        let at = (chrono::Utc::now() - ago).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        store
            .update_provider_state(&accounts[0], &[(key.into(), Some(at))])
            .unwrap();
    };

    // A day after the contacts' daily check, the sync counts their ids against HubSpot's (a few
    // searches find the three deleted for good) and reads their associations again (the two
    // moved change); nothing is listed.
    state("daily-checked:0-1", chrono::Duration::hours(25));
    let (listed, searched) = (listings(), searches());
    let daily = sync(&inlet).await;
    assert!(daily.incremental && !daily.partial, "{:?}", daily.failures);
    assert_eq!(
        daily.changes,
        Some(ChangeSummary {
            new: 0,
            changed: 2,
            gone: 3
        })
    );
    assert_eq!(listings(), listed, "no record listed");
    let census = searches() - searched - 5;
    assert!((2..=20).contains(&census), "{census} searches to count");
    assert!(
        daily
            .notes
            .iter()
            .any(|n| n.contains("0 records new, 3 records deleted for good")),
        "{:?}",
        daily.notes
    );
    // The moved contact's history says which company it moved from and to.
    let moved = contacts
        .iter()
        .find(|c| !c.associations.is_empty())
        .unwrap();
    let company = only_change_of(&inlet, &moved.id, "details.companyIds").await;
    assert_ne!(company.from, company.to);

    // Four weeks after the contacts were last listed whole, the sync checks every one: the one
    // edited while search lagged is read, and the summary says the syncs had missed it.
    state("checked:0-1", chrono::Duration::days(29));
    let monthly = sync(&inlet).await;
    assert!(
        monthly.incremental && !monthly.partial,
        "{:?}",
        monthly.failures
    );
    assert_eq!(
        monthly.changes,
        Some(ChangeSummary {
            new: 0,
            changed: 1,
            gone: 0
        })
    );
    assert!(listings() > listed, "every contact listed");
    assert!(
        monthly
            .notes
            .iter()
            .any(|n| n.contains("1 record new or changed before the sync's window")),
        "{:?}",
        monthly.notes
    );
    let lagged = &contacts[contacts.len() - 4];
    only_change_of(&inlet, &lagged.id, "details.values.firstname").await;
    // Only the contacts were due: the next sync checks nothing whole again.
    let listed = listings();
    let next = sync(&inlet).await;
    assert_eq!(next.changes, Some(ChangeSummary::default()));
    assert_eq!(listings(), listed, "no record listed");

    // The store now equals a full load of the portal into a store of its own.
    let (fresh, fresh_dir) = stored_inlet(&sandbox, "hubspot-sync-daily-full").await;
    connect_to(&fresh, Integration::Hubspot).await.0.unwrap();
    let reference = load(&fresh, Integration::Hubspot).await.unwrap();
    assert_eq!(by_key(&next.items), by_key(&reference.items));

    // A partial load (the deals fail): the next sync is a full load, and complete again.
    sandbox.set_knobs(Knobs {
        hubspot_failing_object: Some("deals".into()),
        ..Knobs::default()
    });
    let partial = load(&inlet, Integration::Hubspot).await.unwrap();
    assert!(partial.partial);
    sandbox.set_knobs(Knobs::default());
    let mended = sync(&inlet).await;
    assert!(!mended.incremental && !mended.partial);
    assert!(
        mended
            .notes
            .iter()
            .any(|n| n == "A full load this time: the last load was partial."),
        "{:?}",
        mended.notes
    );
    assert_eq!(by_key(&mended.items).len(), by_key(&reference.items).len());
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(fresh_dir);
}

#[tokio::test]
async fn the_store_as_of_a_time_between_two_loads_is_the_first_one_exactly() {
    let sandbox = sandbox(Knobs::default()).await;
    let (inlet, dir) = stored_inlet(&sandbox, "hubspot-as-of").await;
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    let before_any = chrono::Utc::now() - chrono::Duration::seconds(1);
    let first = load(&inlet, Integration::Hubspot).await.unwrap();
    let between = chrono::Utc::now();
    sandbox.edit_data(&DataEdit {
        renamed: 3,
        removed: 2,
        added: 4,
        ..DataEdit::default()
    });
    let synced = sync(&inlet).await;
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let stored = |library: &inlet_core::services::Library| {
        let store = library.store().unwrap().clone();
        let generation = store.current(&accounts[0]).unwrap().unwrap();
        let mut items = store.items(generation.id).unwrap();
        items.retain(|i| i.delta != Some(inlet_core::Delta::Gone));
        by_key(&items)
    };

    let (then, notes) = inlet.library.as_of(&accounts, between).await.unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(stored(&then), by_key(&first.items));
    let (now, _) = (inlet.library)
        .as_of(&accounts, chrono::Utc::now())
        .await
        .unwrap();
    let mut current = synced.clone();
    current
        .items
        .retain(|i| i.delta != Some(inlet_core::Delta::Gone));
    assert_eq!(stored(&now), by_key(&current.items));
    let (nothing, notes) = inlet.library.as_of(&accounts, before_any).await.unwrap();
    assert!(stored(&nothing).is_empty());
    assert!(notes[0].contains("nothing was loaded before"), "{notes:?}");

    // The window's view as of that time reads the same store, made once while it is looked at.
    let view = inlet_core::services::ItemView {
        as_of: Some(between.to_rfc3339()),
        ..Default::default()
    };
    let (viewed, _) = inlet.library.viewed(&accounts, &view).await.unwrap();
    assert_eq!(stored(&viewed), by_key(&first.items));
    let window = viewed
        .window(&accounts, view.clone(), 0, 500)
        .await
        .unwrap();
    assert_eq!(window.total as usize, first.items.len());
    let (again, _) = inlet.library.viewed(&accounts, &view).await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&viewed, &again), "made once");
    let today = inlet_core::services::ItemView {
        as_of: None,
        ..view
    };
    let (live, _) = inlet.library.viewed(&accounts, &today).await.unwrap();
    assert!(std::sync::Arc::ptr_eq(&live, &inlet.library));
    let bad = inlet_core::services::ItemView {
        as_of: Some("last tuesday".into()),
        ..today
    };
    let refused = inlet.library.viewed(&accounts, &bad).await.err().unwrap();
    assert_eq!(refused.code(), "invalid_argument");
    let _ = std::fs::remove_dir_all(dir);
}
