//! A HubSpot sync: only what changed since the account's last complete load.
//!
//! - Changed records: the CRM search (`POST /crm/v3/objects/{type}/search`) filtered on the
//!   last-modified property (`lastmodifieddate` for contacts, `hs_lastmodifieddate` for the
//!   others) from when the last load began, less [`OVERLAP`] ([`since`]: a full load instead
//!   after a partial one and for a type not loaded before; every four weeks every record is
//!   checked instead, `reconcile.rs`). HubSpot takes one sorting
//!   rule per search, so the keyset is the record id: sorted by `hs_object_id` and filtered
//!   `hs_object_id > the last id seen`, each page a new search from the start. Records sharing
//!   one timestamp cannot make it loop (the id only grows), and no search pages past its
//!   10,000-result cap (none uses `after`). Searches go under their own pace (five a second per
//!   account, apart from the app's window: `spec::SEARCH_PACE_KEY`). The search asks for ids
//!   and times only, and a hit stored with the same time (the overlap finds the latest ones
//!   again) is left alone; the changed records are then read whole (`POST …/batch/read`, every property in the
//!   body), with their associations, as a full load reads them.
//! - Deleted records: `GET /crm/v3/objects/{type}?archived=true` lists those archived (HubSpot
//!   keeps them 90 days); the stored records neither changed nor archived are kept
//!   (`PageSink::keep`), and what is neither given nor kept is gone.
//! - Merged records: a merge modifies the record kept, which names the ones merged into it in
//!   `hs_merged_object_ids`; those are gone (the archived listing does not give them).
//! - The type's definitions and pipelines are read again only when some record changed (a
//!   stage's label belongs to the records that show it); otherwise the stored ones stay.
//! - Once a day, the ids counted against HubSpot's (`census.rs`: records deleted for good or
//!   created unseen) and the kept records' associations read again (`reconcile::daily`), as
//!   HubSpot changes them without moving a record's last change.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::api::{ObjectPage, SimpleObject};
use super::labels::PropertyBook;
use super::objects::{record_item, ObjectType};
use super::{associations, reconcile, records};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::{key_of, ItemKind};
use crate::providers::{advance, api_url, parse_time, Cursor, LoadContext, PageSink, MAX_PAGES};
use crate::spec::SEARCH_PACE_KEY;

/// How far before the last change seen a sync looks again: HubSpot's search index trails its
/// writes by seconds, and a record changed while the last load ran may carry an earlier time.
pub const OVERLAP: chrono::Duration = chrono::Duration::minutes(5);
/// Records one search page holds (the documented most).
const SEARCH_PAGE: usize = 200;

/// The time a sync of `object` looks for changes from: when the account's last load began,
/// less [`OVERLAP`] (a record edited while that load ran, after it was listed, is found again).
/// `None` — the type loads in full — for a type not loaded before. (The loader makes a sync a
/// full load after a partial one; what the search and the archived listing cannot show —
/// deletions past the archive's 90 days, merged and permanently deleted records, association
/// changes — the slower checks put right: the daily count of ids and read of associations,
/// and every four weeks the check of every record, `reconcile.rs`.)
pub fn since(ctx: &LoadContext<'_>, object: &ObjectType) -> Option<DateTime<Utc>> {
    let when = ctx.previous.when?;
    let type_stored = ctx
        .previous
        .get(&object.type_id)
        .is_some_and(|t| t.item_type == ItemKind::ObjectType);
    type_stored.then(|| when.started_at - OVERLAP)
}

/// Syncs `object`: its records changed since `since` read whole, and the stored ones neither
/// changed nor deleted (archived) kept; its item and pipelines read again when a record changed.
/// With `daily` (once a day, `reconcile::Check`), the ids are counted against HubSpot's and the
/// kept records' associations read again (`reconcile::daily`).
pub async fn load(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    since: DateTime<Utc>,
    daily: bool,
    sink: &mut dyn PageSink,
) -> Result<()> {
    let archived = deleted(ctx, object).await?;
    let changed = changed_ids(ctx, object, since).await?;
    let (mut book, mut merged) = (None, HashSet::new());
    if !changed.is_empty() {
        let read = records::head(ctx, object, sink).await?;
        merged = read_whole(ctx, object, &read, &changed, sink).await?;
        book = Some(read);
    }
    // What is neither archived nor merged into a changed record stays (the changed ones are
    // given again: the carry-over takes the new ones).
    let mut kept: Vec<String> = (stored_records(ctx, object).into_iter())
        .filter(|id| !archived.contains(*id) && !merged.contains(*id))
        .map(str::to_owned)
        .collect();
    if daily {
        reconcile::daily(ctx, object, &changed, &mut kept, &mut book, sink).await?;
    }
    if book.is_none() {
        // The type's item and pipelines stay as stored.
        let pipelines = (ctx.previous.children_of(&object.type_id).iter())
            .filter(|id| (ctx.previous.get(id)).is_some_and(|i| i.item_type == ItemKind::Pipeline))
            .map(|id| key_of(Integration::Hubspot, ItemKind::Pipeline, id));
        let head = key_of(Integration::Hubspot, ItemKind::ObjectType, &object.type_id);
        sink.keep(std::iter::once(head).chain(pipelines).collect());
    }
    sink.keep(
        (kept.iter())
            .map(|id| key_of(Integration::Hubspot, object.item_type, id))
            .collect(),
    );
    Ok(())
}

