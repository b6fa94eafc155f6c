//! What every HubSpot API request goes through in the sandbox: the bearer token, the failing-
//! object knob, faults, a rate limit (the app's rolling window, or an API's own, as the CRM
//! search has) answered with HubSpot's 429, and the scopes; HubSpot's error bodies; paging and
//! batch inputs; the rate-limit headers of its answers.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::objects::ObjectType;
use super::STAMP;
use crate::faults::{Budget, Limit, Verdict};
use crate::tokens::bearer;
use crate::AppState;
use std::collections::HashMap;

pub(crate) fn unauthorized() -> Response {
    let body = json!({"status": "error", "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication.",
        "correlationId": "00000000-0000-0000-0000-000000000001", "category": "INVALID_AUTHENTICATION"});
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

pub(crate) fn validation_error(message: &str) -> Response {
    let body = json!({"status": "error", "message": message, "correlationId": "00000000-0000-0000-0000-000000000002", "category": "VALIDATION_ERROR"});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// What a guard that let a request through gives: the knobs, the window's state and the data.
pub(crate) type Granted = (
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
    let knobs = state.knobs();
    let limit = Limit {
        key: format!("hubspot:{}", bearer(headers)),
        max: knobs.rate_limit_max,
        window: Duration::from_millis(knobs.rate_limit_window_ms.max(1)),
        lockout: Duration::ZERO,
    };
    guarded(state, headers, what, scopes, limit, window_refusal).await
}

/// The rolling window's 429, with its headers.
pub(crate) fn window_refusal(budget: &Budget) -> Response {
    let body = json!({"status": "error", "message": "You have reached your ten_secondly_rolling limit.", "errorType": "RATE_LIMIT",
        "correlationId": "00000000-0000-0000-0000-000000000003", "policyName": "TEN_SECONDLY_ROLLING", "requestId": "sandbox"});
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    rate_headers(&mut response, budget);
    response
}

/// The token, faults and `limit` (answered with `refusal` when spent), then one of `scopes`.
pub(crate) async fn guarded(
    state: &AppState,
    headers: &HeaderMap,
    what: &str,
    scopes: &[&str],
    limit: Limit,
    refusal: fn(&Budget) -> Response,
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
    let budget = match state.faults.check(&knobs, Some(limit)).await {
        Verdict::Serve(budget) => budget,
        Verdict::RateLimited(budget) => {
            state.counters.rate_limited.fetch_add(1, Ordering::SeqCst);
            return Err(refusal(&budget));
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

pub(crate) fn rate_headers(response: &mut Response, budget: &Budget) {
    let headers = response.headers_mut();
    headers.insert("x-hubspot-ratelimit-max", budget.max.into());
    headers.insert("x-hubspot-ratelimit-remaining", budget.remaining.into());
    headers.insert(
        "x-hubspot-ratelimit-interval-milliseconds",
        (budget.window.as_millis() as u64).into(),
    );
}
