//! The retry schedule: capped exponential backoff with *full* jitter (a uniformly random delay
//! between zero and the capped exponential), a cap on attempts and on total waiting.
//! Written here rather than taken from `backon`/`backoff`: their jitter is added on top of the
//! exponential delay, which is not the full-jitter schedule, and the schedule is four lines.

use std::time::Duration;

use rand::Rng;

/// How hard Inlet retries a request that failed for a passing reason.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first backoff ceiling.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// The most time spent waiting between attempts of one request.
    pub max_total_wait: Duration,
    /// Timeout of one attempt.
    pub request_timeout: Duration,
    /// The longest single wait a rate limit may impose (Airtable asks for 30 s, Notion's
    /// workspace limit may ask for more than a minute).
    pub max_rate_limit_wait: Duration,
    /// The most time one request may spend waiting out rate limits, apart from failures'
    /// `max_total_wait`: legitimate waits are waited, up to this (`INLET_RATE_LIMIT_BUDGET_SECS`).
    pub rate_limit_budget: Duration,
    /// Consecutive failed attempts that open a provider's circuit.
    pub breaker_threshold: u32,
    /// How long an open circuit fails fast before one probe.
    pub breaker_cooldown: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            max_total_wait: Duration::from_secs(120),
            request_timeout: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(300),
            rate_limit_budget: Duration::from_secs(900),
            breaker_threshold: 8,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The default policy with the rate-limit budget from `INLET_RATE_LIMIT_BUDGET_SECS`, when
    /// it is set to a whole number of seconds.
    pub fn from_env(env: &dyn crate::config::EnvSource) -> Self {
        let mut policy = Self::default();
        if let Some(secs) = env
            .var("INLET_RATE_LIMIT_BUDGET_SECS")
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            policy.rate_limit_budget = Duration::from_secs(secs);
            policy.max_rate_limit_wait = policy.max_rate_limit_wait.min(policy.rate_limit_budget);
        }
        policy
    }

    /// A policy with millisecond waits, for tests against the sandbox (feature `test-fixtures`).
    #[cfg(any(test, feature = "test-fixtures"))]
    pub fn fast() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
            max_total_wait: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
            max_rate_limit_wait: Duration::from_millis(400),
            rate_limit_budget: Duration::from_secs(30),
            breaker_threshold: 12,
            breaker_cooldown: Duration::from_millis(200),
        }
    }

    /// The wait before retry number `retry` (0 for the first retry): uniform in
    /// `[0, min(max_delay, base_delay * 2^retry)]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::rng().random_range(0..=millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_the_capped_exponential() {
        let policy = RetryPolicy::default();
        for retry in 0..20 {
            let ceiling = policy
                .base_delay
                .saturating_mul(1 << retry.min(16))
                .min(policy.max_delay);
            for _ in 0..50 {
                assert!(policy.backoff(retry) <= ceiling);
            }
        }
    }

    #[test]
    fn backoff_is_spread_out() {
        let policy = RetryPolicy::default();
        let samples: std::collections::HashSet<_> = (0..50).map(|_| policy.backoff(5)).collect();
        assert!(samples.len() > 10, "full jitter spreads the waits");
    }
}
