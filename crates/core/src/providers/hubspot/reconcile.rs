//! What a HubSpot sync checks on a slower cadence than its changes: what the changes' search
//! and the archived listing cannot show is put right without loading the portal again.
//!
//! - Once a day ([`ASSOCIATIONS_EVERY`]), the associations of the records a sync keeps as
//!   stored, read again in batches of 1,000 (v4): HubSpot changes a record's associations
//!   without moving its last change, so the search never finds that. They go to the carry-over
//!   as patches (`ItemPatch`): a record whose companies, contacts, deals, labels or primary
//!   company differ is written again (a change, with its revision); the rest stay as stored.
//!   For 25,000 contacts that is 25 requests.
//! - Once a week ([`CHECK_EVERY`]), every record: its id and last change listed without
//!   properties (`GET /crm/v3/objects/{type}?properties=hs_object_id`, 100 a page; the listing
//!   always gives `updatedAt`). A record not stored as listed (new, or changed where search did
//!   not see it) is read whole, as a sync reads a changed one; a stored record not listed is
//!   gone (deleted for good under the GDPR, merged, or archived more than 90 days ago — none of
//!   which the archived listing shows); the type's definitions and pipelines are read again;
//!   the kept records' associations are read again as above. The summary says what it found
//!   that the syncs had missed.
//!
//! A full load counts as both. Each is remembered per type in the provider's state.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::objects::{association_patch, ObjectType};
use super::{associations, records, sync};
use crate::error::Result;
use crate::integration::Integration;
use crate::item::{key_of, ItemPatch};
use crate::providers::{advance, parse_time, Cursor, LoadContext, PageSink};

/// How often a sync reads the associations of every record it keeps.
pub const ASSOCIATIONS_EVERY: chrono::Duration = chrono::Duration::days(1);
/// How often a sync lists every record to check it against the store.
pub const CHECK_EVERY: chrono::Duration = chrono::Duration::days(7);

/// What a sync of a type checks beside what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The changes alone.
    Changes,
    /// The changes, and the associations of the records kept.
    Associations,
    /// Every record, listed, and the associations of those kept.
    Everything,
}

impl Check {
    /// The provider-state keys holding when `object` was last checked this way (everything
    /// includes the associations).
    fn state_keys(self, object: &ObjectType) -> Vec<String> {
        let associations = format!("associations-checked:{}", object.type_id);
        match self {
            Self::Changes => Vec::new(),
            Self::Associations => vec![associations],
            Self::Everything => vec![format!("checked:{}", object.type_id), associations],
        }
    }
}

/// What a sync of `object` checks this time: everything when it never listed every record or
/// not for [`CHECK_EVERY`]; else the associations when not read for [`ASSOCIATIONS_EVERY`].
pub fn due(ctx: &LoadContext<'_>, object: &ObjectType) -> Check {
    let older_than = |key: &String, every: chrono::Duration| {
        let last = (ctx.previous.state.get(key))
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| at.with_timezone(&Utc));
        last.is_none_or(|at| Utc::now() - at >= every)
    };
    let keys = Check::Everything.state_keys(object);
    if older_than(&keys[0], CHECK_EVERY) {
        Check::Everything
    } else if older_than(&keys[1], ASSOCIATIONS_EVERY) {
        Check::Associations
    } else {
        Check::Changes
    }
}

/// Remembers that `object` was checked as `check` says now (a full load: [`Check::Everything`]).
pub fn note_checked(object: &ObjectType, check: Check, sink: &mut dyn PageSink) {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    for key in check.state_keys(object) {
        sink.remember(key, Some(now.clone()));
    }
}

/// The associations of stored records, read again.
#[derive(Debug, Default)]
pub struct Refreshed {
    /// A patch per record still there.
    pub patches: Vec<ItemPatch>,
    /// The records found deleted on the way.
    pub gone: HashSet<String>,
}

