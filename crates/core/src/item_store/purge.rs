//! Dropping replaced generations in steps, so no step holds the write lock long: a million rows
//! deleted in one transaction kept every other write (a preference, another account's load, the
//! window's own marks) waiting 17 s (BENCHMARKS.md).
//!
//! The generation is first taken out of sight — marked as loading by this process, so nothing
//! reads or compares with it, and a crash mid-way leaves it to [`ItemStore::open`]'s clean-up of
//! abandoned loads — then deleted a batch of rows per transaction, with a pause after each so a
//! waiting writer takes the lock (the std mutex is not fair: without the pause the deleting
//! thread took it straight back). FTS5's automatic merging is off while the rows go (it would
//! merge whole segments inside one batch), and the index is merged afterwards a little per step.

use std::time::Duration;

use rusqlite::{params, Connection, Transaction, TransactionBehavior};

use super::{sql_error, ItemStore};
use crate::error::Result;

/// Rows deleted per transaction: the longest wait of another write while a million went was
/// 112 ms with 1,000, 76 ms with 500 (BENCHMARKS.md).
const ROWS_PER_STEP: i64 = 500;

/// Leaf pages the search index merges per step after a drop.
const PAGES_PER_MERGE: i64 = 64;

/// Merge steps after a drop, at most.
const MERGE_STEPS_AT_MOST: usize = 2_000;

/// FTS5's own default for `automerge`, put back after a drop.
const AUTOMERGE_DEFAULT: i64 = 4;

/// The pause after each step, for a writer that waits.
const PAUSE: Duration = Duration::from_millis(1);

impl ItemStore {
    /// Drops generation `id` in steps (see the module's note).
    pub(super) fn drop_in_steps(&self, id: i64) -> Result<()> {
        self.in_one_step(|connection| {
            connection
                .execute(
                    // Now, so another process's open does not take it for a load abandoned a
                    // day ago and delete the rest in one transaction.
                    "UPDATE generations SET state = 'loading', pid = ?2, started_at = ?3 WHERE id = ?1",
                    params![
                        id,
                        i64::from(std::process::id()),
                        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    ],
                )
                .map_err(sql_error)?;
            set_automerge(connection, 0)
        })?;
        let deleted = self.delete_rows_in_steps(id);
        // Merging resumes whatever became of the rows.
        let resumed = self.in_one_step(|connection| {
            if deleted.is_ok() {
                connection
                    .execute("DELETE FROM generations WHERE id = ?1", [id])
                    .map_err(sql_error)?;
            }
            set_automerge(connection, AUTOMERGE_DEFAULT)
        });
        deleted.and(resumed)?;
        self.merge_index_in_steps()
    }

    /// Deletes the rows of generation `id` and their search text, a batch per transaction.
    fn delete_rows_in_steps(&self, id: i64) -> Result<()> {
        loop {
            let deleted = self.in_one_step(|connection| {
                // Immediate: the step reads, then writes; another process's commit in between
                // would otherwise fail the write (a stale snapshot) instead of being waited for.
                let tx = Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
                    .map_err(sql_error)?;
                let rows: Vec<i64> = {
                    let mut statement = tx
                        .prepare_cached(
                            "SELECT rowid FROM item_rows WHERE generation = ?1 LIMIT ?2",
                        )
                        .map_err(sql_error)?;
                    let rows = statement
                        .query_map(params![id, ROWS_PER_STEP], |r| r.get(0))
                        .map_err(sql_error)?;
                    rows.collect::<rusqlite::Result<_>>().map_err(sql_error)?
                };
                {
                    let mut text = tx
                        .prepare_cached("DELETE FROM items_text WHERE rowid = ?1")
                        .map_err(sql_error)?;
                    let mut row = tx
                        .prepare_cached("DELETE FROM item_rows WHERE rowid = ?1")
                        .map_err(sql_error)?;
                    for rowid in &rows {
                        text.execute([rowid]).map_err(sql_error)?;
                        row.execute([rowid]).map_err(sql_error)?;
                    }
                }
                tx.commit().map_err(sql_error)?;
                Ok(rows.len())
            })?;
            if deleted == 0 {
                return Ok(());
            }
        }
    }

    /// Merges the search index's segments a little per step until nothing is left to merge
    /// (FTS5 says so by changing fewer than two rows).
    fn merge_index_in_steps(&self) -> Result<()> {
        // A negative count merges every segment; a load writing meanwhile adds segments and keeps
        // it going, so the merging stops after this many steps (≈ 500 MB of index pages written)
        // and FTS5's own merging goes on from there.
        for _ in 0..MERGE_STEPS_AT_MOST {
            let worked = self.in_one_step(|connection| {
                let before = connection.total_changes();
                connection
                    .execute(
                        "INSERT INTO items_text (items_text, rank) VALUES ('merge', ?1)",
                        [-PAGES_PER_MERGE],
                    )
                    .map_err(sql_error)?;
                Ok(connection.total_changes() - before >= 2)
            })?;
            if !worked {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Runs `step` under one hold of the write lock, then pauses so a waiting writer gets it.
    fn in_one_step<T>(&self, step: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let out = {
            let connection = self.lock();
            step(&connection)
        };
        self.checkpoint_in_turn();
        std::thread::sleep(PAUSE);
        out
    }

    /// Puts FTS5's automatic merging back if a drop was cut short (it is stored in the file).
    pub(super) fn resume_index_merging(&self) -> Result<()> {
        let connection = self.lock();
        let automerge: Option<i64> = connection
            .query_row(
                "SELECT v FROM items_text_config WHERE k = 'automerge'",
                [],
                |r| r.get(0),
            )
            .ok();
        if automerge == Some(0) {
            set_automerge(&connection, AUTOMERGE_DEFAULT)?;
        }
        Ok(())
    }
}

/// Sets FTS5's `automerge` for the search index.
fn set_automerge(connection: &Connection, value: i64) -> Result<()> {
    connection
        .execute(
            "INSERT INTO items_text (items_text, rank) VALUES ('automerge', ?1)",
            [value],
        )
        .map_err(sql_error)?;
    Ok(())
}
