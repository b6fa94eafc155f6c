//! The store on a real SQLite file: generations, changes, partial and abandoned loads.

use super::*;
use crate::fixtures;

pub(super) fn temp_store(name: &str) -> (ItemStore, PathBuf) {
    let dir = std::env::temp_dir().join(format!("inlet-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join(FILE_NAME);
    (ItemStore::open(&path).unwrap(), dir)
}

pub(super) fn key() -> AccountKey {
    AccountKey {
        integration: Integration::Hubspot,
        mode: Mode::Sandbox,
        account_id: "42".into(),
    }
}

pub(super) fn load(store: &ItemStore, items: &[IntegrationItem], partial: bool) -> Generation {
    let mut writer = store.begin(&key(), &fixtures::account("42")).unwrap();
    for page in items.chunks(100) {
        writer.append(page).unwrap();
    }
    let generation = writer.finish(partial).unwrap();
    store.purge(&key(), generation.id).unwrap();
    generation
}

fn deltas(store: &ItemStore, generation: &Generation) -> Vec<(String, Option<String>)> {
    let mut out: Vec<_> = store
        .items(generation.id)
        .unwrap()
        .into_iter()
        .map(|i| (i.id, i.delta.map(|d| d.as_str().to_owned())))
        .collect();
    out.sort();
    out
}

#[test]
fn a_second_load_says_what_is_new_changed_and_gone() {
    let (store, dir) = temp_store("changes");
    let first = load(&store, &fixtures::contacts(250), false);
    assert_eq!(
        first.changes, None,
        "a first load has nothing to compare with"
    );
    assert_eq!(store.items(first.id).unwrap().len(), 250);
    assert!(store
        .items(first.id)
        .unwrap()
        .iter()
        .all(|i| i.delta.is_none()));

    let mut second = fixtures::contacts(252); // 250 and 251 are new
    second.retain(|i| i.id != "7"); // 7 is gone
    second[3].name = "Renamed".into(); // 3 changed
    let generation = load(&store, &second, false);
    assert_eq!(
        generation.changes,
        Some(ChangeSummary {
            new: 2,
            changed: 1,
            gone: 1
        })
    );
    let marked = deltas(&store, &generation);
    let of = |id: &str| marked.iter().find(|(i, _)| i == id).unwrap().1.clone();
    assert_eq!(of("250").as_deref(), Some("new"));
    assert_eq!(of("3").as_deref(), Some("changed"));
    assert_eq!(of("7").as_deref(), Some("gone"));
    assert_eq!(of("4"), None);
    assert_eq!(store.current(&key()).unwrap().unwrap().id, generation.id);

    // The gone item is not carried into the load after: it is simply not there any more.
    let third = load(&store, &second, false);
    assert_eq!(third.changes, Some(ChangeSummary::default()));
    assert!(store.items(third.id).unwrap().iter().all(|i| i.id != "7"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn an_unfinished_load_leaves_the_previous_one_in_place() {
    let (store, dir) = temp_store("unfinished");
    let complete = load(&store, &fixtures::contacts(120), false);
    {
        let mut writer = store.begin(&key(), &fixtures::account("42")).unwrap();
        writer.append(&fixtures::contacts(50)).unwrap();
        // Cancelled or failed: the writer is dropped unfinished.
    }
    assert_eq!(store.current(&key()).unwrap().unwrap().id, complete.id);
    assert_eq!(store.items(complete.id).unwrap().len(), 120);
    let rows: i64 = store
        .lock()
        .query_row("SELECT COUNT(*) FROM item_rows", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 120, "the unfinished load's rows are gone");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_partial_load_is_marked_and_reports_nothing_as_gone() {
    let (store, dir) = temp_store("partial");
    let complete = load(&store, &fixtures::contacts(100), false);
    let partial = load(&store, &fixtures::contacts(60), true);
    assert!(partial.partial);
    assert_eq!(partial.changes, Some(ChangeSummary::default()));
    // The complete generation stays for the next comparison.
    let generations: i64 = store
        .lock()
        .query_row("SELECT COUNT(*) FROM generations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(generations, 2);
    let next = load(&store, &fixtures::contacts(100), false);
    assert_eq!(
        next.changes,
        Some(ChangeSummary::default()),
        "compared with the complete one"
    );
    assert!(store.items(complete.id).unwrap().is_empty(), "replaced");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_load_killed_with_its_process_is_cleaned_up_at_the_next_open() {
    let (store, dir) = temp_store("killed");
    let complete = load(&store, &fixtures::contacts(10), false);
    let mut writer = store.begin(&key(), &fixtures::account("42")).unwrap();
    writer.append(&fixtures::contacts(5)).unwrap();
    // As if the process died: the writer never finishes nor drops, and its pid is gone.
    store
        .lock()
        .execute(
            "UPDATE generations SET pid = 999999999 WHERE state = 'loading'",
            [],
        )
        .unwrap();
    std::mem::forget(writer);
    let reopened = ItemStore::open(store.path()).unwrap();
    assert_eq!(reopened.current(&key()).unwrap().unwrap().id, complete.id);
    let loading: i64 = reopened
        .lock()
        .query_row(
            "SELECT COUNT(*) FROM generations WHERE state = 'loading'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(loading, 0);
    std::fs::remove_dir_all(dir).ok();
}

#[cfg(unix)]
#[test]
fn the_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (store, dir) = temp_store("mode");
    let mode = std::fs::metadata(store.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(
        dir_mode & 0o777,
        0o700,
        "a data dir Inlet creates is private"
    );
    store
        .begin(&key(), &fixtures::account("42"))
        .unwrap()
        .append(&fixtures::contacts(1))
        .unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is readable by others", path.display());
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn forgetting_an_account_removes_its_items() {
    let (store, dir) = temp_store("forget");
    load(&store, &fixtures::contacts(10), false);
    store.forget(&key()).unwrap();
    assert!(store.current(&key()).unwrap().is_none());
    std::fs::remove_dir_all(dir).ok();
}

/// "Forget items" leaves nothing to recover: not in the file's free pages, not in the WAL, not
/// in the search index's segments — the raw bytes of every file are searched.
#[test]
fn forgotten_items_leave_no_trace_in_the_files() {
    let (store, dir) = temp_store("forget-trace");
    let mut items = fixtures::contacts(200);
    for (n, item) in items.iter_mut().enumerate() {
        item.name = format!("Zebulonforgotten{n} Person");
    }
    load(&store, &items, false);
    let on_disk = |marker: &[u8]| -> Vec<String> {
        std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|entry| {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                let found = bytes.windows(marker.len()).any(|w| w == marker);
                found.then(|| path.display().to_string())
            })
            .collect()
    };
    // The words are in the files before (the test can see them), and nowhere after.
    assert!(!on_disk(b"Zebulonforgotten").is_empty());
    assert!(
        !on_disk(b"zebulonforgotten").is_empty(),
        "the index holds words in lower case"
    );
    store.forget(&key()).unwrap();
    assert_eq!(on_disk(b"Zebulonforgotten"), Vec::<String>::new());
    assert_eq!(on_disk(b"zebulonforgotten"), Vec::<String>::new());
    // A reader elsewhere that holds an old snapshot keeps the journal: said, not passed over.
    load(&store, &items, false);
    let elsewhere = rusqlite::Connection::open(dir.join(FILE_NAME)).unwrap();
    elsewhere
        .execute_batch("BEGIN; SELECT count(*) FROM generations;")
        .unwrap();
    let error = store.forget(&key()).unwrap_err();
    assert!(error.to_string().contains("forget again"), "{error}");
    elsewhere.execute_batch("COMMIT;").unwrap();
    drop(elsewhere);
    store.forget(&key()).unwrap();
    assert_eq!(on_disk(b"Zebulonforgotten"), Vec::<String>::new());
    // The store still works after.
    load(&store, &fixtures::contacts(3), false);
    assert!(store.current(&key()).unwrap().is_some());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn search_matches_word_prefixes_in_names_parents_and_details() {
    let (store, dir) = temp_store("search");
    let mut items = fixtures::contacts(300);
    items[17].name = "Ada Lovelace".into();
    items[18].parent_path_or_name = Some("Analytical Engines".into());
    let generation = load(&store, &items, false);
    let found = |text: &str| -> Vec<String> {
        let filter = RowFilter {
            search: text.into(),
            ..RowFilter::default()
        };
        store
            .window(&[generation.id], &filter, ViewSort::default(), 0, 1_000)
            .unwrap()
            .into_iter()
            .map(|i| i.id)
            .collect()
    };
    assert_eq!(found("ada lov"), vec!["17"]);
    assert_eq!(found("analyt"), vec!["18"]);
    assert_eq!(
        found("person299@exam"),
        vec!["299"],
        "details text is searched"
    );
    assert!(found("nothing-like-this").is_empty());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn only_the_changes_can_be_read() {
    let (store, dir) = temp_store("changes-only");
    load(&store, &fixtures::contacts(20), false);
    let mut next = fixtures::contacts(21);
    next[0].name = "Changed".into();
    let generation = load(&store, &next, false);
    let filter = RowFilter {
        changes_only: true,
        ..RowFilter::default()
    };
    let load_order = ViewSort {
        column: SortColumn::Loaded,
        descending: false,
    };
    let ids: Vec<String> = store
        .window(&[generation.id], &filter, load_order, 0, 1_000)
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, vec!["0", "20"]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn only_partial_loads_do_not_pile_up() {
    let (store, dir) = temp_store("partials");
    for _ in 0..4 {
        load(&store, &fixtures::contacts(30), true);
    }
    let generations: i64 = store
        .lock()
        .query_row("SELECT COUNT(*) FROM generations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(generations, 1, "only the newest partial load is kept");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_load_overtaken_by_a_newer_one_keeps_its_items_and_the_newer_one() {
    let (store, dir) = temp_store("overtaken");
    load(&store, &fixtures::contacts(10), false);
    let account = fixtures::account("42");
    let mut older = store.begin(&key(), &account).unwrap();
    older.append(&fixtures::contacts(12)).unwrap();
    let newer = load(&store, &fixtures::contacts(11), false);
    let older = older.finish(false).unwrap();
    store.purge(&key(), older.id).unwrap();
    assert_eq!(
        store.items(older.id).unwrap().len(),
        12,
        "its items are readable"
    );
    assert_eq!(
        store.items(newer.id).unwrap().len(),
        11,
        "the newer load is left alone"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// A store is never opened through a link, nor beside a journal someone else could read: a WAL
/// planted with mode 0666 would receive the store's pages.
#[cfg(unix)]
#[test]
fn a_linked_store_or_a_planted_wal_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE_NAME);
    let wal = dir.path().join(format!("{FILE_NAME}-wal"));
    std::fs::write(&wal, b"").unwrap();
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o666)).unwrap();
    let refused = ItemStore::open(&path)
        .err()
        .expect("opened beside a 0666 WAL");
    assert_eq!(refused.code(), "unsafe_file");
    std::fs::remove_file(&wal).unwrap();
    let store = ItemStore::open(&path).unwrap();
    drop(store);
    let linked = dir.path().join("linked.sqlite3");
    std::os::unix::fs::symlink(&path, &linked).unwrap();
    let refused = ItemStore::open(&linked)
        .err()
        .expect("opened through a link");
    assert_eq!(refused.code(), "unsafe_file");
    // A folder others may write to is refused before any file is made in it.
    let open_dir = dir.path().join("open");
    std::fs::create_dir(&open_dir).unwrap();
    std::fs::set_permissions(&open_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let refused = ItemStore::open(&open_dir.join(FILE_NAME))
        .err()
        .expect("opened in 0777");
    assert_eq!(refused.code(), "unsafe_file");
    assert!(!open_dir.join(FILE_NAME).exists());
}

/// An item is changed when its own content changed: renaming a parent moves the parent-path
/// text of everything beneath it, and none of those count as changed.
#[test]
fn renaming_a_parent_changes_the_parent_only() {
    let (store, dir) = temp_store("parent-rename");
    let tree = |title: &str| -> Vec<IntegrationItem> {
        let mut items = fixtures::contacts(4);
        items[0].name = title.into();
        let parent = items[0].id.clone();
        for child in &mut items[1..] {
            child.parent_id = Some(parent.clone());
            child.parent_path_or_name = Some(format!("Workspace / {title}"));
        }
        items
    };
    load(&store, &tree("Plans"), false);
    let second = load(&store, &tree("Plans 2027"), false);
    let changed: Vec<_> = deltas(&store, &second)
        .into_iter()
        .filter(|(_, delta)| delta.is_some())
        .collect();
    assert_eq!(changed, vec![("0".to_owned(), Some("changed".to_owned()))]);
    // The new path is what the store shows and exports, all the same.
    let items = store.items(second.id).unwrap();
    assert!(items
        .iter()
        .filter(|i| i.id != "0")
        .all(|i| i.parent_path_or_name.as_deref() == Some("Workspace / Plans 2027")));
    std::fs::remove_dir_all(dir).ok();
}
