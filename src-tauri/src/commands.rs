//! The IPC commands of connections and loads: each translates arguments, calls one core service
//! and maps the result.

use std::sync::Arc;

use inlet_core::load::{LoadSummary, ProgressFn};
use inlet_core::providers::LoadRequest;
use inlet_core::services::{
    AuthorizationStart, CallEstimate, ConnectionInfo, Disconnected, IntegrationStatus,
};
use inlet_core::Integration;
use tauri::{AppHandle, State};

use crate::error::{CommandResult, ShellError};
use crate::events::{self, announce_connection, InletEvent, LoadProgressEvent};
use crate::state::AppState;

/// Every integration with its mode (Live or Sandbox) and connection.
#[tauri::command]
#[specta::specta]
pub async fn list_integrations(
    state: State<'_, AppState>,
) -> CommandResult<Vec<IntegrationStatus>> {
    Ok(state.inlet().await?.connections.integrations().await?)
}

/// Opens the system browser at the provider's consent page. The outcome arrives later as a
/// `ConnectionChanged` event (from the deep link or the loopback redirect).
#[tauri::command]
#[specta::specta]
pub async fn connect(
    app: AppHandle,
    state: State<'_, AppState>,
    integration: Integration,
) -> CommandResult<AuthorizationStart> {
    let (start, finished) = state.inlet().await?.sign_in.begin(integration).await?;
    open_browser(&start.open_url)?; // the one-time start page: no state on a command line
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        crate::deep_link::announce(&handle, Some(integration), finished.await)
    });
    Ok(start)
}

/// Opens the browser with a cleaned environment (`inlet_core::browser`).
pub(crate) fn open_browser(url: &str) -> Result<(), ShellError> {
    inlet_core::browser::open_in_browser(url).map_err(ShellError::Browser)
}

/// Revokes the integration's active grant where the provider can and forgets its tokens;
/// answers the account that was disconnected (whose stored items stay until `forget_items` is
/// asked for them) and what became of the grant.
#[tauri::command]
#[specta::specta]
pub async fn disconnect(
    app: AppHandle,
    state: State<'_, AppState>,
    integration: Integration,
) -> CommandResult<Option<Disconnected>> {
    let inlet = state.inlet().await?;
    inlet.loader.cancel(integration); // a load finishing later must not bring items back
    let removed = inlet.connections.disconnect(integration).await?;
    announce_connection(&app, integration, None);
    Ok(removed)
}

/// The connection's metadata: account, scopes, expiry. Never a token.
#[tauri::command]
#[specta::specta]
pub async fn credentials(
    state: State<'_, AppState>,
    integration: Integration,
) -> CommandResult<Option<ConnectionInfo>> {
    Ok(state
        .inlet()
        .await?
        .connections
        .credentials(integration)
        .await?)
}

/// Loads every item into the store — with what `request` asks for beside (records, content) —
/// announcing progress per page as `LoadProgressEvent`; answers with the counts (the grid reads
/// the rows from the store). What the request leaves out and was loaded before stays.
/// `cancel_load` stops it.
#[tauri::command]
#[specta::specta]
pub async fn load(
    app: AppHandle,
    state: State<'_, AppState>,
    integration: Integration,
    request: LoadRequest,
) -> CommandResult<LoadSummary> {
    let progress = progress_events(app.clone());
    let inlet = state.inlet().await?;
    let load = inlet
        .loader
        .load_with(integration, request, progress, false);
    let result = load.await?;
    crate::notify::after_load(&app, &inlet, &result).await;
    Ok(result.into())
}

/// Announces a load's progress as `LoadProgressEvent`s.
fn progress_events(app: AppHandle) -> ProgressFn {
    Arc::new(move |progress| {
        events::send(
            &app,
            InletEvent::LoadProgress(LoadProgressEvent { progress }),
        );
    })
}

/// What `request` will cost in API calls where the provider caps them by a plan (Airtable's
/// records), with whether to ask before (the plan's cap is known, or this month's quota was
/// met); `None` where nothing is capped.
#[tauri::command]
#[specta::specta]
pub async fn load_estimate(
    state: State<'_, AppState>,
    integration: Integration,
    request: LoadRequest,
) -> CommandResult<Option<CallEstimate>> {
    let inlet = state.inlet().await?;
    let estimate = inlet.connections.load_estimate(integration, &request);
    Ok(estimate.await?)
}

/// Cancels every running load of the integration; false when none was running.
#[tauri::command]
#[specta::specta]
pub fn cancel_load(state: State<'_, AppState>, integration: Integration) -> bool {
    // Nothing runs before the core has started.
    let inlet = state.inlet_if_started();
    inlet.is_some_and(|inlet| inlet.loader.cancel(integration))
}
