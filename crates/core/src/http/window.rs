//! A rolling-window limit as providers state it ("100 requests per 10 seconds"): up to the whole
//! budget at once, then as the oldest request leaves the window. HubSpot's answers say the
//! window the account really has (`X-HubSpot-RateLimit-Max`, `-Interval-Milliseconds`) and what
//! is left of it (`-Remaining`, which also counts other programs using the same app): the window
//! learns all three.
//!
//! Hand-written rather than `governor`: a token bucket cannot take a rolling window's full burst
//! without also letting through more than the window allows over time.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::spec::RateLimit;

/// Sends leave earlier than the provider sees them: a window is kept 10 % longer (at most
/// 150 ms), so a request slow on the wire does not land in the next window's count. (3 % — 30 ms
/// of a one-second window — let a full burst's late arrivals meet the next burst's early ones on
/// a loaded machine: 8 429s in 300 Airtable bases.)
fn slack(interval: Duration) -> Duration {
    (interval / 10).min(Duration::from_millis(150))
}

/// What a provider said of its window in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WindowReport {
    /// Requests allowed per window.
    pub max: Option<u32>,
    /// The window.
    pub interval: Option<Duration>,
    /// Requests left in the current window.
    pub remaining: Option<u32>,
}

/// At most `max` requests in any `interval`.
pub struct RollingWindow {
    state: Mutex<State>,
}

struct State {
    max: u32,
    interval: Duration,
    sent: VecDeque<Instant>,
    /// A limit stated nowhere (`RollingWindow::unknown`).
    unknown: Option<Unknown>,
}

/// A limit stated nowhere is `max: u32::MAX` until a 429 shows it; it is then learned from the
/// pace that met it, never below `floor`, and forgotten after [`FORGET_LEARNED`] (what met it
/// may have been another program's burst, or a limit since raised).
struct Unknown {
    floor: u32,
    learned_at: Option<Instant>,
}

/// How long a limit learned from a 429 holds: a process that runs for days (the app) would
/// otherwise keep the slowest pace it ever met. Meeting the limit again costs one lockout in
/// this long at most.
const FORGET_LEARNED: Duration = Duration::from_secs(15 * 60);

impl RollingWindow {
    /// The window `limit` states.
    pub fn new(limit: RateLimit) -> Self {
        Self {
            state: Mutex::new(State {
                max: limit.requests.max(1),
                interval: limit.per,
                sent: VecDeque::new(),
                unknown: None,
            }),
        }
    }

    /// A window whose limit no document states (Airtable's per-user limit for OAuth tokens):
    /// it holds nothing back until [`RollingWindow::shrink`] learns one, never below `floor`
    /// requests per `per`.
    pub fn unknown(per: Duration, floor: u32) -> Self {
        let window = Self::new(RateLimit {
            requests: u32::MAX,
            per,
        });
        window
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unknown = Some(Unknown {
            floor: floor.max(1),
            learned_at: None,
        });
        window
    }

    /// Waits until a request fits in the window, and counts it; answers when it was counted,
    /// for [`RollingWindow::answered`].
    pub async fn ready(&self) -> Instant {
        loop {
            let wait_until = {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                state.forget_if_stale(now);
                let span = state.interval + slack(state.interval);
                while state
                    .sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= span)
                {
                    state.sent.pop_front();
                }
                if (state.sent.len() as u32) < state.max {
                    state.sent.push_back(now);
                    return now;
                }
                state.sent.front().map(|oldest| *oldest + span)
            };
            if let Some(until) = wait_until {
                tokio::time::sleep_until(until).await;
            }
        }
    }

    /// The request counted at `counted` was answered (or failed) now: it counts from now on.
    /// The provider counted it somewhere between its send and its answer — late, when the
    /// provider or the machine is busy — so a window kept from its send alone can let the next
    /// burst land in the provider's count of this one (a 429, and Airtable's 30 s lockout).
    pub fn answered(&self, counted: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = state.sent.iter().position(|t| *t == counted) {
            state.sent.remove(at);
            // Every other entry was counted or answered before now: the queue stays in order.
            state.sent.push_back(Instant::now());
        }
    }

    /// Takes in what an answer said: the real budget and window, and — when the provider counts
    /// fewer requests left than this window does (someone else spends the same budget) — as
    /// many more requests counted now.
    pub fn learn(&self, report: WindowReport) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(max) = report.max.filter(|m| *m > 0) {
            state.max = max;
        }
        if let Some(interval) = report
            .interval
            .filter(|i| !i.is_zero() && *i <= Duration::from_secs(60))
        {
            state.interval = interval;
        }
        if let Some(remaining) = report.remaining {
            let ours = state.max.saturating_sub(state.sent.len() as u32);
            let missing = ours.saturating_sub(remaining);
            let now = Instant::now();
            for _ in 0..missing {
                state.sent.push_back(now);
            }
        }
    }

    /// A 429 came although the window was kept: the provider's is smaller than stated, so it
    /// is halved. A limit not known until now is half the requests sent in the last window:
    /// they met it (those served are at most the limit, those refused at most what was in
    /// flight), so half of them is under it for any limit that is not tiny.
    pub fn shrink(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let span = state.interval + slack(state.interval);
        let in_window = state
            .sent
            .iter()
            .filter(|t| now.duration_since(**t) < span)
            .count();
        let interval = state.interval;
        let halved = (state.max / 2).max(1);
        state.max = match &mut state.unknown {
            Some(unknown) => {
                let first = unknown.learned_at.is_none();
                unknown.learned_at = Some(now);
                let learned = if first {
                    u32::try_from(in_window).unwrap_or(u32::MAX) / 2
                } else {
                    halved
                };
                let max = learned.max(unknown.floor);
                if first {
                    tracing::info!(max, ?interval, "learned a limit from a 429");
                }
                max
            }
            None => halved,
        };
    }

    #[cfg(test)]
    pub(super) fn budget(&self) -> (u32, Duration) {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (state.max, state.interval)
    }
}

