//! The RFC 8252 loopback redirect: a tiny HTTP listener on the configured loopback host, port and
//! path, alive only while one sign-in is pending. Each callback request is handed to the flow,
//! and the browser tab is told whether the connection succeeded, or why not.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::Html;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::is_loopback_host;
use crate::error::{CoreError, Result};

/// What the flow tells the browser after handling a callback: the account connected, or why not.
pub type CallbackReply = std::result::Result<String, String>;

/// One request that reached the callback path: its full URL and where to send the verdict.
pub struct CallbackRequest {
    /// The full callback URL, rebuilt from the request (contains the code: never log it).
    pub url: String,
    /// Where the flow answers, so the browser page can say how it went.
    pub reply: oneshot::Sender<CallbackReply>,
}

/// A bound loopback listener. Dropping it stops the server.
pub struct LoopbackListener {
    redirect_uri: Url,
    requests: mpsc::Receiver<CallbackRequest>,
    stop: CancellationToken,
    servers: Vec<tokio::task::JoinHandle<()>>,
}

#[derive(Clone)]
struct ListenerState {
    /// The `Host` a browser following the redirect sends: the redirect URI's host and port.
    host: String,
    base: Url,
    path: String,
    sender: mpsc::Sender<CallbackRequest>,
}

impl LoopbackListener {
    /// Binds the host and port of `redirect_uri` (port 0 picks a free one) on loopback only.
    pub async fn bind(redirect_uri: &Url) -> Result<Self> {
        if redirect_uri.scheme() != "http" || !is_loopback_host(redirect_uri) {
            return Err(CoreError::invalid_argument(
                "The loopback redirect URI must be http:// on localhost, 127.0.0.1 or [::1].",
            ));
        }
        let port = redirect_uri.port_or_known_default().unwrap_or(80);
        let addresses: Vec<IpAddr> = match redirect_uri.host() {
            Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
            Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
            _ => vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ],
        };
        let first = SocketAddr::new(addresses[0], port);
        let primary =
            TcpListener::bind(first)
                .await
                .map_err(|e| CoreError::LoopbackUnavailable {
                    address: first.to_string(),
                    reason: if e.kind() == std::io::ErrorKind::AddrInUse {
                        "the port is in use by another program (is another sign-in open?)"
                            .to_owned()
                    } else {
                        e.to_string()
                    },
                })?;
        let bound_port = primary.local_addr().map(|a| a.port()).unwrap_or(port);
        let mut listeners = vec![primary];
        for extra in addresses.iter().skip(1) {
            // `localhost` may resolve to ::1 in the browser: that address must be ours too. If
            // another program holds it, the browser could hand it the code — so that is fatal;
            // only a machine without the address at all (no IPv6) is served without it.
            let address = SocketAddr::new(*extra, bound_port);
            match TcpListener::bind(address).await {
                Ok(l) => listeners.push(l),
                Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => {}
                Err(e) => {
                    return Err(CoreError::LoopbackUnavailable {
                        address: address.to_string(),
                        reason: format!(
                            "another program holds this address of localhost, so the browser could hand it the sign-in ({e})"
                        ),
                    })
                }
            }
        }
        let mut actual = redirect_uri.clone();
        let _ = actual.set_port(Some(bound_port));
        let (sender, requests) = mpsc::channel(8);
        let stop = CancellationToken::new();
        let state = ListenerState {
            host: format!("{}:{bound_port}", actual.host_str().unwrap_or_default())
                .to_ascii_lowercase(),
            base: actual.clone(),
            path: normalized_path(actual.path()),
            sender,
        };
        let mut servers = Vec::new();
        for listener in listeners {
            let app = Router::new().fallback(handle).with_state(state.clone());
            let stop = stop.clone();
            servers.push(tokio::spawn(async move {
                let served = axum::serve(listener, app)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await;
                if let Err(e) = served {
                    tracing::warn!(error = %e, "loopback listener stopped");
                }
            }));
        }
        tracing::info!(port = bound_port, "loopback redirect listener started");
        Ok(Self {
            redirect_uri: actual,
            requests,
            stop,
            servers,
        })
    }

    /// The redirect URI with the port actually bound.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Stops listening after the pages being served have reached the browser (so a CLI that
    /// exits right after does not cut the "connected" page off), waiting two seconds at most.
    pub async fn close(mut self) {
        self.stop.cancel();
        for server in std::mem::take(&mut self.servers) {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), server).await;
        }
    }

    /// Waits for the next request on the callback path.
    pub async fn next(&mut self) -> Option<CallbackRequest> {
        self.requests.recv().await
    }
}

impl Drop for LoopbackListener {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn normalized_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Why the listener turned a request away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `Host` is not the redirect URI's own host and port (DNS rebinding, a probe).
    WrongHost,
    /// Not a GET.
    WrongMethod,
    /// Not the callback path.
    WrongPath,
}

impl Refusal {
    fn answer(self) -> (StatusCode, &'static str, &'static str) {
        match self {
            Refusal::WrongHost => (
                StatusCode::MISDIRECTED_REQUEST,
                "Refused",
                "This request is not addressed to Inlet.",
            ),
            Refusal::WrongMethod => (
                StatusCode::METHOD_NOT_ALLOWED,
                "Refused",
                "A sign-in comes back with GET only.",
            ),
            Refusal::WrongPath => (
                StatusCode::NOT_FOUND,
                "Not found",
                "This address is not an Inlet sign-in callback.",
            ),
        }
    }
}

