//! Items' histories: every change the loads found, per item, oldest first (the store's
//! revisions), for the details panel and `inlet history`.

use chrono::{DateTime, Utc};

use super::{CurrentAccount, Library};
use crate::error::{CoreError, Result};
use crate::item_store::Revision;

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
}

impl Library {
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
