//! Change detection: which of a load's items are new, changed or gone against the account's last
//! complete generation.
//!
//! It happens as the load writes ([`Baseline`]): each row is looked up by key in that generation
//! when it is inserted, and stored with its delta, so finishing a load is left the few gone items
//! and the counts, read from the index of marked rows (`item_rows_changed`) — not three passes
//! over a million rows under the write lock. When the generation compared with is no longer the
//! last complete one at the finish (another load of the account finished meanwhile), the marks
//! are cleared and the whole comparison runs in SQL ([`compare_all`]).

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::generation::ChangeSummary;
use super::{sql_error, ItemStore};
use crate::error::{CoreError, Result};
use crate::item::IntegrationItem;

/// The generation a load is compared with while it writes, and which of its rows were met.
pub(super) struct Baseline {
    generation: i64,
    /// Row ids of `generation` a row of the load has the key of (sorted before the gone ones
    /// are looked for).
    met: Vec<i64>,
    /// Whether the gone items were added already ([`Baseline::add_gone_in_steps`]).
    gone_added: bool,
}

/// Gone items added per transaction before the finish.
const GONE_PER_STEP: usize = 500;

/// A baseline row `p` copied into generation `?1` as gone, ordered after `?3`; the caller adds
/// which rows (`WHERE …`).
const COPY_AS_GONE: &str = "INSERT INTO item_rows (generation, key, integration, item_type, name,
                            parent_path, created, modified, delta, hash, seq, body, item_id,
                            parent_id)
     SELECT ?1, p.key, p.integration, p.item_type, p.name, p.parent_path, p.created, p.modified,
            'gone', p.hash, ?3 + p.seq, p.body, p.item_id, p.parent_id
     FROM item_rows p";

/// The search text of gone rows — their name and path: found, marked gone; the caller adds which
/// rows (`WHERE …`).
const INDEX_AS_GONE: &str = "INSERT INTO items_text (rowid, name, parent_path, details)
     SELECT rowid, name, parent_path, '' FROM item_rows";

/// Adds baseline row `row` to `new` as gone, ordered after `gone_after`, with its search text,
/// unless it is marked gone itself or — `kept` — its key is staged as kept.
fn add_gone(tx: &Transaction<'_>, new: i64, row: i64, gone_after: i64, kept: bool) -> Result<()> {
    let mut sql = format!("{COPY_AS_GONE} WHERE p.rowid = ?2 AND p.delta IS NOT 'gone'");
    if kept {
        sql.push_str(" AND p.key NOT IN (SELECT key FROM temp.kept_keys)");
    }
    let added = tx
        .prepare_cached(&sql)
        .map_err(sql_error)?
        .execute(params![new, row, gone_after])
        .map_err(sql_error)?;
    if added == 1 {
        tx.prepare_cached(&format!("{INDEX_AS_GONE} WHERE rowid = ?1"))
            .map_err(sql_error)?
            .execute([tx.last_insert_rowid()])
            .map_err(sql_error)?;
    }
    Ok(())
}

impl Baseline {
    /// Compares with `generation`.
    pub(super) fn new(generation: i64) -> Self {
        Self {
            generation,
            met: Vec::new(),
            gone_added: false,
        }
    }

    /// The generation compared with.
    pub(super) fn generation(&self) -> i64 {
        self.generation
    }

