//! Every provider through the real client against the sandbox: connect → load → the loaded ids
//! equal the dataset exactly (nothing lost, nothing duplicated), under normal conditions, transient
//! failures, rate limits, a token expiring mid-load, a wrong client secret, a forged state and a
//! denied consent.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use inlet_core::load::ProgressFn;
use inlet_core::{Inlet, Integration};
use inlet_sandbox::{DatasetSize, Knobs, SandboxConfig};
use tokio_util::sync::CancellationToken;

const PROVIDERS: [Integration; 3] = [
    Integration::Airtable,
    Integration::Notion,
    Integration::Hubspot,
];

fn no_progress() -> ProgressFn {
    Arc::new(|_| {})
}

async fn load(
    inlet: &Inlet,
    integration: Integration,
) -> inlet_core::Result<inlet_core::load::LoadResult> {
    inlet
        .load(integration, no_progress(), CancellationToken::new())
        .await
}

#[tokio::test]
async fn every_provider_connects_and_loads_exactly_its_dataset_without_hitting_a_limit() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
    for integration in PROVIDERS {
        let (connected, page) = connect_to(&inlet, integration).await;
        let info = connected.unwrap_or_else(|e| panic!("{integration}: {e}"));
        assert!(page.contains("connected as"), "{integration}: {page}");
        let result = load(&inlet, integration).await.unwrap();
        assert!(!result.partial, "{integration}: {:?}", result.failures);
        assert_eq!(
            loaded_ids(&result),
            expected_ids_for(&sandbox, integration),
            "{integration}"
        );
        match integration {
            Integration::Airtable => {
                assert_eq!(info.account.id, sandbox.dataset().airtable.user_id)
            }
            Integration::Notion => {
                assert_eq!(info.account.label, "Sandbox Workspace");
                assert_eq!(
                    info.account.details["bot_id"],
                    sandbox.dataset().notion.bot_id
                );
            }
            Integration::Hubspot => assert_eq!(
                info.account.id,
                sandbox.dataset().hubspot.portal_id.to_string()
            ),
        }
    }
    assert_eq!(
        sandbox.counters().rate_limited.load(Ordering::SeqCst),
        0,
        "pacing stays under every documented limit"
    );
}

#[tokio::test]
async fn airtable_items_have_bases_as_parents_and_notion_items_readable_paths() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let airtable = load(&inlet, Integration::Airtable).await.unwrap();
    let base = &sandbox.dataset().airtable.bases[0];
    let table = airtable
        .items
        .iter()
        .find(|i| i.id == base.tables[0].id)
        .unwrap();
    assert_eq!(table.parent_id.as_deref(), Some(base.id.as_str()));
    assert_eq!(
        table.parent_path_or_name.as_deref(),
        Some(base.name.as_str())
    );
    assert_eq!(
        table.url.as_deref(),
        Some(format!("https://airtable.com/{}/{}", base.id, table.id).as_str())
    );
    assert!(table.details["fields"]
        .as_array()
        .is_some_and(|f| !f.is_empty()));

    connect_to(&inlet, Integration::Notion).await.0.unwrap();
    let notion = load(&inlet, Integration::Notion).await.unwrap();
    let row = notion
        .items
        .iter()
        .find(|i| {
            i.parent_path_or_name
                .as_deref()
                .is_some_and(|p| p.matches(" / ").count() >= 2)
        })
        .unwrap();
    assert!(row
        .parent_path_or_name
        .as_deref()
        .unwrap()
        .starts_with("Workspace / "));
    assert!(
        notion.items.iter().any(|i| i.name == "Untitled"),
        "empty titles read Untitled"
    );
    assert!(notion
        .items
        .iter()
        .any(|i| i.item_type == "database" && i.directory));
}