impl State {
    /// A learned limit not met again for [`FORGET_LEARNED`] is unknown again.
    fn forget_if_stale(&mut self, now: Instant) {
        if let Some(unknown) = &mut self.unknown {
            if unknown
                .learned_at
                .is_some_and(|at| now.duration_since(at) >= FORGET_LEARNED)
            {
                unknown.learned_at = None;
                self.max = u32::MAX;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(requests: u32, secs: u64) -> RollingWindow {
        RollingWindow::new(RateLimit {
            requests,
            per: Duration::from_secs(secs),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn the_whole_budget_goes_at_once_then_as_the_window_rolls() {
        let window = window(100, 10);
        let started = Instant::now();
        for _ in 0..100 {
            window.ready().await;
        }
        assert!(started.elapsed() < Duration::from_millis(1), "a full burst");
        window.ready().await;
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(10) && waited <= Duration::from_millis(10_200),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_unstated_limit_holds_nothing_back_until_a_429_shows_it() {
        let window = RollingWindow::unknown(Duration::from_secs(1), 5);
        let started = Instant::now();
        for _ in 0..60 {
            window.ready().await;
        }
        assert!(started.elapsed() < Duration::from_millis(1), "no limit yet");
        // Those 60 met a limit: half of them a second from now on, then halved as any limit.
        window.shrink();
        assert_eq!(window.budget().0, 30);
        window.shrink();
        assert_eq!(window.budget().0, 15);
        // Learned from an idle window, it is never below the floor.
        let idle = RollingWindow::unknown(Duration::from_secs(1), 5);
        tokio::time::sleep(Duration::from_secs(5)).await;
        idle.shrink();
        assert_eq!(idle.budget().0, 5);
        // Not met again for a quarter of an hour, it is unknown again.
        tokio::time::sleep(FORGET_LEARNED).await;
        window.ready().await;
        assert_eq!(window.budget().0, u32::MAX);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_answered_late_counts_from_its_answer() {
        let window = window(2, 1);
        let started = Instant::now();
        let slow = window.ready().await;
        window.ready().await;
        // The first one's answer comes half a second later: the provider may have counted it
        // as late as that.
        tokio::time::advance(Duration::from_millis(500)).await;
        window.answered(slow);
        window.ready().await;
        let waited = started.elapsed();
        // The other one leaves the window 1.1 s after it went; the slow one would have too,
        // yet it stays until 1.1 s after its answer.
        assert!(
            waited >= Duration::from_millis(1_100) && waited < Duration::from_millis(1_200),
            "{waited:?}"
        );
        window.ready().await;
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(1_600), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn it_learns_the_accounts_window_and_what_others_spent() {
        let window = window(100, 10);
        window.learn(WindowReport {
            max: Some(190),
            interval: Some(Duration::from_secs(10)),
            remaining: None,
        });
        assert_eq!(window.budget(), (190, Duration::from_secs(10)));
        // Another program spent 180 of the 190: only 10 go now.
        window.learn(WindowReport {
            remaining: Some(10),
            ..WindowReport::default()
        });
        let started = Instant::now();
        for _ in 0..10 {
            window.ready().await;
        }
        assert!(started.elapsed() < Duration::from_millis(1));
        window.ready().await;
        assert!(started.elapsed() >= Duration::from_secs(10));
    }
}
