//! Library: the loaded items — every account's latest load in the SQLite item store (in memory
//! when there is no data dir), the last Airtable records opened — and exports of exactly the
//! items a view shows. It knows nothing of tokens or providers.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::cache::{CachedLoad, ItemCache};
use crate::error::{CoreError, Result};
use crate::export::{export_to_path, ExportFormat};
use crate::integration::Integration;
use crate::item::IntegrationItem;
use crate::item_store::{AccountKey, ItemQuery, ItemStore, FILE_NAME};
use crate::sync::lock;

/// The connection a stored load must belong to, to be shown.
pub type CurrentAccount = AccountKey;

/// The loaded items.
#[derive(Default)]
pub struct Library {
    store: Option<ItemStore>,
    latest: Mutex<HashMap<Integration, CachedLoad>>,
    records: Mutex<Vec<IntegrationItem>>,
}

impl Library {
    /// A library over `store`, or in memory only.
    pub fn new(store: Option<ItemStore>) -> Self {
        Self {
            store,
            ..Self::default()
        }
    }

    /// The library of the data dir: its item store (created on first use), with the JSON cache
    /// of earlier versions moved into it. Without a usable data dir, items live in memory and
    /// the log says why.
    pub fn open(data_dir: Option<&Path>) -> Self {
        let Some(dir) = data_dir else {
            tracing::warn!("no data dir: loaded items are not kept between runs");
            return Self::new(None);
        };
        match ItemStore::open(&dir.join(FILE_NAME)) {
            Ok(store) => {
                migrate_json_cache(&store, &dir.join("items"));
                Self::new(Some(store))
            }
            Err(error) => {
                tracing::warn!(code = error.code(), %error, "the item store is unavailable; items stay in memory");
                Self::new(None)
            }
        }
    }

    /// The item store, when there is one.
    pub fn store(&self) -> Option<&ItemStore> {
        self.store.as_ref()
    }

    /// Records a finished load: stored as a new generation of its account (compared with the
    /// previous one), and kept as the items on screen. Returns the load as stored — with each
    /// item's `delta` and the change counts — or, if storing failed (logged), as given. A load
    /// cancelled before it is stored leaves the store and the screen as they were.
    pub async fn remember(&self, load: CachedLoad, cancel: &CancellationToken) -> CachedLoad {
        let stored = match self.store.clone() {
            Some(store) => {
                let (given, token) = (load.clone(), cancel.clone());
                match tokio::task::spawn_blocking(move || store_load(&store, given, &token)).await {
                    Ok(Ok(stored)) => stored,
                    Ok(Err(CoreError::Cancelled)) => return load,
                    Ok(Err(error)) => {
                        tracing::warn!(code = error.code(), %error, "could not store the loaded items");
                        load
                    }
                    Err(error) => {
                        tracing::warn!(%error, "the item store writer stopped");
                        load
                    }
                }
            }
            None => load,
        };
        if !cancel.is_cancelled() {
            lock(&self.latest).insert(stored.integration, stored.clone());
        }
        stored
    }

    /// Forgets the items of `integration` on screen (another account or mode is now current).
    pub fn set_aside(&self, integration: Integration) {
        lock(&self.latest).remove(&integration);
    }

