//! What the grid asks the library for: a window of rows of a view (search, filters, sort, tree)
//! with the total, the facet counts beside the filters, and an export of the view streamed from
//! the store — over the current generations of every connected account.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;

use super::library::{first_held_in, CurrentAccount, Library};
use crate::account::AccountInfo;
use crate::error::{CoreError, Result};
use crate::export::{export_with_properties, write_with_properties, ExportFormat};
use crate::integration::Integration;
use crate::item::ItemKind;
use crate::item_store::{
    AccountKey, FoundRow, Generation, ItemRow, ItemStore, RowFilter, TreeOrder, ViewSort,
};
use crate::sync::lock;

/// A view of the stored items, as the grid shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
pub struct ItemView {
    /// Words to find (each as a prefix) in names, parent paths and the text of details.
    pub search: String,
    /// Item kinds to show; empty for all.
    pub types: Vec<ItemKind>,
    /// Integrations to show; empty for all.
    pub integrations: Vec<Integration>,
    /// Accounts to show (by the provider's account id); empty for all.
    pub accounts: Vec<String>,
    /// Only the children of the item with this id (an Airtable table's records); absent for
    /// every item.
    #[serde(default)]
    pub parent: Option<String>,
    /// Only items new, changed or gone since the load before.
    pub changes_only: bool,
    /// The order.
    pub sort: ViewSort,
    /// As a tree, with these items (`IntegrationItem::key`) expanded; absent for a flat list.
    /// A search always shows its matches flat.
    pub expanded: Option<Vec<String>>,
    /// The store as it was then (a date: the end of that day, UTC, or an RFC 3339 time)
    /// instead of now (`Library::viewed`); absent for now.
    #[serde(default)]
    pub as_of: Option<String>,
}

impl ItemView {
    fn filter(&self) -> RowFilter {
        RowFilter {
            search: self.search.clone(),
            types: self.types.clone(),
            parent: self.parent.clone(),
            changes_only: self.changes_only,
            without_gone: false,
            keystroke: None,
        }
    }

    /// The filter of an export: the account's current items — gone ones only when the view
    /// is of the changes.
    fn export_filter(&self) -> RowFilter {
        RowFilter {
            without_gone: !self.changes_only,
            ..self.filter()
        }
    }

    fn is_tree(&self) -> bool {
        self.expanded.is_some() && self.search.trim().is_empty()
    }

    fn shows(&self, key: &AccountKey) -> bool {
        (self.integrations.is_empty() || self.integrations.contains(&key.integration))
            && (self.accounts.is_empty() || self.accounts.contains(&key.account_id))
    }
}

/// Some rows of a view and how many there are in all.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ItemWindow {
    /// Rows in the view.
    pub total: u32,
    /// Where `rows` start.
    pub offset: u32,
    /// The rows.
    pub rows: Vec<ItemRow>,
    /// What a view as of a date could not bring back, in a sentence each (empty otherwise).
    pub notes: Vec<String>,
}

/// A value of a filter, with how many rows it would show.
#[derive(Debug, Clone, Serialize, Type)]
pub struct FacetValue {
    /// What the filter is set to (a type, an integration id, an account id).
    pub value: String,
    /// What the person reads.
    pub label: String,
    /// Rows under the other filters.
    pub count: u32,
}

/// The counts beside the filters, under the view's other filters.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ViewFacets {
    /// Per item type.
    pub types: Vec<FacetValue>,
    /// Per integration.
    pub integrations: Vec<FacetValue>,
    /// Per account.
    pub accounts: Vec<FacetValue>,
    /// New, changed or gone rows.
    pub changes: u32,
    /// Every stored row of the connected accounts, unfiltered ("N of TOTAL items").
    pub total: u32,
}

/// The generations a view spans, in integration order.
fn generations(store: &ItemStore, accounts: &[CurrentAccount]) -> Result<Vec<Generation>> {
    let mut found = Vec::new();
    for key in accounts {
        if let Some(generation) = store.current(key)? {
            found.push(generation);
        }
    }
    found.sort_by_key(|g| (g.key.integration, g.id));
    Ok(found)
}

