//! Schema version 12: the search index keeps every word's first one, two and three letters as
//! terms of their own (FTS5's `prefix='1 2 3'`), so a keystroke's short word reads one list of
//! rows instead of merging the lists of every word it begins (`"c"*` at a million items: 45
//! against 53–104 ms; a search ending in "c", "co", "con": 18–26 against 58–135 ms;
//! BENCHMARKS.md).
//!
//! The index is contentless, so it cannot be altered in place: it is made again and every row's
//! search text worked out from the stored item, as a load writes it — its name, its parent's
//! path and the text of its properties and details, with a page's stored content; a gone row's
//! name and path alone.

use rusqlite::{params, Transaction};

use super::view::read_item;

/// The search index as version 12 makes it (version 1's, with the prefix terms).
pub(super) const SQL: &str = "DROP TABLE items_text;
     CREATE VIRTUAL TABLE items_text USING fts5 (
        name, parent_path, details,
        content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'
     );";

/// Gives every stored row its search text again (the migration's hook, after [`SQL`]).
pub(super) fn reindex(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let mut rows = tx.prepare(
        "SELECT i.rowid, i.name, i.parent_path, i.body, i.delta IS 'gone', c.markdown
           FROM item_rows i JOIN generations g ON g.id = i.generation
           LEFT JOIN contents c ON c.integration = g.integration AND c.mode = g.mode
                AND c.account_id = g.account_id AND c.item_id = i.item_id",
    )?;
    let mut insert = tx.prepare(
        "INSERT INTO items_text (rowid, name, parent_path, details) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut read = rows.query([])?;
    while let Some(row) = read.next()? {
        let (rowid, name, parent_path) = (
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
        );
        let details = if row.get::<_, bool>(4)? {
            String::new()
        } else {
            // An item that no longer reads (never written so) is still found by its name.
            let body = row.get_ref(3)?.as_str().unwrap_or_default();
            let mut text = (read_item(body, None).ok())
                .map(|item| crate::properties::search_text(&item))
                .unwrap_or_default();
            text.push_str(&row.get::<_, Option<String>>(5)?.unwrap_or_default());
            text
        };
        insert.execute(params![rowid, name, parent_path, details])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use crate::fixtures;
    use crate::item::ItemContent;
    use crate::item_store::tests::{key, load, temp_store};
    use crate::item_store::{ItemStore, RowFilter, ViewSort};

    /// The ids (and marks) of the rows of `generation` a search for `words` shows, sorted.
    fn found(store: &ItemStore, generation: i64, words: &str) -> Vec<String> {
        let filter = RowFilter {
            search: words.into(),
            ..RowFilter::default()
        };
        let rows = (store.window(&[generation], &filter, ViewSort::default(), 0, 1_000)).unwrap();
        let mut ids: Vec<String> = (rows.into_iter())
            .map(|i| format!("{} {:?}", i.id, i.delta))
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn a_store_indexed_before_the_prefix_terms_finds_the_same_rows_once_made_again() {
        let (store, dir) = temp_store("prefix-index");
        let path = store.path().to_owned();
        load(&store, &fixtures::contacts(30), false);
        let content = ItemContent {
            item_id: "5".into(),
            edited: None,
            markdown: "Quarterly zanzibar review".into(),
            blocks: serde_json::Value::Null,
        };
        store.put_content(&key(), &content).unwrap();
        // Ten gone (found by name and path, not by their details), one renamed, one content.
        let mut items = fixtures::contacts(20);
        items[3].name = "Renamed quokka".into();
        let generation = load(&store, &items, false).id;
        let searches = [
            "c",
            "co",
            "con",
            "contact 1",
            "zanzib",
            "person2",
            "quok",
            "contact 25",
            "person25",
            "parent",
            "r",
        ];
        let before: Vec<Vec<String>> = (searches.iter())
            .map(|words| found(&store, generation, words))
            .collect();
        assert_eq!(before[4], vec!["5 None"], "the page's content is found");
        assert_eq!(before[7], vec!["25 Some(Gone)"], "a gone row by its name");
        assert!(before[8].is_empty(), "not by its details");
        assert_eq!(before[6], vec!["3 Some(Changed)"]);
        drop(store);
        // The search index as versions 1 to 11 made it.
        let connection = Connection::open(&path).unwrap();
        connection
            .execute_batch(
                "DROP TABLE items_text;
                 CREATE VIRTUAL TABLE items_text USING fts5 (
                    name, parent_path, details,
                    content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
                 );
                 PRAGMA user_version = 11;",
            )
            .unwrap();
        drop(connection);
        let store = ItemStore::open(&path).unwrap();
        let after: Vec<Vec<String>> = (searches.iter())
            .map(|words| found(&store, generation, words))
            .collect();
        assert_eq!(after, before);
        let made: String = (store.read())
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'items_text'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(made.contains("prefix = '1 2 3'"), "{made}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
