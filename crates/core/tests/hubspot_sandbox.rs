//! The real client (reqwest, oauth2, the loopback listener) against the sandbox over HTTP.

mod common;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use common::*;
use inlet_core::load::ProgressFn;
use inlet_core::Integration;
use inlet_sandbox::Knobs;
use tokio_util::sync::CancellationToken;

fn no_progress() -> ProgressFn {
    Arc::new(|_| {})
}

#[tokio::test]
async fn connect_load_disconnect_gives_exactly_the_dataset() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox);
    let (connected, page) = connect(&inlet).await;
    let info = connected.expect("connected");
    let portal = sandbox.dataset().hubspot.portal_id.to_string();
    assert_eq!(info.account.id, portal);
    assert!(
        info.account.label.contains("hubspot.com"),
        "{}",
        info.account.label
    );
    assert!(info.scopes.contains(&"crm.objects.deals.read".to_owned()));
    assert!(page.contains("connected as"), "{page}");

    let status = inlet.integrations().await.unwrap();
    let hubspot = status
        .iter()
        .find(|s| s.integration == Integration::Hubspot)
        .unwrap();
    assert!(hubspot.connected);

    let pages = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = pages.clone();
    let progress: ProgressFn = Arc::new(move |p| seen.lock().unwrap().push(p));
    let result = inlet
        .load(Integration::Hubspot, progress, CancellationToken::new())
        .await
        .unwrap();
    assert!(!result.partial);
    assert_eq!(loaded_ids(&result), expected_ids(&sandbox));
    let contact = result
        .items
        .iter()
        .find(|i| i.item_type == "contact")
        .unwrap();
    assert!(contact.url.as_deref().unwrap().starts_with(&format!(
        "https://app.hubspot.com/contacts/{portal}/record/0-1/"
    )));
    assert!(contact.creation_time.is_some() && contact.last_modified_time.is_some());
    let progress = pages.lock().unwrap().clone();
    for stream in ["contacts", "companies", "deals"] {
        assert!(
            progress.iter().any(|p| p.stream == stream && p.done),
            "{stream} finished"
        );
    }

    assert!(inlet.disconnect(Integration::Hubspot).await.unwrap());
    let err = inlet
        .load(
            Integration::Hubspot,
            no_progress(),
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_connected");
}

#[tokio::test]
async fn a_token_expiring_mid_load_is_refreshed_once_and_nothing_is_lost() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox);
    connect(&inlet).await.0.unwrap();
    let trigger = sandbox.clone();
    let expired = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let progress: ProgressFn = Arc::new(move |_| {
        if !expired.swap(true, Ordering::SeqCst) {
            trigger.expire_access_tokens();
        }
    });
    let result = inlet
        .load(Integration::Hubspot, progress, CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(loaded_ids(&result), expected_ids(&sandbox));
    assert_eq!(
        sandbox.refresh_count(),
        1,
        "three streams hit the 401; one refresh served them all"
    );
}

#[tokio::test]
async fn concurrent_loads_of_one_connection_cause_exactly_one_refresh() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox);
    connect(&inlet).await.0.unwrap();
    sandbox.expire_access_tokens();
    let (a, b) = tokio::join!(
        inlet.load(
            Integration::Hubspot,
            no_progress(),
            CancellationToken::new()
        ),
        inlet.load(
            Integration::Hubspot,
            no_progress(),
            CancellationToken::new()
        ),
    );
    assert_eq!(loaded_ids(&a.unwrap()), expected_ids(&sandbox));
    assert_eq!(loaded_ids(&b.unwrap()), expected_ids(&sandbox));
    assert_eq!(sandbox.refresh_count(), 1);
}

