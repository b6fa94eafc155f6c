//! What an account's previous load found, as a provider that walks a tree reads it
//! ([`PreviousLoad`]): each item's type, parent and last edit, from the generation shown.

use chrono::{DateTime, Utc};

use super::{sql_error, AccountKey, ItemStore};
use crate::error::Result;
use crate::item::{ItemKind, PreviousItem, PreviousLoad};

impl ItemStore {
    /// The items of `key`'s current generation (not those marked gone), by id.
    pub fn previous_load(&self, key: &AccountKey) -> Result<PreviousLoad> {
        let Some(generation) = self.current(key)? else {
            return Ok(PreviousLoad::default());
        };
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(
                "SELECT item_id, item_type, parent_id, modified FROM items
                  WHERE generation = ?1 AND delta IS NOT 'gone'",
            )
            .map_err(sql_error)?;
        let rows = statement
            .query_map([generation.id], |r| {
                let modified: Option<String> = r.get(3)?;
                Ok((
                    r.get::<_, String>(0)?,
                    PreviousItem {
                        item_type: kind(r.get(1)?)?,
                        parent_id: r.get(2)?,
                        modified: modified
                            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                            .map(|t| t.with_timezone(&Utc)),
                    },
                ))
            })
            .map_err(sql_error)?;
        let items = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql_error)?;
        Ok(PreviousLoad::new(items))
    }
}

/// A stored kind's name as an [`ItemKind`] (one this version does not know is `Other`).
fn kind(name: String) -> rusqlite::Result<ItemKind> {
    Ok(ItemKind::parse(&name).unwrap_or(ItemKind::Other))
}
