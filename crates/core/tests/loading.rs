//! Loading every provider through the real client against the sandbox: the loaded ids equal the
//! dataset exactly (nothing lost, nothing duplicated) under normal conditions, transient failures,
//! rate limits and a token expiring mid-load; refresh, breaker, partial results and cancellation.
//! One suite per behaviour, each run for every provider it applies to.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use inlet_core::providers::{LoadRequest, RecordScope};
use inlet_core::ItemKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use inlet_core::load::ProgressFn;
use inlet_core::oauth::revoke::RevokeOutcome;
use inlet_core::{Inlet, Integration};
use inlet_sandbox::{DatasetSize, Knobs, SandboxConfig};

/// A progress callback that says once, on `signal`, that the first page arrived.
fn first_page_signal() -> (ProgressFn, tokio::sync::oneshot::Receiver<()>) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let progress: ProgressFn = Arc::new(move |p| {
        if p.pages > 0 {
            if let Some(tx) = tx.lock().unwrap().take() {
                let _ = tx.send(());
            }
        }
    });
    (progress, rx)
}

#[tokio::test]
async fn every_provider_loads_exactly_its_dataset_with_progress_and_without_hitting_a_limit() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    for integration in PROVIDERS {
        connect_to(&inlet, integration).await.0.unwrap();
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        let progress: ProgressFn = Arc::new(move |p| sink.lock().unwrap().push(p));
        let result = inlet.loader.load(integration, progress).await.unwrap();
        assert_complete(&sandbox, integration, &result);
        assert!(
            seen.lock().unwrap().iter().any(|p| p.done && p.pages > 0),
            "{integration}: progress per stream"
        );
        assert!(result
            .items
            .iter()
            .all(|i| i.url.as_deref().is_some_and(|u| u.starts_with("https://"))));
        // Disconnecting revokes the grant where the provider can, and forgets the connection:
        // the next load says so.
        let revoked_before = sandbox.counters().revocations.load(Ordering::SeqCst);
        let gone = inlet
            .connections
            .disconnect(integration)
            .await
            .unwrap()
            .expect("it was connected");
        let revoked = sandbox.counters().revocations.load(Ordering::SeqCst) - revoked_before;
        match (integration, gone.revocation) {
            (Integration::Airtable, RevokeOutcome::ByThePerson { instructions }) => {
                assert!(instructions.contains("Airtable"), "{instructions}");
                assert_eq!(revoked, 0);
            }
            (_, RevokeOutcome::Revoked) => assert_eq!(revoked, 1, "{integration}"),
            (_, other) => panic!("{integration}: {other:?}"),
        }
        let err = load(&inlet, integration).await.unwrap_err();
        assert_eq!(err.code(), "not_connected", "{integration}");
    }
    assert_eq!(
        sandbox.counters().rate_limited.load(Ordering::SeqCst),
        0,
        "pacing stays under every documented limit"
    );
}

