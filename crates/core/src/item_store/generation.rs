//! One load of one account: written page by page, then finished — compared with the previous
//! complete generation (every item new, changed, gone or unchanged) and made current — or
//! dropped, which leaves the previous generation as it was.

use std::collections::HashMap;

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::compare::{clear_marks, compare_all, count_facets, own_content_hash, Baseline};
use super::content::markdown_of;
use super::revision_staging::{self, Written};
use super::{mode_text, sql_error, AccountKey, ItemStore};
use crate::account::AccountInfo;
use crate::error::{CoreError, Result};
use crate::item::IntegrationItem;

/// What changed since the previous complete load of the same account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ChangeSummary {
    /// Items that were not there before.
    pub new: u32,
    /// Items whose modification time or content differs.
    pub changed: u32,
    /// Items that are no longer there (kept, marked, until the next load).
    pub gone: u32,
}

/// A finished load as stored.
#[derive(Debug, Clone, Serialize, Type)]
pub struct Generation {
    /// The generation's id.
    #[specta(type = f64)]
    pub id: i64,
    /// Whose items.
    pub key: AccountKey,
    /// The account as it was when loaded.
    pub account: AccountInfo,
    /// When the load finished (RFC 3339).
    pub loaded_at: String,
    /// Whether some stream failed: the items are then not everything.
    pub partial: bool,
    /// What changed since the previous complete load; absent on a first load.
    pub changes: Option<ChangeSummary>,
}

impl Generation {
    pub(super) fn read(connection: &Connection, id: i64) -> Result<Self> {
        connection
            .query_row(
                "SELECT integration, mode, account_id, account, finished_at, state,
                        new_count, changed_count, gone_count, compared
                 FROM generations WHERE id = ?1",
                [id],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, Option<String>>(4)?,
                        row.get::<_, String>(5)?,
                        [
                            row.get::<_, u32>(6)?,
                            row.get::<_, u32>(7)?,
                            row.get::<_, u32>(8)?,
                        ],
                        row.get::<_, bool>(9)?,
                    ))
                },
            )
            .map_err(sql_error)
            .and_then(
                |(integration, mode, account_id, account, finished, state, counts, compared)| {
                    let bad = |what: &str| CoreError::serialization("a stored generation", what);
                    Ok(Generation {
                        id,
                        key: AccountKey {
                            integration: integration.parse().map_err(|_| bad("integration"))?,
                            mode: serde_json::from_value(mode.into()).map_err(|_| bad("mode"))?,
                            account_id,
                        },
                        account: serde_json::from_str(&account).map_err(|_| bad("account"))?,
                        loaded_at: finished.unwrap_or_default(),
                        partial: state == "partial",
                        changes: compared.then_some(ChangeSummary {
                            new: counts[0],
                            changed: counts[1],
                            gone: counts[2],
                        }),
                    })
                },
            )
    }
}

/// Rows are written in transactions of this many: a page of 100 per transaction spends most of
/// its time committing; 5,000 held the write lock up to 516 ms, 500 up to 69 ms, without a
/// slower load (BENCHMARKS.md).
const BATCH: usize = 500;

/// One item, ready to insert.
struct Row {
    key: String,
    item_id: String,
    parent_id: Option<String>,
    integration: &'static str,
    item_type: &'static str,
    name: String,
    parent_path: Option<String>,
    created: Option<String>,
    modified: Option<String>,
    hash: i64,
    seq: i64,
    body: String,
    details: String,
}

/// A generation being written. Dropping it unfinished removes what it wrote.
pub struct GenerationWriter {
    store: ItemStore,
    id: i64,
    key: AccountKey,
    seq: i64,
    pending: Vec<Row>,
    /// Stored items kept as they are ([`GenerationWriter::keep_stored`]), by key.
    kept: Vec<String>,
    /// The generation rows are compared with as they are written (the account's last complete
    /// one when the load began).
    baseline: Option<Baseline>,
    /// How many rows of each type this load wrote (its filters' counts, without a pass over
    /// them at the finish).
    written: HashMap<&'static str, i64>,
    done: bool,
}

