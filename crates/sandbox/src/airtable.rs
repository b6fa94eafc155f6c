//! Airtable as documented: `/oauth2/v1/authorize` (PKCE S256 mandatory, state 16–1024 chars of
//! `[A-Za-z0-9._-]`), `/oauth2/v1/token` (Basic client auth when the integration has a secret and
//! forbidden when it has none; rotating single-use refresh tokens, 409 on a concurrent refresh),
//! `/v0/meta/whoami`, `/v0/meta/bases` (offset), `/v0/meta/bases/{id}/tables`, and
//! `/v0/{base}/{table}` records (pageSize ≤ 100, offset). 5 requests/s per base; exceeding it
//! locks the base for 30 s.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use url::Url;

use crate::faults::{Limit, Verdict};
use crate::tokens::{basic_auth, bearer, s256, CodeGrant, RefreshUse};
use crate::{AppState, Knobs, CLIENT_ID, CLIENT_SECRET, PUBLIC_CLIENT_ID};

const SCOPES: [&str; 2] = ["schema.bases:read", "data.records:read"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/v1/authorize", get(authorize))
        .route("/oauth2/v1/token", post(token))
        .route("/v0/meta/whoami", get(whoami))
        .route("/v0/meta/bases", get(bases))
        .route("/v0/meta/bases/{base}/tables", get(tables))
        .route("/v0/{base}/{table}", get(records))
}

fn valid_state(state: &str) -> bool {
    (16..=1024).contains(&state.len())
        && state
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

async fn authorize(
    State(app): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let client = q.get("client_id").map(String::as_str).unwrap_or("");
    if client != CLIENT_ID && client != PUBLIC_CLIENT_ID {
        return (
            StatusCode::BAD_REQUEST,
            "Airtable sandbox: unknown client_id",
        )
            .into_response();
    }
    // A redirect URI Airtable does not know gets no error redirect: the user is stuck here.
    let Some(redirect) = q.get("redirect_uri").and_then(|r| Url::parse(r).ok()) else {
        return (
            StatusCode::BAD_REQUEST,
            "Airtable sandbox: invalid redirect_uri",
        )
            .into_response();
    };
    let state = q.get("state").cloned().unwrap_or_default();
    let fail = |error: &str, description: &str| {
        let mut target = redirect.clone();
        target
            .query_pairs_mut()
            .append_pair("error", error)
            .append_pair("error_description", description)
            .append_pair("state", &state);
        Redirect::to(target.as_str()).into_response()
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return fail("unsupported_response_type", "response_type must be code");
    }
    if !valid_state(&state) {
        return fail(
            "invalid_request",
            "state must be 16-1024 characters of [A-Za-z0-9._-]",
        );
    }
    let Some(challenge) = q.get("code_challenge").filter(|c| !c.is_empty()) else {
        return fail("invalid_request", "code_challenge is required");
    };
    if q.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    let scopes: Vec<String> = q
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if scopes.is_empty()
        || scopes
            .iter()
            .any(|s| !SCOPES.contains(&s.as_str()) && s != "user.email:read")
    {
        return fail(
            "invalid_scope",
            "the scopes are not enabled on this integration",
        );
    }
    if app.knobs().deny_consent {
        return fail("access_denied", "The user denied access");
    }
    let code = app.grants.issue_code(CodeGrant {
        provider: "airtable",
        client_id: client.to_owned(),
        redirect_uri: redirect.to_string(),
        code_challenge: Some(challenge.clone()),
        scopes,
        issued: Instant::now(),
    });
    let mut target = redirect;
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    Redirect::to(target.as_str()).into_response()
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Airtable's client rule: Basic is required for an integration with a secret and forbidden for
/// one without; then `client_id` goes in the body.
fn authenticate(headers: &HeaderMap, form: &HashMap<String, String>) -> Result<String, Response> {
    match basic_auth(headers) {
        Some((id, secret)) if id == CLIENT_ID && secret == CLIENT_SECRET => Ok(id),
        Some((id, _)) if id == PUBLIC_CLIENT_ID => Err(token_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "this integration has no client secret: do not send an Authorization header",
        )),
        Some(_) => Err(token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        )),
        None => match form.get("client_id").map(String::as_str) {
            Some(PUBLIC_CLIENT_ID) => Ok(PUBLIC_CLIENT_ID.to_owned()),
            Some(CLIENT_ID) => Err(token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "this integration has a client secret: use HTTP Basic authentication",
            )),
            _ => Err(token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "unknown client",
            )),
        },
    }
}

