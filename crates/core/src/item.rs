//! The item model every provider's loader produces, with the seed backend's JSON field names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::integration::Integration;
pub use crate::item_kind::{Delta, ItemKind};

/// One thing found in a connected account: a base, a table, a page, a contact, …
///
/// Field names match the seed backend's `IntegrationItem` exactly; `integration` says where it
/// came from and `details` carries provider-specific fields (for example a table's field list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct IntegrationItem {
    /// The provider's id of the item.
    pub id: String,
    /// The kind of item (`contact`, `company`, `deal`, `base`, `table`, `record`, `page`, …).
    #[serde(rename = "type")]
    pub item_type: ItemKind,
    /// True when the item holds other items (a base, a database).
    pub directory: bool,
    /// A readable path or name of the parent, when there is one.
    pub parent_path_or_name: Option<String>,
    /// The parent's id, when there is one.
    pub parent_id: Option<String>,
    /// The item's display name.
    pub name: String,
    /// When the item was created (RFC 3339).
    pub creation_time: Option<DateTime<Utc>>,
    /// When the item last changed (RFC 3339).
    pub last_modified_time: Option<DateTime<Utc>>,
    /// Where the item opens in the provider's web app.
    pub url: Option<String>,
    /// Ids of child items, when the provider lists them.
    pub children: Option<Vec<String>>,
    /// The MIME type of file-like items. Always null: none of Inlet's providers has files; the
    /// field stays so the JSON keeps the seed backend's shape (the UI shows no empty column).
    pub mime_type: Option<String>,
    /// How the item differs from the account's load before (set by the item store).
    pub delta: Option<Delta>,
    /// The drive of drive-like providers. Always null, kept for the seed backend's JSON shape.
    pub drive_id: Option<String>,
    /// Whether the item is visible (the seed's default is true).
    pub visibility: Option<bool>,
    /// The integration the item came from.
    pub integration: Integration,
    /// Provider-specific fields, as plain JSON.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[specta(type = Option<std::collections::HashMap<String, specta_typescript::Unknown>>)]
    pub details: serde_json::Map<String, serde_json::Value>,
    /// A page's content as Markdown, in exports that carry it (JSON, NDJSON); never stored in
    /// the item itself (the store keeps content apart: `item_store::StoredContent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_md: Option<String>,
}

/// The `details` key naming who last edited the item, as the provider says (a name, an e-mail
/// or the provider's user id): Notion's `last_edited_by`, HubSpot's `hs_updated_by_user_id`,
/// Airtable's webhook payloads. A history's revisions carry it; it is not part of what says an
/// item changed (it moves only with an edit, which shows itself).
pub const EDITED_BY: &str = "edited_by";

/// The key of the item `id` of `kind` in `integration`: `<integration>/<type>/<id>`.
pub fn key_of(integration: Integration, kind: ItemKind, id: &str) -> String {
    format!("{integration}/{kind}/{id}")
}

impl IntegrationItem {
    /// Notes who last edited the item ([`EDITED_BY`]); an empty name says nothing.
    pub fn set_edited_by(&mut self, who: &str) {
        if !who.trim().is_empty() {
            self.details.insert(EDITED_BY.into(), who.trim().into());
        }
    }

    /// A key unique across integrations: `<integration>/<type>/<id>`.
    pub fn key(&self) -> String {
        key_of(self.integration, self.item_type, &self.id)
    }

    /// A new item with the required fields and everything else empty.
    pub fn new(
        integration: Integration,
        id: impl Into<String>,
        item_type: ItemKind,
        name: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            item_type,
            directory: false,
            parent_path_or_name: None,
            parent_id: None,
            name: name.into(),
            creation_time: None,
            last_modified_time: None,
            url: None,
            children: None,
            mime_type: None,
            delta: None,
            drive_id: None,
            visibility: Some(true),
            integration,
            details: serde_json::Map::new(),
            content_md: None,
        }
    }

    /// The item with the links that the provider signs afresh on every answer left out: what
    /// says whether it changed. Airtable's attachments (objects with a `filename` and a `url`,
    /// whose `url` and `thumbnails` are signed and "expire after a couple of hours") and
    /// Notion-hosted files (a `url` with an `expiry_time`) are compared by what they are — id,
    /// name, size, type — not by today's link. `None` when the item has no such link.
    pub fn without_signed_links(&self) -> Option<IntegrationItem> {
        // Looked for first: most items have none, and the store hashes every item it writes.
        if !self.details.values().any(has_signed_link) {
            return None;
        }
        let mut details = serde_json::Value::Object(self.details.clone());
        strip_signed_links(&mut details).then(|| {
            let mut item = self.clone();
            if let serde_json::Value::Object(details) = details {
                item.details = details;
            }
            item
        })
    }
}

/// Whether an object in `value` is a signed link (see `strip_signed_links`).
fn has_signed_link(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Object(object) => is_signed(object) || object.values().any(has_signed_link),
        Value::Array(list) => list.iter().any(has_signed_link),
        _ => false,
    }
}

