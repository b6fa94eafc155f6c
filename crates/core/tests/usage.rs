//! Airtable's monthly API calls, as Inlet counts them: every call it sends (the sign-in's account
//! lookup, a load's listings, a table's records) is counted for the account and the month, the
//! card's status carries the count, a records load's estimate is what the load then costs, and
//! a month whose quota Airtable said was spent is remembered — so the next "Load all records"
//! says so before it starts.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use inlet_core::ItemKind;
use std::sync::atomic::Ordering;

use common::*;
use inlet_core::providers::{LoadRequest, RecordScope};
use inlet_core::services::{ApiUsage, Inlet};
use inlet_core::Integration;
use inlet_sandbox::{Knobs, Sandbox};

async fn usage(inlet: &Inlet) -> ApiUsage {
    let statuses = inlet.connections.integrations().await.unwrap();
    let airtable = statuses
        .into_iter()
        .find(|s| s.integration == Integration::Airtable)
        .unwrap();
    airtable.usage.expect("Airtable's card shows its calls")
}

fn sandbox_calls(sandbox: &Sandbox) -> u32 {
    let calls = sandbox
        .counters()
        .airtable_month_calls
        .load(Ordering::SeqCst);
    u32::try_from(calls).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_call_is_counted_and_a_records_load_costs_what_was_said() {
    // Bases listed 1,000 a page, as Airtable documents (the sandbox's default pages by 3).
    let sandbox = sandbox(Knobs {
        airtable_bases_page_size: 1_000,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    assert_eq!(
        usage(&inlet).await.calls,
        sandbox_calls(&sandbox),
        "the account lookup counts"
    );

    let structure = load(&inlet, Integration::Airtable).await.unwrap();
    let counted = usage(&inlet).await;
    assert_eq!(
        counted.calls,
        sandbox_calls(&sandbox),
        "a load's every call counts"
    );
    assert_eq!(counted.plan, None);
    assert!(counted
        .plans
        .iter()
        .any(|p| p.id == "free" && p.monthly_calls == Some(1_000)));

    // Before any record was loaded, every table counts as one page.
    let guess = inlet
        .connections
        .load_estimate(
            Integration::Airtable,
            &LoadRequest::with_records(RecordScope::All),
        )
        .await
        .unwrap()
        .expect("Airtable caps its calls");
    assert!(
        guess.tables > 0 && guess.tables_never_loaded == guess.tables,
        "{guess:?}"
    );
    assert!(
        !guess.ask_first,
        "no plan said, no quota met: nothing to ask"
    );
    assert!(guess.message.contains("never loaded"), "{}", guess.message);

    let before = sandbox_calls(&sandbox);
    let loaded = inlet
        .loader
        .load_with(
            Integration::Airtable,
            LoadRequest::with_records(RecordScope::All),
            no_progress(),
            false,
        )
        .await
        .unwrap();
    assert!(!loaded.partial);
    let first_cost = sandbox_calls(&sandbox) - before;
    assert!(first_cost >= guess.calls, "{first_cost} calls; {guess:?}");
    assert_eq!(usage(&inlet).await.calls, sandbox_calls(&sandbox));

    // With every table's records in the store the estimate is the cost, to the call.
    let estimate = inlet
        .connections
        .load_estimate(
            Integration::Airtable,
            &LoadRequest::with_records(RecordScope::All),
        )
        .await
        .unwrap()
        .expect("Airtable caps its calls");
    assert_eq!(estimate.tables_never_loaded, 0, "{estimate:?}");
    let before = sandbox_calls(&sandbox);
    inlet
        .loader
        .load_with(
            Integration::Airtable,
            LoadRequest::with_records(RecordScope::All),
            no_progress(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        sandbox_calls(&sandbox) - before,
        estimate.calls,
        "{estimate:?}"
    );

    let first_base = structure
        .items
        .iter()
        .find(|i| i.item_type == ItemKind::Base)
        .map(|i| i.id.clone())
        .unwrap();
    // One base's records: its schema and its tables' pages, and the bases listing.
    let one = inlet
        .connections
        .load_estimate(
            Integration::Airtable,
            &LoadRequest::with_records(RecordScope::Of(vec![first_base])),
        )
        .await
        .unwrap()
        .expect("Airtable caps its calls");
    assert!(one.bases == 1 && one.calls < estimate.calls, "{one:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_known_plan_and_a_spent_month_are_said_before_a_records_load() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    load(&inlet, Integration::Airtable).await.unwrap();

    let refused = inlet
        .connections
        .set_plan(Integration::Airtable, Some("platinum".into()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "invalid_argument");
    let set = inlet
        .connections
        .set_plan(Integration::Airtable, Some("free".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (set.plan.as_deref(), set.plan_calls),
        (Some("free"), Some(1_000))
    );
    let estimate = inlet
        .connections
        .load_estimate(
            Integration::Airtable,
            &LoadRequest::with_records(RecordScope::All),
        )
        .await
        .unwrap()
        .expect("Airtable caps its calls");
    assert!(estimate.ask_first, "the plan's cap is known: {estimate:?}");
    assert!(
        estimate.message.contains("1,000 calls a month"),
        "{}",
        estimate.message
    );

    // The month runs out in the middle of a records load.
    sandbox.set_knobs(Knobs {
        airtable_monthly_calls: u64::from(sandbox_calls(&sandbox)) + 3,
        ..Knobs::default()
    });
    let err = inlet
        .loader
        .load_with(
            Integration::Airtable,
            LoadRequest::with_records(RecordScope::All),
            no_progress(),
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "quota_exhausted");
    let spent = usage(&inlet).await;
    assert!(spent.quota_met_at.is_some(), "{spent:?}");
    // Refused calls were sent too: Inlet's count is at least what Airtable answered.
    assert!(spent.calls >= sandbox_calls(&sandbox), "{spent:?}");

    // Without a plan, the spent month alone makes the next records load ask first.
    inlet
        .connections
        .set_plan(Integration::Airtable, None)
        .await
        .unwrap();
    let estimate = inlet
        .connections
        .load_estimate(
            Integration::Airtable,
            &LoadRequest::with_records(RecordScope::All),
        )
        .await
        .unwrap()
        .expect("Airtable caps its calls");
    assert!(estimate.ask_first, "{estimate:?}");
    assert!(
        estimate.message.contains("refused calls on"),
        "{}",
        estimate.message
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_refreshes_the_stored_records_and_a_scheduled_one_keeps_within_half_the_month() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let structure = load(&inlet, Integration::Airtable).await.unwrap();
    let base = (structure.items.iter())
        .find(|i| i.item_type == ItemKind::Base)
        .map(|i| i.id.clone())
        .unwrap();
    let run = |request: LoadRequest| {
        (inlet.loader).load_with(Integration::Airtable, request, no_progress(), true)
    };
    let records = |result: &inlet_core::load::LoadResult| {
        (result.items.iter())
            .filter(|i| i.item_type == ItemKind::Record)
            .count()
    };
    let loaded = run(LoadRequest::with_records(RecordScope::Of(vec![
        base.clone()
    ])))
    .await
    .unwrap();
    assert!(records(&loaded) > 0);
    let sync = |scheduled: bool| LoadRequest {
        sync: true,
        scheduled,
        ..LoadRequest::structure()
    };

    // A sync refreshes the records stored (that base's), as a records load of it costs.
    let estimate = (inlet.connections)
        .load_estimate(Integration::Airtable, &sync(false))
        .await
        .unwrap()
        .expect("a sync of stored records has a cost");
    assert_eq!(estimate.bases, 1, "{estimate:?}");
    assert!(!estimate.ask_first, "no plan known: {estimate:?}");
    let synced = run(sync(false)).await.unwrap();
    assert_eq!(records(&synced), records(&loaded));
    assert!(
        synced.requests > structure.requests,
        "{} requests",
        synced.requests
    );
    assert!(synced.held_back.is_none());

    // On the free plan (1,000 a month) with 600 calls spent, refreshing them passes half: a
    // sync someone asked for asks first, a scheduled one refreshes the structure alone.
    (inlet.connections)
        .set_plan(Integration::Airtable, Some("free".into()))
        .await
        .unwrap();
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let month = inlet_core::services::month_of(chrono::Utc::now());
    (inlet.library.store().unwrap())
        .add_api_calls(&accounts[0], &month, &[("elsewhere".to_owned(), 600)])
        .unwrap();
    let estimate = (inlet.connections)
        .load_estimate(Integration::Airtable, &sync(false))
        .await
        .unwrap()
        .unwrap();
    assert!(estimate.ask_first, "{estimate:?}");
    let held = run(sync(true)).await.unwrap();
    let why = held.held_back.clone().expect("held back");
    assert!(
        why.contains("would pass half of the plan's 1,000 calls a month"),
        "{why}"
    );
    assert!(held.notes.contains(&why));
    assert_eq!(records(&held), records(&loaded), "the stored records stay");
    assert!(
        held.requests < synced.requests,
        "{} requests",
        held.requests
    );
}
