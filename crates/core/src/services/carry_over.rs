//! What a load carries over from the account's load before ([`CarryOver`]): records that come
//! only when asked for (an Airtable base's), kept across the loads that do not load them again;
//! a failed stream's subtree; a sync's unchanged items. Items nothing will change are named by
//! key and moved inside the item store (`LoadResult::kept_as_stored`), never read back and
//! written again; a provider that fixes items up once everything arrived (`Provider::finish`)
//! has them in memory, and those its fix-up leaves as they were are then named the same way
//! (`KeptShapes::settle`).

use std::collections::{HashMap, HashSet};

use super::library::Library;
use crate::error::{CoreError, Result};
use crate::item::{IntegrationItem, ItemPatch};
use crate::item_store::{AccountKey, RowFilter, SortColumn, StoredKey, ViewSort};
use crate::load::LoadResult;
use crate::providers::CarryOver;

/// The fields a provider's fix-up sets (`Provider::finish`: parent paths, children lists and
/// whether an item is a directory), of each item carried over in memory, as stored.
#[derive(Debug, Default)]
pub struct KeptShapes(HashMap<String, FixedUp>);

#[derive(Debug, PartialEq)]
struct FixedUp {
    parent_path: Option<String>,
    children: Option<Vec<String>>,
    directory: bool,
}

impl FixedUp {
    fn of(item: &IntegrationItem) -> Self {
        Self {
            parent_path: item.parent_path_or_name.clone(),
            children: item.children.clone(),
            directory: item.directory,
        }
    }
}

impl KeptShapes {
    /// Once the provider fixed `result`'s items up: the carried-over items it left exactly as
    /// stored leave `items` for `kept_as_stored` (the store moves them); the others (a parent
    /// renamed, a child added) are written again.
    pub fn settle(self, result: &mut LoadResult) {
        if self.0.is_empty() {
            return;
        }
        let mut as_stored = Vec::new();
        result.items.retain(|item| {
            let key = item.key();
            match self.0.get(&key) {
                Some(stored) if *stored == FixedUp::of(item) => {
                    as_stored.push(key);
                    false
                }
                _ => true,
            }
        });
        result.kept_as_stored.extend(as_stored);
    }
}

/// How many patched items a carry-over reads at once.
const PATCHED_AT_ONCE: usize = 1_000;

/// What a carry-over reads of the stored items: keys alone, or whole items (when the provider
/// fixes them up).
enum Stored {
    Keys(Vec<StoredKey>),
    Items(Vec<IntegrationItem>),
}

