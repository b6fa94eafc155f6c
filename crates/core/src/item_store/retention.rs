//! How long the history keeps every change: all of an item's revisions for the person's number of
//! days (a preference, [`DEFAULT_RETENTION_DAYS`] unless set), then one a day per item until
//! [`DAILY_UNTIL_DAYS`], then one a week — the changes an item went through in one day (or week)
//! become one revision, each field from what it was before the first to what it was after the
//! last, so the store as of the end of any day (or week) is still exact. New and gone revisions
//! are kept as they are; a day in which an item changed and changed back leaves nothing. Thinned
//! after every load (`Library::finish_load`), from where the last thinning stopped.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, SecondsFormat, Utc};
use rusqlite::params;
use serde::Serialize;
use specta::Type;

use super::undo::StoredChange;
use super::{sql_error, ItemStore};
use crate::error::{CoreError, Result};

/// Days every revision is kept, unless the person chose otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
/// Until this age, the history keeps one revision a day per item; then one a week.
pub const DAILY_UNTIL_DAYS: u32 = 90;
/// The most days the person may choose (ten years).
pub const MOST_RETENTION_DAYS: u32 = 3_650;

const DAYS_PREFERENCE: &str = "revision_days";
const THINNED_PREFERENCE: &str = "revisions_thinned_until";

/// What the history holds and the room it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct HistorySpace {
    /// Days every change is kept.
    pub days: u32,
    /// Until this age, one change a day per item; then one a week.
    pub daily_until_days: u32,
    /// Revisions kept, every account's.
    #[specta(type = f64)]
    pub revisions: u64,
    /// The bytes they take (their text: names, fields, values, gone items' bodies).
    #[specta(type = f64)]
    pub bytes: u64,
    /// When the oldest was seen.
    pub oldest: Option<String>,
    /// The room the whole store takes on disk (the file and its journal).
    #[specta(type = f64)]
    pub store_bytes: u64,
}

impl ItemStore {
    /// Days every revision is kept.
    pub fn retention_days(&self) -> Result<u32> {
        Ok(self
            .preference(DAYS_PREFERENCE)?
            .and_then(|d| d.parse().ok())
            .unwrap_or(DEFAULT_RETENTION_DAYS))
    }

    /// Keeps every revision for `days` (1 to ten years); thinning older ones happens after the
    /// next load.
    pub fn set_retention_days(&self, days: u32) -> Result<()> {
        if !(1..=MOST_RETENTION_DAYS).contains(&days) {
            return Err(CoreError::invalid_argument(format!(
                "Every change can be kept for 1 to {MOST_RETENTION_DAYS} days, not {days}."
            )));
        }
        self.set_preference(DAYS_PREFERENCE, Some(&days.to_string()))?;
        // A longer time than before: nothing thinned comes back, but nothing newer is thinned.
        self.set_preference(THINNED_PREFERENCE, None)
    }

