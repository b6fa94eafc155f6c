//! The assistant's tools, answered from the store over the accounts the person opened: each
//! answer is JSON that names the accounts and loads it comes from (`from`) and is bounded
//! (pages with cursors, byte caps). What is read goes through the scoped SQL views
//! (`SqlScope::Accounts`) or the search index over the readable accounts alone, so an account
//! not opened cannot show up in any answer.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::access::ReadableAccount;
use super::table::Table;
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::ItemKind;
use crate::item_store::{AccountKey, FoundRow, SqlScope};
use crate::services::{ItemView, Library};

/// The longest a tool's statement runs.
const TOOL_TIME: Duration = Duration::from_secs(10);
/// About the most JSON a tool answers with.
pub(super) const ANSWER_BYTES: usize = 200_000;
/// The most Markdown a `get_content` page holds, in characters.
const MOST_CONTENT_CHARS: usize = 100_000;

/// What `search` is asked.
#[derive(Debug, Clone, Default)]
pub struct SearchAsked {
    /// Words, each found as a prefix in names, parents and the text of fields.
    pub words: String,
    /// Only this provider.
    pub provider: Option<String>,
    /// Only these item types.
    pub types: Vec<String>,
    /// Only this account (its id).
    pub account: Option<String>,
    /// Rows at most (1–50).
    pub limit: u32,
    /// Where the previous page stopped.
    pub cursor: Option<String>,
}

/// What `list_changes` is asked.
#[derive(Debug, Clone, Default)]
pub struct ChangesAsked {
    /// Changes seen since this date or time; none: what each account's last load found.
    pub since: Option<String>,
    /// Changes at most (1–200).
    pub limit: u32,
    /// Where the previous page stopped.
    pub cursor: Option<String>,
}

/// The tools, over the accounts opened to assistants (read anew for every call: a switch in
/// Settings holds at once).
#[derive(Clone)]
pub struct Assistant {
    pub(super) library: Arc<Library>,
}

fn invalid(message: impl Into<String>) -> CoreError {
    CoreError::invalid_argument(message)
}

/// Where a page stopped, as `<account>:<offset>`.
pub(super) fn cursor_of(text: Option<&str>) -> Result<(usize, u32)> {
    let Some(text) = text else {
        return Ok((0, 0));
    };
    text.split_once(':')
        .and_then(|(a, o)| Some((a.parse().ok()?, o.parse().ok()?)))
        .ok_or_else(|| invalid("That cursor is not one this server gave."))
}

impl Assistant {
    /// The tools over `library`'s store.
    pub fn new(library: Arc<Library>) -> Self {
        Self { library }
    }

    /// The accounts assistants may read now.
    pub async fn readable(&self) -> Result<Vec<ReadableAccount>> {
        let all = self.library.assistant_accounts().await?;
        Ok(all.into_iter().filter(|a| a.readable).collect())
    }

    pub(super) fn sources(accounts: &[&ReadableAccount]) -> Value {
        Value::Array(accounts.iter().map(|a| a.source()).collect())
    }

    /// Runs a statement over the readable accounts' views.
    pub(super) async fn scoped(
        &self,
        accounts: &[ReadableAccount],
        sql: &str,
        params: Vec<String>,
        table: Table,
    ) -> Result<Table> {
        let keys: Vec<AccountKey> = accounts.iter().map(|a| a.key.clone()).collect();
        self.library
            .run_sql_with(sql, params, SqlScope::Accounts(keys), TOOL_TIME, table)
            .await
    }

    /// The accounts and their loads, for the server's resources and instructions.
    pub async fn accounts(&self) -> Result<Value> {
        let readable = self.readable().await?;
        Ok(json!({ "accounts": Self::sources(&readable.iter().collect::<Vec<_>>()) }))
    }

