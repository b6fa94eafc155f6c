//! What every request to the local API passes before MCP sees it: the `Host` is the loopback
//! address it was sent to (no DNS rebinding), no `Origin` (no browser page may call it), the
//! client proves itself — a signature over the request with its key, fresh and never seen
//! before, or its key as a bearer token where the client was made for that — and it is within
//! its client's rate. Every refusal is `{error, message, details}` with its status; every
//! request leaves one log line without content.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use hmac::{Hmac, Mac};
use inlet_core::secret::Secret;
use inlet_core::services::{LocalClient, Proof};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How far a signed request's time may be from the server's.
pub const WINDOW: Duration = Duration::from_secs(30);
/// The largest request body read (an MCP message is small).
pub const MOST_BODY: usize = 1_000_000;

/// The headers of a signed request.
pub const CLIENT: &str = "x-inlet-client";
pub const TIMESTAMP: &str = "x-inlet-timestamp";
pub const NONCE: &str = "x-inlet-nonce";
pub const SIGNATURE: &str = "x-inlet-signature";

/// A refusal, with its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `Host` is not the loopback address and port the server listens on.
    HostRefused,
    /// The request carries an `Origin` (a browser page).
    OriginRefused,
    /// No proof, an unknown client, or a wrong signature or key.
    Unauthorized,
    /// The signed time is outside the window.
    StaleRequest,
    /// This client's nonce was seen within the window.
    ReplayedRequest,
    /// Over the client's rate.
    RateLimited,
    /// The body is larger than [`MOST_BODY`].
    BodyTooLarge,
}

impl Refusal {
    /// The stable code, status and sentence.
    fn said(self) -> (&'static str, StatusCode, &'static str) {
        match self {
            Refusal::HostRefused => ("host_refused", StatusCode::FORBIDDEN, "Inlet's local API answers only requests addressed to its loopback address."),
            Refusal::OriginRefused => ("origin_refused", StatusCode::FORBIDDEN, "Inlet's local API does not answer web pages (the request has an Origin)."),
            Refusal::Unauthorized => ("unauthorized", StatusCode::UNAUTHORIZED, "Sign the request with this client's key (or send it as a bearer token if the client was added with --bearer)."),
            Refusal::StaleRequest => ("stale_request", StatusCode::UNAUTHORIZED, "The request's signed time is more than 30 seconds from this computer's clock."),
            Refusal::ReplayedRequest => ("replayed_request", StatusCode::UNAUTHORIZED, "This request was seen before: each signed request needs a nonce of its own."),
            Refusal::RateLimited => ("rate_limited", StatusCode::TOO_MANY_REQUESTS, "This client sent more requests than its rate allows; wait as Retry-After says."),
            Refusal::BodyTooLarge => ("body_too_large", StatusCode::PAYLOAD_TOO_LARGE, "The request body is larger than 1 MB."),
        }
    }

    fn response(self, retry_after: Option<u64>) -> Response {
        let (code, status, message) = self.said();
        let details = retry_after.map_or(
            serde_json::json!({}),
            |s| serde_json::json!({ "retry_after_secs": s }),
        );
        let body = serde_json::json!({ "error": code, "message": message, "details": details });
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("InletSignature, Bearer"),
            );
        }
        response
    }
}

/// The clients, the nonces seen, the rates.
pub struct Guard {
    clients: std::sync::RwLock<HashMap<String, (LocalClient, Secret)>>,
    /// (client, nonce) → when seen; forgotten after twice the window.
    seen: Mutex<HashMap<(String, String), Instant>>,
    rates: DefaultKeyedRateLimiter<String>,
    /// The `Host` values accepted (`127.0.0.1:PORT`, `localhost:PORT`).
    hosts: Vec<String>,
}

fn text<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The text a client signs: method, path and query, time, nonce, the body's SHA-256 (hex), a
/// line each.
pub fn signed_text(method: &str, path: &str, timestamp: &str, nonce: &str, body: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(body));
    format!("{method}\n{path}\n{timestamp}\n{nonce}\n{digest}")
}

fn by_name(clients: Vec<(LocalClient, Secret)>) -> HashMap<String, (LocalClient, Secret)> {
    clients.into_iter().map(|c| (c.0.name.clone(), c)).collect()
}