    /// The history's size.
    pub fn history_space(&self) -> Result<HistorySpace> {
        let (revisions, bytes, oldest) = self
            .read()
            .query_row(
                "SELECT count(*), coalesce(sum(length(name) + length(changes) + length(key)
                        + coalesce(length(body), 0)), 0), min(seen_at) FROM revision_rows",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get(2)?)),
            )
            .map_err(sql_error)?;
        Ok(HistorySpace {
            days: self.retention_days()?,
            daily_until_days: DAILY_UNTIL_DAYS,
            revisions: revisions.unsigned_abs(),
            bytes: bytes.unsigned_abs(),
            oldest,
            store_bytes: self.files_size(),
        })
    }

    /// The room the store takes on disk, its journal written back into it first (what `du`
    /// says once no load runs).
    pub fn disk_size(&self) -> Result<u64> {
        self.lock()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(sql_error)?;
        Ok(self.files_size())
    }

    /// The room the store's data takes: its pages less the free ones SQLite keeps in the file
    /// for the next load to reuse (a load writes its generation before the one it replaces is
    /// dropped, so the file holds about one generation more than the data).
    pub fn live_size(&self) -> Result<u64> {
        let connection = self.lock();
        let pragma = |name: &str| {
            connection
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0))
                .map_err(sql_error)
        };
        let pages = pragma("page_count")? - pragma("freelist_count")?;
        Ok((pages * pragma("page_size")?).unsigned_abs())
    }

    /// The sizes of the store's file and its write-ahead journal.
    fn files_size(&self) -> u64 {
        let size = |path: &std::path::Path| std::fs::metadata(path).map_or(0, |m| m.len());
        let mut journal = self.path().as_os_str().to_owned();
        journal.push("-wal");
        size(self.path()) + size(std::path::Path::new(&journal))
    }

    /// Thins the revisions older than the retention at `now` (see the module); answers how
    /// many were folded into others or dropped.
    pub fn thin_revisions(&self, now: DateTime<Utc>) -> Result<u64> {
        let days = i64::from(self.retention_days()?);
        let all_until = now - Duration::days(days);
        let daily_until = now - Duration::days(days.max(i64::from(DAILY_UNTIL_DAYS)));
        let text = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        // From where the last thinning stopped — less the days its daily zone has since aged
        // into the weekly one, and a week's bucket reaching back seven days before that.
        let weekly_lag = Duration::days(days.max(i64::from(DAILY_UNTIL_DAYS)) - days);
        let from = self
            .preference(THINNED_PREFERENCE)?
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| text(t.with_timezone(&Utc) - weekly_lag - Duration::days(8)))
            .unwrap_or_default();
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(sql_error)?;
        let runs = {
            let mut statement = tx
                .prepare(
                    "SELECT id, integration || '/' || mode || '/' || account_id || '/' || key,
                            seen_at, kind, changes FROM revision_rows
                      WHERE seen_at >= ?1 AND seen_at < ?2 ORDER BY id",
                )
                .map_err(sql_error)?;
            let rows = statement
                .query_map(params![from, text(all_until)], |r| {
                    Ok(Seen {
                        id: r.get(0)?,
                        item: r.get(1)?,
                        seen_at: r.get(2)?,
                        kind: r.get(3)?,
                        changes: r.get(4)?,
                    })
                })
                .map_err(sql_error)?;
            let rows = rows
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(sql_error)?;
            runs_of(rows, daily_until)
        };
        let mut dropped = 0u64;
        for run in runs.into_iter().filter(|r| r.ids.len() > 1) {
            let mut ids = run.ids.clone();
            let last = ids.pop().unwrap_or_default();
            let earlier: Vec<String> = ids.iter().map(i64::to_string).collect();
            dropped += tx
                .execute(
                    &format!(
                        "DELETE FROM revision_rows WHERE id IN ({})",
                        earlier.join(",")
                    ),
                    [],
                )
                .map_err(sql_error)? as u64;
            let net = run.net();
            if net.is_empty() {
                dropped += tx
                    .execute("DELETE FROM revision_rows WHERE id = ?1", [last])
                    .map_err(sql_error)? as u64;
            } else {
                let changes = serde_json::to_string(&net)
                    .map_err(|e| CoreError::serialization("a revision", e))?;
                tx.execute(
                    "UPDATE revision_rows SET changes = ?2 WHERE id = ?1",
                    params![last, changes],
                )
                .map_err(sql_error)?;
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO preferences (name, value) VALUES (?1, ?2)",
            params![THINNED_PREFERENCE, text(all_until)],
        )
        .map_err(sql_error)?;
        tx.commit().map_err(sql_error)?;
        Ok(dropped)
    }
}

/// A revision as thinning reads it.
struct Seen {
    id: i64,
    /// Its account and item key.
    item: String,
    seen_at: String,
    kind: String,
    changes: String,
}

/// Each item's runs of changes within one bucket (a new or gone revision ends a run), in the
/// order seen.
fn runs_of(rows: Vec<Seen>, daily_until: DateTime<Utc>) -> Vec<Run> {
    let mut open: HashMap<String, Run> = HashMap::new();
    let mut done = Vec::new();
    for row in rows {
        let run = open.remove(&row.item);
        if row.kind != "changed" {
            done.extend(run);
            continue;
        }
        let bucket = bucket_of(&row.seen_at, daily_until);
        let changes: Vec<StoredChange> = serde_json::from_str(&row.changes).unwrap_or_default();
        match run {
            Some(mut run) if run.bucket == bucket => {
                run.absorb(row.id, changes);
                open.insert(row.item, run);
            }
            other => {
                done.extend(other);
                open.insert(row.item, Run::new(row.id, bucket, changes));
            }
        }
    }
    done.extend(open.into_values());
    done
}

/// The day (`2026-12-01`) of a revision seen after `daily_until`, else its ISO week
/// (`2026-W48`).
fn bucket_of(seen_at: &str, daily_until: DateTime<Utc>) -> String {
    let Ok(at) = DateTime::parse_from_rfc3339(seen_at) else {
        return seen_at.to_owned();
    };
    let at = at.with_timezone(&Utc);
    if at >= daily_until {
        at.format("%Y-%m-%d").to_string()
    } else {
        let week = at.iso_week();
        format!("{}-W{:02}", week.year(), week.week())
    }
}

/// One item's changes in one bucket, in the order seen.
struct Run {
    ids: Vec<i64>,
    bucket: String,
    changes: Vec<StoredChange>,
}

impl Run {
    fn new(id: i64, bucket: String, changes: Vec<StoredChange>) -> Self {
        Self {
            ids: vec![id],
            bucket,
            changes,
        }
    }

    /// Adds a later revision's changes: a field seen before keeps where it came from (and
    /// takes where it went, for older rows that kept it).
    fn absorb(&mut self, id: i64, changes: Vec<StoredChange>) {
        self.ids.push(id);
        for change in changes {
            let same = |c: &&mut StoredChange| c.path == change.path && c.field == change.field;
            match self.changes.iter_mut().find(same) {
                Some(earlier) => {
                    earlier.to = change.to;
                    earlier.removed = change.removed;
                }
                None => self.changes.push(change),
            }
        }
    }

