//! The reqwest client every request goes through, and the proxy it takes from the environment.

use std::time::Duration;

use crate::error::{CoreError, Result};

/// The reqwest client Inlet uses everywhere: rustls, no redirects (a token endpoint or API that
/// redirects is an error, not something to follow with a bearer token), a connect timeout, and a
/// total timeout for every request — 60 s, where a token endpoint answers in about one; an API
/// page sets its own, shorter one — so a stalled refresh cannot hold its connection's refresh
/// lock, and every load of it, for ever.
pub fn http_client() -> Result<reqwest::Client> {
    // reqwest's own environment proxies take no extra exclusion (loopback), so they are off and
    // the same variables are read through `proxy_for`.
    let proxy = reqwest::Proxy::custom(|url| proxy_for(url, |name| std::env::var(name).ok()))
        .no_proxy(reqwest::NoProxy::from_env());
    reqwest::Client::builder()
        .no_proxy() // the environment's proxies, but through `proxy_for` only
        .proxy(proxy)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("Inlet/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CoreError::HttpClient {
            reason: e.to_string(),
        })
}

/// The proxy the environment names for `url` (`https_proxy` for https, `http_proxy` for http,
/// else `all_proxy`; lower case first, as curl reads them) — never for this computer: traffic to
/// a loopback address (the sandbox, a sign-in's start page, a local override) goes straight,
/// whatever `NO_PROXY` says, so no proxy sees a code or a token meant for this machine.
pub fn proxy_for(url: &url::Url, var: impl Fn(&str) -> Option<String>) -> Option<url::Url> {
    if crate::config::is_loopback_host(url) {
        return None;
    }
    let named = |name: &str| {
        var(name)
            .or_else(|| var(&name.to_ascii_uppercase()))
            .filter(|v| !v.trim().is_empty())
    };
    let raw = match url.scheme() {
        "https" => named("https_proxy"),
        "http" => named("http_proxy"),
        _ => None,
    }
    .or_else(|| named("all_proxy"))?;
    // `proxy.corp:3128`, as curl and reqwest take it, is an http proxy (parsed as it is, it
    // would be a URL of scheme `proxy.corp`, or nothing).
    let raw = raw.trim();
    if raw.contains("://") {
        url::Url::parse(raw).ok()
    } else {
        url::Url::parse(&format!("http://{raw}")).ok()
    }
}
