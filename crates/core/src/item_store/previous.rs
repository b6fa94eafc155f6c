//! What an account's previous load found, as a provider that walks a tree reads it
//! ([`PreviousLoad`]): each item's type, parent and last edit, from the generation shown.

use chrono::{DateTime, Utc};

use super::{sql_error, AccountKey, ItemStore};
use crate::error::Result;
use crate::item::{ItemKind, LoadedWhen, PreviousItem, PreviousLoad};

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
        let (started, state): (String, String) = connection
            .query_row(
                "SELECT started_at, state FROM generations WHERE id = ?1",
                [generation.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql_error)?;
        drop(statement);
        drop(connection);
        let full_at = self.preference(&full_load_preference(key))?;
        let mut previous = PreviousLoad::new(items);
        previous.when = time(&started).map(|started_at| LoadedWhen {
            started_at,
            complete: state == "complete",
            full_at: full_at.as_deref().and_then(time),
        });
        Ok(previous)
    }

    /// Notes that `key`'s complete full load (not a sync) began at `started_at`.
    pub fn note_full_load(&self, key: &AccountKey, started_at: DateTime<Utc>) -> Result<()> {
        let at = started_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.set_preference(&full_load_preference(key), Some(&at))
    }
}

/// The preference holding when `key`'s last full load began.
fn full_load_preference(key: &AccountKey) -> String {
    format!(
        "full_load:{}:{}:{}",
        key.integration.id(),
        super::mode_text(key.mode),
        key.account_id
    )
}

/// An RFC 3339 time, if it is one.
fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stored kind's name as an [`ItemKind`] (one this version does not know is `Other`).
fn kind(name: String) -> rusqlite::Result<ItemKind> {
    Ok(ItemKind::parse(&name).unwrap_or(ItemKind::Other))
}
