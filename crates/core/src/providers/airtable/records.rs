//! An Airtable table's records (pageSize 100, offset), each an item named by its primary field
//! whose details are the record's fields by name, as Airtable returns them.

use super::super::{advance, api_url, parse_time, Cursor, LoadContext, PageSink};
use super::api::{RecordsPage, Table};
use crate::error::{CoreError, Result};
use crate::files::FileWanted;
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemKind};
use crate::spec::spec;

/// The name of the table's primary field, which names its records.
fn primary_field_name(table: &Table) -> Option<String> {
    let primary = table.primary_field_id.as_ref()?;
    table
        .fields
        .iter()
        .find(|f| f.get("id").and_then(|v| v.as_str()) == Some(primary))
        .and_then(|f| f.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_owned)
}

/// Airtable's answer to an offset whose iterator timed out: "Iteration may timeout due to
/// client inactivity or server restarts. In that case, the client will receive a 422 response
/// with error message LIST_RECORDS_ITERATOR_NOT_AVAILABLE. It may then restart iteration from
/// the beginning." (<https://airtable.com/developers/web/api/list-records>)
pub const ITERATOR_NOT_AVAILABLE: &str = "LIST_RECORDS_ITERATOR_NOT_AVAILABLE";

/// How many times one table's listing is started again after its iterator expired before the
/// load gives up on the table (each restart reads the table from its first page).
const MAX_RESTARTS: u32 = 3;

/// Whether `error` says the listing's offset expired: Airtable documents it as the "error
/// message", so its type and its message are both read.
fn iterator_expired(error: &CoreError) -> bool {
    match error {
        CoreError::ProviderHttp {
            status: 422,
            provider_code,
            message,
            ..
        } => {
            provider_code.as_deref() == Some(ITERATOR_NOT_AVAILABLE)
                || message.contains(ITERATOR_NOT_AVAILABLE)
        }
        _ => false,
    }
}

/// Loads every record of `table` (whose schema is known) of `base`, under the base's pace.
pub(super) async fn load_table_records(
    ctx: &LoadContext<'_>,
    base: &str,
    table: &Table,
    sink: &mut dyn PageSink,
) -> Result<()> {
    list_records(ctx, base, table, None, sink).await
}

/// Loads the records `ids` of `table` — a hundred a request, named in a `filterByFormula` of
/// `RECORD_ID()`s (Airtable has no batch read by id) — those no longer there are not given.
/// Ids that are not plain letters and digits (as Airtable's are) cannot be named safely in a
/// formula: `false` then, and nothing read.
pub(super) async fn load_records_by_id(
    ctx: &LoadContext<'_>,
    base: &str,
    table: &Table,
    ids: &[String],
    sink: &mut dyn PageSink,
) -> Result<bool> {
    if !ids
        .iter()
        .all(|id| id.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Ok(false);
    }
    for chunk in ids.chunks(spec(Integration::Airtable).page_size as usize) {
        let terms: Vec<String> = chunk
            .iter()
            .map(|id| format!("RECORD_ID()='{id}'"))
            .collect();
        let formula = format!("OR({})", terms.join(","));
        list_records(ctx, base, table, Some(&formula), sink).await?;
    }
    Ok(true)
}

