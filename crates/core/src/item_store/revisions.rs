//! Every change a load found, kept as a revision (schema v7) beyond the two generations the grid
//! compares: per item, when it was seen, whether it was new, changed or gone, and for a changed
//! item each field that moved, from what to what. Written with the generation that found it, in
//! the same transaction; forgotten with the account.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use specta::Type;

use super::undo::{diff, StoredChange};
use super::{mode_text, sql_error, AccountKey, ItemStore};
use crate::error::{CoreError, Result};
use crate::item::{Delta, EDITED_BY};

/// One field of an item that moved between two loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct FieldChange {
    /// The field, as a path into the item (`name`, `details.properties.Stage`).
    pub field: String,
    /// The same path, name by name (a name may hold a `.`); empty for a change recorded before
    /// Inlet kept it.
    #[serde(default)]
    pub path: Vec<String>,
    /// Its value before (`null`: not there).
    #[specta(type = specta_typescript::Unknown)]
    pub from: Value,
    /// Its value after (`null`: not there any more).
    #[specta(type = specta_typescript::Unknown)]
    pub to: Value,
    /// The field was not there before (`from` is `null` then).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[specta(optional)]
    pub added: bool,
    /// The field is not there any more (`to` is `null` then).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[specta(optional)]
    pub removed: bool,
}

/// One change of an item, as a load found it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct Revision {
    /// The account it belongs to.
    pub account: AccountKey,
    /// The item's id at the provider.
    pub item_id: String,
    /// Its name when the change was seen.
    pub name: String,
    /// When the load that found it finished.
    pub seen_at: String,
    /// New, changed or gone.
    pub kind: Delta,
    /// For a changed item, what moved.
    pub changes: Vec<FieldChange>,
    /// Who made the change, where the provider says (a name, an e-mail or its user id).
    pub edited_by: Option<String>,
}

/// Where who edited an item sits in its stored body (`item::EDITED_BY`), for SQLite's JSON.
const EDITED_BY_PATH: &str = "$.details.edited_by";

/// Records the revisions generation `new` found against `previous` (its items are marked).
pub(super) fn record(
    tx: &Transaction<'_>,
    key: &AccountKey,
    new: i64,
    previous: i64,
    seen_at: &str,
) -> Result<()> {
    let account = params![key.integration.id(), mode_text(key.mode), key.account_id];
    // New and gone items: the item is in the generation's rows; nothing to compare. A gone
    // one keeps its last body, to be brought back as of an earlier date.
    tx.execute(
        "INSERT INTO revision_rows (integration, mode, account_id, key, item_id, name, generation,
                                seen_at, kind, changes, body, edited_by)
         SELECT ?1, ?2, ?3, key, item_id, name, generation, ?5, delta, '[]',
                CASE delta WHEN 'gone' THEN body END,
                CASE delta WHEN 'new' THEN json_extract(body, ?6) END
         FROM item_rows WHERE generation = ?4 AND delta IN ('new', 'gone')",
        params![
            account[0],
            account[1],
            account[2],
            new,
            seen_at,
            EDITED_BY_PATH
        ],
    )
    .map_err(sql_error)?;
    let mut changed = tx
        .prepare(
            "SELECT n.key, n.item_id, n.name, p.body, n.body FROM item_rows n
             JOIN item_rows p ON p.generation = ?2 AND p.key = n.key
             WHERE n.generation = ?1 AND n.delta = 'changed'",
        )
        .map_err(sql_error)?;
    let rows = changed
        .query_map(params![new, previous], five_texts)
        .map_err(sql_error)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO revision_rows (integration, mode, account_id, key, item_id, name, generation,
                                    seen_at, kind, changes, edited_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'changed', ?9, ?10)",
        )
        .map_err(sql_error)?;
    for row in rows {
        let (item_key, item_id, name, before, after) = row.map_err(sql_error)?;
        let (changes, edited_by) = what_changed(&before, &after)?;
        insert
            .execute(params![
                account[0], account[1], account[2], item_key, item_id, name, new, seen_at, changes,
                edited_by
            ])
            .map_err(sql_error)?;
    }
    Ok(())
}

/// What moved between an item's stored bodies `before` and `after` (the stored form of its
/// changes, as JSON) and who edited it, where the provider says.
pub(super) fn what_changed(before: &str, after: &str) -> Result<(String, Option<String>)> {
    let parse = |body: &str| serde_json::from_str::<Value>(body).unwrap_or(Value::Null);
    let after = parse(after);
    let edited_by = after["details"][EDITED_BY].as_str().map(str::to_owned);
    // Who edited is kept in the diff too (the item as of an earlier date says who then).
    let changes: Vec<StoredChange> = (diff(&parse(before), &after).iter())
        .map(StoredChange::of)
        .collect();
    let changes =
        serde_json::to_string(&changes).map_err(|e| CoreError::serialization("a revision", e))?;
    Ok((changes, edited_by))
}

