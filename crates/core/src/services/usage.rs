//! What a load spends of an account's API calls, and what a records load will cost.
//!
//! Airtable caps a workspace's API calls a month (Free 1,000, Team 100,000), shared by every
//! integration of the workspace, and its API tells neither the plan nor a base's workspace. So
//! Inlet counts what it sends itself — per account, base and calendar month (UTC) — notes the
//! month Airtable refused calls for the quota, lets the person say the plan, and before a load of
//! every record says what it will cost when the plan's cap is known or the quota was met before.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use specta::Type;

use super::library::Library;
use crate::error::{CoreError, ErrorCode, QuotaPeriod, Result};
use crate::http::CallMeter;
use crate::item_store::{AccountKey, ItemStore};
use crate::load::LoadResult;
use crate::providers::RecordScope;
use crate::spec::{spec, CallPlan};
use crate::sync::lock;

/// An account's API calls this month, as the card shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ApiUsage {
    /// The month counted, `YYYY-MM` (UTC).
    pub month: String,
    /// Calls Inlet sent for this account this month (every attempt; other integrations of the
    /// workspace spend from the same quota and are not seen here).
    pub calls: u32,
    /// When the provider refused a call this month because the quota was spent.
    pub quota_met_at: Option<DateTime<Utc>>,
    /// The plan the person said the account is on, if they did.
    pub plan: Option<String>,
    /// Calls a month that plan allows (`None`: no cap, or the plan is not known).
    pub plan_calls: Option<u32>,
    /// The plans to choose from.
    pub plans: Vec<PlanChoice>,
}

/// A plan the person can say an account is on.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct PlanChoice {
    /// Its id.
    pub id: String,
    /// Its name.
    pub label: String,
    /// Calls a month it allows (`None`: no monthly cap).
    pub monthly_calls: Option<u32>,
}

/// What loading records will cost, said before it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct CallEstimate {
    /// About how many calls the load takes: one listing of bases, one schema per base, one per
    /// 100 records of each table (a table whose records were never loaded counts as one).
    pub calls: u32,
    /// The bases it covers.
    pub bases: u32,
    /// Their tables.
    pub tables: u32,
    /// Tables whose records were never loaded: the estimate is low by their records / 100.
    pub tables_never_loaded: u32,
    /// The account's calls this month.
    pub usage: ApiUsage,
    /// Whether to ask before loading: the plan's cap is known, or the quota was met this month.
    pub ask_first: bool,
    /// The estimate in a sentence or two.
    pub message: String,
}

/// The month `at` falls in, as counted: `YYYY-MM`, UTC.
pub fn month_of(at: DateTime<Utc>) -> String {
    format!("{:04}-{:02}", at.year(), at.month())
}

/// Counts one load's calls by scope.
#[derive(Clone, Default)]
struct CallTally(Arc<Mutex<BTreeMap<String, u64>>>);

impl CallTally {
    fn take(&self) -> Vec<(String, u64)> {
        std::mem::take(&mut *lock(&self.0)).into_iter().collect()
    }
}

/// Counts a load's calls ([`UsageRecorder::meter`]) and writes them to the store:
/// [`UsageRecorder::finish`] when the load ends, or on drop — a cancelled load's calls count too.
pub(super) struct UsageRecorder {
    store: Option<ItemStore>,
    key: Option<AccountKey>,
    tally: CallTally,
}

impl UsageRecorder {
    pub(super) fn new(library: &Library, key: AccountKey) -> Self {
        Self {
            store: library.store().cloned(),
            key: Some(key),
            tally: CallTally::default(),
        }
    }

    /// A recorder whose account is not known yet (a sign-in's account lookup): its calls are
    /// written once [`UsageRecorder::set_account`] says whose they were.
    pub(super) fn before_account(library: &Library) -> Self {
        Self {
            store: library.store().cloned(),
            key: None,
            tally: CallTally::default(),
        }
    }

    /// Whose calls these are.
    pub(super) fn set_account(&mut self, key: AccountKey) {
        self.key = Some(key);
    }

    /// A meter for an `ApiClient` that counts into this recorder.
    pub(super) fn meter(&self) -> CallMeter {
        let counts = self.tally.0.clone();
        Arc::new(move |scope: &str| {
            *lock(&counts).entry(scope.to_owned()).or_insert(0) += 1;
        })
    }

    /// Writes the calls counted so far, off the executor, and waits for it.
    pub(super) async fn finish(mut self) {
        if let Some(write) = self.write() {
            let _ = tokio::task::spawn_blocking(write).await;
        }
    }

    fn write(&mut self) -> Option<impl FnOnce() + Send + 'static> {
        let (store, key) = (self.store.clone()?, self.key.clone()?);
        let calls = self.tally.take();
        if calls.is_empty() {
            return None;
        }
        Some(move || {
            if let Err(error) = store.add_api_calls(&key, &month_of(Utc::now()), &calls) {
                tracing::warn!(code = error.code(), %error, "the load's API calls were not counted");
            }
        })
    }
}

