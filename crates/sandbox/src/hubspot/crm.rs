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
//! - `POST /crm/v3/objects/{type}/batch/read`: `{inputs: [{id}], properties: […]}` (100 inputs);
//!   ids not found get an `OBJECT_NOT_FOUND` error entry (207), or a 404 when none is found.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{
    answer, api_guard, batch_answer, batch_inputs, crm_guard, page_bounds, record_json, STAMP,
};
use crate::dataset::hubspot::{self, Pipeline, CARS_TYPE_ID};
use crate::AppState;

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
            post(super::associations::batch_read),
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

async fn properties(
    State(state): State<AppState>,
    Path(object_type): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (knobs, budget, _, kind) = match crm_guard(&state, &headers, &object_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let results: Vec<Value> = hubspot::properties_of(kind.name(), knobs.hubspot_extra_properties)
        .iter()
        .enumerate()
        .map(|(n, d)| property_json(d, n))
        .collect();
    answer(&state, &knobs, budget, json!({"results": results}))
}

async fn owners(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (knobs, budget, _) =
        match api_guard(&state, &headers, "owners", &["crm.objects.owners.read"]).await {
            Ok(granted) => granted,
            Err(refused) => return refused,
        };
    let all = hubspot::owners();
    let (start, end) = match page_bounds(&q, 100, 500, all.len()) {
        Ok(bounds) => bounds,
        Err(refused) => return refused,
    };
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
    answer(&state, &knobs, budget, body)
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
    let (knobs, budget, _, kind) = match crm_guard(&state, &headers, &object_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let Some(pipelines) = kind.pipelines() else {
        let body = json!({"status": "error", "message": format!("Object type {object_type} does not support pipelines"), "category": "VALIDATION_ERROR"});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    };
    let results: Vec<Value> = pipelines
        .iter()
        .enumerate()
        .map(|(n, p)| pipeline_json(p, n))
        .collect();
    answer(&state, &knobs, budget, json!({"results": results}))
}

async fn schemas(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let scopes = ["crm.schemas.custom.read", "crm.objects.custom.read"];
    let (knobs, budget, data) = match api_guard(&state, &headers, "schemas", &scopes).await {
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
        "fullyQualifiedName": super::objects::qualified_name(portal), "properties": properties,
        "associations": [{"fromObjectTypeId": CARS_TYPE_ID, "toObjectTypeId": "0-1", "name": "cars_to_contacts", "id": "1001"}],
        "archived": false, "createdAt": STAMP, "updatedAt": STAMP, "portalId": portal});
    answer(&state, &knobs, budget, json!({"results": [schema]}))
}

async fn batch_read(
    State(state): State<AppState>,
    Path(object_type): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let (knobs, budget, data, kind) = match crm_guard(&state, &headers, &object_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let inputs = match batch_inputs(&body, 100) {
        Ok(inputs) => inputs,
        Err(refused) => return refused,
    };
    let requested: Vec<&str> = body
        .get("properties")
        .and_then(Value::as_array)
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let records = kind.records(&data);
    let (mut results, mut missing) = (Vec::new(), Vec::new());
    for (id, _) in &inputs {
        match records.iter().find(|r| &r.id == id) {
            Some(r) => results.push(record_json(r, &requested, knobs.hubspot_extra_properties)),
            None => missing.push(id.clone()),
        }
    }
    if missing.is_empty() {
        return answer(&state, &knobs, budget, batch_answer(results));
    }
    // Ids not found: an error entry (207) beside the records found, or 404 when none is
    // (HubSpot/hubspot-api-php#619; bruin-data/ingestr#1203).
    let type_name = super::associations::singular(kind).to_uppercase();
    let message = format!(
        "Could not get some {type_name} objects, they may be deleted or not exist. Check that ids are valid."
    );
    let error = json!({"status": "error", "category": "OBJECT_NOT_FOUND", "message": message,
        "context": {"ids": missing}});
    if results.is_empty() {
        let mut response = answer(&state, &knobs, budget, error);
        if response.status() == StatusCode::OK {
            *response.status_mut() = StatusCode::NOT_FOUND;
        }
        return response;
    }
    let mut body = batch_answer(results);
    body["numErrors"] = 1.into();
    body["errors"] = json!([error]);
    let mut response = answer(&state, &knobs, budget, body);
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::MULTI_STATUS;
    }
    response
}
