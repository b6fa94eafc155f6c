//! The write-ahead journal copied into the store outside the write lock.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold — the copy and
//! an fsync of the file — so whichever write happened to cross it held the write lock 100–200 ms
//! longer (a load's batch, a step of a purge, a preference). The writer's automatic checkpoint is
//! off (`schema::prepare`); every few writes, the thread that wrote copies the journal on a
//! connection of its own once it has let the write lock go. A checkpoint in WAL mode runs beside
//! writers and readers: nobody waits for it.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};

use super::ItemStore;

/// Writes between two checkpoints (SQLite's default threshold, 1,000 pages, is a few of a
/// load's batches).
const WRITES_PER_CHECKPOINT: u64 = 8;

/// The connection that copies the journal, and the count of writes since it last did.
#[derive(Clone)]
pub(super) struct Journal {
    connection: Arc<Mutex<Connection>>,
    writes: Arc<AtomicU64>,
}

impl Journal {
    /// Opens the checkpointing connection to the store at `path` (never through a link).
    pub(super) fn open(path: &Path) -> rusqlite::Result<Self> {
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            writes: Arc::default(),
        })
    }
}

impl Journal {
    /// Holds the checkpointing connection: a checkpoint that must not find another running (an
    /// emptying of the journal) runs while it is held.
    pub(super) fn hold(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ItemStore {
    /// Notes a write; every few, copies the journal into the store (a passive checkpoint: it
    /// copies what no reader still needs and waits for nobody). Call it with the write lock let go.
    /// A checkpoint that fails is left to the next one.
    pub(crate) fn checkpoint_in_turn(&self) {
        let writes = self.journal.writes.fetch_add(1, Ordering::Relaxed) + 1;
        if !writes.is_multiple_of(WRITES_PER_CHECKPOINT) {
            return;
        }
        // Another thread copying it already is as good.
        let Ok(connection) = self.journal.connection.try_lock() else {
            return;
        };
        if let Err(error) = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(%error, "the journal was not copied this time");
        }
    }
}
