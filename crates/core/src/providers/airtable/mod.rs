//! Airtable: every base (offset pages) as a directory item, every table of each base with its
//! fields, and records on demand — one table's, or every table's of the bases a load is asked
//! for (`LoadContext::records`); a sync reads only the records a base's webhook says changed
//! (`sync.rs`, `webhooks.rs`). Paced at 5 requests/s per base under the account's budget.

pub mod api;
mod records;
mod sync;
pub mod webhooks;
pub mod workbook;

use std::collections::HashMap;

use async_trait::async_trait;

use self::api::{BasesPage, Table, Tables, WhoAmI};
use super::{
    advance, api_url, AccountContext, Capabilities, CarryOver, Cursor, LoadContext, LoadRequest,
    OptionalScope, PageSink, Provider,
};
use crate::account::AccountInfo;
use crate::error::Result;
use crate::http::{ApiDialect, FinalLimit, FixedToken, Meaning};
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemKind};
use crate::oauth::client::TokenDialect;

/// The Airtable provider.
pub struct Airtable;

/// Pacing key for calls that are not about one base.
const META_KEY: &str = "meta";

/// A page of bases as directory items, and the offset of the next page: what a load does with
/// every page it reads (public for the property tests and the fuzzer).
pub fn items_of_bases_page(page: BasesPage) -> (Vec<IntegrationItem>, Option<String>) {
    let items = page
        .bases
        .into_iter()
        .map(|base| {
            let mut item = IntegrationItem::new(
                Integration::Airtable,
                base.id.clone(),
                ItemKind::Base,
                base.name,
            );
            item.directory = true;
            item.url = Some(format!("https://airtable.com/{}", base.id));
            if let Some(level) = base.permission_level {
                item.details.insert("permissionLevel".into(), level.into());
            }
            item
        })
        .collect();
    (items, page.offset)
}

/// The tables of base `base_id` as items.
pub fn items_of_tables(base_id: &str, tables: Tables) -> Vec<IntegrationItem> {
    tables
        .tables
        .into_iter()
        .map(|t| table_item(base_id, t))
        .collect()
}

fn table_item(base_id: &str, table: Table) -> IntegrationItem {
    let mut item = IntegrationItem::new(
        Integration::Airtable,
        table.id.clone(),
        ItemKind::Table,
        table.name,
    );
    item.parent_id = Some(base_id.to_owned());
    item.url = Some(format!("https://airtable.com/{base_id}/{}", table.id));
    item.details.insert("fields".into(), table.fields.into());
    item.details.insert("views".into(), table.views.into());
    if let Some(primary) = table.primary_field_id {
        item.details.insert("primaryFieldId".into(), primary.into());
    }
    if let Some(description) = table.description {
        item.details
            .insert("description".into(), description.into());
    }
    item
}

/// The schema of base `base` (every table with its fields and views), under the base's pace.
async fn fetch_tables(ctx: &LoadContext<'_>, base: &str) -> Result<Tables> {
    let url = api_url(ctx.settings, &format!("/v0/meta/bases/{base}/tables"));
    ctx.api
        .keyed(base)
        .json(ctx.tokens, |http| http.get(url.clone()))
        .await
}

/// The bases' names by id, as this load's listing found them (`found` is what the listing
/// hands over; the streams read it back).
async fn base_names(
    ctx: &LoadContext<'_>,
    found: HashMap<String, String>,
) -> Result<std::sync::Arc<HashMap<String, String>>> {
    ctx.memo
        .get_or_read("airtable:base-names", || async move { Ok(found) })
        .await
}

/// Airtable's API speaks plain HTTP; its 30 s lockout after a 429 is in the spec table.
/// Airtable's error answers ([errors](https://airtable.com/developers/web/api/errors)): a 429
/// whose type is `PUBLIC_API_BILLING_LIMIT_EXCEEDED` is the workspace's monthly API calls spent
/// (Free 1,000, Team 100,000, shared by every integration of the workspace — [Managing API call
/// limits](https://support.airtable.com/docs/managing-api-call-limits-in-airtable)): final
/// until the month turns, whereas `RATE_LIMIT_REACHED` clears after 30 s.
impl ApiDialect for Airtable {
    fn meaning(&self, status: u16, body: &[u8]) -> Option<Meaning> {
        (status == 429 && crate::http::error_code(body).as_deref() == Some(BILLING_LIMIT_EXCEEDED))
            .then_some(Meaning::Final(FinalLimit::MonthlyQuota))
    }
}

