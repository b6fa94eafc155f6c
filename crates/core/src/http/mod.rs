//! The one HTTP path every provider call uses: pace first, then send with the bearer token,
//! refresh once on a 401, and retry 429s (honouring Retry-After and what the provider's
//! [`ApiDialect`] reads from its own headers), temporary 5xx, timeouts and dropped connections
//! with full-jitter backoff, behind the provider's circuit breaker. Nothing here names a provider.

mod body;
pub mod breaker;
mod client;
mod dialect;
pub mod pacer;
pub mod retry;
pub mod window;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{CoreError, QuotaPeriod, Result};
use crate::integration::Integration;
use crate::secret::Secret;
use crate::spec::ProviderSpec;
pub use body::{read_capped, BodyError, API_BODY_CAP, TOKEN_BODY_CAP};
pub use breaker::Breaker;
pub use client::{http_client, proxy_for};
pub use dialect::{error_code, error_message, ApiDialect, FinalLimit, Meaning};
pub use pacer::{Lockout, Paced, Pacer};
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
            provider_code: None,
        })
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
    on_call: Option<CallMeter>,
}

/// Told how long a rate limit makes a request wait, so the UI can say so.
pub type RateLimitHook = Arc<dyn Fn(Duration) + Send + Sync>;

/// Told of every request sent to the provider (each attempt: a retried request costs again),
/// with the client's pace key (Airtable: the base), so what a load spends can be counted.
pub type CallMeter = Arc<dyn Fn(&str) + Send + Sync>;

enum Failure {
    /// Worth another attempt after `wait` (None: use the backoff schedule).
    Retry {
        wait: Option<Duration>,
        error: CoreError,
        /// A rate limit that says Inlet went too fast (not the provider's own overload).
        too_fast: bool,
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
            on_call: None,
        }
    }

    /// The same client, telling `meter` of every request it sends.
    pub fn with_call_meter(self, meter: CallMeter) -> Self {
        Self {
            on_call: Some(meter),
            ..self
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
            let paced = self.pacer.ready(&self.pace_key).await;
            let mut request = build(&self.http).timeout(self.policy.request_timeout);
            if let Some(token) = &token {
                request = request.bearer_auth(token.expose());
            }
            for (name, value) in self.spec.api_headers {
                request = request.header(*name, *value);
            }
            if let Some(meter) = &self.on_call {
                meter(&self.pace_key);
            }
            let sent = request.send().await;
            paced.answered();
            let outcome = match (sent, tokens, &token) {
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
            let (wait, error, too_fast) = match outcome {
                Ok(value) => {
                    attempt.settle(|b| b.success());
                    return Ok(value);
                }
                Err(Failure::Fatal(error)) => {
                    attempt.settle(|b| b.success());
                    return Err(error);
                }
                Err(Failure::Retry {
                    wait,
                    error,
                    too_fast,
                }) => {
                    if matches!(error, CoreError::RateLimited { .. }) {
                        attempt.settle(|b| b.success());
                    } else {
                        attempt.settle(|b| b.failure(tokio::time::Instant::now()));
                    }
                    (wait, error, too_fast)
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
                let lockout = self.pacer.hold(&self.pace_key, wait);
                if too_fast {
                    self.pacer.slow_down(&self.pace_key, lockout);
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
            // An empty answer (Airtable's webhook delete) reads as JSON `null`.
            let body = match body.iter().all(u8::is_ascii_whitespace) {
                true => &b"null"[..],
                false => &body[..],
            };
            return serde_json::from_slice(body).map_err(|e| {
                Failure::Fatal(CoreError::InvalidResponse {
                    integration,
                    reason: e.to_string(),
                })
            });
        }
        let message = error_message(&body)
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
        let code = status.as_u16();
        let meaning = self.dialect.meaning(code, &body).or(match code {
            429 => Some(Meaning::RateLimit),
            code if is_temporary(code) => Some(Meaning::Temporary),
            _ => None,
        });
        match meaning {
            Some(Meaning::Final(limit)) => Err(Failure::Fatal(final_limit(integration, limit))),
            Some(meaning @ (Meaning::RateLimit | Meaning::Overload)) => {
                let wait = retry_after(&headers)
                    .or_else(|| self.dialect.rate_limit_wait(&headers))
                    .or(self.spec.rate_limit_lockout)
                    .map(|w| w.min(self.policy.max_rate_limit_wait));
                let error = CoreError::RateLimited {
                    integration,
                    retry_after_secs: wait.map(|w| w.as_secs().max(1)),
                };
                Err(Failure::Retry {
                    wait,
                    error,
                    too_fast: meaning == Meaning::RateLimit,
                })
            }
            Some(Meaning::Temporary) => Err(Failure::Retry {
                wait: retry_after(&headers),
                error: CoreError::ProviderUnavailable {
                    integration,
                    reason: format!("HTTP {code}: {message}"),
                },
                too_fast: false,
            }),
            None => Err(Failure::Fatal(CoreError::ProviderHttp {
                integration,
                status: code,
                message,
                provider_code: error_code(&body),
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
            too_fast: false,
            wait: None,
            error: CoreError::ProviderUnavailable {
                integration: self.integration,
                reason: reason.to_owned(),
            },
        }
    }
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

/// The error a final limit ends a request with.
fn final_limit(integration: Integration, limit: FinalLimit) -> CoreError {
    match limit {
        FinalLimit::DailyQuota => CoreError::QuotaExhausted {
            integration,
            period: QuotaPeriod::Day,
        },
        FinalLimit::MonthlyQuota => CoreError::QuotaExhausted {
            integration,
            period: QuotaPeriod::Month,
        },
        FinalLimit::AccessBlocked => CoreError::ApiAccessBlocked { integration },
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
