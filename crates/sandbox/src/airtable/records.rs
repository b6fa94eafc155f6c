//! Airtable's records: `GET /v0/{base}/{table}` (pageSize ≤ 100, offset, `filterByFormula` by
//! record id) and `GET /v0/{base}/{table}/{record}`, attachments' links signed on every answer.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{api_error, cursor, guard, offset_at};
use crate::AppState;

pub(super) async fn records(
    State(app): State<AppState>,
    Path((base, table)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let knobs = match guard(&app, &headers, &["data.records:read"], &base).await {
        Ok(knobs) => knobs,
        Err(response) => return response,
    };
    let data = app.data();
    let found = data
        .airtable
        .bases
        .iter()
        .find(|b| b.id == base)
        .and_then(|b| b.tables.iter().find(|t| t.id == table || t.name == table));
    let Some(found) = found else {
        return api_error(
            StatusCode::FORBIDDEN,
            "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
            "Invalid permissions, or the requested model was not found.",
        );
    };
    let page_size = match q.get("pageSize").map(|p| p.parse::<usize>()) {
        None => 100,
        Some(Ok(p)) if (1..=100).contains(&p) => p,
        Some(_) => {
            return api_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_REQUEST_UNKNOWN",
                "pageSize must be between 1 and 100",
            )
        }
    };
    // filterByFormula (List records): the sandbox evaluates `RECORD_ID()='rec…'` alone or
    // inside `OR(…)` — what a client reading records by id sends — and refuses any other formula.
    let listed: Vec<&crate::dataset::AirtableRecord> = match q.get("filterByFormula") {
        None => found.records.iter().collect(),
        Some(formula) => match record_ids_of(formula) {
            Some(ids) => (found.records.iter())
                .filter(|r| ids.contains(&r.id.as_str()))
                .collect(),
            None => {
                return api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "INVALID_FILTER_BY_FORMULA",
                    "The formula for filtering records is invalid",
                )
            }
        },
    };
    let start = match cursor(&q, listed.len()) {
        Ok((start, issued)) => {
            // List records: "Iteration may timeout due to client inactivity or server restarts.
            // In that case, the client will receive a 422 response with error message
            // LIST_RECORDS_ITERATOR_NOT_AVAILABLE. It may then restart iteration from the
            // beginning." (https://airtable.com/developers/web/api/list-records)
            let idle = issued.map(|at| crate::clock_ms().saturating_sub(at));
            let timed_out = idle.is_some_and(|idle| idle > knobs.airtable_iterator_idle_ms);
            if start > 0 && (timed_out || app.take(|k| &mut k.airtable_expire_offsets)) {
                return api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "LIST_RECORDS_ITERATOR_NOT_AVAILABLE",
                    "LIST_RECORDS_ITERATOR_NOT_AVAILABLE",
                );
            }
            start
        }
        Err(response) => return response,
    };
    let end = (start + page_size).min(listed.len());
    let page: Vec<Value> = listed[start..end]
        .iter()
        .map(|r| {
            json!({"id": r.id, "createdTime": r.created_time,
            "fields": signed_attachments(&r.fields, &app.base_url, knobs.file_links_expired, knobs.airtable_attachment_bytes)})
        })
        .collect();
    let mut body = json!({"records": page});
    if end < listed.len() {
        body["offset"] = offset_at(end, &listed[end].id).into();
    }
    app.finish(&knobs, body)
}

/// The record ids of a formula `RECORD_ID()='a'` or `OR(RECORD_ID()='a', RECORD_ID()='b', …)`.
fn record_ids_of(formula: &str) -> Option<Vec<&str>> {
    let formula = formula.trim();
    let terms = match formula.strip_prefix("OR(") {
        Some(inner) => inner.strip_suffix(')')?,
        None => formula,
    };
    terms
        .split(',')
        .map(|term| {
            let id = term
                .trim()
                .strip_prefix("RECORD_ID()='")?
                .strip_suffix('\'')?;
            id.chars().all(|c| c.is_ascii_alphanumeric()).then_some(id)
        })
        .collect()
}

/// `GET /v0/{base}/{table}/{record}` (https://airtable.com/developers/web/api/get-record): one
/// record, its attachments' links signed afresh (never expired).
pub(super) async fn record(
    State(app): State<AppState>,
    Path((base, table, record)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let knobs = match guard(&app, &headers, &["data.records:read"], &base).await {
        Ok(knobs) => knobs,
        Err(response) => return response,
    };
    let data = app.data();
    let found = (data.airtable.bases.iter())
        .find(|b| b.id == base)
        .and_then(|b| b.tables.iter().find(|t| t.id == table || t.name == table))
        .and_then(|t| t.records.iter().find(|r| r.id == record));
    match found {
        Some(r) => app.finish(
            &knobs,
            json!({"id": r.id, "createdTime": r.created_time,
            "fields": signed_attachments(&r.fields, &app.base_url, false, knobs.airtable_attachment_bytes)}),
        ),
        None => api_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Could not find the record.",
        ),
    }
}

/// A record's fields with every attachment's links signed afresh, as Airtable serves them:
/// "Attachment URLs … will expire after a couple of hours" and differ on every fetch
/// (https://support.airtable.com/docs/airtable-attachment-url-behavior), on
/// `v5.airtableusercontent.com`, with `thumbnails` (small, large, full) for images and files.
/// Links point at the sandbox's own file host (`files.rs`), already expired when `expired`;
/// every attachment is `size` bytes when that is not 0.
fn signed_attachments(
    fields: &serde_json::Map<String, Value>,
    base_url: &str,
    expired: bool,
    size: u64,
) -> Value {
    let mut fields = fields.clone();
    for value in fields.values_mut() {
        let Some(list) = value.as_array_mut() else {
            continue;
        };
        for attachment in list.iter_mut().filter(|a| {
            a.get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.starts_with("att"))
        }) {
            let name = attachment["filename"].as_str().unwrap_or("file").to_owned();
            let id = attachment["id"].as_str().unwrap_or("att").to_owned();
            if size > 0 {
                attachment["size"] = size.into();
            }
            let bytes = attachment["size"].as_u64().unwrap_or(0);
            let link = |size: &str| {
                let seed = if size == "original" {
                    id.clone()
                } else {
                    format!("{id}-{size}")
                };
                crate::files::link(base_url, "airtable", &seed, bytes, &name, expired)
            };
            attachment["url"] = link("original").into();
            attachment["thumbnails"] = json!({
                "small": {"url": link("small"), "width": 36, "height": 36},
                "large": {"url": link("large"), "width": 512, "height": 512},
                "full": {"url": link("full"), "width": 3000, "height": 3000},
            });
        }
    }
    Value::Object(fields)
}

/// Fresh links to every attachment of the sandbox's bases, as a record read by itself gives
/// them (for a benchmark's plain client).
pub fn attachment_links(sandbox: &crate::Sandbox) -> Vec<String> {
    let data = sandbox.dataset();
    let size = sandbox.knobs().airtable_attachment_bytes;
    let base_url = sandbox.base_url();
    let mut links = Vec::new();
    for record in data
        .airtable
        .bases
        .iter()
        .flat_map(|b| &b.tables)
        .flat_map(|t| &t.records)
    {
        let fields = signed_attachments(&record.fields, &base_url, false, size);
        for value in fields.as_object().into_iter().flat_map(|f| f.values()) {
            for attachment in value.as_array().into_iter().flatten() {
                links.extend(attachment["url"].as_str().map(str::to_owned));
            }
        }
    }
    links
}
