//! What items hold beyond their fields — a Notion page's blocks and their Markdown — per
//! account and item, kept across loads (schema v5, `contents`). A page's content is written the
//! moment it is read, so a content load stopped half-way keeps what it read and the next one
//! goes on from there; it is read again only when the page's edit time moves past `edited`.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use specta::Type;

use super::{mode_text, sql_error, AccountKey, ItemStore};
use crate::error::{CoreError, Result};
use crate::item::{ContentEdits, ItemContent};

/// An item's stored content, as the faces show it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct StoredContent {
    /// The item's id.
    pub item_id: String,
    /// The content as Markdown.
    pub markdown: String,
    /// The item's edit time the content was read at.
    pub edited: Option<String>,
    /// When Inlet read it.
    pub fetched_at: String,
}

fn time_text(time: Option<DateTime<Utc>>) -> Option<String> {
    time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

impl ItemStore {
    /// Keeps `content` of one of `key`'s items, replacing what was stored of it.
    pub fn put_content(&self, key: &AccountKey, content: &ItemContent) -> Result<()> {
        self.put_contents(key, std::slice::from_ref(content))
    }

    /// Keeps every one of `contents` of `key`'s items in one transaction, replacing what was
    /// stored of them.
    pub fn put_contents(&self, key: &AccountKey, contents: &[ItemContent]) -> Result<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(sql_error)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO contents
                       (integration, mode, account_id, item_id, edited, fetched_at, markdown, blocks)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(sql_error)?;
            let now = time_text(Some(Utc::now()));
            for content in contents {
                let blocks = serde_json::to_string(&content.blocks)
                    .map_err(|e| CoreError::serialization("a page's blocks", e))?;
                insert
                    .execute(params![
                        key.integration.id(),
                        mode_text(key.mode),
                        key.account_id,
                        content.item_id,
                        time_text(content.edited),
                        now,
                        content.markdown,
                        blocks,
                    ])
                    .map_err(sql_error)?;
                search_with_content(&tx, key, &content.item_id, &content.markdown)?;
            }
        }
        tx.commit().map_err(sql_error)
    }

    /// The Markdown of each of `key`'s stored contents, by item id.
    pub fn markdown_by_item(
        &self,
        key: &AccountKey,
    ) -> Result<std::collections::HashMap<String, String>> {
        self.content_column(key, ContentColumn::Markdown, |r| r.get(1))
    }

    /// The edit time each of `key`'s stored contents was read at.
    pub fn content_edits(&self, key: &AccountKey) -> Result<ContentEdits> {
        self.content_column(key, ContentColumn::Edited, |r| {
            let edited: Option<String> = r.get(1)?;
            Ok(edited
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc)))
        })
    }

    /// One column of every one of `key`'s stored contents, by item id, each read by `value`
    /// (from the row's second column).
    fn content_column<T>(
        &self,
        key: &AccountKey,
        column: ContentColumn,
        value: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<std::collections::HashMap<String, T>> {
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(&format!(
                "SELECT item_id, {} FROM contents
                  WHERE integration = ?1 AND mode = ?2 AND account_id = ?3",
                column.name()
            ))
            .map_err(sql_error)?;
        let rows = statement
            .query_map(
                params![key.integration.id(), mode_text(key.mode), key.account_id],
                |r| Ok((r.get::<_, String>(0)?, value(r)?)),
            )
            .map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }

    /// The stored content of `key`'s item `item_id`, if any.
    pub fn content(&self, key: &AccountKey, item_id: &str) -> Result<Option<StoredContent>> {
        let connection = self.read();
        connection
            .query_row(
                "SELECT markdown, edited, fetched_at FROM contents
                  WHERE integration = ?1 AND mode = ?2 AND account_id = ?3 AND item_id = ?4",
                params![
                    key.integration.id(),
                    mode_text(key.mode),
                    key.account_id,
                    item_id
                ],
                |r| {
                    Ok(StoredContent {
                        item_id: item_id.to_owned(),
                        markdown: r.get(0)?,
                        edited: r.get(1)?,
                        fetched_at: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(sql_error)
    }

    /// Forgets `key`'s contents (with its items).
    pub(super) fn forget_contents(tx: &rusqlite::Transaction<'_>, key: &AccountKey) -> Result<()> {
        tx.execute(
            "DELETE FROM contents WHERE integration = ?1 AND mode = ?2 AND account_id = ?3",
            params![key.integration.id(), mode_text(key.mode), key.account_id],
        )
        .map_err(sql_error)?;
        Ok(())
    }
}

/// The Markdown of `key`'s item `item_id` on the writing connection (what search indexes with
/// the item), if any.
pub(super) fn markdown_of(
    connection: &rusqlite::Connection,
    key: &AccountKey,
    item_id: &str,
) -> Result<Option<String>> {
    connection
        .prepare_cached(
            "SELECT markdown FROM contents
              WHERE integration = ?1 AND mode = ?2 AND account_id = ?3 AND item_id = ?4",
        )
        .and_then(|mut s| {
            s.query_row(
                params![
                    key.integration.id(),
                    mode_text(key.mode),
                    key.account_id,
                    item_id
                ],
                |r| r.get(0),
            )
            .optional()
        })
        .map_err(sql_error)
}

/// A column of `contents` read for every item at once (named here, never from input).
#[derive(Clone, Copy)]
enum ContentColumn {
    Markdown,
    Edited,
}

impl ContentColumn {
    fn name(self) -> &'static str {
        match self {
            Self::Markdown => "markdown",
            Self::Edited => "edited",
        }
    }
}

/// Makes the words of `markdown` (item `item_id`'s content) found with the item in every stored
/// generation of `key` that holds it: a load writes an item's search text with the content it
/// has then, and rows a later sync keeps as they are (`kept.rs`) are never written again — a
/// content kept after its item (a content load stopped half-way) would otherwise stay unfound.
fn search_with_content(
    tx: &rusqlite::Transaction<'_>,
    key: &AccountKey,
    item_id: &str,
    markdown: &str,
) -> Result<()> {
    let mut rows = tx
        .prepare_cached(
            "SELECT i.rowid, i.name, i.parent_path, i.body FROM generations g
               JOIN item_rows i ON i.generation = g.id AND i.item_id = ?4
              WHERE g.integration = ?1 AND g.mode = ?2 AND g.account_id = ?3
                AND i.delta IS NOT 'gone'",
        )
        .map_err(sql_error)?;
    let found = rows
        .query_map(
            params![
                key.integration.id(),
                mode_text(key.mode),
                key.account_id,
                item_id
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .map_err(sql_error)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(sql_error)?;
    for (rowid, name, parent_path, body) in found {
        let item = super::view::read_item(&body, None)?;
        let mut details = crate::properties::search_text(&item);
        details.push_str(markdown);
        tx.execute("DELETE FROM items_text WHERE rowid = ?1", [rowid])
            .map_err(sql_error)?;
        tx.execute(
            "INSERT INTO items_text (rowid, name, parent_path, details) VALUES (?1, ?2, ?3, ?4)",
            params![rowid, name, parent_path, details],
        )
        .map_err(sql_error)?;
    }
    Ok(())
}
