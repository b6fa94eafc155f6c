//! `inlet status`: every integration, its mode and connection (never a token); `--json` for
//! scripts.

use inlet_core::{CoreError, Inlet};

use super::say;

pub async fn run(inlet: &Inlet, json: bool) -> Result<(), CoreError> {
    let statuses = inlet.connections.integrations().await?;
    if json {
        let text = serde_json::to_string_pretty(&statuses)
            .map_err(|e| CoreError::serialization("the status", e))?;
        say(text);
        return Ok(());
    }
    for s in statuses {
        let mode = s
            .mode
            .map(|m| format!("{m:?}").to_lowercase())
            .unwrap_or_else(|| "not configured".into());
        let state = match (&s.account, s.reconnect_needed) {
            (Some(_), true) => "reconnect needed".to_owned(),
            (Some(a), false) => format!("connected as {}", a.label),
            (None, _) => "not connected".to_owned(),
        };
        say(format!("{:<10} {:<15} {}", s.integration, mode, state));
        if let Some(usage) = s.usage.as_ref().filter(|_| s.account.is_some()) {
            say(format!("{:<26} {}", "", super::plan::describe(usage)));
        }
    }
    Ok(())
}
