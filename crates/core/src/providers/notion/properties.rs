//! A database row's properties as typed values, and a data source's schema as its fields —
//! the way an Airtable record's fields and a table's schema are kept, so rows read (and export)
//! as columns. From Notion's page property values
//! (<https://developers.notion.com/reference/page-property-values>) and data source properties
//! (<https://developers.notion.com/reference/property-object>).

use serde_json::{json, Map, Value};

use crate::files::FileWanted;
use crate::item::IntegrationItem;

/// A row's properties by name as plain values: text as text, numbers as numbers, a checkbox
/// as a boolean, selects and people by name, several of them as a list, a date as its start
/// (and end), a formula or rollup as its result. `None` for a page whose only property is its
/// title (a page that is no row).
pub fn row_values(properties: &Map<String, Value>) -> Option<Map<String, Value>> {
    let only_title = properties
        .values()
        .all(|p| p["type"].as_str() == Some("title"));
    if only_title {
        return None;
    }
    Some(
        properties
            .iter()
            .map(|(name, property)| (name.clone(), value_of(property)))
            .collect(),
    )
}

/// One property value, by its `type`.
fn value_of(property: &Value) -> Value {
    let kind = property["type"].as_str().unwrap_or_default();
    let body = &property[kind];
    let names = |list: &Value| -> Value {
        Value::Array(
            list.as_array()
                .map(|items| items.iter().map(named).collect())
                .unwrap_or_default(),
        )
    };
    match kind {
        "title" | "rich_text" => body
            .as_array()
            .map(|runs| super::plain_text(runs))
            .unwrap_or_default()
            .into(),
        "number" | "checkbox" | "url" | "email" | "phone_number" | "created_time"
        | "last_edited_time" => body.clone(),
        "select" | "status" => body["name"].clone(),
        "multi_select" | "people" => names(body),
        // Files as Notion gives them (name, and a Notion-hosted file's signed link, which the
        // load keeps as a local copy): they read as their names.
        "files" => body.clone(),
        "relation" => Value::Array(
            body.as_array()
                .map(|items| items.iter().map(|r| r["id"].clone()).collect())
                .unwrap_or_default(),
        ),
        "created_by" | "last_edited_by" => named(body),
        "date" => date(body),
        "formula" => {
            let inner = body["type"].as_str().unwrap_or_default();
            if inner == "date" {
                date(&body["date"])
            } else {
                body[inner].clone()
            }
        }
        "rollup" => match body["type"].as_str().unwrap_or_default() {
            "array" => Value::Array(
                body["array"]
                    .as_array()
                    .map(|items| items.iter().map(value_of).collect())
                    .unwrap_or_default(),
            ),
            "date" => date(&body["date"]),
            other => body[other].clone(),
        },
        "unique_id" => match (body["prefix"].as_str(), &body["number"]) {
            (Some(prefix), number) if !number.is_null() => format!("{prefix}-{number}").into(),
            (_, number) => number.clone(),
        },
        "verification" => body["state"].clone(),
        // A button holds nothing; a kind this version does not know is kept as Notion gave it.
        "button" => Value::Null,
        _ => body.clone(),
    }
}

/// A user, option or file by its name (a user without one by their e-mail or id).
fn named(value: &Value) -> Value {
    ["name", "email", "id"]
        .iter()
        .find_map(|key| value.get(*key).filter(|v| v.is_string()))
        .or_else(|| value.get("person").and_then(|p| p.get("email")))
        .cloned()
        .unwrap_or(Value::Null)
}

/// A date as its start, or "start → end" for a range.
fn date(value: &Value) -> Value {
    match (value["start"].as_str(), value["end"].as_str()) {
        (Some(start), Some(end)) => format!("{start} → {end}").into(),
        (Some(start), None) => start.into(),
        _ => Value::Null,
    }
}

/// A data source's schema (`properties`: name → {id, name, type, …}) as fields in the shape
/// an Airtable table keeps them (`[{id, name, type}]`, a select's options too), the title
/// first.
pub fn schema_fields(properties: &Map<String, Value>) -> Vec<Value> {
    let mut fields: Vec<Value> = properties
        .iter()
        .map(|(name, property)| {
            let kind = property["type"].as_str().unwrap_or_default();
            let mut field = json!({"id": property["id"], "name": name, "type": kind});
            if let Some(options) = property[kind]["options"].as_array() {
                let names: Vec<Value> = options.iter().map(|o| o["name"].clone()).collect();
                field["options"] = names.into();
            }
            field
        })
        .collect();
    fields.sort_by_key(|f| f["type"] != "title");
    fields
}