    /// Items whose words match, across the readable accounts (filtered by provider, type,
    /// account), a page at a time.
    pub async fn search(&self, asked: SearchAsked) -> Result<Value> {
        let limit = asked.limit.clamp(1, 50);
        if asked.words.len() > 1_000 {
            return Err(invalid("Search for at most 1,000 characters of words."));
        }
        let provider = (asked.provider.as_deref())
            .map(str::parse::<Integration>)
            .transpose()?;
        let types = (asked.types.iter())
            .map(|t| {
                ItemKind::parse(t).ok_or_else(|| invalid(format!("“{t}” is not an item type.")))
            })
            .collect::<Result<Vec<_>>>()?;
        let readable = self.readable().await?;
        let accounts: Vec<&ReadableAccount> = (readable.iter())
            .filter(|a| provider.is_none_or(|p| a.key.integration == p))
            .filter(|a| {
                asked
                    .account
                    .as_ref()
                    .is_none_or(|id| &a.key.account_id == id)
            })
            .collect();
        // A page runs in the order the items were stored; the cursor is the last row's place.
        let after = match asked.cursor.as_deref() {
            None => 0,
            Some(text) => (text
                .strip_prefix("row:")
                .and_then(|n| n.parse::<i64>().ok()))
            .ok_or_else(|| invalid("That cursor is not one this server gave."))?,
        };
        let view = ItemView {
            search: asked.words.clone(),
            types,
            ..ItemView::default()
        };
        let keys: Vec<AccountKey> = accounts.iter().map(|a| a.key.clone()).collect();
        // One row past the page says whether there are more.
        let mut rows = (self.library)
            .found_in_stored_order(&keys, view, after, limit + 1)
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = more
            .then(|| rows.last().map(|(_, r)| format!("row:{}", r.row)))
            .flatten();
        let results: Vec<Value> = rows
            .into_iter()
            .map(|(key, FoundRow { item, .. })| {
                json!({
                    "integration": item.integration, "account_id": key.account_id,
                    "id": item.id, "type": item.item_type, "name": item.name,
                    "parent": item.parent_path_or_name, "url": item.url,
                    "modified": item.last_modified_time, "change": item.delta,
                })
            })
            .collect();
        Ok(json!({
            "results": results, "next_cursor": next,
            "from": Self::sources(&accounts),
        }))
    }

