//! Injected trouble: latency, transient 5xx, dropped connections and rate limits (a rolling
//! window per key, with an optional lockout after it is exceeded, as Airtable does).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::Knobs;

/// A rate limit to enforce for one request.
pub struct Limit {
    /// What the budget belongs to (a token, a base).
    pub key: String,
    /// Requests allowed per window; 0 disables.
    pub max: u32,
    /// The rolling window.
    pub window: Duration,
    /// How long every request is refused once the limit was exceeded (zero: only while over).
    pub lockout: Duration,
}

/// The budget after this request, for headers.
pub struct Budget {
    pub max: u32,
    pub remaining: u32,
    pub window: Duration,
}

/// What the fault layer decided for one request.
pub enum Verdict {
    /// Serve it.
    Serve(Option<Budget>),
    /// Over the limit: answer 429.
    RateLimited(Budget),
    /// Inject a transient failure with this status.
    Fail(StatusCode),
}

#[derive(Default)]
struct Window {
    hits: VecDeque<Instant>,
    locked_until: Option<Instant>,
}

pub struct Faults {
    rng: Mutex<StdRng>,
    windows: Mutex<HashMap<String, Window>>,
    /// Lockouts begun (a limit exceeded while its scope was not locked out already).
    lockouts: std::sync::atomic::AtomicU64,
}

impl Faults {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Mutex::new(StdRng::seed_from_u64(seed ^ 0x5eed)),
            windows: Mutex::new(HashMap::new()),
            lockouts: Default::default(),
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

    /// Applies latency, the limit, and random failures.
    pub async fn check(&self, knobs: &Knobs, limit: Option<Limit>) -> Verdict {
        self.check_all(knobs, limit.into_iter().collect()).await
    }

    /// Like [`Faults::check`] under several limits at once (Airtable: the base's and the
    /// user's): a request over any of them is refused and counts against none; the budget
    /// reported is the first limit's.
    pub async fn check_all(&self, knobs: &Knobs, limits: Vec<Limit>) -> Verdict {
        if knobs.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(knobs.latency_ms)).await;
        }
        let mut budget = None;
        let limits: Vec<Limit> = limits.into_iter().filter(|l| l.max > 0).collect();
        if !limits.is_empty() {
            let now = Instant::now();
            let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
            let mut refused = None;
            for limit in &limits {
                let window = windows.entry(limit.key.clone()).or_default();
                while window
                    .hits
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= limit.window)
                {
                    window.hits.pop_front();
                }
                let locked = window.locked_until.is_some_and(|until| now < until);
                let over = window.hits.len() >= limit.max as usize;
                let used = window.hits.len() as u32;
                let state = Budget {
                    max: limit.max,
                    remaining: limit.max.saturating_sub(used + 1),
                    window: limit.window,
                };
                if locked || over {
                    if over && !locked && !limit.lockout.is_zero() {
                        window.locked_until = Some(now + limit.lockout);
                        self.lockouts
                            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    refused.get_or_insert(Budget {
                        remaining: 0,
                        ..state
                    });
                } else if budget.is_none() {
                    budget = Some(state);
                }
            }
            if let Some(refused) = refused {
                return Verdict::RateLimited(refused);
            }
            for limit in &limits {
                windows
                    .entry(limit.key.clone())
                    .or_default()
                    .hits
                    .push_back(now);
            }
        }
        if self.roll(knobs.failure_rate) {
            let status = if self.roll(0.5) {
                StatusCode::BAD_GATEWAY
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            return Verdict::Fail(status);
        }
        Verdict::Serve(budget)
    }

    /// How many lockouts began so far.
    pub fn lockouts(&self) -> u64 {
        self.lockouts.load(std::sync::atomic::Ordering::SeqCst)
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
