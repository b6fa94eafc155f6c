//! An item's properties as a person reads them — what exports turn into columns, search
//! indexes and the details panel lists — whatever provider wrote them.
//!
//! Providers write them in one of two places of `details`: an Airtable record's details *are*
//! its fields by name, as Airtable returns them; HubSpot objects, owners and pipelines and
//! Notion pages keep theirs, by label and ready to read, in `details.properties` (beside the
//! raw values they came from).

use serde_json::{Map, Value};

use crate::item::IntegrationItem;
use crate::item_kind::ItemKind;

/// The key of `details` under which providers put an item's properties by label.
pub const PROPERTIES: &str = "properties";

/// The item's properties by label, or `None` for an item that has none (a base, a table, a
/// database: their details describe them, they are not values).
pub fn properties_of(item: &IntegrationItem) -> Option<&Map<String, Value>> {
    match item.details.get(PROPERTIES) {
        Some(Value::Object(properties)) => Some(properties),
        _ if item.item_type == ItemKind::Record => Some(&item.details),
        _ => None,
    }
}

/// A value as one line of text: a list as its values' texts joined by ", " (linked records:
/// their ids; attachments: their file names; selects: their names); a person as their name or
/// e-mail; another object as its `filename`, `url`, `text`, `name`, `email`, `value` or
/// `label`, else JSON.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(values) => values
            .iter()
            .map(text_of)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        // An attachment is its file name: its signed link dies within hours of the load.
        Value::Object(object) => ["filename", "url", "text", "name", "email", "value", "label"]
            .iter()
            .find_map(|key| object.get(*key).and_then(Value::as_str))
            .map_or_else(|| value.to_string(), str::to_owned),
    }
}

/// The words search finds an item by beyond its name and parent: its properties' values as
/// text (every value, nested ones included) and its other details' plain strings.
pub fn search_text(item: &IntegrationItem) -> String {
    let mut text = String::new();
    let mut push = |s: &str| {
        if !s.is_empty() {
            text.push_str(s);
            text.push(' ');
        }
    };
    let properties = properties_of(item);
    if let Some(properties) = properties {
        for value in properties.values() {
            push(&text_of(value));
        }
    }
    // A record's details are its properties, read above; `details.properties` is no string.
    if item.item_type != ItemKind::Record {
        for value in item.details.values() {
            if let Some(s) = value.as_str() {
                push(s);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integration::Integration;
    use serde_json::json;

    fn item(kind: ItemKind, details: Value) -> IntegrationItem {
        let mut item = IntegrationItem::new(Integration::Hubspot, "1", kind, "x");
        item.details = details.as_object().cloned().unwrap_or_default();
        item
    }

    #[test]
    fn properties_live_by_label_or_are_a_records_fields() {
        let deal = item(
            ItemKind::Deal,
            json!({"properties": {"Deal Stage": "Closed won"}, "values": {"dealstage": "closedwon"}}),
        );
        assert_eq!(properties_of(&deal).unwrap()["Deal Stage"], "Closed won");
        let record = item(ItemKind::Record, json!({"Status": ["Done"], "Count": 3}));
        assert_eq!(properties_of(&record).unwrap().len(), 2);
        let table = item(ItemKind::Table, json!({"fields": [{"name": "Status"}]}));
        assert!(properties_of(&table).is_none());
    }

    #[test]
    fn search_reads_every_property_value_and_plain_details() {
        let deal = item(
            ItemKind::Deal,
            json!({"properties": {"Deal Stage": "Closed won", "Tags": ["red", {"name": "blue"}]}, "parent_type": "page"}),
        );
        let text = search_text(&deal);
        for word in ["Closed won", "red", "blue", "page"] {
            assert!(text.contains(word), "{word} in {text}");
        }
        let record = item(ItemKind::Record, json!({"Count": 3, "Note": "hello"}));
        let text = search_text(&record);
        assert!(text.contains('3') && text.contains("hello"));
        assert_eq!(
            text.matches("hello").count(),
            1,
            "a record's field once: {text}"
        );
    }

    #[test]
    fn values_read_as_one_line() {
        assert_eq!(text_of(&json!(["recA", "recB"])), "recA, recB");
        assert_eq!(
            text_of(&json!({"filename": "a.pdf", "url": "https://x"})),
            "a.pdf"
        );
        assert_eq!(
            text_of(&json!({"id": "usr1", "email": "a@b.c", "name": "Ada"})),
            "Ada"
        );
        assert_eq!(
            text_of(&json!({"specialValue": "NaN"})),
            r#"{"specialValue":"NaN"}"#
        );
        assert_eq!(text_of(&json!(null)), "");
    }
}
