//! Commands of the Settings page and the account switcher.

use inlet_core::services::{ApiUsage, ProviderSetup, SetupInput};
use inlet_core::Integration;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::events::announce_connection;
use crate::state::AppState;

/// Every provider's setup: mode, where the credentials come from, the redirect URI to register.
#[tauri::command]
#[specta::specta]
pub async fn provider_setups(state: State<'_, AppState>) -> CommandResult<Vec<ProviderSetup>> {
    Ok(state.inlet().await?.connections.provider_setups().await?)
}

/// Saves a provider's client id and secret in the keychain (and its redirect URI) and applies them.
#[tauri::command]
#[specta::specta]
pub async fn save_provider_setup(
    state: State<'_, AppState>,
    integration: Integration,
    input: SetupInput,
) -> CommandResult<Vec<ProviderSetup>> {
    let inlet = state.inlet().await?;
    let connections = &inlet.connections;
    Ok(connections.save_provider_setup(integration, input).await?)
}

/// The person chose the built-in sandbox for the providers without client credentials: it
/// starts now (and at later launches), never before.
#[tauri::command]
#[specta::specta]
pub async fn use_sandbox(state: State<'_, AppState>) -> CommandResult<()> {
    Ok(state.inlet().await?.connections.choose_sandbox().await?)
}

/// Forgets a provider's saved credentials.
#[tauri::command]
#[specta::specta]
pub async fn clear_provider_setup(
    state: State<'_, AppState>,
    integration: Integration,
) -> CommandResult<Vec<ProviderSetup>> {
    Ok(state
        .inlet()
        .await?
        .connections
        .clear_provider_setup(integration)
        .await?)
}

/// Makes another connected account the active one.
#[tauri::command]
#[specta::specta]
pub async fn switch_account(
    app: AppHandle,
    state: State<'_, AppState>,
    integration: Integration,
    account_id: String,
) -> CommandResult<()> {
    let inlet = state.inlet().await?;
    let connections = &inlet.connections;
    inlet.loader.cancel(integration); // the running load is the other account's
    connections.switch_account(integration, &account_id).await?;
    let now = connections.credentials(integration).await?;
    announce_connection(&app, integration, now);
    Ok(())
}

/// Says which plan the active account is on (Airtable's caps its API calls a month; `null`: not
/// known) and answers the account's usage as its card shows it.
#[tauri::command]
#[specta::specta]
pub async fn set_plan(
    state: State<'_, AppState>,
    integration: Integration,
    plan: Option<String>,
) -> CommandResult<Option<ApiUsage>> {
    let inlet = state.inlet().await?;
    Ok(inlet.connections.set_plan(integration, plan).await?)
}
