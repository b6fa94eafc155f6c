//! The grid's window onto the store: the total and a window of rows (flat, or a tree of roots
//! and the children of expanded items) — each one SQL query over the current generations, sorted
//! and filtered by SQLite through the indexes of schema version 2, so only the rows on screen
//! ever leave the store; a search's from the view's ranks once they are read (`ranks.rs`). The
//! tree is in `tree.rs`, the filters' counts in `facets.rs`.

use std::sync::Arc;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use specta::Type;

use super::found::{data_version, register, FoundRows};
use super::query::match_expression;
use super::{sql_error, ItemStore};
use crate::error::{CoreError, Result};
use crate::item::{Delta, IntegrationItem, ItemKind};

/// A column the grid sorts by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SortColumn {
    /// The item's name (case-insensitive).
    #[default]
    Name,
    /// The item's type, then its name.
    Type,
    /// The parent's path or name.
    Parent,
    /// When the item was created.
    Created,
    /// When the item last changed.
    Modified,
    /// The integration, then the name.
    Integration,
    /// The order the items were loaded in, account by account (an export of everything).
    Loaded,
}

impl SortColumn {
    /// The ORDER BY terms; each matches an index (`items_by_*`) term for term, so SQLite reads
    /// the index in order (backwards when descending) instead of sorting.
    fn terms(self) -> &'static [&'static str] {
        match self {
            Self::Name => &["name COLLATE NOCASE", "generation", "rowid"],
            Self::Type => &["item_type", "name COLLATE NOCASE", "generation", "rowid"],
            Self::Parent => &["parent_path COLLATE NOCASE", "generation", "rowid"],
            Self::Created => &["created", "generation", "rowid"],
            Self::Modified => &["modified", "generation", "rowid"],
            Self::Integration => &["integration", "name COLLATE NOCASE", "generation", "rowid"],
            Self::Loaded => &["generation", "seq"],
        }
    }
}

/// The order of a view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
pub struct ViewSort {
    /// Which column.
    pub column: SortColumn,
    /// Largest first.
    pub descending: bool,
}

impl ViewSort {
    pub(super) fn order_by(self) -> String {
        let direction = if self.descending { " DESC" } else { "" };
        let terms: Vec<String> = self
            .column
            .terms()
            .iter()
            .map(|t| format!("item_rows.{t}{direction}"))
            .collect();
        terms.join(", ")
    }
}

/// Which rows of the chosen generations a view shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RowFilter {
    /// Words every row must contain, each as a prefix (FTS5); blank for none.
    pub search: String,
    /// Item kinds to show; empty for all.
    pub types: Vec<ItemKind>,
    /// Only the children of the item with this id (a table's records).
    pub parent: Option<String>,
    /// Only items new, changed or gone since the load before.
    pub changes_only: bool,
    /// Without the items gone since the load before (kept, marked, for the Changes view): what
    /// an export of the account's items and a load's output hold. Ignored with `changes_only`.
    pub without_gone: bool,
    /// The keystroke this read answers ([`ItemStore::keystroke`]): a newer one stops the
    /// search's match being read (`superseded`). `None` for reads nothing replaces (exports,
    /// an assistant's search).
    pub keystroke: Option<u64>,
}

/// A SQL condition with its values.
pub(super) struct Condition {
    pub(super) sql: String,
    pub(super) values: Vec<Value>,
}

impl Condition {
    /// `generation IN (…)` plus the filter, on the table named `alias`; with `found`, the
    /// search's rows too (the tree checks parents without them: a search shows matches flat).
    pub(super) fn new(
        alias: &str,
        generations: &[i64],
        filter: &RowFilter,
        found: Option<&FoundRows>,
    ) -> Self {
        Self::build(alias, generations, filter, found, "")
    }

    /// The same condition for a sorted read: `+generation` keeps SQLite from answering it with
    /// the generation index and sorting every row, so it walks the sort column's index instead
    /// (which ends in `generation`, so the check costs no row read) and stops after the window.
    /// A parent's children are few against the store: its index (generation, parent) finds them
    /// and they are sorted after.
    pub(super) fn sorted(
        generations: &[i64],
        filter: &RowFilter,
        found: Option<&FoundRows>,
    ) -> Self {
        let unary = if filter.parent.is_some() { "" } else { "+" };
        Self::build("item_rows", generations, filter, found, unary)
    }

