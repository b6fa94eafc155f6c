//! The view's ranks: windows, totals and facet counts against the index walk's and SQL's.

use super::*;
use crate::fixtures;
use crate::item_store::tests::{load, temp_store};
use crate::item_store::SortColumn;

fn ranks(rows: &[(i64, u32)]) -> Ranks {
    let base = rows.iter().map(|r| r.0).min().unwrap_or(0);
    let mut rows: Vec<(u32, u32)> = (rows.iter())
        .map(|(row, rank)| (u32::try_from(row - base).unwrap(), *rank))
        .collect();
    rows.sort_unstable();
    Ranks {
        key: RankKey {
            version: 0,
            generations: Vec::new(),
            types: Vec::new(),
            changes_only: false,
            without_gone: false,
            sort: ViewSort::default(),
        },
        base,
        rows,
        facets: OnceLock::new(),
    }
}

#[test]
fn a_window_is_the_matches_smallest_ranks_in_order() {
    // Rows 100..110 ranked in reverse: row 109 comes first.
    let view = ranks(&(0..10).map(|n| (100 + n, 9 - n as u32)).collect::<Vec<_>>());
    let found = FoundRows::of(vec![50, 101, 103, 104, 107, 109, 200]);
    assert_eq!(view.count(&found), 5);
    assert_eq!(view.window(&found, 0, 2), vec![109, 107]);
    assert_eq!(view.window(&found, 2, 2), vec![104, 103]);
    assert_eq!(view.window(&found, 4, 10), vec![101]);
    assert!(view.window(&found, 5, 10).is_empty());
    assert_eq!(view.window(&found, 0, 100).len(), 5);
    let none = FoundRows::of(Vec::new());
    assert_eq!(view.count(&none), 0);
    assert!(view.window(&none, 0, 10).is_empty());
}

#[test]
fn a_bitmap_of_many_rows_finds_the_same_window() {
    // 30,000 rows ranked in reverse; every third one found.
    let view = ranks(
        &(0..30_000)
            .map(|n| (n, 29_999 - n as u32))
            .collect::<Vec<_>>(),
    );
    let listed: Vec<i64> = (0..30_000).step_by(3).collect();
    let mut bits = vec![0u64; 30_000 / 64 + 1];
    for row in &listed {
        bits[*row as usize / 64] |= 1 << (row % 64);
    }
    let many = FoundRows::Many {
        base: 0,
        bits,
        count: listed.len(),
    };
    assert_eq!(view.count(&many), 10_000);
    let expected: Vec<i64> = listed.iter().rev().skip(250).take(100).copied().collect();
    assert_eq!(view.window(&many, 250, 100), expected);
}

#[test]
fn a_search_read_through_the_ranks_shows_what_the_index_walk_shows() {
    let (store, dir) = temp_store("ranks");
    let mut items = fixtures::contacts(24_000);
    for item in items.iter_mut().step_by(7) {
        item.item_type = ItemKind::Deal;
    }
    let generation = load(&store, &items, false).id;
    // The same store opened again: no ranks read, every count from SQL.
    let plain = ItemStore::open(store.path()).unwrap();
    let sorts = [
        ViewSort::default(),
        ViewSort {
            column: SortColumn::Name,
            descending: true,
        },
        ViewSort {
            column: SortColumn::Created,
            descending: true,
        },
        ViewSort {
            column: SortColumn::Type,
            descending: false,
        },
    ];
    let ids = |items: Vec<crate::item::IntegrationItem>| -> Vec<String> {
        items.into_iter().map(|i| i.id).collect()
    };
    // Every row, a list's worth, words in the details, a handful.
    for words in ["contact", "contact 1", "person2", "contact 2345"] {
        for types in [Vec::new(), vec![ItemKind::Deal]] {
            let filter = RowFilter {
                search: words.into(),
                types,
                ..RowFilter::default()
            };
            for sort in sorts {
                // The index walk's order (SQL), for every row of the view.
                let order = store.flat_order(&[generation], &filter, sort).unwrap();
                for offset in [0, 150, 20_000] {
                    let slice = &order[offset.min(order.len())..(offset + 100).min(order.len())];
                    let walked = store.rows_by_id(&[generation], &filter, slice, false);
                    let walked: Vec<String> =
                        walked.unwrap().into_iter().map(|r| r.item.id).collect();
                    // Asked twice: the second ask finds the store at rest and reads ranks.
                    let window = |s: &ItemStore| {
                        s.window(&[generation], &filter, sort, offset as u32, 100)
                            .unwrap()
                    };
                    assert_eq!(ids(window(&store)), walked, "{words} {sort:?} {offset}");
                    assert_eq!(ids(window(&store)), walked, "{words} {sort:?} {offset}");
                    let cache = store.ranks.lock().unwrap();
                    assert!(cache.ranks.as_ref().is_some_and(|r| r.key.sort == sort));
                }
                let total = store.count(&[generation], &filter).unwrap();
                assert_eq!(total as usize, order.len(), "{words}");
                let facets = store.facets(&[generation], &filter).unwrap();
                assert_eq!(facets, plain.facets(&[generation], &filter).unwrap());
                // Read from the ranks when they hold the view's rows without its types.
                let cache = store.ranks.lock().unwrap();
                let ranks = cache.ranks.as_ref().unwrap();
                assert_eq!(ranks.facets.get().is_some(), filter.types.is_empty());
            }
        }
    }
    // A load later (the rest gone), the ranks of the generation it replaced are not used.
    let next = load(&store, &items[..500], false).id;
    let filter = RowFilter {
        search: "contact".into(),
        without_gone: true,
        ..RowFilter::default()
    };
    for _ in 0..2 {
        let shown = store.window(&[next], &filter, ViewSort::default(), 0, 1_000);
        assert_eq!(shown.unwrap().len(), 500);
        assert_eq!(store.count(&[next], &filter).unwrap(), 500);
    }
    // The facets from the ranks, with changed and gone rows among them.
    let with_gone = RowFilter {
        without_gone: false,
        ..filter.clone()
    };
    for filter in [filter, with_gone] {
        for _ in 0..2 {
            store
                .window(&[next], &filter, ViewSort::default(), 0, 100)
                .unwrap();
        }
        let facets = store.facets(&[next], &filter).unwrap();
        assert!(facets.changes > 0 || filter.without_gone);
        assert_eq!(facets, plain.facets(&[next], &filter).unwrap());
    }
    let _ = std::fs::remove_dir_all(dir);
}
