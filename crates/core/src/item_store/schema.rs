//! The store's schema, versioned with `rusqlite_migration` (SQLite's `user_version`), and the
//! connection settings: WAL (readers never wait for a load), foreign keys on.

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

/// Every schema version, oldest first. Never edit a released step: add one.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(FIRST),
        M::up(WINDOWS),
        M::up(FACETS),
        M::up(USAGE),
        M::up(CONTENTS),
        M::up(FILES),
        M::up(REVISIONS),
        M::up(REVISION_BODIES),
        M::up(REVISION_EDITORS),
        M::up(OPEN_NAMES),
        M::up(CHANGED_ROWS),
        M::up_with_hook(
            super::prefix_index::SQL,
            |tx: &rusqlite::Transaction<'_>| Ok(super::prefix_index::reindex(tx)?),
        ),
    ])
}

/// Version 1: generations, items, their search text.
const FIRST: &str = "CREATE TABLE generations (
            id INTEGER PRIMARY KEY,
            integration TEXT NOT NULL,
            mode TEXT NOT NULL,
            account_id TEXT NOT NULL,
            account TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            state TEXT NOT NULL CHECK (state IN ('loading', 'complete', 'partial')),
            new_count INTEGER NOT NULL DEFAULT 0,
            changed_count INTEGER NOT NULL DEFAULT 0,
            gone_count INTEGER NOT NULL DEFAULT 0,
            compared INTEGER NOT NULL DEFAULT 0
         );
         CREATE INDEX generations_by_account
            ON generations (integration, mode, account_id, state, id);
         CREATE TABLE items (
            rowid INTEGER PRIMARY KEY,
            generation INTEGER NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            integration TEXT NOT NULL,
            item_type TEXT NOT NULL,
            name TEXT NOT NULL,
            parent_path TEXT,
            created TEXT,
            modified TEXT,
            delta TEXT CHECK (delta IN ('new', 'changed', 'gone')),
            hash INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            body TEXT NOT NULL,
            UNIQUE (generation, key)
         );
         CREATE INDEX items_in_order ON items (generation, seq);
         CREATE VIRTUAL TABLE items_text USING fts5 (
            name, parent_path, details,
            content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
         );";

/// Version 2: what the grid's window needs — the item's and its parent's ids (the tree), and an
/// index per sortable column (each ends in `generation`, so a window of the current generations
/// is read from the index alone, in order) and one for the facet counts.
const WINDOWS: &str = "ALTER TABLE items ADD COLUMN item_id TEXT NOT NULL DEFAULT '';
     ALTER TABLE items ADD COLUMN parent_id TEXT;
     UPDATE items SET item_id = json_extract(body, '$.id'), parent_id = json_extract(body, '$.parent_id');
     CREATE INDEX items_by_name ON items (name COLLATE NOCASE, generation);
     CREATE INDEX items_by_type ON items (item_type, name COLLATE NOCASE, generation);
     CREATE INDEX items_by_parent_path ON items (parent_path COLLATE NOCASE, generation);
     CREATE INDEX items_by_created ON items (created, generation);
     CREATE INDEX items_by_modified ON items (modified, generation);
     CREATE INDEX items_by_integration ON items (integration, name COLLATE NOCASE, generation);
     CREATE INDEX items_facets ON items (generation, item_type, delta);
     CREATE INDEX items_by_parent ON items (generation, parent_id);
     CREATE INDEX items_by_item_id ON items (generation, item_id);";

/// Version 3: each finished generation's rows counted per type and changed-or-not, so the
/// filters' counts and an unsearched view's total are read, not counted, over a million rows.
const FACETS: &str = "CREATE TABLE facet_counts (
        generation INTEGER NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
        item_type TEXT NOT NULL,
        changed INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (generation, item_type, changed)
     ) WITHOUT ROWID;
     INSERT INTO facet_counts
        SELECT generation, item_type, delta IS NOT NULL, count(*) FROM items GROUP BY 1, 2, 3;";

/// Version 4: what Inlet spent of each account's API calls, per calendar month (UTC) and scope
/// (Airtable: a base; empty for calls of no base), the month a monthly quota was met, and the plan
/// the person says an account is on (Airtable's quota follows it; its API does not tell).
const USAGE: &str = "CREATE TABLE api_calls (
        integration TEXT NOT NULL,
        mode TEXT NOT NULL,
        account_id TEXT NOT NULL,
        month TEXT NOT NULL,
        scope TEXT NOT NULL,
        calls INTEGER NOT NULL,
        PRIMARY KEY (integration, mode, account_id, month, scope)
     ) WITHOUT ROWID;
     CREATE TABLE quota_met (
        integration TEXT NOT NULL,
        mode TEXT NOT NULL,
        account_id TEXT NOT NULL,
        month TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (integration, mode, account_id, month)
     ) WITHOUT ROWID;
     CREATE TABLE account_plans (
        integration TEXT NOT NULL,
        mode TEXT NOT NULL,
        account_id TEXT NOT NULL,
        plan TEXT NOT NULL,
        PRIMARY KEY (integration, mode, account_id)
     ) WITHOUT ROWID;";

