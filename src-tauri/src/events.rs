//! Typed events the UI listens to.

use inlet_core::load::LoadProgress;
use inlet_core::services::ConnectionInfo;
use inlet_core::{ErrorBody, Integration};
use serde::Serialize;
use specta::Type;
use tauri::AppHandle;
use tauri_specta::Event;

/// A sign-in finished (through the deep link or the loopback redirect), or a connection was removed.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct ConnectionChanged {
    /// Which integration.
    pub integration: Option<Integration>,
    /// Whether it is now connected.
    pub connected: bool,
    /// The connection, when connected.
    pub connection: Option<ConnectionInfo>,
    /// Why the sign-in failed, when it did.
    pub error: Option<ErrorBody>,
}

/// Progress of one stream of a load.
#[derive(Debug, Clone, Serialize, Type, Event)]
pub struct LoadProgressEvent {
    /// The progress.
    pub progress: LoadProgress,
}

/// Tells the UI which connection `integration` now uses (none after a disconnect).
pub fn announce_connection(
    app: &AppHandle,
    integration: Integration,
    connection: Option<ConnectionInfo>,
) {
    let event = ConnectionChanged {
        integration: Some(integration),
        connected: connection.is_some(),
        connection,
        error: None,
    };
    if let Err(error) = event.emit(app) {
        tracing::warn!(%error, "could not tell the window about a connection change");
    }
}
