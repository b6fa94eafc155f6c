//! The CRM APIs beside the object listings, each from HubSpot's OpenAPI specs
//! (HubSpot/HubSpot-public-api-spec-collection, `PublicApiSpecs/CRM/…`):
//! - `GET /crm/v3/properties/{objectType}`: `{results: [Property]}`, no paging; a property has
//!   `name`, `label`, `type`, `fieldType`, `groupName`, `description`, `options[{label, value,
//!   hidden, displayOrder}]`, and `referencedObjectType` (`OWNER`) where it names an owner.
//! - `GET /crm/v3/owners`: `limit` (default 100, at most 500), `after`; `crm.objects.owners.read`.
//! - `GET /crm/v3/pipelines/{objectType}`: `{results: [{id, label, displayOrder, archived,
//!   stages[{id, label, displayOrder, metadata{probability | ticketState}}]}]}`, no paging.
//! - `GET /crm/v3/schemas` (the spec's `/crm-object-schemas/v3/schemas` too): the custom objects,
//!   `crm.schemas.custom.read` or `crm.objects.custom.read`.
//! - `POST /crm/v4/associations/{from}/{to}/batch/read`: `{inputs: [{id, after?}]}` (at most
//!   1,000 since February 2025), each result `{from{id}, to[{toObjectId, associationTypes[{category,
//!   typeId, label}]}], paging?}` — paging per record, read on by sending `{id, after}` again.
//! - `POST /crm/v3/objects/{type}/batch/read`: `{inputs: [{id}], properties: […]}` (100 inputs).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{
    api_guard, cars_qualified_name, crm_guard, object_scopes, record_json, records_of,
    validation_error,
};
use crate::dataset::hubspot::{self, Pipeline, CARS_TYPE_ID, DEAL_PIPELINES, TICKET_PIPELINES};
use crate::AppState;

/// Associations per record per answer of the v4 batch read. The spec gives no number; a page
/// smaller than the first deal's 130 contacts makes a load follow `paging`.
const ASSOCIATIONS_PER_RECORD: usize = 100;
const STAMP: &str = "2024-01-01T00:00:00.000Z";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/crm/v3/properties/{object_type}", get(properties))
        .route("/crm/v3/owners", get(owners))
        .route("/crm/v3/owners/", get(owners))
        .route("/crm/v3/pipelines/{object_type}", get(pipelines))
        .route("/crm/v3/schemas", get(schemas))
        .route("/crm-object-schemas/v3/schemas", get(schemas))
        .route(
            "/crm/v4/associations/{from}/{to}/batch/read",
            post(associations_batch),
        )
        .route("/crm/v3/objects/{object_type}/batch/read", post(batch_read))
}

fn property_json(d: &hubspot::PropertyDef, order: usize) -> Value {
    let options: Vec<Value> = d
        .options
        .iter()
        .enumerate()
        .map(|(n, (value, label))| json!({"label": label, "value": value, "hidden": false, "displayOrder": n}))
        .collect();
    let mut json = json!({"name": d.name, "label": d.label, "type": d.kind, "fieldType": d.field_type,
        "groupName": d.group, "description": "", "options": options, "displayOrder": order,
        "hidden": false, "calculated": false, "hubspotDefined": d.hubspot_defined, "archived": false,
        "formField": true, "createdAt": STAMP, "updatedAt": STAMP,
        "modificationMetadata": {"archivable": !d.hubspot_defined, "readOnlyDefinition": d.hubspot_defined, "readOnlyValue": false}});
    if let Some(referenced) = d.referenced {
        json["referencedObjectType"] = referenced.into();
    }
    json
}

/// The object type `name` stands for among the definitions (`0-1` is `contacts`, a custom
/// object's name is its id).
fn canonical(state: &AppState, name: &str) -> String {
    match name {
        "0-1" => "contacts".into(),
        "0-2" => "companies".into(),
        "0-3" => "deals".into(),
        "0-5" => "tickets".into(),
        other if super::is_cars(state, other) => CARS_TYPE_ID.into(),
        other => other.into(),
    }
}

