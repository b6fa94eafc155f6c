//! Reads the search index in its own order: the rows a search finds in the order they were
//! stored (row id), a page at a time — what an assistant's search reads. The FTS5 index walks
//! its matches by row id, so the page stops the walk: the broadest prefix costs a page, where
//! the grid's order (by name) must first see every match.

use rusqlite::types::Value;

use super::query::match_expression;
use super::view::{read_item, Condition, RowFilter};
use super::{sql_error, ItemStore};
use crate::error::Result;
use crate::item::IntegrationItem;

/// A row a search found: where it is stored (its row id, the cursor of the next page), its
/// generation (so its account) and the item.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundRow {
    /// The row's id in the store; the next page starts after it.
    pub row: i64,
    /// The generation (load) holding it.
    pub generation: i64,
    /// The item.
    pub item: IntegrationItem,
}

impl ItemStore {
    /// The rows of `generations` passing `filter` (its words each a prefix, as in the grid),
    /// in the order they were stored, from the one after row `after`: `limit` at most.
    pub fn found_in_stored_order(
        &self,
        generations: &[i64],
        filter: &RowFilter,
        after: i64,
        limit: u32,
    ) -> Result<Vec<FoundRow>> {
        let condition = Condition::new("item_rows", generations, filter, None);
        let mut values = vec![Value::Integer(after)];
        // The index leads (CROSS JOIN keeps SQLite from turning the join around), each match
        // looked up by row id and checked against the accounts and filters.
        let sql = match match_expression(&filter.search) {
            Some(expression) => {
                values.push(Value::Text(expression));
                format!(
                    "SELECT item_rows.rowid, item_rows.generation, item_rows.body, item_rows.delta
                     FROM (SELECT rowid FROM items_text WHERE rowid > ?1 AND items_text MATCH ?2
                           ORDER BY rowid) AS found
                     CROSS JOIN item_rows ON item_rows.rowid = found.rowid
                     WHERE {} ORDER BY found.rowid LIMIT {limit}",
                    super::view::numbered(&condition.sql, 3)
                )
            }
            None => format!(
                "SELECT rowid, generation, body, delta FROM item_rows
                 WHERE rowid > ?1 AND {} ORDER BY rowid LIMIT {limit}",
                super::view::numbered(&condition.sql, 2)
            ),
        };
        values.extend(condition.values);
        let connection = self.read();
        let mut statement = connection.prepare(&sql).map_err(sql_error)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(values), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(sql_error)?;
        let mut found = Vec::new();
        for row in rows {
            let (row, generation, body, delta) = row.map_err(sql_error)?;
            found.push(FoundRow {
                row,
                generation,
                item: read_item(&body, delta)?,
            });
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::item::ItemKind;
    use crate::item_store::tests::{load, temp_store};

    #[test]
    fn a_search_pages_through_its_matches_in_stored_order() {
        let (store, dir) = temp_store("stored-order");
        let generation = load(&store, &fixtures::contacts(250), false).id;
        let every = RowFilter {
            search: "contact".into(),
            ..RowFilter::default()
        };
        let (mut ids, mut after) = (Vec::new(), 0);
        loop {
            let page = (store.found_in_stored_order(&[generation], &every, after, 100)).unwrap();
            let Some(last) = page.last() else { break };
            after = last.row;
            assert!(page.iter().all(|r| r.generation == generation));
            ids.extend(page.into_iter().map(|r| r.item.id));
        }
        let expected: Vec<String> = (0..250).map(|n| n.to_string()).collect();
        assert_eq!(ids, expected);
        let narrow = RowFilter {
            search: "contact 17".into(),
            ..RowFilter::default()
        };
        let found = store
            .found_in_stored_order(&[generation], &narrow, 0, 100)
            .unwrap();
        let names: Vec<&str> = found.iter().map(|r| r.item.name.as_str()).collect();
        assert_eq!(names.len(), 11, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("Contact 17")));
        // Other generations' rows, other types and no words at all.
        assert!(store
            .found_in_stored_order(&[generation + 1], &every, 0, 10)
            .unwrap()
            .is_empty());
        let deals = RowFilter {
            types: vec![ItemKind::Deal],
            ..every.clone()
        };
        assert!(store
            .found_in_stored_order(&[generation], &deals, 0, 10)
            .unwrap()
            .is_empty());
        let all = store
            .found_in_stored_order(&[generation], &RowFilter::default(), 0, 300)
            .unwrap();
        assert_eq!(all.len(), 250);
        let _ = std::fs::remove_dir_all(dir);
    }
}
