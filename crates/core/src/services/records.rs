//! Stored Airtable bases written out as one workbook each.

use std::path::Path;

use super::library::{CurrentAccount, Library};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::{Delta, ItemKind};
use crate::providers::airtable::workbook::{write_workbook, TableSheet};

impl Library {
    /// Writes the stored Airtable base `base` (a base id) of the connected `accounts` to `path`
    /// as one workbook, a sheet per table; returns how many records it holds. A base whose
    /// records were never loaded is an error that says how to load them.
    pub async fn export_base_workbook(
        &self,
        accounts: &[CurrentAccount],
        base: &str,
        path: &Path,
    ) -> Result<u64> {
        let store = self
            .store()
            .cloned()
            .ok_or_else(|| CoreError::invalid_argument("There is no item store to export from."))?;
        let accounts: Vec<CurrentAccount> = accounts
            .iter()
            .filter(|a| a.integration == Integration::Airtable)
            .cloned()
            .collect();
        let (base, path) = (base.to_owned(), path.to_owned());
        tokio::task::spawn_blocking(move || {
            let mut base_without_records = false;
            for key in &accounts {
                let Some(generation) = store.current(key)? else {
                    continue;
                };
                let tables = store.children(generation.id, &base)?;
                let tables: Vec<_> = tables
                    .into_iter()
                    .filter(|t| t.item_type == ItemKind::Table && t.delta != Some(Delta::Gone))
                    .collect();
                if tables.is_empty() {
                    continue;
                }
                let mut sheets = Vec::with_capacity(tables.len());
                let mut records_seen = 0usize;
                for table in tables {
                    let records: Vec<_> = store
                        .children(generation.id, &table.id)?
                        .into_iter()
                        .filter(|r| r.item_type == ItemKind::Record && r.delta != Some(Delta::Gone))
                        .collect();
                    records_seen += records.len();
                    sheets.push(TableSheet { table, records });
                }
                if records_seen == 0 {
                    base_without_records = true;
                    continue; // another connected account may hold its records
                }
                return write_workbook(&path, &sheets);
            }
            if base_without_records {
                return Err(CoreError::invalid_argument(format!(
                    "No records of the base {base} are stored yet: load its records first (“Load all records”, or `inlet load airtable --records-of {base}`)."
                )));
            }
            Err(CoreError::invalid_argument(format!(
                "No stored Airtable base has the id {}; load Airtable first.",
                base.chars().take(64).collect::<String>()
            )))
        })
        .await
        .map_err(|e| CoreError::task_failed("export", e))?
    }
}
