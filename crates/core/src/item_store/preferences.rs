//! The person's preferences kept in the store's `preferences` table, by name (the file store's
//! cap, the last scheduled sync).

use rusqlite::OptionalExtension;

use super::{sql_error, ItemStore};
use crate::error::Result;

impl ItemStore {
    /// The preference `name`, if set.
    pub fn preference(&self, name: &str) -> Result<Option<String>> {
        self.lock()
            .query_row(
                "SELECT value FROM preferences WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_error)
    }

    /// Sets the preference `name` (`None`: forgets it).
    pub fn set_preference(&self, name: &str, value: Option<&str>) -> Result<()> {
        let connection = self.lock();
        match value {
            Some(value) => connection.execute(
                "INSERT OR REPLACE INTO preferences (name, value) VALUES (?1, ?2)",
                [name, value],
            ),
            None => connection.execute("DELETE FROM preferences WHERE name = ?1", [name]),
        }
        .map(|_| ())
        .map_err(sql_error)
    }
}
