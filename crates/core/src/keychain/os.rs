//! The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows)
//! through the `keyring` crate, compiled with explicit platform features: keyring 3 without them
//! silently keeps nothing. When the keychain is missing or locked, every call fails with
//! `keychain_unavailable`; there is deliberately no plaintext fallback.

use std::fs::TryLockError;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use keyring::Entry;

use super::{KeychainRecord, StoredConnection, TokenStore};
use crate::error::{CoreError, Result};

const INDEX_USER: &str = "index";

/// Connections in the OS keychain under one service name (the namespace).
pub struct KeychainStore {
    service: String,
    /// The lock file that serializes changes of the index with other processes (the app and the
    /// CLI share the namespace); without one, changes are serialized within this process only.
    index_lock: Option<PathBuf>,
    /// How long a change waits for another process's hold on the index lock.
    index_wait: Duration,
}

/// A change of the index holds its lock for a keychain read and write — milliseconds, or as
/// long as the keychain's unlock prompt is open; past this, another process is stuck.
const INDEX_LOCK_WAIT: Duration = Duration::from_secs(30);

/// Changes of the index in this process when there is no lock file.
static INDEX_CHANGES: Mutex<()> = Mutex::new(());

impl KeychainStore {
    /// A store under `service` (e.g. `dev.inlet.app`; debug builds and tests use their own).
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            index_lock: None,
            index_wait: INDEX_LOCK_WAIT,
        }
    }

    /// The same store, its index's read-modify-write held under the lock file `path` (in the
    /// data dir's `locks/`), so that the app and the CLI saving at once cannot drop each other's
    /// entry from the index.
    pub fn with_index_lock(mut self, path: PathBuf) -> Self {
        self.index_lock = Some(path);
        self
    }

    /// The same store, waiting at most `wait` for another process's hold on the index lock
    /// (30 s unless set) before a change fails.
    pub fn waiting_at_most(mut self, wait: Duration) -> Self {
        self.index_wait = wait;
        self
    }

    /// Runs `change` (a read-modify-write of the index) under the index lock.
    fn changing_index<T>(&self, change: impl FnOnce() -> Result<T>) -> Result<T> {
        let Some(path) = &self.index_lock else {
            let _held = INDEX_CHANGES.lock().unwrap_or_else(|p| p.into_inner());
            return change();
        };
        let io = |e: std::io::Error| CoreError::Io {
            action: "lock",
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let file = crate::private_files::open_lock_file(path).map_err(io)?;
        // Polled, so that a process stuck while holding it cannot hang this one.
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return change(),
                Err(TryLockError::WouldBlock) if started.elapsed() < self.index_wait => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(CoreError::Keychain {
                        action: "save",
                        reason: format!(
                            "another Inlet process has held {} for {} s; quit it and try again",
                            path.display(),
                            self.index_wait.as_secs_f32()
                        ),
                    })
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
    }

    fn entry(&self, user: &str) -> Result<Entry> {
        Entry::new(&self.service, user).map_err(|e| map_error("open", e))
    }

    fn read(&self, user: &str) -> Result<Option<String>> {
        match self.entry(user)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error("read", e)),
        }
    }

    fn write(&self, user: &str, value: &str) -> Result<()> {
        self.entry(user)?
            .set_password(value)
            .map_err(|e| map_error("write", e))
    }

    fn remove(&self, user: &str) -> Result<()> {
        match self.entry(user)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error("delete", e)),
        }
    }

    fn read_index(&self) -> Result<Vec<String>> {
        match self.read(INDEX_USER)? {
            Some(json) => serde_json::from_str(&json).map_err(|e| CoreError::Keychain {
                action: "read",
                reason: format!("the index is damaged ({e})"),
            }),
            None => Ok(Vec::new()),
        }
    }

    fn write_index(&self, keys: &[String]) -> Result<()> {
        let json = serde_json::to_string(keys).map_err(|e| CoreError::Keychain {
            action: "write",
            reason: e.to_string(),
        })?;
        self.write(INDEX_USER, &json)
    }
}

fn connection_user(key: &str) -> String {
    format!("connection:{key}")
}

fn map_error(action: &'static str, error: keyring::Error) -> CoreError {
    match error {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
            CoreError::KeychainUnavailable {
                reason: e.to_string(),
            }
        }
        other => CoreError::Keychain {
            action,
            reason: other.to_string(),
        },
    }
}

impl TokenStore for KeychainStore {
    fn keys(&self) -> Result<Vec<String>> {
        self.read_index()
    }

    fn get(&self, key: &str) -> Result<Option<StoredConnection>> {
        let Some(json) = self.read(&connection_user(key))? else {
            return Ok(None);
        };
        let record: KeychainRecord =
            serde_json::from_str(&json).map_err(|e| CoreError::Keychain {
                action: "read",
                reason: format!("the entry is damaged ({e})"),
            })?;
        Ok(Some(record.into()))
    }

    fn put(&self, connection: &StoredConnection) -> Result<()> {
        let key = connection.key();
        let json = serde_json::to_string(&KeychainRecord::from(connection)).map_err(|e| {
            CoreError::Keychain {
                action: "write",
                reason: e.to_string(),
            }
        })?;
        // A connection already listed (a refresh's rotated pair) is written at once: the index
        // does not change, so a rotated refresh token never waits for — or is lost to — its
        // lock. (A disconnect cannot remove it meanwhile: both hold the connection's lock.)
        if self.read_index()?.contains(&key) {
            return self.write(&connection_user(&key), &json);
        }
        // A new one is listed first, then written: whatever fails in between, no entry is left
        // that the index does not list (a listed entry not yet written reads as absent).
        self.changing_index(|| {
            let mut index = self.read_index()?;
            if !index.contains(&key) {
                index.push(key.clone());
                self.write_index(&index)?;
            }
            Ok(())
        })?;
        self.write(&connection_user(&key), &json)
    }

    fn get_entry(&self, name: &str) -> Result<Option<String>> {
        self.read(&format!("entry:{name}"))
    }

    fn put_entry(&self, name: &str, value: &str) -> Result<()> {
        self.write(&format!("entry:{name}"), value)
    }

    fn delete_entry(&self, name: &str) -> Result<()> {
        self.remove(&format!("entry:{name}"))
    }

    fn delete(&self, key: &str) -> Result<()> {
        // The entry goes first: if the index cannot be written after, it lists an absent entry
        // (harmless), never leaves a secret unlisted.
        self.changing_index(|| {
            self.remove(&connection_user(key))?;
            let mut index = self.read_index()?;
            let before = index.len();
            index.retain(|k| k != key);
            if index.len() != before {
                self.write_index(&index)?;
            }
            Ok(())
        })
    }
}