impl Library {
    /// Adds to `result` (a load kept whole) what its provider carries over from `key`'s load
    /// before ([`CarryOver`]): the stored children of containers found again whose contents
    /// were not loaded again (asking for one base's records must not forget the others', and a
    /// load of bases and tables alone must not report every record gone), and the stored
    /// subtrees of containers whose streams failed (a partial load loses nothing it had), and
    /// the stored items a sync named as kept (its unchanged ones), with the parts of them it
    /// learned anew applied (`ItemPatch`: those it changes are written again).
    /// Children of containers no longer there are left out (they are gone). With `in_memory`
    /// (the provider fixes items up) they join `result.items`, and the returned shapes say
    /// which the fix-up leaves as stored; otherwise they are named in `result.kept_as_stored`.
    pub async fn carry_over(
        &self,
        key: &AccountKey,
        result: &mut LoadResult,
        carry: CarryOver,
        in_memory: bool,
    ) -> Result<KeptShapes> {
        let Some(store) = self.store().cloned() else {
            return Ok(KeptShapes::default());
        };
        if carry.is_empty() {
            return Ok(KeptShapes::default());
        }
        let key = key.clone();
        let kinds = carry.kinds.clone();
        let reader = store.clone();
        let (generation, stored) = tokio::task::spawn_blocking(move || {
            let Some(current) = reader.current(&key)? else {
                return Ok::<_, CoreError>((0, Stored::Keys(Vec::new())));
            };
            if !in_memory {
                let keys = reader.stored_keys(current.id, &kinds)?;
                return Ok((current.id, Stored::Keys(keys)));
            }
            let filter = RowFilter {
                types: kinds,
                without_gone: true,
                ..RowFilter::default()
            };
            let order = ViewSort {
                column: SortColumn::Loaded,
                descending: false,
            };
            let items = reader.window(&[current.id], &filter, order, 0, u32::MAX)?;
            Ok((current.id, Stored::Items(items)))
        })
        .await
        .map_err(|e| CoreError::task_failed("reading the item store", e))??;
        let mut patches: HashMap<String, ItemPatch> = (std::mem::take(&mut result.patches))
            .into_iter()
            .map(|p| (p.key.clone(), p))
            .collect();
        let present: HashSet<String> = result.items.iter().map(|i| i.key()).collect();
        let listed: HashSet<&str> = result.kept.iter().map(String::as_str).collect();
        let mut shapes = KeptShapes::default();
        let carried = match stored {
            Stored::Keys(keys) => {
                let chosen = choose(&keys, &present, &carry, &listed);
                let (patched, as_stored): (Vec<String>, Vec<String>) =
                    (keys.into_iter().zip(chosen))
                        .filter_map(|(stored, chosen)| chosen.then_some(stored.key))
                        .partition(|key| patches.contains_key(key));
                let carried = patched.len() + as_stored.len();
                result.kept_as_stored.extend(as_stored);
                // The patched items are read a thousand at a time (a day's association check
                // patches every record), and only those a patch changes stay in memory.
                for keys in patched.chunks(PATCHED_AT_ONCE) {
                    let (store, keys) = (store.clone(), keys.to_vec());
                    let items =
                        tokio::task::spawn_blocking(move || store.stored_items(generation, &keys))
                            .await
                            .map_err(|e| CoreError::task_failed("reading the item store", e))??;
                    for (key, mut item) in items {
                        match patches.remove(&key) {
                            Some(patch) if patch.apply(&mut item) => result.items.push(item),
                            _ => result.kept_as_stored.push(key),
                        }
                    }
                }
                // A patched key no longer stored is kept like any other (the writer finds it
                // gone).
                result.kept_as_stored.extend(
                    patched
                        .into_iter()
                        .filter(|key| patches.remove(key).is_some()),
                );
                carried
            }
            Stored::Items(items) => {
                let keys: Vec<StoredKey> = (items.iter())
                    .map(|i| StoredKey {
                        key: i.key(),
                        id: i.id.clone(),
                        parent_id: i.parent_id.clone(),
                    })
                    .collect();
                let chosen = choose(&keys, &present, &carry, &listed);
                let before = result.items.len();
                for ((mut item, stored), chosen) in items.into_iter().zip(keys).zip(chosen) {
                    if chosen {
                        // A patch that changes the item has it written again, whatever the
                        // fix-up does.
                        let patched =
                            (patches.remove(&stored.key)).is_some_and(|p| p.apply(&mut item));
                        if !patched {
                            shapes.0.insert(stored.key, FixedUp::of(&item));
                        }
                        result.items.push(item);
                    }
                }
                result.items.len() - before
            }
        };
        if carried > 0 {
            tracing::debug!(carried, "items kept from the load before");
        }
        let count = result.items.len() + result.kept_as_stored.len();
        result.count = u32::try_from(count).unwrap_or(u32::MAX);
        Ok(shapes)
    }
}

/// Which of the `stored` items (of the kinds looked at) the load keeps: none it gave again
/// (`present`); those under a failed stream's containers, with their own children; the children
/// of containers found again whose contents were not loaded; those a sync named (`listed`).
fn choose(
    stored: &[StoredKey],
    present: &HashSet<String>,
    carry: &CarryOver,
    listed: &HashSet<&str>,
) -> Vec<bool> {
    let under = |s: &StoredKey, parents: &HashSet<String>| {
        s.parent_id.as_ref().is_some_and(|p| parents.contains(p))
    };
    let absent = |s: &StoredKey| !present.contains(&s.key);
    let failed: Vec<bool> = (stored.iter())
        .map(|s| absent(s) && under(s, &carry.subtrees_of))
        .collect();
    let mut parents = carry.children_of.clone();
    parents.extend(
        (stored.iter().zip(&failed))
            .filter(|(_, f)| **f)
            .map(|(s, _)| s.id.clone()),
    );
    (stored.iter().zip(failed))
        .map(|(s, failed)| {
            failed
                || (absent(s)
                    && (under(s, &parents) || (carry.listed && listed.contains(s.key.as_str()))))
        })
        .collect()
}