/// A revision as read.
pub(super) struct Row {
    pub(super) id: i64,
    pub(super) key: String,
    pub(super) item_id: String,
    pub(super) name: String,
    pub(super) seen_at: String,
    pub(super) kind: String,
    pub(super) changes: String,
    pub(super) body: Option<String>,
    pub(super) edited_by: Option<String>,
}

/// The columns [`Row::read`] reads, in its order.
pub(super) const ROW_COLUMNS: &str =
    "id, key, item_id, name, seen_at, kind, changes, body, edited_by";

impl Row {
    /// A row of `SELECT {ROW_COLUMNS} …`.
    pub(super) fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Self::read_from(r, 0)
    }

    /// A row of `SELECT …, {ROW_COLUMNS}` whose first `skip` columns are others.
    pub(super) fn read_from(r: &rusqlite::Row<'_>, skip: usize) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get(skip)?,
            key: r.get(skip + 1)?,
            item_id: r.get(skip + 2)?,
            name: r.get(skip + 3)?,
            seen_at: r.get(skip + 4)?,
            kind: r.get(skip + 5)?,
            changes: r.get(skip + 6)?,
            body: r.get(skip + 7)?,
            edited_by: r.get(skip + 8)?,
        })
    }
}

/// The bodies now (in `account`'s current generation, not gone) of the items of `rows`.
pub(super) fn current_bodies(
    connection: &rusqlite::Connection,
    account: &AccountKey,
    rows: &[Row],
) -> Result<HashMap<String, Value>> {
    let mut bodies = HashMap::new();
    let generation: Option<i64> = connection
        .query_row(
            "SELECT id FROM generations WHERE integration = ?1 AND mode = ?2 AND account_id = ?3
               AND state IN ('complete', 'partial') ORDER BY id DESC LIMIT 1",
            params![
                account.integration.id(),
                mode_text(account.mode),
                account.account_id
            ],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql_error)?;
    let Some(generation) = generation else {
        return Ok(bodies);
    };
    let mut body_of = connection
        .prepare_cached(
            "SELECT body FROM item_rows WHERE generation = ?1 AND key = ?2
               AND (delta IS NULL OR delta != 'gone')",
        )
        .map_err(sql_error)?;
    for row in rows {
        if bodies.contains_key(&row.key) {
            continue;
        }
        let body: Option<String> = body_of
            .query_row(params![generation, row.key], |r| r.get(0))
            .optional()
            .map_err(sql_error)?;
        if let Some(body) = body.and_then(|b| serde_json::from_str(&b).ok()) {
            bodies.insert(row.key.clone(), body);
        }
    }
    Ok(bodies)
}

/// `rows` (oldest first) as revisions, each change with what it became: each item walked back
/// from its body `now` (absent: gone or not there), newest revision first — a gone revision's
/// body is the item before it went, a new one had nothing before. A field that came back to
/// where it was (a day's changes folded into one) is left out.
pub(super) fn walk_back(
    account: &AccountKey,
    rows: Vec<Row>,
    mut now: HashMap<String, Value>,
) -> Vec<Revision> {
    let mut revisions = Vec::with_capacity(rows.len());
    for row in rows.into_iter().rev() {
        let kind = Delta::parse(&row.kind).unwrap_or(Delta::Changed);
        let mut changes = Vec::new();
        match kind {
            Delta::New => {
                now.remove(&row.key);
            }
            Delta::Gone => {
                let before = row
                    .body
                    .as_deref()
                    .and_then(|b| serde_json::from_str(b).ok());
                match before {
                    Some(body) => now.insert(row.key.clone(), body),
                    None => now.remove(&row.key),
                };
            }
            Delta::Changed => {
                let stored: Vec<StoredChange> =
                    serde_json::from_str(&row.changes).unwrap_or_default();
                let body = now.get_mut(&row.key);
                let mut after = body.map(std::mem::take).unwrap_or(Value::Null);
                for change in stored.into_iter().rev() {
                    let to = match &change.to {
                        Some(to) => to.clone(),
                        None => change.value_in(&after).cloned().unwrap_or_default(),
                    };
                    if let Value::Object(object) = &mut after {
                        change.undo(object);
                    }
                    let shown = change.shown(to);
                    let came_back = !shown.added && !shown.removed && shown.from == shown.to;
                    let came_and_went = shown.added && shown.removed;
                    // Who edited is the revision's own line, not one of its fields.
                    let editor = shown.path == ["details", EDITED_BY];
                    if !came_back && !came_and_went && !editor {
                        changes.push(shown);
                    }
                }
                changes.reverse();
                if !after.is_null() {
                    now.insert(row.key.clone(), after);
                }
            }
        }
        revisions.push(Revision {
            account: account.clone(),
            item_id: row.item_id,
            name: row.name,
            seen_at: row.seen_at,
            kind,
            changes,
            edited_by: row.edited_by,
        });
    }
    revisions.reverse();
    revisions
}

