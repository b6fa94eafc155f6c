//! `inlet sync [integration]`: brings the stored copy up to date — only what changed since the
//! last load where the provider can tell (HubSpot: records modified since, and those deleted),
//! a full load for the others — and says what it cost: requests, time, and what changed.
//! `--json` prints the same as one JSON object per integration, for scripts. `--all` (what the
//! schedule runs) syncs every connected integration, goes on past one that fails, and keeps
//! what the run did for Settings and `inlet schedule`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use inlet_core::providers::LoadRequest;
use inlet_core::schedule::LastRun;
use inlet_core::{CoreError, Inlet, Integration};
use serde_json::json;

use super::Voice;
use crate::notify::{self, Outcome};

/// What `inlet sync` was asked.
pub struct Asked {
    pub integration: Option<String>,
    pub all: bool,
    pub notify: bool,
    pub scheduled: bool,
    pub json: bool,
}

pub async fn run(inlet: &Inlet, voice: Voice, asked: Asked) -> Result<ExitCode, CoreError> {
    let Asked {
        integration,
        all,
        notify,
        scheduled,
        json,
    } = asked;
    let named = integration.is_some();
    let integrations = match integration {
        Some(name) => vec![name.parse::<Integration>()?],
        None => connected(inlet).await?,
    };
    if integrations.is_empty() {
        return Err(CoreError::invalid_argument(
            "Nothing is connected: `inlet connect <integration>` first.",
        ));
    }
    let (mut partial, mut failed) = (false, false);
    let (mut said, mut outcomes) = (Vec::new(), Vec::new());
    for integration in integrations {
        match sync_one(inlet, voice, integration, scheduled, json).await {
            Ok((line, outcome)) => {
                if let Outcome::Synced { failed_part, .. } = &outcome {
                    partial |= failed_part.is_some();
                }
                said.push(line);
                outcomes.push(outcome);
            }
            // One named integration fails the command as any command fails.
            Err(error) if named => return Err(error),
            Err(error) => {
                failed = true;
                let name = integration.display_name();
                if json {
                    println!(
                        "{}",
                        json!({"integration": integration, "error": error.to_body()})
                    );
                } else {
                    eprintln!("error: {name}: {error} [{}]", error.code());
                }
                said.push(format!("{name}: {error}"));
                outcomes.push(Outcome::Failed { integration, error });
            }
        }
    }
    if notify && inlet.library.notifications_on().await? {
        if let Some(digest) = notify::digest(&outcomes) {
            // A D-Bus call that waits for its answer: off the async workers.
            let _ = tokio::task::spawn_blocking(move || notify::show(&digest)).await;
        }
    }
    if all || !named {
        let run = LastRun::now(!partial && !failed, said.join(" · "));
        inlet.library.record_sync_run(&run).await?;
    }
    Ok(match (failed, partial) {
        (true, _) => ExitCode::from(1),
        (false, true) => ExitCode::from(3),
        (false, false) => ExitCode::SUCCESS,
    })
}

/// The connected integrations, in the app's order.
async fn connected(inlet: &Inlet) -> Result<Vec<Integration>, CoreError> {
    let mut connected: Vec<Integration> = (inlet.connections.connected_accounts().await?)
        .iter()
        .map(|account| account.integration)
        .collect();
    connected.dedup();
    Ok(connected)
}

/// Syncs `integration`, prints what it did, and answers that line and what it came to.
async fn sync_one(
    inlet: &Inlet,
    voice: Voice,
    integration: Integration,
    scheduled: bool,
    json: bool,
) -> Result<(String, Outcome), CoreError> {
    let request = LoadRequest {
        sync: true,
        scheduled,
        ..LoadRequest::structure()
    };
    // Calls capped by a plan (Airtable's records): a sync someone asked for says what it costs
    // where it would pass half the month's calls (a note: `inlet` runs in scripts too).
    if !scheduled {
        if let Ok(Some(estimate)) = inlet.connections.load_estimate(integration, &request).await {
            if estimate.ask_first {
                voice.note(&estimate.message);
            }
        }
    }
    let started = Instant::now();
    let silent: inlet_core::load::ProgressFn = Arc::new(|_| {});
    let result = inlet
        .loader
        .load_with(integration, request, silent, false)
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let changes = result.changes.unwrap_or_default();
    let incremental = result.incremental;
    let line = format!(
        "{}: {} new, {} changed, {} gone",
        integration.display_name(),
        changes.new,
        changes.changed,
        changes.gone
    );
    if json {
        let report = json!({
            "integration": integration,
            "incremental": incremental,
            "requests": result.requests,
            "seconds": seconds,
            "new": changes.new,
            "changed": changes.changed,
            "gone": changes.gone,
            "partial": result.partial,
            "notes": result.notes,
        });
        println!("{report}");
    } else {
        let full = if incremental { "" } else { " (a full load)" };
        println!(
            "{line} — {} requests, {seconds:.1} s{full}",
            result.requests
        );
        for note in &result.notes {
            voice.note(note);
        }
    }
    for failure in &result.failures {
        eprintln!(
            "warning: {} did not sync completely: {}",
            failure.stream, failure.error.message
        );
    }
    let outcome = Outcome::Synced {
        integration,
        changes,
        failed_part: result.failures.first().map(|f| f.stream.clone()),
        held_back: result.held_back.clone(),
    };
    Ok((line, outcome))
}
