//! Library: the loaded items — the latest load of each integration (in memory and in the on-disk
//! cache), the last Airtable records opened — and exports of exactly the items a view shows.
//! It knows nothing of tokens or providers; its interface is what the item store replaces.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::cache::{CachedLoad, ItemCache};
use crate::config::Mode;
use crate::error::{CoreError, Result};
use crate::export::{export_to_path, ExportFormat};
use crate::integration::Integration;
use crate::item::IntegrationItem;

/// The connection a cached load must belong to, to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentAccount {
    /// Which integration.
    pub integration: Integration,
    /// Its current mode.
    pub mode: Mode,
    /// The active account's id.
    pub account_id: String,
}

/// The loaded items.
#[derive(Default)]
pub struct Library {
    cache: Option<ItemCache>,
    latest: Mutex<HashMap<Integration, CachedLoad>>,
    records: Mutex<Vec<IntegrationItem>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another thread panicked mid-update; the data is still usable.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Library {
    /// A library that keeps the last loads on disk in `cache` (the app data dir), or only in
    /// memory.
    pub fn new(cache: Option<ItemCache>) -> Self {
        Self {
            cache,
            ..Self::default()
        }
    }

    /// Records a finished load in memory and on disk (a cache failure is logged, not fatal).
    pub async fn remember(&self, load: CachedLoad) {
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
        lock(&self.latest).insert(load.integration, load);
    }

    /// Forgets the items of `integration` on screen (another account or mode is now current).
    pub fn set_aside(&self, integration: Integration) {
        lock(&self.latest).remove(&integration);
    }

    /// Forgets the items of `integration` in `mode`, on screen and on disk (a disconnect).
    pub fn forget(&self, integration: Integration, mode: Mode) {
        self.set_aside(integration);
        if let Some(cache) = &self.cache {
            cache.remove(integration, mode);
        }
    }

    /// When the items of `integration` on screen were loaded.
    pub fn last_loaded_at(&self, integration: Integration) -> Option<DateTime<Utc>> {
        lock(&self.latest).get(&integration).map(|l| l.loaded_at)
    }

    /// The cached loads that belong to `current` accounts, read from disk (once per start, so
    /// the app is useful offline) and kept as the items on screen.
    pub async fn cached_loads(&self, current: &[CurrentAccount]) -> Result<Vec<CachedLoad>> {
        let Some(cache) = self.cache.clone() else {
            return Ok(lock(&self.latest).values().cloned().collect());
        };
        let from_disk = tokio::task::spawn_blocking(move || cache.load_all())
            .await
            .map_err(|e| CoreError::task_failed("reading the item cache", e))?;
        let mut shown = Vec::new();
        for load in from_disk {
            let belongs = current.iter().any(|c| {
                c.integration == load.integration
                    && c.mode == load.mode
                    && c.account_id == load.account.id
            });
            if belongs {
                lock(&self.latest)
                    .entry(load.integration)
                    .or_insert_with(|| load.clone());
                shown.push(load);
            }
        }
        Ok(shown)
    }

    /// Keeps the last Airtable records opened, so a view of them can be exported too.
    pub fn remember_records(&self, records: &[IntegrationItem]) {
        *lock(&self.records) = records.to_vec();
    }

    /// Writes the items with `keys` (a view), or every loaded item when there are none, to `path`.
    pub async fn export(
        &self,
        keys: Option<Vec<String>>,
        format: ExportFormat,
        path: &Path,
    ) -> Result<u64> {
        match keys {
            Some(keys) => self.export_view(keys, format, path).await,
            None => self.export_all(format, path).await,
        }
    }

    /// Writes the items with these keys (`IntegrationItem::key`), in this order, to `path`.
    /// A key that is no longer loaded is an error rather than a silently shorter file.
    pub async fn export_view(
        &self,
        keys: Vec<String>,
        format: ExportFormat,
        path: &Path,
    ) -> Result<u64> {
        let snapshot: Vec<CachedLoad> = lock(&self.latest).values().cloned().collect();
        let records = lock(&self.records).clone();
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
        .map_err(|e| CoreError::task_failed("export", e))?
    }

    /// Writes every loaded item, integration by integration, to `path`.
    pub async fn export_all(&self, format: ExportFormat, path: &Path) -> Result<u64> {
        let mut snapshot: Vec<CachedLoad> = lock(&self.latest).values().cloned().collect();
        snapshot.sort_by_key(|l| l.integration);
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || {
            export_to_path(&path, format, snapshot.iter().flat_map(|l| l.items.iter()))
        })
        .await
        .map_err(|e| CoreError::task_failed("export", e))?
    }
}
