//! Which item holds which kept file (schema v6): `files` lists what the file store holds (by
//! hash, with its size), `file_sources` maps an account's item and the provider's stable id of a
//! file in it to the hash it was kept under, and `preferences` holds the size cap.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use specta::Type;

use super::{mode_text, sql_error, AccountKey, ItemStore};
use crate::error::Result;
use crate::files::{FileWanted, StoredFile};

/// A kept file of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ItemFile {
    /// The provider's id of the file in the item (an attachment's, a block's).
    pub source: String,
    /// The SHA-256 it is kept under.
    pub hash: String,
    /// Its name.
    pub name: String,
    /// Its size in bytes (as a string: it may pass 2^53).
    pub size: String,
    /// Its MIME type, when the provider said.
    pub mime: Option<String>,
}

/// The most the file store may hold unless the person says otherwise: 10 GiB.
pub const DEFAULT_FILE_CAP: u64 = 10 * 1024 * 1024 * 1024;

fn declared(size: Option<u64>) -> Option<i64> {
    size.and_then(|s| i64::try_from(s).ok())
}

impl ItemStore {
    /// The hash `key`'s file `source` was kept under, when it was kept with this `size` (a
    /// provider that says the size changed has a new file under the same id).
    pub fn known_file(
        &self,
        key: &AccountKey,
        source: &str,
        size: Option<u64>,
    ) -> Result<Option<String>> {
        let connection = self.read();
        connection
            .query_row(
                "SELECT hash FROM file_sources
                  WHERE integration = ?1 AND mode = ?2 AND account_id = ?3 AND source = ?4
                    AND declared_size IS ?5 LIMIT 1",
                params![
                    key.integration.id(),
                    mode_text(key.mode),
                    key.account_id,
                    source,
                    declared(size)
                ],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_error)
    }

    /// Notes that `key`'s item holds the file `wanted`, kept as `stored`; true when the store
    /// did not hold those bytes before (what counts against the size cap).
    pub fn put_file(
        &self,
        key: &AccountKey,
        wanted: &FileWanted,
        stored: &StoredFile,
    ) -> Result<bool> {
        let mut connection = self.lock();
        let tx = connection.transaction().map_err(sql_error)?;
        let added = tx
            .execute(
                "INSERT OR IGNORE INTO file_blobs (hash, size, mime) VALUES (?1, ?2, ?3)",
                params![
                    stored.hash,
                    i64::try_from(stored.size).unwrap_or(i64::MAX),
                    wanted.mime
                ],
            )
            .map_err(sql_error)?;
        tx.execute(
            "INSERT OR REPLACE INTO file_sources
               (integration, mode, account_id, source, item_id, hash, name, declared_size)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                key.integration.id(),
                mode_text(key.mode),
                key.account_id,
                wanted.source,
                wanted.item_id,
                stored.hash,
                wanted.name,
                declared(wanted.size),
            ],
        )
        .map_err(sql_error)?;
        tx.commit().map_err(sql_error)?;
        Ok(added == 1)
    }

    /// The name a kept file was given (by the first item that holds it).
    pub fn file_name(&self, hash: &str) -> Result<Option<String>> {
        let connection = self.read();
        connection
            .query_row(
                "SELECT name FROM file_sources WHERE hash = ?1 LIMIT 1",
                [hash],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_error)
    }

    /// How many bytes the kept files take.
    pub fn kept_file_bytes(&self) -> Result<u64> {
        let connection = self.read();
        connection
            .query_row("SELECT coalesce(sum(size), 0) FROM file_blobs", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(sql_error)
    }

    /// The kept files of `key`'s item `item_id`.
    pub fn item_files(&self, key: &AccountKey, item_id: &str) -> Result<Vec<ItemFile>> {
        let connection = self.read();
        let mut statement = connection
            .prepare_cached(
                "SELECT s.source, s.hash, s.name, f.size, f.mime FROM file_sources s
                   JOIN file_blobs f ON f.hash = s.hash
                  WHERE s.integration = ?1 AND s.mode = ?2 AND s.account_id = ?3 AND s.item_id = ?4
                  ORDER BY s.source",
            )
            .map_err(sql_error)?;
        let rows = statement
            .query_map(
                params![
                    key.integration.id(),
                    mode_text(key.mode),
                    key.account_id,
                    item_id
                ],
                |r| {
                    Ok(ItemFile {
                        source: r.get(0)?,
                        hash: r.get(1)?,
                        name: r.get(2)?,
                        size: r.get::<_, i64>(3)?.to_string(),
                        mime: r.get(4)?,
                    })
                },
            )
            .map_err(sql_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(sql_error)
    }

    /// The most the file store may hold, in bytes.
    pub fn file_cap(&self) -> Result<u64> {
        let connection = self.read();
        let value: Option<String> = connection
            .query_row(
                "SELECT value FROM preferences WHERE name = 'file_cap'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_error)?;
        Ok(value
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_FILE_CAP))
    }

    /// Sets the most the file store may hold (`None`: the default).
    pub fn set_file_cap(&self, bytes: Option<u64>) -> Result<()> {
        let connection = self.lock();
        match bytes {
            Some(bytes) => connection.execute(
                "INSERT OR REPLACE INTO preferences (name, value) VALUES ('file_cap', ?1)",
                [bytes.to_string()],
            ),
            None => connection.execute("DELETE FROM preferences WHERE name = 'file_cap'", []),
        }
        .map(|_| ())
        .map_err(sql_error)
    }

    /// Forgets which of `key`'s items held which file (with its items); answers the files no
    /// other account holds any more, which the caller removes from the file store.
    pub(super) fn forget_files(
        tx: &rusqlite::Transaction<'_>,
        key: &AccountKey,
    ) -> Result<Vec<String>> {
        tx.execute(
            "DELETE FROM file_sources WHERE integration = ?1 AND mode = ?2 AND account_id = ?3",
            params![key.integration.id(), mode_text(key.mode), key.account_id],
        )
        .map_err(sql_error)?;
        let mut orphans = tx
            .prepare(
                "DELETE FROM file_blobs WHERE hash NOT IN (SELECT hash FROM file_sources) RETURNING hash",
            )
            .map_err(sql_error)?;
        let hashes = orphans
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(sql_error)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql_error);
        hashes
    }
}
