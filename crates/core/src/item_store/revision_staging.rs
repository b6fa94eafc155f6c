//! The revisions a load finds, staged as it writes: each row is marked as it is written
//! (`compare.rs`), and a changed item's diff is worked out then, batch by batch — not for every
//! changed item at once in the finishing transaction, under the write lock.
//!
//! They wait in a temporary table of the writer connection, by generation (no reader sees them);
//! the finish copies them into `revision_rows` with the time it finished, followed by the gone
//! items. A load dropped, or compared again at the finish, forgets its own.

use rusqlite::{params, Connection, Transaction};

use super::revisions::what_changed;
use super::{mode_text, sql_error, AccountKey};
use crate::error::Result;

/// Makes sure the writer connection has the table: once per batch before [`stage`], and by
/// [`record`] and [`forget`].
pub(super) fn create(connection: &Connection) -> Result<()> {
    connection
        .execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS staged_revisions (
                generation INTEGER NOT NULL,
                key TEXT NOT NULL,
                item_id TEXT NOT NULL,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                changes TEXT NOT NULL,
                edited_by TEXT
             )",
        )
        .map_err(sql_error)
}

/// One row a load wrote, as its revision needs it.
pub(super) struct Written<'a> {
    pub(super) generation: i64,
    pub(super) key: &'a str,
    pub(super) item_id: &'a str,
    pub(super) name: &'a str,
    /// Its stored body (JSON).
    pub(super) body: &'a str,
}

/// Stages the revision of `row`, marked `delta` (`new` or `changed`); a changed one is compared
/// with `previous`, the row it replaces. The table is made first ([`create`]).
pub(super) fn stage(
    tx: &Transaction<'_>,
    row: &Written<'_>,
    delta: &str,
    previous: Option<i64>,
) -> Result<()> {
    let (changes, edited_by) = match (delta, previous) {
        ("changed", Some(previous)) => {
            let before: String = tx
                .prepare_cached("SELECT body FROM item_rows WHERE rowid = ?1")
                .map_err(sql_error)?
                .query_row([previous], |r| r.get(0))
                .map_err(sql_error)?;
            what_changed(&before, row.body)?
        }
        _ => {
            let edited_by = serde_json::from_str::<serde_json::Value>(row.body)
                .ok()
                .and_then(|b| {
                    b["details"][crate::item::EDITED_BY]
                        .as_str()
                        .map(str::to_owned)
                });
            ("[]".to_owned(), edited_by)
        }
    };
    tx.prepare_cached("INSERT INTO temp.staged_revisions VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .map_err(sql_error)?
        .execute(params![
            row.generation,
            row.key,
            row.item_id,
            row.name,
            delta,
            changes,
            edited_by
        ])
        .map_err(sql_error)?;
    Ok(())
}

/// Records `generation`'s staged revisions, then its gone items' (each keeping its last body),
/// as seen at `seen_at`; the staged ones are then forgotten.
pub(super) fn record(
    tx: &Transaction<'_>,
    key: &AccountKey,
    generation: i64,
    seen_at: &str,
) -> Result<()> {
    create(tx)?;
    let account = (key.integration.id(), mode_text(key.mode), &key.account_id);
    tx.execute(
        "INSERT INTO revision_rows (integration, mode, account_id, key, item_id, name, generation,
                                seen_at, kind, changes, edited_by)
         SELECT ?1, ?2, ?3, key, item_id, name, generation, ?5, kind, changes, edited_by
         FROM temp.staged_revisions WHERE generation = ?4 ORDER BY rowid",
        params![account.0, account.1, account.2, generation, seen_at],
    )
    .map_err(sql_error)?;
    tx.execute(
        "INSERT INTO revision_rows (integration, mode, account_id, key, item_id, name, generation,
                                seen_at, kind, changes, body)
         SELECT ?1, ?2, ?3, key, item_id, name, generation, ?5, 'gone', '[]', body
         FROM item_rows WHERE generation = ?4 AND delta = 'gone'",
        params![account.0, account.1, account.2, generation, seen_at],
    )
    .map_err(sql_error)?;
    forget(tx, generation)
}

/// Forgets `generation`'s staged revisions.
pub(super) fn forget(connection: &Connection, generation: i64) -> Result<()> {
    create(connection)?;
    connection
        .execute(
            "DELETE FROM temp.staged_revisions WHERE generation = ?1",
            [generation],
        )
        .map_err(sql_error)?;
    Ok(())
}
