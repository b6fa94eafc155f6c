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

/// The window's channel, once it subscribed (a reloaded window subscribes again, replacing it),
/// and what was said before it did: a sign-in completed by the deep link that launched Inlet
/// can finish before the window has subscribed.
#[derive(Default)]
pub struct EventChannel(Mutex<Subscription>);

#[derive(Default)]
struct Subscription {
    channel: Option<Channel<InletEvent>>,
    waiting: std::collections::VecDeque<InletEvent>,
}

/// Events kept for a window that has not subscribed yet; older ones beyond this are dropped.
const KEPT_UNTIL_SUBSCRIBED: usize = 64;

impl EventChannel {
    /// Sends `event` down the window's channel, or keeps it until the window subscribes.
    fn send(&self, event: InletEvent) {
        let mut subscription = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match &subscription.channel {
            Some(channel) => deliver(channel, event),
            None => {
                if subscription.waiting.len() == KEPT_UNTIL_SUBSCRIBED {
                    subscription.waiting.pop_front();
                }
                subscription.waiting.push_back(event);
            }
        }
    }

    /// Makes `channel` the window's, sending it first what was kept.
    fn subscribe(&self, channel: Channel<InletEvent>) {
        let mut subscription = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for event in std::mem::take(&mut subscription.waiting) {
            deliver(&channel, event);
        }
        subscription.channel = Some(channel);
    }
}

/// Sends `event` to the window, or keeps it until the window subscribes; what could not be sent
/// is logged.
pub fn send(app: &AppHandle, event: InletEvent) {
    if let Some(events) = app.try_state::<EventChannel>() {
        events.send(event);
    }
}

fn deliver(channel: &Channel<InletEvent>, event: InletEvent) {
    if let Err(error) = channel.send(event) {
        tracing::warn!(%error, "could not tell the window what happened");
    }
}

/// Opens the one channel the window is told things through: connection changes, load progress
/// and internal errors (the window may listen to no event). What was said before is sent first.
#[tauri::command]
#[specta::specta]
pub fn subscribe(events: State<'_, EventChannel>, channel: Channel<InletEvent>) {
    events.subscribe(channel);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tauri::ipc::InvokeResponseBody;

    fn collecting() -> (Channel<InletEvent>, Arc<Mutex<Vec<String>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let channel = Channel::new(move |body| {
            if let InvokeResponseBody::Json(json) = body {
                sink.lock().unwrap().push(json);
            }
            Ok(())
        });
        (channel, seen)
    }

    fn internal(message: &str) -> InletEvent {
        InletEvent::InternalError(InternalError {
            message: message.into(),
        })
    }

    /// What is said before the window subscribes (a sign-in finished by the deep link that
    /// launched Inlet) reaches it when it does, in order; a reloaded window's new channel
    /// replaces the old one.
    #[test]
    fn events_before_the_window_subscribes_are_kept_for_it() {
        let events = EventChannel::default();
        for n in 0..(KEPT_UNTIL_SUBSCRIBED + 2) {
            events.send(internal(&format!("early {n}")));
        }
        let (first, seen_first) = collecting();
        events.subscribe(first);
        events.send(internal("later"));
        let seen = seen_first.lock().unwrap().clone();
        assert_eq!(seen.len(), KEPT_UNTIL_SUBSCRIBED + 1);
        assert!(
            seen[0].contains("early 2"),
            "the oldest beyond the cap go: {}",
            seen[0]
        );
        assert!(seen[0].contains(r#""kind":"InternalError""#), "{}", seen[0]);
        assert!(seen.last().unwrap().contains("later"));
        let (second, seen_second) = collecting();
        events.subscribe(second);
        events.send(internal("after the reload"));
        assert_eq!(seen_first.lock().unwrap().len(), KEPT_UNTIL_SUBSCRIBED + 1);
        assert_eq!(seen_second.lock().unwrap().len(), 1);
    }
}
