//! Items a sync keeps as they are (`GenerationWriter::keep_stored`), on a real SQLite file: moved
//! into the sync's generation when the last complete load is the one shown, copied when a
//! partial load must leave that one whole.

use super::tests::{key, load, temp_store};
use super::*;
use crate::fixtures;
use crate::item::Delta;

/// A load of `given` that keeps the stored items `kept` (by id) as they are.
fn sync(store: &ItemStore, given: &[IntegrationItem], kept: &[&str], partial: bool) -> Generation {
    let mut writer = store.begin(&key(), &fixtures::account("42")).unwrap();
    writer.append(given).unwrap();
    let keys = (fixtures::contacts(400).into_iter())
        .filter(|i| kept.contains(&i.id.as_str()))
        .map(|i| i.key())
        .collect();
    writer.keep_stored(keys);
    let generation = writer.finish(partial).unwrap();
    store.purge(&key(), generation.id).unwrap();
    generation
}

fn ids_found(store: &ItemStore, generation: i64, text: &str) -> Vec<String> {
    let filter = RowFilter {
        search: text.into(),
        ..RowFilter::default()
    };
    (store.window(&[generation], &filter, ViewSort::default(), 0, 1_000))
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect()
}

fn rows(store: &ItemStore, generation: i64) -> Vec<IntegrationItem> {
    store.items(generation).unwrap()
}

