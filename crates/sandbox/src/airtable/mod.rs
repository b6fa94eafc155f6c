//! Airtable's data API as documented: `/v0/meta/whoami`, `/v0/meta/bases` (offset),
//! `/v0/meta/bases/{id}/tables`, and `/v0/{base}/{table}` records (pageSize ≤ 100, offset).
//! 5 requests/s per base; exceeding it locks the base for 30 s. OAuth is in `oauth.rs`.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::faults::{Limit, Verdict};
use crate::tokens::bearer;
use crate::{AppState, Knobs};

mod oauth;
#[cfg(feature = "faults")]
mod payloads;
mod records;
mod webhooks;

pub use records::attachment_links;

pub(crate) use webhooks::Webhooks;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth2/v1/authorize", get(oauth::authorize))
        .route("/oauth2/v1/token", post(oauth::token))
        .route("/v0/meta/whoami", get(whoami))
        .route("/v0/meta/bases", get(bases))
        .route("/v0/meta/bases/{base}/tables", get(tables))
        .route("/v0/{base}/{table}", get(records::records))
        .route("/v0/{base}/{table}/{record}", get(records::record))
        .route(
            "/v0/bases/{base}/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/v0/bases/{base}/webhooks/{id}",
            axum::routing::delete(webhooks::delete),
        )
        .route(
            "/v0/bases/{base}/webhooks/{id}/refresh",
            post(webhooks::refresh),
        )
        .route(
            "/v0/bases/{base}/webhooks/{id}/payloads",
            get(webhooks::payloads),
        )
}

pub(super) fn api_error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"type": kind, "message": message}})),
    )
        .into_response()
}

/// Authenticates (the token must carry every one of `scopes`), then applies the per-base limit
/// (with its lockout) and the fault knobs.
pub(super) async fn guard(
    app: &AppState,
    headers: &HeaderMap,
    scopes: &[&str],
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
    if !scopes
        .iter()
        .all(|scope| grant.scopes.iter().any(|s| s == scope))
    {
        return Err(api_error(
            StatusCode::FORBIDDEN,
            "INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND",
            "Invalid permissions, or the requested model was not found.",
        ));
    }
    let knobs = app.knobs();
    // The workspace's monthly API calls (Managing API call limits,
    // https://support.airtable.com/docs/managing-api-call-limits-in-airtable: Free 1,000 a month,
    // Team 100,000, shared by every integration of the workspace). Once they are spent data
    // requests answer 429 PUBLIC_API_BILLING_LIMIT_EXCEEDED until the month turns, while the
    // metadata endpoints keep answering (as reported by people who met it; Airtable's page does
    // not say) — so the sandbox counts every call and refuses only record listings.
    let used = app.counters.airtable_month_calls.load(Ordering::SeqCst);
    if scopes == ["data.records:read"]
        && knobs.airtable_monthly_calls > 0
        && used >= knobs.airtable_monthly_calls
    {
        app.counters.rate_limited.fetch_add(1, Ordering::SeqCst);
        return Err(api_error(
            StatusCode::TOO_MANY_REQUESTS,
            "PUBLIC_API_BILLING_LIMIT_EXCEEDED",
            "API billing plan limit exceeded. You've reached the maximum number of requests allowed for this month.",
        ));
    }
    app.counters
        .airtable_month_calls
        .fetch_add(1, Ordering::SeqCst);
    // 5 requests per second per base; over it, every request to that base is refused for the
    // 30 s lockout. A user-wide limit only when a test sets one (documented for personal access
    // tokens alone): over it, the user's.
    let lockout = Duration::from_millis(knobs.airtable_lockout_ms);
    let mut limits = vec![Limit {
        key: format!("airtable:{base_key}"),
        max: knobs.airtable_rate_per_sec,
        window: Duration::from_secs(1),
        lockout,
    }];
    if knobs.airtable_user_rate_per_sec > 0 {
        limits.push(Limit {
            key: "airtable-user".into(), // the sandbox has one Airtable user
            max: knobs.airtable_user_rate_per_sec,
            window: Duration::from_secs(1),
            lockout,
        });
    }
    match app.faults.check_all(&knobs, limits).await {
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
    // A call like any other for the month's count (it needs no scope, so no quota refuses it).
    app.counters
        .airtable_month_calls
        .fetch_add(1, Ordering::SeqCst);
    let mut body = json!({"id": app.data().airtable.user_id, "scopes": grant.scopes});
    if grant.scopes.iter().any(|s| s == "user.email:read") {
        body["email"] = app.data().airtable.email.clone().into();
    }
    Json(body).into_response()
}

/// Where a listing's offset points: `itr{position}t{issued}/{next id}` (the real one is opaque,
/// `itr…/rec…`), `issued` being the sandbox clock's milliseconds when it was handed out.
pub(super) fn cursor(
    q: &HashMap<String, String>,
    len: usize,
) -> Result<(usize, Option<u64>), Response> {
    let Some(offset) = q.get("offset") else {
        return Ok((0, None));
    };
    let head = offset.strip_prefix("itr").and_then(|o| o.split('/').next());
    let (position, issued) = match head.map(|h| h.split_once('t').unwrap_or((h, ""))) {
        Some((position, issued)) => (position.parse::<usize>().ok(), issued.parse::<u64>().ok()),
        None => (None, None),
    };
    match position.filter(|p| *p <= len) {
        Some(position) => Ok((position, issued)),
        None => Err(api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_OFFSET_VALUE",
            "The offset is invalid",
        )),
    }
}