async fn token(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let client = match authenticate(&headers, &form) {
        Ok(client) => client,
        Err(response) => return response,
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let scopes = match field("grant_type") {
        "authorization_code" => {
            let Some(grant) = app.grants.take_code("airtable", field("code")) else {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the authorization code is invalid or was already used",
                );
            };
            let verifier = field("code_verifier");
            let verifier_ok = (43..=128).contains(&verifier.len())
                && grant.code_challenge.as_deref() == Some(s256(verifier).as_str());
            if grant.issued.elapsed() > Duration::from_secs(600)
                || grant.client_id != client
                || grant.redirect_uri != field("redirect_uri")
                || !verifier_ok
            {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the code, client, redirect_uri or code_verifier does not match",
                );
            }
            grant.scopes
        }
        "refresh_token" => match app
            .grants
            .use_refresh("airtable", field("refresh_token"), true)
        {
            RefreshUse::Valid(scopes) => {
                app.counters.refreshes.fetch_add(1, Ordering::SeqCst);
                scopes
            }
            RefreshUse::Conflict => {
                return token_error(
                    StatusCode::CONFLICT,
                    "invalid_grant",
                    "the refresh token was refreshed recently (concurrent refresh)",
                );
            }
            RefreshUse::Invalid => {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the refresh token is invalid or expired",
                )
            }
        },
        _ => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type must be authorization_code or refresh_token",
            )
        }
    };
    let ttl = Duration::from_secs(app.knobs().access_token_ttl_secs);
    let (access, refresh) = app
        .grants
        .issue_tokens("airtable", scopes.clone(), ttl, None);
    Json(json!({
        "access_token": access, "refresh_token": refresh, "token_type": "Bearer", "scope": scopes.join(" "),
        "expires_in": ttl.as_secs(), "refresh_expires_in": 5_184_000,
    }))
    .into_response()
}

fn api_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"type": kind, "message": message}})),
    )
        .into_response()
}

/// Authenticates, then applies the per-base limit (with its lockout) and the fault knobs.
async fn guard(
    app: &AppState,
    headers: &HeaderMap,
    scope: &str,
    base_key: &str,
) -> Result<Knobs, Response> {
    app.counters.api_requests.fetch_add(1, Ordering::SeqCst);
    let Some(grant) = app.grants.access("airtable", &bearer(headers)) else {
        return Err(api_error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_REQUIRED",
            "Invalid authentication token",
        ));
    };
    if !grant.scopes.iter().any(|s| s == scope) {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
            "Invalid permissions, or the requested model was not found.",
        ));
    }
    let knobs = app.knobs();
    let limit = Limit {
        key: format!("airtable:{base_key}"),
        max: knobs.airtable_rate_per_sec,
        window: Duration::from_secs(1),
        lockout: Duration::from_millis(knobs.airtable_lockout_ms),
    };
    match app.faults.check(&knobs, Some(limit)).await {
        Verdict::Serve(_) => Ok(knobs),
        Verdict::RateLimited(_) => {
            app.counters.rate_limited.fetch_add(1, Ordering::SeqCst);
            Err(api_error(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMIT_REACHED",
                "Rate limit exceeded. Please try again later",
            ))
        }
        Verdict::Fail(status) => {
            app.counters.faults.fetch_add(1, Ordering::SeqCst);
            Err(api_error(
                status,
                "SERVER_ERROR",
                "Try again. If the problem persists, contact support.",
            ))
        }
    }
}

