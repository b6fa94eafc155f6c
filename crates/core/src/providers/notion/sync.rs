//! A Notion sync: only what changed since the account's last load.
//!
//! - Search sorted by `last_edited_time`, newest first (`POST /v1/search` with
//!   `sort: {timestamp: last_edited_time, direction: descending}`), read until a page reaches
//!   past when the last load began, less [`OVERLAP`]: the pages and data sources edited since.
//! - Search "is not guaranteed to return everything"
//!   (<https://developers.notion.com/reference/search-optimizations-and-limitations>), so data
//!   sources are queried for their rows edited since (`POST /v1/data_sources/{id}/query` with a
//!   `last_edited_time` timestamp filter, `on_or_after`) and for the rows in their trash
//!   (`in_trash: true`), which are gone: every data source search shows a sign of change in (it,
//!   or a row of it, was edited), and [`SAMPLED`] of the others, a window that starts elsewhere
//!   each sync — two requests each, so an unchanged workspace of any size syncs in one burst of
//!   Notion's limit (nine in three seconds) instead of two requests for each of its hundreds of
//!   data sources. A new data source's rows are listed whole, and its database read, as a full
//!   load does.
//! - A changed page's blocks are read again (`children.rs`): child pages found there and not
//!   stored are new; the stored ones no longer listed there (moved to the trash — which edits
//!   their parent — or deleted) are gone, with everything under them.
//! - Notion gives `last_edited_time` to the minute: a hit stored with the same time is read
//!   again unless that minute ended before the last load began.
//! - What a sync cannot see (a page deleted from the trash, one unshared, a page trashed while
//!   its parent's time did not move) is put right by the full load the loader makes once a week
//!   (`item::LoadedWhen::syncable`), which says what the syncs had missed.
//!
//! The stored items neither given again nor gone are kept (`PageSink::keep`).

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::database_of;
use super::listing::{Listing, Walk};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::{key_of, IntegrationItem, ItemKind};
use crate::providers::{LoadContext, PageSink};

/// How far before the last load began a sync looks again: search's index trails edits, and a
/// page edited while that load ran, after it was read, carries an earlier time.
pub const OVERLAP: chrono::Duration = chrono::Duration::minutes(5);

/// Data sources a sync queries beside those search shows a sign of change in.
const SAMPLED: usize = 4;

/// The kinds a Notion load stores.
const KINDS: [ItemKind; 3] = [ItemKind::Page, ItemKind::Database, ItemKind::DataSource];

/// The time a sync looks for changes from: when the account's last load began, less
/// [`OVERLAP`]; `None` (a full load) when the load is not a sync or nothing was loaded before.
pub(super) fn since(ctx: &LoadContext<'_>) -> Option<DateTime<Utc>> {
    let when = ctx.previous.when.filter(|_| ctx.request.sync)?;
    (!ctx.previous.is_empty()).then(|| when.started_at - OVERLAP)
}

