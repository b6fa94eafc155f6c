//! Associations as HubSpot's v3 CRM API returns them: with a listing (`associations=companies`)
//! and from `GET /crm/v3/objects/{type}/{id}/associations/{toType}`.
//!
//! - One entry per association *label*: a contact's primary company comes twice, as
//!   `contact_to_company` (HubSpot's "Primary" type) and `contact_to_company_unlabeled`, its
//!   other companies once, unlabeled (amp-labs/connectors #1271; "v3 repeats a company once per
//!   association label").
//! - Ordered by id, not primary first (HubSpot/hubspot-api-ruby #171: the primary can come after
//!   an unlabeled company).
//! - More than 100 on one record page: "if your request returns more than 100 associations, you
//!   will need to use the value of the after field returned in the response to get the next set"
//!   (HubSpot's announcement "Announcing a change to how v3 CRM APIs return association data").

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{crm_guard, records_of, validation_error};
use crate::dataset::CrmRecord;
use crate::AppState;

/// Associations per page of a record, with a listing.
const EMBEDDED_PAGE: usize = 100;
/// The most one request to the associations endpoint returns.
const MAX_LIMIT: usize = 500;

fn singular(kind: &str) -> String {
    kind.trim_end_matches('s').replace("companie", "company")
}

/// Every association entry of `record` (of type `record_type`) with records of `kind`, as
/// HubSpot lists them: one per label, ordered by id.
fn entries(record_type: &str, record: &CrmRecord, kind: &str) -> Vec<Value> {
    let name = format!("{}_to_{}", singular(record_type), singular(kind));
    let labelled = kind == "companies"; // a company association has a primary label
    let mut out: Vec<(u64, u8, Value)> = Vec::new();
    let mut first = true;
    for (_, id) in record.associations.iter().filter(|(t, _)| *t == kind) {
        let number = id.parse::<u64>().unwrap_or(u64::MAX);
        if labelled {
            if first {
                out.push((number, 0, json!({"id": id, "type": name})));
            }
            out.push((
                number,
                1,
                json!({"id": id, "type": format!("{name}_unlabeled")}),
            ));
        } else {
            out.push((number, 0, json!({"id": id, "type": name})));
        }
        first = false;
    }
    out.sort_by_key(|(number, order, _)| (*number, *order));
    out.into_iter().map(|(_, _, entry)| entry).collect()
}

/// One page of `all` from `start`, with HubSpot's `paging` when more follow.
fn page(all: &[Value], start: usize, size: usize, link: impl Fn(usize) -> String) -> Value {
    let end = (start + size).min(all.len());
    let mut body = json!({"results": all[start.min(end)..end]});
    if end < all.len() {
        body["paging"] = json!({"next": {"after": end.to_string(), "link": link(end)}});
    }
    body
}

/// `associations` for a listing: per type asked for, its first page; types without any are
/// left out.
pub(super) fn embedded(
    state: &AppState,
    record_type: &str,
    record: &CrmRecord,
    wanted: &[&str],
) -> Option<Value> {
    let mut out = serde_json::Map::new();
    for kind in wanted {
        let all = entries(record_type, record, kind);
        if all.is_empty() {
            continue;
        }
        let link = |after: usize| {
            format!(
                "{}/hubspot/crm/v3/objects/{record_type}/{}/associations/{kind}?after={after}",
                state.base_url, record.id
            )
        };
        out.insert((*kind).to_owned(), page(&all, 0, EMBEDDED_PAGE, link));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// `GET /crm/v3/objects/{type}/{id}/associations/{toType}?after=&limit=` (limit ≤ 500).
pub(super) async fn list(
    State(state): State<AppState>,
    Path((record_type, id, kind)): Path<(String, String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (knobs, _, data) = match crm_guard(&state, &headers, &record_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    // A record deleted since its page was listed — or one named in `hubspot_gone_records`,
    // deleted between the listing and this request — is "404 object not found" (HubSpot's error
    // handling reference: 404, category OBJECT_NOT_FOUND).
    let record = records_of(&state, &data, &record_type)
        .iter()
        .find(|r| r.id == id);
    let Some(record) = record.filter(|_| !knobs.hubspot_gone_records.contains(&id)) else {
        let body = json!({"status": "error", "message": "resource not found",
            "correlationId": "00000000-0000-0000-0000-000000000004", "category": "OBJECT_NOT_FOUND"});
        return (axum::http::StatusCode::NOT_FOUND, axum::Json(body)).into_response();
    };
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => MAX_LIMIT,
        Some(Ok(l)) if (1..=MAX_LIMIT).contains(&l) => l,
        Some(_) => return validation_error("limit must be between 1 and 500"),
    };
    let all = entries(&record_type, record, &kind);
    let start = match q.get("after").map(|a| a.parse::<usize>()) {
        None => 0,
        Some(Ok(a)) if a <= all.len() => a,
        Some(_) => return validation_error("after is not a valid paging cursor"),
    };
    let link = |after: usize| {
        format!(
            "{}/hubspot/crm/v3/objects/{record_type}/{id}/associations/{kind}?after={after}",
            state.base_url
        )
    };
    state.finish(&knobs, page(&all, start, limit, link))
}