/// A row's first five columns, as text.
fn five_texts(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

/// Notes when `key`'s history begins, at its first load (`seen_at`), unless noted before: the
/// store as of an earlier date holds nothing of it.
pub(super) fn note_first_load(tx: &Transaction<'_>, key: &AccountKey, seen_at: &str) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO preferences (name, value) VALUES (?1, ?2)",
        params![history_start_preference(key), seen_at],
    )
    .map(|_| ())
    .map_err(sql_error)
}

/// The preference holding when `key`'s history begins.
pub(super) fn history_start_preference(key: &AccountKey) -> String {
    key.preference_name("history_from")
}

impl ItemStore {
    /// The revisions of the item `item_id` (every item: `None`) of the accounts `accounts` seen
    /// at or after `since` (an RFC 3339 time; `""`: all), oldest first. What each field became
    /// is found by walking each item back from how it is now (the store keeps only what it was).
    pub fn revisions(
        &self,
        accounts: &[AccountKey],
        item_id: Option<&str>,
        since: &str,
    ) -> Result<Vec<Revision>> {
        // A reader: the history never waits for a load's writes.
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM revision_rows
                 WHERE integration = ?1 AND mode = ?2 AND account_id = ?3
                   AND (?4 IS NULL OR item_id = ?4) AND seen_at >= ?5
                 ORDER BY id"
            ))
            .map_err(sql_error)?;
        let mut found = Vec::new();
        for account in accounts {
            let account_params = params![
                account.integration.id(),
                mode_text(account.mode),
                account.account_id,
                item_id,
                since
            ];
            let rows = statement
                .query_map(account_params, Row::read)
                .map_err(sql_error)?;
            let rows = rows
                .collect::<rusqlite::Result<Vec<Row>>>()
                .map_err(sql_error)?;
            let now = current_bodies(&connection, account, &rows)?;
            found.extend(walk_back(account, rows, now));
        }
        found.sort_by(|a, b| a.seen_at.cmp(&b.seen_at));
        Ok(found)
    }

    /// How many revisions are kept, and how many bytes their changes take.
    pub fn revision_usage(&self) -> Result<(u64, u64)> {
        self.lock()
            .query_row(
                "SELECT count(*), coalesce(sum(length(changes)), 0) FROM revision_rows",
                [],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
            )
            .map_err(sql_error)
    }

    pub(super) fn forget_revisions(tx: &Transaction<'_>, key: &AccountKey) -> Result<()> {
        tx.execute(
            "DELETE FROM revision_rows WHERE integration = ?1 AND mode = ?2 AND account_id = ?3",
            params![key.integration.id(), mode_text(key.mode), key.account_id],
        )
        .map_err(sql_error)?;
        tx.execute(
            "DELETE FROM preferences WHERE name = ?1",
            [history_start_preference(key)],
        )
        .map(|_| ())
        .map_err(sql_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_diff_names_each_moved_leaf_with_its_values() {
        let before = json!({"name": "Ada", "delta": null, "details": {"properties": {"Stage": "Open", "Owner": "Bo"}, "tags": ["a"]}});
        let after = json!({"name": "Ada L", "delta": "changed", "details": {"properties": {"Stage": "Closed won", "Owner": "Bo"}, "tags": ["a", "b"], "new": 1}});
        let fields: Vec<(String, Value, Value)> = diff(&before, &after)
            .into_iter()
            .map(|c| (c.field, c.from, c.to))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("details.new".into(), Value::Null, json!(1)),
                (
                    "details.properties.Stage".into(),
                    json!("Open"),
                    json!("Closed won")
                ),
                ("details.tags".into(), json!(["a"]), json!(["a", "b"])),
                ("name".into(), json!("Ada"), json!("Ada L")),
            ]
        );
        assert!(diff(&after, &after).is_empty());
    }
}