async fn whoami(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some(grant) = app.grants.access("airtable", &bearer(&headers)) else {
        return api_error(
            StatusCode::UNAUTHORIZED,
            "AUTHENTICATION_REQUIRED",
            "Invalid authentication token",
        );
    };
    let mut body = json!({"id": app.dataset.airtable.user_id, "scopes": grant.scopes});
    if grant.scopes.iter().any(|s| s == "user.email:read") {
        body["email"] = app.dataset.airtable.email.clone().into();
    }
    Json(body).into_response()
}

fn cursor(q: &HashMap<String, String>, len: usize) -> Result<usize, Response> {
    match q.get("offset") {
        None => Ok(0),
        Some(offset) => offset
            .strip_prefix("itr")
            .and_then(|o| o.split('/').next())
            .and_then(|o| o.parse::<usize>().ok())
            .filter(|o| *o <= len)
            .ok_or_else(|| {
                api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "LIST_RECORDS_ITERATOR_NOT_AVAILABLE",
                    "The offset is invalid",
                )
            }),
    }
}

async fn bases(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let knobs = match guard(&app, &headers, "schema.bases:read", "meta").await {
        Ok(knobs) => knobs,
        Err(response) => return response,
    };
    let all = &app.dataset.airtable.bases;
    let start = match cursor(&q, all.len()) {
        Ok(start) => start,
        Err(response) => return response,
    };
    let end = (start + knobs.airtable_bases_page_size.max(1)).min(all.len());
    let page: Vec<Value> = all[start..end]
        .iter()
        .map(|b| json!({"id": b.id, "name": b.name, "permissionLevel": b.permission_level}))
        .collect();
    let mut body = json!({"bases": page});
    if end < all.len() {
        body["offset"] = format!("itr{end}/{}", all[end].id).into();
    }
    app.finish(&knobs, body)
}

async fn tables(
    State(app): State<AppState>,
    Path(base): Path<String>,
    headers: HeaderMap,
) -> Response {
    let knobs = match guard(&app, &headers, "schema.bases:read", &base).await {
        Ok(knobs) => knobs,
        Err(response) => return response,
    };
    let Some(found) = app.dataset.airtable.bases.iter().find(|b| b.id == base) else {
        return api_error(
            StatusCode::FORBIDDEN,
            "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
            "Invalid permissions, or the requested model was not found.",
        );
    };
    let tables: Vec<Value> = found
        .tables
        .iter()
        .map(|t| {
            let fields: Vec<Value> = t.fields.iter().map(|(id, name, kind)| json!({"id": id, "name": name, "type": kind})).collect();
            let views: Vec<Value> = t.views.iter().map(|(id, name)| json!({"id": id, "name": name, "type": "grid"})).collect();
            let mut table = json!({"id": t.id, "name": t.name, "primaryFieldId": t.fields[0].0, "fields": fields, "views": views});
            if let Some(description) = &t.description {
                table["description"] = description.clone().into();
            }
            table
        })
        .collect();
    app.finish(&knobs, json!({"tables": tables}))
}

async fn records(
    State(app): State<AppState>,
    Path((base, table)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let knobs = match guard(&app, &headers, "data.records:read", &base).await {
        Ok(knobs) => knobs,
        Err(response) => return response,
    };
    let found = app
        .dataset
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
    let start = match cursor(&q, found.records.len()) {
        Ok(start) => start,
        Err(response) => return response,
    };
    let end = (start + page_size).min(found.records.len());
    let page: Vec<Value> = found.records[start..end]
        .iter()
        .map(|r| json!({"id": r.id, "createdTime": r.created_time, "fields": r.fields}))
        .collect();
    let mut body = json!({"records": page});
    if end < found.records.len() {
        body["offset"] = format!("itr{end}/{}", found.records[end].id).into();
    }
    app.finish(&knobs, body)
}