#[tokio::test]
async fn airtable_records_load_on_demand() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let base = &sandbox.dataset().airtable.bases[2];
    let table = &base.tables[0];
    let records = inlet
        .load_airtable_records(&base.id, &table.id, CancellationToken::new())
        .await
        .unwrap();
    let mut got: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    let mut want: Vec<&str> = table.records.iter().map(|r| r.id.as_str()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert!(records
        .iter()
        .all(|r| r.item_type == "record" && r.parent_id.as_deref() == Some(table.id.as_str())));
    assert_eq!(records[0].name, "Row 0", "named by the primary field");
    // A view of the records exports like any other view.
    let path = std::env::temp_dir().join(format!("inlet-records-{}.json", std::process::id()));
    let keys: Vec<String> = records.iter().rev().take(5).map(|r| r.key()).collect();
    let written = inlet
        .export_view(keys, inlet_core::export::ExportFormat::Json, &path)
        .await
        .unwrap();
    assert_eq!(written, 5);
    std::fs::remove_file(&path).ok();
    let err = inlet
        .load_airtable_records(&base.id, "tblDoesNotExist", CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    let err = inlet
        .load_airtable_records("app/../x", &table.id, CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
}

#[tokio::test]
async fn transient_failures_and_dropped_connections_lose_nothing() {
    let sandbox = sandbox(Knobs {
        failure_rate: 0.1,
        drop_rate: 0.05,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
    for integration in PROVIDERS {
        connect_to(&inlet, integration).await.0.unwrap();
        let result = load(&inlet, integration).await.unwrap();
        assert!(!result.partial, "{integration}: {:?}", result.failures);
        assert_eq!(
            loaded_ids(&result),
            expected_ids_for(&sandbox, integration),
            "{integration}"
        );
    }
    assert!(sandbox.counters().faults.load(Ordering::SeqCst) > 0);
}

#[tokio::test]
async fn rate_limits_are_waited_out_airtable_lockout_and_notion_retry_after() {
    let size = DatasetSize {
        notion_pages: 500,
        ..DatasetSize::default()
    };
    let knobs = Knobs {
        airtable_rate_per_sec: 1,
        airtable_lockout_ms: 300,
        notion_requests_per_3s: 3,
        ..Knobs::default()
    };
    let sandbox = sandbox_with(SandboxConfig {
        knobs,
        size,
        ..SandboxConfig::default()
    })
    .await;
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
    for integration in [Integration::Airtable, Integration::Notion] {
        connect_to(&inlet, integration).await.0.unwrap();
        let before = sandbox.counters().rate_limited.load(Ordering::SeqCst);
        let result = load(&inlet, integration).await.unwrap();
        assert!(!result.partial, "{integration}: {:?}", result.failures);
        assert_eq!(
            loaded_ids(&result),
            expected_ids_for(&sandbox, integration),
            "{integration}"
        );
        assert!(
            sandbox.counters().rate_limited.load(Ordering::SeqCst) > before,
            "{integration} hit its limit"
        );
    }
}

#[tokio::test]
async fn an_expiring_token_mid_load_is_refreshed_once_and_airtable_rotation_is_honoured() {
    for integration in [Integration::Airtable, Integration::Notion] {
        let sandbox = sandbox(Knobs::default()).await;
        let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
        connect_to(&inlet, integration).await.0.unwrap();
        let trigger = sandbox.clone();
        let fired = Arc::new(AtomicBool::new(false));
        let progress: ProgressFn = Arc::new(move |_| {
            if !fired.swap(true, Ordering::SeqCst) {
                trigger.expire_access_tokens();
            }
        });
        let result = inlet
            .load(integration, progress, CancellationToken::new())
            .await
            .unwrap();
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
async fn concurrent_loads_of_one_airtable_connection_cause_exactly_one_refresh() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    sandbox.expire_access_tokens();
    let (a, b, c) = tokio::join!(
        load(&inlet, Integration::Airtable),
        load(&inlet, Integration::Airtable),
        load(&inlet, Integration::Airtable),
    );
    for result in [a, b, c] {
        assert_eq!(
            loaded_ids(&result.unwrap()),
            expected_ids_for(&sandbox, Integration::Airtable)
        );
    }
    assert_eq!(
        sandbox.refresh_count(),
        1,
        "a second refresh of a rotated token would have failed with 409"
    );
}

#[tokio::test]
async fn an_airtable_public_client_uses_pkce_and_no_secret() {
    let sandbox = sandbox(Knobs::default()).await;
    let settings = settings_for(
        &sandbox,
        Integration::Airtable,
        inlet_sandbox::PUBLIC_CLIENT_ID,
        None,
    );
    let inlet = Inlet::new(
        vec![settings],
        Arc::new(inlet_core::store::MemoryStore::default()),
        policy(),
    )
    .unwrap();
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    sandbox.expire_access_tokens();
    let result = load(&inlet, Integration::Airtable).await.unwrap();
    assert_eq!(
        loaded_ids(&result),
        expected_ids_for(&sandbox, Integration::Airtable)
    );
    assert_eq!(
        sandbox.refresh_count(),
        1,
        "the refresh also authenticates as a public client"
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_for_every_provider() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet_all(&sandbox, "wrong-secret");
    for integration in PROVIDERS {
        let (result, page) = connect_to(&inlet, integration).await;
        let err = result.unwrap_err();
        assert_eq!(
            err.code(),
            "oauth_token_exchange_failed",
            "{integration}: {err}"
        );
        assert_eq!(
            err.details()["oauth_error"],
            "invalid_client",
            "{integration}"
        );
        assert!(
            page.contains("refused the sign-in"),
            "{integration}: {page}"
        );
    }
}

#[tokio::test]
async fn denied_consent_and_forged_states_are_clear_errors_for_every_provider() {
    let sandbox = sandbox(Knobs {
        deny_consent: true,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
    for integration in PROVIDERS {
        let (result, _) = connect_to(&inlet, integration).await;
        assert_eq!(
            result.unwrap_err().code(),
            "oauth_access_denied",
            "{integration}"
        );
    }
    sandbox.set_knobs(Knobs::default());
    let deep_link = url::Url::parse("inlet://oauth/callback").unwrap();
    for integration in PROVIDERS {
        let start = inlet.begin_connect(integration, Some(&deep_link)).unwrap();
        let callback = consent_redirect(&start.authorization_url).await;
        let forged = callback.replace("state=", "state=x");
        assert_eq!(
            inlet.complete_deep_link(&forged).await.unwrap_err().code(),
            "oauth_state_mismatch",
            "{integration}"
        );
        let info = inlet.complete_deep_link(&callback).await.unwrap();
        assert_eq!(info.integration, integration);
        assert_eq!(
            inlet
                .complete_deep_link(&callback)
                .await
                .unwrap_err()
                .code(),
            "oauth_state_mismatch",
            "{integration} replay"
        );
    }
}

#[tokio::test]
async fn a_provider_that_keeps_failing_opens_its_circuit_and_says_so() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
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
    // Other providers are not affected, and Notion recovers after the cool-down.
    sandbox.set_knobs(Knobs::default());
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
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
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    let result = load(&inlet, Integration::Hubspot).await.unwrap();
    assert!(result.partial, "a failed stream marks the result partial");
    assert_eq!(result.failures.len(), 1);
    assert_eq!(result.failures[0].stream, "deals");
    assert_eq!(result.failures[0].error.error, "provider_unavailable");
    let hub = &sandbox.dataset().hubspot;
    assert_eq!(
        result.items.len(),
        hub.contacts.len() + hub.companies.len(),
        "every other stream is complete"
    );
    assert!(result.items.iter().all(|i| i.item_type != "deal"));
}

#[tokio::test]
async fn a_load_can_be_cancelled() {
    let sandbox = sandbox(Knobs {
        latency_ms: 200,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet_all(&sandbox, inlet_sandbox::CLIENT_SECRET);
    connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    let cancel = inlet.cancellable(Integration::Hubspot);
    let (result, cancelled) = tokio::join!(
        inlet.load(Integration::Hubspot, no_progress(), cancel),
        async {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            inlet.cancel_load(Integration::Hubspot)
        }
    );
    assert!(cancelled);
    assert_eq!(result.unwrap_err().code(), "cancelled");
}
