//! Airtable's OAuth as documented: `/oauth2/v1/authorize` (PKCE S256 mandatory, state 16–1024
//! chars of `[A-Za-z0-9._-]`, no error redirect for an unknown redirect URI) and `/oauth2/v1/token`
//! (Basic client auth when the integration has a secret, forbidden when it has none; codes single
//! use; rotating single-use refresh tokens, and a grant revoked when one is used twice).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde_json::json;

use crate::tokens::{basic_auth, s256, CodeGrant, OnReuse, RefreshUse};
use crate::{AppState, CLIENT_ID, CLIENT_SECRET, PUBLIC_CLIENT_ID};

const SCOPES: [&str; 2] = ["schema.bases:read", "data.records:read"];
/// Scopes the integration may or may not have enabled (knobs turn them off).
const OPTIONAL_SCOPES: [&str; 2] = ["user.email:read", "webhook:manage"];

fn valid_state(state: &str) -> bool {
    (16..=1024).contains(&state.len())
        && state
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub(super) async fn authorize(
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
    let Some(redirect) = q
        .get("redirect_uri")
        .and_then(|r| crate::tokens::registered_redirect(r))
    else {
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
    let knobs = app.knobs();
    let off = |s: &str| match s {
        "user.email:read" => knobs.airtable_email_scope_off,
        _ => knobs.airtable_webhook_scope_off,
    };
    let enabled = |s: &String| {
        SCOPES.contains(&s.as_str()) || (OPTIONAL_SCOPES.contains(&s.as_str()) && !off(s))
    };
    if scopes.is_empty() || !scopes.iter().all(enabled) {
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

pub(super) async fn token(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let client = match authenticate(&headers, &form) {
        Ok(client) => client,
        Err(response) => return response,
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    let mut grant_family = None;
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
            app.grants.note_secret(verifier);
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
        "refresh_token" => match app.grants.use_refresh(
            "airtable",
            field("refresh_token"),
            true,
            OnReuse::RevokeGrant,
        ) {
            RefreshUse::Valid(scopes, family) => {
                app.counters.refreshes.fetch_add(1, Ordering::SeqCst);
                grant_family = Some(family);
                scopes
            }
            // Airtable's refresh tokens are single use, and a refresh token used twice revokes the integration's grant ("The most common
            // reason for revocations is when a refresh token is used more than once",
            // https://support.airtable.com/docs/troubleshooting-oauth-integrations-in-airtable).
            RefreshUse::Reused => {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the refresh token was already used; the integration's access was revoked",
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
    let (access, refresh) =
        app.grants
            .issue_tokens("airtable", scopes.clone(), ttl, None, grant_family);
    let body = json!({
        "access_token": access, "refresh_token": refresh, "token_type": "Bearer", "scope": scopes.join(" "),
        "expires_in": ttl.as_secs(), "refresh_expires_in": 5_184_000,
    });
    if grant_family.is_some() && app.take(|k| &mut k.airtable_lose_refresh_answers) {
        // Rotated, but the answer never arrives whole.
        return crate::faults::dropped_connection(body.to_string());
    }
    Json(body).into_response()
}
