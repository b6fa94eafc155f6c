//! The keychain store against a real Secret Service. `make test` runs these inside a private
//! D-Bus session with an unlocked gnome-keyring (`scripts/with-keyring.sh`); plain `cargo test`
//! skips them because they need that session.

mod common;

use std::sync::Arc;

use common::consent_redirect;

use inlet_core::keychain::{KeychainStore, StoredConnection, TokenStore};
use inlet_core::{Integration, Secret};

fn namespace(test: &str) -> String {
    format!("dev.inlet.test.{test}.{}", std::process::id())
}

fn connection(account: &str, access: &str) -> StoredConnection {
    let mut connection = inlet_core::fixtures::connection(Integration::Hubspot, account);
    connection.access_token = Secret::new(access);
    connection.refresh_token = Some(Secret::new("refresh-secret"));
    connection
}

#[test]
#[ignore = "needs a Secret Service: run through `make test`"]
fn connections_round_trip_through_the_secret_service() {
    let store = KeychainStore::new(namespace("roundtrip"));
    store.probe().expect("the keychain answers");
    store.put(&connection("1", "access-one")).unwrap();
    store.put(&connection("2", "access-two")).unwrap();
    let mut keys = store.keys().unwrap();
    keys.sort();
    assert_eq!(keys, vec!["hubspot:sandbox:1", "hubspot:sandbox:2"]);
    let one = store.get("hubspot:sandbox:1").unwrap().unwrap();
    assert_eq!(one.access_token.expose(), "access-one");
    assert_eq!(one.refresh_token.unwrap().expose(), "refresh-secret");

    // Replacing keeps one entry; deleting removes it from the index too.
    store.put(&connection("1", "access-rotated")).unwrap();
    assert_eq!(
        store
            .get("hubspot:sandbox:1")
            .unwrap()
            .unwrap()
            .access_token
            .expose(),
        "access-rotated"
    );
    store.delete("hubspot:sandbox:1").unwrap();
    store.delete("hubspot:sandbox:1").unwrap();
    assert_eq!(store.keys().unwrap(), vec!["hubspot:sandbox:2"]);
    assert!(store.get("hubspot:sandbox:1").unwrap().is_none());
    store.delete("hubspot:sandbox:2").unwrap();
}

/// Two stores standing for the app and the CLI (each opening the index's lock file itself, as
/// two processes do) saving at once: every connection stays in the index.
#[test]
#[ignore = "needs a Secret Service: run through `make test`"]
fn saves_at_once_from_two_processes_keep_every_entry_in_the_index() {
    let service = namespace("index");
    let locks = tempfile::tempdir().unwrap();
    let lock = locks.path().join("index.lock");
    let savers: Vec<_> = (0..2)
        .map(|process| {
            let store = KeychainStore::new(service.clone()).with_index_lock(lock.clone());
            std::thread::spawn(move || {
                for n in 0..8 {
                    store
                        .put(&connection(&format!("{process}-{n}"), "access"))
                        .unwrap();
                }
            })
        })
        .collect();
    for saver in savers {
        saver.join().unwrap();
    }
    let store = KeychainStore::new(service);
    let mut keys = store.keys().unwrap();
    keys.sort();
    assert_eq!(keys.len(), 16, "{keys:?}");
    for key in keys {
        store.delete(&key).unwrap();
    }
    assert!(store.keys().unwrap().is_empty());
}

/// A process stuck while holding the index lock does not hang this one: a new connection fails
/// after the wait, saying why, and writes nothing; a connection already listed (a refresh's
/// rotated pair) is saved at once, without the lock.
#[test]
#[ignore = "needs a Secret Service: run through `make test`"]
fn a_held_index_lock_fails_a_new_entry_after_the_wait_and_never_holds_up_a_refresh() {
    let service = namespace("held");
    let locks = tempfile::tempdir().unwrap();
    let lock = locks.path().join("index.lock");
    let store = KeychainStore::new(service.clone())
        .with_index_lock(lock.clone())
        .waiting_at_most(std::time::Duration::from_millis(200));
    store.put(&connection("1", "access-first")).unwrap();
    let holder = inlet_core::private_files::open_lock_file(&lock).unwrap();
    holder.lock().unwrap();
    store.put(&connection("1", "access-rotated")).unwrap();
    let saved = store.get("hubspot:sandbox:1").unwrap().unwrap();
    assert_eq!(saved.access_token.expose(), "access-rotated");
    let error = store.put(&connection("2", "access")).unwrap_err();
    assert_eq!(error.code(), "keychain_error", "{error}");
    assert!(
        error.to_string().contains("another Inlet process"),
        "{error}"
    );
    assert!(
        store.get("hubspot:sandbox:2").unwrap().is_none(),
        "nothing written"
    );
    assert_eq!(store.keys().unwrap(), vec!["hubspot:sandbox:1"]);
    drop(holder);
    store.delete("hubspot:sandbox:1").unwrap();
    assert!(store.keys().unwrap().is_empty());
}

#[test]
#[ignore = "needs a Secret Service: run through `make test`"]
fn the_secret_is_really_in_the_secret_service() {
    let service = namespace("visible");
    let store = KeychainStore::new(service.clone());
    store
        .put(&connection("9", "access-visible-to-secret-tool"))
        .unwrap();
    // Read it back with a different client (libsecret's secret-tool) to prove it is stored by
    // the OS keychain, not in Inlet's memory.
    let output = std::process::Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            &service,
            "username",
            "connection:hubspot:sandbox:9",
        ])
        .output()
        .expect("secret-tool runs");
    let stored = String::from_utf8_lossy(&output.stdout);
    assert!(
        stored.contains("access-visible-to-secret-tool"),
        "secret-tool saw: {stored:?}"
    );
    store.delete("hubspot:sandbox:9").unwrap();
}

#[tokio::test]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn a_full_connect_and_load_keeps_tokens_in_the_keychain() {
    let sandbox = inlet_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(KeychainStore::new(namespace("flow")));
    let demo = inlet_core::SandboxEndpoint {
        base: url::Url::parse(&sandbox.base_url()).unwrap(),
        client_id: inlet_sandbox::CLIENT_ID.into(),
        client_secret: Secret::new(inlet_sandbox::CLIENT_SECRET),
    };
    let env = [("INLET_REDIRECT_URI", "inlet://oauth/callback")];
    let inlet = inlet_core::Inlet::start(inlet_core::services::StartOptions {
        store: Some(store.clone()),
        demo: Some(Arc::new(demo)),
        ..inlet_core::services::StartOptions::new(&env)
    })
    .await
    .unwrap();
    let (start, finished) = inlet.sign_in.begin(Integration::Hubspot).await.unwrap();
    let callback = consent_redirect(&start.authorization_url).await;
    inlet.sign_in.complete_deep_link(&callback).await.unwrap();
    finished.await.unwrap();
    let key = store.keys().unwrap().pop().expect("one connection stored");
    assert!(store
        .get(&key)
        .unwrap()
        .unwrap()
        .access_token
        .expose()
        .starts_with("access-"));
    let result = inlet
        .loader
        .load(Integration::Hubspot, Arc::new(|_| {}))
        .await
        .unwrap();
    assert_eq!(
        result.items.len(),
        common::portal::hubspot_ids(&sandbox.dataset().hubspot).len()
    );
    inlet
        .connections
        .disconnect(Integration::Hubspot)
        .await
        .unwrap();
    assert!(store.keys().unwrap().is_empty());
}
