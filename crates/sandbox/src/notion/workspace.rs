//! What a Notion workspace holds, as the API lists it (Notion-Version 2025-09-03; older versions
//! see databases): `POST /v1/search`, `POST /v1/data_sources/{id}/query`,
//! `GET /v1/databases/{id}` and `GET /v1/blocks/{id}`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{error, guard, properties};
use crate::dataset::NotionObject;
use crate::AppState;

fn rich_text(text: &str) -> Value {
    if text.is_empty() {
        return json!([]);
    }
    json!([{"type": "text", "text": {"content": text, "link": null}, "plain_text": text, "href": null,
        "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"}}])
}

/// Whether a request speaks Notion-Version 2025-09-03 or later (data sources).
fn data_sources_era(headers: &HeaderMap) -> bool {
    headers
        .get("notion-version")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v >= "2025-09-03")
}

fn parent_json(parent: &(&'static str, Option<String>)) -> Value {
    match parent {
        ("workspace", _) => json!({"type": "workspace", "workspace": true}),
        (kind, Some(id)) => json!({"type": kind, *kind: id}),
        (kind, None) => json!({"type": kind}),
    }
}

/// What search returns for the dataset, in order: under 2025-09-03 each database becomes its
/// data sources and rows name theirs; before it, databases with several data sources are left
/// out (as Notion does). Search "is not guaranteed to return everything"
/// (https://developers.notion.com/reference/search-optimizations-and-limitations): with
/// `misses` n > 0 every nth database row is left out (its data source's query still lists it),
/// and every nth page inside another page (its parent's block children still list it); pages
/// not indexed yet are left out too. Sub-pages of database rows are not left out: Inlet reads a
/// row's blocks only with its content (step 11), so a miss there is not modelled yet.
fn search_results(objects: &[NotionObject], data_sources: bool, misses: u32) -> Vec<Value> {
    let mut out = Vec::with_capacity(objects.len());
    let (mut rows, mut subpages) = (0u32, 0u32);
    let row_ids: std::collections::HashSet<&str> = objects
        .iter()
        .filter(|o| o.data_source.is_some())
        .map(|o| o.id.as_str())
        .collect();
    let is_row = |id: Option<&str>| id.is_some_and(|id| row_ids.contains(id));
    for o in objects {
        if !o.indexed || o.in_trash {
            continue; // made a moment ago: not in search's index yet; or in the trash
        }
        let counter = match (&o.data_source, o.parent.0) {
            (Some(_), _) => Some(&mut rows),
            (None, "block_id") => Some(&mut subpages),
            (None, "page_id") if o.object == "page" && !is_row(o.parent.1.as_deref()) => {
                Some(&mut subpages)
            }
            _ => None,
        };
        if let Some(seen) = counter {
            *seen += 1;
            if misses > 0 && seen.is_multiple_of(misses) {
                continue;
            }
        }
        match (o.object, data_sources) {
            ("database", true) => {
                for (id, name) in &o.data_sources {
                    out.push(json!({"object": "data_source", "id": id, "created_time": o.created_time,
                        "last_edited_time": o.last_edited_time, "title": rich_text(name),
                        "parent": {"type": "database_id", "database_id": o.id},
                        "database_parent": parent_json(&o.parent), "properties": properties::schema(), "archived": false,
                        "in_trash": false, "url": o.url()}));
                }
            }
            ("database", false) if o.data_sources.len() > 1 => {}
            _ => {
                out.push(listed_json(o, data_sources));
            }
        }
    }
    out
}

/// A page as listed under `data_sources` (2025-09-03): a row's parent is its data source.
pub(super) fn listed_json(o: &NotionObject, data_sources: bool) -> Value {
    let mut value = object_json(o);
    if let (true, Some(source), ("database_id", Some(db))) =
        (data_sources, &o.data_source, &o.parent)
    {
        value["parent"] =
            json!({"type": "data_source_id", "data_source_id": source, "database_id": db});
    }
    value
}

fn object_json(o: &NotionObject) -> Value {
    let parent = parent_json(&o.parent);
    let user = json!({"object": "user", "id": "00000000-0000-0000-0000-00000000000a"});
    let mut value = json!({"object": o.object, "id": o.id, "created_time": o.created_time, "last_edited_time": o.last_edited_time,
        "created_by": user, "last_edited_by": user, "cover": properties::cover(o), "icon": null, "parent": parent, "archived": o.in_trash,
        "in_trash": o.in_trash, "url": o.url(), "public_url": null});
    if o.object == "database" {
        value["title"] = rich_text(&o.title);
        value["description"] = json!([]);
        value["properties"] =
            json!({"Name": {"id": "title", "name": "Name", "type": "title", "title": {}}});
        value["is_inline"] = false.into();
    } else {
        let mut properties = if o.title_key == "Name" {
            properties::row_values(o)
        } else {
            serde_json::Map::new()
        };
        properties.insert(
            o.title_key.into(),
            json!({"id": "title", "type": "title", "title": rich_text(&o.title)}),
        );
        value["properties"] = Value::Object(properties);
    }
    value
}

/// Signs the Notion-hosted files of a listing's pages.
fn sign_results(body: &mut Value, base_url: &str, expired: bool) {
    for result in body["results"].as_array_mut().into_iter().flatten() {
        properties::sign_files(result, base_url, expired);
    }
}

pub(super) async fn search(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let knobs = match guard(&app, &headers).await {
        Ok(knobs) => knobs,
        Err(refused) => return refused,
    };
    let (request, page_size) = match listing_request(&body) {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    let dataset = app.data();
    let era = data_sources_era(&headers);
    let mut all = search_results(&dataset.notion.objects, era, knobs.notion_search_misses);
    if let Err(refused) = super::query::sort_results(&mut all, &request) {
        return refused;
    }
    let kind = if era {
        "page_or_data_source"
    } else {
        "page_or_database"
    };
    let mut body = match list_page(&all, &request, page_size, kind) {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    sign_results(&mut body, &app.base_url, knobs.file_links_expired);
    app.finish(&knobs, body)
}

/// A request body as JSON (an empty body is `{}`), and its `page_size` (1–100, default 100).
fn listing_request(body: &str) -> Result<(Value, usize), Response> {
    let request: Value = if body.trim().is_empty() {
        json!({})
    } else {
        serde_json::from_str(body).map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "Error parsing JSON body.",
            )
        })?
    };
    let page_size = request
        .get("page_size")
        .and_then(Value::as_u64)
        .unwrap_or(100) as usize;
    if !(1..=100).contains(&page_size) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "body failed validation: body.page_size should be ≤ 100.",
        ));
    }
    Ok((request, page_size))
}

