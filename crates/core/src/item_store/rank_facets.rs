//! The facet counts of a search from the view's ranks (`ranks.rs`): each row of the view tagged
//! with its group — generation, type, changed or not — so the counts beside the filters are a
//! pass over the search's matches, not a grouping of up to a million rows in SQL (180 ms under a
//! search every item matches; BENCHMARKS.md) on every keystroke.

use rusqlite::Connection;

use super::facets::FacetRows;
use super::sql_error;
use super::view::{Condition, RowFilter};
use crate::error::Result;

/// The group of each row of a view, and the groups.
#[derive(Debug)]
pub(super) struct FacetGroups {
    /// The group of the view's row at each place (`u16::MAX`: none).
    of_place: Vec<u16>,
    /// (generation, type, changed) of each group.
    groups: Vec<(i64, String, bool)>,
}

impl FacetGroups {
    /// Reads the groups of the `len` rows of a view (of `generations`, without its gone rows
    /// when `without_gone`) on `connection`, each at its `place` by row id; `None` with more
    /// groups than a `u16` tells.
    pub(super) fn read(
        connection: &Connection,
        len: usize,
        place: impl Fn(i64) -> Option<usize>,
        generations: &[i64],
        without_gone: bool,
    ) -> Result<Option<Self>> {
        let filter = RowFilter {
            without_gone,
            ..RowFilter::default()
        };
        let condition = Condition::new("item_rows", generations, &filter, None);
        // The facets index (generation, item_type, delta) holds every column asked for.
        let sql = format!(
            "SELECT rowid, generation, item_type, delta IS NOT NULL FROM item_rows WHERE {}",
            condition.sql
        );
        let mut statement = connection.prepare(&sql).map_err(sql_error)?;
        let mut rows = statement
            .query(rusqlite::params_from_iter(condition.values))
            .map_err(sql_error)?;
        let mut read = Self {
            of_place: vec![u16::MAX; len],
            groups: Vec::new(),
        };
        while let Some(row) = rows.next().map_err(sql_error)? {
            let Some(at) = place(row.get(0).map_err(sql_error)?) else {
                continue;
            };
            let generation: i64 = row.get(1).map_err(sql_error)?;
            let item_type = row.get_ref(2).map_err(sql_error)?.as_str().unwrap_or("");
            let changed: bool = row.get(3).map_err(sql_error)?;
            // Rows come grouped (the index's order): the last group is checked first.
            let same = |(g, t, c): &(i64, String, bool)| {
                *g == generation && t == item_type && *c == changed
            };
            let group = match read.groups.iter().rposition(same) {
                Some(group) => group,
                // `u16::MAX` says "none": one fewer group than a u16 counts.
                None if read.groups.len() >= usize::from(u16::MAX) => return Ok(None),
                None => {
                    read.groups
                        .push((generation, item_type.to_owned(), changed));
                    read.groups.len() - 1
                }
            };
            let group = u16::try_from(group).unwrap_or(u16::MAX);
            read.of_place[at] = group;
        }
        Ok(Some(read))
    }

    /// The rows at the places `each_match` calls back with, counted by (generation, type,
    /// changed).
    pub(super) fn count(&self, each_match: impl FnOnce(&mut dyn FnMut(usize))) -> FacetRows {
        let mut counts = vec![0u32; self.groups.len()];
        each_match(&mut |at| {
            let group = self.of_place.get(at).copied().unwrap_or(u16::MAX);
            if let Some(count) = counts.get_mut(usize::from(group)) {
                *count = count.saturating_add(1);
            }
        });
        (self.groups.iter().zip(counts))
            .filter(|(_, n)| *n > 0)
            .map(|((generation, item_type, changed), n)| {
                (*generation, item_type.clone(), *changed, n)
            })
            .collect()
    }
}
