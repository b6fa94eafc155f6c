//! Notion's workspace: pages and databases in a tree (workspace → pages → databases → rows).

use rand::rngs::StdRng;
use rand::Rng;

use super::{timestamp, uuid, DatasetSize, ODD_NAMES};

/// A page or database as `POST /v1/search` (Notion-Version 2022-06-28) returns it.
#[derive(Debug, Clone)]
pub struct NotionObject {
    /// `page` or `database`.
    pub object: &'static str,
    /// UUID.
    pub id: String,
    /// RFC 3339.
    pub created_time: String,
    /// RFC 3339.
    pub last_edited_time: String,
    /// `workspace`, `page_id`, `database_id` or `block_id` (a page inside a column of another
    /// page), with the parent's id.
    pub parent: (&'static str, Option<String>),
    /// The title's plain text (may be empty).
    pub title: String,
    /// The key of the title property (`title` for plain pages, `Name` for database rows).
    pub title_key: &'static str,
    /// A database's data sources (id, name): one, or — every third database — two, which makes
    /// it invisible to searches before Notion-Version 2025-09-03.
    pub data_sources: Vec<(String, String)>,
    /// A database row's data source (the parent under 2025-09-03).
    pub data_source: Option<String>,
    /// Whether search has indexed it: a page made a moment ago is not found by search yet
    /// ("search may not return results for pages that were recently shared or created").
    pub indexed: bool,
    /// Whether it is in the trash (so is everything under a trashed page): search and a data
    /// source's query leave it out, its parent's blocks no longer list it, and
    /// `GET /v1/pages/{id}` gives it with `in_trash: true`.
    pub in_trash: bool,
    /// How often the page's content was edited (its first paragraph says so).
    pub revision: u32,
    /// Whether the page holds every block type (every fiftieth page).
    pub showcase: bool,
}

impl NotionObject {
    /// The web URL Notion gives the object.
    pub fn url(&self) -> String {
        let slug: String = self
            .title
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
            .collect::<String>()
            .trim()
            .replace(' ', "-");
        let compact = self.id.replace('-', "");
        // Since Notion's 2026 domain move its API returns app.notion.com URLs (was
        // www.notion.so): dvanoni/notero#823 and its fix #825.
        if slug.is_empty() {
            format!("https://app.notion.com/{compact}")
        } else {
            format!("https://app.notion.com/{slug}-{compact}")
        }
    }
}

/// The workspace the sandbox plays.
#[derive(Debug, Clone)]
pub struct NotionData {
    /// Workspace id.
    pub workspace_id: String,
    /// Workspace name.
    pub workspace_name: String,
    /// The integration's bot id.
    pub bot_id: String,
    /// The installing user's id.
    pub owner_id: String,
    /// Pages and databases, in the order search returns them.
    pub objects: Vec<NotionObject>,
    /// Column blocks that hold a page: (block id, the page the column is on).
    pub blocks: Vec<(String, String)>,
}

impl NotionData {
    pub(crate) fn generate(rng: &mut StdRng, size: DatasetSize) -> Self {
        let mut objects: Vec<NotionObject> = Vec::new();
        let mut pages: Vec<String> = Vec::new();
        let mut databases: Vec<String> = Vec::new();
        let mut blocks: Vec<(String, String)> = Vec::new();
        for i in 0..size.notion_pages {
            let (created_time, last_edited_time) = timestamp(rng, i as i64);
            let id = uuid(rng);
            // One page in 25 is a database: a Notion load queries each data source and reads each
            // database, so their number, not the pages', sets a load's length.
            if i % 25 == 24 && !pages.is_empty() {
                let parent = pages[rng.random_range(0..pages.len())].clone();
                objects.push(NotionObject {
                    object: "database",
                    id: id.clone(),
                    created_time: created_time.clone(),
                    last_edited_time: last_edited_time.clone(),
                    parent: ("page_id", Some(parent)),
                    title: format!("Database {i}"),
                    title_key: "title",
                    // A data source has a title of its own (2025-09-03): every other database's
                    // first one is named apart from the database.
                    data_sources: {
                        let first = if databases.len() % 2 == 1 {
                            "Main table".to_owned()
                        } else {
                            format!("Database {i}")
                        };
                        let mut sources = vec![(uuid(rng), first)];
                        if databases.len() % 3 == 2 {
                            sources.push((uuid(rng), "Archive".to_owned()));
                        }
                        sources
                    },
                    data_source: None,
                    indexed: true,
                    in_trash: false,
                    revision: 0,
                    showcase: false,
                });
                databases.push(id);
                continue;
            }
            let title = match i % 23 {
                7 => String::new(),
                13 => ODD_NAMES[i % ODD_NAMES.len()].to_owned(),
                _ => format!("Page {i}"),
            };
            let (parent, title_key) = if pages.is_empty() || i % 5 == 0 {
                (("workspace", None), "title")
            } else if i % 29 == 4 {
                // Inside a column of another page: the parent is the column block.
                let page = pages[rng.random_range(0..pages.len())].clone();
                let block = uuid(rng);
                blocks.push((block.clone(), page));
                (("block_id", Some(block)), "title")
            } else if !databases.is_empty() && i % 3 == 0 {
                (
                    (
                        "database_id",
                        Some(databases[rng.random_range(0..databases.len())].clone()),
                    ),
                    "Name",
                )
            } else {
                (
                    (
                        "page_id",
                        Some(pages[rng.random_range(0..pages.len())].clone()),
                    ),
                    "title",
                )
            };
            // A row belongs to one of its database's data sources.
            let data_source = match &parent {
                ("database_id", Some(db)) => objects
                    .iter()
                    .find(|o| &o.id == db)
                    .map(|d| d.data_sources[i % d.data_sources.len()].0.clone()),
                _ => None,
            };
            objects.push(NotionObject {
                object: "page",
                id: id.clone(),
                created_time,
                last_edited_time,
                parent,
                title,
                title_key,
                data_sources: Vec::new(),
                data_source,
                indexed: true,
                in_trash: false,
                revision: 0,
                showcase: i % 50 == 1,
            });
            pages.push(id);
        }
        Self {
            workspace_id: uuid(rng),
            workspace_name: "Sandbox Workspace".into(),
            bot_id: uuid(rng),
            owner_id: uuid(rng),
            objects,
            blocks,
        }
    }
}

impl NotionData {
    /// Edits the content of the first `count` pages (those of the dataset as made, rows
    /// included): each says so in its first paragraph, and its `last_edited_time` moves.
    pub(crate) fn edit_contents(&mut self, count: usize) {
        for page in self
            .objects
            .iter_mut()
            .filter(|o| o.object == "page")
            .take(count)
        {
            page.revision += 1;
            page.last_edited_time = format!("2030-01-02T00:{:02}:00.000Z", page.revision.min(59));
        }
    }

