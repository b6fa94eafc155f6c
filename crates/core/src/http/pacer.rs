//! Pacing within a provider's documented limit, shaped as the limit is stated: a rolling window
//! per key (Airtable: 5 requests per second per base) or one for the whole provider (HubSpot's
//! and Notion's), a window shared by every key of the account (stated, or learned from the
//! account's first lockout where no limit is stated — Airtable's for OAuth tokens), and scopes held after a 429 so that every request to a locked-out scope
//! waits the lockout out instead of each one finding it by itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use super::window::{RollingWindow, WindowReport};
use crate::spec::{ProviderSpec, RateLimit, RateShape};

/// The scope name under which a held account is kept.
const ACCOUNT_SCOPE: &str = "\u{0}account";

/// What a 429 turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockout {
    /// Another request running into a lockout already known.
    Known,
    /// A new lockout of the request's own key (an Airtable base, or a provider's only window).
    Key,
    /// A new lockout of the whole account (Airtable: a second base locked out meanwhile).
    Account,
}

/// A request let go by [`Pacer::ready`]: the windows that counted it, and when. Once it is
/// answered, [`Paced::answered`] counts it from then on in each of them.
#[must_use = "an answered request counts from its answer"]
pub struct Paced {
    windows: Vec<(Arc<RollingWindow>, Instant)>,
}

impl Paced {
    /// The request was answered (or failed) now.
    pub fn answered(self) {
        for (window, counted) in self.windows {
            window.answered(counted);
        }
    }
}

/// Shared windows; clone it to share one budget between concurrent streams.
#[derive(Clone)]
pub struct Pacer {
    /// Each key's own window (created on first use), under `limit`.
    keys: Arc<Mutex<HashMap<String, Arc<RollingWindow>>>>,
    limit: RateLimit,
    account: Option<Arc<RollingWindow>>,
    /// A rolling window instead of the keyed buckets (one key per provider).
    window: Option<Arc<RollingWindow>>,
    /// Keys with a limit of their own, paced apart from every other window (HubSpot's search).
    own: Arc<HashMap<String, Arc<RollingWindow>>>,
    held: Arc<Mutex<HashMap<String, Instant>>>,
    /// Learnt after a 429 (the real limit is stricter than documented): the least spacing
    /// between two requests of a key, and when its last one went.
    spacing: Arc<Mutex<HashMap<String, (std::time::Duration, Instant)>>>,
    /// The documented spacing of one key's requests, where slowing down starts.
    period: std::time::Duration,
}

impl Pacer {
    /// Paces each key within `limit`, as a rolling window of its own: the whole budget of a
    /// window, never more (the window's slack absorbs the wire's delays).
    pub fn for_limit(limit: RateLimit) -> Self {
        Self {
            keys: Arc::default(),
            limit,
            account: None,
            window: None,
            own: Arc::default(),
            held: Arc::default(),
            spacing: Arc::default(),
            period: limit.per / limit.requests.max(1),
        }
    }

    /// The window of `key`.
    fn key_window(&self, key: &str) -> Arc<RollingWindow> {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        keys.entry(key.to_owned())
            .or_insert_with(|| Arc::new(RollingWindow::new(self.limit)))
            .clone()
    }

    /// Paces as `spec`'s limit is shaped: a rolling window, or buckets per key under the
    /// account's budget.
    pub fn for_spec(spec: &ProviderSpec) -> Self {
        let own: HashMap<String, Arc<RollingWindow>> = (spec.own_limits.iter())
            .map(|(key, limit)| ((*key).to_owned(), Arc::new(RollingWindow::new(*limit))))
            .collect();
        let pacer = match spec.rate_shape {
            RateShape::RollingWindow => Self {
                window: Some(Arc::new(RollingWindow::new(spec.rate_limit))),
                ..Self::for_limit(spec.rate_limit)
            },
            RateShape::PerKey => Self::with_account_limit(
                spec.rate_limit,
                spec.account_rate_limit,
                spec.account_rate_floor,
            ),
        };
        Self {
            own: Arc::new(own),
            ..pacer
        }
    }

    /// Takes in what an answer said of the provider's window.
    pub fn learn(&self, report: WindowReport) {
        if let Some(window) = &self.window {
            window.learn(report);
        }
    }

    /// Paces each key under `limit` and all keys together under `account` — or, where no
    /// account limit is stated, under one learned from the first lockout of the whole account
    /// (`RollingWindow::unknown`, never below `floor` nor one key's `limit`).
    pub fn with_account_limit(limit: RateLimit, account: Option<RateLimit>, floor: u32) -> Self {
        // The account budget is what a large load runs on: all of it, as a rolling window (a
        // token bucket's burst would add to its rate within one window).
        let window = match account {
            Some(account) => RollingWindow::new(account),
            None => RollingWindow::unknown(limit.per, floor.max(limit.requests)),
        };
        Self {
            account: Some(Arc::new(window)),
            ..Self::for_limit(limit)
        }
    }

