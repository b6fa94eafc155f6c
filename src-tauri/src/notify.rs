//! The app's desktop notification: when a load or sync ends while the window is not in front,
//! what it came to — core's digest ("HubSpot: 4 new · 3 changed", and first what needs the
//! person) — through the notification plugin (freedesktop Notifications), unless Settings turned
//! notifications off. Nothing when nothing changed; a failed load is said in the window.

use inlet_core::digest::{digest, Outcome};
use inlet_core::load::LoadResult;
use inlet_core::services::Inlet;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

/// Tells the desktop what `result` came to, if the window is not in front and it is worth it.
pub async fn after_load(app: &AppHandle, inlet: &Inlet, result: &LoadResult) {
    let in_front = (app.get_webview_window("main"))
        .and_then(|window| window.is_focused().ok())
        .unwrap_or(false);
    if in_front || !inlet.library.notifications_on().await.unwrap_or(true) {
        return;
    }
    let outcome = Outcome::Synced {
        integration: result.integration,
        changes: result.changes.unwrap_or_default(),
        failed_part: result.failures.first().map(|f| f.stream.clone()),
        held_back: result.held_back.clone(),
    };
    let Some(digest) = digest(&[outcome]) else {
        return;
    };
    // A D-Bus call that waits for its answer: off the async workers.
    let app = app.clone();
    let shown = tauri::async_runtime::spawn_blocking(move || {
        (app.notification().builder())
            .title(&digest.summary)
            .body(&digest.body)
            .show()
    })
    .await;
    match shown {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "the desktop notification could not be shown"),
        Err(error) => tracing::warn!(%error, "the desktop notification could not be shown"),
    }
}