fn shown_ids(all: &[Generation], view: &ItemView) -> Vec<i64> {
    all.iter()
        .filter(|g| view.shows(&g.key))
        .map(|g| g.id)
        .collect()
}

fn account_label(account: &AccountInfo, integration: Integration) -> String {
    format!("{} — {}", integration.display_name(), account.label)
}

impl Library {
    pub(crate) fn require_store(&self) -> Result<ItemStore> {
        self.store().cloned().ok_or_else(|| CoreError::Io {
            action: "open",
            path: "the item store".into(),
            reason: "there is no data dir (set INLET_DATA_DIR)".into(),
        })
    }

    async fn on_store<T: Send + 'static>(
        &self,
        work: impl FnOnce(ItemStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.require_store()?;
        tokio::task::spawn_blocking(move || work(store))
            .await
            .map_err(|e| CoreError::task_failed("reading the item store", e))?
    }

    /// The finished loads of `accounts` (the connected ones), as stored.
    pub async fn stored_loads(&self, accounts: &[CurrentAccount]) -> Result<Vec<Generation>> {
        let accounts = accounts.to_vec();
        self.on_store(move |store| generations(&store, &accounts))
            .await
    }

    /// The rows `offset..offset + limit` of `view` (at most 500), and the view's total.
    pub async fn window(
        &self,
        accounts: &[CurrentAccount],
        view: ItemView,
        offset: u32,
        limit: u32,
    ) -> Result<ItemWindow> {
        let limit = limit.min(500);
        let accounts = accounts.to_vec();
        let trees = self.trees.clone();
        let revision = self.revision();
        // A search's first window is a keystroke: taking its ticket now (not once the store is
        // free) stops the match an earlier keystroke is still reading.
        let keystroke = (offset == 0 && !view.search.trim().is_empty())
            .then(|| self.store().map(|s| s.keystroke(view.search.trim())))
            .flatten();
        self.on_store(move |store| {
            let ids = shown_ids(&generations(&store, &accounts)?, &view);
            let filter = RowFilter {
                keystroke,
                ..view.filter()
            };
            if !view.is_tree() && offset < DIRECT_WINDOWS {
                // Near the top the sort column's index answers directly, in a millisecond.
                let items = store.window(&ids, &filter, view.sort, offset, limit)?;
                return Ok(ItemWindow {
                    total: store.count(&ids, &filter)?,
                    notes: Vec::new(),
                    offset,
                    rows: items
                        .into_iter()
                        .map(|item| ItemRow {
                            item,
                            depth: 0,
                            has_children: false,
                        })
                        .collect(),
                });
            }
            // A tree, or far down a long list: read through the view's order of row ids,
            // computed once per view and store revision.
            let order = view_order(&store, &trees, revision, &ids, &view)?;
            let start = (offset as usize).min(order.len());
            let end = (start + limit as usize).min(order.len());
            Ok(ItemWindow {
                notes: Vec::new(),
                total: u32::try_from(order.len()).unwrap_or(u32::MAX),
                offset,
                rows: store.rows_by_id(&ids, &filter, &order[start..end], view.is_tree())?,
            })
        })
        .await
    }

