//! `inlet load <integration>`: the same load path as the app's — pages go into the item store as
//! they arrive (no whole load held in memory), and the output is read back, streamed, from the
//! finished generation: the account's current items (those gone since the load before are in
//! `inlet items --changes`, not here).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use inlet_core::export::{export_to_path, write_items, ExportFormat};
use inlet_core::providers::RecordScope;
use inlet_core::services::{Destination, ItemView};
use inlet_core::{CoreError, Inlet, Integration};

use super::Voice;
use crate::progress;

/// What `inlet load` was asked.
pub struct LoadArgs {
    pub integration: String,
    pub format: String,
    pub output: Option<PathBuf>,
    pub records: Option<String>,
    pub all_records: bool,
    pub records_of: Vec<String>,
}

pub async fn run(inlet: &Inlet, voice: Voice, args: LoadArgs) -> Result<ExitCode, CoreError> {
    let integration: Integration = args.integration.parse()?;
    let format: ExportFormat = args.format.parse()?;
    let scope = match (args.all_records, args.records_of.is_empty()) {
        (true, _) => RecordScope::All,
        (false, false) => RecordScope::Bases(args.records_of),
        (false, true) => RecordScope::None,
    };
    if (scope != RecordScope::None || args.records.is_some())
        && integration != Integration::Airtable
    {
        return Err(CoreError::invalid_argument(
            "--records, --all-records and --records-of are for Airtable bases only.",
        ));
    }
    if let Some(spec) = &args.records {
        return table_records(inlet, voice, spec, format, args.output).await;
    }
    let progress: inlet_core::load::ProgressFn = if progress::wanted(voice.quiet) {
        progress::bars()
    } else {
        Arc::new(|_| {})
    };
    if scope != RecordScope::None {
        // Airtable's calls are capped a month: say what this costs where the cap is known or was
        // met (a note, not a question — `inlet` runs in scripts too).
        if let Ok(estimate) = inlet.connections.records_estimate(scope.clone()).await {
            if estimate.ask_first {
                voice.note(&estimate.message);
            }
        }
    }
    let result = match scope {
        RecordScope::None => inlet.loader.load_into_store(integration, progress).await?,
        scope => {
            let load = inlet
                .loader
                .load_airtable_with_records(scope, progress, false);
            load.await?
        }
    };
    let written = if result.items.is_empty() {
        let accounts = inlet.connections.connected_accounts().await?;
        let view = ItemView {
            integrations: vec![integration],
            ..ItemView::default()
        };
        let destination = args.output.map_or(Destination::Stdout, Destination::File);
        inlet
            .library
            .write_view(&accounts, view, format, destination)
            .await?
    } else {
        // No item store could be opened: the load kept its items in memory.
        write_out(&result.items, format, args.output)?
    };
    voice.note(format!(
        "loaded {written} items from {}",
        integration.display_name()
    ));
    for note in &result.notes {
        voice.note(note.clone());
    }
    if result.failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for failure in &result.failures {
        let part = failure
            .part
            .as_ref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        eprintln!(
            "warning: {}{part} did not load completely: {}",
            failure.stream, failure.error.message
        );
    }
    Ok(ExitCode::from(3))
}

/// `--records <base>/<table>`: one table's records, loaded on demand.
async fn table_records(
    inlet: &Inlet,
    voice: Voice,
    spec: &str,
    format: ExportFormat,
    output: Option<PathBuf>,
) -> Result<ExitCode, CoreError> {
    let (base, table) = spec.split_once('/').ok_or_else(|| {
        CoreError::invalid_argument("--records takes <baseId>/<tableId>, e.g. appXXXX/tblYYYY.")
    })?;
    let records = inlet.loader.load_airtable_records(base, table).await?;
    let written = write_out(&records, format, output)?;
    voice.note(format!("loaded {written} items from Airtable"));
    Ok(ExitCode::SUCCESS)
}

/// Writes `items` to `output`, or to standard output; answers how many.
fn write_out(
    items: &[inlet_core::IntegrationItem],
    format: ExportFormat,
    output: Option<PathBuf>,
) -> Result<u64, CoreError> {
    match output {
        Some(path) => export_to_path(&path, format, items),
        None => write_items(
            std::io::BufWriter::new(std::io::stdout().lock()),
            format,
            items,
        )
        .map(|()| items.len() as u64),
    }
}