/// The Notion-hosted files of the page `item`: its cover, its icon and the files of its
/// `files` properties — kept locally as its content's are, since their links last an hour.
/// A file's source names its place and the page's edit time (`{page}/cover@{edited}`,
/// `{page}/{property}/{n}@{edited}`): a page edited since is looked at again.
pub fn page_files(item: &IntegrationItem) -> Vec<FileWanted> {
    let edited = item
        .last_modified_time
        .map(|t| t.to_rfc3339())
        .unwrap_or_default();
    let mut found = Vec::new();
    let mut want = |place: String, file: &Value, fallback: &str| {
        let Some(url) = file["file"]["url"]
            .as_str()
            .filter(|_| file["type"] == "file")
        else {
            return;
        };
        let name = file["name"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| super::markdown::file_name(url))
            .unwrap_or_else(|| fallback.to_owned());
        found.push(FileWanted {
            item_id: item.id.clone(),
            source: format!("{}/{place}@{edited}", item.id),
            locator: item.id.clone(),
            url: url.to_owned(),
            name,
            size: None,
            mime: None,
        });
    };
    for place in ["cover", "icon"] {
        if let Some(file) = item.details.get(place) {
            want(place.to_owned(), file, place);
        }
    }
    let properties = item.details.get(crate::properties::PROPERTIES);
    for (name, value) in properties.and_then(Value::as_object).into_iter().flatten() {
        for (n, file) in value.as_array().into_iter().flatten().enumerate() {
            want(format!("{name}/{n}"), file, "file");
        }
    }
    found
}

/// Where a page-level file sits (`{page}/cover`), from its source; `None` for a content
/// block's file (`{block}@{edited}`).
pub fn page_file_place(source: &str) -> Option<&str> {
    let place = source.rsplit_once('@').map_or(source, |(place, _)| place);
    place.contains('/').then_some(place)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn properties(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn every_kind_of_value_reads_plainly() {
        let row = properties(json!({
            "Name": {"type": "title", "title": [{"plain_text": "Launch"}]},
            "Notes": {"type": "rich_text", "rich_text": [{"plain_text": "a "}, {"plain_text": "b"}]},
            "Count": {"type": "number", "number": 3},
            "Done": {"type": "checkbox", "checkbox": true},
            "Stage": {"type": "status", "status": {"name": "In progress"}},
            "Kind": {"type": "select", "select": null},
            "Tags": {"type": "multi_select", "multi_select": [{"name": "red"}, {"name": "blue"}]},
            "Due": {"type": "date", "date": {"start": "2026-01-02", "end": "2026-01-05"}},
            "Who": {"type": "people", "people": [{"object": "user", "id": "u1", "name": "Ada"}, {"object": "user", "id": "u2"}]},
            "Files": {"type": "files", "files": [{"name": "plan.pdf", "type": "file", "file": {"url": "https://x"}}]},
            "Link": {"type": "relation", "relation": [{"id": "p1"}]},
            "Score": {"type": "formula", "formula": {"type": "number", "number": 7}},
            "Total": {"type": "rollup", "rollup": {"type": "array", "array": [{"type": "number", "number": 1}]}},
            "Ticket": {"type": "unique_id", "unique_id": {"prefix": "T", "number": 12}},
            "By": {"type": "created_by", "created_by": {"object": "user", "id": "u3"}},
            "Go": {"type": "button", "button": {}}
        }));
        let values = row_values(&row).unwrap();
        let expect = json!({"Name": "Launch", "Notes": "a b", "Count": 3, "Done": true,
            "Stage": "In progress", "Kind": null, "Tags": ["red", "blue"],
            "Due": "2026-01-02 → 2026-01-05", "Who": ["Ada", "u2"],
            "Files": [{"name": "plan.pdf", "type": "file", "file": {"url": "https://x"}}],
            "Link": ["p1"], "Score": 7, "Total": [1], "Ticket": "T-12", "By": "u3", "Go": null});
        assert_eq!(Value::Object(values), expect);
        let page = properties(json!({"title": {"type": "title", "title": []}}));
        assert_eq!(row_values(&page), None, "a plain page is no row");
    }

    #[test]
    fn a_schema_becomes_fields_title_first() {
        let schema = properties(json!({
            "Tags": {"id": "t1", "name": "Tags", "type": "multi_select", "multi_select": {"options": [{"name": "red"}]}},
            "Name": {"id": "title", "name": "Name", "type": "title", "title": {}}
        }));
        let fields = schema_fields(&schema);
        assert_eq!(fields[0]["name"], "Name");
        assert_eq!(
            fields[1],
            json!({"id": "t1", "name": "Tags", "type": "multi_select", "options": ["red"]})
        );
    }

    #[test]
    fn a_pages_hosted_cover_and_files_are_wanted_external_ones_not() {
        let mut item = IntegrationItem::new(
            crate::integration::Integration::Notion,
            "p1",
            crate::item_kind::ItemKind::Page,
            "Row",
        );
        item.details.insert(
            "cover".into(),
            json!({"type": "file", "file": {"url": "https://files/c.png?sig", "expiry_time": "x"}}),
        );
        item.details
            .insert("icon".into(), json!({"type": "emoji", "emoji": "🚀"}));
        item.details.insert("properties".into(), json!({
            "Attachment": [{"name": "plan.pdf", "type": "file", "file": {"url": "https://files/p", "expiry_time": "x"}},
                           {"name": "site", "type": "external", "external": {"url": "https://example.com"}}],
            "Tags": ["red"]}));
        let files = page_files(&item);
        let sources: Vec<&str> = files.iter().map(|f| f.source.as_str()).collect();
        assert_eq!(sources, ["p1/cover@", "p1/Attachment/0@"]);
        assert_eq!(
            (files[0].name.as_str(), files[1].name.as_str()),
            ("c.png", "plan.pdf")
        );
        assert_eq!(
            page_file_place("p1/Attachment/0@2026"),
            Some("p1/Attachment/0")
        );
        assert_eq!(page_file_place("block-1@2026"), None);
    }
}
