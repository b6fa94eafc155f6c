//! Airtable's Webhooks API as documented (<https://airtable.com/developers/web/api/webhooks-overview>):
//! create (`POST /v0/bases/{base}/webhooks`), list, refresh, delete, and list payloads by cursor
//! (`GET …/webhooks/{id}/payloads`, at most 50 a page, `mightHaveMore`). A webhook made through
//! OAuth "will expire and be disabled after 7 days" unless refreshed or its payloads listed (each
//! extends it to 7 days after the call); its metadata and payloads stay readable for 7 more
//! days; "Payloads are deleted from Airtable's servers after 1 week whether or not the client
//! has seen them. The cursor value for the next payload is never reset"; "A single OAuth
//! integration can create up to 2 webhooks per base." No notification URL is needed: the
//! sandbox sends no pings, payloads are read by cursor.
//!
//! Payloads are made from the data itself, at every edit (`payloads.rs`).
//!
//! Not documented, so chosen here: an expired or deleted webhook's payloads and refresh answer
//! `404 NOT_FOUND`, refreshing a disabled one `422 CANNOT_REFRESH_DISABLED_WEBHOOK`; a cursor
//! whose payloads were deleted lists from the oldest one kept (a gap a client can see: the
//! first payload's number is past the cursor); a third webhook of the integration in one base is
//! `422 TOO_MANY_WEBHOOKS_BY_OAUTH_INTEGRATION_IN_BASE`.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

use super::{api_error, guard};
use crate::AppState;

/// Webhooks per base an OAuth integration may make (the sandbox has one integration).
const PER_INTEGRATION_AND_BASE: usize = 2;
/// Payloads one listing gives at most.
const MAX_LIMIT: usize = 50;
/// The scope every Webhooks API endpoint needs.
const MANAGE: &str = "webhook:manage";

/// One webhook.
#[derive(Debug, Clone)]
pub(super) struct Hook {
    id: String,
    pub(super) base: String,
    /// The specification's `options`, as given.
    options: Value,
    pub(super) data_types: Vec<String>,
    /// When it expires (wall clock, ms): a webhook life (the knob's, when it was made,
    /// refreshed or its payloads listed last) after then. It is gone a life after that.
    expires_ms: i64,
    /// Whether it was disabled once its life ran out (it never comes back).
    disabled: bool,
    /// `(number, made at ms, payload)`, oldest first; the first number is 1.
    pub(super) payloads: Vec<(u64, i64, Value)>,
    pub(super) next_cursor: u64,
}

/// Every webhook of the sandbox's bases.
#[derive(Debug, Default)]
pub(crate) struct Webhooks {
    pub(super) hooks: Mutex<Vec<Hook>>,
    made: Mutex<u64>,
}

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub(super) fn time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Webhooks {
    /// Every webhook, locked.
    pub(super) fn all(&self) -> std::sync::MutexGuard<'_, Vec<Hook>> {
        self.hooks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Hook {
    /// Enabled now; disabled for good once it expired.
    pub(super) fn enabled(&mut self, now: i64) -> bool {
        if now >= self.expires_ms {
            self.disabled = true;
        }
        !self.disabled
    }

    /// Gone for good (a webhook life after it expired, for a life of `life_ms`).
    fn gone(&self, life_ms: i64, now: i64) -> bool {
        now >= self.expires_ms.saturating_add(life_ms)
    }

    /// Its expiry, as the API shows it.
    fn expiration(&self) -> String {
        time_text(self.expires_ms)
    }

    fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "areNotificationsEnabled": false,
            "cursorForNextPayload": self.next_cursor,
            "isHookEnabled": !self.disabled,
            "lastSuccessfulNotificationTime": null,
            "notificationUrl": null,
            "expirationTime": self.expiration(),
            "lastNotificationResult": null,
            "specification": {"options": self.options},
        })
    }
}

/// The scopes a webhook's `dataTypes` need beside `webhook:manage` (Webhooks overview,
/// Authorization): `data.records:read` for `tableData`, `schema.bases:read` for the others.
fn scopes_for(data_types: &[String]) -> Vec<&'static str> {
    let mut scopes = vec![MANAGE];
    if data_types.iter().any(|d| d == "tableData") {
        scopes.push("data.records:read");
    }
    if data_types.iter().any(|d| d != "tableData") {
        scopes.push("schema.bases:read");
    }
    scopes
}

fn not_found() -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "Could not find the webhook.",
    )
}

fn life_ms(app: &AppState) -> i64 {
    i64::try_from(app.knobs().airtable_webhook_life_ms).unwrap_or(i64::MAX / 4)
}

/// What the endpoints that manage webhooks check first (`webhook:manage`, the base's pace),
/// then the knobs, the webhook life and the clock.
async fn managed(
    app: &AppState,
    headers: &HeaderMap,
    base: &str,
) -> Result<(crate::Knobs, i64, i64), Response> {
    let knobs = guard(app, headers, &[MANAGE], base).await?;
    Ok((knobs, life_ms(app), now_ms()))
}

