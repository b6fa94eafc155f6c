//! Injected trouble: latency, transient 5xx, dropped connections and rolling-window rate limits.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::Knobs;

/// What the fault layer decided for one request.
pub enum Verdict {
    /// Serve it; attach these rate-limit headers.
    Serve(HeaderMap),
    /// Answer with this instead.
    Answer(Response),
}

pub struct Faults {
    rng: Mutex<StdRng>,
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Faults {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(seed ^ 0x5eed)),
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn roll(&self, rate: f64) -> bool {
        rate > 0.0
            && self
                .rng
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .random_bool(rate.clamp(0.0, 1.0))
    }

    /// Applies latency, the rolling-window limit of `key` (a token), and random failures.
    pub async fn check(
        &self,
        knobs: &Knobs,
        key: &str,
        rate_limited_body: impl Fn() -> String,
    ) -> Verdict {
        if knobs.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(knobs.latency_ms)).await;
        }
        let mut headers = HeaderMap::new();
        if knobs.rate_limit_max > 0 {
            let window = Duration::from_millis(knobs.rate_limit_window_ms.max(1));
            let now = Instant::now();
            let used = {
                let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
                let hits = windows.entry(key.to_owned()).or_default();
                while hits
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= window)
                {
                    hits.pop_front();
                }
                let over = hits.len() >= knobs.rate_limit_max as usize;
                if !over {
                    hits.push_back(now);
                }
                (hits.len(), over)
            };
            let remaining = (knobs.rate_limit_max as usize).saturating_sub(used.0);
            headers.insert(
                "x-hubspot-ratelimit-max",
                HeaderValue::from(knobs.rate_limit_max),
            );
            headers.insert(
                "x-hubspot-ratelimit-remaining",
                HeaderValue::from(remaining as u64),
            );
            headers.insert(
                "x-hubspot-ratelimit-interval-milliseconds",
                HeaderValue::from(knobs.rate_limit_window_ms),
            );
            if used.1 {
                let mut response =
                    (StatusCode::TOO_MANY_REQUESTS, rate_limited_body()).into_response();
                response.headers_mut().extend(headers);
                response.headers_mut().insert(
                    "content-type",
                    HeaderValue::from_static("application/json;charset=utf-8"),
                );
                return Verdict::Answer(response);
            }
        }
        if self.roll(knobs.failure_rate) {
            let status = if self.roll(0.5) {
                StatusCode::BAD_GATEWAY
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let body = r#"{"status":"error","message":"The service is temporarily unavailable","category":"INTERNAL_ERROR"}"#;
            return Verdict::Answer((status, body).into_response());
        }
        Verdict::Serve(headers)
    }

    /// Whether this response's connection should drop mid-body.
    pub fn should_drop(&self, knobs: &Knobs) -> bool {
        self.roll(knobs.drop_rate)
    }
}

/// A 200 whose body breaks off after a few bytes: the client sees a dropped connection.
pub fn dropped_connection(json: String) -> Response {
    let head: String = json.chars().take(16).collect();
    let chunks: Vec<Result<String, std::io::Error>> = vec![
        Ok(head),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox dropped the connection",
        )),
    ];
    let mut response = Response::new(Body::from_stream(tokio_stream::iter(chunks)));
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}