impl GenerationWriter {
    pub(super) fn begin(store: ItemStore, key: &AccountKey, account: &AccountInfo) -> Result<Self> {
        let account_json = serde_json::to_string(account)
            .map_err(|e| CoreError::serialization("an account", e))?;
        let id = {
            let connection = store.lock();
            connection
                .execute(
                    "INSERT INTO generations (integration, mode, account_id, account, pid, started_at, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'loading')",
                    params![
                        key.integration.id(),
                        mode_text(key.mode),
                        key.account_id,
                        account_json,
                        i64::from(std::process::id()),
                        Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    ],
                )
                .map_err(sql_error)?;
            connection.last_insert_rowid()
        };

        let mut writer = Self {
            store,
            id,
            key: key.clone(),
            seq: 0,
            pending: Vec::with_capacity(BATCH),
            kept: Vec::new(),
            baseline: None,
            written: HashMap::new(),
            done: false,
        };
        let baseline = {
            let store = writer.store.clone();
            let mut connection = store.lock();
            let tx = connection.transaction().map_err(sql_error)?;
            writer.previous_complete(&tx)?
        };
        writer.baseline = baseline.map(Baseline::new);
        Ok(writer)
    }

    /// The generation's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Adds one page of items; an item already in this generation is kept once. Rows reach the
    /// file in batches; none of them is visible before [`GenerationWriter::finish`].
    pub fn append(&mut self, items: &[IntegrationItem]) -> Result<()> {
        self.push(items)?;
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Makes `items` rows waiting to be written.
    fn push(&mut self, items: &[IntegrationItem]) -> Result<()> {
        for item in items {
            let mut plain = item.clone();
            plain.delta = None;
            let body = serde_json::to_string(&plain)
                .map_err(|e| CoreError::serialization("an item", e))?;
            let hash = own_content_hash(&mut plain)?;
            self.seq += 1;
            self.pending.push(Row {
                key: item.key(),
                item_id: item.id.clone(),
                parent_id: item.parent_id.clone(),
                integration: item.integration.id(),
                item_type: plain.item_type.as_str(),
                hash,
                seq: self.seq,
                details: crate::properties::search_text(item),
                name: plain.name,
                parent_path: plain.parent_path_or_name,
                // One fixed width, so the text sorts as the time does.
                created: plain
                    .creation_time
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
                modified: plain
                    .last_modified_time
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
                body,
            });
        }
        Ok(())
    }

    /// Keeps the account's stored items `keys` exactly as they are in this generation (a
    /// sync's unchanged items): carried over inside the store when it finishes (`kept.rs`),
    /// never read back and written again. A key this generation was given is not kept twice.
    pub fn keep_stored(&mut self, keys: Vec<String>) {
        self.kept.extend(keys);
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let store = self.store.clone();
        {
            let mut connection = store.lock();
            let tx = connection.transaction().map_err(sql_error)?;
            self.write_pending(&tx)?;
            tx.commit().map_err(sql_error)?;
        }
        store.checkpoint_in_turn();
        Ok(())
    }

    /// Writes the rows waiting, with their search text, in `tx`.
    fn write_pending(&mut self, tx: &Transaction<'_>) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        // Whether the account has stored contents (asked per batch: a load writes them as it
        // reads them, before its items are stored).
        let key = &self.key;
        let with_contents = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM contents
                  WHERE integration = ?1 AND mode = ?2 AND account_id = ?3)",
                params![key.integration.id(), mode_text(key.mode), key.account_id],
                |r| r.get::<_, bool>(0),
            )
            .map_err(sql_error)?;
        if self.baseline.is_some() {
            revision_staging::create(tx)?;
        }
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO item_rows
                       (generation, key, integration, item_type, name, parent_path, created, modified,
                        hash, seq, body, item_id, parent_id, delta)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                )
                .map_err(sql_error)?;
            let mut text = tx
                .prepare_cached(
                    "INSERT INTO items_text (rowid, name, parent_path, details) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(sql_error)?;
            for row in self.pending.drain(..) {
                let (delta, met) = match &self.baseline {
                    Some(baseline) => baseline.delta_of(tx, &row.key, row.hash)?,
                    None => (None, None),
                };
                let inserted = insert
                    .execute(params![
                        self.id,
                        row.key,
                        row.integration,
                        row.item_type,
                        row.name,
                        row.parent_path,
                        row.created,
                        row.modified,
                        row.hash,
                        row.seq,
                        row.body,
                        row.item_id,
                        row.parent_id,
                        delta,
                    ])
                    .map_err(sql_error)?;
                if inserted == 1 {
                    // Read before anything else is inserted (staging a revision is).
                    let rowid = tx.last_insert_rowid();
                    *self.written.entry(row.item_type).or_default() += 1;
                    if let (Some(baseline), Some(met)) = (self.baseline.as_mut(), met) {
                        baseline.met(met);
                    }
                    if let Some(delta) = delta {
                        let written = Written {
                            generation: self.id,
                            key: &row.key,
                            item_id: &row.item_id,
                            name: &row.name,
                            body: &row.body,
                        };
                        revision_staging::stage(tx, &written, delta, met)?;
                    }
                    let mut details = row.details;
                    // Words only in a page's body are found with the page.
                    if with_contents {
                        if let Some(markdown) = markdown_of(tx, &self.key, &row.item_id)? {
                            details.push_str(&markdown);
                        }
                    }
                    text.execute(params![rowid, row.name, row.parent_path, details])
                        .map_err(sql_error)?;
                }
            }
        }
        Ok(())
    }

    /// Makes this generation current: compares it with the previous complete one (a partial
    /// load reports no gone items: what it missed is not known to be gone) and records the
    /// changes. The generations it replaces stay until [`ItemStore::purge`].
    pub fn finish(mut self, partial: bool) -> Result<Generation> {
        // The rows still waiting go first, in a transaction of their own like every batch; then
        // the gone items of a complete load that keeps nothing as stored, a few at a time.
        self.flush()?;
        if let (false, true, Some(baseline)) =
            (partial, self.kept.is_empty(), self.baseline.as_mut())
        {
            baseline.add_gone_in_steps(&self.store, self.id, self.seq)?;
        }
        // One transaction under one hold of the writer connection: another load's finish could
        // otherwise stage its own kept keys in between, and nothing half-done is ever seen.
        let store = self.store.clone();
        let mut connection = store.lock();
        let tx = connection.transaction().map_err(sql_error)?;
        let previous = self.previous_complete(&tx)?;
        let kept = self.carry_kept(&tx, partial, previous)?;
        self.write_pending(&tx)?;
        let finished_at = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let (changes, marked) = match previous {
            Some(previous) => {
                // Rows still to move are not gone; the gone ones come after them in order.
                let gone_after = match kept {
                    KeptRows::ToMove { previous_last_seq } => self.seq + previous_last_seq,
                    KeptRows::Written => self.seq,
                };
                let (changes, marked) = match self.baseline.take() {
                    Some(baseline) if baseline.generation() == previous => {
                        let compared = baseline.finish(&tx, self.id, gone_after, partial)?;
                        revision_staging::record(&tx, &self.key, self.id, &finished_at)?;
                        compared
                    }
                    _ => {
                        revision_staging::forget(&tx, self.id)?;
                        let compared = compare_all(&tx, self.id, previous, gone_after, partial)?;
                        super::revisions::record(&tx, &self.key, self.id, previous, &finished_at)?;
                        compared
                    }
                };
                if let KeptRows::ToMove { .. } = kept {
                    let moved = super::kept::move_staged(&tx, self.id, previous, self.seq)?;
                    tracing::debug!(moved, "stored items kept as they are");
                }
                (Some(changes), marked)
            }
            None => {
                // Marked against a generation since dropped: nothing to compare with now.
                revision_staging::forget(&tx, self.id)?;
                clear_marks(&tx, self.id)?;
                super::revisions::note_first_load(&tx, &self.key, &finished_at)?;
                (None, Default::default())
            }
        };
        // Rows moved in from the previous generation were not written here: then all are counted.
        let moved = matches!(kept, KeptRows::ToMove { .. });
        count_facets(&tx, self.id, (!moved).then_some((&self.written, marked)))?;
        let changes_or_zero = changes.unwrap_or_default();
        tx.execute(
            "UPDATE generations SET state = ?2, finished_at = ?3, new_count = ?4, changed_count = ?5,
                    gone_count = ?6, compared = ?7 WHERE id = ?1",
            params![
                self.id,
                if partial { "partial" } else { "complete" },
                finished_at,
                changes_or_zero.new,
                changes_or_zero.changed,
                changes_or_zero.gone,
                changes.is_some(),
            ],
        )
        .map_err(sql_error)?;
        tx.commit().map_err(sql_error)?;
        // Only now is it finished: a failure above leaves Drop to remove what was written.
        self.done = true;
        let generation = Generation::read(&connection, self.id);
        drop(connection);
        store.checkpoint_in_turn();
        generation
    }

    /// Prepares the kept items for `finish`: staged by key and, when the generation shown is the
    /// last complete one and this load is complete, left to move there once compared
    /// (`KeptRows::ToMove`); otherwise read from the generation shown and written like any other
    /// row (that complete generation must stay whole for the next comparison).
    fn carry_kept(
        &mut self,
        tx: &Transaction<'_>,
        partial: bool,
        complete: Option<i64>,
    ) -> Result<KeptRows> {
        let kept = std::mem::take(&mut self.kept);
        super::kept::stage(tx, &kept)?;
        if kept.is_empty() {
            return Ok(KeptRows::Written);
        }
        let shown = self.previous_shown(tx)?;
        if let (false, Some(shown)) = (partial, shown.filter(|s| Some(*s) == complete)) {
            let previous_last_seq = tx
                .query_row(
                    "SELECT coalesce(max(seq), 0) FROM item_rows WHERE generation = ?1",
                    [shown],
                    |r| r.get(0),
                )
                .map_err(sql_error)?;
            return Ok(KeptRows::ToMove { previous_last_seq });
        }
        let items = match shown {
            Some(shown) => super::kept::read_staged(tx, shown)?,
            None => Vec::new(),
        };
        self.push(&items)?;
        // Now among this generation's own rows: a key not found there is not kept, and the
        // comparison may call it gone.
        super::kept::stage(tx, &[])?;
        Ok(KeptRows::Written)
    }

    /// The account's generation shown before this one (the newest finished one before it).
    fn previous_shown(&self, tx: &Transaction<'_>) -> Result<Option<i64>> {
        self.newest_before(tx, "state IN ('complete', 'partial')")
    }

    /// The account's last complete generation before this one (what it is compared with).
    fn previous_complete(&self, tx: &Transaction<'_>) -> Result<Option<i64>> {
        self.newest_before(tx, "state = 'complete'")
    }

    /// The newest of the account's generations before this one whose state passes `states` (a
    /// condition written here, never from input).
    fn newest_before(&self, tx: &Transaction<'_>, states: &str) -> Result<Option<i64>> {
        tx.query_row(
            &format!(
                "SELECT id FROM generations WHERE integration = ?1 AND mode = ?2 AND account_id = ?3
                   AND {states} AND id < ?4 ORDER BY id DESC LIMIT 1"
            ),
            params![
                self.key.integration.id(),
                mode_text(self.key.mode),
                self.key.account_id,
                self.id
            ],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql_error)
    }
}

