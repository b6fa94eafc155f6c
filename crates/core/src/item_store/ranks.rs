//! A view's sort order held in memory — each of its rows with its rank — so a search matching
//! many rows finds its first window without walking the sort column's index to the matches.
//!
//! Walking the index stops after the window, which is quick when matches come early in the
//! order and slow when they cluster late: a search for an account's own words at a million
//! items walked 800,000 entries (60–90 ms) before its first row. With the ranks, the window of a
//! search is the matches' smallest ranks (a pass over the view's rows against the search's
//! bitmap, or a lookup of each row of its list, and a selection: a few milliseconds), and the
//! total comes from the same pass.
//!
//! The ranks are read for the view's generations, filters and sort, and kept until the store
//! changes (SQLite's data version). Reading them costs about as much as one walk to the end of
//! the index, so they are read only once the store is at rest — when two reads in a row find
//! the same data version; while a load writes, every commit would make them stale, and a
//! search walks the index as before.

use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::Connection;

use super::facets::FacetRows;
use super::found::FoundRows;
use super::rank_facets::FacetGroups;
use super::view::{Condition, RowFilter, ViewSort};
use super::{sql_error, ItemStore};
use crate::error::Result;
use crate::item::ItemKind;

/// What a view's ranks were read for: the store's data version, the generations, the filters
/// other than the search, and the sort.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RankKey {
    version: i64,
    generations: Vec<i64>,
    types: Vec<ItemKind>,
    changes_only: bool,
    without_gone: bool,
    sort: ViewSort,
}

impl RankKey {
    /// The same view whatever its order (a count needs no order).
    fn same_rows(&self, other: &Self) -> bool {
        Self {
            sort: other.sort,
            ..self.clone()
        } == *other
    }
}

/// Every row of one view with its rank in the view's order.
#[derive(Debug)]
pub(super) struct Ranks {
    key: RankKey,
    /// The smallest row id of the view.
    base: i64,
    /// The view's rows by row id, ascending: (row id − `base`, rank).
    rows: Vec<(u32, u32)>,
    /// Each row's facets, read when a search's facet counts are first asked of these ranks
    /// (`None` inside when there are too many kinds to tell apart).
    facets: OnceLock<Option<FacetGroups>>,
}

/// The last ranks read, and the data version the last request for ranks found.
#[derive(Debug, Default)]
pub(super) struct RankCache {
    ranks: Option<Arc<Ranks>>,
    last_version: Option<i64>,
}

/// The ranks kept by a store.
pub(super) type SharedRanks = Arc<Mutex<RankCache>>;

impl Ranks {
    /// Reads the ranks of `key`'s view on `connection`; `None` when its row ids span more than
    /// 32 bits (the index walk answers then).
    fn read(connection: &Connection, key: RankKey) -> Result<Option<Self>> {
        let filter = RowFilter {
            types: key.types.clone(),
            changes_only: key.changes_only,
            without_gone: key.without_gone,
            ..RowFilter::default()
        };
        let condition = Condition::sorted(&key.generations, &filter, None);
        let sql = format!(
            "SELECT item_rows.rowid FROM item_rows WHERE {} ORDER BY {}",
            condition.sql,
            key.sort.order_by()
        );
        let mut statement = connection.prepare(&sql).map_err(sql_error)?;
        let order = statement
            .query_map(rusqlite::params_from_iter(condition.values), |r| {
                r.get::<_, i64>(0)
            })
            .map_err(sql_error)?
            .collect::<rusqlite::Result<Vec<i64>>>()
            .map_err(sql_error)?;
        let base = order.iter().copied().min().unwrap_or(0);
        let mut rows = Vec::with_capacity(order.len());
        for (rank, row) in order.into_iter().enumerate() {
            let (Ok(offset), Ok(rank)) = (u32::try_from(row - base), u32::try_from(rank)) else {
                return Ok(None);
            };
            rows.push((offset, rank));
        }
        rows.sort_unstable_by_key(|(offset, _)| *offset);
        Ok(Some(Self {
            key,
            base,
            rows,
            facets: OnceLock::new(),
        }))
    }

