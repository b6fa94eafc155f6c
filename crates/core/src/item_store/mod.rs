//! The item store: one SQLite file (bundled SQLite, WAL, FTS5, mode 0600) in the app data dir,
//! shared by the app and the CLI. Every connected account's items live side by side, each load in
//! its own *generation*: a load writes page by page into a new generation that becomes visible
//! only when it finishes, so a failed, cancelled or killed load leaves the previous one in place.
//! No token is ever written here.

mod as_of;
mod compare;
mod content;
mod facets;
mod files;
mod found;
mod generation;
mod journal;
mod kept;
mod preferences;
mod prefix_index;
mod previous;
mod purge;
mod query;
mod rank_facets;
mod ranks;
mod retention;
mod revision_pages;
mod revision_staging;
mod revisions;
mod schema;
mod search;
mod sql_query;
mod sql_views;
mod tree;
mod undo;
mod usage;
mod view;

pub use as_of::ItemsAsOf;
pub use content::StoredContent;
pub use facets::FacetCounts;
pub use files::{ItemFile, DEFAULT_FILE_CAP};
pub use generation::{ChangeSummary, Generation, GenerationWriter};
pub use kept::StoredKey;
pub use query::match_expression;
pub use retention::{HistorySpace, DAILY_UNTIL_DAYS, DEFAULT_RETENTION_DAYS, MOST_RETENTION_DAYS};
pub use revision_pages::RevisionPage;
pub use revisions::{FieldChange, Revision};
pub use search::FoundRow;
pub use sql_query::{SqlScope, SqlSink};
pub use undo::diff;
pub use usage::{StoredUsage, TableRecords};
pub use view::{ItemRow, RowFilter, SortColumn, TreeOrder, ViewSort};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::account::AccountInfo;
use crate::config::Mode;
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::IntegrationItem;
use crate::private_files;

/// The file name of the store inside the data dir.
pub const FILE_NAME: &str = "items.sqlite3";

/// Whose items a generation holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct AccountKey {
    /// Which integration.
    pub integration: Integration,
    /// Live or sandbox.
    pub mode: Mode,
    /// The provider's account id.
    pub account_id: String,
}

impl AccountKey {
    /// The name of the preference `what` kept for this account alone (`what:integration:mode:id`):
    /// its provider state, when its last full load began, when its history begins.
    pub(crate) fn preference_name(&self, what: &str) -> String {
        format!(
            "{what}:{}:{}:{}",
            self.integration.id(),
            mode_text(self.mode),
            self.account_id
        )
    }
}

/// The store. Cheap to clone; calls block (run them off the async executor). Writes go through
/// one connection, reads through another (WAL: a window or an export never waits for a load).
#[derive(Clone)]
pub struct ItemStore {
    connection: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Connection>>,
    /// Counts under a broad search take a full pass: on a connection of their own, they never
    /// hold up the grid's windows.
    counter: Arc<Mutex<Connection>>,
    /// Copies the journal into the file outside the write lock.
    journal: journal::Journal,
    /// The last SQL statements' connections, kept for the next ones of the same scope (setting
    /// one up — the scoped views, the authorizer — costs more than most statements).
    sql: Arc<Mutex<Vec<sql_query::SqlConnection>>>,
    /// The last search's rows, shared by everything one keystroke asks.
    found: found::FoundCache,
    /// The last view's order as ranks, for searches matching many rows (`ranks.rs`).
    ranks: ranks::SharedRanks,
    /// The newest search keystroke's ticket (`keystroke`).
    keystrokes: found::Keystrokes,
    /// The words of the newest keystroke.
    last_words: found::LastWords,
    path: PathBuf,
}

pub(crate) fn sql_error(error: rusqlite::Error) -> CoreError {
    CoreError::Io {
        action: "use",
        path: "the item store".into(),
        reason: error.to_string(),
    }
}

pub(crate) fn mode_text(mode: Mode) -> &'static str {
    match mode {
        Mode::Live => "live",
        Mode::Sandbox => "sandbox",
    }
}

impl ItemStore {
    /// Opens (creating and migrating) the store at `path`. Its folder must be its owner's alone
    /// (created 0700 when missing); the file and SQLite's files beside it (`-wal`, `-shm`,
    /// `-journal`) must be plain files of this user that nobody else may read — never links
    /// (`private_files`). Generations left half-written by a process that died are removed.
    /// The folder of the file store beside this item store (`files/`).
    pub fn files_dir(&self) -> PathBuf {
        self.path
            .parent()
            .map_or_else(|| PathBuf::from("files"), |dir| dir.join("files"))
    }

