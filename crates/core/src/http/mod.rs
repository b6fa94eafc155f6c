//! The one HTTP path every loader uses: pace first, then send with the bearer token, refresh once
//! on a 401, and retry 429s (honouring Retry-After and HubSpot's rate-limit headers), 5xx,
//! timeouts and dropped connections with full-jitter backoff.

pub mod breaker;
pub mod pacer;
pub mod retry;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{CoreError, Result};
use crate::item::Integration;
use crate::providers::table::spec;
use crate::secret::Secret;
pub use breaker::Breaker;
pub use pacer::Pacer;
pub use retry::RetryPolicy;

/// Hands out a valid access token, and a fresh one after the provider rejected one.
#[async_trait]
pub trait AccessTokens: Send + Sync {
    /// A token valid for at least the refresh margin (refreshing first if needed).
    async fn current(&self) -> Result<Secret>;
    /// A token other than `rejected` (refreshing unless another caller already did).
    async fn after_rejection(&self, rejected: &Secret) -> Result<Secret>;
}

/// The reqwest client Inlet uses everywhere: rustls, no redirects (a token endpoint or API that
/// redirects is an error, not something to follow with a bearer token), a connect timeout.
pub fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("Inlet/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| CoreError::invalid_argument(format!("could not build the HTTP client: {e}")))
}

/// A paced, retrying JSON client for one provider, behind the provider's circuit breaker.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    integration: Integration,
    pacer: Pacer,
    pace_key: String,
    breaker: Arc<Breaker>,
    policy: RetryPolicy,
    on_rate_limit: Option<RateLimitHook>,
}

/// Told how long a rate limit makes a request wait, so the UI can say so.
pub type RateLimitHook = Arc<dyn Fn(Duration) + Send + Sync>;

enum Failure {
    /// Worth another attempt after `wait` (None: use the backoff schedule).
    Retry {
        wait: Option<Duration>,
        error: CoreError,
    },
    /// Final.
    Fatal(CoreError),
}

impl ApiClient {
    /// A client sharing `pacer`'s budget and `breaker`.
    pub fn new(
        http: reqwest::Client,
        integration: Integration,
        pacer: Pacer,
        breaker: Arc<Breaker>,
        policy: RetryPolicy,
    ) -> Self {
        Self {
            http,
            integration,
            pacer,
            pace_key: String::new(),
            breaker,
            policy,
            on_rate_limit: None,
        }
    }

    /// The same client, reporting rate-limit waits to `hook`.
    pub fn with_rate_limit_hook(self, hook: RateLimitHook) -> Self {
        Self {
            on_rate_limit: Some(hook),
            ..self
        }
    }

    /// The same client, paced under its own budget `key` (Airtable: one per base).
    pub fn keyed(&self, key: &str) -> Self {
        Self {
            pace_key: key.to_owned(),
            ..self.clone()
        }
    }

