//! Library: the loaded items — every account's loads in the SQLite item store (in a private
//! temporary folder when there is no data dir) — and what the
//! grid reads of them (`item_views`). It knows nothing of tokens or providers.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::item_views::ViewOrderCache;
use super::load_writer::StoreWriter;
use crate::account::AccountInfo;
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::{ContentEdits, Delta, PreviousLoad};
use crate::item_store::{AccountKey, ItemStore, StoredContent, FILE_NAME};
use crate::legacy_json::{CachedLoad, ItemCache};
use crate::load::LoadResult;
use crate::sync::lock;

/// The connection a stored load must belong to, to be shown.
pub type CurrentAccount = AccountKey;

/// The loaded items.
#[derive(Default)]
pub struct Library {
    store: Option<ItemStore>,
    /// When the items of each integration's active account were loaded (this session).
    last_loads: Mutex<HashMap<Integration, DateTime<Utc>>>,
    pub(super) trees: ViewOrderCache,
    /// Bumped whenever the stored items change, so cached tree orders are not reused.
    revision: AtomicU64,
    /// The folder of a store that lives only as long as this library (no data dir).
    temporary: Option<std::path::PathBuf>,
    /// The store as of a date the window looks at (`ItemView::as_of`), kept while it is the
    /// same date, accounts and store revision.
    pub(super) as_of_view: Mutex<Option<super::history::AsOfView>>,
}

