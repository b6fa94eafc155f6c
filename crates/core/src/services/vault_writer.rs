//! The folder export: everything stored, as files a person opens without Inlet — a vault for
//! Obsidian or any Markdown editor. Notion: a Markdown file per page (YAML front matter: id,
//! title, url, created, edited, parent), a page's sub-pages in a folder beside it, a database
//! as a folder of its row pages plus a CSV of the rows' fields; Airtable: a CSV per table and the
//! base's typed workbook; HubSpot: a CSV per object type with every property. Kept files are
//! copied into a `_files` folder beside what holds them and linked relatively, and links between
//! pages point at the exported pages.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::error::{CoreError, Result};
use crate::export::safe_file_name;
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemKind};
use crate::item_store::ItemFile;
use crate::providers::notion::markdown::{notion_link, FILE_SCHEME};

/// An item with what the store keeps beside it.
pub struct VaultItem {
    /// The item.
    pub item: IntegrationItem,
    /// Its content as Markdown, when it has any.
    pub markdown: Option<String>,
    /// Its kept files, with where each is.
    pub files: Vec<(ItemFile, PathBuf)>,
}

/// What a folder export wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct VaultReport {
    /// Markdown files.
    pub pages: u64,
    /// CSV files.
    pub tables: u64,
    /// Files copied.
    pub files: u64,
}

/// Names unique within each folder: a second sibling of the same name gets its id's start.
#[derive(Default)]
struct Names {
    taken: HashMap<PathBuf, HashSet<String>>,
}

impl Names {
    fn claim(&mut self, folder: &Path, name: &str, id: &str, extension: &str) -> String {
        let base = safe_file_name(name);
        let base = if base.is_empty() {
            "Untitled".to_owned()
        } else {
            base
        };
        let taken = self.taken.entry(folder.to_owned()).or_default();
        let mut candidate = base.clone();
        if taken.contains(&format!("{candidate}{extension}").to_lowercase()) {
            let short: String = id.chars().filter(|c| c.is_alphanumeric()).take(8).collect();
            candidate = format!("{base} ({short})");
        }
        taken.insert(format!("{candidate}{extension}").to_lowercase());
        candidate
    }
}