#[test]
fn a_sync_moves_what_it_keeps_and_finds_the_rest_changed_new_or_gone() {
    let (store, dir) = temp_store("kept-move");
    let first = load(&store, &fixtures::contacts(250), false);
    let all = fixtures::contacts(300);
    let mut renamed = all[3].clone();
    renamed.name = "Ada Lovelace".into();
    let given = vec![renamed, all[260].clone()];
    let ids: Vec<String> = (0..250).map(|n| n.to_string()).collect();
    let kept: Vec<&str> = (ids.iter().map(String::as_str))
        .filter(|id| !["3", "7"].contains(id))
        .collect();
    let synced = sync(&store, &given, &kept, false);
    assert_eq!(
        synced.changes,
        Some(ChangeSummary {
            new: 1,
            changed: 1,
            gone: 1
        })
    );
    let stored = rows(&store, synced.id);
    assert_eq!(stored.len(), 251, "248 kept, 2 given, 1 gone");
    let delta = |id: &str| stored.iter().find(|i| i.id == id).unwrap().delta;
    assert_eq!(delta("260"), Some(Delta::New));
    assert_eq!(delta("3"), Some(Delta::Changed));
    assert_eq!(delta("7"), Some(Delta::Gone));
    assert_eq!(delta("100"), None, "kept as it was");
    assert_eq!(stored.last().unwrap().id, "7", "gone items come last");
    // The replaced load is purged; the kept rows, their search text with them, are the sync's.
    assert!(rows(&store, first.id).is_empty());
    assert_eq!(ids_found(&store, synced.id, "person100@exam"), vec!["100"]);
    assert_eq!(ids_found(&store, synced.id, "ada lov"), vec!["3"]);
    assert!(ids_found(&store, synced.id, "person3@exam").len() == 1);
    // A full load after it compares with the sync's items as with any load's.
    let mut again: Vec<_> = fixtures::contacts(250);
    again[3].name = "Ada Lovelace".into();
    again.retain(|i| i.id != "7");
    again.push(all[260].clone());
    let full = load(&store, &again, false);
    assert_eq!(full.changes, Some(ChangeSummary::default()));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_partial_sync_copies_what_it_keeps_and_leaves_the_complete_load_whole() {
    let (store, dir) = temp_store("kept-copy");
    let first = load(&store, &fixtures::contacts(50), false);
    let mut renamed = fixtures::contacts(50)[4].clone();
    renamed.name = "Grace Hopper".into();
    let ids: Vec<String> = (0..50).filter(|n| *n != 4).map(|n| n.to_string()).collect();
    let kept: Vec<&str> = ids.iter().map(String::as_str).collect();
    let partial = sync(&store, &[renamed], &kept, true);
    assert_eq!(rows(&store, partial.id).len(), 50);
    assert_eq!(ids_found(&store, partial.id, "person20@exam"), vec!["20"]);
    assert_eq!(
        rows(&store, first.id).len(),
        50,
        "the last complete load stays whole for the next comparison"
    );
    // A sync after the partial one takes what it keeps from the partial one (shown), copied.
    let after = sync(&store, &[], &kept, false);
    assert_eq!(
        after.changes,
        Some(ChangeSummary {
            new: 0,
            changed: 0,
            gone: 1
        }),
        "compared with the complete load: 4 was not given nor kept"
    );
    assert_eq!(ids_found(&store, after.id, "person20@exam"), vec!["20"]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn two_accounts_finishing_syncs_together_each_keep_their_own() {
    let (store, dir) = temp_store("kept-two");
    let other = AccountKey {
        account_id: "43".into(),
        ..key()
    };
    let begin = |account: &AccountKey| store.begin(account, &fixtures::account("42")).unwrap();
    let keys =
        |n: usize| -> Vec<String> { fixtures::contacts(n).iter().map(|i| i.key()).collect() };
    for account in [key(), other.clone()] {
        let mut first = begin(&account);
        first.append(&fixtures::contacts(30)).unwrap();
        first.finish(false).unwrap();
    }
    // Both syncs name what they keep before either finishes (their writers run side by side).
    let mut mine = begin(&key());
    let mut theirs = begin(&other);
    mine.keep_stored(keys(30));
    theirs.keep_stored(keys(20));
    let theirs = theirs.finish(false).unwrap();
    let mine = mine.finish(false).unwrap();
    assert_eq!(mine.changes, Some(ChangeSummary::default()));
    assert_eq!(rows(&store, mine.id).len(), 30);
    assert_eq!(
        theirs.changes,
        Some(ChangeSummary {
            new: 0,
            changed: 0,
            gone: 10
        })
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn content_kept_after_its_item_is_found_with_it_and_stays_found_through_syncs() {
    let (store, dir) = temp_store("kept-content");
    let first = load(&store, &fixtures::contacts(10), false);
    // A content load stopped half-way keeps the contents it read; its items were not stored.
    let content = crate::item::ItemContent {
        item_id: "5".into(),
        edited: None,
        markdown: "Quarterly zanzibar review".into(),
        blocks: serde_json::Value::Null,
    };
    store.put_content(&key(), &content).unwrap();
    assert_eq!(ids_found(&store, first.id, "zanzib"), vec!["5"]);
    let ids: Vec<String> = (0..10).map(|n| n.to_string()).collect();
    let kept: Vec<&str> = ids.iter().map(String::as_str).collect();
    let synced = sync(&store, &[], &kept, false);
    assert_eq!(synced.changes, Some(ChangeSummary::default()));
    assert_eq!(ids_found(&store, synced.id, "zanzib"), vec!["5"]);
    assert_eq!(ids_found(&store, synced.id, "person5@exam"), vec!["5"]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_key_kept_but_missing_where_it_is_copied_from_is_gone() {
    let (store, dir) = temp_store("kept-missing");
    load(&store, &fixtures::contacts(10), false);
    // A partial load shown since, which did not find 9.
    load(&store, &fixtures::contacts(9), true);
    let ids: Vec<String> = (0..10).map(|n| n.to_string()).collect();
    let kept: Vec<&str> = ids.iter().map(String::as_str).collect();
    let synced = sync(&store, &[], &kept, false);
    assert_eq!(
        synced.changes,
        Some(ChangeSummary {
            new: 0,
            changed: 0,
            gone: 1
        }),
        "not silently left out"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn who_edited_an_item_is_not_a_change_of_it() {
    let (store, dir) = temp_store("edited-by");
    load(&store, &fixtures::contacts(5), false);
    let mut again = fixtures::contacts(5);
    again[2].set_edited_by("Ada");
    let second = load(&store, &again, false);
    assert_eq!(second.changes, Some(ChangeSummary::default()));
    let stored = rows(&store, second.id);
    let two = stored.iter().find(|i| i.id == "2").unwrap();
    assert_eq!(
        two.details[crate::item::EDITED_BY],
        "Ada",
        "kept all the same"
    );
    std::fs::remove_dir_all(dir).ok();
}
