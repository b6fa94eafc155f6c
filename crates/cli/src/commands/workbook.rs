//! `inlet workbook <base> -o file.xlsx`: a stored Airtable base as one workbook.

use std::path::Path;

use inlet_core::{CoreError, Inlet};

use super::Voice;

pub async fn run(inlet: &Inlet, voice: Voice, base: &str, output: &Path) -> Result<(), CoreError> {
    let accounts = inlet.connections.connected_accounts().await?;
    let records = inlet
        .library
        .export_base_workbook(&accounts, base, output)
        .await?;
    voice.note(format!("wrote {records} records to {}", output.display()));
    Ok(())
}