/// A YAML scalar: a JSON string (YAML reads JSON strings as they are).
fn yaml(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// A relative link from `from` (a folder) to `to` (a file), its segments percent-encoded.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_owned(), from.len() - common).collect();
    parts.extend(to_parts[common..].iter().map(|c| {
        let text = c.as_os_str().to_string_lossy();
        url::form_urlencoded::byte_serialize(text.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    }));
    parts.join("/")
}

/// Writes `items` (the stored items of the accounts exported) as a vault in `dir`, which must
/// be empty or not yet there.
pub fn write_vault(dir: &Path, items: Vec<VaultItem>) -> Result<VaultReport> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| CoreError::io("read", dir, e))?
            .next()
            .is_some()
    {
        return Err(CoreError::invalid_argument(format!(
            "{} is not empty: a folder export goes into a new or empty folder.",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| CoreError::io("make", dir, e))?;
    let mut report = VaultReport::default();
    let by_integration = |integration| {
        items
            .iter()
            .filter(move |i| i.item.integration == integration)
            .collect::<Vec<_>>()
    };
    notion(
        &dir.join("Notion"),
        &by_integration(Integration::Notion),
        &mut report,
    )?;
    tables(
        &dir.join("Airtable"),
        &by_integration(Integration::Airtable),
        &mut report,
    )?;
    tables(
        &dir.join("HubSpot"),
        &by_integration(Integration::Hubspot),
        &mut report,
    )?;
    Ok(report)
}

/// Notion's pages as Markdown under their parents; databases as folders with a CSV.
fn notion(root: &Path, items: &[&VaultItem], report: &mut VaultReport) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let by_id: HashMap<&str, &VaultItem> = items.iter().map(|i| (i.item.id.as_str(), *i)).collect();
    // A data source's rows belong to its database's folder.
    let folder_parent = |item: &IntegrationItem| -> Option<String> {
        let parent = item.parent_id.as_deref()?;
        match by_id.get(parent) {
            Some(p) if p.item.item_type == ItemKind::DataSource => p.item.parent_id.clone(),
            Some(_) => Some(parent.to_owned()),
            None => None,
        }
    };
    // Where each page or database goes: its parent's folder, then its own name.
    let mut names = Names::default();
    let mut folders: HashMap<String, PathBuf> = HashMap::new();
    let mut files: HashMap<String, PathBuf> = HashMap::new();
    let mut order: Vec<&VaultItem> = items
        .iter()
        .copied()
        .filter(|i| matches!(i.item.item_type, ItemKind::Page | ItemKind::Database))
        .collect();
    order.sort_by_key(|i| depth(&i.item, &by_id));
    for entry in &order {
        let item = &entry.item;
        let parent_folder = folder_parent(item)
            .and_then(|p| folders.get(&p).cloned())
            .unwrap_or_else(|| root.to_owned());
        let name = names.claim(&parent_folder, &item.name, &item.id, ".md");
        folders.insert(item.id.clone(), parent_folder.join(&name));
        if item.item_type == ItemKind::Page {
            files.insert(item.id.clone(), parent_folder.join(format!("{name}.md")));
        }
    }
    // Links to Notion pages that are exported point at their files (by the link's page id).
    let links: HashMap<String, &PathBuf> = files
        .iter()
        .map(|(id, path)| (notion_link(id), path))
        .collect();
    for entry in order.iter().filter(|i| i.item.item_type == ItemKind::Page) {
        let path = &files[&entry.item.id];
        let folder = path.parent().unwrap_or(root).to_owned();
        std::fs::create_dir_all(&folder).map_err(|e| CoreError::io("make", &folder, e))?;
        let mut body = entry.markdown.clone().unwrap_or_default();
        for (file, source) in &entry.files {
            let copied = copy_file(&folder, file, source, report)?;
            body = body.replace(
                &format!("]({FILE_SCHEME}{})", file.source),
                &format!("](<{}>)", relative(&folder, &copied)),
            );
        }
        let body = relink(&body, &links, &folder);
        let parent = folder_parent(&entry.item).unwrap_or_default();
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.to_rfc3339()).unwrap_or_default()
        };
        let front = format!(
            "---\nid: {}\ntitle: {}\nurl: {}\ncreated: {}\nedited: {}\nparent: {}\n---\n\n",
            yaml(&entry.item.id),
            yaml(&entry.item.name),
            yaml(entry.item.url.as_deref().unwrap_or("")),
            yaml(&time(entry.item.creation_time)),
            yaml(&time(entry.item.last_modified_time)),
            yaml(&parent),
        );
        std::fs::write(path, front + &body).map_err(|e| CoreError::io("write", path, e))?;
        report.pages += 1;
    }
    // Each database: a CSV of its rows' fields beside its row pages.
    for entry in order
        .iter()
        .filter(|i| i.item.item_type == ItemKind::Database)
    {
        let folder = &folders[&entry.item.id];
        let rows: Vec<&VaultItem> = items
            .iter()
            .copied()
            .filter(|i| {
                i.item.item_type == ItemKind::Page
                    && folder_parent(&i.item).as_deref() == Some(entry.item.id.as_str())
            })
            .collect();
        std::fs::create_dir_all(folder).map_err(|e| CoreError::io("make", folder, e))?;
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        write_csv(&folder.join(format!("{name}.csv")), &rows)?;
        report.tables += 1;
    }
    Ok(())
}

