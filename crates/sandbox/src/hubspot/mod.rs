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
use crate::faults::{Budget, Limit, Verdict};
use crate::tokens::{bearer, s256, CodeGrant, OnReuse, RefreshUse};
use crate::{AppState, CLIENT_ID, CLIENT_SECRET};
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

fn unauthorized() -> Response {
    let body = json!({"status": "error", "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication.",
        "correlationId": "00000000-0000-0000-0000-000000000001", "category": "INVALID_AUTHENTICATION"});
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

fn validation_error(message: &str) -> Response {
    let body = json!({"status": "error", "message": message, "correlationId": "00000000-0000-0000-0000-000000000002", "category": "VALIDATION_ERROR"});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
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

/// What a guard that let a request through gives: the knobs, the window's state and the data.
type Granted = (
    crate::Knobs,
    Option<Budget>,
    std::sync::Arc<crate::dataset::Dataset>,
);

/// What every CRM read of an object type goes through: the bearer token, the failing-object
/// knob, the rolling window (a 429 with HubSpot's body and headers), the object type and one
/// of its read scopes. Gives [`Granted`] and the type.
pub(crate) async fn crm_guard(
    state: &AppState,
    headers: &HeaderMap,
    object_type: &str,
) -> Result<
    (
        crate::Knobs,
        Option<Budget>,
        std::sync::Arc<crate::dataset::Dataset>,
        ObjectType,
    ),
    Response,
> {
    let portal_id = state.data().hubspot.portal_id;
    // Checked after the token, as HubSpot does: an unknown type with no token is a 401.
    let kind = ObjectType::parse(portal_id, object_type);
    let scopes = kind.map(ObjectType::scopes).unwrap_or_default();
    let (knobs, budget, data) = api_guard(state, headers, object_type, scopes).await?;
    let Some(kind) = kind else {
        return Err((StatusCode::NOT_FOUND, Json(json!({"status": "error", "message": "Unable to infer object type", "category": "OBJECT_NOT_FOUND"}))).into_response());
    };
    Ok((knobs, budget, data, kind))
}

/// The window `start..end` of a list of `len` that a request's `limit` (default `default`, at
/// most `max`) and `after` cursor ask for; a bad one is HubSpot's validation error.
pub(crate) fn page_bounds(
    q: &HashMap<String, String>,
    default: usize,
    max: usize,
    len: usize,
) -> Result<(usize, usize), Response> {
    let limit = match q.get("limit").map(|l| l.parse::<usize>()) {
        None => default,
        Some(Ok(l)) if (1..=max).contains(&l) => l,
        Some(_) => {
            return Err(validation_error(&format!(
                "limit: Must be between 1 and {max}"
            )))
        }
    };
    let start = match q.get("after").map(|a| a.parse::<usize>()) {
        None => 0,
        Some(Ok(a)) if a <= len => a,
        Some(_) => return Err(validation_error("after is not a valid paging cursor")),
    };
    Ok((start, (start + limit).min(len)))
}

/// `{inputs: [{id, after?}]}` of a batch request, at most `max` of them.
pub(crate) fn batch_inputs(
    body: &Value,
    max: usize,
) -> Result<Vec<(String, Option<usize>)>, Response> {
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

/// A batch answer that completed: `{status: COMPLETE, results, startedAt, completedAt}`.
pub(crate) fn batch_answer(results: Vec<Value>) -> Value {
    json!({"status": "COMPLETE", "results": results, "startedAt": STAMP, "completedAt": STAMP})
}

/// [`crm_guard`] for any API: the token, faults and window, then one of `scopes` (none: any
/// token). `what` names the object type for the failing-object knob.
pub(crate) async fn api_guard(
    state: &AppState,
    headers: &HeaderMap,
    what: &str,
    scopes: &[&str],
) -> Result<Granted, Response> {
    state.counters.api_requests.fetch_add(1, Ordering::SeqCst);
    let token = bearer(headers);
    let Some(grant) = state.grants.access("hubspot", &token) else {
        return Err(unauthorized());
    };
    let knobs = state.knobs();
    if knobs.hubspot_failing_object.as_deref() == Some(what) {
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
    if !scopes.is_empty() && !scopes.iter().any(|s| grant.scopes.iter().any(|g| g == s)) {
        // The observed body (HubSpot/hubspot-api-nodejs#268): 403, MISSING_SCOPES, the
        // scopes any of which would do in `errors[].context.requiredScopes`.
        let body = json!({"status": "error", "message": "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
            "correlationId": "00000000-0000-0000-0000-000000000005",
            "errors": [{"message": "One or more of the following scopes are required.", "context": {"requiredScopes": scopes}}],
            "links": {"scopes": "https://developers.hubspot.com/scopes"}, "category": "MISSING_SCOPES"});
        return Err((StatusCode::FORBIDDEN, Json(body)).into_response());
    }
    Ok((knobs, budget, state.data()))
}

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
    let records = kind.records(&data);
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
        .map(|r| record_json(r, &requested, knobs.hubspot_extra_properties))
        .collect();
    let mut body = json!({"results": results});
    if end < records.len() {
        let link = format!(
            "{}/hubspot/crm/v3/objects/{object_type}?after={end}",
            state.base_url
        );
        body["paging"] = json!({"next": {"after": end.to_string(), "link": link}});
    }
    answer(&state, &knobs, budget, body)
}

/// A CRM answer with the window's `X-HubSpot-RateLimit-*` headers, which HubSpot sends with
/// every answer ("rate limit headers will now appear for OAuth-authenticated calls").
pub(crate) fn answer(
    state: &AppState,
    knobs: &crate::Knobs,
    budget: Option<Budget>,
    body: Value,
) -> Response {
    let mut response = state.finish(knobs, body);
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
