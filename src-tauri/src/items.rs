//! Commands about loaded items: the cached loads shown at start, exports through the native save
//! dialog (the file is written by the core, streamed), and opening an item in its provider.

use inlet_core::cache::CachedLoad;
use inlet_core::export::ExportFormat;
use inlet_core::CoreError;
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::error::{CommandResult, ShellError};
use crate::state::AppState;

/// Hosts an item URL may point at; anything else is refused rather than opened.
const PROVIDER_HOSTS: [&str; 6] = [
    "airtable.com",
    "notion.so",
    "www.notion.so",
    "app.hubspot.com",
    "app-eu1.hubspot.com",
    "developers.hubspot.com",
];

/// A finished export.
#[derive(Debug, Serialize, Type)]
pub struct ExportOutcome {
    /// Where the file was written.
    pub path: String,
    /// How many items it holds.
    pub count: u32,
}

/// The last loaded items of each connection, from the app data dir, with when they were loaded.
#[tauri::command]
#[specta::specta]
pub async fn cached_items(state: State<'_, AppState>) -> CommandResult<Vec<CachedLoad>> {
    Ok(state.inlet.cached_loads().await?)
}

/// Asks where to save (native dialog), then writes the items with `keys` in that order — the
/// current view — or every loaded item when `keys` is absent. `None` when the person cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_items(
    app: AppHandle,
    state: State<'_, AppState>,
    keys: Option<Vec<String>>,
    format: ExportFormat,
) -> CommandResult<Option<ExportOutcome>> {
    let (chosen, picked) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Export items")
        .set_file_name(format!("inlet-items.{}", format.extension()))
        .add_filter(format.extension().to_uppercase(), &[format.extension()])
        .save_file(move |path| {
            let _ = chosen.send(path);
        });
    let Some(path) = picked.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path.into_path().map_err(|e| {
        CoreError::invalid_argument(format!("The chosen location is not a file path ({e})."))
    })?;
    let count = match keys {
        Some(keys) => state.inlet.export_view(keys, format, &path).await?,
        None => state.inlet.export_all(format, &path).await?,
    };
    Ok(Some(ExportOutcome {
        path: path.display().to_string(),
        count: u32::try_from(count).unwrap_or(u32::MAX),
    }))
}

/// Opens an item's page in the system browser; only https URLs on the providers' hosts.
#[tauri::command]
#[specta::specta]
pub fn open_in_provider(app: AppHandle, url: String) -> CommandResult<()> {
    let parsed = url::Url::parse(&url)
        .map_err(|_| CoreError::invalid_argument("That is not a link Inlet can open."))?;
    let allowed = parsed.scheme() == "https"
        && parsed
            .host_str()
            .is_some_and(|h| PROVIDER_HOSTS.contains(&h));
    if !allowed {
        return Err(CoreError::invalid_argument(
            "Inlet only opens links to Airtable, Notion and HubSpot.",
        )
        .into());
    }
    app.opener()
        .open_url(parsed.as_str(), None::<&str>)
        .map_err(|e| ShellError::Browser(e.to_string()))?;
    Ok(())
}
