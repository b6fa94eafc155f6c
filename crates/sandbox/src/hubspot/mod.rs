//! HubSpot as documented: `/oauth/authorize`, the form-encoded token endpoints (2026-03, v3 and
//! the legacy v1) with `client_id`/`client_secret` in the body and an optional PKCE verifier,
//! `/oauth/2026-03/token/introspect`, and `GET /crm/v3/objects/{type}` (limit ≤ 100, `after`);
//! the other CRM APIs in `crm.rs`, associations (v4) in `associations.rs`, the object types
//! by any of their names in `objects.rs`.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};

use crate::dataset::CrmRecord;

mod crm;
mod objects;

mod associations;
mod guard;
mod search;
use crate::tokens::{s256, CodeGrant, OnReuse, RefreshUse};
use crate::{AppState, CLIENT_ID, CLIENT_SECRET};
pub(crate) use guard::{
    answer, api_guard, batch_answer, batch_inputs, crm_guard, guarded, page_bounds,
    validation_error,
};
use objects::ObjectType;

const REQUIRED_SCOPES: [&str; 4] = [
    "crm.objects.contacts.read",
    "crm.objects.companies.read",
    "crm.objects.deals.read",
    "oauth",
];

/// The optional scopes the sandbox's app declares.
const OPTIONAL_SCOPES: [&str; 4] = [
    "tickets",
    "crm.objects.owners.read",
    "crm.schemas.custom.read",
    "crm.objects.custom.read",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/2026-03/token", post(token))
        .route("/oauth/v3/token", post(token))
        .route("/oauth/v1/token", post(token))
        .route("/oauth/2026-03/token/introspect", post(introspect))
        .route("/oauth/2026-03/token/revoke", post(revoke))
        .route("/crm/v3/objects/{object_type}", get(list_objects))
        .route("/crm/v3/objects/{object_type}/search", post(search::search))
        .merge(crm::routes())
}

fn oauth_error(status: StatusCode, code: &str, hubspot_status: &str, message: &str) -> Response {
    // HubSpot's standardized OAuth error: both the RFC 6749 fields and its own.
    let body = json!({"error": code, "error_description": message, "status": hubspot_status, "message": message});
    (status, Json(body)).into_response()
}

fn page_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        format!("HubSpot sandbox: {message}"),
    )
        .into_response()
}

async fn authorize(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(client_id) = q.get("client_id") else {
        return page_error("client_id is required");
    };
    if client_id != CLIENT_ID {
        return page_error("unknown client_id");
    }
    let Some(redirect) = q
        .get("redirect_uri")
        .and_then(|r| crate::tokens::registered_redirect(r))
    else {
        return page_error("redirect_uri is required and must be one registered for this app");
    };
    let words = |key: &str| -> Vec<String> {
        q.get(key)
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let mut scopes = words("scope");
    if let Some(missing) = REQUIRED_SCOPES
        .iter()
        .find(|s| !scopes.iter().any(|g| g == *s))
    {
        return page_error(&format!("scope {missing} is not granted to this app"));
    }
    // `optional_scope`: "automatically dropped … if the user selects a HubSpot account that
    // does not have access to that tool" (Working with OAuth); the token's `scopes` say which
    // were granted. Every scope in the URL must be declared on the app, or the install fails.
    let declined = state.knobs().hubspot_declined_scopes;
    for scope in words("optional_scope") {
        if !OPTIONAL_SCOPES.contains(&scope.as_str()) {
            return page_error(&format!("scope {scope} is not declared by this app"));
        }
        if !declined.contains(&scope) && !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let challenge = q.get("code_challenge").cloned();
    if challenge.is_some() && q.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return page_error("code_challenge_method must be S256");
    }
    let mut target = redirect.clone();
    {
        let mut pairs = target.query_pairs_mut();
        if state.knobs().deny_consent {
            pairs.append_pair("error", "access_denied");
            pairs.append_pair("error_description", "The user declined to install the app");
        } else {
            let code = state.grants.issue_code(CodeGrant {
                provider: "hubspot",
                client_id: client_id.clone(),
                redirect_uri: redirect.to_string(),
                code_challenge: challenge,
                scopes,
                issued: Instant::now(),
            });
            pairs.append_pair("code", &code);
        }
        if let Some(s) = q.get("state") {
            pairs.append_pair("state", s);
        }
    }
    Redirect::to(target.as_str()).into_response()
}

async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if headers.contains_key("authorization") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "BAD_REQUEST",
            "client credentials go in the form body",
        );
    }
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if field("client_id") != CLIENT_ID {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "BAD_CLIENT_ID",
            "missing or unknown client id",
        );
    }
    if field("client_secret") != CLIENT_SECRET {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "BAD_CLIENT_SECRET",
            "missing or unknown client secret",
        );
    }
    let ttl = Duration::from_secs(state.knobs().access_token_ttl_secs);
    let (scopes, refresh) = match field("grant_type") {
        "authorization_code" => {
            let Some(grant) = state.grants.take_code("hubspot", field("code")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "BAD_AUTH_CODE",
                    "auth code not found",
                );
            };
            if grant.issued.elapsed() > Duration::from_secs(600)
                || grant.client_id != field("client_id")
            {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "BAD_AUTH_CODE",
                    "auth code expired",
                );
            }
            if grant.redirect_uri != field("redirect_uri") {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "BAD_REDIRECT_URI",
                    "redirect_uri does not match",
                );
            }
            if let Some(challenge) = &grant.code_challenge {
                state.grants.note_secret(field("code_verifier"));
                if s256(field("code_verifier")) != *challenge {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "BAD_AUTH_CODE",
                        "code_verifier does not match",
                    );
                }
            }
            (grant.scopes, None)
        }
        "refresh_token" => {
            let RefreshUse::Valid(scopes, family) =
                state
                    .grants
                    .use_refresh("hubspot", field("refresh_token"), false, OnReuse::Refuse)
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "BAD_REFRESH_TOKEN",
                    "refresh token is invalid, expired or revoked",
                );
            };
            state.counters.refreshes.fetch_add(1, Ordering::SeqCst);
            // HubSpot keeps the refresh token; it returns it again.
            (scopes, Some((field("refresh_token").to_owned(), family)))
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "BAD_GRANT_TYPE",
                "unsupported grant_type",
            )
        }
    };
    let (keep, family) = refresh.unzip();
    let (access, refresh) = state
        .grants
        .issue_tokens("hubspot", scopes.clone(), ttl, keep, family);
    let data = state.data();
    let hub = &data.hubspot;
    Json(json!({
        "access_token": access, "refresh_token": refresh, "expires_in": ttl.as_secs(), "token_type": "bearer",
        "token_use": "access_token", "hub_id": hub.portal_id, "user_id": 7_000_001, "scopes": scopes,
    }))
    .into_response()
}