/// Whether a request may reach the sign-in: only what a browser following the redirect sends — a
/// GET of the callback path, addressed to the redirect URI's own `host:port` (`expected_host`,
/// lower case; a page that rebinds its DNS name to 127.0.0.1 sends its own name). Pure, for the
/// property tests and the fuzzer.
pub fn admit(
    expected_host: &str,
    expected_path: &str,
    method: &str,
    host: Option<&str>,
    path: &str,
) -> Result<(), Refusal> {
    if !host.is_some_and(|h| h.eq_ignore_ascii_case(expected_host)) {
        return Err(Refusal::WrongHost);
    }
    if method != "GET" {
        return Err(Refusal::WrongMethod);
    }
    if normalized_path(path) != expected_path {
        return Err(Refusal::WrongPath);
    }
    Ok(())
}

async fn handle(
    State(state): State<ListenerState>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> (StatusCode, Html<String>) {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if let Err(refusal) = admit(&state.host, &state.path, method.as_str(), host, uri.path()) {
        let (status, title, message) = refusal.answer();
        return (status, Html(page(title, message, false)));
    }
    let mut url = state.base.clone();
    url.set_query(uri.query());
    let (reply, verdict) = oneshot::channel();
    if state
        .sender
        .send(CallbackRequest {
            url: url.to_string(),
            reply,
        })
        .await
        .is_err()
    {
        return (
            StatusCode::GONE,
            Html(page(
                "Sign-in closed",
                "Inlet is no longer waiting for this sign-in. Start the connection again.",
                false,
            )),
        );
    }
    match verdict.await {
        Ok(Ok(account)) => (
            StatusCode::OK,
            Html(page(
                "Connected",
                &format!("Inlet is now connected as {account}. You can close this tab."),
                true,
            )),
        ),
        Ok(Err(error)) => (
            StatusCode::BAD_REQUEST,
            Html(page(
                "Not connected",
                &format!("{error} You can close this tab."),
                false,
            )),
        ),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(page(
                "Not connected",
                "Inlet stopped before finishing. You can close this tab.",
                false,
            )),
        ),
    }
}

/// The page shown in the browser tab; `message` is escaped.
fn page(title: &str, message: &str, ok: bool) -> String {
    let color = if ok { "#0a7d38" } else { "#b3261e" };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Inlet · {title}</title>\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<style>body{{font:16px system-ui,sans-serif;max-width:34rem;margin:15vh auto;padding:0 1rem;color:#222}}\
h1{{color:{color};font-size:1.4rem}}</style></head><body><h1>{}</h1><p>{}</p></body></html>",
        escape(title),
        escape(message)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_provider_text() {
        let html = page("Not connected", "<script>alert(1)</script>", false);
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
    }

    #[tokio::test]
    async fn refuses_non_loopback_hosts() {
        let err = LoopbackListener::bind(&Url::parse("http://example.org:1/cb").unwrap())
            .await
            .err()
            .unwrap();
        assert_eq!(err.code(), "invalid_argument");
    }

    #[tokio::test]
    async fn a_port_in_use_is_a_clear_error() {
        let first = LoopbackListener::bind(&Url::parse("http://127.0.0.1:0/cb").unwrap())
            .await
            .unwrap();
        let taken = first.redirect_uri().clone();
        let err = LoopbackListener::bind(&taken).await.err().unwrap();
        assert_eq!(err.code(), "loopback_unavailable");
    }

    #[tokio::test]
    async fn only_a_get_addressed_to_the_redirect_host_reaches_the_flow() {
        let listener =
            LoopbackListener::bind(&Url::parse("http://127.0.0.1:0/oauth/callback").unwrap())
                .await
                .unwrap();
        let url = format!("{}?code=abc&state=xyz", listener.redirect_uri());
        let client = reqwest::Client::new();
        let posted = client.post(&url).send().await.unwrap();
        assert_eq!(posted.status(), 405);
        let rebound = client
            .get(&url)
            .header("Host", "evil.example:80")
            .send()
            .await
            .unwrap();
        assert_eq!(rebound.status(), 421);
        drop(listener);
    }

    #[tokio::test]
    async fn hands_callbacks_over_and_shows_the_verdict() {
        let mut listener =
            LoopbackListener::bind(&Url::parse("http://127.0.0.1:0/oauth/callback").unwrap())
                .await
                .unwrap();
        let url = format!("{}?code=abc&state=xyz", listener.redirect_uri());
        let browser = tokio::spawn(async move {
            let other = reqwest::get(url.replace("/oauth/callback", "/favicon.ico"))
                .await
                .unwrap();
            assert_eq!(other.status(), 404);
            let response = reqwest::get(url).await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        });
        let request = listener.next().await.unwrap();
        assert!(request.url.ends_with("/oauth/callback?code=abc&state=xyz"));
        request.reply.send(Ok("portal 42".into())).ok();
        let (status, body) = browser.await.unwrap();
        assert_eq!(status, 200);
        assert!(body.contains("connected as portal 42"));
        assert!(body.contains("close this tab"));
    }
}