    /// Sends the request `build` makes (called again for every attempt) and decodes the JSON body.
    pub async fn json<T: DeserializeOwned>(
        &self,
        tokens: &dyn AccessTokens,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<T> {
        let started = Instant::now();
        let mut token = tokens.current().await?;
        let mut refreshed = false;
        let mut retries = 0u32;
        let provider_headers = spec(self.integration).api_headers;
        loop {
            self.breaker.allow(Instant::now())?;
            self.pacer.ready(&self.pace_key).await;
            let mut request = build(&self.http)
                .bearer_auth(token.expose())
                .timeout(self.policy.request_timeout);
            for (name, value) in provider_headers {
                request = request.header(*name, *value);
            }
            let outcome = match request.send().await {
                Ok(response) if response.status() == StatusCode::UNAUTHORIZED && !refreshed => {
                    tracing::info!(integration = %self.integration, "401: refreshing the access token once");
                    token = tokens.after_rejection(&token).await?;
                    refreshed = true;
                    continue;
                }
                Ok(response) => self.read(response).await,
                Err(e) => Err(self.transport_failure(&e)),
            };
            let (wait, error) = match outcome {
                Ok(value) => {
                    self.breaker.success();
                    return Ok(value);
                }
                Err(Failure::Fatal(error)) => {
                    self.breaker.success();
                    return Err(error);
                }
                Err(Failure::Retry { wait, error }) => {
                    if matches!(error, CoreError::RateLimited { .. }) {
                        self.breaker.success();
                    } else {
                        self.breaker.failure(Instant::now());
                    }
                    (wait, error)
                }
            };
            let wait = wait.unwrap_or_else(|| self.policy.backoff(retries));
            retries += 1;
            if retries >= self.policy.max_attempts
                || started.elapsed() + wait > self.policy.max_total_wait
            {
                tracing::warn!(integration = %self.integration, code = error.code(), retries, "giving up");
                return Err(error);
            }
            tracing::debug!(integration = %self.integration, code = error.code(), ?wait, retries, "retrying");
            if let (CoreError::RateLimited { .. }, Some(hook)) = (&error, &self.on_rate_limit) {
                hook(wait);
            }
            tokio::time::sleep(wait).await;
        }
    }

    async fn read<T: DeserializeOwned>(
        &self,
        response: Response,
    ) -> std::result::Result<T, Failure> {
        let integration = self.integration;
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => return Err(self.transport_failure(&e)),
        };
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| {
                Failure::Fatal(CoreError::InvalidResponse {
                    integration,
                    reason: e.to_string(),
                })
            });
        }
        let message = error_message(&body)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
        match status.as_u16() {
            429 => {
                let wait = rate_limit_wait(&headers)
                    .or(spec(integration).rate_limit_lockout)
                    .map(|w| w.min(self.policy.max_rate_limit_wait));
                let error = CoreError::RateLimited {
                    integration,
                    retry_after_secs: wait.map(|w| w.as_secs().max(1)),
                };
                Err(Failure::Retry { wait, error })
            }
            // 423 Locked, HubSpot's 477 Migration in Progress and Notion's 529 overload are temporary.
            423 | 477 | 500..=599 => Err(Failure::Retry {
                wait: retry_after(&headers),
                error: CoreError::ProviderUnavailable {
                    integration,
                    reason: format!("HTTP {}: {message}", status.as_u16()),
                },
            }),
            code => Err(Failure::Fatal(CoreError::ProviderHttp {
                integration,
                status: code,
                message,
            })),
        }
    }

    fn transport_failure(&self, error: &reqwest::Error) -> Failure {
        let reason = if error.is_timeout() {
            "the request timed out"
        } else if error.is_connect() {
            "could not connect"
        } else {
            "the connection dropped"
        };
        Failure::Retry {
            wait: None,
            error: CoreError::ProviderUnavailable {
                integration: self.integration,
                reason: reason.to_owned(),
            },
        }
    }
}

/// The provider's own explanation in an error body (`message`, or `error.message`).
fn error_message(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let message = json
        .get("message")
        .or_else(|| json.get("error").and_then(|e| e.get("message")))
        .and_then(|m| m.as_str())?;
    Some(message.chars().take(300).collect())
}

fn header_u64(headers: &reqwest::header::HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    header_u64(headers, "retry-after").map(|s| Duration::from_secs(s.min(600)))
}

/// How long a 429 asks Inlet to wait: `Retry-After`, else HubSpot's rolling-window interval when
/// its remaining budget is spent, else the backoff schedule.
fn rate_limit_wait(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    retry_after(headers).or_else(|| {
        let remaining = header_u64(headers, "x-hubspot-ratelimit-remaining")?;
        let interval = header_u64(headers, "x-hubspot-ratelimit-interval-milliseconds")?;
        (remaining == 0).then(|| Duration::from_millis(interval.min(60_000)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn rate_limit_waits_come_from_the_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(rate_limit_wait(&headers), None);
        headers.insert(
            "x-hubspot-ratelimit-remaining",
            HeaderValue::from_static("0"),
        );
        headers.insert(
            "x-hubspot-ratelimit-interval-milliseconds",
            HeaderValue::from_static("10000"),
        );
        assert_eq!(rate_limit_wait(&headers), Some(Duration::from_secs(10)));
        headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(rate_limit_wait(&headers), Some(Duration::from_secs(3)));
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
}
