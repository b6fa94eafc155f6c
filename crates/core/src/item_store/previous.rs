//! What an account's previous load found, as a provider that walks a tree reads it
//! ([`PreviousLoad`]): each item's type, parent and last edit, from the generation shown.

use std::collections::HashMap;

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
                "SELECT item_id, item_type, parent_id, modified FROM item_rows
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
        previous.state = self.provider_state(key)?;
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

impl ItemStore {
    /// What `key`'s provider remembered for its next load, by key.
    pub fn provider_state(&self, key: &AccountKey) -> Result<HashMap<String, String>> {
        let stored = self.preference(&state_preference(key))?;
        // A state that no longer reads is forgotten: the provider then starts afresh.
        Ok(stored
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default())
    }

    /// Applies `updates` (a key's new value, or `None` to forget it) to `key`'s provider state.
    pub fn update_provider_state(
        &self,
        key: &AccountKey,
        updates: &[(String, Option<String>)],
    ) -> Result<()> {
        if updates.is_empty() {
            return Ok(());
        }
        let mut state = self.provider_state(key)?;
        for (name, value) in updates {
            match value {
                Some(value) => state.insert(name.clone(), value.clone()),
                None => state.remove(name),
            };
        }
        let text = serde_json::to_string(&state)
            .map_err(|e| crate::error::CoreError::serialization("a provider's state", e))?;
        let text = (!state.is_empty()).then_some(text);
        self.set_preference(&state_preference(key), text.as_deref())
    }

    /// Forgets `key`'s provider state (with its items).
    pub(super) fn forget_provider_state(
        tx: &rusqlite::Transaction<'_>,
        key: &AccountKey,
    ) -> Result<()> {
        tx.execute(
            "DELETE FROM preferences WHERE name = ?1",
            [state_preference(key)],
        )
        .map_err(sql_error)?;
        Ok(())
    }
}

/// The preference holding `key`'s provider state (a JSON object of strings).
fn state_preference(key: &AccountKey) -> String {
    key.preference_name("provider_state")
}

/// The preference holding when `key`'s last full load began.
fn full_load_preference(key: &AccountKey) -> String {
    key.preference_name("full_load")
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