#[tokio::test]
async fn transient_failures_and_dropped_connections_lose_nothing() {
    let sandbox = sandbox(Knobs {
        failure_rate: 0.2,
        drop_rate: 0.1,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    for integration in PROVIDERS {
        connect_to(&inlet, integration).await.0.unwrap();
        let result = load(&inlet, integration).await.unwrap();
        assert_complete(&sandbox, integration, &result);
    }
    assert!(sandbox.counters().faults.load(Ordering::SeqCst) > 0);
}

#[tokio::test]
async fn rate_limits_are_waited_out_for_every_provider() {
    // A Notion load is a search, then a query per data source, a read per database and per block
    // parent: 100 pages make about 30 requests.
    let size = DatasetSize {
        notion_pages: 100,
        ..DatasetSize::default()
    };
    // Airtable's lockout, Notion's Retry-After, HubSpot's rolling window and its headers.
    let knobs = Knobs {
        airtable_rate_per_sec: 1,
        airtable_lockout_ms: 300,
        notion_requests_per_3s: 6,
        rate_limit_max: 4,
        rate_limit_window_ms: 250,
        ..Knobs::default()
    };
    let sandbox = sandbox_with(SandboxConfig {
        knobs,
        size,
        ..SandboxConfig::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    for integration in PROVIDERS {
        connect_to(&inlet, integration).await.0.unwrap();
        let before = sandbox.counters().rate_limited.load(Ordering::SeqCst);
        let result = load(&inlet, integration).await.unwrap();
        assert_complete(&sandbox, integration, &result);
        let limited = sandbox.counters().rate_limited.load(Ordering::SeqCst) - before;
        if integration == Integration::Hubspot {
            // HubSpot says its window in every answer: the pacing takes it in after the first
            // and keeps within it (at most the first burst can overshoot).
            assert!(limited <= 3, "{integration}: {limited} 429s");
        } else {
            assert!(limited > 0, "{integration} hit its limit");
        }
    }
}

#[tokio::test]
async fn an_expiring_token_mid_load_is_refreshed_once_and_rotation_is_honoured() {
    for integration in PROVIDERS {
        let sandbox = sandbox(Knobs::default()).await;
        let inlet = inlet(&sandbox).await;
        connect_to(&inlet, integration).await.0.unwrap();
        let trigger = sandbox.clone();
        let fired = Arc::new(AtomicBool::new(false));
        let progress: ProgressFn = Arc::new(move |_| {
            if !fired.swap(true, Ordering::SeqCst) {
                trigger.expire_access_tokens();
            }
        });
        let result = inlet.loader.load(integration, progress).await.unwrap();
        assert_eq!(
            loaded_ids(&result),
            expected_ids_for(&sandbox, integration),
            "{integration}"
        );
        assert_eq!(
            sandbox.refresh_count(),
            1,
            "{integration}: one refresh served every stream"
        );
        // The rotated pair was saved: the next refresh uses the new refresh token and succeeds.
        sandbox.expire_access_tokens();
        let again = load(&inlet, integration).await.unwrap();
        assert_eq!(loaded_ids(&again), expected_ids_for(&sandbox, integration));
        assert_eq!(sandbox.refresh_count(), 2, "{integration}");
    }
}

#[tokio::test]
async fn concurrent_loads_of_one_connection_cause_exactly_one_refresh() {
    for integration in PROVIDERS {
        let sandbox = sandbox(Knobs::default()).await;
        let inlet = inlet(&sandbox).await;
        connect_to(&inlet, integration).await.0.unwrap();
        sandbox.expire_access_tokens();
        let (a, b, c) = tokio::join!(
            load(&inlet, integration),
            load(&inlet, integration),
            load(&inlet, integration),
        );
        for result in [a, b, c] {
            assert_eq!(
                loaded_ids(&result.unwrap()),
                expected_ids_for(&sandbox, integration),
                "{integration}"
            );
        }
        assert_eq!(
            sandbox.refresh_count(),
            1,
            "{integration}: a second refresh of a rotated token would fail (Airtable: 409)"
        );
    }
}

#[tokio::test]
async fn a_revoked_refresh_token_means_reconnect_needed_for_every_provider() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    for integration in PROVIDERS {
        connect_to(&inlet, integration).await.0.unwrap();
    }
    sandbox.revoke_refresh_tokens();
    sandbox.expire_access_tokens();
    for integration in PROVIDERS {
        let err = load(&inlet, integration).await.unwrap_err();
        assert_eq!(err.code(), "reconnect_needed", "{integration}: {err}");
    }
    let status = inlet.connections.integrations().await.unwrap();
    assert!(status.iter().all(|s| s.reconnect_needed));
}

#[tokio::test]
async fn a_provider_that_keeps_failing_opens_its_circuit_and_says_so() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    sandbox.set_knobs(Knobs {
        failure_rate: 1.0,
        ..Knobs::default()
    });
    let err = load(&inlet, Integration::Notion).await.unwrap_err();
    assert!(
        matches!(err.code(), "circuit_open" | "provider_unavailable"),
        "{err}"
    );
    let err = load(&inlet, Integration::Notion).await.unwrap_err();
    assert_eq!(err.code(), "circuit_open");
    assert!(
        err.to_string()
            .starts_with("Notion is not answering; retrying in"),
        "{err}"
    );
    // Notion recovers after the cool-down: tokio's clock moves past it, no real waiting.
    sandbox.set_knobs(Knobs::default());
    tokio::time::pause();
    tokio::time::advance(policy().breaker_cooldown).await;
    tokio::time::resume();
    let result = load(&inlet, Integration::Notion).await.unwrap();
    assert_eq!(
        loaded_ids(&result),
        expected_ids_for(&sandbox, Integration::Notion)
    );
}

#[tokio::test]
async fn one_failing_stream_gives_a_partial_result_that_says_so() {
    let knobs = Knobs {
        hubspot_failing_object: Some("deals".into()),
        ..Knobs::default()
    };
    let sandbox = sandbox(knobs).await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    let result = load(&inlet, Integration::Hubspot).await.unwrap();
    assert!(result.partial, "a failed stream marks the result partial");
    assert_eq!(result.failures.len(), 1);
    assert_eq!(result.failures[0].stream, "deals");
    assert_eq!(
        result.failures[0].error.error.as_str(),
        "provider_unavailable"
    );
    let hub = &sandbox.dataset().hubspot;
    // Every other stream is complete: all but the deals, their pipelines and their type.
    let others = portal::hubspot_ids(hub)
        .into_iter()
        .filter(|(kind, id)| kind != "deal" && id != "0-3" && !id.starts_with("pipeline:0-3:"))
        .count();
    assert_eq!(result.items.len(), others, "every other stream is complete");
    assert!(result.items.iter().all(|i| i.item_type != ItemKind::Deal));
}

/// A sandbox answering every API call after `latency_ms`, and Inlet connected to `integration`.
async fn slow(latency_ms: u64, integration: Integration) -> (Arc<inlet_sandbox::Sandbox>, Inlet) {
    let sandbox = sandbox(Knobs {
        latency_ms,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, integration).await.0.unwrap();
    (sandbox, inlet)
}

#[tokio::test]
async fn a_load_can_be_cancelled_by_its_handle_or_by_integration() {
    let (_sandbox, inlet) = slow(200, Integration::Hubspot).await;
    // By its own handle, once the first page arrived (an explicit signal, not a sleep).
    let (progress, first_page) = first_page_signal();
    let handle = inlet.loader.load(Integration::Hubspot, progress);
    let cancel = handle.canceller();
    let (result, ()) = tokio::join!(handle, async {
        first_page.await.unwrap();
        cancel.cancel();
    });
    assert_eq!(result.unwrap_err().code(), "cancelled");
    // By integration, as the window's Cancel button does.
    let (progress, first_page) = first_page_signal();
    let handle = inlet.loader.load(Integration::Hubspot, progress);
    let (result, cancelled) = tokio::join!(handle, async {
        first_page.await.unwrap();
        inlet.loader.cancel(Integration::Hubspot)
    });
    assert!(cancelled);
    assert_eq!(result.unwrap_err().code(), "cancelled");
    assert!(
        !inlet.loader.cancel(Integration::Hubspot),
        "nothing runs now"
    );
}

#[tokio::test]
async fn opening_airtable_records_does_not_take_the_running_load_s_cancellation() {
    let (sandbox, inlet) = slow(150, Integration::Airtable).await;
    let base = &sandbox.dataset().airtable.bases[0];
    let (progress, first_page) = first_page_signal();
    let full = inlet.loader.load(Integration::Airtable, progress);
    let full = tokio::spawn(full);
    first_page.await.unwrap();
    // Records opened while the full load runs, then Cancel: both stop.
    let one_table = RecordScope::Of(vec![base.tables[0].id.clone()]);
    let records = inlet.loader.load_with(
        Integration::Airtable,
        LoadRequest::with_records(one_table),
        no_progress(),
        true,
    );
    let records = tokio::spawn(records);
    tokio::task::yield_now().await;
    assert!(inlet.loader.cancel(Integration::Airtable));
    assert_eq!(full.await.unwrap().unwrap_err().code(), "cancelled");
    assert_eq!(records.await.unwrap().unwrap_err().code(), "cancelled");
    // Cancelling one handle leaves another load of the same integration running.
    let first = inlet.loader.load(Integration::Airtable, no_progress());
    let second = inlet.loader.load(Integration::Airtable, no_progress());
    first.cancel();
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.unwrap_err().code(), "cancelled");
    assert_eq!(
        loaded_ids(&second.unwrap()),
        expected_ids_for(&sandbox, Integration::Airtable)
    );
}