/// Lists `table`'s records (those `formula` keeps, when given). An expired offset starts the
/// listing again from its first page; the records that arrived before are kept and not given
/// twice.
async fn list_records(
    ctx: &LoadContext<'_>,
    base: &str,
    table: &Table,
    formula: Option<&str>,
    sink: &mut dyn PageSink,
) -> Result<()> {
    let api = ctx.api.keyed(base);
    let primary_name = primary_field_name(table);
    let url = api_url(ctx.settings, &format!("/v0/{base}/{}", table.id));
    let page_size = spec(Integration::Airtable).page_size.to_string();
    let mut offset = Cursor::default();
    let mut given = std::collections::HashSet::new();
    let mut restarts = 0u32;
    loop {
        let answer: Result<RecordsPage> = api
            .json(ctx.tokens, |http| {
                let mut query = vec![("pageSize", page_size.clone())];
                if let Some(formula) = formula {
                    query.push(("filterByFormula", formula.to_owned()));
                }
                if let Some(o) = offset.as_ref() {
                    query.push(("offset", o.clone()));
                }
                http.get(url.clone()).query(&query)
            })
            .await;
        let page = match answer {
            Err(error)
                if offset.is_some() && iterator_expired(&error) && restarts < MAX_RESTARTS =>
            {
                restarts += 1;
                tracing::info!(base, table = %table.id, restarts, "the records iterator expired; listing the table again");
                offset = Cursor::default();
                continue;
            }
            answer => answer?,
        };
        let items: Vec<IntegrationItem> = page
            .records
            .into_iter()
            .filter(|record| given.insert(record.id.clone()))
            .map(|record| record_item(base, table, primary_name.as_deref(), record))
            .collect();
        let files: Vec<FileWanted> = items
            .iter()
            .flat_map(|i| attachments(base, table, i))
            .collect();
        sink.page(items);
        for file in files {
            sink.file(file);
        }
        if !advance(Integration::Airtable, &mut offset, page.offset)? {
            return Ok(());
        }
    }
}

/// The attachments in `record`'s fields (objects with an `att…` id, a `filename` and a signed
/// `url`), as files to keep.
fn attachments(base: &str, table: &Table, record: &IntegrationItem) -> Vec<FileWanted> {
    let mut files = Vec::new();
    for value in record.details.values() {
        for attachment in value.as_array().into_iter().flatten() {
            let text = |k: &str| attachment.get(k).and_then(|v| v.as_str());
            let (Some(id), Some(url)) = (text("id"), text("url")) else {
                continue;
            };
            if !id.starts_with("att") || url.is_empty() {
                continue;
            }
            files.push(FileWanted {
                item_id: record.id.clone(),
                source: id.to_owned(),
                locator: format!("{base}/{}/{}", table.id, record.id),
                url: url.to_owned(),
                name: text("filename").unwrap_or(id).to_owned(),
                size: attachment.get("size").and_then(|v| v.as_u64()),
                mime: text("type").map(str::to_owned),
            });
        }
    }
    files
}

/// A fresh link to the attachment `file`: its record read again
/// (`GET /v0/{base}/{table}/{record}`, the only way Airtable documents to one).
pub(super) async fn fresh_attachment_link(
    ctx: &LoadContext<'_>,
    file: &FileWanted,
) -> Result<Option<String>> {
    let mut parts = file.locator.splitn(3, '/');
    let (Some(base), Some(table), Some(record)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    let url = api_url(ctx.settings, &format!("/v0/{base}/{table}/{record}"));
    // Under the base's pace, as every request about the base is.
    let answer: Result<super::api::Record> = (ctx.api.keyed(base))
        .json(ctx.tokens, |http| http.get(url.clone()))
        .await;
    let record = match answer {
        Ok(record) => record,
        Err(CoreError::ProviderHttp { status: 404, .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    let link = record
        .fields
        .values()
        .flat_map(|v| v.as_array().into_iter().flatten())
        .find_map(|a| {
            (a.get("id")?.as_str()? == file.source)
                .then(|| a.get("url")?.as_str().map(str::to_owned))?
        });
    Ok(link)
}

/// A record as an item named by its primary field (its id when that is empty).
fn record_item(
    base: &str,
    table: &Table,
    primary_name: Option<&str>,
    record: super::api::Record,
) -> IntegrationItem {
    let name = primary_name
        .and_then(|p| record.fields.get(p))
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| record.id.clone());
    let mut item = IntegrationItem::new(
        Integration::Airtable,
        record.id.clone(),
        ItemKind::Record,
        name,
    );
    item.parent_id = Some(table.id.clone());
    item.parent_path_or_name = Some(table.name.clone());
    item.creation_time = parse_time(record.created_time.as_deref());
    item.url = Some(format!(
        "https://airtable.com/{base}/{}/{}",
        table.id, record.id
    ));
    item.details = record.fields;
    item
}