/// Airtable's error type for a workspace whose monthly API calls are spent.
pub const BILLING_LIMIT_EXCEEDED: &str = "PUBLIC_API_BILLING_LIMIT_EXCEEDED";

/// Airtable's token endpoint speaks standard OAuth errors.
impl TokenDialect for Airtable {}

#[async_trait]
impl Provider for Airtable {
    fn integration(&self) -> Integration {
        Integration::Airtable
    }

    async fn account(&self, ctx: &AccountContext<'_>) -> Result<AccountInfo> {
        let url = api_url(ctx.settings, "/v0/meta/whoami");
        let token = FixedToken {
            integration: Integration::Airtable,
            token: ctx.tokens.access_token.clone(),
        };
        let me: WhoAmI = ctx
            .api
            .keyed(META_KEY)
            .json(&token, |http| http.get(url.clone()))
            .await?;
        let mut details = serde_json::Map::new();
        details.insert("user_id".into(), me.id.clone().into());
        if let Some(email) = &me.email {
            details.insert("email".into(), email.clone().into());
        }
        Ok(AccountInfo {
            label: me.email.unwrap_or_else(|| me.id.clone()),
            id: me.id,
            details,
        })
    }

    /// Lists every base (one item each) and returns one stream per base for its tables.
    async fn streams(&self, ctx: &LoadContext<'_>, sink: &mut dyn PageSink) -> Result<Vec<String>> {
        let api = ctx.api.keyed(META_KEY);
        let url = api_url(ctx.settings, "/v0/meta/bases");
        let mut offset = Cursor::default();
        let mut streams = Vec::new();
        let mut names = HashMap::new();
        loop {
            let page: BasesPage = api
                .json(ctx.tokens, |http| {
                    let request = http.get(url.clone());
                    match offset.as_ref() {
                        Some(o) => request.query(&[("offset", o)]),
                        None => request,
                    }
                })
                .await?;
            let (items, next) = items_of_bases_page(page);
            streams.extend(items.iter().map(|i| i.id.clone()));
            names.extend(items.iter().map(|i| (i.id.clone(), i.name.clone())));
            sink.page(items);
            if !advance(Integration::Airtable, &mut offset, next)? {
                base_names(ctx, names).await?;
                if ctx.request.sync && !webhooks::granted(ctx) {
                    sink.note("Airtable: without the permission to manage webhooks, a sync reads every stored record again. Connect Airtable again to grant it.".into());
                }
                return Ok(streams);
            }
        }
    }

    /// Loads the tables of the base `stream`, under that base's own pace, and then, when the
    /// load asks for the base's records, every table's records (each table a part of its own).
    async fn load_stream(
        &self,
        ctx: &LoadContext<'_>,
        stream: &str,
        sink: &mut dyn PageSink,
    ) -> Result<()> {
        let tables = fetch_tables(ctx, stream).await?;
        let records = &ctx.request.records;
        let with_records: Vec<_> = (tables.tables.iter())
            .filter(|t| records.covers(stream, &t.id))
            .cloned()
            .collect();
        sink.page(items_of_tables(stream, tables));
        if with_records.is_empty() {
            return Ok(());
        }
        let names = base_names(ctx, HashMap::new()).await?;
        let name = names.get(stream).map_or(stream, String::as_str);
        sync::load_base_records(ctx, stream, name, &with_records, sink).await
    }

    /// A sync reads what the last load found (which records to keep) and the bases' webhooks;
    /// so does a load of records (the webhooks).
    fn reads_previous_load(&self, request: &LoadRequest) -> bool {
        request.sync || !request.records.is_none()
    }

