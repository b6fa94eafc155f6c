//! `inlet load <integration>`: the same load path as the app's — pages go into the item store as
//! they arrive (no whole load held in memory), and the output is read back, streamed, from the
//! finished generation: the account's current items (those gone since the load before are in
//! `inlet items --changes`, not here).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use inlet_core::export::{export_to_path, write_items, ExportFormat};
use inlet_core::providers::{LoadRequest, RecordScope};
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
    pub content: bool,
}

pub async fn run(inlet: &Inlet, voice: Voice, args: LoadArgs) -> Result<ExitCode, CoreError> {
    let integration: Integration = args.integration.parse()?;
    let format: ExportFormat = args.format.parse()?;
    let table = args.records.as_deref().map(table_of).transpose()?;
    let capabilities = inlet_core::providers::provider(integration).capabilities();
    let asks_records = table.is_some() || args.all_records || !args.records_of.is_empty();
    if asks_records && capabilities.records_of.is_empty() {
        return Err(CoreError::invalid_argument(format!(
            "--records, --all-records and --records-of are for Airtable only: a {} load brings everything.",
            integration.display_name()
        )));
    }
    // `--records` names a table by id or name: the load asks for that one table, by id.
    let table = match table {
        Some((base, table)) => Some(resolve_table(inlet, &base, &table).await?),
        None => None,
    };
    let scope = match (args.all_records, args.records_of.is_empty(), &table) {
        (_, _, Some(table)) => RecordScope::Of(vec![table.clone()]),
        (true, _, None) => RecordScope::All,
        (false, false, None) => RecordScope::Of(args.records_of),
        (false, true, None) => RecordScope::None,
    };
    if args.content && !capabilities.content {
        return Err(CoreError::invalid_argument(format!(
            "--content is for Notion: {} items have no content beyond their fields.",
            integration.display_name()
        )));
    }
    let request = LoadRequest {
        content: args.content,
        ..LoadRequest::with_records(scope)
    };
    let progress: inlet_core::load::ProgressFn = if progress::wanted(voice.quiet) {
        progress::bars()
    } else {
        Arc::new(|_| {})
    };
    // Calls capped by a plan (Airtable's records): say what this costs where the cap is known
    // or was met (a note, not a question — `inlet` runs in scripts too).
    if let Ok(Some(estimate)) = inlet.connections.load_estimate(integration, &request).await {
        if estimate.ask_first {
            voice.note(&estimate.message);
        }
    }
    let load = inlet
        .loader
        .load_with(integration, request, progress, false);
    let result = load.await?;
    let written = if result.items.is_empty() {
        let accounts = inlet.connections.connected_accounts().await?;
        // `--records`: that table's records, as stored now.
        let view = ItemView {
            integrations: vec![integration],
            parent: table,
            ..ItemView::default()
        };
        let destination = args.output.map_or(Destination::Stdout, Destination::File);
        inlet
            .library
            .write_view(&accounts, view, format, destination)
            .await?
    } else {
        // No item store could be opened: the load kept its items in memory.
        let items: Vec<_> = (result.items.into_iter())
            .filter(|i| table.is_none() || i.parent_id == table)
            .collect();
        write_out(&items, format, args.output)?
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

/// `--records <base>/<table>`: the base's id and the table's id or name.
fn table_of(spec: &str) -> Result<(String, String), CoreError> {
    let valid = |s: &str| !s.is_empty() && s.len() <= 256 && !s.contains(['/', '?', '#']);
    match spec.split_once('/') {
        Some((base, table)) if valid(base) && valid(table) => {
            Ok((base.to_owned(), table.to_owned()))
        }
        _ => Err(CoreError::invalid_argument(
            "--records takes <baseId>/<tableId>, e.g. appXXXX/tblYYYY.",
        )),
    }
}

/// The id of the table `table` (an id or a name) of the base `base`, from the store — after a
/// load of the account's bases and tables when the store does not know it yet.
async fn resolve_table(inlet: &Inlet, base: &str, table: &str) -> Result<String, CoreError> {
    let accounts = inlet.connections.connected_accounts().await?;
    if let Some(id) = stored_table_id(inlet, &accounts, base, table).await? {
        return Ok(id);
    }
    let silent: inlet_core::load::ProgressFn = Arc::new(|_| {});
    let structure = LoadRequest::structure();
    (inlet.loader)
        .load_with(Integration::Airtable, structure, silent, false)
        .await?;
    stored_table_id(inlet, &accounts, base, table)
        .await?
        .ok_or_else(|| {
            CoreError::invalid_argument(format!("The base {base} has no table {table}."))
        })
}

/// The id of the stored table `table` (an id or a name) of the base `base`, if stored.
async fn stored_table_id(
    inlet: &Inlet,
    accounts: &[inlet_core::services::CurrentAccount],
    base: &str,
    table: &str,
) -> Result<Option<String>, CoreError> {
    let view = ItemView {
        integrations: vec![Integration::Airtable],
        parent: Some(base.to_owned()),
        types: vec![inlet_core::ItemKind::Table],
        ..ItemView::default()
    };
    let tables = inlet.library.window(accounts, view, 0, 500).await?;
    Ok(tables
        .rows
        .into_iter()
        .map(|row| row.item)
        .filter(|t| t.delta != Some(inlet_core::Delta::Gone))
        .find(|t| t.id == table || t.name == table)
        .map(|t| t.id))
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
