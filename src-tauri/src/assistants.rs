//! Commands of Settings' "Assistants": which stored accounts an AI assistant may read through
//! `inlet mcp`, the configuration to paste into an MCP client, and the data folder (the store
//! whose SQL views `docs/schema.md` describes).

use inlet_core::assistant::AssistantAccess;
use inlet_core::config::ProcessEnv;
use inlet_core::item_store::AccountKey;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The stored accounts and which ones assistants may read, the client configuration and the
/// data folder.
#[tauri::command]
#[specta::specta]
pub async fn assistant_access(state: State<'_, AppState>) -> CommandResult<AssistantAccess> {
    let inlet = state.inlet().await?;
    Ok(inlet.library.assistant_access(&ProcessEnv).await?)
}

/// Opens `account` to assistants (`readable`) or closes it, and says how access stands.
#[tauri::command]
#[specta::specta]
pub async fn set_assistant_access(
    state: State<'_, AppState>,
    account: AccountKey,
    readable: bool,
) -> CommandResult<AssistantAccess> {
    let inlet = state.inlet().await?;
    inlet
        .library
        .set_assistant_access(&account, readable)
        .await?;
    Ok(inlet.library.assistant_access(&ProcessEnv).await?)
}

/// Shows the data folder in the file manager.
#[tauri::command]
#[specta::specta]
pub async fn open_data_folder(state: State<'_, AppState>) -> CommandResult<()> {
    let inlet = state.inlet().await?;
    let folder = (inlet.library.store())
        .and_then(|store| store.path().parent())
        .map(|dir| dir.display().to_string())
        .ok_or_else(|| {
            inlet_core::CoreError::invalid_argument("Inlet keeps no data folder in this session.")
        })?;
    crate::commands::open_browser(&folder)?;
    Ok(())
}