/// An offset for the listing's next page, at `position`, before the item `next_id`.
pub(super) fn offset_at(position: usize, next_id: &str) -> String {
    format!("itr{position}t{}/{next_id}", crate::clock_ms())
}

async fn bases(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let knobs = match guard(&app, &headers, &["schema.bases:read"], "meta").await {
        Ok(knobs) => knobs,
        Err(response) => return response,
    };
    let data = app.data();
    let all = &data.airtable.bases;
    let start = match cursor(&q, all.len()) {
        Ok((start, _)) => start,
        Err(response) => return response,
    };
    let end = (start + knobs.airtable_bases_page_size.max(1)).min(all.len());
    let page: Vec<Value> = all[start..end]
        .iter()
        .map(|b| json!({"id": b.id, "name": b.name, "permissionLevel": b.permission_level}))
        .collect();
    let mut body = json!({"bases": page});
    if end < all.len() {
        body["offset"] = offset_at(end, &all[end].id).into();
    }
    app.finish(&knobs, body)
}

async fn tables(
    State(app): State<AppState>,
    Path(base): Path<String>,
    headers: HeaderMap,
) -> Response {
    let knobs = match guard(&app, &headers, &["schema.bases:read"], &base).await {
        Ok(knobs) => knobs,
        Err(response) => return response,
    };
    if knobs.airtable_failing_base.as_deref() == Some(base.as_str()) {
        app.counters.faults.fetch_add(1, Ordering::SeqCst);
        return api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "The service is temporarily unavailable.",
        );
    }
    let data = app.data();
    let Some(found) = data.airtable.bases.iter().find(|b| b.id == base) else {
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
            let fields: Vec<Value> = t.fields.iter().map(|(id, name, kind)| field_json(id, name, kind)).collect();
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

/// A field as the schema gives it (Field model, https://airtable.com/developers/web/api/field-model):
/// a formula carries its result's type in `options.result`.
fn field_json(id: &str, name: &str, kind: &str) -> Value {
    let mut field = json!({"id": id, "name": name, "type": kind});
    if kind == "formula" {
        field["options"] = json!({"formula": "{Estimate} * 2", "isValid": true, "referencedFieldIds": [],
            "result": {"type": "number", "options": {"precision": 0}}});
    }
    field
}