/// The associations of the stored records `ids` of `object`, read again, as patches. HubSpot
/// answers a record with no associations as it answers one deleted for good (an error entry
/// each, `NO_ASSOCIATIONS_FOUND`): with `verify`, a record answered so that hung under a
/// company is looked up (`batch/read`, 100 a request; few records lose every association in a
/// day) and, when it is no longer there, is gone rather than patched.
pub async fn association_patches(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    ids: &[String],
    verify: bool,
) -> Result<Refreshed> {
    let mut refreshed = Refreshed::default();
    if object.associations.is_empty() {
        return Ok(refreshed);
    }
    let mut unsure = Vec::new();
    for ids in ids.chunks(associations::BATCH) {
        let associated = associations::read(ctx, object, ids).await?;
        for id in ids {
            let had_parent = ctx.previous.get(id).is_some_and(|s| s.parent_id.is_some());
            if verify && had_parent && !associated.answered(id) {
                unsure.push(id.clone());
            }
            refreshed
                .patches
                .push(association_patch(id, object, &associated));
        }
    }
    if !unsure.is_empty() {
        let found = records::batch_read(ctx, object, &unsure, &["hs_object_id"]).await?;
        let found: HashSet<String> = found.into_iter().map(|r| r.id).collect();
        refreshed.gone = unsure
            .into_iter()
            .filter(|id| !found.contains(id))
            .collect();
        let gone: HashSet<String> = (refreshed.gone.iter())
            .map(|id| key_of(Integration::Hubspot, object.item_type, id))
            .collect();
        refreshed.patches.retain(|p| !gone.contains(&p.key));
    }
    Ok(refreshed)
}

/// Checks every record of `object` against what is stored (a sync counting from `since`).
pub async fn everything(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    since: DateTime<Utc>,
    sink: &mut dyn PageSink,
) -> Result<()> {
    let archived = sync::deleted(ctx, object).await?;
    let listed = every_record(ctx, object).await?;
    let book = records::head(ctx, object, sink).await?;
    let (mut read, mut kept, mut missed_changes) = (Vec::new(), Vec::new(), 0usize);
    for (id, changed) in &listed {
        let stored = ctx.previous.get(id);
        match stored.filter(|s| s.item_type == object.item_type) {
            Some(s) if changed.is_some() && s.modified == *changed => kept.push(id.clone()),
            _ => {
                // A change the sync's search window would have found is no miss.
                missed_changes += usize::from(changed.is_none_or(|at| at < since));
                read.push(id.clone());
            }
        }
    }
    let listed: HashSet<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
    let missed_gone = (sync::stored_records(ctx, object).into_iter())
        .filter(|id| !listed.contains(id) && !archived.contains(*id))
        .count();
    let merged = sync::read_whole(ctx, object, &book, &read, sink).await?;
    kept.retain(|id| !merged.contains(id));
    // Every record listed is there: none needs looking up.
    let patches = association_patches(ctx, object, &kept, false)
        .await?
        .patches;
    sink.keep(
        (kept.iter())
            .map(|id| key_of(Integration::Hubspot, object.item_type, id))
            .collect(),
    );
    sink.patch(patches);
    if missed_changes + missed_gone > 0 {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        sink.note(format!(
            "This week's check of every HubSpot {} found what the syncs could not see: {missed_changes} record{} new or changed before the sync's window, {missed_gone} record{} gone without being listed as deleted (merged, or deleted for good).",
            object.path,
            s(missed_changes),
            s(missed_gone),
        ));
    }
    note_checked(object, Check::Everything, sink);
    Ok(())
}

/// Every record of `object`: its id and last change, listed without properties.
async fn every_record(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
) -> Result<Vec<(String, Option<DateTime<Utc>>)>> {
    let mut after = Cursor::default();
    let mut found = Vec::new();
    loop {
        let page = records::listing_page(ctx, object, "hs_object_id", false, &after).await?;
        found.extend(
            (page.results.into_iter()).map(|r| (r.id, parse_time(r.updated_at.as_deref()))),
        );
        let next = page.paging.and_then(|p| p.next).map(|n| n.after);
        if !advance(Integration::Hubspot, &mut after, next)? {
            return Ok(found);
        }
    }
}
