//! The tree of a view: roots (rows whose parent is not among the view's rows) in the view's
//! order, each followed by the children of expanded items — flattened into row ids the grid
//! reads windows of — and rows read back by id with whether each has children.

use std::collections::HashSet;

use rusqlite::types::Value;
use rusqlite::Connection;

use super::view::{numbered, read_item, Condition, ItemRow, RowFilter, TreeOrder, ViewSort};
use super::{sql_error, ItemStore};
use crate::error::Result;
use crate::item::IntegrationItem;

impl ItemStore {
    /// The tree of the view flattened: roots (rows whose parent is not among the filtered rows)
    /// in `sort` order, each followed by the children of those whose key is in `expanded`.
    pub fn tree_order(
        &self,
        generations: &[i64],
        filter: &RowFilter,
        sort: ViewSort,
        expanded: &HashSet<String>,
    ) -> Result<TreeOrder> {
        let connection = self.read();
        let condition = Condition::new("item_rows", generations, filter, None);
        let parent = Condition::new("p", generations, filter, None);
        let sql = format!(
            "SELECT item_rows.rowid, item_rows.key, item_rows.generation, item_rows.item_id FROM item_rows
             WHERE {} AND (item_rows.parent_id IS NULL OR item_rows.parent_id = item_rows.item_id OR NOT EXISTS (
               SELECT 1 FROM item_rows p WHERE p.generation = item_rows.generation
                 AND p.item_id = item_rows.parent_id AND {}))
             ORDER BY {}",
            condition.sql,
            parent.sql,
            sort.order_by()
        );
        let values = condition.values.into_iter().chain(parent.values);
        let roots = tree_rows(&connection, &sql, values)?;
        let mut order = Vec::with_capacity(roots.len());
        let mut seen = HashSet::new();
        for root in roots {
            visit(
                &connection,
                filter,
                sort,
                expanded,
                root,
                0,
                &mut seen,
                &mut order,
            )?;
        }
        Ok(order)
    }

    /// The items of `generation` whose parent is `parent_id`, in load order (gone ones
    /// included, marked).
    pub fn children(&self, generation: i64, parent_id: &str) -> Result<Vec<IntegrationItem>> {
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(
                "SELECT body, delta FROM item_rows WHERE generation = ?1 AND parent_id = ?2
                   AND item_id != ?2 ORDER BY seq",
            )
            .map_err(sql_error)?;
        let rows = statement
            .query_map(rusqlite::params![generation, parent_id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
            })
            .map_err(sql_error)?;
        let mut items = Vec::new();
        for row in rows {
            let (body, delta) = row.map_err(sql_error)?;
            items.push(read_item(&body, delta)?);
        }
        Ok(items)
    }

    /// The rows with these ids, in this order; with `tree`, whether each has children in the
    /// view.
    pub fn rows_by_id(
        &self,
        generations: &[i64],
        filter: &RowFilter,
        ids: &[(i64, u32)],
        tree: bool,
    ) -> Result<Vec<ItemRow>> {
        let connection = self.read();
        let mut rows = Vec::with_capacity(ids.len());
        let condition = Condition::new("item_rows", generations, filter, None);
        let children_sql = format!(
            "SELECT EXISTS (SELECT 1 FROM item_rows WHERE item_rows.generation = ?1 AND item_rows.parent_id = ?2
               AND item_rows.item_id != ?2 AND {})",
            condition.sql
        );
        let mut read = connection
            .prepare_cached(
                "SELECT body, delta, generation, item_id FROM item_rows WHERE rowid = ?1",
            )
            .map_err(sql_error)?;
        for &(id, depth) in ids {
            let (body, delta, generation, item_id) = read
                .query_row([id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .map_err(sql_error)?;
            let has_children = tree && {
                let mut values = vec![Value::Integer(generation), Value::Text(item_id)];
                values.extend(condition.values.iter().cloned());
                connection
                    .query_row(
                        &numbered(&children_sql, 3),
                        rusqlite::params_from_iter(values),
                        |r| r.get::<_, bool>(0),
                    )
                    .map_err(sql_error)?
            };
            rows.push(ItemRow {
                item: read_item(&body, delta)?,
                depth,
                has_children,
            });
        }
        Ok(rows)
    }
}

/// A row of the tree query: row id, key, generation, item id.
type TreeNode = (i64, String, i64, String);

fn tree_rows(
    connection: &Connection,
    sql: &str,
    values: impl Iterator<Item = Value>,
) -> Result<Vec<TreeNode>> {
    let mut statement = connection.prepare_cached(sql).map_err(sql_error)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(values), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .map_err(sql_error)?;
    rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
}

/// Adds `node` and, when it is expanded, its children (depth first); a parent cycle stops at
/// the first row seen twice.
#[allow(clippy::too_many_arguments)]
fn visit(
    connection: &Connection,
    filter: &RowFilter,
    sort: ViewSort,
    expanded: &HashSet<String>,
    node: TreeNode,
    depth: u32,
    seen: &mut HashSet<i64>,
    order: &mut TreeOrder,
) -> Result<()> {
    let (rowid, key, generation, item_id) = node;
    if !seen.insert(rowid) {
        return Ok(());
    }
    order.push((rowid, depth));
    if !expanded.contains(&key) {
        return Ok(());
    }
    let condition = Condition::new("item_rows", &[generation], filter, None);
    let sql = numbered(
        &format!(
            "SELECT item_rows.rowid, item_rows.key, item_rows.generation, item_rows.item_id FROM item_rows
             WHERE item_rows.parent_id = ?1 AND item_rows.item_id != ?1 AND {} ORDER BY {}",
            condition.sql,
            sort.order_by()
        ),
        2,
    );
    let values = std::iter::once(Value::Text(item_id)).chain(condition.values);
    for child in tree_rows(connection, &sql, values)? {
        visit(
            connection,
            filter,
            sort,
            expanded,
            child,
            depth + 1,
            seen,
            order,
        )?;
    }
    Ok(())
}
