//! What a HubSpot sync checks on slower cadences than its changes: what the changes' search and
//! the archived listing cannot show is put right without loading the portal again.
//!
//! - Once a day ([`DAILY`], [`daily`]): the ids counted against HubSpot's (`census.rs`: one
//!   search a type when the counts agree), so records deleted for good are gone and records
//!   created where the changes' search missed them are read; and the associations of the
//!   records kept as stored read again in batches of 1,000 (v4) — HubSpot changes a record's
//!   associations without moving its last change, so the search never finds that. They go to
//!   the carry-over as patches (`ItemPatch`): a record whose companies, contacts, deals, labels
//!   or primary company differ is written again (a change, with its revision); the rest stay
//!   as stored. For 25,000 contacts that is 25 requests and a search.
//! - Every four weeks ([`EVERYTHING_EVERY`], [`everything`]): every record's id and last change
//!   listed without properties (`GET /crm/v3/objects/{type}?properties=hs_object_id`, 100 a
//!   page; the listing always gives `updatedAt`) — as many requests as a full load's listing,
//!   with a fraction of its bytes and none of its writes. A record not stored as listed (changed
//!   where search did not see it, its index behind by more than the sync's overlap) is read
//!   whole; a stored record not listed is gone; the type's definitions and pipelines are read
//!   again; the kept records' associations are read again as above.
//!
//! A full load counts as both; the summary says what a check found that the syncs had missed.
//! When each last ran is remembered per type in the provider's state.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::census;
use super::labels::PropertyBook;
use super::objects::{association_patch, ObjectType};
use super::{associations, records, sync};
use crate::error::Result;
use crate::integration::Integration;
use crate::item::{key_of, ItemPatch};
use crate::providers::{advance, parse_time, Cursor, LoadContext, PageSink};

/// How often a sync counts the ids and reads the associations of every record it keeps.
pub const DAILY: chrono::Duration = chrono::Duration::days(1);
/// How often a sync lists every record to check it against the store.
pub const EVERYTHING_EVERY: chrono::Duration = chrono::Duration::days(28);
/// How much earlier than its cadence a check is due: a daily timer's runs drift by minutes
/// (and a check is stamped when it ends), so a check due only after a whole day would run
/// every other day.
const EARLY: chrono::Duration = chrono::Duration::hours(2);

/// What a sync of a type checks beside what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The changes alone.
    Changes,
    /// The changes, the census of ids and the associations of the records kept.
    Daily,
    /// Every record, listed, and the associations of those kept.
    Everything,
}

impl Check {
    /// The provider-state keys holding when `object` was last checked this way (everything
    /// includes the daily check).
    fn state_keys(self, object: &ObjectType) -> Vec<String> {
        let daily = format!("daily-checked:{}", object.type_id);
        match self {
            Self::Changes => Vec::new(),
            Self::Daily => vec![daily],
            Self::Everything => vec![format!("checked:{}", object.type_id), daily],
        }
    }
}

/// What a sync of `object` checks this time: everything when it never listed every record or
/// not for [`EVERYTHING_EVERY`]; else the daily check when not made for [`DAILY`].
pub fn due(ctx: &LoadContext<'_>, object: &ObjectType) -> Check {
    due_at(&ctx.previous.state, object, Utc::now())
}

fn due_at(
    state: &std::collections::HashMap<String, String>,
    object: &ObjectType,
    now: DateTime<Utc>,
) -> Check {
    let older_than = |key: &String, every: chrono::Duration| {
        let last = (state.get(key))
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| at.with_timezone(&Utc));
        last.is_none_or(|at| now - at >= every - EARLY)
    };
    let keys = Check::Everything.state_keys(object);
    match (keys.first(), keys.get(1)) {
        (Some(every), _) if older_than(every, EVERYTHING_EVERY) => Check::Everything,
        (_, Some(daily)) if older_than(daily, DAILY) => Check::Daily,
        _ => Check::Changes,
    }
}

/// Remembers that `object` was checked as `check` says now (a full load: [`Check::Everything`]).
pub fn note_checked(object: &ObjectType, check: Check, sink: &mut dyn PageSink) {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    for key in check.state_keys(object) {
        sink.remember(key, Some(now.clone()));
    }
}

