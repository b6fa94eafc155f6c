//! Proactive pacing below a provider's documented limit, on `governor`'s token buckets: one
//! bucket per key (HubSpot and Notion use one key; Airtable one per base).

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::spec::RateLimit;

/// Shared token buckets; clone it to share one budget between concurrent streams.
#[derive(Clone)]
pub struct Pacer {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
}

impl Pacer {
    /// Paces each key at 90 % of `limit`, with bursts of at most a tenth of the window's budget,
    /// so a rolling window never sees more than the documented count.
    pub fn for_limit(limit: RateLimit) -> Self {
        let budget = (limit.requests * 9 / 10).max(1);
        let period = limit.per / budget;
        let burst = NonZeroU32::new((budget / 10).max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: Arc::new(RateLimiter::keyed(quota)),
        }
    }

    /// Waits until the next request under `key` may go.
    pub async fn ready(&self, key: &str) {
        self.limiter.until_key_ready(&key.to_owned()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn immediate(pacer: &Pacer, key: &str, tries: usize) -> usize {
        (0..tries)
            .filter(|_| pacer.limiter.check_key(&key.to_owned()).is_ok())
            .count()
    }

    #[test]
    fn a_burst_is_capped_at_a_tenth_of_the_window() {
        let pacer = Pacer::for_limit(RateLimit {
            requests: 110,
            per: Duration::from_secs(10),
        });
        assert_eq!(immediate(&pacer, "", 30), 9, "99 per 10 s, bursts of 9");
    }

    #[test]
    fn keys_have_their_own_buckets() {
        let pacer = Pacer::for_limit(RateLimit {
            requests: 5,
            per: Duration::from_secs(1),
        });
        assert_eq!(
            immediate(&pacer, "appA", 5),
            1,
            "4 per second, one at a time"
        );
        assert_eq!(
            immediate(&pacer, "appB", 5),
            1,
            "another base is not slowed by the first"
        );
    }
}
