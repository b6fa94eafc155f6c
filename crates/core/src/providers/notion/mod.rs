//! Notion: every page and database shared with the connection, from `POST /v1/search`
//! (page_size 100, start_cursor / next_cursor / has_more), named by the title property, with
//! readable parent paths resolved among the loaded items (the workspace at the root).

pub mod api;
mod children;
mod content;
mod listing;
pub mod markdown;
pub mod properties;
mod rich_text;
mod sync;

use std::collections::HashMap;

use async_trait::async_trait;
use serde_json::{json, Value};

use self::api::{Object, SearchPage};
use super::{parse_time, AccountContext, Capabilities, LoadContext, PageSink, Provider};
use crate::account::AccountInfo;
use crate::error::{CoreError, Result};
use crate::http::{ApiDialect, FinalLimit, Meaning};
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemKind};
use crate::oauth::client::TokenDialect;

/// The Notion provider.
pub struct Notion;

/// The root of every parent path.
pub const WORKSPACE: &str = "Workspace";

fn plain_text(rich_text: &[Value]) -> String {
    rich_text
        .iter()
        .filter_map(|t| t.get("plain_text").and_then(Value::as_str))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The title: the property whose type is `title` (pages) or the top-level title (databases).
fn title(object: &Object) -> String {
    let from_properties = object
        .properties
        .values()
        .find(|p| p.get("type").and_then(Value::as_str) == Some("title"))
        .and_then(|p| p.get("title"))
        .and_then(Value::as_array)
        .map(|t| plain_text(t));
    let text = match object.object.as_str() {
        "database" | "data_source" => plain_text(&object.title),
        _ => from_properties.unwrap_or_default(),
    };
    if text.is_empty() {
        "Untitled".to_owned()
    } else {
        text
    }
}

pub(super) fn parent(value: &Value) -> (Option<String>, &'static str) {
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("workspace");
    let id = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    match kind {
        "page_id" => (id("page_id"), "page"),
        "database_id" => (id("database_id"), "database"),
        "data_source_id" => (id("data_source_id"), "data_source"),
        "block_id" => (id("block_id"), "block"),
        _ => (None, "workspace"),
    }
}

/// A search page's pages and data sources (databases, before 2025-09-03) as items, and the
/// cursor of the next page: what a load does with every page it reads (public for the property
/// tests and the fuzzer).
pub fn items_of_page(page: SearchPage) -> (Vec<IntegrationItem>, Option<String>) {
    let next = page.next_cursor.filter(|_| page.has_more);
    let items = page
        .results
        .into_iter()
        .filter(|o| matches!(o.object.as_str(), "page" | "data_source" | "database"))
        .map(to_item)
        .collect();
    (items, next)
}

/// The database a data source belongs to, as a directory item: its id and own parent come with
/// the data source (`parent`, `database_parent`); its name is the first data source's.
pub(super) fn database_of(source: &IntegrationItem) -> IntegrationItem {
    let id = source.parent_id.clone().unwrap_or_default();
    // Notion opens any page or database by its id without dashes, on the host its API gives the
    // data source's own URL (app.notion.com since 2026; notion.so before).
    let host = source
        .url
        .as_deref()
        .and_then(|url| url::Url::parse(url).ok())
        .and_then(|url| url.host_str().map(str::to_owned))
        .filter(|host| {
            crate::spec::spec(Integration::Notion)
                .web_hosts
                .contains(&host.as_str())
        })
        .unwrap_or_else(|| "app.notion.com".to_owned());
    let url = format!("https://{host}/{}", id.replace('-', ""));
    let mut item = IntegrationItem::new(
        Integration::Notion,
        id,
        ItemKind::Database,
        source.name.clone(),
    );
    item.url = Some(url);
    item.directory = true;
    let parent_value = source
        .details
        .get("database_parent")
        .cloned()
        .unwrap_or_default();
    let (parent_id, parent_kind) = parent(&parent_value);
    item.parent_id = parent_id;
    item.details
        .insert("parent_type".into(), parent_kind.into());
    item.creation_time = source.creation_time;
    item.last_modified_time = source.last_modified_time;
    item.visibility = source.visibility;
    item
}

pub(super) fn to_item(object: Object) -> IntegrationItem {
    let name = title(&object);
    let item_type = match object.object.as_str() {
        "database" => ItemKind::Database,
        "data_source" => ItemKind::DataSource,
        _ => ItemKind::Page,
    };
    let mut item = IntegrationItem::new(Integration::Notion, object.id.clone(), item_type, name);
    item.directory = item_type != ItemKind::Page;
    let (parent_id, parent_kind) = parent(&object.parent);
    item.parent_id = parent_id;
    item.details
        .insert("parent_type".into(), parent_kind.into());
    if item_type == ItemKind::DataSource && !object.database_parent.is_null() {
        item.details
            .insert("database_parent".into(), object.database_parent.clone());
    }
    item.creation_time = parse_time(object.created_time.as_deref());
    item.last_modified_time = parse_time(object.last_edited_time.as_deref());
    let editor = &object.last_edited_by;
    if let Some(who) = editor["name"].as_str().or(editor["id"].as_str()) {
        item.set_edited_by(who);
    }
    item.url = object.url;
    item.visibility = Some(!(object.archived || object.in_trash));
    match item_type {
        ItemKind::Page => {
            if let Some(values) = properties::row_values(&object.properties) {
                item.details
                    .insert(crate::properties::PROPERTIES.into(), values.into());
            }
            for (key, value) in [("cover", object.cover), ("icon", object.icon)] {
                if !value.is_null() {
                    item.details.insert(key.into(), value);
                }
            }
        }
        ItemKind::DataSource => {
            let fields = properties::schema_fields(&object.properties);
            if !fields.is_empty() {
                item.details.insert("fields".into(), fields.into());
            }
        }
        _ => {}
    }
    item
}

/// Notion's request limits (<https://developers.notion.com/reference/request-limits>):
/// "Connections should handle HTTP 429 and 529 responses and respect the Retry-After … A 529
/// response carries the `service_overload` code … retry it the same way as a 429", while a 429
/// whose `additional_data.rate_limit_reason` is `public_api_request_blocked` means "This
/// connection's API access has been restricted. Retrying won't help."
impl ApiDialect for Notion {
    fn meaning(&self, status: u16, body: &[u8]) -> Option<Meaning> {
        match status {
            529 => Some(Meaning::Overload),
            429 => {
                let reason = serde_json::from_slice::<Value>(body).ok().and_then(|b| {
                    b.pointer("/additional_data/rate_limit_reason")?
                        .as_str()
                        .map(str::to_owned)
                });
                (reason.as_deref() == Some("public_api_request_blocked"))
                    .then_some(Meaning::Final(FinalLimit::AccessBlocked))
            }
            _ => None,
        }
    }
}

/// Notion's token endpoint speaks standard OAuth errors.
impl TokenDialect for Notion {}

#[async_trait]
impl Provider for Notion {
    fn integration(&self) -> Integration {
        Integration::Notion
    }

    /// Notion's token response names the workspace, the bot and the owner: no extra call.
    async fn account(&self, ctx: &AccountContext<'_>) -> Result<AccountInfo> {
        let text = |k: &str| {
            ctx.tokens
                .extra
                .get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let workspace_id = text("workspace_id").ok_or_else(|| CoreError::InvalidResponse {
            integration: Integration::Notion,
            reason: "the token response has no workspace_id".into(),
        })?;
        let mut details = serde_json::Map::new();
        details.insert("workspace_id".into(), workspace_id.clone().into());
        for key in ["workspace_name", "bot_id"] {
            if let Some(value) = text(key) {
                details.insert(key.into(), value.into());
            }
        }
        if let Some(owner) = ctx.tokens.extra.get("owner") {
            let user = owner.get("user");
            let name = user.and_then(|u| u.get("name")).and_then(Value::as_str);
            let email = user
                .and_then(|u| u.pointer("/person/email"))
                .and_then(Value::as_str);
            details.insert(
                "owner".into(),
                json!({ "type": owner.get("type"), "name": name, "email": email }),
            );
        }
        Ok(AccountInfo {
            label: text("workspace_name").unwrap_or_else(|| workspace_id.clone()),
            id: workspace_id,
            details,
        })
    }

    async fn streams(
        &self,
        _ctx: &LoadContext<'_>,
        _sink: &mut dyn PageSink,
    ) -> Result<Vec<String>> {
        Ok(vec!["search".to_owned()])
    }

    async fn load_stream(
        &self,
        ctx: &LoadContext<'_>,
        _stream: &str,
        sink: &mut dyn PageSink,
    ) -> Result<()> {
        match sync::since(ctx) {
            Some(since) => sync::load(ctx, since, sink).await,
            None => listing::load_workspace(ctx, sink).await,
        }
    }

    /// Parent paths like `Workspace / Projects / Roadmap`, children lists, and "(not shared)"
    /// for parents the connection cannot see.
    fn fixes_items_up(&self) -> bool {
        true
    }

    fn reads_previous_load(&self, _request: &super::LoadRequest) -> bool {
        true
    }

    async fn fresh_file_link(
        &self,
        ctx: &LoadContext<'_>,
        file: &crate::files::FileWanted,
    ) -> Result<Option<String>> {
        content::fresh_file_link(ctx, file).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            content: true,
            columns_of: vec![ItemKind::DataSource],
            syncs: true,
            ..Capabilities::default()
        }
    }

    /// A sync gives what changed and names the stored pages, databases and data sources it
    /// keeps as they are (`sync.rs`); the rest is gone.
    fn carry_over(
        &self,
        request: &super::LoadRequest,
        _items: &[IntegrationItem],
        _failed: &[String],
    ) -> super::CarryOver {
        let kinds = vec![ItemKind::Page, ItemKind::Database, ItemKind::DataSource];
        super::CarryOver::of_sync(request, kinds)
    }

    fn finish(&self, items: &mut [IntegrationItem]) {
        let index: HashMap<String, (String, Option<String>)> = items
            .iter()
            .map(|i| (i.id.clone(), (i.name.clone(), i.parent_id.clone())))
            .collect();
        let path_of = |mut id: Option<String>| -> String {
            let mut names = Vec::new();
            while let Some(current) = id {
                match index.get(&current) {
                    Some((name, parent)) if names.len() < 64 => {
                        names.push(name.clone());
                        id = parent.clone();
                    }
                    Some(_) => break,
                    None => {
                        names.push("(not shared)".to_owned());
                        break;
                    }
                }
            }
            names.push(WORKSPACE.to_owned());
            names.reverse();
            names.join(" / ")
        };
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for item in items.iter_mut() {
            // Made again from what is here (a sync's kept items carry the lists they had).
            item.children = None;
            item.directory = item.item_type != ItemKind::Page;
            item.parent_path_or_name = Some(path_of(item.parent_id.clone()));
            if let Some(parent) = &item.parent_id {
                children
                    .entry(parent.clone())
                    .or_default()
                    .push(item.id.clone());
            }
        }
        for item in items.iter_mut() {
            if let Some(mut kids) = children.remove(&item.id) {
                // In one order whatever order they arrived in (search, a walk, the previous
                // load's): a load that found the same children does not change their parent.
                kids.sort_unstable();
                item.directory = true;
                item.children = Some(kids);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Object {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn names_come_from_the_title_property_or_say_untitled() {
        let page = object(
            json!({"object": "page", "id": "p1", "parent": {"type": "workspace", "workspace": true},
            "properties": {"Status": {"type": "select"}, "Name": {"id": "title", "type": "title",
                "title": [{"plain_text": "Bug "}, {"plain_text": "bash"}]}}}),
        );
        assert_eq!(title(&page), "Bug bash");
        let empty = object(
            json!({"object": "page", "id": "p2", "properties": {"title": {"type": "title", "title": []}}}),
        );
        assert_eq!(title(&empty), "Untitled");
        let database =
            object(json!({"object": "database", "id": "d1", "title": [{"plain_text": "Tasks"}]}));
        assert_eq!(title(&database), "Tasks");
    }

    #[test]
    fn parent_paths_are_resolved_among_loaded_items() {
        let objects = [
            json!({"object": "page", "id": "root", "parent": {"type": "workspace", "workspace": true},
                "properties": {"title": {"type": "title", "title": [{"plain_text": "Projects"}]}}}),
            json!({"object": "database", "id": "db", "parent": {"type": "page_id", "page_id": "root"}, "title": [{"plain_text": "Roadmap"}]}),
            json!({"object": "page", "id": "row", "parent": {"type": "database_id", "database_id": "db"},
                "properties": {"Name": {"type": "title", "title": [{"plain_text": "Ship it"}]}}}),
            json!({"object": "page", "id": "orphan", "parent": {"type": "page_id", "page_id": "hidden"},
                "properties": {"title": {"type": "title", "title": [{"plain_text": "Lonely"}]}}}),
        ];
        let mut items: Vec<IntegrationItem> =
            objects.into_iter().map(|o| to_item(object(o))).collect();
        Notion.finish(&mut items);
        assert_eq!(items[0].parent_path_or_name.as_deref(), Some("Workspace"));
        assert_eq!(items[0].parent_id, None);
        assert_eq!(
            items[2].parent_path_or_name.as_deref(),
            Some("Workspace / Projects / Roadmap")
        );
        assert_eq!(
            items[3].parent_path_or_name.as_deref(),
            Some("Workspace / (not shared)")
        );
        assert_eq!(items[1].children.as_deref(), Some(&["row".to_owned()][..]));
        assert!(items[0].directory && items[1].directory && !items[2].directory);
    }
}