impl Drop for GenerationWriter {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut connection = self.store.lock();
        let removed = connection.transaction().map_err(sql_error).and_then(|tx| {
            revision_staging::forget(&tx, self.id)?;
            delete_generation(&tx, self.id).and_then(|()| tx.commit().map_err(sql_error))
        });
        if let Err(error) = removed {
            tracing::warn!(code = error.code(), "could not remove an unfinished load");
        }
    }
}

/// How a finishing generation's kept items get there.
#[derive(Clone, Copy)]
enum KeptRows {
    /// Written with the generation's other rows (or there were none).
    Written,
    /// Staged, to move from the previous complete generation once compared; that
    /// generation's rows go up to `previous_last_seq` in its order.
    ToMove { previous_last_seq: i64 },
}

/// Removes a generation, its items and their search text.
pub(super) fn delete_generation(tx: &Transaction<'_>, id: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM items_text WHERE rowid IN (SELECT rowid FROM item_rows WHERE generation = ?1)",
        [id],
    )
    .map_err(sql_error)?;
    tx.execute("DELETE FROM item_rows WHERE generation = ?1", [id])
        .map_err(sql_error)?;
    tx.execute("DELETE FROM generations WHERE id = ?1", [id])
        .map_err(sql_error)?;
    Ok(())
}
