//! Client credentials entered in the app (kept in the keychain store, applied without a
//! restart) and several accounts per integration with one active.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::*;
use inlet_core::keychain::{MemoryStore, TokenStore};
use inlet_core::services::{ProviderSetup, SetupInput, SetupSource};
use inlet_core::{Integration, Mode, Secret};
use inlet_sandbox::Knobs;

fn setup_of(setups: &[ProviderSetup], integration: Integration) -> &ProviderSetup {
    setups
        .iter()
        .find(|s| s.integration == integration)
        .unwrap()
}

#[tokio::test]
async fn credentials_saved_in_the_app_turn_a_provider_live_and_back() {
    let sandbox = sandbox(Knobs::default()).await;
    let base = sandbox.base_url();
    // The "live" HubSpot of this test is the sandbox again, reached through the URL overrides.
    let env = [
        (
            "INLET_HUBSPOT_AUTH_URL",
            format!("{base}/hubspot/oauth/authorize"),
        ),
        (
            "INLET_HUBSPOT_TOKEN_URL",
            format!("{base}/hubspot/oauth/2026-03/token"),
        ),
        ("INLET_HUBSPOT_API_URL", format!("{base}/hubspot")),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let store = Arc::new(MemoryStore::default());
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let inlet = start(&Env::of(&env), Some(demo), store.clone(), None).await;
    let connections = &inlet.connections;
    let setups = connections.provider_setups().await.unwrap();
    assert!(setups
        .iter()
        .all(|s| s.source == SetupSource::Sandbox && s.mode == Some(Mode::Sandbox)));
    let airtable = setups
        .iter()
        .find(|s| s.integration == Integration::Airtable)
        .unwrap();
    assert!(airtable.loopback_only);
    assert_eq!(
        airtable.developer_portal,
        "https://airtable.com/create/oauth"
    );

    let input = |id: &str, secret: Option<&str>, redirect: Option<&str>| SetupInput {
        client_id: id.into(),
        client_secret: secret.map(Secret::new),
        redirect_uri: redirect.map(str::to_owned),
    };
    let err = connections
        .save_provider_setup(Integration::Hubspot, input("has space", Some("x"), None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    let err = connections
        .save_provider_setup(Integration::Hubspot, input("abc", None, None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("needs the client secret"), "{err}");
    let err = connections
        .save_provider_setup(
            Integration::Airtable,
            input("abc", None, Some("inlet://oauth/callback")),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        "invalid_argument",
        "Airtable refuses deep-link redirects"
    );

    let setups = connections
        .save_provider_setup(
            Integration::Hubspot,
            input(
                inlet_sandbox::CLIENT_ID,
                Some(inlet_sandbox::CLIENT_SECRET),
                Some("http://127.0.0.1:0/oauth/callback"),
            ),
        )
        .await
        .unwrap();
    let hubspot = setup_of(&setups, Integration::Hubspot);
    assert_eq!(
        (hubspot.source, hubspot.mode, hubspot.has_client_secret),
        (SetupSource::Keychain, Some(Mode::Live), true)
    );
    let entry = store
        .get_entry("client:hubspot")
        .unwrap()
        .expect("saved in the keychain store");
    assert!(entry.contains(inlet_sandbox::CLIENT_SECRET));
    assert!(
        !format!("{setups:?}").contains(inlet_sandbox::CLIENT_SECRET),
        "the secret never comes back out"
    );

    // Live now: the connection is made with the saved credentials.
    let info = connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    assert_eq!(info.mode, Mode::Live);
    // Saving again without a secret keeps the saved one.
    connections
        .save_provider_setup(
            Integration::Hubspot,
            input(inlet_sandbox::CLIENT_ID, None, None),
        )
        .await
        .unwrap();
    assert!(store
        .get_entry("client:hubspot")
        .unwrap()
        .unwrap()
        .contains(inlet_sandbox::CLIENT_SECRET));

    let setups = connections
        .clear_provider_setup(Integration::Hubspot)
        .await
        .unwrap();
    let hubspot = setup_of(&setups, Integration::Hubspot);
    assert_eq!(
        (hubspot.source, hubspot.mode),
        (SetupSource::Sandbox, Some(Mode::Sandbox))
    );
    let status = inlet.connections.integrations().await.unwrap();
    assert!(
        !status
            .iter()
            .find(|s| s.integration == Integration::Hubspot)
            .unwrap()
            .connected,
        "live connections are not shown in sandbox mode"
    );
}

#[tokio::test]
async fn several_accounts_per_integration_with_a_switcher() {
    let sandbox = sandbox(Knobs::default()).await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryStore::default());
    let demo = endpoint(
        &sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let inlet = start(&Env::of(&[]), Some(demo), store.clone(), None).await;
    let first = connect_to(&inlet, Integration::Hubspot).await.0.unwrap();
    // A second portal: the same connection shape under another account id.
    let mut other = store
        .get(&format!("hubspot:sandbox:{}", first.account.id))
        .unwrap()
        .unwrap();
    other.account.id = "777".into();
    other.account.label = "other portal".into();
    store.put(&other).unwrap();

    let connections = &inlet.connections;
    let hubspot = Integration::Hubspot;
    let active = || async {
        let info = connections.credentials(hubspot).await.unwrap();
        info.expect("an active account").account
    };
    assert_eq!(connections.accounts(hubspot).await.unwrap().len(), 2);
    assert_eq!(
        active().await.id,
        first.account.id,
        "the last connected is active"
    );
    connections.switch_account(hubspot, "777").await.unwrap();
    assert_eq!(active().await.label, "other portal");
    let status = connections.integrations().await.unwrap();
    let card = status.iter().find(|s| s.integration == hubspot).unwrap();
    assert_eq!(card.accounts.len(), 2);
    assert_eq!(card.account.as_ref().unwrap().id, "777");
    let err = connections
        .switch_account(hubspot, "nope")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");

    // Disconnect removes only the active account; the other one takes over.
    assert!(connections.disconnect(hubspot).await.unwrap().is_some());
    assert_eq!(connections.accounts(hubspot).await.unwrap().len(), 1);
    assert_eq!(active().await.id, first.account.id);
}
