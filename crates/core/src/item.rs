//! The item model every provider's loader produces, with the seed backend's JSON field names.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::integration::Integration;

/// One thing found in a connected account: a base, a table, a page, a contact, …
///
/// Field names match the seed backend's `IntegrationItem` exactly; `integration` says where it
/// came from and `details` carries provider-specific fields (for example a table's field list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct IntegrationItem {
    /// The provider's id of the item.
    pub id: String,
    /// The kind of item (`contact`, `company`, `deal`, `base`, `table`, `page`, `database`).
    #[serde(rename = "type")]
    pub item_type: String,
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
    /// A provider change token, when there is one (its meaning comes with the item store).
    pub delta: Option<String>,
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
}

impl IntegrationItem {
    /// A key unique across integrations: `<integration>/<type>/<id>`.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.integration, self.item_type, self.id)
    }

    /// A new item with the required fields and everything else empty.
    pub fn new(
        integration: Integration,
        id: impl Into<String>,
        item_type: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            item_type: item_type.into(),
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_field_names_are_the_seed_backends() {
        let mut item = IntegrationItem::new(Integration::Hubspot, "1", "contact", "Ada");
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
}