async fn properties(
    State(state): State<AppState>,
    Path(object_type): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (knobs, _, _) = match crm_guard(&state, &headers, &object_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let kind = canonical(&state, &object_type);
    let results: Vec<Value> = hubspot::properties_of(&kind, knobs.hubspot_extra_properties)
        .iter()
        .enumerate()
        .map(|(n, d)| property_json(d, n))
        .collect();
    state.finish(&knobs, json!({"results": results}))
}

async fn owners(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (knobs, _, _) =
        match api_guard(&state, &headers, "owners", &["crm.objects.owners.read"]).await {
            Ok(granted) => granted,
            Err(refused) => return refused,
        };
    let all = hubspot::owners();
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 100,
        Some(Ok(l)) if (1..=500).contains(&l) => l,
        Some(_) => return validation_error("limit: Must be less than or equal to 500"),
    };
    let start = match q.get("after").map(|a| a.parse::<usize>()) {
        None => 0,
        Some(Ok(a)) if a <= all.len() => a,
        Some(_) => return validation_error("after is not a valid paging cursor"),
    };
    let end = (start + limit).min(all.len());
    let results: Vec<Value> = all[start..end]
        .iter()
        .map(|o| json!({"id": o.id, "email": o.email, "type": "PERSON", "firstName": o.first_name,
            "lastName": o.last_name, "userId": o.user_id, "userIdIncludingInactive": o.user_id,
            "createdAt": STAMP, "updatedAt": STAMP, "archived": false, "teams": [{"id": "101", "name": "Sales", "primary": true}]}))
        .collect();
    let mut body = json!({"results": results});
    if end < all.len() {
        body["paging"] = json!({"next": {"after": end.to_string(), "link": format!("{}/hubspot/crm/v3/owners?after={end}", state.base_url)}});
    }
    state.finish(&knobs, body)
}

fn pipeline_json(p: &Pipeline, order: usize) -> Value {
    let stages: Vec<Value> = p
        .stages
        .iter()
        .enumerate()
        .map(|(n, (id, label, key, value))| {
            json!({"id": id, "label": label, "displayOrder": n,
            "archived": false, "createdAt": STAMP, "updatedAt": STAMP, "metadata": {*key: value}})
        })
        .collect();
    json!({"id": p.id, "label": p.label, "displayOrder": order, "archived": false,
        "createdAt": STAMP, "updatedAt": STAMP, "stages": stages})
}

