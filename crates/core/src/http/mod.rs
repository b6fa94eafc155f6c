//! The one HTTP path every provider call uses: pace first, then send with the bearer token,
//! refresh once on a 401, and retry 429s (honouring Retry-After and what the provider's
//! [`ApiDialect`] reads from its own headers), temporary 5xx, timeouts and dropped connections
//! with full-jitter backoff, behind the provider's circuit breaker. Nothing here names a provider.

mod body;
pub mod breaker;
pub mod pacer;
pub mod retry;
pub mod window;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::secret::Secret;
use crate::spec::ProviderSpec;
pub use body::{read_capped, BodyError, API_BODY_CAP, TOKEN_BODY_CAP};
pub use breaker::Breaker;
pub use pacer::Pacer;
pub use retry::RetryPolicy;
pub use window::{RollingWindow, WindowReport};

/// Hands out a valid access token, and a fresh one after the provider rejected one.
#[async_trait]
pub trait AccessTokens: Send + Sync {
    /// A token valid for at least the refresh margin (refreshing first if needed).
    async fn current(&self) -> Result<Secret>;
    /// A token other than `rejected` (refreshing unless another caller already did).
    async fn after_rejection(&self, rejected: &Secret) -> Result<Secret>;
}

/// A token that is used as it is, never refreshed: one just issued, to look up its account.
pub struct FixedToken {
    /// Whose token it is.
    pub integration: Integration,
    /// The token.
    pub token: Secret,
}

#[async_trait]
impl AccessTokens for FixedToken {
    async fn current(&self) -> Result<Secret> {
        Ok(self.token.clone())
    }

    async fn after_rejection(&self, _rejected: &Secret) -> Result<Secret> {
        Err(CoreError::ProviderHttp {
            integration: self.integration,
            status: 401,
            message: "the provider refused the access token it had just issued".into(),
        })
    }
}

/// What one provider's API says beyond plain HTTP. Each provider module implements it; the
/// defaults are the standard meanings.
pub trait ApiDialect: Send + Sync {
    /// Whether a status other than 408, 429, 500, 502, 503 and 504 means "try again later"
    /// (HubSpot's 477 Migration in Progress, Notion's 529 overload).
    fn is_temporary(&self, _status: u16) -> bool {
        false
    }

    /// How long a 429 without `Retry-After` asks to wait, read from the provider's own headers.
    fn rate_limit_wait(&self, _headers: &reqwest::header::HeaderMap) -> Option<Duration> {
        None
    }

    /// Whether a 429's body says the limit will not lift within a load (HubSpot's daily quota).
    fn rate_limit_is_final(&self, _body: &[u8]) -> bool {
        false
    }

    /// What an answer's headers say of the provider's rolling window (HubSpot's
    /// `X-HubSpot-RateLimit-*`).
    fn window_report(&self, _headers: &reqwest::header::HeaderMap) -> Option<WindowReport> {
        None
    }
}

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

