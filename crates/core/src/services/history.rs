//! Items' histories: every change the loads found, per item, oldest first (the store's
//! revisions), for the details panel and `inlet history`.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{CurrentAccount, Library};
use crate::error::{CoreError, Result};
use crate::item_store::{HistorySpace, Revision, RevisionPage};
use crate::sync::lock;

impl Library {
    /// The revisions of the item `item_id` in the `accounts`, oldest first (none without a store).
    pub async fn item_history(
        &self,
        accounts: &[CurrentAccount],
        item_id: &str,
    ) -> Result<Vec<Revision>> {
        let Some(store) = self.store().cloned() else {
            return Ok(Vec::new());
        };
        if item_id.is_empty() || item_id.len() > 1_000 {
            return Err(CoreError::invalid_argument(
                "An item id is between 1 and 1,000 characters.",
            ));
        }
        let (accounts, item_id) = (accounts.to_vec(), item_id.to_owned());
        tokio::task::spawn_blocking(move || store.revisions(&accounts, Some(&item_id), ""))
            .await
            .map_err(|e| CoreError::task_failed("reading the item store", e))?
    }

    /// Every change the loads of `accounts` found since `since` ("since Monday"), oldest first.
    pub async fn changes_since(
        &self,
        accounts: &[CurrentAccount],
        since: DateTime<Utc>,
    ) -> Result<Vec<Revision>> {
        let Some(store) = self.store().cloned() else {
            return Ok(Vec::new());
        };
        let accounts = accounts.to_vec();
        let since = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        tokio::task::spawn_blocking(move || store.revisions(&accounts, None, &since))
            .await
            .map_err(|e| CoreError::task_failed("reading the item store", e))?
    }

    /// A page of the changes the loads of `accounts` found since `since`, oldest first:
    /// `skip` skipped, `limit` at most, with how many there are in all.
    pub async fn changes_page(
        &self,
        accounts: &[CurrentAccount],
        since: DateTime<Utc>,
        skip: u64,
        limit: u32,
    ) -> Result<RevisionPage> {
        let Some(store) = self.store().cloned() else {
            return Ok(RevisionPage::default());
        };
        let accounts = accounts.to_vec();
        let since = since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        tokio::task::spawn_blocking(move || store.revisions_page(&accounts, &since, skip, limit))
            .await
            .map_err(|e| CoreError::task_failed("reading the item store", e))?
    }
}

/// The library of the store as of a date, for the window: what it was made for.
pub(crate) struct AsOfView {
    at: DateTime<Utc>,
    accounts: Vec<CurrentAccount>,
    revision: u64,
    library: Arc<Library>,
    notes: Vec<String>,
}

impl Library {
    /// The library `view` reads: this one, or — for a view `as_of` a date — the store as it
    /// was then (made once per date, accounts and store revision, and kept while the window
    /// looks at it); the notes say what it could not bring back.
    pub async fn viewed(
        self: &Arc<Self>,
        accounts: &[CurrentAccount],
        view: &super::ItemView,
    ) -> Result<(Arc<Library>, Vec<String>)> {
        let Some(text) = view.as_of.as_deref().filter(|t| !t.trim().is_empty()) else {
            return Ok((self.clone(), Vec::new()));
        };
        let at = parse_as_of(text.trim())?;
        let revision = self.revision();
        {
            let kept = lock(&self.as_of_view);
            if let Some(kept) = kept
                .as_ref()
                .filter(|k| k.at == at && k.accounts == accounts && k.revision == revision)
            {
                return Ok((kept.library.clone(), kept.notes.clone()));
            }
        }
        let (then, notes) = self.as_of(accounts, at).await?;
        let library = Arc::new(then);
        *lock(&self.as_of_view) = Some(AsOfView {
            at,
            accounts: accounts.to_vec(),
            revision,
            library: library.clone(),
            notes: notes.clone(),
        });
        Ok((library, notes))
    }

