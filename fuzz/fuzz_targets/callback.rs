//! Any text as a callback URL (loopback request or deep link): parsed or refused, never a panic,
//! and anything accepted is addressed to Inlet's own callback.
#![no_main]

use inlet_core::oauth::callback::parse_callback;
use libfuzzer_sys::fuzz_target;
use url::Url;

fuzz_target!(|raw: &str| {
    let endpoints = [
        Url::parse("http://127.0.0.1:53682/oauth/callback").unwrap(),
        Url::parse("inlet://oauth/callback").unwrap(),
    ];
    if parse_callback(raw, &endpoints).is_ok() {
        let url = Url::parse(raw.trim()).unwrap();
        assert!(url.scheme() == "inlet" || url.host_str() == Some("127.0.0.1"));
    }
});