    fn build(
        alias: &str,
        generations: &[i64],
        filter: &RowFilter,
        found: Option<&FoundRows>,
        unary: &str,
    ) -> Self {
        // A search's few rows lead (looked up one by one): `+` keeps every index out of it.
        let found = found.map(|f| f.condition(alias));
        let unary = if found.as_ref().is_some_and(|f| f.2) {
            "+"
        } else {
            unary
        };
        let marks = vec!["?"; generations.len().max(1)].join(", ");
        let mut sql = format!("{unary}{alias}.generation IN ({marks})");
        let mut values: Vec<Value> = generations.iter().map(|g| Value::Integer(*g)).collect();
        if generations.is_empty() {
            values.push(Value::Null);
        }
        if !filter.types.is_empty() {
            let marks = vec!["?"; filter.types.len()].join(", ");
            sql.push_str(&format!(" AND {alias}.item_type IN ({marks})"));
            values.extend(
                filter
                    .types
                    .iter()
                    .map(|t| Value::Text(t.as_str().to_owned())),
            );
        }
        if let Some(parent) = &filter.parent {
            sql.push_str(&format!(" AND {alias}.parent_id = ?"));
            values.push(Value::Text(parent.clone()));
        }
        if filter.changes_only {
            sql.push_str(&format!(" AND {alias}.delta IS NOT NULL"));
        } else if filter.without_gone {
            sql.push_str(&format!(" AND {alias}.delta IS NOT 'gone'"));
        }
        if let Some((condition, value, _)) = found {
            sql.push_str(" AND ");
            sql.push_str(&condition);
            values.extend(value);
        }
        Self { sql, values }
    }
}

/// One row of a window: the item, and in a tree its depth and whether it has children.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ItemRow {
    /// The item, with its `delta`.
    pub item: IntegrationItem,
    /// 0 for a root (and every row of a flat list).
    pub depth: u32,
    /// Whether the tree can expand it.
    pub has_children: bool,
}

/// A tree flattened as the grid shows it: rows (store row ids) with their depth.
pub type TreeOrder = Vec<(i64, u32)>;

pub(super) fn read_item(body: &str, delta: Option<String>) -> Result<IntegrationItem> {
    let mut item: IntegrationItem =
        serde_json::from_str(body).map_err(|e| CoreError::serialization("a stored item", e))?;
    item.delta = delta.as_deref().and_then(Delta::parse);
    Ok(item)
}

/// The items of row ids `rows`, in their order (a row deleted since it was found is left out).
fn read_rows(connection: &Connection, rows: &[i64]) -> Result<Vec<IntegrationItem>> {
    let mut read = connection
        .prepare_cached("SELECT body, delta FROM item_rows WHERE rowid = ?1")
        .map_err(sql_error)?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let stored = read
            .query_row([row], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .optional()
            .map_err(sql_error)?;
        if let Some((body, delta)) = stored {
            items.push(read_item(&body, delta)?);
        }
    }
    Ok(items)
}

