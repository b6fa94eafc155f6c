//! `inlet history <id>`: an item's history — every change the loads and syncs found, oldest
//! first, with the fields that moved and their values before and after (no network call).
//! `--json` prints one revision per line.

use std::process::ExitCode;

use inlet_core::item_store::{FieldChange, Revision};
use inlet_core::services::parse_since;
use inlet_core::{CoreError, Inlet};

pub async fn run(
    inlet: &Inlet,
    id: Option<&str>,
    since: Option<&str>,
    json: bool,
) -> Result<ExitCode, CoreError> {
    let accounts = inlet.connections.connected_accounts().await?;
    let since = since.map(parse_since).transpose()?;
    let mut revisions = match id {
        Some(id) => inlet.library.item_history(&accounts, id).await?,
        None => Vec::new(),
    };
    if let Some(since) = since {
        revisions = match id {
            Some(_) => revisions
                .into_iter()
                .filter(|r| parse_since(&r.seen_at).is_ok_and(|seen| seen >= since))
                .collect(),
            None => inlet.library.changes_since(&accounts, since).await?,
        };
    }
    if revisions.is_empty() {
        if let Some(id) = id {
            return Err(CoreError::invalid_argument(format!(
                "No change of {id} is kept: it has not changed since it was first loaded, or no \
                 connected account holds it."
            )));
        }
        eprintln!("No change was seen since then.");
    }
    for revision in &revisions {
        if json {
            let line = serde_json::to_string(revision)
                .map_err(|e| CoreError::invalid_argument(format!("could not write JSON: {e}")))?;
            println!("{line}");
        } else {
            print!("{}", describe(revision));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A revision in a few lines: when, what, and each field's move.
fn describe(revision: &Revision) -> String {
    let what = match revision.kind.as_str() {
        "new" => "appeared",
        "gone" => "was gone",
        _ => "changed",
    };
    let by = (revision.edited_by.as_deref())
        .map(|who| format!(" by {who}"))
        .unwrap_or_default();
    let mut text = format!(
        "{}  {} {what}{by} ({})\n",
        revision.seen_at,
        revision.name,
        revision.account.integration.display_name()
    );
    for FieldChange {
        field, from, to, ..
    } in &revision.changes
    {
        text.push_str(&format!("    {field}: {} → {}\n", shown(from), shown(to)));
    }
    text
}

/// A value as one short line.
fn shown(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::Null => "—".to_owned(),
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
