//! HubSpot as documented: `/oauth/authorize`, the form-encoded token endpoints (2026-03, v3 and
//! the legacy v1) with `client_id`/`client_secret` in the body and an optional PKCE verifier,
//! `/oauth/2026-03/token/introspect`, and `GET /crm/v3/objects/{type}` (limit ≤ 100, `after`).

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

mod associations;
use crate::faults::{Budget, Limit, Verdict};
use crate::tokens::{bearer, s256, CodeGrant, OnReuse, RefreshUse};
use crate::{AppState, CLIENT_ID, CLIENT_SECRET};

const REQUIRED_SCOPES: [&str; 4] = [
    "crm.objects.contacts.read",
    "crm.objects.companies.read",
    "crm.objects.deals.read",
    "oauth",
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
        .route(
            "/crm/v3/objects/{object_type}/{id}/associations/{to_type}",
            get(associations::list),
        )
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
    let scopes: Vec<String> = q
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if let Some(missing) = REQUIRED_SCOPES
        .iter()
        .find(|s| !scopes.iter().any(|g| g == *s))
    {
        return page_error(&format!("scope {missing} is not granted to this app"));
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

fn unauthorized() -> Response {
    let body = json!({"status": "error", "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication.",
        "correlationId": "00000000-0000-0000-0000-000000000001", "category": "INVALID_AUTHENTICATION"});
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

fn validation_error(message: &str) -> Response {
    let body = json!({"status": "error", "message": message, "correlationId": "00000000-0000-0000-0000-000000000002", "category": "VALIDATION_ERROR"});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

fn record_json(record: &CrmRecord, requested: &[&str]) -> Value {
    let mut properties = serde_json::Map::new();
    for (name, value) in &record.properties {
        if requested.is_empty() || requested.contains(name) {
            properties.insert(
                (*name).to_owned(),
                value.clone().map_or(Value::Null, Value::String),
            );
        }
    }
    properties.insert("hs_object_id".into(), record.id.clone().into());
    properties.insert("createdate".into(), record.created_at.clone().into());
    json!({"id": record.id, "properties": properties, "createdAt": record.created_at, "updatedAt": record.updated_at, "archived": false})
}

/// What every CRM read goes through: the bearer token, the failing-object knob, the rolling
/// window (a 429 with HubSpot's body and headers), the object type and its read scope. Gives the
/// knobs, the window's state and the type's records.
pub(crate) async fn crm_guard(
    state: &AppState,
    headers: &HeaderMap,
    object_type: &str,
) -> Result<
    (
        crate::Knobs,
        Option<Budget>,
        std::sync::Arc<crate::dataset::Dataset>,
    ),
    Response,
> {
    state.counters.api_requests.fetch_add(1, Ordering::SeqCst);
    let token = bearer(headers);
    let Some(grant) = state.grants.access("hubspot", &token) else {
        return Err(unauthorized());
    };
    let knobs = state.knobs();
    if knobs.hubspot_failing_object.as_deref() == Some(object_type) {
        state.counters.faults.fetch_add(1, Ordering::SeqCst);
        let body = json!({"status": "error", "message": "The service is temporarily unavailable", "category": "INTERNAL_ERROR"});
        return Err((StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response());
    }
    let limit = Limit {
        key: format!("hubspot:{token}"),
        max: knobs.rate_limit_max,
        window: Duration::from_millis(knobs.rate_limit_window_ms.max(1)),
        lockout: Duration::ZERO,
    };
    let budget = match state.faults.check(&knobs, Some(limit)).await {
        Verdict::Serve(budget) => budget,
        Verdict::RateLimited(budget) => {
            state.counters.rate_limited.fetch_add(1, Ordering::SeqCst);
            let body = json!({"status": "error", "message": "You have reached your ten_secondly_rolling limit.", "errorType": "RATE_LIMIT",
                "correlationId": "00000000-0000-0000-0000-000000000003", "policyName": "TEN_SECONDLY_ROLLING", "requestId": "sandbox"});
            let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
            rate_headers(&mut response, &budget);
            return Err(response);
        }
        Verdict::Fail(status) => {
            state.counters.faults.fetch_add(1, Ordering::SeqCst);
            let body = json!({"status": "error", "message": "The service is temporarily unavailable", "category": "INTERNAL_ERROR"});
            return Err((status, Json(body)).into_response());
        }
    };
    let scope = match object_type {
        "contacts" => "crm.objects.contacts.read",
        "companies" => "crm.objects.companies.read",
        "deals" => "crm.objects.deals.read",
        _ => return Err((StatusCode::NOT_FOUND, Json(json!({"status": "error", "message": "Unable to infer object type", "category": "OBJECT_NOT_FOUND"}))).into_response()),
    };
    if !grant.scopes.iter().any(|s| s == scope) {
        return Err((StatusCode::FORBIDDEN, Json(json!({"status": "error", "message": format!("This app hasn't been granted all required scopes; missing {scope}"), "category": "MISSING_SCOPES"}))).into_response());
    }
    Ok((knobs, budget, state.data()))
}

/// The records of `object_type` (one `crm_guard` accepted).
pub(crate) fn records_of<'d>(
    data: &'d crate::dataset::Dataset,
    object_type: &str,
) -> &'d [CrmRecord] {
    match object_type {
        "contacts" => &data.hubspot.contacts,
        "companies" => &data.hubspot.companies,
        _ => &data.hubspot.deals,
    }
}

async fn list_objects(
    State(state): State<AppState>,
    Path(object_type): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (knobs, budget, data) = match crm_guard(&state, &headers, &object_type).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let records = records_of(&data, &object_type);
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(l)) if (1..=100).contains(&l) => l,
        Some(_) => return validation_error("limit must be between 1 and 100"),
    };
    let start = match q.get("after").map(|a| a.parse::<usize>()) {
        None => 0,
        Some(Ok(a)) if a <= records.len() => a,
        Some(_) => return validation_error("after is not a valid paging cursor"),
    };
    let requested: Vec<&str> = q
        .get("properties")
        .map(|p| p.split(',').collect())
        .unwrap_or_default();
    let end = (start + limit).min(records.len());
    let associations: Vec<&str> = q
        .get("associations")
        .map(|a| a.split(',').collect())
        .unwrap_or_default();
    let results: Vec<Value> = records[start..end]
        .iter()
        .map(|r| {
            let mut json = record_json(r, &requested);
            if let Some(with) = associations::embedded(&state, &object_type, r, &associations) {
                json["associations"] = with;
            }
            json
        })
        .collect();
    let mut body = json!({"results": results});
    if end < records.len() {
        let link = format!(
            "{}/hubspot/crm/v3/objects/{object_type}?after={end}",
            state.base_url
        );
        body["paging"] = json!({"next": {"after": end.to_string(), "link": link}});
    }
    let mut response = state.finish(&knobs, body);
    if let Some(budget) = budget {
        rate_headers(&mut response, &budget);
    }
    response
}

fn rate_headers(response: &mut Response, budget: &Budget) {
    let headers = response.headers_mut();
    headers.insert("x-hubspot-ratelimit-max", budget.max.into());
    headers.insert("x-hubspot-ratelimit-remaining", budget.remaining.into());
    headers.insert(
        "x-hubspot-ratelimit-interval-milliseconds",
        (budget.window.as_millis() as u64).into(),
    );
}
