//! The paced client: proxies, Retry-After, failures and their retries.

use super::*;
use reqwest::header::{HeaderMap, HeaderValue};

#[test]
fn loopback_traffic_never_goes_through_a_proxy() {
    let env = |name: &str| match name {
        "HTTPS_PROXY" => Some("http://proxy.example:3128".to_owned()),
        "http_proxy" => Some("http://plain-proxy.example:8080".to_owned()),
        _ => None,
    };
    let proxy = |url: &str| proxy_for(&url::Url::parse(url).unwrap(), env).map(|u| u.to_string());
    assert_eq!(
        proxy("https://api.hubapi.com/crm"),
        Some("http://proxy.example:3128/".into())
    );
    assert_eq!(
        proxy("http://example.com/"),
        Some("http://plain-proxy.example:8080/".into())
    );
    for local in [
        "http://127.0.0.1:4321/hubspot",
        "http://localhost:9/x",
        "http://[::1]:9/",
    ] {
        assert_eq!(proxy(local), None, "{local}");
    }
    // Without a scheme a proxy is an http one, as curl reads it.
    for (written, meant) in [
        ("proxy.corp:3128", "http://proxy.corp:3128/"),
        ("10.0.0.1:3128", "http://10.0.0.1:3128/"),
        (" socks5://10.0.0.1:1080 ", "socks5://10.0.0.1:1080"),
    ] {
        let named = |name: &str| (name == "https_proxy").then(|| written.to_owned());
        let url = url::Url::parse("https://api.notion.com").unwrap();
        assert_eq!(
            proxy_for(&url, named).map(|u| u.to_string()).as_deref(),
            Some(meant)
        );
    }
    assert_eq!(
        proxy_for(&url::Url::parse("https://api.notion.com").unwrap(), |_| {
            None
        }),
        None
    );
}

#[test]
fn retry_after_is_read_and_capped() {
    let mut headers = HeaderMap::new();
    assert_eq!(retry_after(&headers), None);
    headers.insert("retry-after", HeaderValue::from_static("3"));
    assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
    headers.insert("retry-after", HeaderValue::from_static("86400"));
    assert_eq!(retry_after(&headers), Some(Duration::from_secs(600)));
}

#[test]
fn only_statuses_a_retry_can_fix_are_temporary() {
    for status in [408, 423, 500, 502, 503, 504] {
        assert!(is_temporary(status), "{status}");
    }
    for status in [400, 401, 403, 404, 477, 501, 505, 529] {
        assert!(!is_temporary(status), "{status} is the provider's call");
    }
}

#[test]
fn error_messages_are_read_from_hubspot_and_nested_bodies() {
    assert_eq!(
        error_message(br#"{"status":"error","message":"Nope"}"#).as_deref(),
        Some("Nope")
    );
    assert_eq!(
        error_message(br#"{"error":{"message":"Deep"}}"#).as_deref(),
        Some("Deep")
    );
    assert_eq!(error_message(b"<html>"), None);
}