    /// The store as it was at `at`: a library of its own (a private temporary store, gone with
    /// it) holding each of `accounts`' items as they were then, and their pages' content as it is
    /// now (Inlet keeps the history of items, not of page bodies); with notes saying what it
    /// could not bring back.
    pub async fn as_of(
        &self,
        accounts: &[CurrentAccount],
        at: DateTime<Utc>,
    ) -> Result<(Library, Vec<String>)> {
        let store = self.store().cloned().ok_or_else(|| {
            CoreError::invalid_argument("There is no item store to look back in.")
        })?;
        let accounts = accounts.to_vec();
        tokio::task::spawn_blocking(move || {
            let then = Library::temporary();
            let target = then.store().cloned().ok_or_else(|| {
                CoreError::invalid_argument("No private temporary store could be made.")
            })?;
            let at_text = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let mut notes = Vec::new();
            for key in &accounts {
                let Some(as_of) = store.items_as_of(key, &at_text)? else {
                    continue;
                };
                let label = &as_of.current.account.label;
                if as_of.items.is_empty() {
                    if let Some(from) = &as_of.history_from {
                        notes.push(format!("{label}: nothing was loaded before {from}."));
                    }
                }
                if as_of.not_kept > 0 {
                    notes.push(format!(
                        "{label}: {} item{} gone since could not be brought back (gone before Inlet kept gone items whole).",
                        as_of.not_kept,
                        if as_of.not_kept == 1 { "" } else { "s" }
                    ));
                }
                // The pages' content first (one read, one transaction), so that the items
                // written after it are searchable by it as in the live store.
                let mut markdown = store.markdown_by_item(key)?;
                let contents: Vec<_> = (as_of.items.iter())
                    .filter_map(|item| {
                        Some(crate::item::ItemContent {
                            item_id: item.id.clone(),
                            edited: None,
                            markdown: markdown.remove(&item.id)?,
                            blocks: serde_json::Value::Null,
                        })
                    })
                    .collect();
                target.put_contents(key, &contents)?;
                let mut writer = target.begin(key, &as_of.current.account)?;
                writer.append(&as_of.items)?;
                writer.finish(false)?;
            }
            Ok((then, notes))
        })
        .await
        .map_err(|e| CoreError::task_failed("reading the item store", e))?
    }

    /// What the history holds, the room it takes and how long it keeps every change.
    pub async fn history_space(&self) -> Result<HistorySpace> {
        let store = self.history_store()?;
        tokio::task::spawn_blocking(move || store.history_space())
            .await
            .map_err(|e| CoreError::task_failed("reading the item store", e))?
    }

    /// Keeps every change for `days` (then one a day per item until three months, then one a
    /// week); says how the history stands.
    pub async fn set_retention_days(&self, days: u32) -> Result<HistorySpace> {
        let store = self.history_store()?;
        tokio::task::spawn_blocking(move || {
            store.set_retention_days(days)?;
            store.thin_revisions(Utc::now())?;
            store.history_space()
        })
        .await
        .map_err(|e| CoreError::task_failed("writing the item store", e))?
    }

    fn history_store(&self) -> Result<crate::item_store::ItemStore> {
        self.store()
            .cloned()
            .ok_or_else(|| CoreError::invalid_argument("There is no item store, so no history."))
    }

    /// Saves what `key`'s provider remembered for its next load (a failure to save it only makes
    /// the provider start afresh next time: an Airtable base's records read in full).
    pub async fn remember_provider_state(
        &self,
        key: &crate::item_store::AccountKey,
        updates: Vec<(String, Option<String>)>,
    ) {
        let Some(store) = self.store().cloned().filter(|_| !updates.is_empty()) else {
            return;
        };
        let key = key.clone();
        let saved =
            tokio::task::spawn_blocking(move || store.update_provider_state(&key, &updates)).await;
        if !matches!(saved, Ok(Ok(()))) {
            tracing::warn!("could not save the provider's state: the next load starts afresh");
        }
    }

    /// Notes that `key`'s complete full load began at `started_at` (a failure to note it only
    /// makes the next sync a full load).
    pub async fn note_full_load(
        &self,
        key: &crate::item_store::AccountKey,
        started_at: DateTime<Utc>,
    ) {
        let Some(store) = self.store().cloned() else {
            return;
        };
        let key = key.clone();
        let noted =
            tokio::task::spawn_blocking(move || store.note_full_load(&key, started_at)).await;
        if !matches!(noted, Ok(Ok(()))) {
            tracing::warn!("could not note a full load: the next sync loads in full");
        }
    }
}

/// An `--as-of` as people write it: a date (`2026-12-01`: the state at the end of that day,
/// UTC) or an RFC 3339 time.
pub fn parse_as_of(text: &str) -> Result<DateTime<Utc>> {
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok();
    let at = parse_since(text).map_err(|_| {
        CoreError::invalid_argument(format!(
            "--as-of takes a date (2026-12-01) or a time (2026-12-01T09:00:00Z), not {:?}.",
            text.chars().take(40).collect::<String>()
        ))
    })?;
    Ok(if day {
        at + chrono::Duration::days(1) - chrono::Duration::milliseconds(1)
    } else {
        at
    })
}

/// A `--since` as people write it: a date (`2026-12-01`, midnight UTC) or an RFC 3339 time.
pub fn parse_since(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            CoreError::invalid_argument(format!(
                "--since takes a date (2026-12-01) or a time (2026-12-01T09:00:00Z), not {text:?}."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_a_date_or_a_time_and_refuses_the_rest() {
        assert_eq!(
            parse_since("2026-12-01").unwrap().to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2026-12-01T09:30:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-12-01T08:30:00+00:00"
        );
        assert_eq!(
            parse_since("monday").map_err(|e| e.code()),
            Err("invalid_argument")
        );
    }
}