impl Guard {
    /// Takes `clients` instead of those it had (one added or removed while it serves).
    pub fn replace_clients(&self, clients: Vec<(LocalClient, Secret)>) {
        *self.clients.write().unwrap_or_else(|p| p.into_inner()) = by_name(clients);
    }

    /// A guard for a server on `port` with `clients`, each allowed `per_minute` requests.
    pub fn new(port: u16, clients: Vec<(LocalClient, Secret)>, per_minute: NonZeroU32) -> Self {
        Self {
            clients: std::sync::RwLock::new(by_name(clients)),
            seen: Mutex::new(HashMap::new()),
            rates: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
            hosts: ["127.0.0.1", "localhost"]
                .iter()
                .map(|h| format!("{h}:{port}"))
                .collect(),
        }
    }

    fn bearer(&self, token: &str) -> Result<String, Refusal> {
        let clients = self.clients.read().unwrap_or_else(|p| p.into_inner());
        (clients.values())
            .find(|(client, key)| {
                client.proof == Proof::Bearer
                    && bool::from(key.expose().as_bytes().ct_eq(token.as_bytes()))
            })
            .map(|(client, _)| client.name.clone())
            .ok_or(Refusal::Unauthorized)
    }

    fn signed(
        &self,
        headers: &HeaderMap,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<String, Refusal> {
        let (Some(name), Some(timestamp), Some(nonce), Some(signature)) = (
            text(headers, CLIENT),
            text(headers, TIMESTAMP),
            text(headers, NONCE),
            text(headers, SIGNATURE),
        ) else {
            return Err(Refusal::Unauthorized);
        };
        let clients = self.clients.read().unwrap_or_else(|p| p.into_inner());
        let Some((client, key)) = clients.get(name).filter(|(c, _)| c.proof == Proof::Signed)
        else {
            return Err(Refusal::Unauthorized);
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(key.expose().as_bytes())
            .map_err(|_| Refusal::Unauthorized)?;
        mac.update(signed_text(method, path, timestamp, nonce, body).as_bytes());
        let given = hex::decode(signature).map_err(|_| Refusal::Unauthorized)?;
        mac.verify_slice(&given)
            .map_err(|_| Refusal::Unauthorized)?;
        // Only a request the key signed can be stale or replayed.
        let at: i64 = timestamp.parse().map_err(|_| Refusal::StaleRequest)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        if (now - at).unsigned_abs() > WINDOW.as_secs() || nonce.is_empty() || nonce.len() > 128 {
            return Err(Refusal::StaleRequest);
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, when| when.elapsed() < WINDOW * 2);
        if seen
            .insert((client.name.clone(), nonce.to_owned()), Instant::now())
            .is_some()
        {
            return Err(Refusal::ReplayedRequest);
        }
        Ok(client.name.clone())
    }

    /// Which client sent the request (its body read whole for the signature), or why it is
    /// refused.
    fn admit(
        &self,
        headers: &HeaderMap,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<String, (Refusal, Option<u64>)> {
        let host = text(headers, header::HOST.as_str()).unwrap_or_default();
        if !self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return Err((Refusal::HostRefused, None));
        }
        if headers.contains_key(header::ORIGIN) {
            return Err((Refusal::OriginRefused, None));
        }
        let client = match text(headers, header::AUTHORIZATION.as_str())
            .and_then(|a| a.strip_prefix("Bearer "))
        {
            Some(token) => self.bearer(token.trim()),
            None => self.signed(headers, method, path, body),
        }
        .map_err(|r| (r, None))?;
        if let Err(later) = self.rates.check_key(&client) {
            let wait = later.wait_time_from(DefaultClock::default().now());
            return Err((Refusal::RateLimited, Some(wait.as_secs().max(1))));
        }
        Ok(client)
    }
}

/// The middleware: admits the request (its body put back for MCP) or answers the refusal, and
/// logs one line without content.
pub async fn check(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let method = parts.method.to_string();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let bytes: Bytes = match axum::body::to_bytes(body, MOST_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => return Refusal::BodyTooLarge.response(None),
    };
    let (client, response) = match guard.admit(&parts.headers, &method, &path, &bytes) {
        Ok(client) => {
            let request = Request::from_parts(parts, Body::from(bytes));
            (client, next.run(request).await)
        }
        Err((refusal, retry)) => ("-".to_owned(), refusal.response(retry)),
    };
    tracing::info!(
        method,
        path,
        client,
        status = response.status().as_u16(),
        ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "local API request"
    );
    response
}
