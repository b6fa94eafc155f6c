//! Notion as documented: `/v1/oauth/authorize` (owner=user, no scopes, no PKCE),
//! `/v1/oauth/token` (HTTP Basic client auth, JSON body, a new access + refresh pair on refresh,
//! no `expires_in`), and `POST /v1/search` (Notion-Version required; page_size ≤ 100,
//! start_cursor / next_cursor / has_more) returning page and database objects under 2022-06-28
//! and page and data source objects (with their `database_parent`) from 2025-09-03 on.
//! About three requests per second; a 429 carries `Retry-After`.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::faults::{Limit, Verdict};
use crate::tokens::{basic_auth, bearer, CodeGrant, OnReuse, RefreshUse};
use crate::{AppState, Knobs, CLIENT_ID, CLIENT_SECRET};

mod blocks;
pub mod content;
mod properties;
mod query;
mod workspace;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/oauth/authorize", get(authorize))
        .route("/v1/oauth/token", post(token))
        .route("/v1/oauth/revoke", post(revoke))
        .route("/v1/search", post(workspace::search))
        .route(
            "/v1/data_sources/{id}/query",
            post(workspace::query_data_source),
        )
        .route("/v1/databases/{id}", get(workspace::database))
        .route("/v1/blocks/{id}", get(blocks::block))
        .route("/v1/blocks/{id}/children", get(blocks::children))
        .route("/v1/pages/{id}", get(blocks::page))
}

pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"object": "error", "status": status.as_u16(), "code": code, "message": message, "request_id": "sandbox"});
    (status, Json(body)).into_response()
}

async fn authorize(
    State(app): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return (
            StatusCode::BAD_REQUEST,
            "Notion sandbox: Missing or invalid client_id",
        )
            .into_response();
    }
    let Some(redirect) = q
        .get("redirect_uri")
        .and_then(|r| crate::tokens::registered_redirect(r))
    else {
        return (
            StatusCode::BAD_REQUEST,
            "Notion sandbox: Missing or invalid redirect_uri",
        )
            .into_response();
    };
    if q.get("response_type").map(String::as_str) != Some("code")
        || q.get("owner").map(String::as_str) != Some("user")
    {
        return (
            StatusCode::BAD_REQUEST,
            "Notion sandbox: response_type=code and owner=user are required",
        )
            .into_response();
    }
    let mut target = redirect.clone();
    {
        let mut pairs = target.query_pairs_mut();
        if app.knobs().deny_consent {
            pairs.append_pair("error", "access_denied");
        } else {
            let code = app.grants.issue_code(CodeGrant {
                provider: "notion",
                client_id: CLIENT_ID.into(),
                redirect_uri: redirect.to_string(),
                code_challenge: None,
                scopes: Vec::new(),
                issued: Instant::now(),
            });
            pairs.append_pair("code", &code);
        }
        pairs.append_pair("state", q.get("state").map(String::as_str).unwrap_or(""));
    }
    Redirect::to(target.as_str()).into_response()
}

/// `POST /v1/oauth/revoke` (Basic auth, `{"token": …}`) → `{"request_id": …}`.
async fn revoke(State(app): State<AppState>, headers: HeaderMap, body: String) -> Response {
    match basic_auth(&headers) {
        Some((id, secret)) if id == CLIENT_ID && secret == CLIENT_SECRET => {}
        _ => return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "Client authentication failed."}))).into_response(),
    }
    let token = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_owned));
    let Some(token) = token else {
        return error(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "body.token should be defined.",
        );
    };
    if app.grants.revoke("notion", &token) {
        app.counters.revocations.fetch_add(1, Ordering::SeqCst);
    }
    Json(json!({"request_id": "00000000-0000-0000-0000-00000000000r"})).into_response()
}