    /// The delta of a row of `key` with content `hash`, and the row of the baseline it meets.
    pub(super) fn delta_of(
        &self,
        tx: &Transaction<'_>,
        key: &str,
        hash: i64,
    ) -> Result<(Option<&'static str>, Option<i64>)> {
        let previous = tx
            .prepare_cached(
                "SELECT rowid, hash FROM item_rows WHERE generation = ?1 AND key = ?2
                   AND delta IS NOT 'gone'",
            )
            .map_err(sql_error)?
            .query_row(params![self.generation, key], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .optional()
            .map_err(sql_error)?;
        Ok(match previous {
            None => (Some("new"), None),
            Some((row, before)) => ((before != hash).then_some("changed"), Some(row)),
        })
    }

    /// Notes that a row of the load met the baseline's row `row`.
    pub(super) fn met(&mut self, row: i64) {
        self.met.push(row);
    }

    /// Adds the baseline's items no row of complete load `new` met as gone (ordered after
    /// `gone_after`) before the finish, a few hundred per transaction: the baseline's rows are
    /// read on a connection of their own, outside the write lock. For a load that keeps no stored
    /// items (whose keys are known only at the finish). Should another load finish first, the
    /// finish compares again and these go ([`compare_all`]).
    pub(super) fn add_gone_in_steps(
        &mut self,
        store: &ItemStore,
        new: i64,
        gone_after: i64,
    ) -> Result<()> {
        let unmet = {
            let reader = super::schema::open_reader(store.path(), 4_096).map_err(sql_error)?;
            self.unmet(&reader)?
        };
        for rows in unmet.chunks(GONE_PER_STEP) {
            {
                let mut connection = store.lock();
                let tx = connection.transaction().map_err(sql_error)?;
                for row in rows {
                    add_gone(&tx, new, *row, gone_after, false)?;
                }
                tx.commit().map_err(sql_error)?;
            }
            store.checkpoint_in_turn();
        }
        self.gone_added = true;
        Ok(())
    }

    /// Finishes the comparison of generation `new`, whose rows are marked: for a complete load,
    /// adds the baseline's items no row met and not kept (`temp.kept_keys`) as gone, ordered
    /// after `gone_after` (unless they were added already). Returns the counts and the marks.
    pub(super) fn finish(
        mut self,
        tx: &Transaction<'_>,
        new: i64,
        gone_after: i64,
        partial: bool,
    ) -> Result<(ChangeSummary, Marked)> {
        if !partial && !self.gone_added {
            for row in self.unmet(tx)? {
                add_gone(tx, new, row, gone_after, true)?;
            }
        }
        counts(tx, new)
    }

    /// The baseline's rows no row of the load met (its gone marks among them).
    fn unmet(&mut self, connection: &Connection) -> Result<Vec<i64>> {
        self.met.sort_unstable();
        self.met.dedup();
        let mut rows = connection
            .prepare_cached("SELECT rowid FROM item_rows WHERE generation = ?1")
            .map_err(sql_error)?;
        let all = rows
            .query_map([self.generation], |r| r.get::<_, i64>(0))
            .map_err(sql_error)?;
        let mut unmet = Vec::new();
        for row in all {
            let row = row.map_err(sql_error)?;
            if self.met.binary_search(&row).is_err() {
                unmet.push(row);
            }
        }
        Ok(unmet)
    }
}

/// The whole comparison in SQL, for a load whose rows were marked against another generation
/// than `previous` (or not at all): the marks are cleared, then new and changed items of `new`
/// are marked against `previous` and, for a complete load, the items that are gone — neither in
/// `new` nor staged as kept (`kept.rs`) — added, ordered after `gone_after`. Returns the counts and the marks.
pub(super) fn compare_all(
    tx: &Transaction<'_>,
    new: i64,
    previous: i64,
    gone_after: i64,
    partial: bool,
) -> Result<(ChangeSummary, Marked)> {
    clear_marks(tx, new)?;
    tx.execute(
        "UPDATE item_rows SET delta = 'new' WHERE generation = ?1 AND NOT EXISTS (
            SELECT 1 FROM item_rows p WHERE p.generation = ?2 AND p.key = item_rows.key AND p.delta IS NOT 'gone')",
        params![new, previous],
    )
    .map_err(sql_error)?;
    tx.execute(
        "UPDATE item_rows SET delta = 'changed' WHERE generation = ?1 AND EXISTS (
            SELECT 1 FROM item_rows p WHERE p.generation = ?2 AND p.key = item_rows.key
              AND p.delta IS NOT 'gone' AND p.hash != item_rows.hash)",
        params![new, previous],
    )
    .map_err(sql_error)?;
    if !partial {
        tx.execute(
            &format!(
                "{COPY_AS_GONE} WHERE p.generation = ?2 AND p.delta IS NOT 'gone'
                   AND NOT EXISTS (SELECT 1 FROM item_rows n WHERE n.generation = ?1 AND n.key = p.key)
                   AND p.key NOT IN (SELECT key FROM temp.kept_keys)"
            ),
            params![new, previous, gone_after],
        )
        .map_err(sql_error)?;
        index_gone(tx, new)?;
    }
    counts(tx, new)
}

/// Clears what comparing `new` with another generation left: the gone items it added (with
/// their search text) go, every other row's mark is cleared.
pub(super) fn clear_marks(tx: &Transaction<'_>, new: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM items_text WHERE rowid IN
           (SELECT rowid FROM item_rows WHERE generation = ?1 AND delta = 'gone')",
        [new],
    )
    .map_err(sql_error)?;
    tx.execute(
        "DELETE FROM item_rows WHERE generation = ?1 AND delta = 'gone'",
        [new],
    )
    .map_err(sql_error)?;
    tx.execute(
        "UPDATE item_rows SET delta = NULL WHERE generation = ?1 AND delta IS NOT NULL",
        [new],
    )
    .map_err(sql_error)?;
    Ok(())
}

