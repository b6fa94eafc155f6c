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

use std::sync::{Arc, Mutex};

use rusqlite::Connection;

use super::found::FoundRows;
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
        Ok(Some(Self { key, base, rows }))
    }

    /// The view's rows `found` holds, as (rank, row id − `base`): a pass over the view's rows
    /// against a bitmap, or a lookup of each of a list's rows.
    fn matches(&self, found: &FoundRows) -> Vec<(u32, u32)> {
        if let Some(rows) = found.listed() {
            return (rows.iter())
                .filter_map(|row| u32::try_from(row - self.base).ok())
                .filter_map(|offset| {
                    let at = (self.rows)
                        .binary_search_by_key(&offset, |(o, _)| *o)
                        .ok()?;
                    Some((self.rows[at].1, offset))
                })
                .collect();
        }
        (self.rows.iter())
            .filter(|(offset, _)| found.contains(self.base + i64::from(*offset)))
            .map(|(offset, rank)| (*rank, *offset))
            .collect()
    }

    /// How many of the view's rows `found` holds.
    pub(super) fn count(&self, found: &FoundRows) -> usize {
        match found.listed() {
            Some(_) => self.matches(found).len(),
            None => (self.rows.iter())
                .filter(|(offset, _)| found.contains(self.base + i64::from(*offset)))
                .count(),
        }
    }

    /// The row ids of the view's rows `found` holds at places `offset..offset + limit` of the
    /// view's order.
    pub(super) fn window(&self, found: &FoundRows, offset: usize, limit: usize) -> Vec<i64> {
        let mut matches = self.matches(found);
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
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::item_store::tests::{load, temp_store};
    use crate::item_store::SortColumn;

    fn ranks(rows: &[(i64, u32)]) -> Ranks {
        let base = rows.iter().map(|r| r.0).min().unwrap_or(0);
        let mut rows: Vec<(u32, u32)> = (rows.iter())
            .map(|(row, rank)| (u32::try_from(row - base).unwrap(), *rank))
            .collect();
        rows.sort_unstable();
        Ranks {
            key: RankKey {
                version: 0,
                generations: Vec::new(),
                types: Vec::new(),
                changes_only: false,
                without_gone: false,
                sort: ViewSort::default(),
            },
            base,
            rows,
        }
    }

    #[test]
    fn a_window_is_the_matches_smallest_ranks_in_order() {
        // Rows 100..110 ranked in reverse: row 109 comes first.
        let view = ranks(&(0..10).map(|n| (100 + n, 9 - n as u32)).collect::<Vec<_>>());
        let found = FoundRows::of(vec![50, 101, 103, 104, 107, 109, 200]);
        assert_eq!(view.count(&found), 5);
        assert_eq!(view.window(&found, 0, 2), vec![109, 107]);
        assert_eq!(view.window(&found, 2, 2), vec![104, 103]);
        assert_eq!(view.window(&found, 4, 10), vec![101]);
        assert!(view.window(&found, 5, 10).is_empty());
        assert_eq!(view.window(&found, 0, 100).len(), 5);
        let none = FoundRows::of(Vec::new());
        assert_eq!(view.count(&none), 0);
        assert!(view.window(&none, 0, 10).is_empty());
    }

    #[test]
    fn a_bitmap_of_many_rows_finds_the_same_window() {
        // 30,000 rows ranked in reverse; every third one found.
        let view = ranks(
            &(0..30_000)
                .map(|n| (n, 29_999 - n as u32))
                .collect::<Vec<_>>(),
        );
        let listed: Vec<i64> = (0..30_000).step_by(3).collect();
        let mut bits = vec![0u64; 30_000 / 64 + 1];
        for row in &listed {
            bits[*row as usize / 64] |= 1 << (row % 64);
        }
        let many = FoundRows::Many {
            base: 0,
            bits,
            count: listed.len(),
        };
        assert_eq!(view.count(&many), 10_000);
        let expected: Vec<i64> = listed.iter().rev().skip(250).take(100).copied().collect();
        assert_eq!(view.window(&many, 250, 100), expected);
    }

    #[test]
    fn a_search_read_through_the_ranks_shows_what_the_index_walk_shows() {
        let (store, dir) = temp_store("ranks");
        let mut items = fixtures::contacts(24_000);
        for item in items.iter_mut().step_by(7) {
            item.item_type = ItemKind::Deal;
        }
        let generation = load(&store, &items, false).id;
        let sorts = [
            ViewSort::default(),
            ViewSort {
                column: SortColumn::Name,
                descending: true,
            },
            ViewSort {
                column: SortColumn::Created,
                descending: true,
            },
            ViewSort {
                column: SortColumn::Type,
                descending: false,
            },
        ];
        let ids = |items: Vec<crate::item::IntegrationItem>| -> Vec<String> {
            items.into_iter().map(|i| i.id).collect()
        };
        // Every row, a list's worth, words in the details, a handful.
        for words in ["contact", "contact 1", "person2", "contact 2345"] {
            for types in [Vec::new(), vec![ItemKind::Deal]] {
                let filter = RowFilter {
                    search: words.into(),
                    types,
                    ..RowFilter::default()
                };
                for sort in sorts {
                    // The index walk's order (SQL), for every row of the view.
                    let order = store.flat_order(&[generation], &filter, sort).unwrap();
                    for offset in [0, 150, 20_000] {
                        let slice =
                            &order[offset.min(order.len())..(offset + 100).min(order.len())];
                        let walked = store.rows_by_id(&[generation], &filter, slice, false);
                        let walked: Vec<String> =
                            walked.unwrap().into_iter().map(|r| r.item.id).collect();
                        // Asked twice: the second ask finds the store at rest and reads ranks.
                        let window = |s: &ItemStore| {
                            s.window(&[generation], &filter, sort, offset as u32, 100)
                                .unwrap()
                        };
                        assert_eq!(ids(window(&store)), walked, "{words} {sort:?} {offset}");
                        assert_eq!(ids(window(&store)), walked, "{words} {sort:?} {offset}");
                        let cache = store.ranks.lock().unwrap();
                        assert!(cache.ranks.as_ref().is_some_and(|r| r.key.sort == sort));
                    }
                    let total = store.count(&[generation], &filter).unwrap();
                    assert_eq!(total as usize, order.len(), "{words}");
                }
            }
        }
        // A load later (the rest gone), the ranks of the generation it replaced are not used.
        let next = load(&store, &items[..500], false).id;
        let filter = RowFilter {
            search: "contact".into(),
            without_gone: true,
            ..RowFilter::default()
        };
        for _ in 0..2 {
            let shown = store.window(&[next], &filter, ViewSort::default(), 0, 1_000);
            assert_eq!(shown.unwrap().len(), 500);
            assert_eq!(store.count(&[next], &filter).unwrap(), 500);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
