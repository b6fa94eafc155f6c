//! The file store: files the providers host (Airtable attachments, Notion-hosted files and
//! images) kept in the data dir under the SHA-256 of their bytes (`files/<2 hex>/<64 hex>`, the
//! folder the person's alone, each file 0600) — one copy however many items hold it. A download
//! streams to a private temporary file while it is hashed and is renamed into place when whole,
//! so a failed or cut download leaves nothing half-written under a hash. Which item holds which
//! file, by the provider's stable id of it, is kept in the item store (`item_store/files.rs`).

mod fetch;

pub use fetch::{download, DownloadError};

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{CoreError, Result};
use crate::private_files;

/// A file a provider hosts, found in an item, to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct FileWanted {
    /// The item that holds it.
    pub item_id: String,
    /// The provider's stable id of the file in that item (Airtable's attachment id, Notion's
    /// block id): the same file is not fetched again while this id names the same content.
    pub source: String,
    /// Where the provider can be asked again for a fresh link (Airtable: `base/table/record`;
    /// Notion: the block's id).
    pub locator: String,
    /// The link as the provider gave it now (signed, expiring).
    pub url: String,
    /// The file's name.
    pub name: String,
    /// Its size, when the provider says (what tells a changed file from a kept one).
    pub size: Option<u64>,
    /// Its MIME type, when the provider says.
    pub mime: Option<String>,
}

/// One kept file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The SHA-256 of its bytes, in lowercase hex.
    pub hash: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The folder of kept files.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

/// Whether `hash` is a SHA-256 in lowercase hex (what a stored file is named by).
pub fn is_hash(hash: &str) -> bool {
    hash.len() == 64
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl FileStore {
    /// The file store in `dir` (made, the person's alone, when missing).
    pub fn open(dir: &Path) -> Result<Self> {
        private_files::ensure_private_dir(dir)?;
        private_files::ensure_private_dir(&dir.join("incoming"))?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// Where the file `hash` is kept, when it is.
    pub fn path_of(&self, hash: &str) -> Option<PathBuf> {
        if !is_hash(hash) {
            return None;
        }
        let path = self.dir.join(&hash[..2]).join(hash);
        path.is_file().then_some(path)
    }

    /// Removes the kept file `hash` and any copy opened of it (nothing when it is not kept).
    pub fn remove(&self, hash: &str) {
        if let Some(path) = self.path_of(hash) {
            let _ = std::fs::remove_file(path);
        }
        if is_hash(hash) {
            let opened = self.dir.with_file_name("opened").join(hash);
            let _ = std::fs::remove_dir_all(opened);
        }
    }

    /// A file being written, hashed as it goes.
    pub fn incoming(&self) -> Result<Incoming> {
        let file = tempfile::Builder::new()
            .prefix("download-")
            .tempfile_in(self.dir.join("incoming"))
            .map_err(|e| CoreError::io("make a file to download into in", &self.dir, e))?;
        Ok(Incoming {
            file,
            hasher: <sha2::Sha256 as sha2::Digest>::new(),
            size: 0,
            dir: self.dir.clone(),
        })
    }

    /// How many files are kept and how many bytes they take.
    pub fn usage(&self) -> Result<(u64, u64)> {
        let (mut count, mut bytes) = (0u64, 0u64);
        let shards =
            std::fs::read_dir(&self.dir).map_err(|e| CoreError::io("read", &self.dir, e))?;
        for shard in shards.flatten() {
            if shard.file_name() == "incoming" || !shard.path().is_dir() {
                continue;
            }
            for file in std::fs::read_dir(shard.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if let Ok(meta) = file.metadata() {
                    count += 1;
                    bytes += meta.len();
                }
            }
        }
        Ok((count, bytes))
    }
}

/// A download in progress: bytes are written and hashed as they arrive; [`Incoming::keep`]
/// puts the whole file in place under its hash.
pub struct Incoming {
    file: tempfile::NamedTempFile,
    hasher: sha2::Sha256,
    size: u64,
    dir: PathBuf,
}

impl Incoming {
    /// Adds `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        sha2::Digest::update(&mut self.hasher, bytes);
        self.size += bytes.len() as u64;
        self.file
            .write_all(bytes)
            .map_err(|e| CoreError::io("write", self.file.path(), e))
    }

    /// How many bytes arrived so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Keeps the file under its hash (one copy: a file already kept is not written twice).
    pub fn keep(self) -> Result<StoredFile> {
        let digest = sha2::Digest::finalize(self.hasher);
        let hash: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let shard = self.dir.join(&hash[..2]);
        private_files::ensure_private_dir(&shard)?;
        let path = shard.join(&hash);
        if !path.is_file() {
            self.file
                .as_file()
                .sync_all()
                .map_err(|e| CoreError::io("write", self.file.path(), e))?;
            // tempfile makes it 0600; renamed within the store, it stays the person's alone.
            self.file
                .persist(&path)
                .map_err(|e| CoreError::io("keep a downloaded file as", &path, e.error))?;
        }
        Ok(StoredFile {
            hash,
            size: self.size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_kept_once_under_their_hash_and_only_hashes_name_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(&dir.path().join("files")).unwrap();
        let keep = |bytes: &[u8]| {
            let mut incoming = store.incoming().unwrap();
            incoming.write(bytes).unwrap();
            incoming.keep().unwrap()
        };
        let first = keep(b"hello");
        assert_eq!(
            first.hash,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        let again = keep(b"hello");
        assert_eq!(first, again);
        assert_eq!(store.usage().unwrap(), (1, 5));
        let path = store.path_of(&first.hash).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(store.path_of("../../etc/passwd").is_none());
        assert!(store.path_of(&"A".repeat(64)).is_none());
        // Nothing is left of the downloads in the incoming folder.
        let left = std::fs::read_dir(dir.path().join("files/incoming")).unwrap();
        assert_eq!(left.count(), 0);
    }
}