    /// Forgets an account's items, on screen and in the store (after a disconnect, when asked).
    pub async fn forget(&self, account: &AccountKey) -> Result<()> {
        if lock(&self.latest)
            .get(&account.integration)
            .is_some_and(|l| l.mode == account.mode && l.account.id == account.account_id)
        {
            self.set_aside(account.integration);
        }
        let (Some(store), account) = (self.store.clone(), account.clone()) else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || store.forget(&account))
            .await
            .map_err(|e| CoreError::task_failed("forgetting stored items", e))?
    }

    /// When the items of `integration` on screen were loaded.
    pub fn last_loaded_at(&self, integration: Integration) -> Option<DateTime<Utc>> {
        lock(&self.latest).get(&integration).map(|l| l.loaded_at)
    }

    /// The stored loads of the `current` accounts (so the app is useful offline at start), kept
    /// as the items on screen.
    pub async fn cached_loads(&self, current: &[CurrentAccount]) -> Result<Vec<CachedLoad>> {
        let Some(store) = self.store.clone() else {
            return Ok(lock(&self.latest).values().cloned().collect());
        };
        let current = current.to_vec();
        let stored = tokio::task::spawn_blocking(move || {
            let mut loads = Vec::new();
            for key in &current {
                if let Some(generation) = store.current(key)? {
                    loads.push(CachedLoad {
                        integration: key.integration,
                        mode: key.mode,
                        account: generation.account.clone(),
                        loaded_at: parse_time(&generation.loaded_at),
                        partial: generation.partial,
                        items: store.items(generation.id)?,
                        changes: generation.changes,
                    });
                }
            }
            Ok::<_, CoreError>(loads)
        })
        .await
        .map_err(|e| CoreError::task_failed("reading the item store", e))??;
        for load in &stored {
            lock(&self.latest)
                .entry(load.integration)
                .or_insert_with(|| load.clone());
        }
        Ok(stored)
    }

    /// The stored items of the `current` accounts, read from the store without any network call:
    /// only those matching `search` (word prefixes) and, with `changes_only`, only the new,
    /// changed and gone ones.
    pub async fn stored_items(
        &self,
        current: &[CurrentAccount],
        search: Option<String>,
        changes_only: bool,
    ) -> Result<Vec<IntegrationItem>> {
        let store = self.store.clone().ok_or_else(|| CoreError::Io {
            action: "open",
            path: "the item store".into(),
            reason: "there is no data dir (set INLET_DATA_DIR)".into(),
        })?;
        let current = current.to_vec();
        tokio::task::spawn_blocking(move || {
            let mut generations = Vec::new();
            for key in &current {
                if let Some(generation) = store.current(key)? {
                    generations.push(generation.id);
                }
            }
            store.query(&ItemQuery {
                generations,
                search,
                changes_only,
            })
        })
        .await
        .map_err(|e| CoreError::task_failed("reading the item store", e))?
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

fn parse_time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now())
}

/// Writes a load as a new generation and reads it back with its deltas; a load cancelled before
/// it finishes writing is dropped (`Cancelled`).
fn store_load(
    store: &ItemStore,
    load: CachedLoad,
    cancel: &CancellationToken,
) -> Result<CachedLoad> {
    let key = AccountKey {
        integration: load.integration,
        mode: load.mode,
        account_id: load.account.id.clone(),
    };
    let mut writer = store.begin(&key, &load.account)?;
    for page in load.items.chunks(2_000) {
        if cancel.is_cancelled() {
            return Err(CoreError::Cancelled);
        }
        writer.append(page)?;
    }
    if cancel.is_cancelled() {
        return Err(CoreError::Cancelled);
    }
    let generation = writer.finish(load.partial)?;
    let items = store.items(generation.id)?;
    store.purge(&key, generation.id)?;
    Ok(CachedLoad {
        items,
        changes: generation.changes,
        loaded_at: parse_time(&generation.loaded_at),
        ..load
    })
}

/// Moves the JSON files of earlier versions into the store (each as a complete load) and removes
/// them; a file that cannot be read is left where it is, with a warning.
fn migrate_json_cache(store: &ItemStore, dir: &Path) {
    if !dir.is_dir() {
        return;
    }
    for load in ItemCache::new(dir).load_all() {
        let (integration, mode) = (load.integration, load.mode);
        match store_load(store, load, &CancellationToken::new()) {
            Ok(_) => ItemCache::new(dir).remove(integration, mode),
            Err(error) => tracing::warn!(
                code = error.code(),
                "could not move cached items into the store"
            ),
        }
    }
    let _ = std::fs::remove_dir(dir); // only when it is empty now
}
