//! Commands about stored items: the grid's windows and facet counts (read from the item store,
//! only the rows on screen cross to the window), exports through the native save dialog (the
//! file is written by the core, streamed from the store), and opening an item in its provider.

use std::path::PathBuf;

use inlet_core::export::ExportFormat;
use inlet_core::item_store::{AccountKey, Generation, Revision, StoredContent};
use inlet_core::providers::provider_link;
use inlet_core::services::{ItemView, ItemWindow, ViewFacets};
use inlet_core::{CoreError, Integration};
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

use crate::error::CommandResult;
use crate::state::AppState;

/// A finished export.
#[derive(Debug, Serialize, Type)]
pub struct ExportOutcome {
    /// Where the file was written.
    pub path: String,
    /// How many items it holds.
    pub count: u32,
}

impl ExportOutcome {
    fn new(path: &std::path::Path, count: u64) -> Self {
        Self {
            path: path.display().to_string(),
            count: u32::try_from(count).unwrap_or(u32::MAX),
        }
    }
}

/// The finished loads of every connected account, as stored (when, partial, what changed).
#[tauri::command]
#[specta::specta]
pub async fn stored_loads(state: State<'_, AppState>) -> CommandResult<Vec<Generation>> {
    let (inlet, accounts) = state.inlet_and_accounts().await?;
    Ok(inlet.library.stored_loads(&accounts).await?)
}

/// The rows `offset..offset + limit` of `view` (at most 500) and its total: only what the grid
/// shows crosses to the window.
#[tauri::command]
#[specta::specta]
pub async fn item_window(
    state: State<'_, AppState>,
    view: ItemView,
    offset: u32,
    limit: u32,
) -> CommandResult<ItemWindow> {
    let (inlet, accounts) = state.inlet_and_accounts().await?;
    let (library, notes) = inlet.library.viewed(&accounts, &view).await?;
    let window = library.window(&accounts, view, offset, limit).await?;
    Ok(ItemWindow { notes, ..window })
}

/// The counts beside the filters of `view`.
#[tauri::command]
#[specta::specta]
pub async fn item_facets(state: State<'_, AppState>, view: ItemView) -> CommandResult<ViewFacets> {
    let (inlet, accounts) = state.inlet_and_accounts().await?;
    let (library, _) = inlet.library.viewed(&accounts, &view).await?;
    Ok(library.facets(&accounts, view).await?)
}

/// Asks where to save (native dialog), then writes the rows of `view` in its order, streamed
/// from the store. `None` when the person cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_items(
    app: AppHandle,
    state: State<'_, AppState>,
    view: ItemView,
    format: ExportFormat,
) -> CommandResult<Option<ExportOutcome>> {
    let (inlet, accounts) = state.inlet_and_accounts().await?;
    let (library, _) = inlet.library.viewed(&accounts, &view).await?;
    let library = &library;
    save_as(&app, format, "inlet-items", |path| async move {
        library.export_view(&accounts, view, format, &path).await
    })
    .await
}

/// Asks where to save, then writes the stored Airtable base `base_id` (named `name`) as one
/// workbook: a sheet per table, cells typed by their fields. `None` when the person cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_base_workbook(
    app: AppHandle,
    state: State<'_, AppState>,
    base_id: String,
    name: String,
) -> CommandResult<Option<ExportOutcome>> {
    let (inlet, accounts) = state.inlet_and_accounts().await?;
    let library = &inlet.library;
    save_as(&app, ExportFormat::Xlsx, &name, |path| async move {
        library
            .export_base_workbook(&accounts, &base_id, &path)
            .await
    })
    .await
}

/// A finished folder export.
#[derive(Debug, Serialize, Type)]
pub struct VaultOutcome {
    /// The folder (or .zip) written.
    pub path: String,
    /// Markdown pages written.
    pub pages: u32,
    /// CSV files and workbooks written.
    pub tables: u32,
    /// Kept files copied.
    pub files: u32,
}

/// Asks for a folder (or, with `zip`, where to save a .zip), then writes everything stored for
/// the connected accounts of `integrations` (all when empty) as a Markdown vault: in a new
/// folder `Inlet <date>` inside the chosen one. `None` when the person cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_vault(
    app: AppHandle,
    state: State<'_, AppState>,
    integrations: Vec<Integration>,
    zip: bool,
) -> CommandResult<Option<VaultOutcome>> {
    let (inlet, accounts) = state.inlet_and_accounts().await?;
    let Some(path) = ask_for_vault_place(&app, zip).await? else {
        return Ok(None);
    };
    let library = &inlet.library;
    let report = library.export_vault(&accounts, &integrations, &path, zip);
    Ok(Some(VaultOutcome::new(&path, report.await?)))
}

impl VaultOutcome {
    fn new(path: &std::path::Path, report: inlet_core::services::VaultReport) -> Self {
        let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            path: path.display().to_string(),
            pages: count(report.pages),
            tables: count(report.tables),
            files: count(report.files),
        }
    }
}

