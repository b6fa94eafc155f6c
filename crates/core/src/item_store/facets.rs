//! The counts beside the grid's filters — per account, per type and of changes — under the
//! view's other filters: kept per finished generation without a search; with one, from the
//! view's ranks when a search's window read them (`rank_facets.rs`), else grouped in SQL.

use std::sync::Arc;

use rusqlite::types::Value;
use serde::Serialize;
use specta::Type;

use super::found::{data_version, FoundRows};
use super::query::match_expression;
use super::view::{count_of, register_found, Condition, RowFilter, ViewSort};
use super::{sql_error, ItemStore};
use crate::error::Result;

/// Rows counted per (generation, type, changed or not): what the facet counts add up.
pub(super) type FacetRows = Vec<(i64, String, bool, u32)>;

/// Counts of one facet value under the other filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
pub struct FacetCounts {
    /// Rows per generation (so per account), with every filter.
    pub by_generation: Vec<(i64, u32)>,
    /// Rows per item type, with every filter but the type filter.
    pub by_type: Vec<(String, u32)>,
    /// Rows that are new, changed or gone, with every filter but "changes only".
    pub changes: u32,
}

impl ItemStore {
    /// Facet counts of the view: per account, per type and of changes.
    pub fn facets(&self, generations: &[i64], filter: &RowFilter) -> Result<FacetCounts> {
        let unfiltered = RowFilter {
            types: Vec::new(),
            changes_only: false,
            ..filter.clone()
        };
        // Without a search the counts kept per generation answer; with one, one pass over the
        // covering index (generation, item_type, delta) of the matching rows does all three —
        // grouped by its columns in its order (grouped by `delta IS NOT NULL`, SQLite sorted
        // every matching row first: 330 ms against 75 at a million); the rows add up below.
        let rows = if match_expression(&filter.search).is_none() && filter.parent.is_none() {
            self.kept_counts(generations)?
        } else {
            let found = self.found_for(filter)?;
            if let Some(counts) = self.facets_from_ranks(generations, &unfiltered, &found)? {
                return Ok(add_up(counts, filter));
            }
            let condition = Condition::new("item_rows", generations, &unfiltered, found.as_deref());
            let sql = format!(
                "SELECT generation, item_type, delta IS NOT NULL, count(*) FROM item_rows WHERE {}
                 GROUP BY generation, item_type, delta",
                condition.sql
            );
            self.counts(&sql, condition.values, &found)?
        };
        Ok(add_up(rows, filter))
    }

    /// The facet rows of a search from the view's ranks kept for `unfiltered`'s rows (the
    /// search's window read them), if any.
    fn facets_from_ranks(
        &self,
        generations: &[i64],
        unfiltered: &RowFilter,
        found: &Option<Arc<FoundRows>>,
    ) -> Result<Option<FacetRows>> {
        let Some(found) = found.as_deref() else {
            return Ok(None);
        };
        // The data version as the reader sees it (what the ranks were read at).
        let (version, ranks) = {
            let reader = self.read();
            let version = data_version(&reader)?;
            let any_order = ViewSort::default();
            let ranks = self.ranks(&reader, version, generations, unfiltered, any_order, true)?;
            (version, ranks)
        };
        let Some(ranks) = ranks else {
            return Ok(None);
        };
        let counts = ranks.facet_counts(&self.read_counts(), found)?;
        // The rows' groups are read on the counting connection: a commit since the version was
        // read (a finish moving kept rows) may be in them, so then SQL counts instead.
        let settled = data_version(&self.read())? == version;
        Ok(counts.filter(|_| settled))
    }

    /// The rows per (generation, type, changed) kept for finished generations.
    pub(super) fn kept_counts(&self, generations: &[i64]) -> Result<FacetRows> {
        let marks = vec!["?"; generations.len().max(1)].join(", ");
        let mut values: Vec<Value> = generations.iter().map(|g| Value::Integer(*g)).collect();
        if generations.is_empty() {
            values.push(Value::Null);
        }
        self.counts(
            &format!(
                "SELECT generation, item_type, changed, count FROM facet_counts
                 WHERE generation IN ({marks})"
            ),
            values,
            &None,
        )
    }

    fn counts(
        &self,
        sql: &str,
        values: Vec<Value>,
        found: &Option<Arc<FoundRows>>,
    ) -> Result<FacetRows> {
        let connection = self.read_counts();
        register_found(&connection, found)?;
        let mut statement = connection.prepare(sql).map_err(sql_error)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(values), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    count_of(r.get::<_, i64>(3)?),
                ))
            })
            .map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }
}

/// The facet counts of `filter`'s view from its rows per (generation, type, changed), read
/// without the type and "changes only" filters.
fn add_up(rows: FacetRows, filter: &RowFilter) -> FacetCounts {
    let mut facets = FacetCounts::default();
    let type_ok = |t: &str| filter.types.is_empty() || filter.types.iter().any(|x| x.as_str() == t);
    for (generation, item_type, changed, n) in rows {
        if changed || !filter.changes_only {
            add(&mut facets.by_type, item_type.clone(), n);
            if type_ok(&item_type) {
                add(&mut facets.by_generation, generation, n);
            }
        }
        if changed && type_ok(&item_type) {
            facets.changes = facets.changes.saturating_add(n);
        }
    }
    facets.by_type.sort();
    facets
}

fn add<K: PartialEq>(counts: &mut Vec<(K, u32)>, key: K, n: u32) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some((_, total)) => *total = total.saturating_add(n),
        None => counts.push((key, n)),
    }
}
