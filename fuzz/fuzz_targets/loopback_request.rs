//! Any method, Host header and path at the loopback listener: only a GET of the callback path
//! addressed to the listener's own host:port gets through.
#![no_main]

use inlet_core::oauth::loopback::admit;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|request: (&str, Option<&str>, &str)| {
    let (method, host, path) = request;
    if admit("127.0.0.1:53682", "/oauth/callback", method, host, path).is_ok() {
        assert_eq!(method, "GET");
        assert!(host.is_some_and(|h| h.eq_ignore_ascii_case("127.0.0.1:53682")));
        assert_eq!(path.trim_end_matches('/'), "/oauth/callback");
    }
});