/// The client credentials that introspection and revocation carry in their form.
fn client_in_form(form: &HashMap<String, String>) -> Result<(), Response> {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if field("client_id") != CLIENT_ID || field("client_secret") != CLIENT_SECRET {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "BAD_CLIENT_ID",
            "missing or unknown client credentials",
        ));
    }
    Ok(())
}

async fn introspect(
    State(state): State<AppState>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if let Err(refused) = client_in_form(&form) {
        return refused;
    }
    let data = state.data();
    let hub = &data.hubspot;
    match state.grants.access("hubspot", field("token")) {
        Some(grant) => Json(json!({
            "active": true, "token_use": "access_token", "hub_id": hub.portal_id, "hub_domain": hub.domain,
            "user": hub.user, "user_id": 7_000_001, "client_id": CLIENT_ID, "app_id": 1_234,
            "scopes": grant.scopes, "expires_in": grant.expires.saturating_duration_since(Instant::now()).as_secs(),
            "token_type": "bearer", "is_private_distribution": true,
        }))
        .into_response(),
        None => Json(json!({"active": false})).into_response(),
    }
}

/// `POST /oauth/2026-03/token/revoke` (form: client credentials, `token`, `token_type_hint`).
async fn revoke(
    State(state): State<AppState>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if let Err(refused) = client_in_form(&form) {
        return refused;
    }
    if state.grants.revoke("hubspot", field("token")) {
        state.counters.revocations.fetch_add(1, Ordering::SeqCst);
    }
    StatusCode::OK.into_response()
}

/// A record as HubSpot answers it, with the `requested` properties (HubSpot gives a property
/// asked for but not set as null). `extra` custom contact properties (`custom_field_N`, the
/// `hubspot_extra_properties` knob) hold a value of their own.
pub(crate) fn record_json(record: &CrmRecord, requested: &[&str], extra: usize) -> Value {
    let mut properties = serde_json::Map::new();
    for (name, value) in &record.properties {
        if requested.is_empty() || requested.contains(name) {
            properties.insert(
                (*name).to_owned(),
                value.clone().map_or(Value::Null, Value::String),
            );
        }
    }
    for name in requested {
        let custom = name
            .strip_prefix("custom_field_")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < extra);
        if let Some(n) = custom {
            properties.insert((*name).to_owned(), format!("c{n}-{}", record.id).into());
        }
    }
    properties.insert("hs_object_id".into(), record.id.clone().into());
    properties.insert("createdate".into(), record.created_at.clone().into());
    json!({"id": record.id, "properties": properties, "createdAt": record.created_at, "updatedAt": record.updated_at, "archived": false})
}

/// The time every definition the sandbox serves was made and last changed.
pub(crate) const STAMP: &str = "2024-01-01T00:00:00.000Z";

/// The longest request URI the sandbox takes: HubSpot answers a longer one 414 ("request URI
/// is too long … reduce the number of query parameters", its error-handling reference); people
/// meet it from about 8,000 characters of `properties` (dlt-hub/verified-sources#305).
const MAX_URI: usize = 8_000;

async fn list_objects(
    State(state): State<AppState>,
    Path(object_type): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if uri.to_string().len() > MAX_URI {
        let body = json!({"status": "error", "message": "Request URI is too long", "category": "VALIDATION_ERROR"});
        return (StatusCode::URI_TOO_LONG, Json(body)).into_response();
    }
    let (knobs, budget, data, kind) = match crm_guard(&state, &headers, &object_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    // `archived=true` lists the records deleted (archived) instead of the live ones.
    let archived = q.get("archived").is_some_and(|a| a == "true");
    let records = if archived {
        kind.archived(&data)
    } else {
        (state.counters.hubspot_live_listings).fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        kind.records(&data)
    };
    let (start, end) = match page_bounds(&q, 10, 100, records.len()) {
        Ok(bounds) => bounds,
        Err(refused) => return refused,
    };
    let requested: Vec<&str> = q
        .get("properties")
        .map(|p| p.split(',').collect())
        .unwrap_or_default();
    let results: Vec<Value> = records[start..end]
        .iter()
        .map(|r| {
            let mut record = record_json(r, &requested, knobs.hubspot_extra_properties);
            if archived {
                record["archived"] = true.into();
                record["archivedAt"] = r.updated_at.clone().into();
            }
            record
        })
        .collect();
    let mut body = json!({"results": results});
    if end < records.len() {
        let link = format!(
            "{}/hubspot/crm/v3/objects/{object_type}?after={end}&archived={archived}",
            state.base_url
        );
        body["paging"] = json!({"next": {"after": end.to_string(), "link": link}});
    }
    answer(&state, &knobs, budget, body)
}