    /// Gives the first `count` pages not in the trash (rows included) a new title, edited at
    /// `edited`.
    pub(crate) fn rename(&mut self, count: usize, edited: &str) {
        let pages = self
            .objects
            .iter_mut()
            .filter(|o| o.object == "page" && !o.in_trash);
        for page in pages.take(count) {
            page.title = format!("{} (renamed)", page.title);
            page.last_edited_time = edited.to_owned();
        }
    }

    /// Moves to the trash the last `rows` database rows and the last `pages` pages that sit in
    /// other pages, with everything under them; a trashed page's parent loses its `child_page`
    /// block, which edits it.
    pub(crate) fn trash(&mut self, rows: usize, pages: usize, edited: &str) {
        let pick = |objects: &[NotionObject], row: bool, count: usize| -> Vec<String> {
            let fits = |o: &&NotionObject| {
                o.object == "page"
                    && !o.in_trash
                    && if row {
                        o.data_source.is_some()
                    } else {
                        o.parent.0 == "page_id"
                    }
            };
            objects
                .iter()
                .rev()
                .filter(fits)
                .take(count)
                .map(|o| o.id.clone())
                .collect()
        };
        let mut trashed: std::collections::HashSet<String> = pick(&self.objects, true, rows)
            .into_iter()
            .chain(pick(&self.objects, false, pages))
            .collect();
        let parents: Vec<String> = (self.objects.iter())
            .filter(|o| trashed.contains(&o.id) && o.parent.0 == "page_id")
            .filter_map(|o| o.parent.1.clone())
            .collect();
        // Everything under a trashed page is in the trash with it.
        loop {
            let under: Vec<String> = (self.objects.iter())
                .filter(|o| !trashed.contains(&o.id))
                .filter(|o| o.parent.1.as_ref().is_some_and(|p| trashed.contains(p)))
                .map(|o| o.id.clone())
                .collect();
            if under.is_empty() {
                break;
            }
            trashed.extend(under);
        }
        for object in &mut self.objects {
            if trashed.contains(&object.id) {
                object.in_trash = true;
                object.last_edited_time = edited.to_owned();
            } else if parents.contains(&object.id) {
                object.last_edited_time = edited.to_owned();
            }
        }
    }