    /// The rows of a flat `view` in the order they were stored, from the one after row
    /// `after`, `limit` at most (500), each with its account: what an assistant's search
    /// reads (the search index stops after the page; the grid's order needs every match).
    pub async fn found_in_stored_order(
        &self,
        accounts: &[CurrentAccount],
        view: ItemView,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(AccountKey, FoundRow)>> {
        let accounts = accounts.to_vec();
        self.on_store(move |store| {
            let shown = generations(&store, &accounts)?;
            let ids = shown_ids(&shown, &view);
            let rows = store.found_in_stored_order(&ids, &view.filter(), after, limit.min(500))?;
            Ok(rows
                .into_iter()
                .filter_map(|row| {
                    let key = shown.iter().find(|g| g.id == row.generation)?.key.clone();
                    Some((key, row))
                })
                .collect())
        })
        .await
    }

    /// The counts beside the filters of `view`.
    pub async fn facets(&self, accounts: &[CurrentAccount], view: ItemView) -> Result<ViewFacets> {
        let accounts = accounts.to_vec();
        self.on_store(move |store| {
            let all = generations(&store, &accounts)?;
            let counts = store.facets(&shown_ids(&all, &view), &view.filter())?;
            let mut integrations: Vec<FacetValue> = Vec::new();
            let mut per_account: Vec<FacetValue> = Vec::new();
            // The integration and account counts ignore their own filters, as the type's does.
            let any_account = ItemView {
                integrations: Vec::new(),
                accounts: Vec::new(),
                ..view.clone()
            };
            let every = store.facets(&shown_ids(&all, &any_account), &view.filter())?;
            for generation in &all {
                let n = every
                    .by_generation
                    .iter()
                    .find(|(g, _)| *g == generation.id)
                    .map_or(0, |(_, n)| *n);
                let integration = generation.key.integration;
                match integrations
                    .iter_mut()
                    .find(|f| f.value == integration.id())
                {
                    Some(facet) => facet.count = facet.count.saturating_add(n),
                    None => integrations.push(FacetValue {
                        value: integration.id().to_owned(),
                        label: integration.display_name().to_owned(),
                        count: n,
                    }),
                }
                per_account.push(FacetValue {
                    value: generation.key.account_id.clone(),
                    label: account_label(&generation.account, integration),
                    count: n,
                });
            }
            Ok(ViewFacets {
                types: counts
                    .by_type
                    .into_iter()
                    .map(|(t, count)| FacetValue {
                        // `data_source` reads "data source".
                        label: t.replace('_', " "),
                        value: t,
                        count,
                    })
                    .collect(),
                integrations,
                accounts: per_account,
                changes: counts.changes,
                total: store.count(
                    &all.iter().map(|g| g.id).collect::<Vec<_>>(),
                    &RowFilter::default(),
                )?,
            })
        })
        .await
    }

    /// Writes the rows of `view` in its order (a tree as shown) to `path`, read from the store a
    /// page at a time. Returns how many it wrote.
    pub async fn export_view(
        &self,
        accounts: &[CurrentAccount],
        view: ItemView,
        format: ExportFormat,
        path: &Path,
    ) -> Result<u64> {
        let accounts = accounts.to_vec();
        let path = path.to_owned();
        let trees = self.trees.clone();
        let revision = self.revision();
        self.on_store(move |store| {
            let ids = shown_ids(&generations(&store, &accounts)?, &view);
            let filter = view.export_filter();
            let properties = property_columns(&store, &ids, &filter, format)?;
            if view.is_tree() {
                let order = view_order(&store, &trees, revision, &ids, &view)?;
                let rows = order.chunks(1_000).flat_map(|chunk| {
                    match store.rows_by_id(&ids, &filter, chunk, false) {
                        Ok(rows) => rows.into_iter().map(|r| Ok(r.item)).collect::<Vec<_>>(),
                        Err(error) => vec![Err(error)],
                    }
                });
                let rows = rows.map(|r| r.and_then(|i| with_content(&store, &accounts, format, i)));
                return export_with_properties(&path, format, &properties, rows);
            }
            store.with_view_rows(&ids, &filter, view.sort, |rows| {
                let mut rows =
                    rows.map(|r| r.and_then(|i| with_content(&store, &accounts, format, i)));
                export_with_properties(&path, format, &properties, &mut rows)
            })
        })
        .await
    }
}

/// The property columns of a CSV or XLSX export of the rows of `filter` (JSON carries them in
/// each item's details).
fn property_columns(
    store: &ItemStore,
    generations: &[i64],
    filter: &crate::item_store::RowFilter,
    format: ExportFormat,
) -> Result<Vec<String>> {
    match format {
        ExportFormat::Csv | ExportFormat::Xlsx => store.property_labels(generations, filter),
        ExportFormat::Json | ExportFormat::Ndjson => Ok(Vec::new()),
    }
}

/// `item` with its stored content (`content_md`) in the formats that carry it (JSON, NDJSON),
/// from the first of `accounts` of its integration that holds it.
fn with_content(
    store: &ItemStore,
    accounts: &[CurrentAccount],
    format: ExportFormat,
    mut item: crate::item::IntegrationItem,
) -> Result<crate::item::IntegrationItem> {
    let carries = matches!(format, ExportFormat::Json | ExportFormat::Ndjson);
    let has_content = crate::providers::provider(item.integration)
        .capabilities()
        .content;
    if !carries || !has_content || item.item_type != ItemKind::Page {
        return Ok(item);
    }
    let found = first_held_in(store, accounts, item.integration, |store, key| {
        store.content(key, &item.id)
    })?;
    item.content_md = found.map(|c| c.markdown);
    Ok(item)
}

/// Windows starting before this row are read straight from the sort column's index (skipping
/// up to this many index entries costs a few milliseconds); later ones through the view's
/// order of row ids.
const DIRECT_WINDOWS: u32 = 20_000;

/// Where [`Library::write_view`] writes.
pub enum Destination {
    /// A file, written beside it first and renamed into place when complete.
    File(std::path::PathBuf),
    /// Standard output (the CLI).
    Stdout,
}

impl Library {
    /// Writes the rows of `view` (flat, in its order) to `destination`, streamed from the
    /// store. Returns how many it wrote.
    pub async fn write_view(
        &self,
        accounts: &[CurrentAccount],
        view: ItemView,
        format: ExportFormat,
        destination: Destination,
    ) -> Result<u64> {
        if let Destination::File(path) = destination {
            return self.export_view(accounts, view, format, &path).await;
        }
        let accounts = accounts.to_vec();
        self.on_store(move |store| {
            let ids = shown_ids(&generations(&store, &accounts)?, &view);
            let filter = view.export_filter();
            let properties = property_columns(&store, &ids, &filter, format)?;
            store.with_view_rows(&ids, &filter, view.sort, |rows| {
                let mut count = 0u64;
                let out = std::io::BufWriter::new(std::io::stdout().lock());
                let rows = rows.map(|r| r.and_then(|i| with_content(&store, &accounts, format, i)));
                write_with_properties(out, format, &properties, rows.inspect(|_| count += 1))?;
                Ok(count)
            })
        })
        .await
    }
}

/// The order of `view` (a tree as shown, or the flat list), from the one-entry cache while the
/// store has not changed.
fn view_order(
    store: &ItemStore,
    trees: &ViewOrderCache,
    revision: u64,
    generations: &[i64],
    view: &ItemView,
) -> Result<Arc<TreeOrder>> {
    let key = (revision, generations.to_vec(), view.clone());
    if let Some((cached_key, order)) = lock(trees).as_ref() {
        if *cached_key == key {
            return Ok(order.clone());
        }
    }
    let order = if view.is_tree() {
        let expanded: HashSet<String> = view.expanded.iter().flatten().cloned().collect();
        store.tree_order(generations, &view.filter(), view.sort, &expanded)?
    } else {
        store.flat_order(generations, &view.filter(), view.sort)?
    };
    let order = Arc::new(order);
    *lock(trees) = Some((key, order.clone()));
    Ok(order)
}

/// The last view order read (a tree flattened, or a long list's row ids), with what it was read
/// for (the store's revision, the generations and the view): scrolling reads windows of it.
pub(crate) type ViewOrderCache =
    Arc<std::sync::Mutex<Option<((u64, Vec<i64>, ItemView), Arc<TreeOrder>)>>>;
