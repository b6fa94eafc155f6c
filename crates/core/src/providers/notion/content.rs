//! A page's content: its blocks (`GET /v1/blocks/{id}/children`, 100 a page, every block with
//! `has_children` read in turn — toggles, list items, columns, tables, synced blocks — to
//! `MAX_BLOCK_DEPTH`), kept raw and as Markdown (`markdown.rs`). Read only for pages whose
//! `last_edited_time` moved since their content was last read (Notion rounds it to the minute),
//! each handed to the sink the moment it is read, so a content load stopped half-way resumes.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::listing::MAX_BLOCK_DEPTH;
use super::markdown::to_markdown;
use crate::error::{CoreError, Result};
use crate::files::FileWanted;
use crate::integration::Integration;
use crate::item::ItemContent;
use crate::providers::{advance, api_url, Cursor, LoadContext, PageSink};
use crate::spec::spec;

/// Block types whose children are other pages, not this page's content.
const OWN_PAGES: [&str; 2] = ["child_page", "child_database"];

/// A page and its last edit.
pub(super) type PageEdit = (String, Option<DateTime<Utc>>);

/// Whether the load asks for content and the content of `page` is not stored as of `edited`.
pub(super) fn wanted(ctx: &LoadContext<'_>, page: &str, edited: Option<DateTime<Utc>>) -> bool {
    ctx.request.content
        && match ctx.contents.get(page) {
            Some(stored) => edited.is_none() || *stored != edited,
            None => true,
        }
}

/// Reads the content of `page` and hands it to `sink`; answers its blocks (`None`: the page is
/// gone or no longer shared).
pub(super) async fn read_content(
    ctx: &LoadContext<'_>,
    page: &str,
    edited: Option<DateTime<Utc>>,
    sink: &mut dyn PageSink,
) -> Result<Option<Vec<Value>>> {
    let Some(blocks) = read_tree(ctx, page).await? else {
        return Ok(None);
    };
    sink.content(ItemContent {
        item_id: page.to_owned(),
        edited,
        markdown: to_markdown(&blocks),
        blocks: Value::Array(blocks.clone()),
    });
    for file in hosted_files(page, &blocks) {
        sink.file(file);
    }
    Ok(Some(blocks))
}

/// The block kinds that hold a file object.
const FILE_BLOCKS: [&str; 5] = ["image", "file", "pdf", "video", "audio"];

/// The Notion-hosted files in `blocks` (nested ones included) of `page`: kept locally, since
/// their links last an hour. External files stay links.
fn hosted_files(page: &str, blocks: &[Value]) -> Vec<FileWanted> {
    let mut found = Vec::new();
    for block in blocks {
        let kind = block["type"].as_str().unwrap_or_default();
        let body = &block[kind];
        let source = super::markdown::hosted_source(block).filter(|_| FILE_BLOCKS.contains(&kind));
        if let Some(source) = source {
            if let (Some(id), Some(url)) = (block["id"].as_str(), body["file"]["url"].as_str()) {
                let name = body["name"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| super::markdown::file_name(url))
                    .unwrap_or_else(|| kind.to_owned());
                found.push(FileWanted {
                    item_id: page.to_owned(),
                    source,
                    locator: id.to_owned(),
                    url: url.to_owned(),
                    name,
                    size: None,
                    mime: None,
                });
            }
        }
        if let Some(children) = block["children"].as_array() {
            found.extend(hosted_files(page, children));
        }
    }
    found
}

