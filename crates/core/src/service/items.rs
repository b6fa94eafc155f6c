//! The loaded items the service keeps: the latest load of each integration (in memory and in the
//! on-disk cache), and exports of exactly the items a view shows.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::Inlet;
use crate::cache::{CachedLoad, ItemCache};
use crate::config::Mode;
use crate::error::{CoreError, Result};
use crate::export::{export_to_path, ExportFormat};
use crate::item::{Integration, IntegrationItem};
use crate::load::LoadResult;
use crate::store::StoredConnection;

impl Inlet {
    /// Keeps the last loads on disk in `cache` (the app data dir).
    pub fn with_cache(mut self, cache: ItemCache) -> Self {
        self.cache = Some(cache);
        self
    }

    pub(super) fn latest(&self) -> std::sync::MutexGuard<'_, HashMap<Integration, CachedLoad>> {
        self.latest.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a finished load in memory and on disk (a cache failure is logged, not fatal).
    pub(super) async fn remember(&self, connection: &StoredConnection, result: &LoadResult) {
        let load = CachedLoad {
            integration: connection.integration,
            mode: connection.mode,
            account: connection.account.clone(),
            loaded_at: Utc::now(),
            partial: result.partial,
            items: result.items.clone(),
        };
        if let Some(cache) = self.cache.clone() {
            let copy = load.clone();
            match tokio::task::spawn_blocking(move || cache.save(&copy)).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::warn!(code = error.code(), "could not cache the loaded items")
                }
                Err(error) => tracing::warn!(%error, "the cache writer stopped"),
            }
        }
        self.latest().insert(connection.integration, load);
    }

    pub(super) fn forget(&self, integration: Integration, mode: Mode) {
        self.latest().remove(&integration);
        if let Some(cache) = &self.cache {
            cache.remove(integration, mode);
        }
    }

    pub(super) fn last_loaded_at(&self, integration: Integration) -> Option<DateTime<Utc>> {
        self.latest().get(&integration).map(|l| l.loaded_at)
    }

    /// The cached loads of the connections that exist in the current modes, read from disk once
    /// at start so the app is useful offline.
    pub async fn cached_loads(&self) -> Result<Vec<CachedLoad>> {
        let Some(cache) = self.cache.clone() else {
            return Ok(self.latest().values().cloned().collect());
        };
        let from_disk = tokio::task::spawn_blocking(move || cache.load_all())
            .await
            .map_err(|e| CoreError::invalid_argument(e.to_string()))?;
        let mut shown = Vec::new();
        for load in from_disk {
            let current = self.settings(load.integration).ok().map(|s| s.mode);
            let connected = self.credentials(load.integration).await.ok().flatten();
            if current == Some(load.mode)
                && connected.is_some_and(|c| c.account.id == load.account.id)
            {
                self.latest()
                    .entry(load.integration)
                    .or_insert_with(|| load.clone());
                shown.push(load);
            }
        }
        Ok(shown)
    }

    /// Keeps the last Airtable records opened, so a view of them can be exported too.
    pub(super) fn remember_records(&self, records: &[IntegrationItem]) {
        *self.records.lock().unwrap_or_else(|p| p.into_inner()) = records.to_vec();
    }

    /// Writes the items with these keys (`IntegrationItem::key`), in this order, to `path`.
    /// A key that is no longer loaded is an error rather than a silently shorter file.
    pub async fn export_view(
        &self,
        keys: Vec<String>,
        format: ExportFormat,
        path: &Path,
    ) -> Result<u64> {
        let snapshot: Vec<CachedLoad> = self.latest().values().cloned().collect();
        let records = self
            .records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || {
            let loaded = snapshot
                .iter()
                .flat_map(|l| l.items.iter())
                .chain(records.iter());
            let index: HashMap<String, &IntegrationItem> = loaded.map(|i| (i.key(), i)).collect();
            let mut chosen = Vec::with_capacity(keys.len());
            for key in &keys {
                let item = index.get(key).ok_or_else(|| {
                    CoreError::invalid_argument(format!(
                        "The item {key} is no longer loaded; reload and export again."
                    ))
                })?;
                chosen.push(*item);
            }
            export_to_path(&path, format, chosen)
        })
        .await
        .map_err(|e| CoreError::invalid_argument(e.to_string()))?
    }

    /// Writes every loaded item, integration by integration, to `path`.
    pub async fn export_all(&self, format: ExportFormat, path: &Path) -> Result<u64> {
        let mut snapshot: Vec<CachedLoad> = self.latest().values().cloned().collect();
        snapshot.sort_by_key(|l| l.integration);
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || {
            export_to_path(&path, format, snapshot.iter().flat_map(|l| l.items.iter()))
        })
        .await
        .map_err(|e| CoreError::invalid_argument(e.to_string()))?
    }
}
