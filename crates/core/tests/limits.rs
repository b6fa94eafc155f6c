//! Limits that are not a passing rate limit, as the providers document them: Notion's 529
//! overload is waited out like a 429 (not counted as a failure, never opening the breaker), a
//! Notion connection whose API access is restricted stops at once, and an Airtable workspace
//! whose monthly API calls are spent stops at once with `quota_exhausted`.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::Ordering;

use common::*;
use inlet_core::providers::{LoadRequest, RecordScope};
use inlet_core::Integration;
use inlet_sandbox::Knobs;

#[tokio::test]
async fn notion_overloads_are_waited_out_like_rate_limits_without_opening_the_breaker() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    // More overloads in a row than the failure path's attempts (10) and the breaker's
    // threshold (12): only the rate-limit path gets through them.
    sandbox.set_knobs(Knobs {
        notion_overloads: 20,
        notion_retry_after_secs: 0,
        ..Knobs::default()
    });
    let result = load(&inlet, Integration::Notion).await.unwrap();
    assert_complete(&sandbox, Integration::Notion, &result);
    assert_eq!(
        sandbox.knobs().notion_overloads,
        0,
        "every overload was met"
    );
}

#[tokio::test]
async fn a_restricted_notion_connection_stops_at_once() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    sandbox.set_knobs(Knobs {
        notion_blocked: true,
        ..Knobs::default()
    });
    let before = sandbox.counters().api_requests.load(Ordering::SeqCst);
    let err = load(&inlet, Integration::Notion).await.unwrap_err();
    assert_eq!(err.code(), "api_access_blocked", "{err}");
    assert!(err.to_string().contains("retrying won't help"), "{err}");
    let sent = sandbox.counters().api_requests.load(Ordering::SeqCst) - before;
    assert!(
        sent <= 1,
        "{sent} requests: a blocked connection is not retried"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spent_airtable_month_stops_a_records_load_at_once_and_bases_still_load() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    // The workspace has a few calls left this month: enough for the bases and a table or two.
    let used = sandbox
        .counters()
        .airtable_month_calls
        .load(Ordering::SeqCst);
    sandbox.set_knobs(Knobs {
        airtable_monthly_calls: used + 4,
        ..Knobs::default()
    });
    let limited_before = sandbox.counters().rate_limited.load(Ordering::SeqCst);
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
    assert_eq!(err.code(), "quota_exhausted", "{err}");
    assert!(err.to_string().contains("until the month turns"), "{err}");
    assert_eq!(err.details()["period"], "month");
    // Bases not started when the quota met the load are not asked at all; those under way
    // meet it once each.
    let in_flight = inlet_core::spec::spec(Integration::Airtable).streams_in_flight as u64;
    let limited = sandbox.counters().rate_limited.load(Ordering::SeqCst) - limited_before;
    assert!(limited <= in_flight, "{limited} refused requests");
    // The metadata endpoints still answer: bases and tables load as before.
    let result = load(&inlet, Integration::Airtable).await.unwrap();
    assert_complete(&sandbox, Integration::Airtable, &result);
}