/// A paced, retrying JSON client for one provider, behind the provider's circuit breaker.
#[derive(Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    integration: Integration,
    spec: &'static ProviderSpec,
    dialect: &'static dyn ApiDialect,
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
    /// A client for the provider `spec` describes, speaking its `dialect`, sharing `pacer`'s
    /// budget and `breaker`.
    pub fn new(
        http: reqwest::Client,
        spec: &'static ProviderSpec,
        dialect: &'static dyn ApiDialect,
        pacer: Pacer,
        breaker: Arc<Breaker>,
        policy: RetryPolicy,
    ) -> Self {
        Self {
            http,
            integration: spec.integration,
            spec,
            dialect,
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

    /// Sends the request `build` makes (called again for every attempt) with the bearer token
    /// and decodes the JSON body.
    pub async fn json<T: DeserializeOwned>(
        &self,
        tokens: &dyn AccessTokens,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<T> {
        self.send(Some(tokens), build).await
    }

    /// The same path for a request that authenticates itself (HubSpot's token introspection
    /// carries the client credentials in its form).
    pub async fn json_without_token<T: DeserializeOwned>(
        &self,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<T> {
        self.send(None, build).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        tokens: Option<&dyn AccessTokens>,
        build: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<T> {
        let started = Instant::now();
        let mut token = match tokens {
            Some(tokens) => Some(tokens.current().await?),
            None => None,
        };
        let mut refreshed = false;
        let mut retries = 0u32;
        let (mut rate_waited, mut rate_retries) = (Duration::ZERO, 0u32);
        loop {
            self.breaker.allow(tokio::time::Instant::now())?;
            // Settled by success() / failure() below; dropped unsettled (a cancelled load) it
            // gives a half-open probe back.
            let attempt = Attempt {
                breaker: &self.breaker,
                settled: false,
            };
            self.pacer.ready(&self.pace_key).await;
            let mut request = build(&self.http).timeout(self.policy.request_timeout);
            if let Some(token) = &token {
                request = request.bearer_auth(token.expose());
            }
            for (name, value) in self.spec.api_headers {
                request = request.header(*name, *value);
            }
            let outcome = match (request.send().await, tokens, &token) {
                (Ok(response), Some(tokens), Some(rejected))
                    if response.status() == StatusCode::UNAUTHORIZED && !refreshed =>
                {
                    // The provider answered: it is up, whatever it thinks of the token.
                    attempt.settle(|b| b.success());
                    tracing::info!(integration = %self.integration, "401: refreshing the access token once");
                    token = Some(tokens.after_rejection(rejected).await?);
                    refreshed = true;
                    continue;
                }
                (Ok(response), ..) => self.read(response).await,
                (Err(e), ..) => Err(self.transport_failure(&e)),
            };
            let (wait, error) = match outcome {
                Ok(value) => {
                    attempt.settle(|b| b.success());
                    return Ok(value);
                }
                Err(Failure::Fatal(error)) => {
                    attempt.settle(|b| b.success());
                    return Err(error);
                }
                Err(Failure::Retry { wait, error }) => {
                    if matches!(error, CoreError::RateLimited { .. }) {
                        attempt.settle(|b| b.success());
                    } else {
                        attempt.settle(|b| b.failure(tokio::time::Instant::now()));
                    }
                    (wait, error)
                }
            };
            if let CoreError::RateLimited { .. } = &error {
                // A rate limit is waited out — up to its own budget, apart from failures' — and
                // the whole scope waits with this request, not just this one.
                let wait = wait.unwrap_or_else(|| self.policy.backoff(rate_retries));
                rate_retries += 1;
                rate_waited += wait;
                if rate_waited > self.policy.rate_limit_budget {
                    tracing::warn!(integration = %self.integration, ?rate_waited, "rate-limit budget spent; giving up");
                    return Err(error);
                }
                if self.pacer.hold(&self.pace_key, wait) {
                    self.pacer.slow_down(&self.pace_key);
                }
                if let Some(hook) = &self.on_rate_limit {
                    hook(wait);
                }
                tracing::debug!(integration = %self.integration, ?wait, "waiting out a rate limit");
                tokio::time::sleep(wait).await;
                continue;
            }
            let wait = wait.unwrap_or_else(|| self.policy.backoff(retries));
            retries += 1;
            if retries >= self.policy.max_attempts
                || started.elapsed() + wait > self.policy.max_total_wait
            {
                tracing::warn!(integration = %self.integration, code = error.code(), retries, "giving up");
                return Err(error);
            }
            tracing::debug!(integration = %self.integration, code = error.code(), ?wait, retries, "retrying");
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
        if let Some(report) = self.dialect.window_report(&headers) {
            self.pacer.learn(report);
        }
        let body = match read_capped(response, API_BODY_CAP).await {
            Ok(body) => body,
            Err(BodyError::Transport(e)) => return Err(self.transport_failure(&e)),
            Err(too_large) => {
                return Err(Failure::Fatal(CoreError::InvalidResponse {
                    integration,
                    reason: too_large.to_string(),
                }))
            }
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
            429 if self.dialect.rate_limit_is_final(&body) => {
                Err(Failure::Fatal(CoreError::QuotaExhausted { integration }))
            }
            429 => {
                let wait = retry_after(&headers)
                    .or_else(|| self.dialect.rate_limit_wait(&headers))
                    .or(self.spec.rate_limit_lockout)
                    .map(|w| w.min(self.policy.max_rate_limit_wait));
                let error = CoreError::RateLimited {
                    integration,
                    retry_after_secs: wait.map(|w| w.as_secs().max(1)),
                };
                Err(Failure::Retry { wait, error })
            }
            code if is_temporary(code) || self.dialect.is_temporary(code) => Err(Failure::Retry {
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

/// One request's standing with the breaker.
struct Attempt<'a> {
    breaker: &'a Breaker,
    settled: bool,
}

impl Attempt<'_> {
    fn settle(mut self, verdict: impl FnOnce(&Breaker)) {
        verdict(self.breaker);
        self.settled = true;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.breaker.abandon(tokio::time::Instant::now());
        }
    }
}

/// The statuses HTTP itself defines as temporary: a timeout, a lock, and the server-side ones a
/// retry can fix (not 501 Not Implemented or 505).
fn is_temporary(status: u16) -> bool {
    matches!(status, 408 | 423 | 500 | 502 | 503 | 504)
}

/// A header holding a whole number, as providers' rate-limit headers do.
pub fn header_u64(headers: &reqwest::header::HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    header_u64(headers, "retry-after").map(|s| Duration::from_secs(s.min(600)))
}

#[cfg(test)]
mod tests;
