//! `inlet retention [DAYS]`: how long the history keeps every change (then one a day per item
//! until three months, then one a week), how many revisions it holds and the room they take;
//! DAYS sets it. `--json` prints the same for scripts.

use inlet_core::{CoreError, Inlet};

use super::say;

pub async fn run(inlet: &Inlet, days: Option<u32>, json: bool) -> Result<(), CoreError> {
    let space = match days {
        Some(days) => inlet.library.set_retention_days(days).await?,
        None => inlet.library.history_space().await?,
    };
    if json {
        let text = serde_json::to_string_pretty(&space)
            .map_err(|e| CoreError::serialization("the history's size", e))?;
        say(text);
        return Ok(());
    }
    say(format!(
        "Every change is kept for {} days, then one a day per item until {} days, then one a week.\n{} {}, {}{}; the whole store takes {}",
        space.days,
        space.daily_until_days.max(space.days),
        space.revisions,
        if space.revisions == 1 { "revision" } else { "revisions" },
        inlet_core::services::human_bytes(space.bytes),
        space
            .oldest
            .map(|t| format!(", since {t}"))
            .unwrap_or_default(),
        inlet_core::services::human_bytes(space.store_bytes)
    ));
    Ok(())
}
