//! The IPC commands of connections and loads: each translates arguments, calls one core service
//! and maps the result.

use std::sync::Arc;

use inlet_core::load::{LoadSummary, ProgressFn};
use inlet_core::providers::RecordScope;
use inlet_core::services::{
    AuthorizationStart, CallEstimate, ConnectionInfo, Disconnected, IntegrationStatus,
};
use inlet_core::{Integration, IntegrationItem};
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

/// Loads every item into the store, announcing progress per page as `LoadProgressEvent`;
/// answers with the counts (the grid reads the rows from the store). `cancel_load` stops it.
#[tauri::command]
#[specta::specta]
pub async fn load(
    app: AppHandle,
    state: State<'_, AppState>,
    integration: Integration,
) -> CommandResult<LoadSummary> {
    let progress = progress_events(app);
    let inlet = state.inlet().await?;
    let load = inlet.loader.load_into_store(integration, progress);
    Ok(load.await?.into())
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

/// Loads the Airtable account with every record of the base `base_id` — or of every base, when
/// absent — into the store, announcing progress per table; records of other bases loaded
/// before stay. `cancel_load` stops it.
#[tauri::command]
#[specta::specta]
pub async fn load_base_records(
    app: AppHandle,
    state: State<'_, AppState>,
    base_id: Option<String>,
) -> CommandResult<LoadSummary> {
    let progress = progress_events(app);
    let scope = base_id.map_or(RecordScope::All, |base| RecordScope::Bases(vec![base]));
    let inlet = state.inlet().await?;
    let loader = &inlet.loader;
    let load = loader.load_airtable_with_records(scope, progress, false);
    Ok(load.await?.into())
}

/// What loading every record of the base `base_id` — or of every base, when absent — will cost
/// in Airtable API calls, and whether to ask before (the plan's cap is known, or this month's
/// quota was met).
#[tauri::command]
#[specta::specta]
pub async fn records_estimate(
    state: State<'_, AppState>,
    base_id: Option<String>,
) -> CommandResult<CallEstimate> {
    let scope = base_id.map_or(RecordScope::All, |base| RecordScope::Bases(vec![base]));
    Ok(state
        .inlet()
        .await?
        .connections
        .records_estimate(scope)
        .await?)
}

/// Cancels every running load of the integration; false when none was running.
#[tauri::command]
#[specta::specta]
pub fn cancel_load(state: State<'_, AppState>, integration: Integration) -> bool {
    // Nothing runs before the core has started.
    let inlet = state.inlet_if_started();
    inlet.is_some_and(|inlet| inlet.loader.cancel(integration))
}

/// Loads the records of one Airtable table.
#[tauri::command]
#[specta::specta]
pub async fn load_airtable_records(
    state: State<'_, AppState>,
    base_id: String,
    table_id: String,
) -> CommandResult<Vec<IntegrationItem>> {
    let records = state
        .inlet()
        .await?
        .loader
        .load_airtable_records(&base_id, &table_id);
    Ok(records.await?)
}