/// Gives `new`'s gone items their search text.
fn index_gone(tx: &Transaction<'_>, new: i64) -> Result<()> {
    tx.execute(
        &format!("{INDEX_AS_GONE} WHERE generation = ?1 AND delta = 'gone'"),
        [new],
    )
    .map_err(sql_error)?;
    Ok(())
}

/// `generation`'s marked rows counted by type and delta: read once at the finish, for the
/// summary and the filters' counts.
pub(super) type Marked = HashMap<(String, String), i64>;

/// How many of `new`'s rows are marked new, changed and gone, and the marks by type.
fn counts(tx: &Transaction<'_>, new: i64) -> Result<(ChangeSummary, Marked)> {
    let marked = marked_by_type(tx, new)?;
    let sum = |delta: &str| {
        let total: i64 = (marked.iter())
            .filter(|((_, d), _)| d == delta)
            .map(|(_, n)| *n)
            .sum();
        u32::try_from(total).unwrap_or(u32::MAX)
    };
    let summary = ChangeSummary {
        new: sum("new"),
        changed: sum("changed"),
        gone: sum("gone"),
    };
    Ok((summary, marked))
}

/// `generation`'s marked rows counted by type and delta (from the index of marked rows).
fn marked_by_type(tx: &Transaction<'_>, generation: i64) -> Result<Marked> {
    let mut statement = tx
        .prepare_cached(
            "SELECT item_type, delta, count(*) FROM item_rows
              WHERE generation = ?1 AND delta IS NOT NULL GROUP BY delta, item_type",
        )
        .map_err(sql_error)?;
    let rows = statement
        .query_map([generation], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .map_err(sql_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
}

/// Counts `generation`'s rows for the filters (`facet_counts`): per type, plain and marked.
/// `written` is how many rows of each type the load wrote itself and `marked` its marks, when no
/// other rows moved in (the plain ones are then what was written less what was marked);
/// otherwise every row is counted.
pub(super) fn count_facets(
    tx: &Transaction<'_>,
    generation: i64,
    written: Option<(&HashMap<&'static str, i64>, Marked)>,
) -> Result<()> {
    let Some((written, marked_rows)) = written else {
        tx.execute(
            "INSERT INTO facet_counts SELECT ?1, item_type, delta IS NOT NULL, count(*)
             FROM item_rows WHERE generation = ?1 GROUP BY 2, 3",
            [generation],
        )
        .map_err(sql_error)?;
        return Ok(());
    };
    let mut plain: HashMap<String, i64> = (written.iter())
        .map(|(t, n)| ((*t).to_owned(), *n))
        .collect();
    let mut marked: HashMap<String, i64> = HashMap::new();
    for ((item_type, delta), n) in marked_rows {
        // Gone rows are added at the finish, not written by the load.
        if delta != "gone" {
            *plain.entry(item_type.clone()).or_default() -= n;
        }
        *marked.entry(item_type).or_default() += n;
    }
    let mut insert = tx
        .prepare_cached("INSERT INTO facet_counts VALUES (?1, ?2, ?3, ?4)")
        .map_err(sql_error)?;
    for (changed, counts) in [(false, plain), (true, marked)] {
        for (item_type, n) in counts.into_iter().filter(|(_, n)| *n > 0) {
            insert
                .execute(params![generation, item_type, changed, n])
                .map_err(sql_error)?;
        }
    }
    Ok(())
}

/// Feeds what is written into an XXH3 hash.
struct HashWriter(xxhash_rust::xxh3::Xxh3);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The hash that says whether an item changed: every field of its own (signed links aside), so a
/// change of content or modification time shows — but not its parent path, which is its ancestors' names (retitling a
/// Notion page must not mark every page beneath it changed). `item`'s path is put back.
pub(super) fn own_content_hash(item: &mut IntegrationItem) -> Result<i64> {
    let parent_path = item.parent_path_or_name.take();
    // Who edited it moves only with an edit, and a provider says it on some reads only
    // (Airtable's payloads): not a change of its own.
    let edited_by = item.details.remove(crate::item::EDITED_BY);
    let mut hasher = HashWriter(xxhash_rust::xxh3::Xxh3::new());
    // Links signed afresh on every answer are not content (`without_signed_links`).
    let written = match item.without_signed_links() {
        Some(stable) => serde_json::to_writer(&mut hasher, &stable),
        None => serde_json::to_writer(&mut hasher, &*item),
    };
    item.parent_path_or_name = parent_path;
    if let Some(who) = edited_by {
        item.details.insert(crate::item::EDITED_BY.into(), who);
    }
    written.map_err(|e| CoreError::serialization("an item", e))?;
    Ok(hasher.0.digest() as i64)
}
