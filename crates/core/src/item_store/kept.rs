//! The stored items a load keeps exactly as they are (a sync's unchanged ones,
//! `GenerationWriter::keep_stored`), carried into its generation inside SQLite instead of being
//! read back, written again and indexed again for search.
//!
//! When the account's shown generation is the last complete one and the load is complete, the
//! kept rows *move* into the new generation once it has been compared (`move_staged`): their
//! row ids — and so their search text — stay, and the replaced generation keeps only the rows
//! the load did not keep (changed items' old versions, gone ones), which the purge drops. A
//! partial load, or one after a partial load, must leave the last complete generation whole for
//! the next comparison: it reads the kept rows (`read_staged`) and writes them like any other.

use rusqlite::{params, OptionalExtension, Transaction};

use super::view::read_item;
use super::{sql_error, ItemStore};
use crate::error::Result;
use crate::item::{IntegrationItem, ItemKind};

/// A stored item as a carry-over weighs it: its key, id and parent's id, without its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// The item's store key.
    pub key: String,
    /// The provider's id.
    pub id: String,
    /// The parent's id, if any.
    pub parent_id: Option<String>,
}

impl ItemStore {
    /// The items of `generation` of the kinds `kinds` (not those marked gone), without their
    /// bodies: what a carry-over chooses from when nothing will change the items it keeps.
    pub fn stored_keys(&self, generation: i64, kinds: &[ItemKind]) -> Result<Vec<StoredKey>> {
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(
                "SELECT key, item_id, parent_id, item_type FROM item_rows
                  WHERE generation = ?1 AND delta IS NOT 'gone'",
            )
            .map_err(sql_error)?;
        let rows = statement
            .query_map([generation], |r| {
                Ok((
                    StoredKey {
                        key: r.get(0)?,
                        id: r.get(1)?,
                        parent_id: r.get(2)?,
                    },
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(sql_error)?;
        let mut keys = Vec::new();
        for row in rows {
            let (key, item_type) = row.map_err(sql_error)?;
            if kinds.is_empty() || kinds.iter().any(|k| k.as_str() == item_type) {
                keys.push(key);
            }
        }
        Ok(keys)
    }
}

impl ItemStore {
    /// The items of `generation` with the keys `keys` (those it holds and has not found gone),
    /// each with its key, in that order: the
    /// few a carry-over patches (`ItemPatch`) before deciding whether they stay as stored.
    pub fn stored_items(
        &self,
        generation: i64,
        keys: &[String],
    ) -> Result<Vec<(String, IntegrationItem)>> {
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(
                "SELECT body, delta FROM item_rows WHERE generation = ?1 AND key = ?2
                   AND delta IS NOT 'gone'",
            )
            .map_err(sql_error)?;
        let mut items = Vec::with_capacity(keys.len());
        for key in keys {
            let row = statement
                .query_row(params![generation, key], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                })
                .optional()
                .map_err(sql_error)?;
            if let Some((body, delta)) = row {
                items.push((key.clone(), read_item(&body, delta)?));
            }
        }
        Ok(items)
    }
}

/// Puts `keys` in the writer connection's temporary table of kept keys (emptied first), inside
/// the finishing transaction.
pub(super) fn stage(tx: &Transaction<'_>, keys: &[String]) -> Result<()> {
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS kept_keys (key TEXT PRIMARY KEY);
         DELETE FROM temp.kept_keys;",
    )
    .map_err(sql_error)?;
    let mut insert = tx
        .prepare_cached("INSERT OR IGNORE INTO temp.kept_keys (key) VALUES (?1)")
        .map_err(sql_error)?;
    for key in keys {
        insert.execute([key]).map_err(sql_error)?;
    }
    Ok(())
}

/// The staged kept items as `generation` holds them (not those marked gone), in its order.
pub(super) fn read_staged(tx: &Transaction<'_>, generation: i64) -> Result<Vec<IntegrationItem>> {
    let mut statement = tx
        .prepare_cached(
            "SELECT body FROM item_rows WHERE generation = ?1 AND delta IS NOT 'gone'
               AND key IN (SELECT key FROM temp.kept_keys) ORDER BY seq",
        )
        .map_err(sql_error)?;
    let bodies = statement
        .query_map([generation], |r| r.get::<_, String>(0))
        .map_err(sql_error)?;
    bodies
        .map(|body| read_item(&body.map_err(sql_error)?, None))
        .collect()
}

/// Moves the staged kept rows of `previous` into `new` (unchanged, after the rows `new` was
/// written with, in their order), unless `new` holds the key already. Returns how many moved.
pub(super) fn move_staged(
    tx: &Transaction<'_>,
    new: i64,
    previous: i64,
    last_seq: i64,
) -> Result<usize> {
    tx.execute(
        "UPDATE item_rows SET generation = ?1, delta = NULL, seq = ?3 + seq
          WHERE generation = ?2 AND delta IS NOT 'gone'
            AND key IN (SELECT key FROM temp.kept_keys)
            AND NOT EXISTS (SELECT 1 FROM item_rows n WHERE n.generation = ?1 AND n.key = item_rows.key)",
        params![new, previous, last_seq],
    )
    .map_err(sql_error)
}
