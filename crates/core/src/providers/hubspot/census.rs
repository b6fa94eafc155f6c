//! The daily census of a type's records: HubSpot's CRM search counts the records in a range of
//! ids (`total`) and gives the first 200 of them, so the store's ids can be checked against
//! HubSpot's without listing them all. One search covers the whole type when the counts agree
//! (the usual day); a range whose count differs is cut in two at the middle of the ids
//! expected there, down to ranges of at most 200 records, whose ids are compared one by one —
//! a few records deleted for good, or created where the changes' search did not see them, cost
//! a few searches each (about two per halving: 25,000 records take seven), not a listing of
//! every record (250 requests). Counts that agree while one record left and another came
//! unseen are left to the monthly check of every record (`reconcile.rs`).

use std::collections::HashSet;

use serde_json::json;

use super::api::ObjectPage;
use super::objects::ObjectType;
use crate::error::{CoreError, Result};
use crate::providers::{api_url, LoadContext};
use crate::spec::SEARCH_PACE_KEY;

/// The most records one search page holds (and a range compared id by id).
const PAGE: usize = 200;
/// The most searches one census makes; past them, the monthly check finds the rest.
const MOST_SEARCHES: usize = 100;

/// What a census found against the ids expected.
#[derive(Debug, Default, PartialEq)]
pub struct Census {
    /// Ids HubSpot has that were not expected (created where the changes' search missed them).
    pub extra: Vec<String>,
    /// Ids expected that HubSpot's search no longer has (deleted for good, most likely).
    pub missing: Vec<String>,
    /// Whether it stopped at [`MOST_SEARCHES`] before checking every range.
    pub cut_short: bool,
}

/// A range of ids: from `low` (included) to `high` (excluded; none: no end).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Range {
    low: u64,
    high: Option<u64>,
}

impl Range {
    fn holds(self, id: u64) -> bool {
        id >= self.low && self.high.is_none_or(|high| id < high)
    }
}

/// Counts `object`'s records against `expected` (the ids the store will hold once the sync is
/// in, sorted).
pub async fn take(ctx: &LoadContext<'_>, object: &ObjectType, expected: &[u64]) -> Result<Census> {
    let mut census = Census::default();
    let mut ranges = vec![Range { low: 0, high: None }];
    let mut searches = 0;
    while let Some(range) = ranges.pop() {
        if searches == MOST_SEARCHES {
            census.cut_short = true;
            break;
        }
        searches += 1;
        let (total, first) = count(ctx, object, range).await?;
        let start = expected.partition_point(|id| *id < range.low);
        let end = range.high.map_or(expected.len(), |high| {
            expected.partition_point(|id| *id < high)
        });
        let wanted = &expected[start..end];
        if total <= PAGE || first.len() >= total {
            compare(&first, wanted, &mut census);
        } else if total != wanted.len() {
            ranges.extend(split(range, wanted, &first, &mut census));
        }
    }
    Ok(census)
}

/// The ids both sides of a range holds, compared: what only HubSpot has is extra, what only
/// the store expects is missing.
fn compare(found: &[u64], wanted: &[u64], census: &mut Census) {
    let found_set: HashSet<u64> = found.iter().copied().collect();
    let wanted_set: HashSet<u64> = wanted.iter().copied().collect();
    census.extra.extend(
        (found.iter())
            .filter(|id| !wanted_set.contains(id))
            .map(u64::to_string),
    );
    census.missing.extend(
        (wanted.iter())
            .filter(|id| !found_set.contains(id))
            .map(u64::to_string),
    );
}

/// A range whose counts differ, cut in two at the middle id expected there; when too few are
/// expected to cut it (many records HubSpot has that the store lacks), its first page is
/// compared and the rest of the range looked at next.
fn split(range: Range, wanted: &[u64], first: &[u64], census: &mut Census) -> Vec<Range> {
    let middle = wanted.get(wanted.len() / 2).copied();
    if let Some(middle) = middle.filter(|m| *m > range.low && wanted.len() >= 2) {
        return vec![
            Range {
                low: range.low,
                high: Some(middle),
            },
            Range {
                low: middle,
                high: range.high,
            },
        ];
    }
    let Some(last) = first.last().copied() else {
        return Vec::new();
    };
    let seen = Range {
        low: range.low,
        high: Some(last.saturating_add(1)),
    };
    let wanted_seen: Vec<u64> = wanted
        .iter()
        .copied()
        .filter(|id| seen.holds(*id))
        .collect();
    compare(first, &wanted_seen, census);
    vec![Range {
        low: last.saturating_add(1),
        high: range.high,
    }]
}

/// How many of `object`'s records `range` holds, and the first [`PAGE`] of their ids.
async fn count(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    range: Range,
) -> Result<(usize, Vec<u64>)> {
    let url = api_url(
        ctx.settings,
        &format!("/crm/v3/objects/{}/search", object.path),
    );
    let mut filters = vec![
        json!({"propertyName": "hs_object_id", "operator": "GTE", "value": range.low.to_string()}),
    ];
    if let Some(high) = range.high {
        filters.push(
            json!({"propertyName": "hs_object_id", "operator": "LT", "value": high.to_string()}),
        );
    }
    let body = json!({
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": ["hs_object_id"],
        "limit": PAGE,
    });
    let page: ObjectPage = (ctx.api.keyed(SEARCH_PACE_KEY))
        .json(ctx.tokens, |http| http.post(url.clone()).json(&body))
        .await?;
    let invalid = |reason: &str| CoreError::InvalidResponse {
        integration: crate::integration::Integration::Hubspot,
        reason: reason.into(),
    };
    let ids = (page.results.iter())
        .map(|r| r.id.parse::<u64>())
        .collect::<std::result::Result<Vec<u64>, _>>()
        .map_err(|_| invalid("a search answered a record id that is not a number"))?;
    // The count is what the census compares: a search without it cannot be trusted to agree.
    let total = page
        .total
        .ok_or_else(|| invalid("a search answered without its total"))?;
    Ok((total, ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_compared_id_by_id_finds_what_each_side_lacks() {
        let mut census = Census::default();
        compare(&[1, 2, 4, 9], &[1, 2, 3, 4], &mut census);
        assert_eq!(census.extra, ["9"]);
        assert_eq!(census.missing, ["3"]);
    }

    #[test]
    fn a_range_is_cut_at_its_middle_id_or_paged_on_when_few_are_expected() {
        let whole = Range { low: 0, high: None };
        let mut census = Census::default();
        let halves = split(whole, &[10, 20, 30, 40], &[], &mut census);
        assert_eq!(
            halves,
            [
                Range {
                    low: 0,
                    high: Some(30)
                },
                Range {
                    low: 30,
                    high: None
                }
            ]
        );
        // One record expected, hundreds there: the first page is compared, the rest next.
        let first: Vec<u64> = (100..300).collect();
        let rest = split(whole, &[150], &first, &mut census);
        assert_eq!(
            rest,
            [Range {
                low: 300,
                high: None
            }]
        );
        assert_eq!(census.extra.len(), 199);
        assert!(census.missing.is_empty());
    }
}