/// An Airtable attachment or a Notion-hosted file: a `url` beside a `filename` or an
/// `expiry_time`.
fn is_signed(object: &serde_json::Map<String, serde_json::Value>) -> bool {
    object.get("url").is_some_and(serde_json::Value::is_string)
        && (object.contains_key("filename") || object.contains_key("expiry_time"))
}

/// Removes signed links from `value` and everything in it; true when there was one.
fn strip_signed_links(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Object(object) => {
            let mut found = false;
            if is_signed(object) {
                for key in ["url", "thumbnails", "expiry_time"] {
                    object.remove(key);
                }
                found = true;
            }
            for nested in object.values_mut() {
                found |= strip_signed_links(nested);
            }
            found
        }
        Value::Array(list) => list
            .iter_mut()
            .fold(false, |found, v| strip_signed_links(v) | found),
        _ => false,
    }
}

/// Part of a stored item learned anew without reading the item again (a HubSpot record's
/// associations, read for every record on the slow cadence). The carry-over applies it to the
/// stored item, which is written again only when that changes it (`ItemPatch::apply`).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemPatch {
    /// The item's store key.
    pub key: String,
    /// `details` fields set to a value, or removed (`None`).
    pub details: Vec<(String, Option<serde_json::Value>)>,
    /// The item's parent's id.
    pub parent_id: Option<String>,
}

impl ItemPatch {
    /// Applies the patch to `item` (its delta forgotten: the store says it anew); answers
    /// whether anything in it changed. Who made a change a patch brings is not known: a
    /// changed item no longer names its last editor ([`EDITED_BY`]), so its revision names
    /// no one rather than whoever edited it last.
    pub fn apply(&self, item: &mut IntegrationItem) -> bool {
        let mut changed = item.parent_id != self.parent_id;
        item.parent_id.clone_from(&self.parent_id);
        for (name, value) in &self.details {
            let before = match value {
                Some(value) => item.details.insert(name.clone(), value.clone()),
                None => item.details.remove(name),
            };
            changed |= !same_up_to_order(before.as_ref(), value.as_ref());
        }
        if changed {
            item.details.remove(EDITED_BY);
        }
        item.delta = None;
        changed
    }
}

/// Whether two values hold the same, lists taken in any order (a provider may list an item's
/// associations or labels in another order from one read to the next).
fn same_up_to_order(a: Option<&serde_json::Value>, b: Option<&serde_json::Value>) -> bool {
    fn canonical(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Array(list) => {
                let mut list: Vec<serde_json::Value> = list.iter().map(canonical).collect();
                list.sort_by_cached_key(serde_json::Value::to_string);
                serde_json::Value::Array(list)
            }
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect(),
            ),
            other => other.clone(),
        }
    }
    match (a, b) {
        (Some(a), Some(b)) => a == b || canonical(a) == canonical(b),
        (a, b) => a.is_none() && b.is_none(),
    }
}

/// One item's content as fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemContent {
    /// The item's id.
    pub item_id: String,
    /// The item's edit time the content was read at (`None`: the provider gave none).
    pub edited: Option<DateTime<Utc>>,
    /// The content as Markdown.
    pub markdown: String,
    /// The provider's raw blocks (each with the `children` read under it), so the Markdown can
    /// be made again, better, without fetching.
    pub blocks: serde_json::Value,
}

/// When each item's stored content was read, by item id (the item's edit time then).
pub type ContentEdits = std::collections::HashMap<String, Option<DateTime<Utc>>>;

/// What a previous load found of one item: enough to tell whether it changed and where it hung.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousItem {
    /// Its kind (a page, a database, …).
    pub item_type: ItemKind,
    /// Its parent's id.
    pub parent_id: Option<String>,
    /// When the provider last saw it edited.
    pub modified: Option<DateTime<Utc>>,
}

/// The account's previous load, by item id: a provider that walks a tree (Notion's pages) walks
/// only what was edited since and takes the rest from here.
#[derive(Debug, Clone, Default)]
pub struct PreviousLoad {
    items: std::collections::HashMap<String, PreviousItem>,
    children: std::collections::HashMap<String, Vec<String>>,
    /// When that load began, whether it found everything, and when the account's last full
    /// load (not a sync) began: what a sync counts its changes from.
    pub when: Option<LoadedWhen>,
    /// What the provider remembered for this load (`PageSink::remember`), by key.
    pub state: std::collections::HashMap<String, String>,
}

/// How often a sync is a full load instead: what a provider's changes do not show (deletions
/// past their listing's memory, association changes) is put right that often.
pub const FULL_LOAD_EVERY: chrono::Duration = chrono::Duration::days(7);

/// When a stored load began and what it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadedWhen {
    /// When it began (Inlet's clock).
    pub started_at: DateTime<Utc>,
    /// Whether every stream of it finished.
    pub complete: bool,
    /// When the account's last complete full load began, if known.
    pub full_at: Option<DateTime<Utc>>,
}

