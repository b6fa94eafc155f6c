//! What a sync came to, as a desktop notification tells it: a digest of what changed —
//! "HubSpot: 4 new · 3 changed" — and, first, what needs the person: a reconnect, a spent quota,
//! records left out to keep within the month's calls, a sync that failed or finished in part.
//! Nothing when nothing changed and nothing needs them. Shown by the CLI the schedule runs
//! (`notify-rust`) and by the app (its notification plugin).

use crate::error::{CoreError, ErrorCode};
use crate::integration::Integration;
use crate::item_store::ChangeSummary;

/// What one integration's sync came to, as the digest tells it.
pub enum Outcome {
    /// It synced: what changed, and the first stream that failed if it finished in part.
    Synced {
        integration: Integration,
        changes: ChangeSummary,
        failed_part: Option<String>,
        /// What it left out to stay within half of the month's API calls.
        held_back: Option<String>,
    },
    /// It did not sync.
    Failed {
        integration: Integration,
        error: CoreError,
    },
}

/// A notification to show: its title, its text, and whether it needs the person.
#[derive(Debug, PartialEq, Eq)]
pub struct Digest {
    pub summary: String,
    pub body: String,
    pub needs_you: bool,
}

/// The digest of `outcomes`; `None` when nothing changed and nothing needs the person.
pub fn digest(outcomes: &[Outcome]) -> Option<Digest> {
    let (mut changed, mut needs) = (Vec::new(), Vec::new());
    for outcome in outcomes {
        match outcome {
            Outcome::Synced {
                integration,
                changes,
                failed_part,
                held_back,
            } => {
                let name = integration.display_name();
                let counts: Vec<String> = [
                    (changes.new, "new"),
                    (changes.changed, "changed"),
                    (changes.gone, "gone"),
                ]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
                if !counts.is_empty() {
                    changed.push(format!("{name}: {}", counts.join(" · ")));
                }
                if let Some(part) = failed_part {
                    needs.push(format!(
                        "{name} synced in part: {part} did not (the next run tries again)."
                    ));
                }
                needs.extend(held_back.clone());
            }
            Outcome::Failed { integration, error } => {
                let name = integration.display_name();
                needs.push(match error.error_code() {
                    ErrorCode::ReconnectNeeded => {
                        format!("{name} needs you to reconnect: open Inlet.")
                    }
                    ErrorCode::QuotaExhausted => format!("{name}'s API quota is spent: {error}"),
                    _ => format!("{name} could not sync: {error}"),
                });
            }
        }
    }
    if changed.is_empty() && needs.is_empty() {
        return None;
    }
    let summary = if needs.is_empty() {
        "Inlet: your data changed"
    } else {
        "Inlet needs you"
    };
    Some(Digest {
        summary: summary.to_owned(),
        body: needs
            .iter()
            .chain(&changed)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        needs_you: !needs.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synced(integration: Integration, new: u32, changed: u32, gone: u32) -> Outcome {
        Outcome::Synced {
            integration,
            changes: ChangeSummary { new, changed, gone },
            failed_part: None,
            held_back: None,
        }
    }

    #[test]
    fn quiet_when_nothing_changed_and_nothing_needs_the_person() {
        assert_eq!(digest(&[synced(Integration::Hubspot, 0, 0, 0)]), None);
    }

    #[test]
    fn changes_are_counted_and_what_needs_the_person_comes_first() {
        let told = digest(&[
            synced(Integration::Hubspot, 12, 3, 0),
            Outcome::Failed {
                integration: Integration::Notion,
                error: CoreError::ReconnectNeeded {
                    integration: Integration::Notion,
                },
            },
        ])
        .unwrap();
        assert_eq!(told.summary, "Inlet needs you");
        assert_eq!(
            told.body,
            "Notion needs you to reconnect: open Inlet.\nHubSpot: 12 new · 3 changed"
        );
        assert!(told.needs_you);
        let quota = Outcome::Synced {
            integration: Integration::Airtable,
            changes: ChangeSummary::default(),
            failed_part: None,
            held_back: Some("Airtable's records were not refreshed: …".into()),
        };
        let held = digest(&[quota]).unwrap();
        assert!(
            held.needs_you
                && held
                    .body
                    .starts_with("Airtable's records were not refreshed")
        );
        let calm = digest(&[synced(Integration::Airtable, 0, 0, 2)]).unwrap();
        assert_eq!(
            (calm.summary.as_str(), calm.body.as_str(), calm.needs_you),
            ("Inlet: your data changed", "Airtable: 2 gone", false)
        );
    }
}