    /// The fields that moved over the whole run: one that came and went is left out, and so is
    /// one that came back to where it was where the row says what it became (otherwise the
    /// history leaves it out when it reads what the field became).
    fn net(self) -> Vec<StoredChange> {
        self.changes
            .into_iter()
            .filter(|c| {
                let came_and_went = c.added && c.removed;
                let back_where_it_was = !c.added && !c.removed && c.to.as_ref() == Some(&c.from);
                !came_and_went && !back_where_it_was
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item_store::mode_text;
    use crate::item_store::tests::{key, temp_store};
    use serde_json::json;

    fn add(store: &ItemStore, item: &str, seen_at: DateTime<Utc>, from: &str, to: &str) {
        let key = key();
        let changes = json!([{"field": "name", "from": from, "to": to}]).to_string();
        store
            .lock()
            .execute(
                "INSERT INTO revision_rows (integration, mode, account_id, key, item_id, name,
                                        generation, seen_at, kind, changes)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5, 1, ?6, 'changed', ?7)",
                params![
                    key.integration.id(),
                    mode_text(key.mode),
                    key.account_id,
                    item,
                    to,
                    seen_at.to_rfc3339_opts(SecondsFormat::Millis, true),
                    changes
                ],
            )
            .unwrap();
    }

    fn names(store: &ItemStore) -> Vec<(String, String)> {
        let revisions = store.revisions(&[key()], None, "").unwrap();
        (revisions.into_iter())
            .map(|r| (r.item_id, serde_json::to_string(&r.changes).unwrap()))
            .collect()
    }

    #[test]
    fn old_changes_fold_into_one_a_day_then_one_a_week_and_recent_ones_stay() {
        let (store, dir) = temp_store("retention");
        let now: DateTime<Utc> = "2026-12-06T12:00:00Z".parse().unwrap();
        let day = |days_ago: i64, hour: i64| now - Duration::days(days_ago) + Duration::hours(hour);
        // Forty days ago, three changes in one day: one, from the first's start to the last's end.
        add(&store, "a", day(40, 1), "A0", "A1");
        add(&store, "a", day(40, 2), "A1", "A2");
        add(&store, "a", day(40, 3), "A2", "A3");
        // Changed and changed back the same day: nothing.
        add(&store, "b", day(45, 1), "B0", "B1");
        add(&store, "b", day(45, 2), "B1", "B0");
        // Half a year ago, two days of one week: one a week.
        let monday: DateTime<Utc> = "2026-06-01T10:00:00Z".parse().unwrap();
        add(&store, "c", monday, "C0", "C1");
        add(&store, "c", monday + Duration::days(2), "C1", "C2");
        // Ten days ago: every change kept.
        add(&store, "a", day(10, 1), "A3", "A4");
        add(&store, "a", day(10, 2), "A4", "A5");
        assert_eq!(store.history_space().unwrap().revisions, 9);

        assert_eq!(store.thin_revisions(now).unwrap(), 5);
        // As the history shows a change: its dotted field, then its path (none in these rows,
        // written as older versions wrote them), then from and to.
        let change = |from: &str, to: &str| {
            format!(r#"[{{"field":"name","path":[],"from":"{from}","to":"{to}"}}]"#)
        };
        let mut kept = names(&store);
        kept.sort();
        assert_eq!(
            kept,
            [
                ("a".to_owned(), change("A0", "A3")),
                ("a".to_owned(), change("A3", "A4")),
                ("a".to_owned(), change("A4", "A5")),
                ("c".to_owned(), change("C0", "C2")),
            ]
        );
        // Thinning again changes nothing; the space says what is left.
        assert_eq!(store.thin_revisions(now).unwrap(), 0);
        // Two days of one week, 80 and 78 days ago: one a day now; once they pass 90 days (a
        // later thinning, from where this one stopped), one a week.
        let thursday: DateTime<Utc> = "2026-09-17T10:00:00Z".parse().unwrap();
        add(&store, "d", thursday, "D0", "D1");
        add(&store, "d", thursday + Duration::days(1), "D1", "D2");
        assert_eq!(
            store.thin_revisions(now).unwrap(),
            0,
            "two days: two revisions"
        );
        let later = now + Duration::days(12);
        assert_eq!(store.thin_revisions(now + Duration::days(1)).unwrap(), 0);
        assert_eq!(
            store.thin_revisions(later).unwrap(),
            1,
            "one week: one revision"
        );
        let space = store.history_space().unwrap();
        assert_eq!(space.revisions, 5);
        let d = store.revisions(&[key()], Some("d"), "").unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(
            serde_json::to_string(&d[0].changes).unwrap(),
            change("D0", "D2")
        );
        assert_eq!(space.days, DEFAULT_RETENTION_DAYS);
        assert!(space.bytes > 0);
        assert!(store.set_retention_days(0).is_err());
        store.set_retention_days(365).unwrap();
        assert_eq!(store.retention_days().unwrap(), 365);
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
