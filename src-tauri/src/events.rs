//! What the app tells the window, through one channel the window opens (`subscribe`).
//!
//! Not Tauri's global events: a window allowed to listen may listen to any event name — Tauri's
//! `core:event:allow-listen` has no scope — and plugins emit events of their own, the deep link's
//! `deep-link://new-url` carrying a sign-in's code and state. Inlet's window has no event
//! permission at all (see `capabilities/default.json`); what it is told comes down the
//! `tauri::ipc::Channel` it handed to `subscribe`, and nothing else reaches it.

use std::sync::Mutex;

use inlet_core::load::LoadProgress;
use inlet_core::services::ConnectionInfo;
use inlet_core::{ErrorBody, Integration};
use serde::Serialize;
use specta::Type;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

use crate::logging::InternalError;

/// Something the window is told, tagged by `kind`.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", content = "payload")]
pub enum InletEvent {
    /// A sign-in finished or failed, or a connection was removed.
    ConnectionChanged(ConnectionChanged),
    /// A load moved on.
    LoadProgress(LoadProgressEvent),
    /// Inlet hit a bug.
    InternalError(InternalError),
}

/// The window's channel, once it subscribed (a reloaded window subscribes again, replacing it).
#[derive(Default)]
pub struct EventChannel(Mutex<Option<Channel<InletEvent>>>);

/// Sends `event` to the window, if it has subscribed; what it could not be told is logged.
pub fn send(app: &AppHandle, event: InletEvent) {
    let Some(events) = app.try_state::<EventChannel>() else {
        return;
    };
    let channel = events.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(channel) = channel {
        if let Err(error) = channel.send(event) {
            tracing::warn!(%error, "could not tell the window what happened");
        }
    }
}

/// Opens the one channel the window is told things through: connection changes, load progress
/// and internal errors (the window may listen to no event).
#[tauri::command]
#[specta::specta]
pub fn subscribe(events: State<'_, EventChannel>, channel: Channel<InletEvent>) {
    *events.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(channel);
}

/// A sign-in finished (through the deep link or the loopback redirect), or a connection was removed.
#[derive(Debug, Clone, Serialize, Type)]
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
#[derive(Debug, Clone, Serialize, Type)]
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
    send(app, InletEvent::ConnectionChanged(event));
}