    /// Always: each base's webhook knows what changed since its own cursor, whatever the last
    /// load was (a base whose stream failed did not move its cursor on), and a lost cursor reads
    /// that base in full — so no weekly full load, which would spend a free plan's calls.
    fn syncs_from(&self, _when: Option<&crate::item::LoadedWhen>) -> bool {
        true
    }

    fn fixes_items_up(&self) -> bool {
        true
    }

    async fn fresh_file_link(
        &self,
        ctx: &LoadContext<'_>,
        file: &crate::files::FileWanted,
    ) -> Result<Option<String>> {
        records::fresh_attachment_link(ctx, file).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            records_of: vec![ItemKind::Base, ItemKind::Table],
            record_kind: Some(ItemKind::Record),
            columns_of: vec![ItemKind::Table],
            workbook_of: vec![ItemKind::Base],
            content: false,
            call_plans: true,
            optional_scopes: vec![OptionalScope {
                scope: webhooks::SCOPE.into(),
                or: Vec::new(),
                without: "Syncs read every stored record again: without webhooks Airtable cannot say what changed.".into(),
            }],
            syncs: true,
        }
    }

    /// Records come only when asked for: the tables found again whose records were not loaded
    /// this time keep theirs as stored, and a base whose stream failed keeps its tables and
    /// their records as they were.
    fn carry_over(
        &self,
        request: &LoadRequest,
        items: &[IntegrationItem],
        failed: &[String],
    ) -> CarryOver {
        let reloaded = |table: &IntegrationItem| {
            table.parent_id.as_deref().is_some_and(|base| {
                request.records.covers(base, &table.id) && !failed.iter().any(|f| f == base)
            })
        };
        CarryOver {
            kinds: vec![ItemKind::Table, ItemKind::Record],
            children_of: items
                .iter()
                .filter(|i| i.item_type == ItemKind::Table && !reloaded(i))
                .map(|i| i.id.clone())
                .collect(),
            subtrees_of: failed.iter().cloned().collect(),
            // A sync's records not changed since its webhook's cursor, named as kept.
            listed: request.sync,
        }
    }

    fn finish(&self, items: &mut [IntegrationItem]) {
        let names: HashMap<String, String> = items
            .iter()
            .filter(|i| i.item_type == ItemKind::Base)
            .map(|i| (i.id.clone(), i.name.clone()))
            .collect();
        let tables: HashMap<String, String> = items
            .iter()
            .filter(|i| i.item_type == ItemKind::Table)
            .map(|i| (i.id.clone(), i.name.clone()))
            .collect();
        // Records kept by a sync carry their table's name as it is now.
        for item in items.iter_mut().filter(|i| i.item_type == ItemKind::Record) {
            if let Some(name) = item.parent_id.as_ref().and_then(|t| tables.get(t)) {
                item.parent_path_or_name = Some(name.clone());
            }
        }
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for item in items.iter_mut().filter(|i| i.item_type == ItemKind::Table) {
            if let Some(base) = &item.parent_id {
                item.parent_path_or_name = names.get(base).cloned();
                children
                    .entry(base.clone())
                    .or_default()
                    .push(item.id.clone());
            }
        }
        for item in items.iter_mut().filter(|i| i.item_type == ItemKind::Base) {
            item.children = Some(children.remove(&item.id).unwrap_or_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_get_their_base_as_parent_and_bases_their_children() {
        let mut base =
            IntegrationItem::new(Integration::Airtable, "appA", ItemKind::Base, "Projects");
        base.directory = true;
        let table: Table = serde_json::from_value(serde_json::json!({
            "id": "tblT", "name": "Tasks", "primaryFieldId": "fld1",
            "fields": [{"id": "fld1", "name": "Name", "type": "singleLineText"}], "views": []
        }))
        .unwrap();
        let mut items = vec![base, table_item("appA", table)];
        Airtable.finish(&mut items);
        assert_eq!(items[1].parent_path_or_name.as_deref(), Some("Projects"));
        assert_eq!(
            items[1].url.as_deref(),
            Some("https://airtable.com/appA/tblT")
        );
        assert_eq!(items[0].children.as_deref(), Some(&["tblT".to_owned()][..]));
        assert_eq!(items[1].details["fields"][0]["name"], "Name");
    }
}