/// Syncs the workspace from `since`: what changed given to `sink`, the rest kept.
pub(super) async fn load(
    ctx: &LoadContext<'_>,
    since: DateTime<Utc>,
    sink: &mut dyn PageSink,
) -> Result<()> {
    let mut walk = Walk::new(ctx);
    let mut gone = HashSet::new();
    let changed = edited_since(ctx, since).await?;
    let mut new_sources = Vec::new();
    let mut databases = BTreeSet::new();
    let mut signalled = HashSet::new();
    for item in &changed {
        if item.item_type == ItemKind::DataSource {
            if ctx.previous.get(&item.id).is_none() {
                new_sources.push(item.clone());
            }
            databases.extend(item.parent_id.clone());
            signalled.insert(item.id.clone());
        } else if item.details.get("parent_type").and_then(Value::as_str) == Some("data_source") {
            signalled.extend(item.parent_id.clone());
        }
    }
    walk.emit(changed, sink).await?;
    for source in sources_to_query(ctx, &signalled) {
        match rows_changed(&mut walk, &source, since, sink).await {
            Ok(trashed) => gone.extend(trashed),
            // Deleted, or no longer shared: it and its rows are gone.
            Err(CoreError::ProviderHttp { status: 404, .. }) => {
                gone.insert(source);
            }
            Err(other) => return Err(other),
        }
    }
    for source in &new_sources {
        match walk.rows_of(&source.id, sink).await {
            Ok(_) | Err(CoreError::ProviderHttp { status: 404, .. }) => {}
            Err(other) => return Err(other),
        }
    }
    // The databases of new and changed data sources, read again as a full load reads them.
    let mut made = Vec::new();
    for id in databases {
        let derived = new_sources
            .iter()
            .find(|s| s.parent_id.as_ref() == Some(&id));
        let mut database = match (walk.database(&id).await?, derived) {
            (Some((own, _)), _) => own,
            (None, Some(source)) => database_of(source),
            (None, None) => continue, // the stored one stays
        };
        let mut sources: Vec<String> = (ctx.previous.children_of(&id).iter())
            .filter(|s| !gone.contains(*s))
            .cloned()
            .collect();
        sources.extend(
            (new_sources.iter())
                .filter(|s| s.parent_id.as_ref() == Some(&id))
                .map(|s| s.id.clone()),
        );
        database
            .details
            .insert("data_sources".into(), sources.into());
        made.push(database);
    }
    walk.emit(made, sink).await?;
    // A stored page or database found under a changed page stays as stored (it did not change).
    walk.stored = (ctx.previous.of_kind(ItemKind::Page))
        .chain(ctx.previous.of_kind(ItemKind::Database))
        .map(|(id, _)| id.to_owned())
        .collect();
    walk.walk_down(sink).await?;
    // A child no longer listed where it was is gone — unless it is listed under another page
    // (moved there: read again above).
    let listed_anywhere: HashSet<&String> = walk.listed_children.values().flatten().collect();
    for (page, listed) in &walk.listed_children {
        gone.extend(
            (ctx.previous.children_of(page).iter())
                .filter(|child| !listed.contains(*child) && !walk.seen.contains(*child))
                .filter(|child| !listed_anywhere.contains(child))
                .filter(|child| {
                    (ctx.previous.get(child))
                        .is_some_and(|c| matches!(c.item_type, ItemKind::Page | ItemKind::Database))
                })
                .cloned(),
        );
    }
    walk.contents(sink).await?;
    let gone = with_everything_under(ctx, gone);
    let mut keep = Vec::new();
    for kind in KINDS {
        keep.extend(
            (ctx.previous.of_kind(kind))
                .filter(|(id, _)| !walk.seen.contains(*id) && !gone.contains(*id))
                .map(|(id, _)| key_of(Integration::Notion, kind, id)),
        );
    }
    sink.keep(keep);
    Ok(())
}

/// The pages and data sources search gives as edited since `since`, newest first, less those
/// stored as they are.
async fn edited_since(ctx: &LoadContext<'_>, since: DateTime<Utc>) -> Result<Vec<IntegrationItem>> {
    let newest_first =
        json!({"sort": {"timestamp": "last_edited_time", "direction": "descending"}});
    let mut search = Listing::search(ctx, newest_first);
    let mut found = Vec::new();
    while let Some(items) = search.next(ctx).await? {
        let past = items
            .iter()
            .any(|i| i.last_modified_time.is_some_and(|t| t < since));
        found.extend(
            (items.into_iter())
                .filter(|i| i.last_modified_time.is_none_or(|t| t >= since))
                .filter(|i| !stored_as_is(ctx, i)),
        );
        if past {
            break;
        }
    }
    Ok(found)
}