    /// One item whole: its fields, parent, children (the first 100), associations, files,
    /// and whether its content is kept.
    pub async fn get_item(&self, id: &str, account: Option<&str>) -> Result<Value> {
        let readable = self.readable().await?;
        let (sql, params) = match account {
            Some(account) => (
                "SELECT integration, account_id, item FROM items WHERE id = ?1 AND account_id = ?2 LIMIT 2",
                vec![id.to_owned(), account.to_owned()],
            ),
            None => (
                "SELECT integration, account_id, item FROM items WHERE id = ?1 LIMIT 2",
                vec![id.to_owned()],
            ),
        };
        let found = (self.scoped(&readable, sql, params, Table::new(2, usize::MAX))).await?;
        let Some(row) = found.rows.first() else {
            return Err(not_found(id));
        };
        let (integration, account_id) = (text(&row[0]), text(&row[1]));
        let item: Value = serde_json::from_str(row[2].as_str().unwrap_or("null"))
            .map_err(|e| CoreError::serialization("a stored item", e))?;
        let same = vec![id.to_owned(), integration.clone(), account_id.clone()];
        let parent_id = item
            .get("parent_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let parent = self
            .scoped(
                &readable,
                "SELECT id, type, name FROM items WHERE id = ?1 AND integration = ?2 AND account_id = ?3",
                vec![parent_id.to_owned(), integration.clone(), account_id.clone()],
                Table::new(1, usize::MAX),
            )
            .await?;
        let children = self
            .scoped(
                &readable,
                "SELECT id, type, name FROM items WHERE parent_id = ?1 AND integration = ?2
                   AND account_id = ?3 AND id <> ?1 ORDER BY name LIMIT 101",
                same.clone(),
                Table::new(100, ANSWER_BYTES / 4),
            )
            .await?;
        let files = self
            .scoped(
                &readable,
                "SELECT name, size, mime, path FROM files WHERE item_id = ?1 AND integration = ?2
                   AND account_id = ?3 ORDER BY name",
                same.clone(),
                Table::new(100, ANSWER_BYTES / 8),
            )
            .await?;
        let content = self
            .scoped(
                &readable,
                "SELECT length(markdown) FROM notion_pages WHERE id = ?1 AND account_id = ?3
                   AND markdown IS NOT NULL AND ?2 = 'notion'",
                same,
                Table::new(1, usize::MAX),
            )
            .await?;
        let source: Vec<&ReadableAccount> = (readable.iter())
            .filter(|a| a.key.integration.id() == integration && a.key.account_id == account_id)
            .collect();
        Ok(json!({
            "item": item,
            "parent": parent.objects().into_iter().next(),
            "children": children.objects(),
            "more_children": children.cut,
            "files": files.objects(),
            "content_chars": content.rows.first().and_then(|r| r[0].as_u64()),
            "also_in_other_accounts": found.rows.len() > 1,
            "from": Self::sources(&source),
        }))
    }

    /// A page's content as Markdown, `max_chars` characters from `offset`.
    pub async fn get_content(&self, id: &str, offset: usize, max_chars: usize) -> Result<Value> {
        let readable = self.readable().await?;
        let found = self
            .scoped(
                &readable,
                "SELECT account_id, title, markdown, content_fetched_at, last_edited
                   FROM notion_pages WHERE id = ?1 LIMIT 1",
                vec![id.to_owned()],
                Table::new(1, usize::MAX),
            )
            .await?;
        let Some(row) = found.rows.first() else {
            return Err(not_found(id));
        };
        let source: Vec<&ReadableAccount> = (readable.iter())
            .filter(|a| {
                a.key.integration == Integration::Notion && a.key.account_id == text(&row[0])
            })
            .collect();
        let Some(markdown) = row[2].as_str() else {
            return Ok(json!({
                "id": id, "title": row[1], "markdown": null,
                "note": "Inlet has not kept this page's content: the person loads it with Sync in the app or `inlet load notion --content`.",
                "from": Self::sources(&source),
            }));
        };
        let max_chars = max_chars.clamp(1, MOST_CONTENT_CHARS);
        let page: String = markdown.chars().skip(offset).take(max_chars).collect();
        let total = markdown.chars().count();
        let end = offset.saturating_add(page.chars().count());
        Ok(json!({
            "id": id, "title": row[1], "markdown": page, "offset": offset,
            "total_chars": total, "next_offset": (end < total).then_some(end),
            "fetched_at": row[3], "last_edited": row[4], "from": Self::sources(&source),
        }))
    }

    /// One read-only statement over the documented views of the readable accounts.
    pub async fn query(&self, sql: &str, max_rows: usize) -> Result<Value> {
        let readable = self.readable().await?;
        let table = self
            .scoped(
                &readable,
                sql,
                Vec::new(),
                Table::new(max_rows.clamp(1, 1_000), ANSWER_BYTES),
            )
            .await?;
        let all: Vec<&ReadableAccount> = readable.iter().collect();
        Ok(json!({
            "columns": table.columns, "rows": table.rows, "truncated": table.cut,
            "from": Self::sources(&all),
        }))
    }

    /// A documented view, or a statement over them, written to a new file under the home
    /// folder (never over one).
    pub async fn export(&self, what: &str, path: &str, format: &str) -> Result<Value> {
        let readable = self.readable().await?;
        let keys: Vec<AccountKey> = readable.iter().map(|a| a.key.clone()).collect();
        let written = super::export::write(&self.library, keys, what, path, format).await?;
        let all: Vec<&ReadableAccount> = readable.iter().collect();
        Ok(json!({
            "path": written.path.display().to_string(), "rows": written.rows,
            "bytes": written.bytes, "from": Self::sources(&all),
        }))
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn not_found(id: &str) -> CoreError {
    invalid(format!(
        "No item {id} in the accounts open to assistants (the person opens accounts in Inlet's Settings or with `inlet mcp allow`)."
    ))
}