#[tokio::test]
async fn rate_limits_transient_failures_and_dropped_connections_are_retried() {
    let knobs = Knobs {
        rate_limit_max: 4,
        rate_limit_window_ms: 250,
        failure_rate: 0.2,
        drop_rate: 0.1,
        ..Knobs::default()
    };
    let sandbox = sandbox(knobs).await;
    let inlet = inlet(&sandbox);
    connect(&inlet).await.0.unwrap();
    let result = inlet
        .load(
            Integration::Hubspot,
            no_progress(),
            CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(!result.partial, "{:?}", result.failures);
    assert_eq!(loaded_ids(&result), expected_ids(&sandbox));
    assert!(
        sandbox.counters().rate_limited.load(Ordering::SeqCst) > 0,
        "the limit was hit and honoured"
    );
    assert!(
        sandbox.counters().faults.load(Ordering::SeqCst) > 0,
        "faults were injected and retried"
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_means_reconnect_needed() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox);
    connect(&inlet).await.0.unwrap();
    sandbox.revoke_refresh_tokens();
    sandbox.expire_access_tokens();
    let err = inlet
        .load(
            Integration::Hubspot,
            no_progress(),
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "reconnect_needed");
    let status = inlet.integrations().await.unwrap();
    assert!(status
        .iter()
        .any(|s| s.integration == Integration::Hubspot && s.reconnect_needed));
}

#[tokio::test]
async fn denied_consent_is_a_clear_error_and_shown_in_the_browser() {
    let sandbox = sandbox(Knobs {
        deny_consent: true,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet(&sandbox);
    let (result, page) = connect(&inlet).await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), "oauth_access_denied");
    assert!(page.contains("access was not granted"), "{page}");
    assert!(!inlet
        .integrations()
        .await
        .unwrap()
        .iter()
        .any(|s| s.connected));
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_by_the_token_endpoint() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet_with(
        &sandbox,
        Arc::new(inlet_core::store::MemoryStore::default()),
        "not-the-secret",
    );
    let (result, page) = connect(&inlet).await;
    let err = result.unwrap_err();
    assert_eq!(err.code(), "oauth_token_exchange_failed");
    assert_eq!(err.details()["oauth_error"], "invalid_client");
    assert!(page.contains("refused the sign-in"), "{page}");
}

#[tokio::test]
async fn forged_and_replayed_states_are_refused() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox);
    let start = inlet
        .begin_connect(
            Integration::Hubspot,
            Some(&url::Url::parse("inlet://oauth/callback").unwrap()),
        )
        .unwrap();
    let callback = consent_redirect(&start.authorization_url).await;
    assert!(callback.starts_with("inlet://oauth/callback?code="));

    let forged = callback.replace("state=", "state=forged");
    assert_eq!(
        inlet.complete_deep_link(&forged).await.unwrap_err().code(),
        "oauth_state_mismatch"
    );
    let info = inlet
        .complete_deep_link(&callback)
        .await
        .expect("the genuine callback still works");
    assert_eq!(
        info.account.id,
        sandbox.dataset().hubspot.portal_id.to_string()
    );
    assert_eq!(
        inlet
            .complete_deep_link(&callback)
            .await
            .unwrap_err()
            .code(),
        "oauth_state_mismatch"
    );
}

#[tokio::test]
async fn a_new_connect_replaces_an_abandoned_loopback_sign_in() {
    let sandbox = sandbox(Knobs::default()).await;
    // A fixed port, as registered with a real provider: the second sign-in needs the same one.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut fixed = settings(&sandbox, inlet_sandbox::CLIENT_SECRET);
    fixed.redirect_uri =
        url::Url::parse(&format!("http://127.0.0.1:{port}/oauth/callback")).unwrap();
    let store = std::sync::Arc::new(inlet_core::store::MemoryStore::default());
    let inlet = std::sync::Arc::new(inlet_core::Inlet::new(vec![fixed], store, policy()).unwrap());
    // The first sign-in's tab is closed: nobody ever visits its redirect.
    let abandoned = {
        let inlet = inlet.clone();
        tokio::spawn(async move { inlet.connect_loopback(Integration::Hubspot, |_| {}).await })
    };
    while !inlet.is_pending(Integration::Hubspot) {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (second, page) = connect(&inlet).await;
    assert!(second.is_ok(), "{second:?}");
    assert!(page.contains("connected as"), "{page}");
    assert_eq!(
        abandoned.await.unwrap().unwrap_err().code(),
        "oauth_sign_in_replaced"
    );
}