impl Drop for UsageRecorder {
    fn drop(&mut self) {
        let Some(write) = self.write() else { return };
        // Off the executor when there is one: the store's writer may be busy with a load.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(write)),
            Err(_) => write(),
        }
    }
}

/// Whether a load's outcome says the month's quota is spent.
pub(super) fn met_monthly_quota(outcome: std::result::Result<&LoadResult, &CoreError>) -> bool {
    match outcome {
        Err(error) => is_monthly_quota(error),
        Ok(result) => result.failures.iter().any(|f| {
            f.error.error == ErrorCode::QuotaExhausted && f.error.details["period"] == "month"
        }),
    }
}

/// Whether `error` is a monthly quota spent.
fn is_monthly_quota(error: &CoreError) -> bool {
    matches!(error, CoreError::QuotaExhausted { period, .. } if *period == QuotaPeriod::Month)
}

impl Library {
    /// `key`'s calls this month, for providers with a monthly quota (`None` for the others, or
    /// without a store).
    pub fn api_usage(&self, key: &AccountKey) -> Result<Option<ApiUsage>> {
        let plans = spec(key.integration).call_plans;
        let Some(store) = self.store().filter(|_| !plans.is_empty()) else {
            return Ok(None);
        };
        let month = month_of(Utc::now());
        let stored = store.api_usage(key, &month)?;
        let plan = store.plan(key)?;
        let chosen = plan
            .as_deref()
            .and_then(|id| plans.iter().find(|p| p.id == id));
        Ok(Some(ApiUsage {
            month,
            calls: clamp(stored.calls),
            quota_met_at: stored.quota_met_at,
            plan_calls: chosen.and_then(|p| p.monthly_calls).map(clamp),
            plan: chosen.map(|p| p.id.to_owned()),
            plans: plans.iter().map(PlanChoice::from).collect(),
        }))
    }

    /// Remembers which plan `key` is on (`None`: not known); an id the provider has no plan of
    /// is refused.
    pub fn set_plan(&self, key: &AccountKey, plan: Option<&str>) -> Result<Option<ApiUsage>> {
        let plans = spec(key.integration).call_plans;
        if let Some(id) = plan.filter(|id| !plans.iter().any(|p| p.id == *id)) {
            let known: Vec<&str> = plans.iter().map(|p| p.id).collect();
            return Err(CoreError::invalid_argument(format!(
                "{} has no plan {id:?} Inlet knows of{}.",
                key.integration.display_name(),
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (known: {})", known.join(", "))
                }
            )));
        }
        if let Some(store) = self.store() {
            store.set_plan(key, plan)?;
        }
        self.api_usage(key)
    }

    /// Notes that `key`'s monthly quota was met now.
    pub(super) async fn note_quota_met(&self, key: &AccountKey) {
        let Some(store) = self.store().cloned() else {
            return;
        };
        let key = key.clone();
        let now = Utc::now();
        let noted =
            tokio::task::spawn_blocking(move || store.note_quota_met(&key, &month_of(now), now))
                .await;
        if let Ok(Err(error)) = noted {
            tracing::warn!(code = error.code(), %error, "the met quota was not noted");
        }
    }

    /// What loading the records `scope` names will cost `key`, from the bases, tables and
    /// records the store holds.
    pub fn records_estimate(
        &self,
        key: &AccountKey,
        scope: &RecordScope,
        followed: &std::collections::HashSet<String>,
    ) -> Result<CallEstimate> {
        let usage = self.api_usage(key)?.unwrap_or_else(|| ApiUsage {
            month: month_of(Utc::now()),
            calls: 0,
            quota_met_at: None,
            plan: None,
            plan_calls: None,
            plans: Vec::new(),
        });
        let tables = match self.store() {
            Some(store) => store.table_records(key)?,
            None => Vec::new(),
        };
        let covered: Vec<_> = (tables.iter())
            .filter(|t| scope.covers(&t.base, &t.table))
            .collect();
        let mut bases: Vec<&str> = covered.iter().map(|t| t.base.as_str()).collect();
        bases.sort_unstable();
        bases.dedup();
        let never = covered.iter().filter(|t| t.records == 0).count();
        // A base followed by its webhook costs one read of its payloads (and of the records
        // that changed, which no one knows before).
        let pages: u64 = (covered.iter())
            .filter(|t| !followed.contains(&t.base))
            .map(|t| t.records.div_ceil(100).max(1))
            .sum::<u64>()
            + bases.iter().filter(|b| followed.contains(**b)).count() as u64;
        let listing = (bases.len() as u64).div_ceil(1000).max(1);
        let calls = listing + bases.len() as u64 + pages;
        let ask_first = usage.plan_calls.is_some() || usage.quota_met_at.is_some();
        let mut estimate = CallEstimate {
            calls: clamp(calls),
            bases: u32::try_from(bases.len()).unwrap_or(u32::MAX),
            tables: u32::try_from(covered.len()).unwrap_or(u32::MAX),
            tables_never_loaded: u32::try_from(never).unwrap_or(u32::MAX),
            usage,
            ask_first,
            message: String::new(),
        };
        estimate.message = describe(&estimate, key);
        Ok(estimate)
    }
}

