//! The library's kept files: where a load keeps what it downloads, an item's kept files, a
//! file's path and a named copy to open, and what the file store holds with its size cap.

use super::library::{CurrentAccount, Library};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item_store::{AccountKey, ItemFile};

/// What the file store holds. (Counts are JSON numbers: exact below 2^53 bytes, 9 PB.)
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct FileUsage {
    /// How many files.
    #[specta(type = f64)]
    pub count: u64,
    /// How many bytes they take.
    #[specta(type = f64)]
    pub bytes: u64,
    /// The most it may hold.
    #[specta(type = f64)]
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
        let item_id = item_id.to_owned();
        let found = self.first_held(accounts, integration, move |store, key| {
            let files = store.item_files(key, &item_id)?;
            Ok(Some(files).filter(|f| !f.is_empty()))
        });
        Ok(found.await?.unwrap_or_default())
    }

    /// What the file store holds: how many files, how many bytes, and its size cap.
    pub async fn file_usage(&self) -> Result<FileUsage> {
        self.stored_or_default("reading the file store", |store| {
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

    /// What opening the kept file `hash` should open: a fresh read-only copy of it named as the
    /// store names it (the name its provider gave, cleaned) in the data dir's private `opened/`
    /// folder — the copy itself when its kind is one a viewer shows (documents, images, media,
    /// text), its folder otherwise, so a file someone named `.desktop`, `.jar` or `.bat` is shown,
    /// never run. Edits made in a viewer never reach the kept file.
    pub async fn file_to_open(&self, hash: &str) -> Result<std::path::PathBuf> {
        let not_kept =
            || CoreError::invalid_argument("That file is not kept on this computer (load again).");
        let source = self.file_path(hash).ok_or_else(not_kept)?;
        let store = self.store().cloned().ok_or_else(not_kept)?;
        let hash = hash.to_owned();
        tokio::task::spawn_blocking(move || {
            let name = store.file_name(&hash)?.ok_or_else(not_kept)?;
            let name = crate::export::safe_file_name(&name);
            let name = if name.is_empty() {
                "file".to_owned()
            } else {
                name
            };
            let opened = store.files_dir().with_file_name("opened");
            crate::private_files::ensure_private_dir(&opened)?;
            let dir = opened.join(&hash);
            let _ = std::fs::remove_dir_all(&dir); // a copy a viewer may have changed
            crate::private_files::ensure_private_dir(&dir)?;
            let target = dir.join(&name);
            let io = |e: std::io::Error| CoreError::io("copy", &target, e);
            std::fs::copy(&source, &target).map_err(io)?;
            let mut permissions = std::fs::metadata(&target).map_err(io)?.permissions();
            permissions.set_readonly(true);
            std::fs::set_permissions(&target, permissions).map_err(io)?;
            Ok(if viewable(&name) { target } else { dir })
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

/// Whether a file named `name` is of a kind viewers show (and no system runs): documents,
/// spreadsheets, presentations, images, audio, video, text.
fn viewable(name: &str) -> bool {
    const KINDS: &[&str] = &[
        "pdf", "txt", "md", "csv", "tsv", "json", "rtf", "doc", "docx", "odt", "xls", "xlsx",
        "ods", "ppt", "pptx", "odp", "png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff",
        "heic", "mp3", "wav", "ogg", "flac", "m4a", "mp4", "mov", "webm", "mkv", "avi",
    ];
    let extension = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    extension.is_some_and(|e| KINDS.contains(&e.as_str()))
}

#[cfg(test)]
mod tests {
    use super::viewable;

    #[test]
    fn only_kinds_a_viewer_shows_are_opened_as_files() {
        for shown in ["plan.pdf", "Photo.JPG", "notes 2026.md", "deck.pptx"] {
            assert!(viewable(shown), "{shown}");
        }
        for revealed in [
            "run.desktop",
            "x.jar",
            "a.bat",
            "b.lnk",
            "c.sh",
            "d.hta",
            "e.pdf.exe",
            "noext",
        ] {
            assert!(!viewable(revealed), "{revealed}");
        }
    }
}
