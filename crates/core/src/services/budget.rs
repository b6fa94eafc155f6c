//! What a sync may spend of an account's API calls. A sync of a provider whose contents come on
//! demand (Airtable's records) refreshes the contents stored — every record of the bases whose
//! records were loaded — which costs a call per 100 records from a plan's monthly quota. A run
//! nobody watches (the schedule's) never spends more than half of it: past that it refreshes
//! the structure alone and says so; a sync someone asked for says first what it will cost (the
//! app asks, `inlet sync` notes it).

use std::sync::Arc;

use super::connections::Connections;
use super::library::Library;
use super::types::account_key;
use super::usage::{plural, ApiUsage, CallEstimate};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item_store::AccountKey;
use crate::keychain::blocking;
use crate::providers::{LoadRequest, RecordScope};

/// Whether spending `calls` more this month passes half of `usage`'s plan's monthly calls, or
/// the quota was met already.
pub fn passes_half(usage: &ApiUsage, calls: u32) -> bool {
    usage.quota_met_at.is_some()
        || (usage.plan_calls).is_some_and(|cap| usage.calls.saturating_add(calls) > cap / 2)
}

/// The contents a load of `key` asked for as `request` brings: a sync of a provider whose
/// contents come on demand, the stored ones — unless it is scheduled and they would pass half of
/// the month's calls, then none, and why.
pub(super) async fn sync_records(
    library: Arc<Library>,
    key: &AccountKey,
    request: &LoadRequest,
) -> Result<(RecordScope, Option<String>)> {
    let caps = crate::providers::provider(key.integration).capabilities();
    let on_demand = !caps.records_of.is_empty();
    if !(request.sync && on_demand && request.records.is_none()) {
        return Ok((request.records.clone(), None));
    }
    let (key, scheduled) = (key.clone(), request.scheduled && caps.call_plans);
    tokio::task::spawn_blocking(move || {
        let scope = library.stored_record_scope(&key)?;
        let held_back = match scheduled && !scope.is_none() {
            true => library.held_back(&key, &scope)?,
            false => None,
        };
        Ok(match held_back {
            Some(why) => (RecordScope::None, Some(why)),
            None => (scope, None),
        })
    })
    .await
    .map_err(|e| CoreError::task_failed("reading the item store", e))?
}

impl Library {
    /// The contents `key` has stored, as a scope: every base with a table whose records were
    /// loaded (its new tables come too).
    pub fn stored_record_scope(&self, key: &AccountKey) -> Result<RecordScope> {
        let Some(store) = self.store() else {
            return Ok(RecordScope::None);
        };
        let mut bases: Vec<String> = (store.table_records(key)?.into_iter())
            .filter(|t| t.records > 0)
            .map(|t| t.base)
            .collect();
        bases.sort_unstable();
        bases.dedup();
        Ok(if bases.is_empty() {
            RecordScope::None
        } else {
            RecordScope::Of(bases)
        })
    }

    /// The bases of `key` whose webhook a sync follows (still alive): a sync reads their
    /// changes, not all their records.
    fn followed_bases(&self, key: &AccountKey) -> Result<std::collections::HashSet<String>> {
        let Some(store) = self.store() else {
            return Ok(Default::default());
        };
        let state = store.provider_state(key)?;
        Ok(crate::providers::airtable::webhooks::followed(&state, chrono::Utc::now()).collect())
    }

    /// Why a scheduled sync leaves `scope`'s records out, if it must: refreshing them would pass
    /// half of the plan's monthly calls (or the quota was met).
    pub fn held_back(&self, key: &AccountKey, scope: &RecordScope) -> Result<Option<String>> {
        let estimate = self.records_estimate(key, scope, &self.followed_bases(key)?)?;
        let usage = &estimate.usage;
        if !passes_half(usage, estimate.calls) {
            return Ok(None);
        }
        let name = key.integration.display_name();
        Ok(Some(match (usage.quota_met_at, usage.plan_calls) {
            (Some(_), _) => format!("{name}'s records were not refreshed: {name} refused calls this month because the quota was spent."),
            (None, cap) => format!(
                "{name}'s records were not refreshed: with {} made this month, refreshing them (about {}) would pass half of the plan's {} a month. Load them yourself when you want them.",
                plural(u64::from(usage.calls), "call"),
                plural(u64::from(estimate.calls), "call"),
                plural(u64::from(cap.unwrap_or_default()), "call")
            ),
        }))
    }
}

/// The active account's usage, for the faces (the account is the connection's).
impl Connections {
    async fn active_key(&self, integration: Integration) -> Result<AccountKey> {
        let connection = self
            .find(integration)
            .await?
            .ok_or(CoreError::NotConnected { integration })?;
        Ok(account_key(&connection))
    }

    /// Remembers which plan the active `integration` account is on (`None`: not known) and
    /// answers its usage as the card shows it.
    pub async fn set_plan(
        &self,
        integration: Integration,
        plan: Option<String>,
    ) -> Result<Option<ApiUsage>> {
        let key = self.active_key(integration).await?;
        let library = self.library.clone();
        blocking(move || library.set_plan(&key, plan.as_deref())).await
    }

    /// What `request` will cost the active `integration` account in API calls, where its
    /// provider caps them by a plan and the request loads records (a sync: those stored); `None`
    /// otherwise. A sync asks first only when it would pass half of the plan's monthly calls.
    pub async fn load_estimate(
        &self,
        integration: Integration,
        request: &LoadRequest,
    ) -> Result<Option<CallEstimate>> {
        let capped = crate::providers::provider(integration)
            .capabilities()
            .call_plans;
        if !capped || (request.records.is_none() && !request.sync) {
            return Ok(None);
        }
        let key = self.active_key(integration).await?;
        let (library, request) = (self.library.clone(), request.clone());
        blocking(move || {
            let mut scope = request.records.clone();
            if request.sync && scope.is_none() {
                scope = library.stored_record_scope(&key)?;
            }
            if scope.is_none() {
                return Ok(None);
            }
            let followed = match request.sync {
                true => library.followed_bases(&key)?,
                false => Default::default(),
            };
            let mut estimate = library.records_estimate(&key, &scope, &followed)?;
            if request.sync {
                estimate.ask_first = passes_half(&estimate.usage, estimate.calls);
            }
            Ok(Some(estimate))
        })
        .await
    }
}
