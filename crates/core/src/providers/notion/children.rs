//! Down from the pages search gave: a page's block children list its child pages and child
//! databases (`GET /v1/blocks/{id}/children`, 100 a page, nested blocks — columns, toggles,
//! synced blocks — followed), so a page search missed is found under its parent. A page edited
//! since the account's previous load is read again; one that was not keeps the children it had
//! then, and those search missed this time are asked for one by one (`GET /v1/pages/{id}`,
//! `GET /v1/databases/{id}`) — a page whose parent still holds it is not gone. Children of
//! database rows are not walked here (rows are many; their blocks are read with their content).

use std::collections::VecDeque;

use super::api::{BlockChildren, Object};
use super::content;
use super::listing::{Walk, MAX_BLOCK_DEPTH};
use super::to_item;
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemKind};
use crate::providers::{advance, api_url, Cursor, PageSink};
use crate::spec::spec;

/// A child found under a page: its id and whether it is a database.
type Child = (String, bool);

impl Walk<'_, '_> {
    /// Walks down from every page given so far (and those it finds), giving `sink` what search
    /// missed; answers how many items that was and how many pages' blocks were read.
    pub(super) async fn walk_down(&mut self, sink: &mut dyn PageSink) -> Result<(usize, usize)> {
        let (mut found, mut read) = (0, 0);
        let mut next = 0;
        while let Some((page, modified)) = self.pages.get(next).cloned() {
            next += 1;
            let previous = self.ctx.previous;
            let unchanged = modified.is_some()
                && previous
                    .get(&page)
                    .is_some_and(|before| before.modified == modified);
            // The children, and whether they are all of them (a read cut short is not).
            let (children, whole): (Vec<Child>, bool) =
                if content::wanted(self.ctx, &page, modified) {
                    // Its content is wanted anyway: one read gives the content and the children.
                    read += 1;
                    self.content_read.insert(page.clone());
                    match content::read_content(self.ctx, &page, modified, sink).await? {
                        Some(blocks) => (content::child_pages_in(&blocks), true),
                        None => (Vec::new(), false),
                    }
                } else if unchanged {
                    let stored = (previous.children_of(&page).iter()).filter_map(|id| {
                        let kind = previous.get(id)?.item_type;
                        matches!(kind, ItemKind::Page | ItemKind::Database)
                            .then(|| (id.clone(), kind == ItemKind::Database))
                    });
                    (stored.collect(), false)
                } else {
                    read += 1;
                    self.child_pages(&page).await?
                };
            if whole {
                let listed = children.iter().map(|(id, _)| id.clone()).collect();
                self.listed_children.insert(page.clone(), listed);
            }
            for (id, database) in children {
                // A sync's stored child stays as stored where it was; one that moved here is
                // read again (a database without its data sources and rows, kept as stored).
                let placed_here = (previous.get(&id))
                    .is_some_and(|p| p.parent_id.as_deref() == Some(page.as_str()));
                let stored = self.stored.contains(&id);
                if self.seen.contains(&id) || (stored && placed_here) {
                    continue;
                }
                let given = match (database, stored) {
                    (true, true) => self.moved_database(&id, sink).await?,
                    (true, false) => self.database_with_rows(&id, sink).await?,
                    (false, _) => self.page(&id, sink).await?,
                };
                found += usize::from(given);
            }
        }
        Ok((found, read))
    }

    /// The child pages and databases in the blocks of `page`, nested blocks followed, and
    /// whether that is all of them (not when the page or a block in it could not be read).
    async fn child_pages(&mut self, page: &str) -> Result<(Vec<Child>, bool)> {
        let mut found = Vec::new();
        let mut whole = true;
        let mut blocks = VecDeque::from([(page.to_owned(), 0usize)]);
        while let Some((block, depth)) = blocks.pop_front() {
            let url = api_url(self.ctx.settings, &format!("/v1/blocks/{block}/children"));
            let mut cursor = Cursor::default();
            loop {
                let mut query =
                    vec![("page_size", spec(Integration::Notion).page_size.to_string())];
                if let Some(c) = cursor.as_ref() {
                    query.push(("start_cursor", c.clone()));
                }
                let listing = self
                    .ctx
                    .api
                    .json::<BlockChildren>(self.ctx.tokens, |http| {
                        http.get(url.clone()).query(&query)
                    })
                    .await;
                let listing = match listing {
                    Ok(listing) => listing,
                    Err(CoreError::ProviderHttp { status: 404, .. }) => {
                        whole = false;
                        break;
                    }
                    Err(other) => return Err(other),
                };
                for child in listing.results {
                    match child.kind.as_str() {
                        "child_page" => found.push((child.id, false)),
                        "child_database" => found.push((child.id, true)),
                        _ if child.has_children && depth < MAX_BLOCK_DEPTH => {
                            blocks.push_back((child.id, depth + 1));
                        }
                        _ => {}
                    }
                }
                let next = listing.next_cursor.filter(|_| listing.has_more);
                if !advance(Integration::Notion, &mut cursor, next)? {
                    break;
                }
            }
        }
        Ok((found, whole))
    }

    /// Page `id`, given to `sink` (then walked in turn); false when it is gone or unshared.
    async fn page(&mut self, id: &str, sink: &mut dyn PageSink) -> Result<bool> {
        let url = api_url(self.ctx.settings, &format!("/v1/pages/{id}"));
        match self
            .ctx
            .api
            .json::<Object>(self.ctx.tokens, |http| http.get(url.clone()))
            .await
        {
            Ok(object) => Ok(self.emit(vec![to_item(object)], sink).await? > 0),
            Err(CoreError::ProviderHttp { status: 404, .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Stored database `id`, found under another page than before: read again and given with
    /// the data sources Notion lists for it (those and their rows stay as stored); false when it
    /// is gone or unshared.
    async fn moved_database(&mut self, id: &str, sink: &mut dyn PageSink) -> Result<bool> {
        let Some((mut database, listed)) = self.database(id).await? else {
            return Ok(false);
        };
        let sources: Vec<String> = (listed.iter())
            .filter_map(|s| Some(s.get("id")?.as_str()?.to_owned()))
            .collect();
        database
            .details
            .insert("data_sources".into(), sources.into());
        Ok(self.emit(vec![database], sink).await? > 0)
    }

    /// Database `id` with its data sources and their rows, given to `sink`; false when it is gone
    /// or unshared.
    async fn database_with_rows(&mut self, id: &str, sink: &mut dyn PageSink) -> Result<bool> {
        let Some((mut database, listed)) = self.database(id).await? else {
            return Ok(false);
        };
        let sources: Vec<(String, String)> = listed
            .iter()
            .filter_map(|s| {
                let id = s.get("id")?.as_str()?.to_owned();
                let name = s.get("name").and_then(|n| n.as_str()).unwrap_or("Untitled");
                Some((id, name.to_owned()))
            })
            .collect();
        let ids: Vec<String> = sources.iter().map(|(id, _)| id.clone()).collect();
        database.details.insert("data_sources".into(), ids.into());
        let mut items = vec![database];
        for (source, name) in &sources {
            let mut item = IntegrationItem::new(
                Integration::Notion,
                source.clone(),
                ItemKind::DataSource,
                name.clone(),
            );
            item.directory = true;
            item.parent_id = Some(id.to_owned());
            item.details.insert("parent_type".into(), "database".into());
            items.push(item);
        }
        self.emit(items, sink).await?;
        for (source, _) in &sources {
            match self.rows_of(source, sink).await {
                Ok(_) | Err(CoreError::ProviderHttp { status: 404, .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(true)
    }
}
