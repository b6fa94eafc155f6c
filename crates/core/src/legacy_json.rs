//! A connection's loaded items as the faces receive them ([`CachedLoad`]), and the JSON-file
//! cache of earlier versions ([`ItemCache`]), read once at start to move into the item store.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::account::AccountInfo;
use crate::config::Mode;
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::IntegrationItem;
use crate::item_store::ChangeSummary;

/// One connection's last load.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct CachedLoad {
    /// Which integration.
    pub integration: Integration,
    /// Live or sandbox.
    pub mode: Mode,
    /// The account the items belong to.
    pub account: AccountInfo,
    /// When they were loaded.
    pub loaded_at: DateTime<Utc>,
    /// Whether that load was partial.
    pub partial: bool,
    /// The items (gone ones included, marked `delta: "gone"`, until the next load).
    pub items: Vec<IntegrationItem>,
    /// What changed since the load before; absent on a first load.
    #[serde(default)]
    pub changes: Option<ChangeSummary>,
}

/// A folder of cached loads, one JSON file per connection.
#[derive(Debug, Clone)]
pub struct ItemCache {
    dir: PathBuf,
}

fn file_stem(integration: Integration, mode: Mode, account_id: &str) -> String {
    let safe: String = account_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let mode = match mode {
        Mode::Live => "live",
        Mode::Sandbox => "sandbox",
    };
    format!("{integration}-{mode}-{safe}")
}

impl ItemCache {
    /// A cache in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, integration: Integration, mode: Mode, account_id: &str) -> PathBuf {
        self.dir
            .join(format!("{}.json", file_stem(integration, mode, account_id)))
    }

    /// Saves a load, replacing the connection's previous one atomically.
    pub fn save(&self, load: &CachedLoad) -> Result<()> {
        let io = |action: &'static str, path: &Path, e: &dyn std::fmt::Display| CoreError::Io {
            action,
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(&self.dir).map_err(|e| io("create", &self.dir, &e))?;
        let path = self.path(load.integration, load.mode, &load.account.id);
        let partial = path.with_extension("json.partial");
        let file = std::fs::File::create(&partial).map_err(|e| io("create", &partial, &e))?;
        serde_json::to_writer(std::io::BufWriter::new(file), load)
            .map_err(|e| io("write", &partial, &e))?;
        std::fs::rename(&partial, &path).map_err(|e| io("write", &path, &e))
    }

    /// Every readable cached load; unreadable files are skipped with a warning.
    pub fn load_all(&self) -> Vec<CachedLoad> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut loads = Vec::new();
        for entry in entries.filter_map(|e| e.ok()) {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let parsed = std::fs::File::open(&path)
                .map_err(|e| e.to_string())
                .and_then(|f| {
                    serde_json::from_reader::<_, CachedLoad>(std::io::BufReader::new(f))
                        .map_err(|e| e.to_string())
                });
            match parsed {
                Ok(load) => loads.push(load),
                Err(reason) => {
                    tracing::warn!(path = %path.display(), %reason, "skipping an unreadable cache file")
                }
            }
        }
        loads.sort_by_key(|l| l.integration);
        loads
    }

    /// Forgets the cached loads of `integration` in `mode`.
    pub fn remove(&self, integration: Integration, mode: Mode) {
        let prefix = file_stem(integration, mode, "");
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.filter_map(|e| e.ok()) {
                if entry.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::ItemKind;

    #[test]
    fn loads_round_trip_and_are_forgotten_on_disconnect() {
        let dir = std::env::temp_dir().join(format!("inlet-cache-{}", std::process::id()));
        let cache = ItemCache::new(&dir);
        assert!(
            cache.load_all().is_empty(),
            "a missing folder is an empty cache"
        );
        let account = AccountInfo {
            id: "42/../x".into(),
            label: "portal".into(),
            details: Default::default(),
        };
        let load = CachedLoad {
            integration: Integration::Hubspot,
            mode: Mode::Sandbox,
            account,
            loaded_at: Utc::now(),
            partial: false,
            changes: None,
            items: vec![IntegrationItem::new(
                Integration::Hubspot,
                "1",
                ItemKind::Contact,
                "Ada",
            )],
        };
        cache.save(&load).unwrap();
        std::fs::write(dir.join("garbage.json"), "{not json").unwrap();
        let loaded = cache.load_all();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].items, load.items);
        assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("..")));
        cache.remove(Integration::Hubspot, Mode::Sandbox);
        assert!(cache.load_all().is_empty());
        std::fs::remove_dir_all(&dir).ok();
    }
}
