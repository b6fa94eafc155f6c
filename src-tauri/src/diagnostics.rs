//! Commands of the log and "Copy diagnostics": the level setting, and the report (versions, the
//! platform, settings without secrets, the last log lines) the window copies for a bug report.

use tauri::State;

use crate::error::CommandResult;
use crate::logging::{LogLevel, LogSettings, Logging};
use crate::state::AppState;

/// How many log lines the report ends with.
const LOG_LINES: usize = 200;

/// The log's level, folder and whether the environment overrides the setting.
#[tauri::command]
#[specta::specta]
pub fn log_settings(logging: State<'_, Logging>) -> LogSettings {
    logging.settings()
}

/// Sets (and keeps) the log's level.
#[tauri::command]
#[specta::specta]
pub fn set_log_level(logging: State<'_, Logging>, level: LogLevel) -> CommandResult<LogSettings> {
    logging
        .set_level(level)
        .map_err(|e| inlet_core::CoreError::Io {
            action: "save",
            path: "the log level".into(),
            reason: e.to_string(),
        })?;
    Ok(logging.settings())
}

/// The diagnostics report, as text to copy.
#[tauri::command]
#[specta::specta]
pub async fn diagnostics(
    state: State<'_, AppState>,
    logging: State<'_, Logging>,
) -> CommandResult<String> {
    let inlet = state.inlet().await?;
    let lines = logging.last_lines(LOG_LINES);
    Ok(inlet.diagnostics(shell_facts(&logging), &lines).await?)
}

/// What only the shell knows for the report: the version, WebKitGTK's, the log level.
fn shell_facts(logging: &Logging) -> Vec<(String, String)> {
    vec![
        ("Inlet".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        ("WebKitGTK".to_owned(), webkit_version()),
        (
            "Log level".to_owned(),
            format!("{:?}", logging.settings().level),
        ),
    ]
}

/// The version of the WebKitGTK library the window runs on.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)] // C functions of the WebKitGTK the window already links
fn webkit_version() -> String {
    // SAFETY: these functions take no argument and return constants of the loaded library.
    let (major, minor, micro) = unsafe {
        (
            webkit2gtk_sys::webkit_get_major_version(),
            webkit2gtk_sys::webkit_get_minor_version(),
            webkit2gtk_sys::webkit_get_micro_version(),
        )
    };
    format!("{major}.{minor}.{micro}")
}

#[cfg(not(target_os = "linux"))]
fn webkit_version() -> String {
    "not used on this platform".into()
}
