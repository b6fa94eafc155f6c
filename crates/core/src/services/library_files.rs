//! The library's kept files: where a load keeps what it downloads, an item's kept files, a
//! file's path and a named copy to open, and what the file store holds with its size cap.

use super::library::{CurrentAccount, Library};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item_store::{AccountKey, ItemFile};

/// What the file store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileUsage {
    /// How many files.
    pub count: u64,
    /// How many bytes they take.
    pub bytes: u64,
    /// The most it may hold.
    pub cap: u64,
    /// Its folder.
    pub dir: String,
}

impl Library {
    /// The kept files of the item `item_id` of `integration`, from the first of the connected
    /// `accounts` that holds any.
    pub async fn item_files(
        &self,
        accounts: &[CurrentAccount],
        integration: Integration,
        item_id: &str,
    ) -> Result<Vec<ItemFile>> {
        let Some(store) = self.store().cloned() else {
            return Ok(Vec::new());
        };
        let accounts: Vec<CurrentAccount> = (accounts.iter())
            .filter(|a| a.integration == integration)
            .cloned()
            .collect();
        let item_id = item_id.to_owned();
        tokio::task::spawn_blocking(move || {
            for key in &accounts {
                let files = store.item_files(key, &item_id)?;
                if !files.is_empty() {
                    return Ok(files);
                }
            }
            Ok(Vec::new())
        })
        .await
        .map_err(|e| CoreError::task_failed("reading kept files", e))?
    }

    /// What the file store holds: how many files, how many bytes, and its size cap.
    pub async fn file_usage(&self) -> Result<FileUsage> {
        let Some(store) = self.store().cloned() else {
            return Ok(FileUsage::default());
        };
        tokio::task::spawn_blocking(move || {
            let files = crate::files::FileStore::open(&store.files_dir())?;
            let (count, bytes) = files.usage()?;
            Ok(FileUsage {
                count,
                bytes,
                cap: store.file_cap()?,
                dir: store.files_dir().display().to_string(),
            })
        })
        .await
        .map_err(|e| CoreError::task_failed("reading the file store", e))?
    }

    /// Sets the most the file store may hold (`None`: the default, 10 GB).
    pub async fn set_file_cap(&self, bytes: Option<u64>) -> Result<()> {
        let store = self.store().cloned().ok_or_else(|| {
            CoreError::invalid_argument("There is no item store to keep the setting in.")
        })?;
        tokio::task::spawn_blocking(move || store.set_file_cap(bytes))
            .await
            .map_err(|e| CoreError::task_failed("saving the file cap", e))?
    }

    /// A copy of the kept file `hash` named `name` (for a viewer that goes by the name), in
    /// the data dir's private `opened/` folder: a hard link where the file system allows.
    pub async fn named_copy(&self, hash: &str, name: &str) -> Result<std::path::PathBuf> {
        let source = self.file_path(hash).ok_or_else(|| {
            CoreError::invalid_argument("That file is not kept on this computer (load again).")
        })?;
        let store = self.store().cloned().ok_or_else(|| {
            CoreError::invalid_argument("There is no item store to open files from.")
        })?;
        let dir = store.files_dir().with_file_name("opened").join(hash);
        let name = crate::export::safe_file_name(name);
        let name = if name.is_empty() {
            "file".to_owned()
        } else {
            name
        };
        tokio::task::spawn_blocking(move || {
            crate::private_files::ensure_private_dir(dir.parent().unwrap_or(&dir))?;
            crate::private_files::ensure_private_dir(&dir)?;
            let target = dir.join(&name);
            if !target.exists() && std::fs::hard_link(&source, &target).is_err() {
                std::fs::copy(&source, &target).map_err(|e| CoreError::Io {
                    action: "copy",
                    path: target.display().to_string(),
                    reason: e.to_string(),
                })?;
            }
            Ok(target)
        })
        .await
        .map_err(|e| CoreError::task_failed("opening a file", e))?
    }

    /// Where the kept file `hash` is, when it is kept (a name that is not a hash never is).
    pub fn file_path(&self, hash: &str) -> Option<std::path::PathBuf> {
        let store = self.store()?;
        crate::files::FileStore::open(&store.files_dir())
            .ok()?
            .path_of(hash)
    }

    /// Where a load of `key` keeps the files it finds (`None`: no store, or its file store
    /// cannot be made — the load goes on without files, and the log says why).
    pub(super) fn fetch_target(
        &self,
        key: &AccountKey,
        http: reqwest::Client,
    ) -> Option<super::file_fetcher::FetchTarget> {
        let store = self.store().cloned()?;
        match crate::files::FileStore::open(&store.files_dir()) {
            Ok(files) => Some(super::file_fetcher::FetchTarget {
                store,
                files,
                key: key.clone(),
                http,
            }),
            Err(error) => {
                tracing::warn!(code = error.code(), %error, "no file store: files are not kept");
                None
            }
        }
    }
}
