//! Notion's blocks and pages read one by one: `GET /v1/blocks/{id}` (where a block sits),
//! `GET /v1/blocks/{id}/children` (a page's or block's children, 100 a page: child pages and
//! child databases are blocks of their own, `child_page` and `child_database`, whose ids are the
//! page's and the database's) and `GET /v1/pages/{id}`. Search misses pages; a page's children
//! still list them.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::content;
use super::workspace::{listed_json, not_found};
use super::{error, guard};
use crate::AppState;

const BLOCK_TIME: &str = "2024-01-01T00:00:00.000Z";

/// A block as Notion lists it, `kind` holding `content`.
fn block_json(id: &str, parent: Value, kind: &str, content: Value, has_children: bool) -> Value {
    json!({"object": "block", "id": id, "parent": parent, "type": kind, kind: content,
        "has_children": has_children, "in_trash": false, "archived": false,
        "created_time": BLOCK_TIME, "last_edited_time": BLOCK_TIME})
}

/// `GET /v1/blocks/{id}` (https://developers.notion.com/reference/retrieve-a-block): a column
/// block holding a page, whose parent is the page it is on.
pub(super) async fn block(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let knobs = match guard(&app, &headers).await {
        Ok(knobs) => knobs,
        Err(refused) => return refused,
    };
    let dataset = app.data();
    // A content block, its file link fresh ("to refresh access, re-fetch the file object").
    if let Some((page, node)) = content::find(&dataset.notion.objects, &id) {
        let parent = json!({"type": "page_id", "page_id": page.id});
        let body = content::signed(&node.id, &node.body, &app.base_url, false);
        let has_children = !node.children.is_empty();
        return app.finish(
            &knobs,
            block_json(&node.id, parent, node.kind, body, has_children),
        );
    }
    let Some((block, page)) = dataset.notion.blocks.iter().find(|(b, _)| *b == id) else {
        return not_found("block", &id);
    };
    let parent = json!({"type": "page_id", "page_id": page});
    app.finish(&knobs, block_json(block, parent, "column", json!({}), true))
}

/// `GET /v1/blocks/{id}/children` (https://developers.notion.com/reference/get-block-children):
/// a page's blocks — its content (`content.rs`), its child pages and databases, the columns
/// holding pages — a column's, or a content block's children; `page_size` ≤ 100,
/// `start_cursor` the id of the next block.
pub(super) async fn children(
    State(app): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let knobs = match guard(&app, &headers).await {
        Ok(knobs) => knobs,
        Err(refused) => return refused,
    };
    app.counters
        .notion_block_reads
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let page_size = match query.get("page_size").map(|s| s.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "page_size should be a number between 1 and 100.",
            )
        }
    };
    let dataset = app.data();
    let notion = &dataset.notion;
    let page = notion
        .objects
        .iter()
        .find(|o| o.object == "page" && o.id == id);
    let is_column = notion.blocks.iter().any(|(b, _)| *b == id);
    let content_block = match (page, is_column) {
        (None, false) => match content::find(&notion.objects, &id) {
            Some((_, node)) => Some(node),
            None => return not_found("block", &id),
        },
        _ => None,
    };
    let (parent_kind, parent_key) = if page.is_some() {
        (json!({"type": "page_id", "page_id": id}), "page_id")
    } else {
        (json!({"type": "block_id", "block_id": id}), "block_id")
    };
    let expired = knobs.file_links_expired;
    let as_json = |node: &content::Node| {
        let has_children = !node.children.is_empty();
        let body = content::signed(&node.id, &node.body, &app.base_url, expired);
        block_json(&node.id, parent_kind.clone(), node.kind, body, has_children)
    };
    let mut all = Vec::new();
    if let Some(node) = &content_block {
        all.extend(node.children.iter().map(as_json));
    }
    if let Some(page) = page {
        all.extend(content::page_content(page).iter().map(as_json));
    }
    for o in notion.objects.iter().filter(|_| content_block.is_none()) {
        if o.in_trash || o.parent.0 != parent_key || o.parent.1.as_deref() != Some(id.as_str()) {
            continue;
        }
        let (kind, content) = match o.object {
            "database" => ("child_database", json!({"title": o.title})),
            _ => ("child_page", json!({"title": o.title})),
        };
        all.push(block_json(
            &o.id,
            parent_kind.clone(),
            kind,
            content,
            o.object == "page",
        ));
    }
    if page.is_some() {
        for (column, _) in notion.blocks.iter().filter(|(_, page)| *page == id) {
            all.push(block_json(
                column,
                parent_kind.clone(),
                "column",
                json!({}),
                true,
            ));
        }
    }
    let start = match query.get("start_cursor") {
        None => 0,
        Some(cursor) => match all.iter().position(|b| b["id"] == cursor.as_str()) {
            Some(at) => at,
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "validation_error",
                    "start_cursor should be a valid cursor.",
                )
            }
        },
    };
    let end = (start + page_size).min(all.len());
    let next = all.get(end).map(|b| b["id"].clone()).unwrap_or(Value::Null);
    let body = json!({"object": "list", "results": &all[start..end], "next_cursor": next,
        "has_more": end < all.len(), "type": "block", "block": {}, "request_id": "sandbox"});
    app.finish(&knobs, body)
}

/// `GET /v1/pages/{id}` (https://developers.notion.com/reference/retrieve-a-page): the page as
/// search gives it (a row's parent is its data source).
pub(super) async fn page(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let knobs = match guard(&app, &headers).await {
        Ok(knobs) => knobs,
        Err(refused) => return refused,
    };
    let dataset = app.data();
    match dataset
        .notion
        .objects
        .iter()
        .find(|o| o.object == "page" && o.id == id)
    {
        Some(found) => {
            let mut page = listed_json(found, true);
            super::properties::sign_files(&mut page, &app.base_url, false);
            app.finish(&knobs, page)
        }
        None => not_found("page", &id),
    }
}
