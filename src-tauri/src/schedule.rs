//! Commands of Settings' "Keep my data up to date": the systemd user timer that syncs with the
//! window closed (`inlet_core::schedule`), and how long the history keeps every change.

use inlet_core::config::ProcessEnv;
use inlet_core::item_store::HistorySpace;
use inlet_core::schedule::{units_here, Frequency, ScheduleStatus};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// How often the data is kept up to date, when next, and what the last run did.
#[tauri::command]
#[specta::specta]
pub async fn schedule_status(state: State<'_, AppState>) -> CommandResult<ScheduleStatus> {
    let inlet = state.inlet().await?;
    Ok(inlet
        .library
        .schedule_status(units_here(&ProcessEnv))
        .await?)
}

/// Sets how often the data is kept up to date (off removes the timer) and says how it stands.
#[tauri::command]
#[specta::specta]
pub async fn set_schedule(
    state: State<'_, AppState>,
    frequency: Frequency,
) -> CommandResult<ScheduleStatus> {
    let inlet = state.inlet().await?;
    let units = units_here(&ProcessEnv);
    Ok(inlet.library.set_schedule(units, frequency).await?)
}

/// Turns a scheduled run's desktop notifications on or off and says how the schedule stands.
#[tauri::command]
#[specta::specta]
pub async fn set_schedule_notifications(
    state: State<'_, AppState>,
    on: bool,
) -> CommandResult<ScheduleStatus> {
    let inlet = state.inlet().await?;
    inlet.library.set_notifications(on).await?;
    Ok(inlet
        .library
        .schedule_status(units_here(&ProcessEnv))
        .await?)
}

/// What the history of changes holds, the room it takes and how long it keeps every change.
#[tauri::command]
#[specta::specta]
pub async fn history_space(state: State<'_, AppState>) -> CommandResult<HistorySpace> {
    let inlet = state.inlet().await?;
    Ok(inlet.library.history_space().await?)
}

/// Keeps every change for `days` (then one a day, then one a week) and says how the history
/// stands.
#[tauri::command]
#[specta::specta]
pub async fn set_retention_days(
    state: State<'_, AppState>,
    days: u32,
) -> CommandResult<HistorySpace> {
    let inlet = state.inlet().await?;
    Ok(inlet.library.set_retention_days(days).await?)
}
