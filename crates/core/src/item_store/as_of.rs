//! The store as it was: an account's items at an earlier time, made from its current generation
//! by undoing, newest first, every revision seen after that time — a new item taken out, a gone
//! one brought back as it last was (schema v8 keeps its body), each moved field set back to what
//! it was (or taken out where it was not there). Before the account's first load there is
//! nothing. A gone item recorded before schema v8 kept no body: it is counted, not guessed.

use std::collections::BTreeMap;

use rusqlite::params;
use serde_json::Value;

use super::revisions::history_start_preference;
use super::undo::StoredChange;
use super::{mode_text, sql_error, AccountKey, Generation, ItemStore};
use crate::error::Result;
use crate::item::IntegrationItem;

/// An account's items as they were at a time.
#[derive(Debug, Clone)]
pub struct ItemsAsOf {
    /// The account's current generation (the account as it is described now).
    pub current: Generation,
    /// The items present then, by key order.
    pub items: Vec<IntegrationItem>,
    /// When the account's history begins (its first load), if known.
    pub history_from: Option<String>,
    /// Items gone since that Inlet cannot bring back (recorded before it kept their bodies).
    pub not_kept: usize,
}

impl ItemStore {
    /// `key`'s items as they were at `at` (RFC 3339, UTC); `None` when the account has no
    /// stored load.
    pub fn items_as_of(&self, key: &AccountKey, at: &str) -> Result<Option<ItemsAsOf>> {
        let Some(current) = self.current(key)? else {
            return Ok(None);
        };
        // An account first loaded before Inlet noted it: its history is known from its first
        // revision (or its load now) — earlier, nothing rather than a guess.
        let history_from = match self.preference(&history_start_preference(key))? {
            Some(from) => Some(from),
            None => self
                .first_revision(key)?
                .or(Some(current.loaded_at.clone())),
        };
        let mut as_of = ItemsAsOf {
            current,
            items: Vec::new(),
            history_from,
            not_kept: 0,
        };
        if as_of.history_from.as_deref().is_some_and(|from| at < from) {
            return Ok(Some(as_of));
        }
        let connection = self.read();
        let mut bodies: BTreeMap<String, Value> = BTreeMap::new();
        let mut items = connection
            .prepare(
                "SELECT key, body FROM item_rows
                  WHERE generation = ?1 AND (delta IS NULL OR delta != 'gone')",
            )
            .map_err(sql_error)?;
        let rows = items
            .query_map([as_of.current.id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(sql_error)?;
        for row in rows {
            let (item_key, body) = row.map_err(sql_error)?;
            bodies.insert(item_key, serde_json::from_str(&body).unwrap_or_default());
        }
        let mut revisions = connection
            .prepare(
                "SELECT key, kind, changes, body FROM revision_rows
                  WHERE integration = ?1 AND mode = ?2 AND account_id = ?3 AND seen_at > ?4
                  ORDER BY id DESC",
            )
            .map_err(sql_error)?;
        let rows = revisions
            .query_map(
                params![
                    key.integration.id(),
                    mode_text(key.mode),
                    key.account_id,
                    at
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                },
            )
            .map_err(sql_error)?;
        for row in rows {
            let (item_key, kind, changes, body) = row.map_err(sql_error)?;
            match kind.as_str() {
                "new" => {
                    bodies.remove(&item_key);
                }
                "gone" => match body.and_then(|b| serde_json::from_str::<Value>(&b).ok()) {
                    Some(body) => {
                        bodies.insert(item_key, body);
                    }
                    None => as_of.not_kept += 1,
                },
                _ => {
                    let changes: Vec<StoredChange> =
                        serde_json::from_str(&changes).unwrap_or_default();
                    if let Some(Value::Object(body)) = bodies.get_mut(&item_key) {
                        for change in changes.iter().rev() {
                            change.undo(body);
                        }
                    }
                }
            }
        }
        as_of.items = bodies
            .into_values()
            .filter_map(|body| serde_json::from_value(body).ok())
            .collect();
        Ok(Some(as_of))
    }
}

impl ItemStore {
    /// When the first of `key`'s revisions was seen.
    fn first_revision(&self, key: &AccountKey) -> Result<Option<String>> {
        self.read()
            .query_row(
                "SELECT min(seen_at) FROM revision_rows
                  WHERE integration = ?1 AND mode = ?2 AND account_id = ?3",
                params![key.integration.id(), mode_text(key.mode), key.account_id],
                |r| r.get(0),
            )
            .map_err(sql_error)
    }
}
