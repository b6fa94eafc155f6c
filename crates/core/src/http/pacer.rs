//! Proactive pacing below a provider's documented limit, on `governor`'s token bucket.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::providers::table::RateLimit;

/// A shared token bucket; clone it to share one budget between concurrent streams.
#[derive(Clone)]
pub struct Pacer {
    limiter: Arc<DefaultDirectRateLimiter>,
}

impl Pacer {
    /// Paces at 90 % of `limit`, with bursts of at most a tenth of the window's budget, so a
    /// rolling window never sees more than the documented count.
    pub fn for_limit(limit: RateLimit) -> Self {
        let budget = (limit.requests * 9 / 10).max(1);
        let period = limit.per / budget;
        let burst = NonZeroU32::new((budget / 10).max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: Arc::new(RateLimiter::direct(quota)),
        }
    }

    /// Waits until the next request may go.
    pub async fn ready(&self) {
        self.limiter.until_ready().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_burst_is_capped_at_a_tenth_of_the_window() {
        let pacer = Pacer::for_limit(RateLimit {
            requests: 110,
            per: Duration::from_secs(10),
        });
        let mut immediate = 0;
        for _ in 0..30 {
            if pacer.limiter.check().is_ok() {
                immediate += 1;
            }
        }
        assert_eq!(immediate, 9, "99 per 10 s, bursts of 9");
    }
}
