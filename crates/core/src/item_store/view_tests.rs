//! The grid's window on a real SQLite file: order, windows, filters, facets, tree, export rows.

use crate::item::ItemKind;
use std::collections::HashSet;

use super::tests::{load, temp_store};
use super::*;
use crate::fixtures;

fn names(items: &[IntegrationItem]) -> Vec<&str> {
    items.iter().map(|i| i.name.as_str()).collect()
}

fn by(column: SortColumn, descending: bool) -> ViewSort {
    ViewSort { column, descending }
}

#[test]
fn windows_page_through_the_sorted_rows_and_the_total_counts_them_all() {
    let (store, dir) = temp_store("windows");
    let generation = load(&store, &fixtures::contacts(250), false);
    let ids = [generation.id];
    let all = RowFilter::default();
    assert_eq!(store.count(&ids, &all).unwrap(), 250);
    let first = store.window(&ids, &all, ViewSort::default(), 0, 3).unwrap();
    assert_eq!(names(&first), ["Contact 0", "Contact 1", "Contact 10"]);
    let last = store
        .window(&ids, &all, ViewSort::default(), 248, 100)
        .unwrap();
    assert_eq!(names(&last), ["Contact 98", "Contact 99"]);
    let newest = store
        .window(&ids, &all, by(SortColumn::Created, true), 0, 2)
        .unwrap();
    assert_eq!(names(&newest), ["Contact 249", "Contact 248"]);
    // Every row once across consecutive windows, whatever the order.
    let mut seen = HashSet::new();
    for offset in (0..250).step_by(40) {
        for item in store
            .window(&ids, &all, by(SortColumn::Type, false), offset, 40)
            .unwrap()
        {
            assert!(seen.insert(item.id));
        }
    }
    assert_eq!(seen.len(), 250);
    // The order read through row ids is the windows' order.
    let order = store
        .flat_order(&ids, &all, by(SortColumn::Created, true))
        .unwrap();
    let through_ids = store.rows_by_id(&ids, &all, &order[..2], false).unwrap();
    assert_eq!(
        names(&through_ids.into_iter().map(|r| r.item).collect::<Vec<_>>()),
        ["Contact 249", "Contact 248"]
    );
    assert_eq!(store.count(&[], &all).unwrap(), 0, "no generation, no rows");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn search_types_and_changes_filter_in_the_store_and_facets_count_under_the_other_filters() {
    let (store, dir) = temp_store("filters");
    let mut items = fixtures::contacts(30);
    items[5].item_type = ItemKind::Company;
    items[6].item_type = ItemKind::Company;
    load(&store, &items, false);
    items[7].name = "Renamed Person".into();
    items.pop(); // 29 is gone
    let generation = load(&store, &items, false);
    let ids = [generation.id];

    let search = RowFilter {
        search: "renamed pers".into(),
        ..RowFilter::default()
    };
    assert_eq!(
        names(
            &store
                .window(&ids, &search, ViewSort::default(), 0, 10)
                .unwrap()
        ),
        ["Renamed Person"]
    );
    let by_mail = RowFilter {
        search: "person12@exam".into(),
        ..RowFilter::default()
    };
    assert_eq!(
        store.count(&ids, &by_mail).unwrap(),
        1,
        "details text is searched"
    );

    let companies = RowFilter {
        types: vec![ItemKind::Company],
        ..RowFilter::default()
    };
    assert_eq!(store.count(&ids, &companies).unwrap(), 2);
    let changes = RowFilter {
        changes_only: true,
        ..RowFilter::default()
    };
    let changed = store
        .window(&ids, &changes, ViewSort::default(), 0, 10)
        .unwrap();
    let mut marks: Vec<_> = changed
        .iter()
        .map(|i| (i.id.as_str(), i.delta.map(crate::item::Delta::as_str)))
        .collect();
    marks.sort();
    assert_eq!(marks, [("29", Some("gone")), ("7", Some("changed"))]);

    let facets = store.facets(&ids, &companies).unwrap();
    assert_eq!(
        facets.by_type,
        [("company".to_owned(), 2), ("contact".to_owned(), 28)]
    );
    assert_eq!(
        facets.by_generation,
        [(generation.id, 2)],
        "the type filter applies"
    );
    assert_eq!(facets.changes, 0, "no company changed");
    assert_eq!(
        store.facets(&ids, &RowFilter::default()).unwrap().changes,
        2
    );
    // Under a search the matching rows are counted, not the kept counts read.
    let searched = store.facets(&ids, &search).unwrap();
    assert_eq!(searched.by_type, [("contact".to_owned(), 1)]);
    assert_eq!(searched.changes, 1);
    assert_eq!(
        store.count(&ids, &changes).unwrap(),
        2,
        "kept counts answer unsearched totals"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_tree_shows_roots_and_the_children_of_expanded_items() {
    let (store, dir) = temp_store("tree");
    let base = IntegrationItem::new(Integration::Hubspot, "b", ItemKind::Base, "Base");
    let mut items = vec![base];
    for (id, name) in [("t2", "Zebra table"), ("t1", "Alpha table")] {
        let mut table = IntegrationItem::new(Integration::Hubspot, id, ItemKind::Table, name);
        table.parent_id = Some("b".into());
        items.push(table);
    }
    let mut orphan = IntegrationItem::new(Integration::Hubspot, "o", ItemKind::Table, "Orphan");
    orphan.parent_id = Some("missing".into());
    items.push(orphan);
    let generation = load(&store, &items, false);
    let ids = [generation.id];
    let all = RowFilter::default();

    let closed = store
        .tree_order(&ids, &all, ViewSort::default(), &HashSet::new())
        .unwrap();
    let rows = store.rows_by_id(&ids, &all, &closed, true).unwrap();
    let shown: Vec<_> = rows
        .iter()
        .map(|r| (r.item.name.as_str(), r.depth, r.has_children))
        .collect();
    assert_eq!(shown, [("Base", 0, true), ("Orphan", 0, false)]);

    let open = HashSet::from([rows[0].item.key()]);
    let order = store
        .tree_order(&ids, &all, ViewSort::default(), &open)
        .unwrap();
    let rows = store.rows_by_id(&ids, &all, &order, true).unwrap();
    let shown: Vec<_> = rows
        .iter()
        .map(|r| (r.item.name.as_str(), r.depth))
        .collect();
    assert_eq!(
        shown,
        [
            ("Base", 0),
            ("Alpha table", 1),
            ("Zebra table", 1),
            ("Orphan", 0)
        ]
    );

    // Filtered to tables, the base is not shown and its tables become roots.
    let tables = RowFilter {
        types: vec![ItemKind::Table],
        ..RowFilter::default()
    };
    let order = store
        .tree_order(&ids, &tables, ViewSort::default(), &open)
        .unwrap();
    assert_eq!(order.len(), 3);
    assert!(order.iter().all(|(_, depth)| *depth == 0));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn view_rows_stream_every_row_in_order_and_stop_at_the_first_error() {
    let (store, dir) = temp_store("stream");
    let generation = load(&store, &fixtures::contacts(5), false);
    let sort = by(SortColumn::Name, true);
    let read = store
        .with_view_rows(&[generation.id], &RowFilter::default(), sort, |rows| {
            rows.map(|r| r.map(|i| i.name)).collect::<Result<Vec<_>>>()
        })
        .unwrap();
    assert_eq!(
        read,
        [
            "Contact 4",
            "Contact 3",
            "Contact 2",
            "Contact 1",
            "Contact 0"
        ]
    );
    store
        .lock()
        .execute(
            "UPDATE item_rows SET body = 'not json' WHERE item_id = '2'",
            [],
        )
        .unwrap();
    let failed = store.with_view_rows(&[generation.id], &RowFilter::default(), sort, |rows| {
        rows.collect::<Result<Vec<_>>>()
    });
    assert_eq!(failed.unwrap_err().code(), "serialization_failed");
    std::fs::remove_dir_all(dir).ok();
}