/// The daily check of a sync of `object` that read the records `changed` (with `book`, if it
/// read the type's definitions) and keeps `kept`: the census of ids — records HubSpot has that
/// neither were read whole, those it no longer has (looked up first) leave `kept` — and the
/// associations of the records kept, handed over as patches.
pub async fn daily(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    changed: &[String],
    kept: &mut Vec<String>,
    book: &mut Option<PropertyBook>,
    sink: &mut dyn PageSink,
) -> Result<()> {
    let mut expected: Vec<u64> = (kept.iter().chain(changed))
        .filter_map(|id| id.parse().ok())
        .collect();
    expected.sort_unstable();
    expected.dedup();
    let counted = census::take(ctx, object, &expected).await?;
    if !counted.extra.is_empty() {
        let read = match book.take() {
            Some(read) => read,
            None => records::head(ctx, object, sink).await?,
        };
        let merged = sync::read_whole(ctx, object, &read, &counted.extra, sink).await?;
        kept.retain(|id| !merged.contains(id));
        *book = Some(read);
    }
    let read: HashSet<&str> = (changed.iter().chain(&counted.extra))
        .map(String::as_str)
        .collect();
    let held: HashSet<&str> = kept.iter().map(String::as_str).collect();
    let missing: Vec<String> = (counted.missing.into_iter())
        .filter(|id| held.contains(id.as_str()) && !read.contains(id.as_str()))
        .collect();
    let mut gone: HashSet<String> = HashSet::new();
    if !missing.is_empty() {
        let there = records::existing(ctx, object, &missing).await?;
        gone.extend(missing.into_iter().filter(|id| !there.contains(id)));
    }
    let unread: Vec<String> = (kept.iter())
        .filter(|id| !read.contains(id.as_str()) && !gone.contains(*id))
        .cloned()
        .collect();
    let refreshed = association_patches(ctx, object, &unread, true).await?;
    gone.extend(refreshed.gone);
    kept.retain(|id| !gone.contains(id));
    sink.patch(refreshed.patches);
    let (new, gone) = (counted.extra.len(), gone.len());
    if new + gone > 0 {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        sink.note(format!(
            "Today's count of HubSpot {} found what the syncs had not seen: {new} record{} new, {gone} record{} deleted for good.",
            object.path,
            s(new),
            s(gone),
        ));
    }
    if counted.cut_short {
        sink.note(format!(
            "Today's count of HubSpot {} stopped before checking every record; the monthly check of every record finishes it.",
            object.path
        ));
    }
    note_checked(object, Check::Daily, sink);
    Ok(())
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
/// each, `NO_ASSOCIATIONS_FOUND`): with `verify`, a record that hung under a company and now
/// has none is looked up (`batch/read`, 100 a request; few records lose their company in a
/// day) and, when it is no longer there, is gone rather than patched. (The daily census finds
/// most deleted records first.)
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
        // A record HubSpot did not answer about for every type (an error of another kind, a
        // type the scopes hide) keeps its stored associations: no patch.
        let known = ids
            .iter()
            .filter(|id| associated.known(id, object.associations));
        for id in known {
            let patch = association_patch(id, object, &associated);
            let had_parent = (ctx.previous.get(id))
                .is_some_and(|s| s.item_type == object.item_type && s.parent_id.is_some());
            if verify && had_parent && patch.parent_id.is_none() {
                unsure.push(id.clone());
            }
            refreshed.patches.push(patch);
        }
    }
    if !unsure.is_empty() {
        let found = records::existing(ctx, object, &unsure).await?;
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
    // Records merged into a changed one would have been found gone by a sync too.
    let missed_gone = missed_gone.saturating_sub(
        (merged.iter())
            .filter(|id| !listed.contains(id.as_str()) && ctx.previous.get(id).is_some())
            .count(),
    );
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
            "This month's check of every HubSpot {} found what the syncs could not see: {missed_changes} record{} new or changed before the sync's window, {missed_gone} record{} gone without being listed as deleted (merged, or deleted for good).",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daily_timer_that_drifts_by_minutes_still_checks_every_day() {
        let types = super::super::objects::standard_types();
        let object = &types[0];
        let now = Utc::now();
        let at = |ago: chrono::Duration| (now - ago).to_rfc3339();
        let state = |daily: chrono::Duration, every: chrono::Duration| {
            std::collections::HashMap::from([
                (format!("daily-checked:{}", object.type_id), at(daily)),
                (format!("checked:{}", object.type_id), at(every)),
            ])
        };
        let (minutes, days) = (chrono::Duration::minutes, chrono::Duration::days);
        let drifted = state(days(1) - minutes(4), days(3));
        assert_eq!(due_at(&drifted, object, now), Check::Daily);
        let same_day = state(chrono::Duration::hours(12), days(3));
        assert_eq!(due_at(&same_day, object, now), Check::Changes);
        let four_weeks = state(minutes(30), days(28) - minutes(4));
        assert_eq!(due_at(&four_weeks, object, now), Check::Everything);
        assert_eq!(
            due_at(&std::collections::HashMap::new(), object, now),
            Check::Everything
        );
    }
}