/// Version 5: what items hold beyond their fields (a Notion page's blocks and their Markdown),
/// per account and item, kept across loads: fetched again only when the item's edit time moves
/// past `edited`, and written page by page, so a content load cancelled half-way resumes.
const CONTENTS: &str = "CREATE TABLE contents (
        integration TEXT NOT NULL,
        mode TEXT NOT NULL,
        account_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        edited TEXT,
        fetched_at TEXT NOT NULL,
        markdown TEXT NOT NULL,
        blocks TEXT NOT NULL,
        PRIMARY KEY (integration, mode, account_id, item_id)
     ) WITHOUT ROWID;";

/// Version 6: the files kept in the file store (by hash), which item and provider id of a file
/// each is, and the person's preferences (the file store's size cap).
const FILES: &str = "CREATE TABLE files (
        hash TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mime TEXT
     ) WITHOUT ROWID;
     CREATE TABLE file_sources (
        integration TEXT NOT NULL,
        mode TEXT NOT NULL,
        account_id TEXT NOT NULL,
        source TEXT NOT NULL,
        item_id TEXT NOT NULL,
        hash TEXT NOT NULL,
        name TEXT NOT NULL,
        declared_size INTEGER,
        PRIMARY KEY (integration, mode, account_id, item_id, source)
     ) WITHOUT ROWID;
     CREATE INDEX file_sources_by_source ON file_sources (integration, mode, account_id, source);
     CREATE INDEX file_sources_by_hash ON file_sources (hash);
     CREATE TABLE preferences (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
     ) WITHOUT ROWID;";

/// Version 7: every change a load found, kept beyond the generations it was found between — per
/// item, when it was seen, and for a changed item which fields went from what to what (JSON:
/// `[{field, from, to}]`). Its size follows what changed, not loads × items.
const REVISIONS: &str = "CREATE TABLE revisions (
        id INTEGER PRIMARY KEY,
        integration TEXT NOT NULL,
        mode TEXT NOT NULL,
        account_id TEXT NOT NULL,
        key TEXT NOT NULL,
        item_id TEXT NOT NULL,
        name TEXT NOT NULL,
        generation INTEGER NOT NULL,
        seen_at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('new', 'changed', 'gone')),
        changes TEXT NOT NULL
     );
     CREATE INDEX revisions_by_item ON revisions (integration, mode, account_id, item_id, id);
     CREATE INDEX revisions_by_time ON revisions (seen_at);";

/// Version 8: a gone item's revision keeps the item as it last was (`body`, its JSON), so the
/// store as of an earlier date brings it back.
const REVISION_BODIES: &str = "ALTER TABLE revisions ADD COLUMN body TEXT;";

/// Version 9: who made a change, where the provider says (`item::EDITED_BY`).
const REVISION_EDITORS: &str = "ALTER TABLE revisions ADD COLUMN edited_by TEXT;";

/// Version 10: the documented views (`sql_views`) take the plain names — `items`, `revisions`,
/// `files` — so the tables behind them are renamed (SQLite renames their indexes' references).
const OPEN_NAMES: &str = "ALTER TABLE items RENAME TO item_rows;
     ALTER TABLE revisions RENAME TO revision_rows;
     ALTER TABLE files RENAME TO file_blobs;";

/// Version 11: the rows a load found new, changed or gone, indexed apart (a few in a million):
/// its revisions, counts and gone items' search text are read from them, not from every row.
const CHANGED_ROWS: &str =
    "CREATE INDEX item_rows_changed ON item_rows (generation, delta, item_type) WHERE delta IS NOT NULL;";

/// Settles the connection and brings the schema to the newest version.
pub fn prepare(connection: &mut Connection) -> Result<(), Box<dyn std::error::Error>> {
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    // The journal is copied into the file by `ItemStore::checkpoint_in_turn`, outside the write
    // lock: SQLite's automatic checkpoint ran inside a commit (fsync and all), so another write
    // waited 100–200 ms behind it.
    connection.pragma_update(None, "wal_autocheckpoint", 0)?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    // 64 MiB of page cache: a load of a million items touches far more than the 2 MiB default.
    connection.pragma_update(None, "cache_size", -65_536)?;
    connection.pragma_update(None, "temp_store", "MEMORY")?;
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    migrations().to_latest(connection)?;
    super::sql_views::install(connection)?;
    Ok(())
}

/// The page cache of the views' reading connections, in KiB.
pub const READER_CACHE_KIB: i64 = 65_536;

/// Opens a read-only connection to the store at `path` (never through a link), settled with a
/// page cache of `kib` KiB: the views' readers, an export's and a load's reads of its baseline.
pub fn open_reader(path: &std::path::Path, kib: i64) -> rusqlite::Result<Connection> {
    let connection = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
            | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )?;
    prepare_reader_with_cache(&connection, kib)?;
    Ok(connection)
}

/// Settles a read-only connection with a page cache of `kib` KiB (an export streams through
/// the rows once: a small cache keeps its memory flat).
pub fn prepare_reader_with_cache(connection: &Connection, kib: i64) -> rusqlite::Result<()> {
    connection.pragma_update(None, "cache_size", -kib)?;
    connection.pragma_update(None, "temp_store", "MEMORY")?;
    connection.busy_timeout(std::time::Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }
}
