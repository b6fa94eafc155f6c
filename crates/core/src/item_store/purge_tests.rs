//! Dropping a replaced generation in steps (`purge.rs`): every row and word of it goes, FTS5's
//! merging is back on after it, and a drop cut short by a crash is finished at the next open.

use super::tests::{key, load, temp_store};
use super::*;
use crate::fixtures;

fn count(store: &ItemStore, sql: &str) -> i64 {
    store.lock().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn automerge(store: &ItemStore) -> Option<i64> {
    store
        .lock()
        .query_row(
            "SELECT v FROM items_text_config WHERE k = 'automerge'",
            [],
            |r| r.get(0),
        )
        .optional()
        .unwrap()
}

#[test]
fn a_replaced_generation_goes_in_steps_with_its_words() {
    let (store, dir) = temp_store("purge-steps");
    // More rows than one step deletes.
    let first = load(&store, &fixtures::contacts(4_500), false);
    let renamed: Vec<_> = (fixtures::contacts(4_500).into_iter())
        .map(|mut item| {
            item.name = format!("Person {}", item.id);
            item
        })
        .collect();
    let second = load(&store, &renamed, false);
    assert_eq!(second.changes.map(|c| c.changed), Some(4_500));
    let of_first = format!(
        "SELECT count(*) FROM item_rows WHERE generation = {}",
        first.id
    );
    assert_eq!(count(&store, &of_first), 0);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM items_text WHERE items_text MATCH 'contact'"
        ),
        0,
        "the replaced rows' words went with them"
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM items_text WHERE items_text MATCH 'person'"
        ),
        4_500
    );
    let facets = format!(
        "SELECT count(*) FROM facet_counts WHERE generation = {}",
        first.id
    );
    assert_eq!(count(&store, &facets), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM generations"), 1);
    assert_ne!(automerge(&store), Some(0), "merging is on again");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_drop_cut_short_is_finished_at_the_next_open() {
    let (store, dir) = temp_store("purge-cut-short");
    let first = load(&store, &fixtures::contacts(30), false);
    // As if the process died mid-drop: the generation taken out of sight by a process now gone,
    // merging off.
    {
        let connection = store.lock();
        connection
            .execute(
                "UPDATE generations SET state = 'loading', pid = 999999999 WHERE id = ?1",
                [first.id],
            )
            .unwrap();
        connection
            .execute(
                "INSERT INTO items_text (items_text, rank) VALUES ('automerge', 0)",
                [],
            )
            .unwrap();
    }
    let reopened = ItemStore::open(store.path()).unwrap();
    assert_eq!(automerge(&reopened), Some(4));
    assert_eq!(count(&reopened, "SELECT count(*) FROM item_rows"), 0);
    assert_eq!(
        count(
            &reopened,
            "SELECT count(*) FROM items_text WHERE items_text MATCH 'contact'"
        ),
        0
    );
    assert!(reopened.current(&key()).unwrap().is_none());
    std::fs::remove_dir_all(dir).ok();
}
