//! The IPC commands: each translates arguments, calls the core and maps the result.

use std::sync::{Arc, Mutex};

use inlet_core::config::RedirectTransport;
use inlet_core::load::LoadResult;
use inlet_core::service::{AuthorizationStart, ConnectionInfo, IntegrationStatus};
use inlet_core::{Integration, IntegrationItem};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event;

use crate::error::{CommandResult, ShellError};
use crate::events::{ConnectionChanged, LoadProgressEvent};
use crate::state::AppState;

/// Every integration with its mode (Live or Sandbox) and connection.
#[tauri::command]
#[specta::specta]
pub async fn list_integrations(
    state: State<'_, AppState>,
) -> CommandResult<Vec<IntegrationStatus>> {
    Ok(state.inlet.integrations().await?)
}

/// Opens the system browser at the provider's consent page. The result arrives later as a
/// `ConnectionChanged` event (from the deep link or the loopback redirect).
#[tauri::command]
#[specta::specta]
pub async fn connect(
    app: AppHandle,
    state: State<'_, AppState>,
    integration: Integration,
) -> CommandResult<AuthorizationStart> {
    let inlet = state.inlet.clone();
    if inlet.settings(integration)?.transport() == RedirectTransport::DeepLink {
        let start = inlet.begin_connect(integration, None)?;
        open_browser(&app, &start.authorization_url)?;
        return Ok(start);
    }
    // The command answers with the URL once the listener is bound, or with the error if the flow
    // fails before that; a later outcome arrives as a ConnectionChanged event.
    let (answer, answered) =
        tokio::sync::oneshot::channel::<inlet_core::Result<AuthorizationStart>>();
    let answer = Arc::new(Mutex::new(Some(answer)));
    let on_start = answer.clone();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let outcome = inlet
            .connect_loopback(integration, |start| {
                if let Some(sender) = take(&on_start) {
                    let _ = sender.send(Ok(start.clone()));
                }
            })
            .await;
        match (take(&answer), outcome) {
            (Some(sender), Err(error)) => {
                let _ = sender.send(Err(error));
            }
            (_, outcome) => crate::deep_link::announce(&handle, Some(integration), outcome),
        }
    });
    let start = answered
        .await
        .map_err(|_| inlet_core::CoreError::Cancelled)??;
    open_browser(&app, &start.authorization_url)?;
    Ok(start)
}

type Answer =
    Arc<Mutex<Option<tokio::sync::oneshot::Sender<inlet_core::Result<AuthorizationStart>>>>>;

fn take(
    answer: &Answer,
) -> Option<tokio::sync::oneshot::Sender<inlet_core::Result<AuthorizationStart>>> {
    answer.lock().unwrap_or_else(|p| p.into_inner()).take()
}

fn open_browser(app: &AppHandle, url: &str) -> Result<(), ShellError> {
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| ShellError::Browser(e.to_string()))
}

/// Forgets the integration's connection.
#[tauri::command]
#[specta::specta]
pub async fn disconnect(
    app: AppHandle,
    state: State<'_, AppState>,
    integration: Integration,
) -> CommandResult<bool> {
    let removed = state.inlet.disconnect(integration).await?;
    let _ = ConnectionChanged {
        integration: Some(integration),
        connected: false,
        connection: None,
        error: None,
    }
    .emit(&app);
    Ok(removed)
}

/// The connection's metadata: account, scopes, expiry. Never a token.
#[tauri::command]
#[specta::specta]
pub async fn credentials(
    state: State<'_, AppState>,
    integration: Integration,
) -> CommandResult<Option<ConnectionInfo>> {
    Ok(state.inlet.credentials(integration).await?)
}

/// Loads every item, announcing progress per page as `LoadProgressEvent`. `cancel_load` stops it.
#[tauri::command]
#[specta::specta]
pub async fn load(
    app: AppHandle,
    state: State<'_, AppState>,
    integration: Integration,
) -> CommandResult<LoadResult> {
    let progress = Arc::new(move |progress| {
        let _ = LoadProgressEvent { progress }.emit(&app);
    });
    let cancel = state.inlet.cancellable(integration);
    Ok(state.inlet.load(integration, progress, cancel).await?)
}

/// Cancels the running load of the integration; false when none was running.
#[tauri::command]
#[specta::specta]
pub fn cancel_load(state: State<'_, AppState>, integration: Integration) -> bool {
    state.inlet.cancel_load(integration)
}

/// Loads the records of one Airtable table.
#[tauri::command]
#[specta::specta]
pub async fn load_airtable_records(
    state: State<'_, AppState>,
    base_id: String,
    table_id: String,
) -> CommandResult<Vec<IntegrationItem>> {
    let cancel = state.inlet.cancellable(Integration::Airtable);
    Ok(state
        .inlet
        .load_airtable_records(&base_id, &table_id, cancel)
        .await?)
}
