//! Associations as HubSpot's v4 API gives them: `POST /crm/v4/associations/{from}/{to}/batch/read`
//! (HubSpot/HubSpot-public-api-spec-collection, `Associations` v4): `{inputs: [{id, after?}]}`,
//! at most 1,000 since February 2025; each record found answers `{from{id}, to[{toObjectId,
//! associationTypes[{category, typeId, label}]}], paging?}`, with paging per record, read on by
//! sending `{id, after}` again. A record with no associations of that type, and an id not
//! found, are left out of `results`: each gets an entry in `errors` instead
//! (`OBJECT_NOT_FOUND`, `crm.associations.NO_ASSOCIATIONS_FOUND`, "No company is associated
//! with contact 1."), and the answer is 207 Multi-Status — alike for both, so the answer does
//! not say whether the record exists (as integrators report: HubSpot community threads and
//! connectors treating that sub-category as "none").
//!
//! What v3 showed and v4 keeps: a record's primary company comes with its "Primary" type and the
//! unlabeled one (amp-labs/connectors #1271: typeIds 1 and 279 for a contact's), others with the
//! unlabeled type only; no order is promised (HubSpot/hubspot-api-ruby #171).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

use super::objects::ObjectType;
use super::{answer, batch_inputs, crm_guard, validation_error};
use crate::AppState;

/// Associations per record per answer. The spec gives no number; a page smaller than the first
/// deal's 130 contacts makes a load follow `paging`.
const PER_RECORD: usize = 100;
/// The most records one request takes.
const MAX_INPUTS: usize = 1_000;

/// The labels of one association: a company is the primary one (typeId 1 contact→company,
/// 5 deal→company, 339 ticket→company, "Primary") for the first listed; every association is
/// unlabeled too (279, label null); the first contact of every other deal is a
/// "Decision maker" (a label the portal defined: USER_DEFINED, typeId 3).
fn association_types(
    from: ObjectType,
    to: ObjectType,
    first: bool,
    record_index: usize,
) -> Vec<Value> {
    use ObjectType::{Companies, Contacts, Deals, Tickets};
    let mut types = Vec::new();
    let primary = match (from, to) {
        (Contacts, Companies) => Some(1),
        (Deals, Companies) => Some(5),
        (Tickets, Companies) => Some(339),
        _ => None,
    };
    if let (Some(type_id), true) = (primary, first) {
        types.push(json!({"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": "Primary"}));
    }
    types.push(json!({"category": "HUBSPOT_DEFINED", "typeId": 279, "label": null}));
    if (from, to) == (Deals, Contacts) && first && record_index.is_multiple_of(2) {
        types.push(json!({"category": "USER_DEFINED", "typeId": 3, "label": "Decision maker"}));
    }
    types
}

pub(super) async fn batch_read(
    State(state): State<AppState>,
    Path((from, to)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let (knobs, budget, data, from) = match crm_guard(&state, &headers, &from).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let Some(to) = ObjectType::parse(data.hubspot.portal_id, &to) else {
        return validation_error(&format!("Unknown object type {to}"));
    };
    let inputs = match batch_inputs(&body, MAX_INPUTS) {
        Ok(inputs) => inputs,
        Err(refused) => return refused,
    };
    let records = from.records(&data);
    let (mut results, mut errors) = (Vec::new(), Vec::new());
    for (id, after) in inputs {
        // A record named in `hubspot_gone_records` is deleted after its first answer: a read
        // of its next page finds nothing.
        let gone = after.is_some() && knobs.hubspot_gone_records.contains(&id);
        let found = records.iter().enumerate().find(|(_, r)| r.id == id);
        let Some((index, record)) = found.filter(|_| !gone) else {
            errors.push(none_associated(from, to, &id));
            continue;
        };
        let all: Vec<Value> = record
            .associations
            .iter()
            .filter(|(kind, _)| *kind == to.name())
            .enumerate()
            .map(|(n, (_, to_id))| {
                json!({"toObjectId": to_id.parse::<u64>().unwrap_or_default(),
                    "associationTypes": association_types(from, to, n == 0, index)})
            })
            .collect();
        if all.is_empty() {
            errors.push(none_associated(from, to, &id));
            continue;
        }
        let start = after.unwrap_or(0).min(all.len());
        let end = (start + PER_RECORD).min(all.len());
        let mut result = json!({"from": {"id": id}, "to": all[start..end]});
        if end < all.len() {
            result["paging"] = json!({"next": {"after": end.to_string(), "link": null}});
        }
        results.push(result);
    }
    let mut body = super::batch_answer(results);
    if errors.is_empty() {
        return answer(&state, &knobs, budget, body);
    }
    body["numErrors"] = errors.len().into();
    body["errors"] = errors.into();
    let mut response = answer(&state, &knobs, budget, body);
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::MULTI_STATUS;
    }
    response
}

/// The error entry of a record with no associations of the type asked for — or no record at
/// all: HubSpot answers both alike (HTTP 207, the entry in `errors`, not in `results`).
fn none_associated(from: ObjectType, to: ObjectType, id: &str) -> Value {
    json!({"status": "error", "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": format!("No {} is associated with {} {id}.", singular(to), singular(from)),
        "context": {"fromObjectId": [id], "fromObjectType": [singular(from)], "toObjectType": [singular(to)]}})
}

/// A type's name as HubSpot's messages give it: `company`, `contact`.
pub(super) fn singular(kind: ObjectType) -> String {
    let name = kind.name();
    match name.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => name.strip_suffix('s').unwrap_or(name).to_owned(),
    }
}