async fn token(State(app): State<AppState>, headers: HeaderMap, body: String) -> Response {
    match basic_auth(&headers) {
        Some((id, secret)) if id == CLIENT_ID && secret == CLIENT_SECRET => {}
        _ => return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client", "error_description": "Client authentication failed."}))).into_response(),
    }
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let Some(form) = is_json
        .then(|| serde_json::from_str::<HashMap<String, Value>>(&body).ok())
        .flatten()
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "The request body could not be decoded as JSON.",
        );
    };
    let field = |k: &str| form.get(k).and_then(Value::as_str).unwrap_or("");
    let invalid_grant = |d: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": d})),
        )
            .into_response()
    };
    let mut grant_family = None;
    match field("grant_type") {
        "authorization_code" => {
            let Some(grant) = app.grants.take_code("notion", field("code")) else {
                return invalid_grant("Invalid code: this code has been revoked.");
            };
            if grant.issued.elapsed() > Duration::from_secs(600)
                || grant.redirect_uri != field("redirect_uri")
            {
                return invalid_grant("Invalid code or redirect_uri.");
            }
        }
        "refresh_token" => {
            match app
                .grants
                .use_refresh("notion", field("refresh_token"), true, OnReuse::Refuse)
            {
                RefreshUse::Valid(_, family) => {
                    app.counters.refreshes.fetch_add(1, Ordering::SeqCst);
                    grant_family = Some(family);
                }
                RefreshUse::Reused | RefreshUse::Invalid => {
                    return invalid_grant("Token has been expired or revoked.")
                }
            }
        }
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "unsupported_grant_type"})),
            )
                .into_response()
        }
    }
    let ttl = Duration::from_secs(app.knobs().access_token_ttl_secs);
    let (access, refresh) = app
        .grants
        .issue_tokens("notion", Vec::new(), ttl, None, grant_family);
    let dataset = app.data();
    let data = &dataset.notion;
    Json(json!({
        "access_token": access, "token_type": "bearer", "refresh_token": refresh, "bot_id": data.bot_id,
        "workspace_id": data.workspace_id, "workspace_name": data.workspace_name, "workspace_icon": null,
        "owner": {"type": "user", "user": {"object": "user", "id": data.owner_id, "name": "Sandbox User", "avatar_url": null,
            "type": "person", "person": {"email": "sandbox.user@example.com"}}},
        "duplicated_template_id": null, "request_id": "sandbox",
    }))
    .into_response()
}

/// What every data request goes through: the token, the version header, the rate limit (9
/// requests in any 3 s) and the fault knobs.
pub(crate) async fn guard(app: &AppState, headers: &HeaderMap) -> Result<crate::Knobs, Response> {
    app.counters.api_requests.fetch_add(1, Ordering::SeqCst);
    let token = bearer(headers);
    if app.grants.access("notion", &token).is_none() {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "API token is invalid.",
        ));
    }
    if headers.get("notion-version").is_none() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "missing_version",
            "Notion-Version header failed validation: Notion-Version header should be defined.",
        ));
    }
    let knobs = app.knobs();
    // Request limits (https://developers.notion.com/reference/request-limits): a restricted
    // connection gets a 429 whose `additional_data.rate_limit_reason` is
    // `public_api_request_blocked` ("Retrying won't help"); an overloaded Notion a 529
    // `service_overload` to be retried like a 429, after `Retry-After`.
    if knobs.notion_blocked {
        app.counters.rate_limited.fetch_add(1, Ordering::SeqCst);
        return Err(rate_limited(
            &knobs,
            "public_api_request_blocked",
            "This connection's API access has been restricted. Retrying won't help.",
        ));
    }
    if app.take(|k| &mut k.notion_overloads) {
        app.counters.faults.fetch_add(1, Ordering::SeqCst);
        let mut response = error(
            StatusCode::from_u16(529).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            "service_overload",
            "Notion is overloaded; please retry after the Retry-After interval.",
        );
        response
            .headers_mut()
            .insert("retry-after", knobs.notion_retry_after_secs.into());
        return Err(response);
    }
    let limit = Limit {
        key: format!("notion:{token}"),
        max: knobs.notion_requests_per_3s,
        window: Duration::from_secs(3),
        lockout: Duration::ZERO,
    };
    match app.faults.check(&knobs, Some(limit)).await {
        Verdict::Serve(_) => {}
        Verdict::RateLimited(_) => {
            app.counters.rate_limited.fetch_add(1, Ordering::SeqCst);
            return Err(rate_limited(
                &knobs,
                "public_api_request_rate_limit",
                "You have been rate limited. Please try again in a few minutes.",
            ));
        }
        Verdict::Fail(status) => {
            app.counters.faults.fetch_add(1, Ordering::SeqCst);
            return Err(error(
                status,
                "service_unavailable",
                "Notion is unavailable, please try again later.",
            ));
        }
    }
    Ok(knobs)
}

/// A 429 `rate_limited` naming the limit hit in `additional_data.rate_limit_reason`, with
/// `Retry-After`.
fn rate_limited(knobs: &Knobs, reason: &str, message: &str) -> Response {
    let body = json!({
        "object": "error",
        "status": 429,
        "code": "rate_limited",
        "message": message,
        "additional_data": {"rate_limit_reason": reason},
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    response
        .headers_mut()
        .insert("retry-after", knobs.notion_retry_after_secs.into());
    response
}