/// The stored data sources a sync queries: those in `signalled`, and [`SAMPLED`] of the
/// others in id order from a place that moves with the sync's start (the whole list over many
/// syncs; the weekly full load reads every one).
fn sources_to_query(ctx: &LoadContext<'_>, signalled: &HashSet<String>) -> Vec<String> {
    let mut stored: Vec<&str> = (ctx.previous.of_kind(ItemKind::DataSource))
        .map(|(id, _)| id)
        .collect();
    stored.sort_unstable();
    let (mut chosen, rest): (Vec<&str>, Vec<&str>) =
        stored.into_iter().partition(|id| signalled.contains(*id));
    if rest.len() <= SAMPLED {
        chosen.extend(rest);
    } else {
        let seed =
            (ctx.previous.when).map_or(0, |w| w.started_at.timestamp_micros().unsigned_abs());
        // Fibonacci hashing spreads consecutive start times over the whole list.
        let start = (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) % rest.len() as u64) as usize;
        chosen.extend(rest.iter().cycle().skip(start).take(SAMPLED));
    }
    chosen.into_iter().map(str::to_owned).collect()
}

/// Whether `item` is stored with the same edit time, and that minute (Notion's times are to
/// the minute) ended before the last load began — so no later edit can carry it.
fn stored_as_is(ctx: &LoadContext<'_>, item: &IntegrationItem) -> bool {
    let (Some(edited), Some(when)) = (item.last_modified_time, ctx.previous.when) else {
        return false;
    };
    edited < when.started_at - chrono::Duration::minutes(1)
        && ctx.previous.get(&item.id).is_some_and(|stored| {
            stored.item_type == item.item_type && stored.modified == Some(edited)
        })
}

/// Gives `sink` the rows of data source `source` edited since `since` (those not stored as they
/// are); answers the ids of its rows in the trash.
async fn rows_changed(
    walk: &mut Walk<'_, '_>,
    source: &str,
    since: DateTime<Utc>,
    sink: &mut dyn PageSink,
) -> Result<Vec<String>> {
    let ctx = walk.ctx;
    let edited = json!({"filter": {"timestamp": "last_edited_time",
        "last_edited_time": {"on_or_after": since.to_rfc3339_opts(SecondsFormat::Millis, true)}}});
    let rows: Vec<IntegrationItem> = Listing::query(ctx, source, edited)
        .all(ctx)
        .await?
        .into_iter()
        .filter(|row| !stored_as_is(ctx, row))
        .collect();
    walk.emit(rows, sink).await?;
    let trashed = Listing::query(ctx, source, json!({"in_trash": true}))
        .all(ctx)
        .await?;
    Ok(trashed.into_iter().map(|row| row.id).collect())
}

/// `gone` and every stored item under one of them.
fn with_everything_under(ctx: &LoadContext<'_>, gone: HashSet<String>) -> HashSet<String> {
    let mut all = HashSet::new();
    let mut next: Vec<String> = gone.into_iter().collect();
    while let Some(id) = next.pop() {
        if all.insert(id.clone()) {
            next.extend(ctx.previous.children_of(&id).iter().cloned());
        }
    }
    all
}

/// After syncs, the full load the loader makes once a week says what they had missed: the
/// pages it found that were there before the last sync began yet not stored, and the stored
/// pages it no longer found.
pub(super) fn note_what_syncs_missed(
    ctx: &LoadContext<'_>,
    walk: &Walk<'_, '_>,
    sink: &mut dyn PageSink,
) {
    let Some(when) = ctx.previous.when else {
        return;
    };
    let after_syncs = when.full_at.is_some_and(|full| full < when.started_at);
    if !after_syncs || ctx.request.sync {
        return;
    }
    let before = when.started_at - OVERLAP;
    let missed = (walk.pages.iter().chain(&walk.rows))
        .filter(|(id, edited)| ctx.previous.get(id).is_none() && edited.is_some_and(|t| t < before))
        .count();
    let kept = (ctx.previous.of_kind(ItemKind::Page))
        .filter(|(id, _)| !walk.seen.contains(*id))
        .count();
    if missed + kept > 0 {
        sink.note(format!(
            "This week's full load put right what the syncs since the last one could not see: {missed} page{} they had missed, {kept} they had kept that {} no longer there.",
            if missed == 1 { "" } else { "s" },
            if kept == 1 { "is" } else { "are" },
        ));
    }
}
