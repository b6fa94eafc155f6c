//! Records, which come only when asked for (an Airtable base's): kept across the loads that do
//! not load them again, and written out as one workbook per base.

use std::collections::HashSet;
use std::path::Path;

use super::library::{CurrentAccount, Library};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item_store::{AccountKey, RowFilter, SortColumn, ViewSort};
use crate::load::LoadResult;
use crate::providers::airtable::workbook::{write_workbook, TableSheet};

/// The item type of a record.
const RECORD: &str = "record";

impl Library {
    /// Adds to `result` (a load kept whole) the records stored for `key` before, of every table
    /// the load found again but whose records it did not load again (`reloaded` lists those it
    /// did): asking for one base's records must not forget the others', and a load of bases
    /// and tables alone must not report every record gone. A container whose stream failed
    /// (`failed`: Airtable base ids) keeps its stored tables and their records as they were,
    /// so a partial load loses nothing it had. Records of tables that are no longer there are
    /// left out (they are gone).
    pub async fn keep_records(
        &self,
        key: &AccountKey,
        result: &mut LoadResult,
        reloaded: Vec<String>,
        failed: Vec<String>,
    ) -> Result<()> {
        let Some(store) = self.store().cloned() else {
            return Ok(());
        };
        let mut tables: HashSet<String> = result
            .items
            .iter()
            .filter(|i| i.item_type == "table")
            .map(|i| i.id.clone())
            .filter(|id| !reloaded.contains(id))
            .collect();
        if tables.is_empty() && failed.is_empty() {
            return Ok(());
        }
        let key = key.clone();
        let stored = tokio::task::spawn_blocking(move || {
            let Some(current) = store.current(&key)? else {
                return Ok(Vec::new());
            };
            let filter = RowFilter {
                types: vec!["table".to_owned(), RECORD.to_owned()],
                ..RowFilter::default()
            };
            let order = ViewSort {
                column: SortColumn::Loaded,
                descending: false,
            };
            store.window(&[current.id], &filter, order, 0, u32::MAX)
        })
        .await
        .map_err(|e| CoreError::task_failed("reading the item store", e))??;
        let present: HashSet<String> = result.items.iter().map(|i| i.key()).collect();
        let live = |i: &crate::item::IntegrationItem| i.delta.as_deref() != Some("gone");
        // The tables of a failed base, as stored: kept, and so are their records.
        let failed_tables: Vec<_> = stored
            .iter()
            .filter(|t| t.item_type == "table" && live(t) && !present.contains(&t.key()))
            .filter(|t| t.parent_id.as_ref().is_some_and(|b| failed.contains(b)))
            .cloned()
            .collect();
        tables.extend(failed_tables.iter().map(|t| t.id.clone()));
        let kept: Vec<_> = stored
            .into_iter()
            .filter(|r| r.item_type == RECORD && live(r))
            .filter(|r| r.parent_id.as_ref().is_some_and(|t| tables.contains(t)))
            .filter(|r| !present.contains(&r.key()))
            .collect();
        if !kept.is_empty() || !failed_tables.is_empty() {
            tracing::debug!(
                records = kept.len(),
                tables = failed_tables.len(),
                "items kept from the load before"
            );
        }
        result.items.extend(failed_tables);
        result.items.extend(kept);
        result.count = u32::try_from(result.items.len()).unwrap_or(u32::MAX);
        Ok(())
    }

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
                    .filter(|t| t.item_type == "table" && t.delta.as_deref() != Some("gone"))
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
                        .filter(|r| r.item_type == RECORD && r.delta.as_deref() != Some("gone"))
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