    /// Waits until the next request under `key` may go: after any hold on it or on the
    /// account, within its own budget and the account's.
    pub async fn ready(&self, key: &str) -> Paced {
        loop {
            // A locked-out account holds every key: none of its requests would be served.
            let until = {
                let held = self.held.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                [key, ACCOUNT_SCOPE]
                    .iter()
                    .filter_map(|scope| held.get(*scope).copied())
                    .filter(|until| *until > now)
                    .max()
            };
            match until {
                Some(until) => tokio::time::sleep_until(until).await,
                None => break,
            }
        }
        if let Some(own) = self.own.get(key) {
            let counted = own.ready().await;
            self.keep_spacing(key).await;
            return Paced {
                windows: vec![(own.clone(), counted)],
            };
        }
        let window = match &self.window {
            Some(window) => window.clone(),
            None => self.key_window(key),
        };
        let mut windows = vec![(window.clone(), window.ready().await)];
        if let Some(account) = &self.account {
            windows.push((account.clone(), account.ready().await));
        }
        self.keep_spacing(key).await;
        Paced { windows }
    }

    async fn keep_spacing(&self, key: &str) {
        let next = {
            let mut spacing = self.spacing.lock().unwrap_or_else(|p| p.into_inner());
            let Some((gap, last)) = spacing.get_mut(key) else {
                return;
            };
            let next = (*last + *gap).max(Instant::now());
            *last = next;
            next
        };
        tokio::time::sleep_until(next).await;
    }

    /// A 429 said the real limit of `key` is stricter than the one paced: its requests go at
    /// most half as often from now on (multiplicative decrease; a load is too short to creep
    /// back up), and a rolling window — the provider's, or the account's while the whole account
    /// is held — is halved.
    pub fn slow_down(&self, key: &str, lockout: Lockout) {
        if lockout == Lockout::Known {
            return;
        }
        if let Some(own) = self.own.get(key) {
            own.shrink();
        } else {
            let account = self.account.iter().filter(|_| lockout == Lockout::Account);
            for window in self.window.iter().chain(account) {
                window.shrink();
            }
        }
        let mut spacing = self.spacing.lock().unwrap_or_else(|p| p.into_inner());
        let entry = spacing
            .entry(key.to_owned())
            .or_insert((self.period, Instant::now()));
        entry.0 = (entry.0 * 2).max(self.period * 2);
        tracing::info!(key, spacing = ?entry.0, "slowing down after a rate limit");
    }

