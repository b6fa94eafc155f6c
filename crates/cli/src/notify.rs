//! A scheduled sync's desktop notification (freedesktop Notifications on the session bus,
//! through `notify-rust`) of the digest core makes (`inlet_core::digest`).

pub use inlet_core::digest::{digest, Digest, Outcome};

/// Shows `digest` on the desktop; a desktop without a notification service is said on standard
/// error, never a failed run.
pub fn show(digest: &Digest) {
    let urgency = if digest.needs_you {
        notify_rust::Urgency::Critical
    } else {
        notify_rust::Urgency::Normal
    };
    let shown = notify_rust::Notification::new()
        .appname("Inlet")
        .summary(&digest.summary)
        .body(&digest.body)
        .icon("dev.inlet.app")
        .urgency(urgency)
        .show();
    if let Err(error) = shown {
        tracing::warn!(%error, "the desktop notification could not be shown");
        eprintln!("note: the desktop notification could not be shown: {error}");
    }
}