/// `POST /v0/bases/{baseId}/webhooks`.
pub(super) async fn create(
    State(app): State<AppState>,
    Path(base): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let options = body["specification"]["options"].clone();
    let data_types: Vec<String> = (options["filters"]["dataTypes"]
        .as_array()
        .into_iter()
        .flatten())
    .filter_map(|d| d.as_str().map(str::to_owned))
    .collect();
    let known = ["tableData", "tableFields", "tableMetadata"];
    if data_types.is_empty() || !data_types.iter().all(|d| known.contains(&d.as_str())) {
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_WEBHOOK_SPECIFICATION",
            "specification.options.filters.dataTypes must list tableData, tableFields or tableMetadata",
        );
    }
    let knobs = match guard(&app, &headers, &scopes_for(&data_types), &base).await {
        Ok(knobs) => knobs,
        Err(response) => return response,
    };
    if !app.data().airtable.bases.iter().any(|b| b.id == base) {
        return api_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Could not find the base.",
        );
    }
    let life = life_ms(&app);
    let mut hooks = app.webhooks.all();
    if hooks.iter().filter(|h| h.base == base).count() >= PER_INTEGRATION_AND_BASE {
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "TOO_MANY_WEBHOOKS_BY_OAUTH_INTEGRATION_IN_BASE",
            "A single OAuth integration can create up to 2 webhooks per base.",
        );
    }
    let number = {
        let mut made = app.webhooks.made.lock().unwrap_or_else(|p| p.into_inner());
        *made += 1;
        *made
    };
    let hook = Hook {
        id: format!("ach{number:014}"),
        base,
        options,
        data_types,
        expires_ms: now_ms().saturating_add(life),
        disabled: false,
        payloads: Vec::new(),
        next_cursor: 1,
    };
    let answer = json!({"id": hook.id, "macSecretBase64": "c2FuZGJveC1tYWMtc2VjcmV0", "expirationTime": hook.expiration()});
    hooks.push(hook);
    app.finish(&knobs, answer)
}

/// `GET /v0/bases/{baseId}/webhooks`.
pub(super) async fn list(
    State(app): State<AppState>,
    Path(base): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (knobs, life, now) = match managed(&app, &headers, &base).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let mut hooks = app.webhooks.all();
    // Gone for good 7 days after it expired.
    hooks.retain(|h| !h.gone(life, now));
    let listed: Vec<Value> = (hooks.iter_mut())
        .filter(|h| h.base == base)
        .map(|h| {
            h.enabled(now);
            h.summary()
        })
        .collect();
    app.finish(&knobs, json!({"webhooks": listed}))
}

/// `POST /v0/bases/{baseId}/webhooks/{webhookId}/refresh`.
pub(super) async fn refresh(
    State(app): State<AppState>,
    Path((base, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (knobs, life, now) = match managed(&app, &headers, &base).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let mut hooks = app.webhooks.all();
    let Some(hook) = hooks.iter_mut().find(|h| h.base == base && h.id == id) else {
        return not_found();
    };
    if hook.gone(life, now) {
        return not_found();
    }
    if !hook.enabled(now) {
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "CANNOT_REFRESH_DISABLED_WEBHOOK",
            "The webhook is disabled and cannot be refreshed.",
        );
    }
    hook.expires_ms = now.saturating_add(life);
    let answer = json!({"expirationTime": hook.expiration()});
    app.finish(&knobs, answer)
}

/// `DELETE /v0/bases/{baseId}/webhooks/{webhookId}`.
pub(super) async fn delete(
    State(app): State<AppState>,
    Path((base, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (knobs, _, _) = match managed(&app, &headers, &base).await {
        Ok(granted) => granted,
        Err(refused) => return refused,
    };
    let mut hooks = app.webhooks.all();
    let before = hooks.len();
    hooks.retain(|h| !(h.base == base && h.id == id));
    if hooks.len() == before {
        return not_found();
    }
    app.finish(&knobs, json!({}))
}

/// `GET /v0/bases/{baseId}/webhooks/{webhookId}/payloads?cursor=&limit=`.
pub(super) async fn payloads(
    State(app): State<AppState>,
    Path((base, id)): Path<(String, String)>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let data_types = {
        let hooks = app.webhooks.all();
        match hooks.iter().find(|h| h.base == base && h.id == id) {
            Some(hook) => hook.data_types.clone(),
            None => Vec::new(),
        }
    };
    let knobs = match guard(&app, &headers, &scopes_for(&data_types), &base).await {
        Ok(knobs) => knobs,
        Err(response) => return response,
    };
    let number = |name: &str, default: usize| match q.get(name) {
        None => Some(default),
        Some(text) => text.parse::<usize>().ok().filter(|n| *n >= 1),
    };
    let (Some(cursor), Some(limit)) = (number("cursor", 1), number("limit", MAX_LIMIT)) else {
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_REQUEST_UNKNOWN",
            "cursor and limit are positive numbers",
        );
    };
    let (life, now) = (life_ms(&app), now_ms());
    let retention = i64::try_from(knobs.airtable_payload_retention_ms).unwrap_or(i64::MAX / 4);
    let mut hooks = app.webhooks.all();
    let Some(hook) = hooks.iter_mut().find(|h| h.base == base && h.id == id) else {
        return not_found();
    };
    if hook.gone(life, now) {
        return not_found();
    }
    hook.payloads.retain(|(_, made, _)| now < made + retention);
    // "extend the life of the webhook if it is active with an expiration time".
    if hook.enabled(now) {
        hook.expires_ms = now.saturating_add(life);
    }
    let page: Vec<&(u64, i64, Value)> = (hook.payloads.iter())
        .filter(|(n, _, _)| *n >= cursor as u64)
        .take(limit.min(MAX_LIMIT))
        .collect();
    // Past the last payload returned; with none, past every payload made so far when the
    // cursor's own were deleted (the client sees the gap), else the cursor itself.
    let next = page
        .last()
        .map_or((cursor as u64).max(hook.next_cursor), |(n, _, _)| n + 1);
    let answer = json!({
        "payloads": page.iter().map(|(_, _, p)| p.clone()).collect::<Vec<_>>(),
        "cursor": next,
        "mightHaveMore": next < hook.next_cursor,
    });
    app.finish(&knobs, answer)
}
