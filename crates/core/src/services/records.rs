//! What a provider carries over between loads (records, which come only when asked for — an
//! Airtable base's — kept across the loads that do not load them again), and stored bases
//! written out as one workbook each.

use std::collections::HashSet;
use std::path::Path;

use super::library::{CurrentAccount, Library};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::IntegrationItem;
use crate::item::{Delta, ItemKind};
use crate::item_store::{AccountKey, RowFilter, SortColumn, ViewSort};
use crate::load::LoadResult;
use crate::providers::airtable::workbook::{write_workbook, TableSheet};
use crate::providers::CarryOver;

impl Library {
    /// Adds to `result` (a load kept whole) what its provider carries over from `key`'s load
    /// before ([`CarryOver`]): the stored children of containers found again whose contents
    /// were not loaded again (asking for one base's records must not forget the others', and a
    /// load of bases and tables alone must not report every record gone), and the stored
    /// subtrees of containers whose streams failed (a partial load loses nothing it had), and
    /// the stored items a sync named as kept (its unchanged ones).
    /// Children of containers no longer there are left out (they are gone).
    pub async fn carry_over(
        &self,
        key: &AccountKey,
        result: &mut LoadResult,
        carry: CarryOver,
    ) -> Result<()> {
        let Some(store) = self.store().cloned() else {
            return Ok(());
        };
        if carry.is_empty() {
            return Ok(());
        }
        let key = key.clone();
        let kinds = carry.kinds.clone();
        let stored = tokio::task::spawn_blocking(move || {
            let Some(current) = store.current(&key)? else {
                return Ok(Vec::new());
            };
            let filter = RowFilter {
                types: kinds,
                without_gone: true,
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
        let under = |i: &IntegrationItem, parents: &HashSet<String>| {
            i.parent_id.as_ref().is_some_and(|p| parents.contains(p))
        };
        // A failed stream's containers, as stored: kept, and so are their children.
        let failed: Vec<_> = stored
            .iter()
            .filter(|i| !present.contains(&i.key()) && under(i, &carry.subtrees_of))
            .cloned()
            .collect();
        let mut parents = carry.children_of;
        parents.extend(failed.iter().map(|i| i.id.clone()));
        let listed: HashSet<&str> = result.kept.iter().map(String::as_str).collect();
        let kept: Vec<_> = stored
            .into_iter()
            .filter(|i| {
                let key = i.key();
                !present.contains(&key)
                    && (under(i, &parents) || (carry.listed && listed.contains(key.as_str())))
            })
            .collect();
        if !kept.is_empty() || !failed.is_empty() {
            tracing::debug!(
                children = kept.len(),
                of_failed_streams = failed.len(),
                "items kept from the load before"
            );
        }
        result.items.extend(failed);
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
