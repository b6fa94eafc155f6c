//! An in-memory token store for tests (feature `test-fixtures`; never in the app or the CLI).

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{KeychainRecord, StoredConnection, TokenStore};
use crate::error::Result;

/// Keeps connections in memory (as the same records the keychain holds).
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<BTreeMap<String, String>>,
    named: Mutex<BTreeMap<String, String>>,
}

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TokenStore for MemoryStore {
    fn keys(&self) -> Result<Vec<String>> {
        Ok(self.lock().keys().cloned().collect())
    }

    fn get(&self, key: &str) -> Result<Option<StoredConnection>> {
        let Some(json) = self.lock().get(key).cloned() else {
            return Ok(None);
        };
        let record: KeychainRecord =
            serde_json::from_str(&json).map_err(|e| crate::error::CoreError::Keychain {
                action: "read",
                reason: e.to_string(),
            })?;
        Ok(Some(record.into()))
    }

    fn put(&self, connection: &StoredConnection) -> Result<()> {
        let json = serde_json::to_string(&KeychainRecord::from(connection)).map_err(|e| {
            crate::error::CoreError::Keychain {
                action: "write",
                reason: e.to_string(),
            }
        })?;
        self.lock().insert(connection.key(), json);
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.lock().remove(key);
        Ok(())
    }

    fn get_entry(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .named
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned())
    }

    fn put_entry(&self, name: &str, value: &str) -> Result<()> {
        self.named
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_owned(), value.to_owned());
        Ok(())
    }

    fn delete_entry(&self, name: &str) -> Result<()> {
        self.named
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        Ok(())
    }
}
