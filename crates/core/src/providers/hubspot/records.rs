//! One object type's load: its definitions and pipelines, then its records with every
//! property (`GET /crm/v3/objects/{type}`, 100 a page; the properties a URL has no room for
//! through `POST …/batch/read`), their associations read 1,000 records at a time.

use serde_json::json;

use super::api::{BatchRead, ObjectPage, SimpleObject};
use super::labels::PropertyBook;
use super::objects::{merge_properties, record_item, type_item, ObjectType};
use super::{associations, reconcile, reference, sync};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::providers::{advance, api_url, Cursor, LoadContext, PageSink};
use crate::spec::spec;

/// How many characters of property names one listing's URL carries (`,` is sent as `%2C`):
/// HubSpot answers 414 past about 8,000 (dlt-hub/verified-sources#305, PostHog#31617), so a
/// portal with hundreds of custom properties gets the rest through batch reads.
const PROPERTIES_IN_URL: usize = 6_000;
/// The most records one `batch/read` takes.
const BATCH_READ: usize = 100;

/// `names` cut into groups that fit a URL each, the first for the listing itself.
fn property_groups<'a>(names: &[&'a str]) -> Vec<Vec<&'a str>> {
    let mut groups: Vec<Vec<&str>> = vec![Vec::new()];
    let mut length = 0;
    for name in names {
        let cost = name.len() + 3;
        if length + cost > PROPERTIES_IN_URL && !groups.last().is_some_and(Vec::is_empty) {
            groups.push(Vec::new());
            length = 0;
        }
        length += cost;
        if let Some(group) = groups.last_mut() {
            group.push(name);
        }
    }
    groups
}

/// Loads `object`: its item (with its property definitions), its pipelines, then its records
/// (a sync of a type with stored records: what changed since, `sync.rs`, and on a slower
/// cadence the associations and every record checked, `reconcile.rs`).
pub async fn load(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    sink: &mut dyn PageSink,
) -> Result<()> {
    if ctx.request.sync {
        if let Some(since) = sync::since(ctx, object) {
            return match reconcile::due(ctx, object) {
                reconcile::Check::Everything => {
                    reconcile::everything(ctx, object, since, sink).await
                }
                check => {
                    let daily = check == reconcile::Check::Daily;
                    sync::load(ctx, object, since, daily, sink).await
                }
            };
        }
    }
    let book = head(ctx, object, sink).await?;
    let portal = ctx.account.id.as_str();
    let names = property_names(&book);
    let groups = property_groups(&names);
    let listed = groups.first().map(|g| g.join(",")).unwrap_or_default();
    let mut after = Cursor::default();
    let mut waiting: Vec<SimpleObject> = Vec::new();
    loop {
        let page = listing_page(ctx, object, &listed, false, &after).await?;
        let mut records = page.results;
        for group in groups.iter().skip(1) {
            read_more_properties(ctx, object, &mut records, group).await?;
        }
        waiting.extend(records);
        let next = page.paging.and_then(|p| p.next).map(|n| n.after);
        let more = advance(Integration::Hubspot, &mut after, next)?;
        if waiting.len() >= associations::BATCH || !more {
            let batch = std::mem::take(&mut waiting);
            let ids: Vec<String> = batch.iter().map(|r| r.id.clone()).collect();
            let associated = associations::read(ctx, object, &ids).await?;
            sink.page(
                batch
                    .into_iter()
                    .map(|r| record_item(r, object, &book, &associated, portal))
                    .collect(),
            );
        }
        if !more {
            reconcile::note_checked(object, reconcile::Check::Everything, sink);
            return Ok(());
        }
    }
}

/// Reads `object`'s definitions, pipelines and the owners' names, and hands the type's item and
/// its pipelines to `sink`; gives the book its records are read with.
pub(super) async fn head(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    sink: &mut dyn PageSink,
) -> Result<PropertyBook> {
    let definitions = reference::definitions(ctx, object).await?;
    let pipelines = reference::pipelines(ctx, object).await?;
    let owners = reference::owner_names(ctx).await?;
    let book = PropertyBook::new(
        definitions,
        pipelines.clone(),
        object.pipeline_property,
        owners,
    );
    let portal = ctx.account.id.as_str();
    let mut head = vec![type_item(object, &book, portal)];
    head.extend(
        pipelines
            .iter()
            .map(|p| reference::pipeline_item(object, p, portal)),
    );
    sink.page(head);
    Ok(book)
}

