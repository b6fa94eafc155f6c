//! `inlet export [P] --format markdown --output DIR [--zip]`: everything stored for the
//! connected accounts as a vault (no network call): Markdown pages with front matter, CSVs,
//! workbooks, and the kept files beside them.

use std::path::Path;

use inlet_core::services::parse_as_of;
use inlet_core::{CoreError, Inlet, Integration};

use super::Voice;

pub async fn run(
    inlet: &Inlet,
    voice: Voice,
    integration: Option<String>,
    format: &str,
    output: &Path,
    zip: bool,
    as_of: Option<String>,
) -> Result<(), CoreError> {
    if !format.trim().eq_ignore_ascii_case("markdown") {
        return Err(CoreError::invalid_argument(format!(
            "`inlet export` writes a Markdown folder (--format markdown); for one {} file of items use `inlet items --format {} --output FILE`.",
            format.chars().take(16).collect::<String>(),
            format.chars().take(16).collect::<String>()
        )));
    }
    let integrations: Vec<Integration> = integration
        .map(|i| i.parse())
        .transpose()?
        .into_iter()
        .collect();
    let accounts = inlet.connections.connected_accounts().await?;
    let report = match as_of {
        None => {
            (inlet.library)
                .export_vault(&accounts, &integrations, output, zip)
                .await?
        }
        Some(as_of) => {
            let (then, notes) = inlet.library.as_of(&accounts, parse_as_of(&as_of)?).await?;
            for note in notes {
                voice.note(note);
            }
            then.export_vault(&accounts, &integrations, output, zip)
                .await?
        }
    };
    voice.note(format!(
        "exported {} pages, {} tables and {} files to {}",
        report.pages,
        report.tables,
        report.files,
        output.display()
    ));
    Ok(())
}
