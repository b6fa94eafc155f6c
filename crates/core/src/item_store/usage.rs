//! What Inlet spent of an account's API calls: per calendar month (UTC) and scope (Airtable: a
//! base), the month a monthly quota was met, and the plan the person says the account is on —
//! kept beside the items, since both faces load and both show it.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{mode_text, sql_error, AccountKey, ItemStore};
use crate::error::Result;

/// One month of an account's calls, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredUsage {
    /// Calls Inlet sent this month, all scopes together.
    pub calls: u64,
    /// The largest scope's share (Airtable: the base Inlet called most).
    pub busiest_scope: Option<(String, u64)>,
    /// When the provider said this month's quota was met.
    pub quota_met_at: Option<DateTime<Utc>>,
}

/// A stored table and how many of its records the store holds (the records load's estimate).
#[derive(Debug, Clone, PartialEq)]
pub struct TableRecords {
    /// The table's base.
    pub base: String,
    /// The table.
    pub table: String,
    /// Its records in the store (0: none loaded yet, or an empty table).
    pub records: u64,
}

impl ItemStore {
    /// Adds `calls` (scope, count) to `key`'s `month` (`YYYY-MM`).
    pub fn add_api_calls(
        &self,
        key: &AccountKey,
        month: &str,
        calls: &[(String, u64)],
    ) -> Result<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(sql_error)?;
        for (scope, count) in calls.iter().filter(|(_, n)| *n > 0) {
            tx.execute(
                "INSERT INTO api_calls (integration, mode, account_id, month, scope, calls)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT DO UPDATE SET calls = calls + excluded.calls",
                params![
                    key.integration.id(),
                    mode_text(key.mode),
                    key.account_id,
                    month,
                    scope,
                    i64::try_from(*count).unwrap_or(i64::MAX)
                ],
            )
            .map_err(sql_error)?;
        }
        tx.commit().map_err(sql_error)
    }

    /// Notes that the provider refused `key`'s calls for `month`'s quota at `at` (the first time
    /// is kept).
    pub fn note_quota_met(&self, key: &AccountKey, month: &str, at: DateTime<Utc>) -> Result<()> {
        self.lock()
            .execute(
                "INSERT OR IGNORE INTO quota_met (integration, mode, account_id, month, at)
                   VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    key.integration.id(),
                    mode_text(key.mode),
                    key.account_id,
                    month,
                    at.to_rfc3339()
                ],
            )
            .map(drop)
            .map_err(sql_error)
    }

    /// `key`'s calls in `month`.
    pub fn api_usage(&self, key: &AccountKey, month: &str) -> Result<StoredUsage> {
        let connection = self.read();
        let account = params![
            key.integration.id(),
            mode_text(key.mode),
            key.account_id,
            month
        ];
        let mut statement = connection
            .prepare_cached(
                "SELECT scope, calls FROM api_calls
                  WHERE integration = ?1 AND mode = ?2 AND account_id = ?3 AND month = ?4",
            )
            .map_err(sql_error)?;
        let mut usage = StoredUsage::default();
        let rows = statement
            .query_map(account, |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(sql_error)?;
        for row in rows {
            let (scope, calls) = row.map_err(sql_error)?;
            let calls = u64::try_from(calls).unwrap_or(0);
            usage.calls += calls;
            let busier = usage.busiest_scope.as_ref().is_none_or(|(_, n)| calls > *n);
            if !scope.is_empty() && busier {
                usage.busiest_scope = Some((scope, calls));
            }
        }
        usage.quota_met_at = connection
            .query_row(
                "SELECT at FROM quota_met
                  WHERE integration = ?1 AND mode = ?2 AND account_id = ?3 AND month = ?4",
                account,
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(sql_error)?
            .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&Utc));
        Ok(usage)
    }

    /// The plan the person said `key` is on (a provider's plan id), if they said.
    pub fn plan(&self, key: &AccountKey) -> Result<Option<String>> {
        self.read()
            .query_row(
                "SELECT plan FROM account_plans WHERE integration = ?1 AND mode = ?2 AND account_id = ?3",
                params![key.integration.id(), mode_text(key.mode), key.account_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_error)
    }

    /// Remembers `key`'s plan (`None`: not known).
    pub fn set_plan(&self, key: &AccountKey, plan: Option<&str>) -> Result<()> {
        let connection = self.lock();
        let account = params![key.integration.id(), mode_text(key.mode), key.account_id];
        match plan {
            Some(plan) => connection.execute(
                "INSERT INTO account_plans (integration, mode, account_id, plan) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO UPDATE SET plan = excluded.plan",
                params![key.integration.id(), mode_text(key.mode), key.account_id, plan],
            ),
            None => connection.execute(
                "DELETE FROM account_plans WHERE integration = ?1 AND mode = ?2 AND account_id = ?3",
                account,
            ),
        }
        .map(drop)
        .map_err(sql_error)
    }

    /// Every table of `key`'s current generation with the number of its records stored there.
    pub fn table_records(&self, key: &AccountKey) -> Result<Vec<TableRecords>> {
        let Some(generation) = self.current(key)? else {
            return Ok(Vec::new());
        };
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(
                "SELECT t.parent_id, t.item_id,
                        (SELECT count(*) FROM item_rows r WHERE r.generation = t.generation
                            AND r.parent_id = t.item_id AND r.item_type = 'record')
                   FROM item_rows t WHERE t.generation = ?1 AND t.item_type = 'table'",
            )
            .map_err(sql_error)?;
        let rows = statement
            .query_map([generation.id], |r| {
                Ok(TableRecords {
                    base: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    table: r.get(1)?,
                    records: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                })
            })
            .map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }

    /// Forgets `key`'s counts, quota notes and plan (with its items).
    pub(super) fn forget_usage(tx: &rusqlite::Transaction<'_>, key: &AccountKey) -> Result<()> {
        for table in ["api_calls", "quota_met", "account_plans"] {
            tx.execute(
                &format!(
                    "DELETE FROM {table} WHERE integration = ?1 AND mode = ?2 AND account_id = ?3"
                ),
                params![key.integration.id(), mode_text(key.mode), key.account_id],
            )
            .map_err(sql_error)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::integration::Integration;

    fn key(id: &str) -> AccountKey {
        AccountKey {
            integration: Integration::Airtable,
            mode: Mode::Sandbox,
            account_id: id.into(),
        }
    }

    #[test]
    fn calls_add_up_per_month_and_account() {
        let dir = tempfile::tempdir().unwrap();
        let store = ItemStore::open(&dir.path().join("items.sqlite3")).unwrap();
        let (me, other) = (key("usrMe"), key("usrOther"));
        store
            .add_api_calls(&me, "2026-12", &[("appA".into(), 3), (String::new(), 1)])
            .unwrap();
        store
            .add_api_calls(&me, "2026-12", &[("appA".into(), 2), ("appB".into(), 4)])
            .unwrap();
        store
            .add_api_calls(&me, "2026-11", &[("appA".into(), 50)])
            .unwrap();
        store
            .add_api_calls(&other, "2026-12", &[("appC".into(), 7)])
            .unwrap();
        let usage = store.api_usage(&me, "2026-12").unwrap();
        assert_eq!(usage.calls, 10);
        assert_eq!(usage.busiest_scope, Some(("appA".into(), 5)));
        assert_eq!(usage.quota_met_at, None);

        let at = DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        store.note_quota_met(&me, "2026-12", at).unwrap();
        store
            .note_quota_met(&me, "2026-12", at + chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(
            store.api_usage(&me, "2026-12").unwrap().quota_met_at,
            Some(at)
        );
        assert_eq!(
            store.api_usage(&other, "2026-12").unwrap().quota_met_at,
            None
        );

        assert_eq!(store.plan(&me).unwrap(), None);
        store.set_plan(&me, Some("free")).unwrap();
        store.set_plan(&me, Some("team")).unwrap();
        assert_eq!(store.plan(&me).unwrap().as_deref(), Some("team"));
        store.set_plan(&me, None).unwrap();
        assert_eq!(store.plan(&me).unwrap(), None);
    }

    #[test]
    fn forgetting_an_account_forgets_its_usage() {
        let dir = tempfile::tempdir().unwrap();
        let store = ItemStore::open(&dir.path().join("items.sqlite3")).unwrap();
        let me = key("usrMe");
        store
            .add_api_calls(&me, "2026-12", &[("appA".into(), 3)])
            .unwrap();
        store.set_plan(&me, Some("free")).unwrap();
        store.forget(&me).unwrap();
        assert_eq!(
            store.api_usage(&me, "2026-12").unwrap(),
            StoredUsage::default()
        );
        assert_eq!(store.plan(&me).unwrap(), None);
    }
}
