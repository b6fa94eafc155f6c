//! HubSpot's CRM search, as documented ("Search the CRM", developers.hubspot.com/docs/
//! api-reference/2026-03/crm/search-the-crm, and the v3 `POST /crm/v3/objects/{type}/search`
//! reference):
//! - body `{filterGroups: [{filters: [{propertyName, operator, value}]}], sorts: [{propertyName,
//!   direction}], properties, limit, after}`; groups are ORed, a group's filters ANDed (at most
//!   5 groups, 6 filters a group, 18 in all);
//! - one sorting rule per search (the request schema's `sorts` takes one item);
//! - at most 200 records a page (default 10); `after` pages on, but never past the 10,000th
//!   result: HubSpot answers such a request 400 (the documented cap; community thread
//!   "CRM Record ID Sequencing and the Search API" describes the same wall and the keyset on
//!   `hs_object_id` around it);
//! - date-time values are compared as instants: a filter's value in milliseconds since the
//!   epoch (or an ISO 8601 string); contacts' last change is `lastmodifieddate`, the other
//!   objects' `hs_lastmodifieddate`;
//! - its own rate limit, apart from the app's rolling window: five requests a second per
//!   account (usage guidelines), and its answers carry no `X-HubSpot-RateLimit-*` headers.

use std::cmp::Ordering as Order;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{record_json, validation_error, ObjectType};
use crate::dataset::{millis, CrmRecord};
use crate::faults::{Budget, Limit};
use crate::AppState;