/// Every property a record is read with: the definitions', or the timestamps at least when
/// none came (HubSpot's defaults differ per type).
pub(super) fn property_names(book: &PropertyBook) -> Vec<&str> {
    let names = book.names();
    if names.is_empty() {
        return vec!["createdate", "hs_lastmodifieddate", "lastmodifieddate"];
    }
    names
}

/// One page of `object`'s records (`archived`: the deleted ones HubSpot still lists) with the
/// properties `listed` (comma-separated), from `after`.
pub(super) async fn listing_page(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    listed: &str,
    archived: bool,
    after: &Cursor,
) -> Result<ObjectPage> {
    let endpoint = api_url(ctx.settings, &format!("/crm/v3/objects/{}", object.path));
    let limit = spec(Integration::Hubspot).page_size.to_string();
    ctx.api
        .json(ctx.tokens, |http| {
            let mut query = vec![
                ("limit", limit.as_str()),
                ("properties", listed),
                ("archived", if archived { "true" } else { "false" }),
            ];
            if let Some(cursor) = after.as_deref() {
                query.push(("after", cursor));
            }
            http.get(endpoint.clone()).query(&query)
        })
        .await
}

/// The records `ids` of `object` with the values of `properties`, read 100 at a time
/// (`POST …/batch/read`), in the order HubSpot answers; those no longer there are left out.
/// HubSpot answers 207 with an error entry for each id not found (HubSpot/hubspot-api-php#619)
/// and 404 `OBJECT_NOT_FOUND` when none of a batch is found (bruin-data/ingestr#1203).
pub(super) async fn batch_read(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    ids: &[String],
    properties: &[&str],
) -> Result<Vec<SimpleObject>> {
    let url = api_url(
        ctx.settings,
        &format!("/crm/v3/objects/{}/batch/read", object.path),
    );
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BATCH_READ) {
        let inputs: Vec<serde_json::Value> = chunk.iter().map(|id| json!({"id": id})).collect();
        let body = json!({"inputs": inputs, "properties": properties, "propertiesWithHistory": []});
        let answer: Result<BatchRead> = ctx
            .api
            .json(ctx.tokens, |http| http.post(url.clone()).json(&body))
            .await;
        match answer {
            Ok(answer) => found.extend(answer.results),
            // None of the batch is there (deleted since it was listed).
            Err(CoreError::ProviderHttp {
                status: 404,
                provider_code: Some(code),
                ..
            }) if code == "OBJECT_NOT_FOUND" => {}
            Err(other) => return Err(other),
        }
    }
    Ok(found)
}

/// Which of the records `ids` of `object` are still there (a `batch/read` of their ids).
pub(super) async fn existing(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    ids: &[String],
) -> Result<std::collections::HashSet<String>> {
    let found = batch_read(ctx, object, ids, &["hs_object_id"]).await?;
    Ok(found.into_iter().map(|r| r.id).collect())
}

/// The values of `properties` for `records`, merged into them.
async fn read_more_properties(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    records: &mut [SimpleObject],
    properties: &[&str],
) -> Result<()> {
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    let found = batch_read(ctx, object, &ids, properties).await?;
    merge_properties(records, found);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_property_lists_are_cut_to_fit_a_url() {
        let names: Vec<String> = (0..900).map(|n| format!("custom_field_{n}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let groups = property_groups(&names);
        assert!(groups.len() >= 3, "{} groups", groups.len());
        assert!(groups
            .iter()
            .all(|g| g.iter().map(|n| n.len() + 3).sum::<usize>() <= PROPERTIES_IN_URL));
        assert_eq!(groups.concat(), names, "every name once, in order");
        assert_eq!(property_groups(&["a", "b"]), vec![vec!["a", "b"]]);
    }
}