/// `body` with each Markdown link to a page among `links` (`](https://www.notion.so/<id>)`)
/// pointing at that page's file, relative to `folder`: one pass over the body, whatever the
/// number of pages.
fn relink(body: &str, links: &HashMap<String, &PathBuf>, folder: &Path) -> String {
    let prefix = notion_link("");
    let opening = format!("]({prefix}");
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(&opening) {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let target = after
            .find(')')
            .and_then(|end| links.get(&after[..end]).map(|path| (end, path)));
        match target {
            Some((end, path)) => {
                out.push_str(&format!("](<{}>)", relative(folder, path)));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("](");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// How far below a root `item` hangs (so parents are placed before their children).
fn depth(item: &IntegrationItem, by_id: &HashMap<&str, &VaultItem>) -> usize {
    let mut depth = 0;
    let mut parent = item.parent_id.clone();
    while let Some(id) = parent {
        if depth > 64 {
            break;
        }
        depth += 1;
        parent = by_id
            .get(id.as_str())
            .and_then(|p| p.item.parent_id.clone());
    }
    depth
}

/// Airtable's and HubSpot's items as CSV: a file per container (an Airtable table's records,
/// under its base's folder) or per type (HubSpot's contacts, companies, deals), a column per
/// property; kept files copied beside them.
fn tables(root: &Path, items: &[&VaultItem], report: &mut VaultReport) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let by_id: HashMap<&str, &VaultItem> = items.iter().map(|i| (i.item.id.as_str(), *i)).collect();
    let places = places_of_tables(root, items);
    let mut groups: std::collections::BTreeMap<PathBuf, Vec<&VaultItem>> = Default::default();
    for entry in items {
        let item = &entry.item;
        let file = match item.item_type {
            ItemKind::Record => {
                let table = item.parent_id.as_deref().and_then(|t| by_id.get(t));
                match table.and_then(|t| places.get(t.item.id.as_str())) {
                    Some(place) => place.clone(),
                    None => root.join("Records without a table.csv"),
                }
            }
            ItemKind::Base | ItemKind::Table => continue,
            kind => root.join(format!("{}.csv", plural(kind))),
        };
        groups.entry(file).or_default().push(entry);
    }
    for (file, rows) in &groups {
        let folder = file.parent().unwrap_or(root).to_owned();
        std::fs::create_dir_all(&folder).map_err(|e| CoreError::io("make", &folder, e))?;
        for entry in rows {
            for (kept, source) in &entry.files {
                copy_file(&folder, kept, source, report)?;
            }
        }
        write_csv(file, rows)?;
        report.tables += 1;
    }
    workbooks(root, items, &places, report)
}

/// Each Airtable base whose records are stored, as its typed workbook beside its tables' CSVs.
fn workbooks(
    root: &Path,
    items: &[&VaultItem],
    places: &HashMap<&str, PathBuf>,
    report: &mut VaultReport,
) -> Result<()> {
    use crate::providers::airtable::workbook::{write_workbook, TableSheet};
    for base in items.iter().filter(|i| i.item.item_type == ItemKind::Base) {
        let sheets: Vec<TableSheet> = items
            .iter()
            .filter(|t| {
                t.item.item_type == ItemKind::Table
                    && t.item.parent_id.as_deref() == Some(base.item.id.as_str())
            })
            .map(|t| TableSheet {
                table: t.item.clone(),
                records: items
                    .iter()
                    .filter(|r| {
                        r.item.item_type == ItemKind::Record
                            && r.item.parent_id.as_deref() == Some(t.item.id.as_str())
                    })
                    .map(|r| r.item.clone())
                    .collect(),
            })
            .collect();
        if sheets.iter().all(|s| s.records.is_empty()) {
            continue;
        }
        let folder =
            (places.get(base.item.id.as_str()).cloned()).unwrap_or_else(|| root.join("Base"));
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        std::fs::create_dir_all(&folder).map_err(|e| CoreError::io("make", &folder, e))?;
        write_workbook(&folder.join(format!("{name}.xlsx")), &sheets)?;
        report.tables += 1;
    }
    Ok(())
}

/// Where each base's folder and each table's CSV go: names unique among their siblings (two
/// bases or tables of one name keep apart), by id.
fn places_of_tables<'a>(root: &Path, items: &[&'a VaultItem]) -> HashMap<&'a str, PathBuf> {
    let mut names = Names::default();
    let mut places = HashMap::new();
    for base in items.iter().filter(|i| i.item.item_type == ItemKind::Base) {
        let name = names.claim(root, &base.item.name, &base.item.id, "");
        places.insert(base.item.id.as_str(), root.join(name));
    }
    for table in items.iter().filter(|i| i.item.item_type == ItemKind::Table) {
        let folder = table
            .item
            .parent_id
            .as_deref()
            .and_then(|b| places.get(b))
            .cloned()
            .unwrap_or_else(|| root.join("Base"));
        let name = names.claim(&folder, &table.item.name, &table.item.id, ".csv");
        places.insert(table.item.id.as_str(), folder.join(format!("{name}.csv")));
    }
    places
}