    /// Holds every request under `key` for `wait` (the provider locked the scope out), and says
    /// whether this is a new lockout — of the key, or of the whole account — or another request
    /// running into one already known (decided under one lock, so two 429s at once cannot both
    /// count as the account's).
    /// Airtable documents its lockout per base for OAuth tokens, so a 429 holds its base only;
    /// but a 429 of another base while one is held says the limit hit is the account's (its
    /// 429 does not say which): then the whole account is held, and 429s of bases in flight
    /// while it is belong to that one lockout — slowing down for each of them would halve the
    /// account's budget once per base in flight.
    pub fn hold(&self, key: &str, wait: std::time::Duration) -> Lockout {
        let now = Instant::now();
        let until = now + wait;
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let active = |scope: &str| held.get(scope).is_some_and(|end| *end > now);
        let (scopes, new): (&[&str], Lockout) = if self.account.is_none() {
            let new = if active(key) {
                Lockout::Known
            } else {
                Lockout::Key
            };
            (&[key], new)
        } else if active(ACCOUNT_SCOPE) {
            (&[key, ACCOUNT_SCOPE], Lockout::Known)
        } else if active(key) {
            (&[key], Lockout::Known)
        } else if held
            .iter()
            .any(|(scope, end)| scope != key && scope != ACCOUNT_SCOPE && *end > now)
        {
            (&[key, ACCOUNT_SCOPE], Lockout::Account)
        } else {
            (&[key], Lockout::Key)
        };
        for scope in scopes {
            let entry = held.entry((*scope).to_owned()).or_insert(now);
            if *entry < until {
                *entry = until;
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// How many of `tries` requests under `key` go at once.
    async fn immediate(pacer: &Pacer, key: &str, tries: usize) -> usize {
        let started = Instant::now();
        let mut at_once = 0;
        for _ in 0..tries {
            pacer.ready(key).await.answered();
            if started.elapsed() < Duration::from_millis(1) {
                at_once += 1;
            }
        }
        at_once
    }

    #[tokio::test(start_paused = true)]
    async fn a_key_takes_its_whole_window_then_waits_for_it_to_roll() {
        let pacer = Pacer::for_limit(RateLimit {
            requests: 5,
            per: Duration::from_secs(1),
        });
        let started = Instant::now();
        assert_eq!(immediate(&pacer, "appA", 6).await, 5, "five at once");
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "the sixth waits until the first leaves the window"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn hubspot_searches_go_under_their_own_limit_apart_from_the_window() {
        let pacer = Pacer::for_spec(crate::spec::spec(crate::integration::Integration::Hubspot));
        let search = crate::spec::SEARCH_PACE_KEY;
        assert_eq!(
            immediate(&pacer, search, 6).await,
            5,
            "five searches a second"
        );
        // A 429 of a search holds and slows searches only: the window's 100 are all there
        // (searches spent none of them, and it was not halved).
        pacer.slow_down(search, pacer.hold(search, Duration::from_secs(1)));
        assert_eq!(immediate(&pacer, "", 100).await, 100);
    }

    #[tokio::test(start_paused = true)]
    async fn a_held_scope_waits_its_lockout_out_and_others_go_on() {
        let pacer = Pacer::for_limit(RateLimit {
            requests: 1000,
            per: Duration::from_secs(1),
        });
        pacer.hold("appA", Duration::from_secs(30));
        let started = Instant::now();
        pacer.ready("appB").await.answered();
        assert!(
            started.elapsed() < Duration::from_millis(10),
            "another base is not held"
        );
        pacer.ready("appA").await.answered();
        assert!(
            started.elapsed() >= Duration::from_secs(30),
            "the held base waits it out"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_429_a_key_goes_at_most_half_as_often() {
        let pacer = Pacer::for_limit(RateLimit {
            requests: 5,
            per: Duration::from_secs(1),
        });
        pacer.slow_down("appA", Lockout::Key);
        let started = Instant::now();
        for _ in 0..5 {
            pacer.ready("appA").await.answered();
        }
        // 2.5 per second at most (spacing 400 ms): the fifth goes after 1.6 s or later.
        assert!(
            started.elapsed() >= Duration::from_millis(1_600),
            "{:?}",
            started.elapsed()
        );
        let other = Instant::now();
        pacer.ready("appB").await.answered();
        assert!(
            other.elapsed() < Duration::from_millis(10),
            "other bases keep their pace"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_account_budget_caps_every_key_together() {
        let pacer = Pacer::with_account_limit(
            RateLimit {
                requests: 5,
                per: Duration::from_secs(1),
            },
            Some(RateLimit {
                requests: 50,
                per: Duration::from_secs(1),
            }),
            0,
        );
        let started = Instant::now();
        for base in 0..50 {
            pacer.ready(&format!("app{base}")).await.answered();
        }
        assert!(
            started.elapsed() < Duration::from_millis(1),
            "50 bases at once"
        );
        pacer.ready("app50").await.answered();
        assert!(
            started.elapsed() >= Duration::from_secs(1),
            "the 51st waits for the window"
        );
    }

    fn airtable_like() -> Pacer {
        Pacer::with_account_limit(
            RateLimit {
                requests: 5,
                per: Duration::from_secs(1),
            },
            Some(RateLimit {
                requests: 48,
                per: Duration::from_secs(1),
            }),
            0,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn a_base_s_lockout_holds_that_base_only() {
        let pacer = airtable_like();
        assert_eq!(pacer.hold("appA", Duration::from_secs(30)), Lockout::Key);
        pacer.slow_down("appA", Lockout::Key);
        let started = Instant::now();
        pacer.ready("appB").await.answered();
        assert!(
            started.elapsed() < Duration::from_millis(10),
            "another base goes on"
        );
        let account = pacer.account.as_ref().unwrap();
        assert_eq!(account.budget().0, 48, "the account keeps its pace");
        pacer.ready("appA").await.answered();
        assert!(
            started.elapsed() >= Duration::from_secs(30),
            "the base waits"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_second_base_s_429_holds_the_account_and_slows_it_once() {
        let pacer = airtable_like();
        // One base's 429 is its own; another base's during that hold is the account's limit.
        let first = pacer.hold("appA", Duration::from_secs(30));
        assert_eq!(first, Lockout::Key);
        // The second base's 429 is decided before the first one's slow-down runs: that one
        // still slows only its base.
        let second = pacer.hold("appB", Duration::from_secs(30));
        assert_eq!(second, Lockout::Account, "a new, account-wide lockout");
        pacer.slow_down("appA", first);
        pacer.slow_down("appB", second);
        for base in ["appC", "appD"] {
            assert_eq!(
                pacer.hold(base, Duration::from_secs(30)),
                Lockout::Known,
                "{base}"
            );
        }
        let account = pacer.account.as_ref().unwrap();
        assert_eq!(account.budget().0, 24, "halved once, not once per base");
        // Every base waits the lockout out; after it, a new 429 is a new lockout.
        let started = Instant::now();
        pacer.ready("appE").await.answered();
        assert!(started.elapsed() >= Duration::from_secs(30));
        assert_ne!(pacer.hold("appE", Duration::from_secs(30)), Lockout::Known);
    }

    #[tokio::test(start_paused = true)]
    async fn keys_have_their_own_windows() {
        let pacer = Pacer::for_limit(RateLimit {
            requests: 5,
            per: Duration::from_secs(1),
        });
        assert_eq!(immediate(&pacer, "appA", 5).await, 5);
        assert_eq!(
            immediate(&pacer, "appB", 5).await,
            5,
            "another base is not slowed by the first"
        );
    }
}