    pub fn open(path: &Path) -> Result<Self> {
        let io = |action: &'static str, e: &dyn std::fmt::Display| CoreError::Io {
            action,
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_files::ensure_private_dir(dir)?;
        }
        // Created 0600 before SQLite opens it (SQLite gives its WAL and shared memory the
        // database's mode), and never through a link.
        private_files::ensure_private_file(path)?;
        private_files::check_database_files(path)?;
        let no_links = OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let mut connection = Connection::open_with_flags(path, OpenFlags::default() | no_links)
            .map_err(|e| io("open", &e))?;
        restrict_permissions(path).map_err(|e| io("protect", &e))?;
        schema::prepare(&mut connection).map_err(|e| io("prepare", &e))?;
        private_files::check_database_files(path)?;
        let open_reader = || -> Result<Connection> {
            schema::open_reader(path, schema::READER_CACHE_KIB).map_err(|e| io("open", &e))
        };
        let store = Self {
            connection: Arc::new(Mutex::new(connection)),
            reader: Arc::new(Mutex::new(open_reader()?)),
            counter: Arc::new(Mutex::new(open_reader()?)),
            journal: journal::Journal::open(path).map_err(|e| io("open", &e))?,
            sql: Arc::new(Mutex::new(Vec::new())),
            found: Arc::default(),
            ranks: Arc::default(),
            keystrokes: Arc::default(),
            last_words: Arc::default(),
            path: path.to_owned(),
        };
        store.remove_abandoned()?;
        store.resume_index_merging()?;
        Ok(store)
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A poisoned lock only means another thread panicked mid-call; SQLite rolled back.
        self.connection.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The reading connection.
    pub(crate) fn read(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The reading connection for facet counts.
    pub(crate) fn read_counts(&self) -> MutexGuard<'_, Connection> {
        self.counter.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a new generation for `account`: pages go into it, nothing shows until it finishes.
    pub fn begin(&self, key: &AccountKey, account: &AccountInfo) -> Result<GenerationWriter> {
        GenerationWriter::begin(self.clone(), key, account)
    }

    /// The generation shown for `key`: the newest finished one (a partial one says so).
    pub fn current(&self, key: &AccountKey) -> Result<Option<Generation>> {
        let connection = self.lock();
        connection
            .query_row(
                "SELECT id FROM generations WHERE integration = ?1 AND mode = ?2 AND account_id = ?3
                   AND state IN ('complete', 'partial') ORDER BY id DESC LIMIT 1",
                params![key.integration.id(), mode_text(key.mode), key.account_id],
                |row| row.get::<_, i64>(0),
            )
            .optional()
            .map_err(sql_error)?
            .map(|id| Generation::read(&connection, id))
            .transpose()
    }

    /// Every item of a generation, in load order (gone items last, marked `delta: "gone"`).
    pub fn items(&self, generation: i64) -> Result<Vec<IntegrationItem>> {
        let load_order = ViewSort {
            column: SortColumn::Loaded,
            descending: false,
        };
        self.window(
            &[generation],
            &RowFilter::default(),
            load_order,
            0,
            u32::MAX,
        )
    }

    /// Forgets every generation of `key` (a disconnect that forgets the account's items).
    pub fn forget(&self, key: &AccountKey) -> Result<()> {
        let mut connection = self.lock();
        // Deleted content is overwritten with zeros as it is deleted (`secure_delete`).
        connection
            .pragma_update(None, "secure_delete", "ON")
            .map_err(sql_error)?;
        let tx = connection.transaction().map_err(sql_error)?;
        let ids: Vec<i64> = {
            let mut statement = tx
                .prepare(
                    "SELECT id FROM generations WHERE integration = ?1 AND mode = ?2 AND account_id = ?3",
                )
                .map_err(sql_error)?;
            let rows = statement
                .query_map(
                    params![key.integration.id(), mode_text(key.mode), key.account_id],
                    |r| r.get(0),
                )
                .map_err(sql_error)?;
            rows.collect::<rusqlite::Result<_>>().map_err(sql_error)?
        };
        for id in ids {
            generation::delete_generation(&tx, id)?;
        }
        Self::forget_usage(&tx, key)?;
        Self::forget_contents(&tx, key)?;
        Self::forget_revisions(&tx, key)?;
        let orphans = Self::forget_files(&tx, key)?;
        // The search index keeps the words of deleted items in its segments until they are
        // merged: merged now, so none of them stays.
        tx.execute(
            "INSERT INTO items_text (items_text) VALUES ('optimize')",
            [],
        )
        .map_err(sql_error)?;
        Self::forget_provider_state(&tx, key)?;
        tx.commit().map_err(sql_error)?;
        // The files only this account held go too, with the copies opened of them.
        if !orphans.is_empty() {
            if let Ok(files) = crate::files::FileStore::open(&self.files_dir()) {
                for hash in &orphans {
                    files.remove(hash);
                }
            }
        }
        // Nothing recoverable left behind: the file is rebuilt without the freed pages, and
        // the journal that held their old images is emptied.
        // (`secure_delete` is off again for loads' purges, where the cost buys nothing.)
        connection.execute_batch("VACUUM;").map_err(sql_error)?;
        // The checkpoint waits (the busy timeout) for readers of older snapshots; one that reads
        // on past it — another `inlet` process — keeps the journal, and so the old pages.
        // Not beside this store's own passive checkpoint (it would make this one busy).
        let busy: i64 = {
            let _journal = self.journal.hold();
            connection
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
                .map_err(sql_error)?
        };
        connection
            .execute_batch("PRAGMA secure_delete = OFF;")
            .map_err(sql_error)?;
        if busy != 0 {
            let mut journal = self.path.clone().into_os_string();
            journal.push("-wal");
            return Err(CoreError::Io {
                action: "empty",
                path: std::path::PathBuf::from(journal).display().to_string(),
                reason: "another program (an `inlet` command?) was reading the item store: the items are forgotten, but the journal keeps their old pages until it is done — close it and forget again".into(),
            });
        }
        Ok(())
    }

    /// Drops the generations of `key` older than `finished` (the one just finished) that nothing
    /// needs any more: all but the newest finished one and the newest complete one (the next
    /// load is compared with it). Newer generations — a load that overtook this one — are left.
    /// Each goes in steps (`purge.rs`): other writes wait one step at most.
    pub fn purge(&self, key: &AccountKey, finished: i64) -> Result<()> {
        let replaced: Vec<i64> = {
            let connection = self.lock();
            let mut statement = connection
                .prepare(
                    "SELECT id FROM generations WHERE integration = ?1 AND mode = ?2 AND account_id = ?3
                       AND state IN ('complete', 'partial') AND id < ?4
                       AND id NOT IN (
                         SELECT kept FROM (
                           SELECT MAX(id) AS kept FROM generations WHERE integration = ?1
                             AND mode = ?2 AND account_id = ?3 AND state IN ('complete', 'partial')
                           UNION
                           SELECT MAX(id) FROM generations WHERE integration = ?1 AND mode = ?2
                             AND account_id = ?3 AND state = 'complete')
                         WHERE kept IS NOT NULL)",
                )
                .map_err(sql_error)?;
            let rows = statement
                .query_map(
                    params![
                        key.integration.id(),
                        mode_text(key.mode),
                        key.account_id,
                        finished
                    ],
                    |r| r.get(0),
                )
                .map_err(sql_error)?;
            rows.collect::<rusqlite::Result<_>>().map_err(sql_error)?
        };
        for id in replaced {
            self.drop_in_steps(id)?;
        }
        Ok(())
    }

    /// Removes generations whose writer died mid-load (its process is gone, or it is a day old).
    fn remove_abandoned(&self) -> Result<()> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(sql_error)?;
        let stale: Vec<(i64, i64, String)> = {
            let mut statement = tx
                .prepare("SELECT id, pid, started_at FROM generations WHERE state = 'loading'")
                .map_err(sql_error)?;
            let rows = statement
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(sql_error)?;
            rows.collect::<rusqlite::Result<_>>().map_err(sql_error)?
        };
        let day_ago = chrono::Utc::now() - chrono::Duration::days(1);
        for (id, pid, started) in stale {
            let old = chrono::DateTime::parse_from_rfc3339(&started)
                .map(|t| t < day_ago)
                .unwrap_or(true);
            if old || !process_alive(pid) {
                generation::delete_generation(&tx, id)?;
            }
        }
        tx.commit().map_err(sql_error)
    }
}

/// Whether a process with this id runs (Linux: `/proc`; elsewhere assumed alive, so only age
/// removes its generation).
fn process_alive(pid: i64) -> bool {
    if pid == i64::from(std::process::id()) {
        return false; // this process has only just opened the store: nothing of it is loading
    }
    let proc = Path::new("/proc");
    !proc.exists() || proc.join(pid.to_string()).exists()
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod compare_tests;
#[cfg(test)]
mod kept_tests;
#[cfg(test)]
mod purge_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;
