//! Change detection as a load writes (`compare.rs`) against the whole comparison in SQL: the
//! same marks, counts and filter counts, and the fallback when the generation compared with is
//! no longer the last complete one at the finish.

use super::tests::{key, load, temp_store};
use super::*;
use crate::fixtures;
use crate::item::Delta;

/// Filter counts: type, marked or not, how many.
type Facets = Vec<(String, bool, i64)>;

/// `generation`'s filter counts as stored, and as counted afresh from its rows.
fn facets_stored_and_counted(store: &ItemStore, generation: i64) -> (Facets, Facets) {
    let connection = store.lock();
    let read = |sql: &str| -> Facets {
        let mut statement = connection.prepare(sql).unwrap();
        let rows = statement
            .query_map([generation], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    (
        read("SELECT item_type, changed, count FROM facet_counts WHERE generation = ?1 ORDER BY 1, 2"),
        read(
            "SELECT item_type, delta IS NOT NULL, count(*) FROM item_rows WHERE generation = ?1
              GROUP BY 1, 2 ORDER BY 1, 2",
        ),
    )
}

fn delta_of(store: &ItemStore, generation: i64, id: &str) -> Option<String> {
    let items = store.items(generation).unwrap();
    let item = items.iter().find(|i| i.id == id).unwrap();
    item.delta.map(|d| d.as_str().to_owned())
}

#[test]
fn a_load_marked_as_it_writes_counts_its_filters_as_a_recount_would() {
    let (store, dir) = temp_store("compare-facets");
    let mut first = fixtures::contacts(300);
    first[5].item_type = crate::item::ItemKind::Company;
    let first = load(&store, &first, false);
    let (stored, counted) = facets_stored_and_counted(&store, first.id);
    assert_eq!(stored, counted);

    let mut second = fixtures::contacts(305);
    second.retain(|i| i.id != "9" && i.id != "10");
    second[0].name = "Renamed".into();
    second[4].item_type = crate::item::ItemKind::Company;
    let second = load(&store, &second, false);
    assert_eq!(
        second.changes,
        Some(ChangeSummary {
            new: 7,
            changed: 1,
            gone: 4
        }),
        "contact 4 became company 4 and company 5 contact 5: each a new key and a gone one"
    );
    let (stored, counted) = facets_stored_and_counted(&store, second.id);
    assert_eq!(stored, counted);
    let marked: i64 = (stored.iter())
        .filter(|(_, changed, _)| *changed)
        .map(|f| f.2)
        .sum();
    assert_eq!(marked, 12);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_load_that_another_overtook_while_it_wrote_is_compared_with_that_one() {
    let (store, dir) = temp_store("compare-overtaken");
    load(&store, &fixtures::contacts(10), false);
    let account = fixtures::account("42");
    // A load with 10, without 2 and 4, begins first and finishes while the other writes.
    let mut between = store.begin(&key(), &account).unwrap();
    let mut between_items = fixtures::contacts(11);
    between_items.retain(|i| i.id != "4" && i.id != "2");
    between.append(&between_items).unwrap();
    // Begun against the first load: 3 renamed, 10 and 11 new to it, 2 gone from it.
    let mut older = store.begin(&key(), &account).unwrap();
    let mut items = fixtures::contacts(12);
    items[3].name = "Renamed".into();
    items.retain(|i| i.id != "2");
    older.append(&items).unwrap();
    // Finished, not purged yet: the first load is still there when the other finishes.
    between.finish(false).unwrap();
    // Revisions are told apart by when they were seen (milliseconds).
    std::thread::sleep(std::time::Duration::from_millis(5));

    let older = older.finish(false).unwrap();
    assert_eq!(
        older.changes,
        Some(ChangeSummary {
            new: 2,
            changed: 1,
            gone: 0
        }),
        "4 and 11 are new against the load that finished meanwhile, 10 is not, 2 was not there"
    );
    assert_eq!(delta_of(&store, older.id, "10"), None);
    assert_eq!(delta_of(&store, older.id, "4").as_deref(), Some("new"));
    assert_eq!(delta_of(&store, older.id, "3").as_deref(), Some("changed"));
    let items = store.items(older.id).unwrap();
    assert!(
        items.iter().all(|i| i.id != "2"),
        "no gone mark left of the first comparison"
    );
    let found = store
        .lock()
        .query_row(
            "SELECT count(*) FROM items_text WHERE items_text MATCH 'contact' AND rowid IN
               (SELECT rowid FROM item_rows WHERE generation = ?1)",
            [older.id],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert_eq!(
        found, 10,
        "its rows but 3 (renamed) are found, no gone mark's"
    );
    // Its revisions are those of the comparison with the load that finished meanwhile.
    let seen: Vec<(String, Delta)> = (store.revisions(&[key()], None, &older.loaded_at).unwrap())
        .into_iter()
        .map(|r| (r.item_id, r.kind))
        .collect();
    assert_eq!(seen.len(), 3, "{seen:?}");
    for (id, kind) in [("4", Delta::New), ("11", Delta::New), ("3", Delta::Changed)] {
        assert!(seen.contains(&(id.to_owned(), kind)), "{id}: {seen:?}");
    }
    let (stored, counted) = facets_stored_and_counted(&store, older.id);
    assert_eq!(stored, counted);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_load_whose_generation_compared_with_was_dropped_meanwhile_keeps_no_gone_marks() {
    let (store, dir) = temp_store("compare-dropped");
    load(&store, &fixtures::contacts(10), false);
    let account = fixtures::account("42");
    // Begun against the first load, without 2 (gone against it).
    let mut older = store.begin(&key(), &account).unwrap();
    let mut items = fixtures::contacts(10);
    items.retain(|i| i.id != "2");
    older.append(&items).unwrap();
    // A load begun after it finishes first and drops the first load.
    load(&store, &fixtures::contacts(10), false);

    let older = older.finish(false).unwrap();
    assert_eq!(older.changes, None, "nothing left to compare with");
    let rows = store.items(older.id).unwrap();
    assert_eq!(rows.len(), 9, "the 9 items it loaded, no gone one");
    assert!(rows.iter().all(|i| i.delta.is_none()));
    let (stored, counted) = facets_stored_and_counted(&store, older.id);
    assert_eq!(stored, counted);
    std::fs::remove_dir_all(dir).ok();
}