async fn pipelines(
    State(state): State<AppState>,
    Path(object_type): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (knobs, _, _) = match crm_guard(&state, &headers, &object_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let pipelines: &[Pipeline] = match canonical(&state, &object_type).as_str() {
        "deals" => &DEAL_PIPELINES,
        "tickets" => &TICKET_PIPELINES,
        _ => {
            let body = json!({"status": "error", "message": format!("Object type {object_type} does not support pipelines"), "category": "VALIDATION_ERROR"});
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    let results: Vec<Value> = pipelines
        .iter()
        .enumerate()
        .map(|(n, p)| pipeline_json(p, n))
        .collect();
    state.finish(&knobs, json!({"results": results}))
}

async fn schemas(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let scopes = ["crm.schemas.custom.read", "crm.objects.custom.read"];
    let (knobs, _, data) = match api_guard(&state, &headers, "schemas", &scopes).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let properties: Vec<Value> = hubspot::properties_of(CARS_TYPE_ID, 0)
        .iter()
        .enumerate()
        .map(|(n, d)| property_json(d, n))
        .collect();
    let portal = data.hubspot.portal_id;
    let schema = json!({"id": "7654321", "objectTypeId": CARS_TYPE_ID, "name": hubspot::CARS_NAME,
        "labels": {"singular": "Car", "plural": "Cars"}, "primaryDisplayProperty": "model",
        "secondaryDisplayProperties": ["year"], "requiredProperties": ["model"], "searchableProperties": ["model"],
        "fullyQualifiedName": cars_qualified_name(&state), "properties": properties,
        "associations": [{"fromObjectTypeId": CARS_TYPE_ID, "toObjectTypeId": "0-1", "name": "cars_to_contacts", "id": "1001"}],
        "archived": false, "createdAt": STAMP, "updatedAt": STAMP, "portalId": portal});
    state.finish(&knobs, json!({"results": [schema]}))
}

/// `{inputs: [{id, …}]}` of a batch request, at most `max` of them.
fn inputs(body: &Value, max: usize) -> Result<Vec<(String, Option<usize>)>, Response> {
    let Some(list) = body.get("inputs").and_then(Value::as_array) else {
        return Err(validation_error("inputs is required"));
    };
    if list.len() > max {
        return Err(validation_error(&format!(
            "Batch input limit exceeded: at most {max} inputs"
        )));
    }
    list.iter()
        .map(|input| {
            let id = input.get("id").and_then(Value::as_str);
            let after = input.get("after").and_then(Value::as_str);
            match (id, after.map(str::parse::<usize>)) {
                (Some(id), None) => Ok((id.to_owned(), None)),
                (Some(id), Some(Ok(after))) => Ok((id.to_owned(), Some(after))),
                _ => Err(validation_error(
                    "each input needs an id (and a valid after)",
                )),
            }
        })
        .collect()
}

/// The labels of one association, as v4 lists them: a company is the primary one (typeId 1
/// contact→company, 5 deal→company, 339 ticket→company, "Primary") for the first listed;
/// every association is unlabeled too (279, 341, …, label null); the first contact of every
/// other deal is a "Decision maker" (a label the portal defined: USER_DEFINED, typeId 3).
fn association_types(from: &str, to: &str, first: bool, record_index: usize) -> Vec<Value> {
    let mut types = Vec::new();
    let primary = match (from, to) {
        ("contacts", "companies") => Some(1),
        ("deals", "companies") => Some(5),
        ("tickets", "companies") => Some(339),
        _ => None,
    };
    if let (Some(type_id), true) = (primary, first) {
        types.push(json!({"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": "Primary"}));
    }
    types.push(json!({"category": "HUBSPOT_DEFINED", "typeId": 279, "label": null}));
    if from == "deals" && to == "contacts" && first && record_index.is_multiple_of(2) {
        types.push(json!({"category": "USER_DEFINED", "typeId": 3, "label": "Decision maker"}));
    }
    types
}

async fn associations_batch(
    State(state): State<AppState>,
    Path((from, to)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let (knobs, _, data) = match crm_guard(&state, &headers, &from).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    if object_scopes(&state, &to).is_none() {
        return validation_error(&format!("Unknown object type {to}"));
    }
    let inputs = match inputs(&body, 1_000) {
        Ok(inputs) => inputs,
        Err(refused) => return refused,
    };
    let (from_kind, to_kind) = (canonical(&state, &from), canonical(&state, &to));
    let records = records_of(&state, &data, &from);
    let mut results = Vec::new();
    for (id, after) in inputs {
        // A record named in `hubspot_gone_records` is deleted after its first answer: a read
        // of its next page finds nothing. HubSpot leaves out (or lists in `errors`) an id it
        // does not find.
        let gone = after.is_some() && knobs.hubspot_gone_records.contains(&id);
        let found = records.iter().enumerate().find(|(_, r)| r.id == id);
        let Some((index, record)) = found.filter(|_| !gone) else {
            continue;
        };
        let all: Vec<Value> = record
            .associations
            .iter()
            .filter(|(kind, _)| *kind == to_kind)
            .enumerate()
            .map(|(n, (_, to_id))| {
                json!({"toObjectId": to_id.parse::<u64>().unwrap_or_default(),
                    "associationTypes": association_types(&from_kind, &to_kind, n == 0, index)})
            })
            .collect();
        let start = after.unwrap_or(0).min(all.len());
        let end = (start + ASSOCIATIONS_PER_RECORD).min(all.len());
        let mut result = json!({"from": {"id": id}, "to": all[start..end]});
        if end < all.len() {
            result["paging"] = json!({"next": {"after": end.to_string(), "link": null}});
        }
        results.push(result);
    }
    state.finish(
        &knobs,
        json!({"status": "COMPLETE", "results": results, "startedAt": STAMP, "completedAt": STAMP}),
    )
}

async fn batch_read(
    State(state): State<AppState>,
    Path(object_type): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let (knobs, _, data) = match crm_guard(&state, &headers, &object_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let inputs = match inputs(&body, 100) {
        Ok(inputs) => inputs,
        Err(refused) => return refused,
    };
    let requested: Vec<&str> = body
        .get("properties")
        .and_then(Value::as_array)
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let records = records_of(&state, &data, &object_type);
    let results: Vec<Value> = inputs
        .iter()
        .filter_map(|(id, _)| records.iter().find(|r| &r.id == id))
        .map(|r| record_json(r, &requested, knobs.hubspot_extra_properties))
        .collect();
    state.finish(
        &knobs,
        json!({"status": "COMPLETE", "results": results, "startedAt": STAMP, "completedAt": STAMP}),
    )
}