pub(super) fn describe(estimate: &CallEstimate, key: &AccountKey) -> String {
    let name = key.integration.display_name();
    let usage = &estimate.usage;
    let mut out = if estimate.tables == 0 {
        format!("Load {name} first: Inlet does not know its bases and tables yet, so it cannot say what loading every record costs.")
    } else {
        let low = if estimate.tables_never_loaded > 0 {
            format!(
                " ({} never loaded: add one call per 100 of their records)",
                plural(u64::from(estimate.tables_never_loaded), "table")
            )
        } else {
            String::new()
        };
        format!(
            "Loading these records takes about {} — {} in {}{low}.",
            plural(u64::from(estimate.calls), "API call"),
            plural(u64::from(estimate.tables), "table"),
            plural(u64::from(estimate.bases), "base"),
        )
    };
    out.push_str(&format!(
        " Inlet has made {} this month",
        plural(u64::from(usage.calls), "call")
    ));
    match (usage.plan_calls, usage.quota_met_at) {
        (_, Some(at)) => out.push_str(&format!(
            "; {name} refused calls on {} because this month's quota was spent — until the month turns, the load is likely to stop there.",
            at.format("%-d %B")
        )),
        (Some(cap), None) => {
            out.push_str(&format!(
                "; the plan allows {} a month per workspace, shared with the workspace's other integrations.",
                plural(u64::from(cap), "call")
            ));
            let left = cap.saturating_sub(usage.calls);
            if estimate.calls > left {
                out.push_str(&format!(
                    " That is more than the {} left this month at most: the load would likely stop at the quota, for the workspace's other integrations too.",
                    plural(u64::from(left), "call")
                ));
            }
        }
        (None, None) => out.push('.'),
    }
    out
}

/// A count as the window shows it (no month holds 4 billion calls).
fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(super) fn plural(n: u64, what: &str) -> String {
    let number = n
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(",");
    format!("{number} {what}{}", if n == 1 { "" } else { "s" })
}

impl From<&CallPlan> for PlanChoice {
    fn from(plan: &CallPlan) -> Self {
        Self {
            id: plan.id.to_owned(),
            label: plan.label.to_owned(),
            monthly_calls: plan.monthly_calls.map(clamp),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integration::Integration;

    #[test]
    fn months_are_utc_calendar_months() {
        let at = DateTime::parse_from_rfc3339("2026-12-31T23:30:00-02:00").unwrap();
        assert_eq!(month_of(at.with_timezone(&Utc)), "2027-01");
    }

    #[test]
    fn a_load_larger_than_what_the_plan_has_left_says_so() {
        let key = AccountKey {
            integration: Integration::Airtable,
            mode: crate::config::Mode::Sandbox,
            account_id: "usr1".into(),
        };
        let mut estimate = CallEstimate {
            calls: 1_051,
            bases: 300,
            tables: 750,
            tables_never_loaded: 0,
            usage: ApiUsage {
                month: "2026-12".into(),
                calls: 611,
                quota_met_at: None,
                plan: Some("free".into()),
                plan_calls: Some(1_000),
                plans: Vec::new(),
            },
            ask_first: true,
            message: String::new(),
        };
        let said = describe(&estimate, &key);
        assert!(
            said.contains("about 1,051 API calls — 750 tables in 300 bases."),
            "{said}"
        );
        assert!(
            said.contains("more than the 389 calls left this month"),
            "{said}"
        );
        estimate.calls = 300;
        assert!(!describe(&estimate, &key).contains("more than"));
    }

    #[test]
    fn numbers_are_grouped_and_counted() {
        assert_eq!(plural(1, "call"), "1 call");
        assert_eq!(plural(100_000, "call"), "100,000 calls");
        assert_eq!(plural(1_234_567, "base"), "1,234,567 bases");
    }

    #[test]
    fn a_recorder_counts_every_call_by_scope() {
        let recorder = UsageRecorder::new(
            &Library::new(None),
            AccountKey {
                integration: Integration::Airtable,
                mode: crate::config::Mode::Sandbox,
                account_id: "usr1".into(),
            },
        );
        let meter = recorder.meter();
        meter("appA");
        meter("appA");
        meter("");
        assert_eq!(
            recorder.tally.take(),
            vec![(String::new(), 1), ("appA".to_owned(), 2)]
        );
        assert!(recorder.tally.take().is_empty());
    }
}
