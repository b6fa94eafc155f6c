//! Notion's wire types (Notion-Version 2025-09-03): search pages of page and data source objects
//! (database objects from older versions are read too).

use serde::Deserialize;
use serde_json::Value;

/// `POST /v1/search` → one page.
#[derive(Debug, Deserialize)]
pub struct SearchPage {
    /// Pages and databases.
    pub results: Vec<Object>,
    /// Cursor for the next page.
    pub next_cursor: Option<String>,
    /// Whether there is a next page.
    #[serde(default)]
    pub has_more: bool,
}

/// A page or a data source (or, before 2025-09-03, a database).
#[derive(Debug, Deserialize)]
pub struct Object {
    /// `page`, `data_source` or `database`.
    pub object: String,
    /// UUID.
    pub id: String,
    /// RFC 3339.
    pub created_time: Option<String>,
    /// RFC 3339.
    pub last_edited_time: Option<String>,
    /// The partial user who last edited it (`{"object": "user", "id": …}`, a `name` only with
    /// the user-information capability).
    #[serde(default)]
    pub last_edited_by: Value,
    /// `{"type": "workspace" | "page_id" | "database_id" | "data_source_id" | "block_id", …}`.
    #[serde(default)]
    pub parent: Value,
    /// Page properties (one of them has `type: title`).
    #[serde(default)]
    pub properties: serde_json::Map<String, Value>,
    /// A database's title (rich text).
    #[serde(default)]
    pub title: Vec<Value>,
    /// The web URL.
    pub url: Option<String>,
    /// Whether it is archived (in the trash): renamed `in_trash` in Notion-Version 2026-03-11,
    /// both sent by 2025-09-03.
    #[serde(default)]
    pub archived: bool,
    /// Whether it is in the trash (the name from 2026-03-11 on).
    #[serde(default)]
    pub in_trash: bool,
    /// A database's data sources, `{id, name}` (`GET /v1/databases/{id}`, 2025-09-03).
    #[serde(default)]
    pub data_sources: Vec<Value>,
    /// A data source's database's own parent (2025-09-03).
    #[serde(default)]
    pub database_parent: Value,
    /// A page's cover: a file object (Notion-hosted or external), or null.
    #[serde(default)]
    pub cover: Value,
    /// A page's icon: an emoji, a file object, or null.
    #[serde(default)]
    pub icon: Value,
}

/// `GET /v1/blocks/{id}`: what Inlet reads of a block — where it sits.
#[derive(Debug, Deserialize)]
pub struct Block {
    /// The block's parent (`page_id`, `block_id`, …).
    #[serde(default)]
    pub parent: Value,
}

/// `GET /v1/blocks/{id}/children` → one page of a block's children.
#[derive(Debug, Deserialize)]
pub struct BlockChildren {
    /// The blocks.
    pub results: Vec<ChildBlock>,
    /// Cursor for the next page.
    pub next_cursor: Option<String>,
    /// Whether there is a next page.
    #[serde(default)]
    pub has_more: bool,
}

/// What Inlet reads of a child block: a child page or database (whose id is the page's or the
/// database's), or a block with children of its own (columns, toggles) that may hold some.
#[derive(Debug, Deserialize)]
pub struct ChildBlock {
    /// The block's id.
    pub id: String,
    /// `child_page`, `child_database`, `column_list`, `toggle`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Whether it has children.
    #[serde(default)]
    pub has_children: bool,
}