/// Where a folder export goes: a new folder inside the one picked, or the .zip file named.
async fn ask_for_vault_place(app: &AppHandle, zip: bool) -> inlet_core::Result<Option<PathBuf>> {
    let stem = inlet_core::services::vault_name();
    let (chosen, picked) = tokio::sync::oneshot::channel();
    let dialog = app
        .dialog()
        .file()
        .set_title("Export everything as Markdown");
    if zip {
        dialog
            .set_file_name(format!("{stem}.zip"))
            .add_filter("ZIP", &["zip"])
            .save_file(move |path| {
                let _ = chosen.send(path);
            });
    } else {
        dialog.pick_folder(move |path| {
            let _ = chosen.send(path);
        });
    }
    let Some(path) = picked.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path.into_path().map_err(|e| {
        CoreError::invalid_argument(format!("The chosen location is not a file path ({e})."))
    })?;
    if zip {
        return Ok(Some(path));
    }
    // A new folder inside the chosen one: an export never mixes with what is there.
    let mut target = path.join(&stem);
    let mut n = 2;
    while target.exists() {
        target = path.join(format!("{stem} ({n})"));
        n += 1;
    }
    Ok(Some(target))
}

/// Asks where to save, then has `write` write there; `None` when the person cancelled.
async fn save_as<Write, Written>(
    app: &AppHandle,
    format: ExportFormat,
    name: &str,
    write: Write,
) -> CommandResult<Option<ExportOutcome>>
where
    Write: FnOnce(PathBuf) -> Written,
    Written: std::future::Future<Output = inlet_core::Result<u64>>,
{
    let Some(path) = ask_where_to_save(app, format, name).await? else {
        return Ok(None);
    };
    let count = write(path.clone()).await?;
    Ok(Some(ExportOutcome::new(&path, count)))
}

/// The native save dialog, suggesting `name` (what a file may be called of it); `None` when the
/// person cancelled.
async fn ask_where_to_save(
    app: &AppHandle,
    format: ExportFormat,
    name: &str,
) -> inlet_core::Result<Option<PathBuf>> {
    let (chosen, picked) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Export items")
        .set_file_name(inlet_core::export::suggested_file_name(name, format))
        .add_filter(format.extension().to_uppercase(), &[format.extension()])
        .save_file(move |path| {
            let _ = chosen.send(path);
        });
    let Some(path) = picked.await.ok().flatten() else {
        return Ok(None);
    };
    path.into_path().map(Some).map_err(|e| {
        CoreError::invalid_argument(format!("The chosen location is not a file path ({e})."))
    })
}

/// The stored content of an item (a Notion page's Markdown), from the connected accounts;
/// `None` when none was loaded.
#[tauri::command]
#[specta::specta]
pub async fn item_content(
    state: State<'_, AppState>,
    integration: Integration,
    item_id: String,
) -> CommandResult<Option<StoredContent>> {
    let (inlet, accounts) = state.inlet_and_accounts().await?;
    let content = inlet.library.content(&accounts, integration, &item_id);
    Ok(content.await?)
}

/// An item's history: every change the loads found, oldest first, with what moved.
#[tauri::command]
#[specta::specta]
pub async fn item_history(
    state: State<'_, AppState>,
    integration: Integration,
    item_id: String,
) -> CommandResult<Vec<Revision>> {
    let (inlet, mut accounts) = state.inlet_and_accounts().await?;
    accounts.retain(|a| a.integration == integration);
    Ok(inlet.library.item_history(&accounts, &item_id).await?)
}

/// The most changes the feed shows at once (the newest).
const FEED_MOST: usize = 1_000;

/// Every change the loads of the connected accounts found since `since` (a date: its start,
/// UTC, or an RFC 3339 time), oldest first — the newest [`FEED_MOST`] of them.
#[tauri::command]
#[specta::specta]
pub async fn changes_since(
    state: State<'_, AppState>,
    since: String,
) -> CommandResult<Vec<Revision>> {
    let since = inlet_core::services::parse_since(since.trim())?;
    let (inlet, accounts) = state.inlet_and_accounts().await?;
    let mut changes = inlet.library.changes_since(&accounts, since).await?;
    changes.drain(..changes.len().saturating_sub(FEED_MOST));
    Ok(changes)
}

/// Removes a (disconnected) account's stored items from this computer.
#[tauri::command]
#[specta::specta]
pub async fn forget_items(state: State<'_, AppState>, account: AccountKey) -> CommandResult<()> {
    Ok(state.inlet().await?.library.forget(&account).await?)
}

/// Opens an item's page in the system browser; only https URLs on the providers' hosts.
#[tauri::command]
#[specta::specta]
pub fn open_in_provider(url: String) -> CommandResult<()> {
    let link = provider_link(&url)?;
    crate::commands::open_browser(link.as_str())?;
    Ok(())
}
