//! `inlet://oauth/callback?…` arriving through the OS: forwarded by a second launch (single
//! instance) or present at a cold start. The URL carries the code: it is never logged.

use inlet_core::services::ConnectionInfo;
use inlet_core::Integration;
use tauri::{AppHandle, Manager};

use crate::events::ConnectionChanged;
use crate::state::AppState;

/// Completes the sign-in a deep link carries and announces the outcome.
pub fn handle(app: &AppHandle, url: String) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let inlet = match app.state::<AppState>().inlet().await {
            Ok(inlet) => inlet,
            Err(_) => return, // the start's failure is logged and shown by every command
        };
        tracing::info!("sign-in callback received through the deep link");
        // The waiting Connect announces its own outcome; only a link no sign-in waits for (or
        // whose sign-in stopped waiting) is announced here.
        match inlet.sign_in.complete_deep_link(&url).await {
            Ok(None) => {}
            Ok(Some(info)) => announce(&app, None, Ok(info)),
            Err(error) => announce(&app, None, Err(error)),
        }
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.set_focus();
        }
    });
}

/// Emits `ConnectionChanged` for a finished sign-in.
pub fn announce(
    app: &AppHandle,
    integration: Option<Integration>,
    result: inlet_core::Result<ConnectionInfo>,
) {
    // A sign-in replaced by a newer Connect is not news: the newer one reports.
    if matches!(result, Err(inlet_core::CoreError::SignInReplaced)) {
        return;
    }
    let event = match result {
        Ok(info) => ConnectionChanged {
            integration: Some(info.integration),
            connected: true,
            connection: Some(info),
            error: None,
        },
        Err(error) => {
            tracing::warn!(code = error.code(), "sign-in failed");
            let integration = integration.or_else(|| {
                error
                    .details()
                    .get("integration")
                    .and_then(|v| serde_json::from_value(v.clone()).ok())
            });
            ConnectionChanged {
                integration,
                connected: false,
                connection: None,
                error: Some(error.to_body()),
            }
        }
    };
    crate::events::send(app, crate::events::InletEvent::ConnectionChanged(event));
}