/// A fresh link to the Notion-hosted `file`: its block read again (`GET /v1/blocks/{id}`;
/// "to refresh access, re-fetch the file object").
pub(super) async fn fresh_file_link(
    ctx: &LoadContext<'_>,
    file: &FileWanted,
) -> Result<Option<String>> {
    if let Some(place) = super::properties::page_file_place(&file.source) {
        // A cover, an icon or a `files` property: the page read again names it afresh.
        let url = api_url(ctx.settings, &format!("/v1/pages/{}", file.locator));
        let page: super::api::Object =
            match ctx.api.json(ctx.tokens, |http| http.get(url.clone())).await {
                Ok(page) => page,
                Err(CoreError::ProviderHttp { status: 404, .. }) => return Ok(None),
                Err(other) => return Err(other),
            };
        let fresh = super::properties::page_files(&super::to_item(page));
        return Ok(fresh
            .into_iter()
            .find(|f| super::properties::page_file_place(&f.source) == Some(place))
            .map(|f| f.url));
    }
    let url = api_url(ctx.settings, &format!("/v1/blocks/{}", file.locator));
    let block: Value = match ctx.api.json(ctx.tokens, |http| http.get(url.clone())).await {
        Ok(block) => block,
        Err(CoreError::ProviderHttp { status: 404, .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    let kind = block["type"].as_str().unwrap_or_default();
    Ok(block[kind]["file"]["url"].as_str().map(str::to_owned))
}

/// Reads the content of the `pages` it is wanted for, one after another (progress per page).
pub(super) async fn load_contents(
    ctx: &LoadContext<'_>,
    pages: &[PageEdit],
    sink: &mut dyn PageSink,
) -> Result<()> {
    let pages: Vec<&PageEdit> = pages
        .iter()
        .filter(|(id, edited)| wanted(ctx, id, *edited))
        .collect();
    if pages.is_empty() {
        return Ok(());
    }
    sink.part("page content");
    for (page, edited) in pages {
        read_content(ctx, page, *edited, sink).await?;
    }
    Ok(())
}

/// The child pages and databases in `blocks` (nested blocks included), with whether each is a
/// database.
pub(super) fn child_pages_in(blocks: &[Value]) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    for block in blocks {
        match block["type"].as_str() {
            Some("child_page") | Some("child_database") => {
                if let Some(id) = block["id"].as_str() {
                    found.push((id.to_owned(), block["type"] == "child_database"));
                }
            }
            _ => {
                if let Some(children) = block["children"].as_array() {
                    found.extend(child_pages_in(children));
                }
            }
        }
    }
    found
}

/// The blocks of `page`, each with the `children` read under it; `None` when the page is gone.
pub(super) async fn read_tree(ctx: &LoadContext<'_>, page: &str) -> Result<Option<Vec<Value>>> {
    let Some(mut top) = read_children(ctx, page).await? else {
        return Ok(None);
    };
    fill(ctx, &mut top, 1).await?;
    Ok(Some(top))
}

/// Reads the children of every block in `blocks` that has some (depth-first, in order).
async fn fill(ctx: &LoadContext<'_>, blocks: &mut [Value], depth: usize) -> Result<()> {
    for block in blocks.iter_mut() {
        let kind = block["type"].as_str().unwrap_or_default();
        let nested = block["has_children"].as_bool() == Some(true) && !OWN_PAGES.contains(&kind);
        if !nested || depth > MAX_BLOCK_DEPTH {
            continue;
        }
        let Some(id) = block["id"].as_str().map(str::to_owned) else {
            continue;
        };
        let mut children = read_children(ctx, &id).await?.unwrap_or_default();
        Box::pin(fill(ctx, &mut children, depth + 1)).await?;
        if let Some(object) = block.as_object_mut() {
            object.insert("children".into(), Value::Array(children));
        }
    }
    Ok(())
}

/// One block's children, every page of them; `None` when the block is gone (404).
async fn read_children(ctx: &LoadContext<'_>, block: &str) -> Result<Option<Vec<Value>>> {
    #[derive(serde::Deserialize)]
    struct Listing {
        results: Vec<Value>,
        next_cursor: Option<String>,
        #[serde(default)]
        has_more: bool,
    }
    let url = api_url(ctx.settings, &format!("/v1/blocks/{block}/children"));
    let mut cursor = Cursor::default();
    let mut all = Vec::new();
    loop {
        let mut query = vec![("page_size", spec(Integration::Notion).page_size.to_string())];
        if let Some(c) = cursor.as_ref() {
            query.push(("start_cursor", c.clone()));
        }
        let listing = ctx
            .api
            .json::<Listing>(ctx.tokens, |http| http.get(url.clone()).query(&query))
            .await;
        let listing = match listing {
            Ok(listing) => listing,
            Err(CoreError::ProviderHttp { status: 404, .. }) if all.is_empty() => return Ok(None),
            Err(other) => return Err(other),
        };
        all.extend(listing.results);
        let next = listing.next_cursor.filter(|_| listing.has_more);
        if !advance(Integration::Notion, &mut cursor, next)? {
            return Ok(Some(all));
        }
    }
}