/// The most results a search pages through.
const RESULT_CAP: usize = 10_000;
/// The most records one page holds.
const MAX_LIMIT: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    #[serde(default)]
    filter_groups: Vec<FilterGroup>,
    #[serde(default)]
    sorts: Vec<Sort>,
    #[serde(default)]
    properties: Vec<String>,
    limit: Option<usize>,
    after: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FilterGroup {
    #[serde(default)]
    filters: Vec<Filter>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Filter {
    property_name: String,
    operator: String,
    value: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Sort {
    property_name: String,
    #[serde(default)]
    direction: Option<String>,
}

/// `POST /crm/v3/objects/{objectType}/search`.
pub(crate) async fn search(
    State(state): State<AppState>,
    Path(object_type): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let (knobs, data, kind) = match guard(&state, &headers, &object_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    state
        .counters
        .hubspot_searches
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let body: SearchBody = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => return validation_error(&format!("Invalid input JSON: {e}")),
    };
    if let Err(refused) = check(&body) {
        return refused;
    }
    let limit = body.limit.unwrap_or(10);
    let offset = match body.after.as_deref().map(str::parse::<usize>) {
        None => 0,
        Some(Ok(offset)) => offset,
        Some(Err(_)) => return validation_error("after: must be a number"),
    };
    if offset.saturating_add(limit) > RESULT_CAP {
        return validation_error(&format!(
            "The search cannot page past {RESULT_CAP} results; narrow the filters"
        ));
    }
    let last_change = last_change_property(kind);
    let mut found: Vec<&CrmRecord> = kind
        .records(&data)
        .iter()
        .filter(|r| {
            body.filter_groups.is_empty()
                || (body.filter_groups.iter())
                    .any(|g| g.filters.iter().all(|f| matches(r, f, last_change)))
        })
        .collect();
    let sort = body.sorts.first();
    let descending = sort.is_some_and(|s| s.direction.as_deref() == Some("DESCENDING"));
    let by = sort.map_or("hs_object_id", |s| s.property_name.as_str());
    found.sort_by(|a, b| {
        let order = compare(a, b, by, last_change).then_with(|| compare(a, b, "hs_object_id", ""));
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    let total = found.len();
    let end = offset.saturating_add(limit).min(total);
    let requested: Vec<&str> = body.properties.iter().map(String::as_str).collect();
    let results: Vec<Value> = found
        .get(offset..end)
        .unwrap_or_default()
        .iter()
        .map(|r| record_json(r, &requested, knobs.hubspot_extra_properties))
        .collect();
    let mut answer = json!({"total": total, "results": results});
    if end < total {
        answer["paging"] = json!({"next": {"after": end.to_string()}});
    }
    state.finish(&knobs, answer)
}

/// The documented bounds: one sort, at most 5 groups of 6 filters (18 in all), 200 a page.
fn check(body: &SearchBody) -> Result<(), Response> {
    let filters: usize = body.filter_groups.iter().map(|g| g.filters.len()).sum();
    if body.sorts.len() > 1 {
        return Err(validation_error("sorts: only one sort is allowed"));
    }
    if body.filter_groups.len() > 5
        || body.filter_groups.iter().any(|g| g.filters.len() > 6)
        || filters > 18
    {
        return Err(validation_error(
            "filterGroups: at most 5 groups of 6 filters, 18 filters in all",
        ));
    }
    if body.limit.is_some_and(|l| !(1..=MAX_LIMIT).contains(&l)) {
        return Err(validation_error(&format!(
            "limit: Must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(())
}

/// The token, its scopes and the search's own limit (five a second per account; a 429 past it).
async fn guard(
    state: &AppState,
    headers: &HeaderMap,
    object_type: &str,
) -> Result<
    (
        crate::Knobs,
        std::sync::Arc<crate::dataset::Dataset>,
        ObjectType,
    ),
    Response,
> {
    let portal_id = state.data().hubspot.portal_id;
    let kind = ObjectType::parse(portal_id, object_type);
    let scopes = kind.map(ObjectType::scopes).unwrap_or_default();
    let per_second = state.knobs().hubspot_search_per_second;
    let limit = Limit {
        key: format!("hubspot-search:{portal_id}"),
        max: per_second,
        window: Duration::from_secs(1),
        lockout: Duration::ZERO,
    };
    let (knobs, _, data) =
        super::guarded(state, headers, object_type, scopes, limit, refused).await?;
    let Some(kind) = kind else {
        let body = json!({"status": "error", "message": "Unable to infer object type", "category": "OBJECT_NOT_FOUND"});
        return Err((StatusCode::NOT_FOUND, Json(body)).into_response());
    };
    Ok((knobs, data, kind))
}

/// The search's 429: no rate-limit headers come with it.
fn refused(_budget: &Budget) -> Response {
    let body = json!({"status": "error", "message": "You have reached your secondly limit.", "errorType": "RATE_LIMIT",
        "correlationId": "00000000-0000-0000-0000-000000000006", "policyName": "SECONDLY", "requestId": "sandbox"});
    (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response()
}

/// The property holding an object's last change.
pub(crate) fn last_change_property(kind: ObjectType) -> &'static str {
    match kind {
        ObjectType::Contacts => "lastmodifieddate",
        _ => "hs_lastmodifieddate",
    }
}

/// What `record` holds under `property`: its id and times from their own fields.
enum Held<'a> {
    Number(i128),
    Text(&'a str),
    Missing,
}

fn held<'a>(record: &'a CrmRecord, property: &str, last_change: &str) -> Held<'a> {
    let time = |t: &str| millis(t).map_or(Held::Missing, Held::Number);
    match property {
        "hs_object_id" => record.id.parse().map_or(Held::Missing, Held::Number),
        "createdate" => time(&record.created_at),
        p if p == last_change => time(&record.updated_at),
        p => (record.properties.iter())
            .find(|(name, _)| *name == p)
            .and_then(|(_, v)| v.as_deref())
            .map_or(Held::Missing, Held::Text),
    }
}

fn compare(a: &CrmRecord, b: &CrmRecord, by: &str, last_change: &str) -> Order {
    match (held(a, by, last_change), held(b, by, last_change)) {
        (Held::Number(x), Held::Number(y)) => x.cmp(&y),
        (Held::Text(x), Held::Text(y)) => x.cmp(y),
        (Held::Missing, Held::Missing) => Order::Equal,
        (Held::Missing, _) => Order::Greater,
        (_, Held::Missing) => Order::Less,
        _ => Order::Equal,
    }
}

fn matches(record: &CrmRecord, filter: &Filter, last_change: &str) -> bool {
    let value = match &filter.value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    let order = match held(record, &filter.property_name, last_change) {
        Held::Missing => return filter.operator == "NOT_HAS_PROPERTY",
        _ if filter.operator == "HAS_PROPERTY" => return true,
        Held::Number(n) => {
            let Some(wanted) = value.parse::<i128>().ok().or_else(|| millis(&value)) else {
                return false;
            };
            n.cmp(&wanted)
        }
        Held::Text(t) => t.cmp(value.as_str()),
    };
    match filter.operator.as_str() {
        "EQ" => order == Order::Equal,
        "NEQ" => order != Order::Equal,
        "GT" => order == Order::Greater,
        "GTE" => order != Order::Less,
        "LT" => order == Order::Less,
        "LTE" => order != Order::Greater,
        _ => false,
    }
}