/// The page of `all` a listing request asks for: from its `start_cursor` (the id of the first
/// result on the page), `page_size` of them, as Notion's list object of `kind` with
/// `next_cursor` and `has_more`.
fn list_page(
    all: &[Value],
    request: &Value,
    page_size: usize,
    kind: &str,
) -> Result<Value, Response> {
    let id_of = |v: &Value| v["id"].as_str().unwrap_or_default().to_owned();
    let start = match request.get("start_cursor").and_then(Value::as_str) {
        None => 0,
        Some(cursor) => all.iter().position(|o| id_of(o) == cursor).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "validation_error",
                "body failed validation: body.start_cursor should be a valid cursor.",
            )
        })?,
    };
    let end = (start + page_size).min(all.len());
    let next = all.get(end).map(id_of);
    Ok(
        json!({"object": "list", "results": &all[start..end], "next_cursor": next, "has_more": next.is_some(),
        "type": kind, kind: {}, "request_id": "sandbox"}),
    )
}

pub(super) fn not_found(what: &str, id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "object_not_found",
        &format!("Could not find {what} with ID: {id}. Make sure the relevant pages and databases are shared with your integration."),
    )
}

/// `POST /v1/data_sources/{id}/query` (Query a data source,
/// https://developers.notion.com/reference/query-a-data-source): the data source's rows (those in
/// the trash only with `in_trash: true`; a timestamp `filter` — `query.rs`), 100 a page
/// (`start_cursor` / `next_cursor` / `has_more`), whatever search missed.
pub(super) async fn query_data_source(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let knobs = match guard(&app, &headers).await {
        Ok(knobs) => knobs,
        Err(refused) => return refused,
    };
    let (request, page_size) = match listing_request(&body) {
        Ok(parsed) => parsed,
        Err(refused) => return refused,
    };
    let filter = match super::query::RowFilter::of(&request) {
        Ok(filter) => filter,
        Err(refused) => return refused,
    };
    let dataset = app.data();
    let objects = &dataset.notion.objects;
    let position = objects
        .iter()
        .flat_map(|o| &o.data_sources)
        .position(|(s, _)| *s == id);
    if position.is_none_or(|p| p < knobs.notion_unshared_sources) {
        return not_found("data source", &id);
    }
    let rows: Vec<Value> = objects
        .iter()
        .filter(|o| o.data_source.as_deref() == Some(id.as_str()) && filter.keeps(o))
        .map(|o| listed_json(o, true))
        .collect();
    match list_page(&rows, &request, page_size, "page_or_data_source") {
        Ok(mut body) => {
            sign_results(&mut body, &app.base_url, knobs.file_links_expired);
            app.finish(&knobs, body)
        }
        Err(refused) => refused,
    }
}

/// `GET /v1/databases/{id}` (2025-09-03, https://developers.notion.com/reference/retrieve-a-database):
/// the database's own title and parent, and its data sources (id, name).
pub(super) async fn database(
    State(app): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let knobs = match guard(&app, &headers).await {
        Ok(knobs) => knobs,
        Err(refused) => return refused,
    };
    let dataset = app.data();
    let Some(found) = dataset
        .notion
        .objects
        .iter()
        .find(|o| o.object == "database" && o.id == id)
    else {
        return not_found("database", &id);
    };
    let sources: Vec<Value> = found
        .data_sources
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    let body = json!({"object": "database", "id": found.id, "title": rich_text(&found.title), "description": [],
        "parent": parent_json(&found.parent), "is_inline": false, "in_trash": false, "is_locked": false,
        "created_time": found.created_time, "last_edited_time": found.last_edited_time,
        "data_sources": sources, "icon": null, "cover": null, "url": found.url(), "public_url": null});
    app.finish(&knobs, body)
}
