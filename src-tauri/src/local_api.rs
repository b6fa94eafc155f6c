//! Settings' "Local API": the app serves `inlet serve`'s guarded HTTP API (`inlet_cli::serve`)
//! while it runs, when the person turned it on (remembered; off by default), and manages its
//! clients. A new client's key goes to the clipboard from here — it never reaches the webview.

use inlet_cli::serve::{start, Serving, DEFAULT_PER_MINUTE};
use inlet_core::services::{LocalClient, Proof};
use inlet_core::{CoreError, Inlet};
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tokio::sync::Mutex;

use crate::error::CommandResult;
use crate::state::AppState;

/// The port the app's local API listens on.
const PORT: u16 = 8766;
/// The preference that keeps the local API on across launches.
const ON: &str = "local-api";

/// The running local API, if on.
#[derive(Default)]
pub struct LocalApi(Mutex<Option<Serving>>);

/// What Settings shows of the local API.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LocalApiStatus {
    /// Where it listens, when on.
    pub url: Option<String>,
    /// Its clients (never a key).
    pub clients: Vec<LocalClient>,
    /// Requests a client may send a minute.
    pub per_minute: u32,
}

async fn status(inlet: &Inlet, api: &LocalApi) -> CommandResult<LocalApiStatus> {
    let url = (api.0.lock().await.as_ref()).map(|s| format!("http://{}/mcp", s.address));
    Ok(LocalApiStatus {
        url,
        clients: inlet.connections.local_clients().await?,
        per_minute: DEFAULT_PER_MINUTE,
    })
}

/// Starts or stops the server, remembering the choice.
async fn switch(inlet: &Inlet, api: &LocalApi, on: bool) -> Result<(), CoreError> {
    let mut serving = api.0.lock().await;
    if let Some(running) = serving.take() {
        running.stop.cancel();
        let _ = running.done.await;
    }
    if on {
        *serving = Some(start(inlet, PORT, DEFAULT_PER_MINUTE).await?);
    }
    if let Some(store) = inlet.library.store() {
        store.set_preference(ON, on.then_some("on"))?;
    }
    Ok(())
}

/// Tells a running server the clients now in the keychain.
async fn reload_clients(inlet: &Inlet, api: &LocalApi) -> Result<(), CoreError> {
    if let Some(serving) = api.0.lock().await.as_ref() {
        serving
            .guard
            .replace_clients(inlet.connections.local_client_keys().await?);
    }
    Ok(())
}

/// Starts the local API at launch when the person left it on.
pub async fn resume(app: AppHandle) {
    let Ok(inlet) = app.state::<AppState>().inlet().await else {
        return;
    };
    let on = (inlet.library.store()).and_then(|s| s.preference(ON).ok().flatten());
    if on.is_some() {
        if let Err(error) = switch(&inlet, &app.state::<LocalApi>(), true).await {
            tracing::warn!(code = error.code(), %error, "the local API could not start");
        }
    }
}

/// Whether the local API is on, where, and its clients.
#[tauri::command]
#[specta::specta]
pub async fn local_api_status(
    state: State<'_, AppState>,
    api: State<'_, LocalApi>,
) -> CommandResult<LocalApiStatus> {
    status(&*state.inlet().await?, &api).await
}

/// Turns the local API on or off (remembered across launches).
#[tauri::command]
#[specta::specta]
pub async fn set_local_api(
    state: State<'_, AppState>,
    api: State<'_, LocalApi>,
    on: bool,
) -> CommandResult<LocalApiStatus> {
    let inlet = state.inlet().await?;
    switch(&inlet, &api, on).await?;
    status(&inlet, &api).await
}

/// Adds a client named `name` and puts its key on the clipboard (the key never reaches the
/// window; no client is kept whose key could not be copied).
async fn add_with_key_copied(
    app: &AppHandle,
    inlet: &Inlet,
    name: &str,
    bearer: bool,
) -> Result<(), CoreError> {
    let proof = if bearer { Proof::Bearer } else { Proof::Signed };
    let (_, key) = inlet.connections.add_local_client(name, proof).await?;
    if let Err(error) = app.clipboard().write_text(key.expose()) {
        inlet.connections.remove_local_client(name).await?;
        return Err(CoreError::invalid_argument(format!(
            "The key could not be copied ({error}); no client was added."
        )));
    }
    Ok(())
}

/// Adds a client; its key goes to the clipboard, never to the window.
#[tauri::command]
#[specta::specta]
pub async fn add_local_client(
    app: AppHandle,
    state: State<'_, AppState>,
    api: State<'_, LocalApi>,
    name: String,
    bearer: bool,
) -> CommandResult<LocalApiStatus> {
    let inlet = state.inlet().await?;
    add_with_key_copied(&app, &inlet, &name, bearer).await?;
    reload_clients(&inlet, &api).await?;
    status(&inlet, &api).await
}

/// Removes a client: its key no longer opens the local API.
#[tauri::command]
#[specta::specta]
pub async fn remove_local_client(
    state: State<'_, AppState>,
    api: State<'_, LocalApi>,
    name: String,
) -> CommandResult<LocalApiStatus> {
    let inlet = state.inlet().await?;
    inlet.connections.remove_local_client(&name).await?;
    reload_clients(&inlet, &api).await?;
    status(&inlet, &api).await
}