    /// Moves the first `count` pages that sit in other pages (not renamed, not in the trash)
    /// under a top-level page other than the one they were in; both parents' blocks change,
    /// which edits them at `edited`; the moved page's own time stays.
    pub(crate) fn move_pages(&mut self, count: usize, edited: &str) {
        let chosen: Vec<usize> = (self.objects.iter().enumerate())
            .filter(|(_, o)| {
                o.object == "page"
                    && !o.in_trash
                    && o.parent.0 == "page_id"
                    && !o.title.ends_with("(renamed)")
            })
            .map(|(at, _)| at)
            .take(count)
            .collect();
        for at in chosen {
            let (id, from) = (
                self.objects[at].id.clone(),
                self.objects[at].parent.1.clone(),
            );
            let to = (self.objects.iter())
                .find(|o| {
                    o.object == "page"
                        && o.parent.0 == "workspace"
                        && Some(&o.id) != from.as_ref()
                        && o.id != id
                })
                .map(|o| o.id.clone());
            let Some(to) = to else {
                return;
            };
            self.objects[at].parent = ("page_id", Some(to.clone()));
            for object in &mut self.objects {
                if object.id == to || Some(&object.id) == from.as_ref() {
                    object.last_edited_time = edited.to_owned();
                }
            }
        }
    }

    /// Adds `count` rows to the first database's first data source, made at `edited`; search
    /// has not indexed them yet (its query lists them).
    pub(crate) fn add_rows(&mut self, count: usize, edited: &str) {
        let Some(database) = self.objects.iter().find(|o| o.object == "database") else {
            return;
        };
        let (database, source) = (database.id.clone(), database.data_sources[0].0.clone());
        let made = (self.objects.iter())
            .filter(|o| o.id.starts_with("00000000-0000-4000-9000-"))
            .count();
        for n in made..made + count {
            self.objects.push(NotionObject {
                object: "page",
                id: format!("00000000-0000-4000-9000-{:012x}", n + 1),
                created_time: edited.to_owned(),
                last_edited_time: edited.to_owned(),
                parent: ("database_id", Some(database.clone())),
                title: format!("New row {n}"),
                title_key: "Name",
                data_sources: Vec::new(),
                data_source: Some(source.clone()),
                indexed: false,
                in_trash: false,
                revision: 0,
                showcase: false,
            });
        }
    }

    /// The pages that hold every block type.
    pub fn showcase_pages(&self) -> impl Iterator<Item = &NotionObject> {
        self.objects.iter().filter(|o| o.showcase)
    }

    /// Makes `count` new pages inside the first page whose parent is a page: the parent's
    /// content changed, so its `last_edited_time` moves; search has not indexed them yet.
    pub(crate) fn add_subpages(&mut self, count: usize) {
        if count == 0 {
            return;
        }
        let Some(parent) = self
            .objects
            .iter_mut()
            .find(|o| o.object == "page" && o.parent.0 == "page_id")
        else {
            return;
        };
        parent.last_edited_time = "2030-01-01T00:00:00.000Z".to_owned();
        let parent_id = parent.id.clone();
        for n in 0..count {
            self.objects.push(NotionObject {
                object: "page",
                id: format!("00000000-0000-4000-8000-{:012x}", n + 1),
                created_time: "2030-01-01T00:00:00.000Z".to_owned(),
                last_edited_time: "2030-01-01T00:00:00.000Z".to_owned(),
                parent: ("page_id", Some(parent_id.clone())),
                title: format!("New subpage {n}"),
                title_key: "title",
                data_sources: Vec::new(),
                data_source: None,
                indexed: false,
                in_trash: false,
                revision: 0,
                showcase: false,
            });
        }
    }
}
