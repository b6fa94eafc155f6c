//! With no Secret Service reachable, the store fails closed with `keychain_unavailable`.
//! Its own test binary: it points this process at a bus that does not exist.

use inlet_core::keychain::{KeychainStore, TokenStore};

#[test]
fn no_secret_service_is_a_clear_error_not_a_plaintext_fallback() {
    let dir = std::env::temp_dir().join(format!("inlet-no-bus-{}", std::process::id()));
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}/missing-bus", dir.display()),
    );
    let store = KeychainStore::new("dev.inlet.test.missing");
    let err = store.keys().unwrap_err();
    assert_eq!(err.code(), "keychain_unavailable", "{err}");
    assert!(err.to_string().contains("keychain is not available"));
    assert_eq!(err.to_body().error.as_str(), "keychain_unavailable");
}