impl Drop for Library {
    fn drop(&mut self) {
        if let Some(dir) = &self.temporary {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Library {
    /// A library over `store`, or in memory only.
    pub fn new(store: Option<ItemStore>) -> Self {
        Self {
            store,
            last_loads: Mutex::default(),
            trees: ViewOrderCache::default(),
            revision: AtomicU64::new(0),
            temporary: None,
            as_of_view: Mutex::default(),
        }
    }

    /// The library of the data dir: its item store (created on first use), with the JSON cache
    /// of earlier versions moved into it. Without a data dir, items live in a private temporary
    /// store. A store or folder that is not safe to use (`unsafe_file`: another user's, open to
    /// others, a link) is an error; a store that cannot be opened otherwise leaves items in
    /// memory and the log says why.
    pub fn open(data_dir: Option<&Path>) -> Result<Self> {
        let Some(dir) = data_dir else {
            tracing::warn!("no data dir: loaded items are not kept between runs");
            return Ok(Self::temporary());
        };
        match ItemStore::open(&dir.join(FILE_NAME)) {
            Ok(store) => {
                migrate_json_cache(&store, &dir.join("items"));
                Ok(Self::new(Some(store)))
            }
            Err(error @ CoreError::UnsafeFile { .. }) => Err(error),
            Err(error) => {
                tracing::warn!(code = error.code(), %error, "the item store is unavailable; items stay in memory");
                Ok(Self::new(None))
            }
        }
    }

    /// A library whose store lives in a new private temporary folder (`mkdtemp`, 0700), so the
    /// grid works the same without a data dir; nothing is kept between runs.
    pub(super) fn temporary() -> Self {
        let opened = crate::private_files::private_temp_dir("inlet-items-").and_then(|dir| {
            match ItemStore::open(&dir.join(FILE_NAME)) {
                Ok(store) => Ok((store, dir)),
                Err(error) => {
                    let _ = std::fs::remove_dir_all(&dir);
                    Err(error)
                }
            }
        });
        match opened {
            Ok((store, dir)) => {
                let mut library = Self::new(Some(store));
                library.temporary = Some(dir);
                library
            }
            Err(error) => {
                tracing::warn!(code = error.code(), %error, "no item store at all");
                Self::new(None)
            }
        }
    }

    /// The store's revision: it changes whenever stored items do.
    pub(super) fn revision(&self) -> u64 {
        self.revision.load(Ordering::SeqCst)
    }

    /// The item store, when there is one.
    pub fn store(&self) -> Option<&ItemStore> {
        self.store.as_ref()
    }

    /// Begins storing a load of `key`'s account (`None` when there is no store at all).
    pub fn begin_load(&self, key: &AccountKey, account: &AccountInfo) -> Option<StoreWriter> {
        let store = self.store.clone()?;
        Some(StoreWriter::start(store, key.clone(), account.clone()))
    }

    /// Finishes storing a load: the items it kept whole (a provider that fixes items up at the
    /// end) are written, the generation becomes current — compared with the previous one, its
    /// changes set on `result` — and, with `read_back`, `result.items` become the account's
    /// items as stored (each with its `delta`; the gone ones, kept for the Changes view, are
    /// not the account's items and are left out). A load cancelled before this point is
    /// not stored; a store that fails is an error (the items would otherwise be lost silently).
    pub async fn finish_load(
        &self,
        writer: Option<StoreWriter>,
        result: &mut LoadResult,
        cancel: &CancellationToken,
        read_back: bool,
    ) -> Result<()> {
        let (Some(writer), Some(store)) = (writer, self.store.clone()) else {
            lock(&self.last_loads).insert(result.integration, Utc::now());
            return Ok(()); // no store: the items stay in `result`
        };
        if cancel.is_cancelled() {
            return Err(CoreError::Cancelled); // dropping the writer removes what it wrote
        }
        writer.keep_stored(std::mem::take(&mut result.kept_as_stored));
        let mut kept = std::mem::take(&mut result.items);
        while !kept.is_empty() {
            let rest = kept.split_off(kept.len().min(2_000));
            writer.append(kept);
            kept = rest;
        }
        let generation = writer.finish(result.partial).await?;
        self.revision.fetch_add(1, Ordering::SeqCst);
        let id = generation.id;
        let key = generation.key.clone();
        let items = tokio::task::spawn_blocking(move || {
            store.purge(&key, id)?;
            if let Err(error) = store.thin_revisions(Utc::now()) {
                tracing::warn!(code = error.code(), %error, "could not thin the history");
            }
            if !read_back {
                return Ok::<_, CoreError>(Vec::new());
            }
            // A load of the same account that finished just after this one may already have
            // replaced (and purged) this generation: what is stored now is its items.
            let current = store.current(&key)?.map_or(id, |g| g.id.max(id));
            let mut items = store.items(current)?;
            items.retain(|item| item.delta != Some(Delta::Gone));
            Ok(items)
        })
        .await
        .map_err(|e| CoreError::task_failed("reading the item store", e))??;
        result.items = items;
        result.changes = generation.changes;
        lock(&self.last_loads).insert(result.integration, parse_time(&generation.loaded_at));
        Ok(())
    }

    /// Forgets when `integration` was loaded (another account or mode is now the active one).
    pub fn forget_last_load(&self, integration: Integration) {
        lock(&self.last_loads).remove(&integration);
    }

    /// Forgets an account's stored items (after a disconnect, when asked).
    pub async fn forget(&self, account: &AccountKey) -> Result<()> {
        let (Some(store), account) = (self.store.clone(), account.clone()) else {
            return Ok(());
        };
        let forgotten = tokio::task::spawn_blocking(move || store.forget(&account))
            .await
            .map_err(|e| CoreError::task_failed("forgetting stored items", e))?;
        self.revision.fetch_add(1, Ordering::SeqCst);
        forgotten
    }

    /// When the active account of `integration` was last loaded in this session.
    pub fn last_loaded_at(&self, integration: Integration) -> Option<DateTime<Utc>> {
        lock(&self.last_loads).get(&integration).copied()
    }

    /// The edit time each of `key`'s stored contents was read at (empty without a store).
    pub(super) async fn content_edits(&self, key: &AccountKey) -> Result<ContentEdits> {
        let key = key.clone();
        self.stored_or_default("reading stored contents", move |store| {
            store.content_edits(&key)
        })
        .await
    }

    /// What `work` reads from the item store, on a blocking thread; `T`'s default without a
    /// store. `what` names the work should its thread fail.
    pub(super) async fn stored_or_default<T: Default + Send + 'static>(
        &self,
        what: &'static str,
        work: impl FnOnce(ItemStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let Some(store) = self.store.clone() else {
            return Ok(T::default());
        };
        tokio::task::spawn_blocking(move || work(store))
            .await
            .map_err(|e| CoreError::task_failed(what, e))?
    }

    /// The stored content of the item `item_id` of `integration`, from the first of the
    /// connected `accounts` that holds it.
    pub async fn content(
        &self,
        accounts: &[CurrentAccount],
        integration: Integration,
        item_id: &str,
    ) -> Result<Option<StoredContent>> {
        let item_id = item_id.to_owned();
        self.first_held(accounts, integration, move |store, key| {
            store.content(key, &item_id)
        })
        .await
    }

    /// What `find` finds for the first of `accounts` of `integration` that holds anything
    /// (read on a blocking thread); `None` without a store.
    pub(super) async fn first_held<T: Send + 'static>(
        &self,
        accounts: &[CurrentAccount],
        integration: Integration,
        find: impl Fn(&ItemStore, &AccountKey) -> Result<Option<T>> + Send + 'static,
    ) -> Result<Option<T>> {
        let accounts = accounts.to_vec();
        self.stored_or_default("reading the item store", move |store| {
            first_held_in(&store, &accounts, integration, find)
        })
        .await
    }

    /// What `key`'s previous load found (empty without a store or a load).
    pub(super) async fn previous_load(&self, key: &AccountKey) -> Result<PreviousLoad> {
        let key = key.clone();
        self.stored_or_default("reading the previous load", move |store| {
            store.previous_load(&key)
        })
        .await
    }
}

/// What `find` finds for the first of `accounts` of `integration` that holds anything.
pub(super) fn first_held_in<T>(
    store: &ItemStore,
    accounts: &[CurrentAccount],
    integration: Integration,
    find: impl Fn(&ItemStore, &AccountKey) -> Result<Option<T>>,
) -> Result<Option<T>> {
    for key in accounts.iter().filter(|a| a.integration == integration) {
        if let Some(found) = find(store, key)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
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