/// The ids of `object`'s records the account's last load stored.
pub(super) fn stored_records<'a>(ctx: &'a LoadContext<'_>, object: &ObjectType) -> Vec<&'a str> {
    if object.item_type == ItemKind::CustomObject {
        (ctx.previous.children_of(&object.type_id).iter())
            .map(String::as_str)
            .filter(|id| {
                (ctx.previous.get(id)).is_some_and(|i| i.item_type == ItemKind::CustomObject)
            })
            .collect()
    } else {
        (ctx.previous.of_kind(object.item_type))
            .map(|(id, _)| id)
            .collect()
    }
}

/// Reads the records `ids` of `object` whole, with their associations, into `sink`; answers
/// the ids of the records merged into them (gone: HubSpot's archived listing does not list
/// them).
pub(super) async fn read_whole(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    book: &PropertyBook,
    ids: &[String],
    sink: &mut dyn PageSink,
) -> Result<HashSet<String>> {
    let names = records::property_names(book);
    let portal = ctx.account.id.as_str();
    let mut merged_away = HashSet::new();
    for ids in ids.chunks(associations::BATCH) {
        let found = read(ctx, object, ids, &names).await?;
        merged_away.extend(found.iter().flat_map(merged_into));
        let associated = associations::read(ctx, object, ids).await?;
        sink.page(
            found
                .into_iter()
                .map(|r| record_item(r, object, book, &associated, portal))
                .collect(),
        );
    }
    Ok(merged_away)
}

/// The ids of the records merged into `record` (`hs_merged_object_ids`, `;`-separated).
fn merged_into(record: &SimpleObject) -> Vec<String> {
    let ids = record.properties.get(MERGED_IDS).and_then(Option::as_deref);
    (ids.unwrap_or_default().split(';'))
        .map(str::trim)
        .filter(|id| !id.is_empty() && *id != record.id)
        .map(str::to_owned)
        .collect()
}

/// The property naming the records merged into a record (every CRM object has it).
const MERGED_IDS: &str = "hs_merged_object_ids";

/// The property holding a record's last change.
pub(super) fn last_change(object: &ObjectType) -> &'static str {
    if object.item_type == ItemKind::Contact {
        "lastmodifieddate"
    } else {
        "hs_lastmodifieddate"
    }
}

/// The ids of `object`'s records changed since `since`, in id order.
async fn changed_ids(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    since: DateTime<Utc>,
) -> Result<Vec<String>> {
    let url = api_url(
        ctx.settings,
        &format!("/crm/v3/objects/{}/search", object.path),
    );
    let api = ctx.api.keyed(SEARCH_PACE_KEY);
    let modified = json!({"propertyName": last_change(object), "operator": "GTE",
        "value": since.timestamp_millis().to_string()});
    let mut ids = Vec::new();
    let mut after: Option<u64> = None;
    for _ in 0..MAX_PAGES {
        let mut filters = vec![modified.clone()];
        if let Some(last) = after {
            filters.push(json!({"propertyName": "hs_object_id", "operator": "GT", "value": last.to_string()}));
        }
        let body = json!({
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "properties": ["hs_object_id", last_change(object)],
            "limit": SEARCH_PAGE,
        });
        let page: ObjectPage = api
            .json(ctx.tokens, |http| http.post(url.clone()).json(&body))
            .await?;
        let full = page.results.len() >= SEARCH_PAGE;
        let last = page.results.last().map(|r| r.id.clone());
        // The overlap finds again records stored as they are now: those are not read again.
        ids.extend(
            (page.results.into_iter())
                .filter(|r| !stored_as_is(ctx, object, r))
                .map(|r| r.id),
        );
        let Some(last) = last else {
            return Ok(ids);
        };
        let last = last.parse::<u64>().ok().filter(|l| after < Some(*l));
        let Some(last) = last else {
            return Err(CoreError::InvalidResponse {
                integration: Integration::Hubspot,
                reason: "the search did not move past the last record id it gave".into(),
            });
        };
        if !full && page.paging.is_none() {
            return Ok(ids);
        }
        after = Some(last);
    }
    Err(CoreError::InvalidResponse {
        integration: Integration::Hubspot,
        reason: format!("the search went on past {MAX_PAGES} pages; stopped rather than loop"),
    })
}

/// Whether `record` (a search hit) is stored with the same last change.
pub(super) fn stored_as_is(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    record: &SimpleObject,
) -> bool {
    let changed = parse_time(record.updated_at.as_deref());
    ctx.previous.get(&record.id).is_some_and(|stored| {
        stored.item_type == object.item_type && changed.is_some() && stored.modified == changed
    })
}

/// The ids of `object`'s records deleted (archived; HubSpot lists them for 90 days).
pub(super) async fn deleted(ctx: &LoadContext<'_>, object: &ObjectType) -> Result<HashSet<String>> {
    let mut after = Cursor::default();
    let mut ids = HashSet::new();
    loop {
        let page = records::listing_page(ctx, object, "hs_object_id", true, &after).await?;
        ids.extend(page.results.into_iter().map(|r| r.id));
        let next = page.paging.and_then(|p| p.next).map(|n| n.after);
        if !advance(Integration::Hubspot, &mut after, next)? {
            return Ok(ids);
        }
    }
}

/// `ids`' records of `object` with every property in `names`, in id order (as a listing gives
/// them).
async fn read(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    ids: &[String],
    names: &[&str],
) -> Result<Vec<SimpleObject>> {
    let mut found = records::batch_read(ctx, object, ids, names).await?;
    found.sort_by_key(|r| r.id.parse::<u64>().unwrap_or(u64::MAX));
    Ok(found)
}