pub(super) fn count_of(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl ItemStore {
    /// How many rows of `generations` pass `filter` (without a search: summed from the counts
    /// kept per finished generation).
    pub fn count(&self, generations: &[i64], filter: &RowFilter) -> Result<u32> {
        if match_expression(&filter.search).is_none() && filter.parent.is_none() {
            let counts = self.kept_counts(generations)?;
            let type_ok =
                |t: &str| filter.types.is_empty() || filter.types.iter().any(|x| x.as_str() == t);
            let total: u64 = counts
                .iter()
                .filter(|(_, t, changed, _)| type_ok(t) && (*changed || !filter.changes_only))
                .map(|(_, _, _, n)| u64::from(*n))
                .sum();
            return Ok(u32::try_from(total).unwrap_or(u32::MAX));
        }
        let found = self.found_for(filter)?;
        let connection = self.read();
        if let Some(found) = found.as_deref() {
            // The view's ranks kept for any order: the total is a pass over them.
            let version = data_version(&connection)?;
            let any_order = ViewSort::default();
            let kept = self.ranks(&connection, version, generations, filter, any_order, true)?;
            if let Some(ranks) = kept {
                return Ok(u32::try_from(ranks.count(found)).unwrap_or(u32::MAX));
            }
        }
        let condition = Condition::new("item_rows", generations, filter, found.as_deref());
        let sql = format!("SELECT count(*) FROM item_rows WHERE {}", condition.sql);
        register_found(&connection, &found)?;
        connection
            .query_row(&sql, rusqlite::params_from_iter(condition.values), |r| {
                r.get::<_, i64>(0)
            })
            .map(count_of)
            .map_err(sql_error)
    }

    /// The rows `offset..offset + limit` of the flat view, in `sort` order.
    pub fn window(
        &self,
        generations: &[i64],
        filter: &RowFilter,
        sort: ViewSort,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<IntegrationItem>> {
        let found = self.found_for(filter)?;
        let connection = self.read();
        if let Some(found) = found.as_deref() {
            // With the view's ranks, the window is the matches' first ranks (`ranks.rs`).
            let version = data_version(&connection)?;
            if let Some(ranks) =
                self.ranks(&connection, version, generations, filter, sort, false)?
            {
                let rows = ranks.window(found, offset as usize, limit as usize);
                return read_rows(&connection, &rows);
            }
        }
        let condition = Condition::sorted(generations, filter, found.as_deref());
        let sql = format!(
            "SELECT item_rows.body, item_rows.delta FROM item_rows WHERE {} ORDER BY {} LIMIT {limit} OFFSET {offset}",
            condition.sql,
            sort.order_by()
        );
        register_found(&connection, &found)?;
        let mut statement = connection.prepare(&sql).map_err(sql_error)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(condition.values), |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
            })
            .map_err(sql_error)?;
        let mut items = Vec::with_capacity(limit.min(1_000) as usize);
        for row in rows {
            let (body, delta) = row.map_err(sql_error)?;
            items.push(read_item(&body, delta)?);
        }
        Ok(items)
    }

    /// Hands `consume` every row of the flat view in order, read from one query on a
    /// connection of its own as `consume` advances, so an export of a million rows holds a row
    /// at a time and never blocks the grid's reads.
    pub fn with_view_rows<T>(
        &self,
        generations: &[i64],
        filter: &RowFilter,
        sort: ViewSort,
        consume: impl FnOnce(&mut dyn Iterator<Item = Result<IntegrationItem>>) -> Result<T>,
    ) -> Result<T> {
        let connection = super::schema::open_reader(&self.path, 4_096).map_err(sql_error)?;
        let found = self.found_for(filter)?;
        register_found(&connection, &found)?;
        let condition = Condition::sorted(generations, filter, found.as_deref());
        let sql = format!(
            "SELECT item_rows.body, item_rows.delta FROM item_rows WHERE {} ORDER BY {}",
            condition.sql,
            sort.order_by()
        );
        let mut statement = connection.prepare(&sql).map_err(sql_error)?;
        let mut rows = statement
            .query_map(rusqlite::params_from_iter(condition.values), |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
            })
            .map_err(sql_error)?
            .map(|row| {
                row.map_err(sql_error)
                    .and_then(|(body, delta)| read_item(&body, delta))
            });
        consume(&mut rows)
    }

    /// The row ids of the flat view in `sort` order (depth 0 each): what windows far down a
    /// long view are read through, instead of skipping hundreds of thousands of index entries.
    pub fn flat_order(
        &self,
        generations: &[i64],
        filter: &RowFilter,
        sort: ViewSort,
    ) -> Result<TreeOrder> {
        let found = self.found_for(filter)?;
        let condition = Condition::sorted(generations, filter, found.as_deref());
        let sql = format!(
            "SELECT item_rows.rowid FROM item_rows WHERE {} ORDER BY {}",
            condition.sql,
            sort.order_by()
        );
        let connection = self.read();
        register_found(&connection, &found)?;
        let mut statement = connection.prepare(&sql).map_err(sql_error)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(condition.values), |r| {
                Ok((r.get::<_, i64>(0)?, 0u32))
            })
            .map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }

    /// The labels of the properties the rows of `filter` hold (what
    /// [`crate::properties::properties_of`] reads: `details.properties`, an Airtable record's
    /// fields), each once, in the order the rows first have them: an export's property columns.
    pub fn property_labels(&self, generations: &[i64], filter: &RowFilter) -> Result<Vec<String>> {
        let found = self.found_for(filter)?;
        let condition = Condition::new("item_rows", generations, filter, found.as_deref());
        let sql = format!(
            "SELECT j.key FROM item_rows, json_each(item_rows.body,
               CASE WHEN json_type(item_rows.body, '$.details.properties') = 'object' THEN '$.details.properties'
                    WHEN item_rows.item_type = 'record' THEN '$.details'
                    ELSE '$.no_properties' END) AS j
             WHERE {} AND j.key IS NOT NULL
             GROUP BY j.key ORDER BY min(item_rows.rowid), j.key",
            condition.sql
        );
        let connection = self.read();
        register_found(&connection, &found)?;
        let mut statement = connection.prepare(&sql).map_err(sql_error)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(condition.values), |r| {
                r.get::<_, String>(0)
            })
            .map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }
}

impl ItemStore {
    /// The rows `filter`'s search finds; `None` without words.
    pub(super) fn found_for(&self, filter: &RowFilter) -> Result<Option<Arc<FoundRows>>> {
        match_expression(&filter.search)
            .map(|expression| self.found(&expression, filter.keystroke))
            .transpose()
    }
}

/// Makes `found`, if any, what `inlet_found` answers from on `connection`.
pub(super) fn register_found(
    connection: &Connection,
    found: &Option<Arc<FoundRows>>,
) -> Result<()> {
    found.as_ref().map_or(Ok(()), |f| register(connection, f))
}

/// Numbers the plain `?` placeholders of `sql` from `first` on (the explicit `?1`, `?2` stay).
pub(super) fn numbered(sql: &str, first: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut next = first;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '?' && !chars.peek().is_some_and(char::is_ascii_digit) {
            out.push_str(&next.to_string());
            next += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_placeholders_are_numbered_after_the_explicit_ones() {
        assert_eq!(
            numbered("a = ?1 AND b IN (?, ?) AND c = ?2", 3),
            "a = ?1 AND b IN (?3, ?4) AND c = ?2"
        );
    }

    #[test]
    fn every_sort_reads_its_index_in_either_direction() {
        let sort = ViewSort {
            column: SortColumn::Type,
            descending: true,
        };
        assert_eq!(
            sort.order_by(),
            "item_rows.item_type DESC, item_rows.name COLLATE NOCASE DESC, item_rows.generation DESC, item_rows.rowid DESC"
        );
    }
}