    /// Calls `each` with the place (in `rows`) of every row of the view `found` holds: a pass
    /// over the view's rows against a bitmap, or a lookup of each row of a list.
    pub(super) fn each_match(&self, found: &FoundRows, mut each: impl FnMut(usize)) {
        if let Some(rows) = found.listed() {
            rows.iter()
                .filter_map(|row| self.place(*row))
                .for_each(each);
            return;
        }
        for (at, (offset, _)) in self.rows.iter().enumerate() {
            if found.contains(self.base + i64::from(*offset)) {
                each(at);
            }
        }
    }

    /// The place of row id `row` in the view's rows, if the view holds it.
    pub(super) fn place(&self, row: i64) -> Option<usize> {
        let offset = u32::try_from(row - self.base).ok()?;
        (self.rows).binary_search_by_key(&offset, |(o, _)| *o).ok()
    }

    /// How many rows the view holds.
    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    /// How many of the view's rows `found` holds.
    pub(super) fn count(&self, found: &FoundRows) -> usize {
        let mut count = 0;
        self.each_match(found, |_| count += 1);
        count
    }

    /// The facet counts of the view's rows `found` holds, by (generation, type, changed); the
    /// rows' facets are read on `connection` the first time.
    pub(super) fn facet_counts(
        &self,
        connection: &Connection,
        found: &FoundRows,
    ) -> Result<Option<FacetRows>> {
        if self.facets.get().is_none() {
            let key = &self.key;
            let place = |row| self.place(row);
            let read = FacetGroups::read(
                connection,
                self.len(),
                place,
                &key.generations,
                key.without_gone,
            )?;
            let _ = self.facets.set(read);
        }
        Ok((self.facets.get())
            .and_then(Option::as_ref)
            .map(|groups| groups.count(|each| self.each_match(found, each))))
    }

    /// The row ids of the view's rows `found` holds at places `offset..offset + limit` of the
    /// view's order.
    pub(super) fn window(&self, found: &FoundRows, offset: usize, limit: usize) -> Vec<i64> {
        // (rank, row id − base) of every match.
        let mut matches = Vec::new();
        self.each_match(found, |at| {
            let (row, rank) = self.rows[at];
            matches.push((rank, row));
        });
        let end = (offset.saturating_add(limit)).min(matches.len());
        if offset >= end {
            return Vec::new();
        }
        // The `end` first in the order (ranks are unique), sorted; the window is their tail.
        if end < matches.len() {
            matches.select_nth_unstable(end - 1);
            matches.truncate(end);
        }
        matches.sort_unstable();
        (matches[offset..].iter())
            .map(|(_, row)| self.base + i64::from(*row))
            .collect()
    }
}

impl ItemStore {
    /// The ranks of the view of `generations` under `filter` (its search aside) in `sort` order,
    /// on the reading `connection` at data version `version`: the kept ones if they were read
    /// for it, read now if the store is at rest (the last request found the same version), and
    /// `None` while it changes, for a parent's children (few: sorted as they are read), or when
    /// `only_kept` and none are kept.
    pub(super) fn ranks(
        &self,
        connection: &Connection,
        version: i64,
        generations: &[i64],
        filter: &RowFilter,
        sort: ViewSort,
        only_kept: bool,
    ) -> Result<Option<Arc<Ranks>>> {
        if filter.parent.is_some() {
            return Ok(None);
        }
        let key = RankKey {
            version,
            generations: generations.to_vec(),
            types: filter.types.clone(),
            changes_only: filter.changes_only,
            without_gone: filter.without_gone,
            sort,
        };
        let mut cache = self.ranks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ranks) = cache.ranks.as_ref() {
            if ranks.key == key || (only_kept && ranks.key.same_rows(&key)) {
                return Ok(Some(ranks.clone()));
            }
        }
        if only_kept {
            return Ok(None);
        }
        let at_rest = cache.last_version == Some(version);
        cache.last_version = Some(version);
        if !at_rest {
            return Ok(None);
        }
        // The last ones go first: two views' ranks are never held at once.
        cache.ranks = None;
        let ranks = Ranks::read(connection, key)?.map(Arc::new);
        cache.ranks.clone_from(&ranks);
        Ok(ranks)
    }
}

#[cfg(test)]
#[path = "ranks_tests.rs"]
mod tests;
