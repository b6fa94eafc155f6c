//! A one-time start page: the browser is opened on `http://127.0.0.1:<port>/start/<nonce>`,
//! which forwards to the provider's authorization URL. The URL on a command line (the opener's,
//! the browser's), which every local user can read in `/proc`, then carries only the nonce — never
//! the sign-in's `state` or PKCE challenge. The page forwards once; a second request (another
//! program that read the nonce) stops the sign-in, so a state seen that way is worth nothing.

use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use rand::RngCore;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::error::{CoreError, Result};

/// A served start page; dropping it stops the server.
pub struct StartPage {
    url: String,
    stop: CancellationToken,
    reused: CancellationToken,
}

struct PageState {
    host: String,
    path: String,
    target: String,
    opened: AtomicBool,
    reused: CancellationToken,
}

impl StartPage {
    /// Serves a page on a free port of 127.0.0.1 that forwards once to `authorization_url`.
    pub async fn serve(authorization_url: &str) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|e| {
            CoreError::LoopbackUnavailable {
                address: "127.0.0.1:0".into(),
                reason: e.to_string(),
            }
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| CoreError::LoopbackUnavailable {
                address: "127.0.0.1:0".into(),
                reason: e.to_string(),
            })?
            .port();
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let path = format!("/start/{nonce}");
        let (stop, reused) = (CancellationToken::new(), CancellationToken::new());
        let state = Arc::new(PageState {
            host: format!("127.0.0.1:{port}"),
            path: path.clone(),
            target: authorization_url.to_owned(),
            opened: AtomicBool::new(false),
            reused: reused.clone(),
        });
        let app = Router::new().fallback(forward).with_state(state);
        let stopped = stop.clone();
        tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(stopped.cancelled_owned())
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "start page stopped");
            }
        });
        Ok(Self {
            url: format!("http://127.0.0.1:{port}{path}"),
            stop,
            reused,
        })
    }

    /// The address to open in the browser (no secret in it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Resolves when the page was asked for a second time: the sign-in must stop.
    pub async fn reused(&self) {
        self.reused.cancelled().await;
    }
}

impl Drop for StartPage {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn forward(
    State(state): State<Arc<PageState>>,
    method: Method,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    // Probes and pages elsewhere in the browser (a wrong host, path or method) are turned away
    // without touching the sign-in.
    if !host.is_some_and(|h| h.eq_ignore_ascii_case(&state.host)) {
        return StatusCode::MISDIRECTED_REQUEST.into_response();
    }
    if uri.path() != state.path {
        return StatusCode::NOT_FOUND.into_response();
    }
    if method != Method::GET {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    if state.opened.swap(true, Ordering::SeqCst) {
        tracing::warn!("the sign-in's start page was opened a second time; the sign-in is stopped");
        state.reused.cancel();
        return (
            StatusCode::GONE,
            Html("<!doctype html><meta charset=utf-8><title>Inlet</title><p>This sign-in page was already opened, so Inlet stopped the sign-in. Start the connection again from Inlet.</p>"),
        )
            .into_response();
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, state.target.as_str()),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn forwards_once_and_a_second_opening_stops_the_sign_in() {
        let target = "https://provider.example/authorize?state=s3cret&code_challenge=c";
        let page = StartPage::serve(target).await.unwrap();
        assert!(
            !page.url().contains("s3cret"),
            "the state is not in what is opened"
        );
        assert!(page.url().starts_with("http://127.0.0.1:"));
        // Probes: another path, another method, another Host — none counts as the opening.
        let base = page.url().rsplit_once("/start/").unwrap().0.to_owned();
        assert_eq!(
            client()
                .get(format!("{base}/start/guess"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            client().post(page.url()).send().await.unwrap().status(),
            405
        );
        let rebound = client()
            .get(page.url())
            .header("host", "evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(rebound.status(), 421);
        let first = client().get(page.url()).send().await.unwrap();
        assert_eq!(first.status(), 303);
        assert_eq!(first.headers()["location"], target);
        let reused = tokio::time::timeout(std::time::Duration::from_millis(50), page.reused());
        assert!(reused.await.is_err(), "one opening stops nothing");
        let second = client().get(page.url()).send().await.unwrap();
        assert_eq!(second.status(), 410);
        assert!(!second.text().await.unwrap().contains("s3cret"));
        tokio::time::timeout(std::time::Duration::from_secs(1), page.reused())
            .await
            .expect("the second opening stops the sign-in");
    }
}
