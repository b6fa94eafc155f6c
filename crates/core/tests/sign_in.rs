//! Signing in to every provider through the real client (reqwest, oauth2, the loopback listener,
//! the deep-link completion) against the sandbox over HTTP: one suite per behaviour, each run
//! for every provider it applies to.

mod common;

use std::sync::Arc;

use common::*;
use inlet_core::keychain::MemoryStore;
use inlet_core::Integration;
use inlet_sandbox::Knobs;

#[tokio::test]
async fn every_provider_connects_and_names_its_account() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    for integration in PROVIDERS {
        let (connected, page) = connect_to(&inlet, integration).await;
        let info = connected.unwrap_or_else(|e| panic!("{integration}: {e}"));
        assert!(page.contains("connected as"), "{integration}: {page}");
        let data = sandbox.dataset();
        match integration {
            Integration::Airtable => {
                assert_eq!(info.account.id, data.airtable.user_id);
                // The optional user.email:read was granted: the card names the person.
                assert_eq!(info.account.label, data.airtable.email);
                assert!(info.scopes.contains(&"user.email:read".to_owned()));
            }
            Integration::Notion => {
                assert_eq!(info.account.label, "Sandbox Workspace");
                assert_eq!(info.account.details["bot_id"], data.notion.bot_id);
            }
            Integration::Hubspot => {
                assert_eq!(info.account.id, data.hubspot.portal_id.to_string());
                assert!(info.account.label.contains("hubspot.com"), "introspected");
                assert!(info.scopes.contains(&"crm.objects.deals.read".to_owned()));
            }
        }
    }
    let status = inlet.connections.integrations().await.unwrap();
    assert!(status.iter().all(|s| s.connected && s.account.is_some()));
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_for_every_provider() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet_all(&sandbox, "wrong-secret").await;
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
async fn denied_consent_is_a_clear_error_shown_in_the_browser_for_every_provider() {
    let sandbox = sandbox(Knobs {
        deny_consent: true,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    for integration in PROVIDERS {
        let (result, page) = connect_to(&inlet, integration).await;
        assert_eq!(
            result.unwrap_err().code(),
            "oauth_access_denied",
            "{integration}"
        );
        assert!(
            page.contains("access was not granted"),
            "{integration}: {page}"
        );
    }
    let status = inlet.connections.integrations().await.unwrap();
    assert!(!status.iter().any(|s| s.connected));
}

#[tokio::test]
async fn airtable_connects_without_the_optional_email_scope_when_the_registration_lacks_it() {
    let sandbox = sandbox(Knobs {
        airtable_email_scope_off: true,
        ..Knobs::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    // Airtable refuses a scope the integration does not enable: the first Connect says so...
    let (refused, page) = connect_to(&inlet, Integration::Airtable).await;
    let error = refused.unwrap_err();
    assert_eq!(error.code(), "oauth_access_denied");
    assert!(
        error
            .to_string()
            .contains("optional scopes user.email:read webhook:manage are not all enabled"),
        "{error}"
    );
    assert!(page.contains("Connect again"), "{page}");
    // ...and the next one goes without it: the account is named by its user id.
    let info = connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    assert_eq!(info.account.label, sandbox.dataset().airtable.user_id);
    assert!(!info.scopes.contains(&"user.email:read".to_owned()));
    assert!(!info.scopes.contains(&"webhook:manage".to_owned()));
}

#[tokio::test]
async fn forged_and_replayed_deep_links_are_refused_and_the_genuine_one_connects() {
    let sandbox = sandbox(Knobs::default()).await;
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let env = Env::of(&[("INLET_REDIRECT_URI", "inlet://oauth/callback")]);
    let inlet = start(&env, Some(demo), Arc::new(MemoryStore::default()), None).await;
    // Airtable accepts only loopback redirects; the others come back through the deep link.
    for integration in [Integration::Notion, Integration::Hubspot] {
        let (start, finished) = inlet.sign_in.begin(integration).await.unwrap();
        let callback = consent_redirect(&start.authorization_url).await;
        assert!(
            callback.starts_with("inlet://oauth/callback?code="),
            "{callback}"
        );
        let forged = callback.replace("state=", "state=forged");
        let err = inlet.sign_in.complete_deep_link(&forged).await.unwrap_err();
        assert_eq!(err.code(), "oauth_state_mismatch", "{integration}");
        let delivered = inlet.sign_in.complete_deep_link(&callback).await.unwrap();
        assert!(delivered.is_none(), "the waiting sign-in gets the outcome");
        assert_eq!(finished.await.unwrap().integration, integration);
        let replay = inlet
            .sign_in
            .complete_deep_link(&callback)
            .await
            .unwrap_err();
        assert_eq!(
            replay.code(),
            "oauth_state_mismatch",
            "{integration} replay"
        );
    }
}

#[tokio::test]
async fn a_deep_link_cannot_complete_a_sign_in_started_on_the_loopback_redirect() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    let (start, finished) = inlet.sign_in.begin(Integration::Hubspot).await.unwrap();
    let finished = tokio::spawn(finished);
    let callback = consent_redirect(&start.authorization_url).await;
    let query = url::Url::parse(&callback)
        .unwrap()
        .query()
        .unwrap()
        .to_owned();
    let err = inlet
        .sign_in
        .complete_deep_link(&format!("inlet://oauth/callback?{query}"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "oauth_invalid_callback");
    // Refused without consuming the flow: the person's own loopback callback still connects.
    reqwest::get(&callback).await.unwrap();
    let connected = finished.await.unwrap().unwrap();
    assert_eq!(connected.integration, Integration::Hubspot);
}

#[tokio::test]
async fn a_forged_loopback_callback_is_answered_and_the_genuine_one_still_connects() {
    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    for integration in PROVIDERS {
        let (start, finished) = inlet.sign_in.begin(integration).await.unwrap();
        let finished = tokio::spawn(finished);
        let callback = consent_redirect(&start.authorization_url).await;
        let forged = callback.replace("state=", "state=forged");
        let page = reqwest::get(&forged).await.unwrap().text().await.unwrap();
        assert!(
            page.contains("not one Inlet started"),
            "{integration}: {page}"
        );
        let page = reqwest::get(&callback).await.unwrap().text().await.unwrap();
        assert!(page.contains("connected as"), "{integration}: {page}");
        assert_eq!(finished.await.unwrap().unwrap().integration, integration);
    }
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
    let fixed = format!("http://127.0.0.1:{port}/oauth/callback");
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let env = Env::of(&[("INLET_REDIRECT_URI", &fixed)]);
    let inlet = start(&env, Some(demo), Arc::new(MemoryStore::default()), None).await;
    // The first sign-in's tab is closed: nobody ever visits its redirect.
    let (_, abandoned) = inlet.sign_in.begin(Integration::Hubspot).await.unwrap();
    let abandoned = tokio::spawn(abandoned);
    assert!(inlet.sign_in.is_pending(Integration::Hubspot));
    let (second, page) = connect_to(&inlet, Integration::Hubspot).await;
    assert!(second.is_ok(), "{second:?}");
    assert!(page.contains("connected as"), "{page}");
    let first = abandoned.await.unwrap().unwrap_err();
    assert_eq!(first.code(), "oauth_sign_in_replaced");
}

#[tokio::test]
async fn an_airtable_public_client_uses_pkce_and_no_secret() {
    let sandbox = sandbox(Knobs::default()).await;
    let demo = endpoint(&sandbox, inlet_sandbox::PUBLIC_CLIENT_ID, "");
    let inlet = start(
        &Env::of(&[]),
        Some(demo),
        Arc::new(MemoryStore::default()),
        None,
    )
    .await;
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
