//! A circuit breaker per provider: after `threshold` consecutive failed attempts (transport
//! errors, timeouts, 5xx) it opens for `cooldown`, failing fast with "<Provider> is not answering;
//! retrying in N s" instead of a stream of timeouts; then one probe is let through (half-open),
//! and a success closes it. Hand-written because the state it must report (seconds until the next
//! probe) is not exposed by the circuit-breaker crates, and the machine is a dozen lines.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{CoreError, Result};
use crate::integration::Integration;

#[derive(Debug, Clone, Copy)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// One provider's breaker.
#[derive(Debug)]
pub struct Breaker {
    integration: Integration,
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(integration: Integration, threshold: u32, cooldown: Duration) -> Self {
        Self {
            integration,
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a request may go now; while open, the error says when the next probe happens.
    pub fn allow(&self, now: Instant) -> Result<()> {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Ok(()),
            State::Open { until } if now >= until => {
                *state = State::HalfOpen;
                Ok(())
            }
            State::Open { until } => Err(CoreError::CircuitOpen {
                integration: self.integration,
                retry_in_secs: until.saturating_duration_since(now).as_secs().max(1),
            }),
            // One probe is already out; others wait for its verdict.
            State::HalfOpen => Err(CoreError::CircuitOpen {
                integration: self.integration,
                retry_in_secs: 1,
            }),
        }
    }

    /// An attempt ended without a verdict (its load was cancelled mid-request): a probe that was
    /// out is given back, so the next request probes instead of waiting for it forever.
    pub fn abandon(&self, now: Instant) {
        let mut state = self.lock();
        if matches!(*state, State::HalfOpen) {
            *state = State::Open { until: now };
        }
    }

    /// The provider answered (any non-5xx answer counts).
    pub fn success(&self) {
        *self.lock() = State::Closed { failures: 0 };
    }

    /// An attempt failed for a reason that says the provider is unwell.
    pub fn failure(&self, now: Instant) {
        let mut state = self.lock();
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed {
                failures: failures + 1,
            },
            State::Closed { .. } | State::HalfOpen => {
                tracing::warn!(integration = %self.integration, cooldown = ?self.cooldown, "circuit opened");
                State::Open {
                    until: now + self.cooldown,
                }
            }
            open @ State::Open { .. } => open,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_probes_after_the_cooldown() {
        let breaker = Breaker::new(Integration::Notion, 3, Duration::from_secs(30));
        let t0 = Instant::now();
        for _ in 0..2 {
            breaker.failure(t0);
            assert!(breaker.allow(t0).is_ok());
        }
        breaker.failure(t0);
        let err = breaker.allow(t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(err.code(), "circuit_open");
        assert_eq!(
            err.to_string(),
            "Notion is not answering; retrying in 20 s."
        );
        // After the cooldown one probe goes; a second caller waits for it.
        assert!(breaker.allow(t0 + Duration::from_secs(31)).is_ok());
        assert!(breaker.allow(t0 + Duration::from_secs(31)).is_err());
        // A failed probe re-opens; a successful one closes.
        breaker.failure(t0 + Duration::from_secs(31));
        assert!(breaker.allow(t0 + Duration::from_secs(32)).is_err());
        assert!(breaker.allow(t0 + Duration::from_secs(62)).is_ok());
        breaker.success();
        assert!(breaker.allow(t0 + Duration::from_secs(62)).is_ok());
    }

    #[test]
    fn an_abandoned_probe_lets_the_next_request_probe() {
        let breaker = Breaker::new(Integration::Notion, 1, Duration::from_secs(30));
        let t0 = Instant::now();
        breaker.failure(t0);
        let later = t0 + Duration::from_secs(31);
        assert!(breaker.allow(later).is_ok(), "the probe goes");
        breaker.abandon(later);
        assert!(breaker.allow(later).is_ok(), "the probe was given back");
        // A closed breaker is not affected by an abandoned request.
        breaker.success();
        breaker.abandon(later);
        assert!(breaker.allow(later).is_ok());
    }

    #[test]
    fn a_success_resets_the_count() {
        let breaker = Breaker::new(Integration::Hubspot, 2, Duration::from_secs(5));
        let now = Instant::now();
        breaker.failure(now);
        breaker.success();
        breaker.failure(now);
        assert!(breaker.allow(now).is_ok());
    }
}