fn plural(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Contact => "contacts",
        ItemKind::Company => "companies",
        ItemKind::Deal => "deals",
        ItemKind::Ticket => "tickets",
        ItemKind::CustomObject => "custom objects",
        ItemKind::Owner => "owners",
        ItemKind::Pipeline => "pipelines",
        ItemKind::ObjectType => "object types",
        ItemKind::Page => "pages",
        ItemKind::Database => "databases",
        ItemKind::DataSource => "data sources",
        _ => "other items",
    }
}

fn safe_or(name: Option<&str>, fallback: &str) -> String {
    let name = name.map(safe_file_name).unwrap_or_default();
    if name.is_empty() {
        fallback.to_owned()
    } else {
        name
    }
}

/// Copies a kept file into `folder/_files/` (once); answers where it went.
fn copy_file(
    folder: &Path,
    file: &ItemFile,
    source: &Path,
    report: &mut VaultReport,
) -> Result<PathBuf> {
    let dir = folder.join("_files");
    std::fs::create_dir_all(&dir).map_err(|e| CoreError::io("make", &dir, e))?;
    let short: String = file.hash.chars().take(8).collect();
    let target = dir.join(format!("{short} {}", safe_or(Some(&file.name), "file")));
    if !target.exists() {
        std::fs::copy(source, &target).map_err(|e| CoreError::io("copy", &target, e))?;
        report.files += 1;
    }
    Ok(target)
}

/// The items as CSV: id, name, url, created, modified, then a column per property any of them
/// has (by label, in the order they first appear; values as text — `properties::text_of`).
fn write_csv(path: &Path, rows: &[&VaultItem]) -> Result<()> {
    let mut properties: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        for label in crate::properties::properties_of(&row.item)
            .into_iter()
            .flat_map(|p| p.keys())
        {
            if seen.insert(label.as_str()) {
                properties.push(label);
            }
        }
    }
    let mut writer = csv::Writer::from_path(path).map_err(|e| CoreError::io("write", path, e))?;
    let mut header = vec!["id", "name", "url", "created", "modified"];
    header.extend(properties.iter().copied());
    writer
        .write_record(&header)
        .map_err(|e| CoreError::io("write", path, e))?;
    for row in rows {
        let item = &row.item;
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.to_rfc3339()).unwrap_or_default()
        };
        let mut record = vec![
            item.id.clone(),
            item.name.clone(),
            item.url.clone().unwrap_or_default(),
            time(item.creation_time),
            time(item.last_modified_time),
        ];
        let own = crate::properties::properties_of(item);
        for property in &properties {
            record.push(
                own.and_then(|p| p.get(*property))
                    .map(crate::properties::text_of)
                    .unwrap_or_default(),
            );
        }
        writer
            .write_record(record.into_iter().map(crate::export::inert))
            .map_err(|e| CoreError::io("write", path, e))?;
    }
    writer.flush().map_err(|e| CoreError::io("write", path, e))
}

/// The name a vault is given: `Inlet <today's date>`.
pub fn vault_name() -> String {
    format!("Inlet {}", chrono::Local::now().format("%Y-%m-%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_links_climb_and_encode() {
        let from = Path::new("/v/Notion/A");
        assert_eq!(
            relative(from, Path::new("/v/Notion/A/_files/x y.png")),
            "_files/x%20y.png"
        );
        assert_eq!(relative(from, Path::new("/v/Notion/B.md")), "../B.md");
    }

    #[test]
    fn page_links_point_at_the_exported_files_in_one_pass() {
        let target = PathBuf::from("/v/Notion/Plans/Q1.md");
        let links = HashMap::from([(notion_link("abc"), &target)]);
        let body = "See [Q1](https://www.notion.so/abc), [gone](https://www.notion.so/zzz) and [x](https://example.com).";
        assert_eq!(
            relink(body, &links, Path::new("/v/Notion")),
            "See [Q1](<Plans/Q1.md>), [gone](https://www.notion.so/zzz) and [x](https://example.com)."
        );
    }

    #[test]
    fn siblings_of_one_name_get_their_ids() {
        let mut names = Names::default();
        let folder = Path::new("/v");
        assert_eq!(names.claim(folder, "Plan", "id-1111", ".md"), "Plan");
        assert_eq!(
            names.claim(folder, "plan", "id-2222", ".md"),
            "plan (id2222)"
        );
        assert_eq!(names.claim(folder, "../x", "3", ".md"), "_x");
    }
}