impl LoadedWhen {
    /// Whether a sync may count from this load at `now`: it is complete and the last full load
    /// is less than [`FULL_LOAD_EVERY`] old.
    pub fn syncable(&self, now: DateTime<Utc>) -> bool {
        self.complete
            && self
                .full_at
                .is_some_and(|full| now - full < FULL_LOAD_EVERY)
    }
}

impl PreviousLoad {
    /// The previous load of `items` (id and facts).
    pub fn new(items: impl IntoIterator<Item = (String, PreviousItem)>) -> Self {
        let items: std::collections::HashMap<String, PreviousItem> = items.into_iter().collect();
        let mut children: std::collections::HashMap<String, Vec<String>> = Default::default();
        for (id, item) in &items {
            if let Some(parent) = &item.parent_id {
                children.entry(parent.clone()).or_default().push(id.clone());
            }
        }
        for list in children.values_mut() {
            list.sort_unstable();
        }
        Self {
            items,
            children,
            when: None,
            state: Default::default(),
        }
    }

    /// What the previous load found of `id`.
    pub fn get(&self, id: &str) -> Option<&PreviousItem> {
        self.items.get(id)
    }

    /// The ids of the items that hung under `parent` then.
    pub fn children_of(&self, parent: &str) -> &[String] {
        self.children.get(parent).map_or(&[], Vec::as_slice)
    }

    /// Whether there was no previous load.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items of `kind` then, by id.
    pub fn of_kind(&self, kind: ItemKind) -> impl Iterator<Item = (&str, &PreviousItem)> {
        (self.items.iter())
            .filter(move |(_, item)| item.item_type == kind)
            .map(|(id, item)| (id.as_str(), item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_field_names_are_the_seed_backends() {
        let mut item = IntegrationItem::new(Integration::Hubspot, "1", ItemKind::Contact, "Ada");
        item.creation_time = Some("2024-09-12T11:36:05.267Z".parse().unwrap());
        let json = serde_json::to_value(&item).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let expected = "id type directory parent_path_or_name parent_id name creation_time last_modified_time url children mime_type delta drive_id visibility integration";
        for expected in expected.split(' ') {
            assert!(keys.contains(&expected), "missing {expected} in {keys:?}");
        }
        assert_eq!(json["type"], "contact");
        assert_eq!(json["integration"], "hubspot");
        assert_eq!(json["creation_time"], "2024-09-12T11:36:05.267Z");
    }

    #[test]
    fn signed_links_are_left_out_and_what_the_file_is_kept() {
        let mut item =
            IntegrationItem::new(Integration::Airtable, "rec1", ItemKind::Record, "Plan");
        assert!(
            item.without_signed_links().is_none(),
            "nothing to leave out"
        );
        item.details.insert(
            "Files".into(),
            serde_json::json!([{"id": "att1", "filename": "plan.pdf", "size": 3, "url": "https://v5.airtableusercontent.com/a",
                "thumbnails": {"small": {"url": "https://v5.airtableusercontent.com/b"}}}]),
        );
        item.details.insert(
            "cover".into(),
            serde_json::json!({"type": "file", "file": {"url": "https://prod-files/x", "expiry_time": "2026-12-05T18:00:00Z"}}),
        );
        item.details.insert(
            "Site".into(),
            serde_json::json!({"url": "https://example.com"}),
        );
        let stable = item.without_signed_links().unwrap();
        assert_eq!(
            serde_json::Value::Object(stable.details),
            serde_json::json!({
                "Files": [{"id": "att1", "filename": "plan.pdf", "size": 3}],
                "cover": {"type": "file", "file": {}},
                "Site": {"url": "https://example.com"},
            })
        );
    }

    #[test]
    fn a_patch_of_the_same_lists_in_another_order_changes_nothing() {
        let mut item = IntegrationItem::new(Integration::Hubspot, "1", ItemKind::Deal, "Deal");
        item.parent_id = Some("7".into());
        item.details.insert(
            "associations".into(),
            serde_json::json!([{"id": "9", "labels": ["B", "A"]}, {"id": "7", "labels": []}]),
        );
        item.set_edited_by("Ada");
        let patch = |associations: serde_json::Value| ItemPatch {
            key: item.key(),
            details: vec![("associations".into(), Some(associations))],
            parent_id: Some("7".into()),
        };
        let reordered = patch(
            serde_json::json!([{"id": "7", "labels": []}, {"id": "9", "labels": ["A", "B"]}]),
        );
        let mut same = item.clone();
        assert!(!reordered.apply(&mut same), "only the order moved");
        assert!(same.details.contains_key(EDITED_BY));
        let moved = patch(serde_json::json!([{"id": "7", "labels": []}]));
        let mut changed = item.clone();
        assert!(moved.apply(&mut changed));
        assert!(!changed.details.contains_key(EDITED_BY));
    }
}
