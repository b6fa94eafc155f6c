//! Everything shared with the connection. Notion's search "is not guaranteed to return
//! everything, and the index may change as your connection iterates" and lags behind pages
//! shared a moment ago (<https://developers.notion.com/reference/search-optimizations-and-limitations>),
//! so it finds the roots and the data sources, and each data source's rows are then listed by
//! querying it (`POST /v1/data_sources/{id}/query`): a row search missed is found, not taken
//! for gone. Each database is read for its own title and parent (`GET /v1/databases/{id}`), and a
//! page whose parent is a block (a column, a toggle) is hung under the page that block is on
//! (`GET /v1/blocks/{id}`, walking up). Pages search missed are found below the pages it gave:
//! their block children list child pages and databases (`children.rs`).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::api::{Block, Object, SearchPage};
use super::{database_of, items_of_page, parent, to_item};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemKind};
use crate::providers::{advance, api_url, Cursor, LoadContext, PageSink};
use crate::spec::spec;

/// How many blocks up a page's parent is looked for (columns in a toggle in a callout…), and
/// down a page's blocks for child pages.
pub(super) const MAX_BLOCK_DEPTH: usize = 16;

/// Where a block parent leads: the page (or database) it sits on, and its kind.
type BlockPlace = (Option<String>, &'static str);

/// Loads the workspace: search, then every data source's rows and every database's own
/// object; tells `sink` what search missed.
pub(super) async fn load_workspace(ctx: &LoadContext<'_>, sink: &mut dyn PageSink) -> Result<()> {
    let mut walk = Walk::new(ctx);
    let mut databases: BTreeMap<String, (IntegrationItem, Vec<String>)> = BTreeMap::new();
    let mut sources = Vec::new();
    let mut search = Listing::search(ctx, json!({}));
    while let Some(items) = search.next(ctx).await? {
        // Search may give one result twice while its index moves: each source counts once.
        for item in items.iter().filter(|i| i.item_type == ItemKind::DataSource) {
            if sources.contains(&item.id) {
                continue;
            }
            sources.push(item.id.clone());
            if let Some(database) = &item.parent_id {
                databases
                    .entry(database.clone())
                    .or_insert_with(|| (database_of(item), Vec::new()))
                    .1
                    .push(item.id.clone());
            }
        }
        walk.emit(items, sink).await?;
    }
    let (mut missed, mut unreadable) = (0usize, 0usize);
    for source in &sources {
        match walk.rows_of(source, sink).await {
            Ok(rows) => missed += rows,
            // Search lags: a data source it still gives may be gone or unshared by now. Its
            // rows that search gave stand; the load goes on.
            Err(CoreError::ProviderHttp { status: 404, .. }) => unreadable += 1,
            Err(other) => return Err(other),
        }
    }
    if unreadable > 0 {
        sink.note(format!(
            "{unreadable} data source{} that Notion's search gave could not be read (deleted or no longer shared); only the rows search gave are loaded from {}.",
            if unreadable == 1 { "" } else { "s" },
            if unreadable == 1 { "it" } else { "them" },
        ));
    }
    let mut made = Vec::new();
    for (id, (derived, ids)) in databases {
        if walk.seen.contains(&id) {
            continue; // a database object search returned itself (Notion-Version < 2025-09-03)
        }
        let mut database = walk.database(&id).await?.map_or(derived, |(own, _)| own);
        database.details.insert("data_sources".into(), ids.into());
        made.push(database);
    }
    if !made.is_empty() {
        walk.emit(made, sink).await?;
    }
    let (found, walked) = walk.walk_down(sink).await?;
    if found > 0 {
        sink.note(format!(
            "Notion's search left out {found} page{} or database{} that {} parent still lists; they were loaded from there ({walked} page{} read for {}).",
            if found == 1 { "" } else { "s" },
            if found == 1 { "" } else { "s" },
            if found == 1 { "its" } else { "their" },
            if walked == 1 { "" } else { "s" },
            if walked == 1 { "its children" } else { "their children" },
        ));
    }
    if missed > 0 {
        sink.note(format!(
            "Notion's search left out {missed} database row{} that {} data source still lists; they were loaded from the data source{}.",
            if missed == 1 { "" } else { "s" },
            if missed == 1 { "its" } else { "their" },
            if missed == 1 { "" } else { "s" },
        ));
    }
    super::sync::note_what_syncs_missed(ctx, &walk, sink);
    walk.contents(sink).await
}

/// A Notion listing (search, a data source's query) read one page at a time, with the fields
/// of a sort or a filter in every request's body.
pub(super) struct Listing {
    url: url::Url,
    with: Value,
    cursor: Cursor,
    done: bool,
}

impl Listing {
    /// Search (`POST /v1/search`) with the fields of `with`.
    pub(super) fn search(ctx: &LoadContext<'_>, with: Value) -> Self {
        Self::at(api_url(ctx.settings, "/v1/search"), with)
    }

    /// Data source `source`'s rows (`POST /v1/data_sources/{id}/query`) with the fields of `with`.
    pub(super) fn query(ctx: &LoadContext<'_>, source: &str, with: Value) -> Self {
        let path = format!("/v1/data_sources/{source}/query");
        Self::at(api_url(ctx.settings, &path), with)
    }

    fn at(url: url::Url, with: Value) -> Self {
        Self {
            url,
            with,
            cursor: Cursor::default(),
            done: false,
        }
    }

    /// The listing's next page as items; `None` once its last page was read.
    pub(super) async fn next(
        &mut self,
        ctx: &LoadContext<'_>,
    ) -> Result<Option<Vec<IntegrationItem>>> {
        if self.done {
            return Ok(None);
        }
        let mut body = json!({ "page_size": spec(Integration::Notion).page_size });
        for (key, value) in self.with.as_object().into_iter().flatten() {
            body[key] = value.clone();
        }
        if let Some(c) = self.cursor.as_ref() {
            body["start_cursor"] = c.clone().into();
        }
        let page: SearchPage = ctx
            .api
            .json(ctx.tokens, |http| http.post(self.url.clone()).json(&body))
            .await?;
        let (items, next) = items_of_page(page);
        self.done = !advance(Integration::Notion, &mut self.cursor, next)?;
        Ok(Some(items))
    }

    /// Every item of the listing's remaining pages.
    pub(super) async fn all(mut self, ctx: &LoadContext<'_>) -> Result<Vec<IntegrationItem>> {
        let mut all = Vec::new();
        while let Some(items) = self.next(ctx).await? {
            all.extend(items);
        }
        Ok(all)
    }
}

pub(super) struct Walk<'a, 'c> {
    pub(super) ctx: &'a LoadContext<'c>,
    /// Every item given so far.
    pub(super) seen: HashSet<String>,
    /// Blocks already walked up.
    blocks: HashMap<String, BlockPlace>,
    /// The pages given that are not database rows, with their last edit: their children are
    /// walked (`children.rs`).
    pub(super) pages: Vec<(String, Option<DateTime<Utc>>)>,
    /// The database rows given, with their last edit (their content is read after the walk).
    pub(super) rows: Vec<(String, Option<DateTime<Utc>>)>,
    /// The pages whose content this load has read already (while walking down).
    pub(super) content_read: HashSet<String>,
    /// The child pages and databases of each page whose blocks the walk read.
    pub(super) listed_children: HashMap<String, HashSet<String>>,
    /// Children the walk does not read when it finds them (a sync's stored ones, kept).
    pub(super) stored: HashSet<String>,
}

impl<'a, 'c> Walk<'a, 'c> {
    /// A walk that has given nothing yet.
    pub(super) fn new(ctx: &'a LoadContext<'c>) -> Self {
        Self {
            ctx,
            seen: HashSet::new(),
            blocks: HashMap::new(),
            pages: Vec::new(),
            rows: Vec::new(),
            content_read: HashSet::new(),
            listed_children: HashMap::new(),
            stored: HashSet::new(),
        }
    }
}

impl Walk<'_, '_> {
    /// Reads the content the load wants of the pages and rows given whose content the walk did
    /// not read (content last: the rows', and the pages' the walk did not read).
    pub(super) async fn contents(&self, sink: &mut dyn PageSink) -> Result<()> {
        let remaining: Vec<_> = (self.pages.iter().chain(&self.rows))
            .filter(|(id, _)| !self.content_read.contains(id))
            .cloned()
            .collect();
        super::content::load_contents(self.ctx, &remaining, sink).await
    }

    /// Gives `items` not given before, their block parents resolved first.
    pub(super) async fn emit(
        &mut self,
        items: Vec<IntegrationItem>,
        sink: &mut dyn PageSink,
    ) -> Result<usize> {
        let mut fresh = Vec::with_capacity(items.len());
        for mut item in items {
            if !self.seen.insert(item.id.clone()) {
                continue;
            }
            if item.details.get("parent_type").and_then(Value::as_str) == Some("block") {
                if let Some(block) = item.parent_id.clone() {
                    let (page, kind) = self.place_of(&block).await?;
                    item.parent_id = page;
                    item.details.insert("parent_type".into(), kind.into());
                    item.details.insert("parent_block".into(), block.into());
                }
            }
            let parent_kind = item.details.get("parent_type").and_then(Value::as_str);
            if item.item_type == ItemKind::Page
                && !matches!(parent_kind, Some("data_source" | "database"))
            {
                self.pages.push((item.id.clone(), item.last_modified_time));
            } else if item.item_type == ItemKind::Page {
                self.rows.push((item.id.clone(), item.last_modified_time));
            }
            for file in super::properties::page_files(&item) {
                sink.file(file);
            }
            fresh.push(item);
        }
        let count = fresh.len();
        if count > 0 {
            sink.page(fresh);
        }
        Ok(count)
    }

    /// Every row of data source `id`, the ones not seen yet given to `sink`; how many those were.
    pub(super) async fn rows_of(&mut self, id: &str, sink: &mut dyn PageSink) -> Result<usize> {
        let mut rows = Listing::query(self.ctx, id, json!({}));
        let mut added = 0;
        while let Some(items) = rows.next(self.ctx).await? {
            added += self.emit(items, sink).await?;
        }
        Ok(added)
    }

    /// Database `id` as Notion describes it (its own title and parent) and its data sources
    /// (`{id, name}`); `None` when Notion does not show it to the connection (the one made from
    /// its data sources stands).
    pub(super) async fn database(
        &mut self,
        id: &str,
    ) -> Result<Option<(IntegrationItem, Vec<Value>)>> {
        let url = api_url(self.ctx.settings, &format!("/v1/databases/{id}"));
        match self
            .ctx
            .api
            .json::<Object>(self.ctx.tokens, |http| http.get(url.clone()))
            .await
        {
            Ok(mut object) => {
                let sources = std::mem::take(&mut object.data_sources);
                let mut item = to_item(object);
                item.directory = true;
                Ok(Some((item, sources)))
            }
            Err(CoreError::ProviderHttp { status: 404, .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// The page (or database) block `id` sits on, walking up through blocks in blocks.
    async fn place_of(&mut self, id: &str) -> Result<BlockPlace> {
        let mut walked = Vec::new();
        let mut current = id.to_owned();
        let place = loop {
            if let Some(known) = self.blocks.get(&current) {
                break known.clone();
            }
            if walked.len() >= MAX_BLOCK_DEPTH {
                break (Some(current.clone()), "block");
            }
            let url = api_url(self.ctx.settings, &format!("/v1/blocks/{current}"));
            let block = match self
                .ctx
                .api
                .json::<Block>(self.ctx.tokens, |http| http.get(url.clone()))
                .await
            {
                Ok(block) => block,
                // Not shared with the connection: the block stays the parent ("not shared").
                Err(CoreError::ProviderHttp { status: 404, .. }) => {
                    walked.push(current.clone());
                    break (Some(current.clone()), "block");
                }
                Err(other) => return Err(other),
            };
            walked.push(current.clone());
            match parent(&block.parent) {
                (Some(next), "block") => current = next,
                place => break place,
            }
        };
        for block in walked {
            self.blocks.insert(block, place.clone());
        }
        Ok(place)
    }
}
