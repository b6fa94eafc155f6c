//! Reading items back: the current items of some accounts, only the changed ones, or those that
//! match a search (FTS5 over name, parent path and the text of `details`, prefix match per word).

use rusqlite::types::Value;

use super::{sql_error, ItemStore};
use crate::error::{CoreError, Result};
use crate::item::IntegrationItem;

/// Which items to read.
#[derive(Debug, Clone, Default)]
pub struct ItemQuery {
    /// The generations to read (one per account).
    pub generations: Vec<i64>,
    /// Words every item must contain (each as a prefix), if any.
    pub search: Option<String>,
    /// Only items that are new, changed or gone since the load before.
    pub changes_only: bool,
}

/// An FTS5 expression matching every word of `text` as a prefix; `None` when there is no word.
pub fn match_expression(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl ItemStore {
    /// The items `query` selects, generation by generation in load order.
    pub fn query(&self, query: &ItemQuery) -> Result<Vec<IntegrationItem>> {
        if query.generations.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; query.generations.len()].join(", ");
        let mut sql = format!(
            "SELECT items.body, items.delta FROM items WHERE items.generation IN ({marks})"
        );
        let mut values: Vec<Value> = query
            .generations
            .iter()
            .map(|g| Value::Integer(*g))
            .collect();
        if query.changes_only {
            sql.push_str(" AND items.delta IS NOT NULL");
        }
        if let Some(expression) = query.search.as_deref().and_then(match_expression) {
            sql.push_str(
                " AND items.rowid IN (SELECT rowid FROM items_text WHERE items_text MATCH ?)",
            );
            values.push(Value::Text(expression));
        }
        sql.push_str(" ORDER BY items.generation, items.seq");
        let connection = self.read();
        let mut statement = connection.prepare(&sql).map_err(sql_error)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(values), |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?))
            })
            .map_err(sql_error)?;
        let mut items = Vec::new();
        for row in rows {
            let (body, delta) = row.map_err(sql_error)?;
            let mut item: IntegrationItem = serde_json::from_str(&body)
                .map_err(|e| CoreError::serialization("a stored item", e))?;
            item.delta = delta;
            items.push(item);
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_a_quoted_prefix() {
        assert_eq!(match_expression("  "), None);
        assert_eq!(
            match_expression("ada lov").as_deref(),
            Some("\"ada\"* \"lov\"*")
        );
        assert_eq!(match_expression("a\"b").as_deref(), Some("\"a\"\"b\"*"));
    }
}
