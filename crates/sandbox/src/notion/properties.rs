//! A database's rows with typed properties and its data sources' schema, and pages' covers,
//! as Notion's API gives them: page property values
//! (https://developers.notion.com/reference/page-property-values — `title`, `select`, `number`,
//! `date`, `multi_select`, `checkbox`, `people`, `files`, `url`, each `{id, type, <type>}`),
//! data source properties (https://developers.notion.com/reference/property-object — name →
//! `{id, name, type, <type>: {options…}}`) and file objects
//! (https://developers.notion.com/reference/file-object — a Notion-hosted file's `file.url`
//! expires within the hour; an external one's `external.url` does not).

use serde_json::{json, Map, Value};

use super::content::signed;
use crate::dataset::NotionObject;

const TAGS: [&str; 3] = ["red", "green", "blue"];
const STATUS: [&str; 3] = ["Not started", "In progress", "Done"];

/// The schema of every data source here.
pub(super) fn schema() -> Value {
    let options = |names: &[&str]| -> Value {
        names
            .iter()
            .enumerate()
            .map(|(n, name)| json!({"id": format!("opt{n}"), "name": name, "color": "default"}))
            .collect()
    };
    json!({
        "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
        "Status": {"id": "abc", "name": "Status", "type": "select", "select": {"options": options(&STATUS)}},
        "Priority": {"id": "prio", "name": "Priority", "type": "number", "number": {"format": "number"}},
        "Due": {"id": "due", "name": "Due", "type": "date", "date": {}},
        "Tags": {"id": "tags", "name": "Tags", "type": "multi_select", "multi_select": {"options": options(&TAGS)}},
        "Done": {"id": "done", "name": "Done", "type": "checkbox", "checkbox": {}},
        "Owner": {"id": "ownr", "name": "Owner", "type": "people", "people": {}},
        "Attachment": {"id": "att", "name": "Attachment", "type": "files", "files": {}},
        "Website": {"id": "web", "name": "Website", "type": "url", "url": {}}
    })
}

/// A number of its own for a row (from its id), which its values follow.
fn number_of(o: &NotionObject) -> usize {
    o.id.bytes().fold(0usize, |n, b| {
        n.wrapping_mul(31).wrapping_add(usize::from(b))
    })
}

/// A row's typed values beside its title: every third row without a status or tags, every
/// fifth with a Notion-hosted attachment (`plan-<n>.pdf`).
pub(super) fn row_values(o: &NotionObject) -> Map<String, Value> {
    let n = number_of(o);
    let mut values = Map::new();
    let empty = n.is_multiple_of(3);
    let status = (!empty)
        .then(|| json!({"id": format!("opt{}", n % 3), "name": STATUS[n % 3], "color": "default"}));
    values.insert(
        "Status".into(),
        json!({"id": "abc", "type": "select", "select": status}),
    );
    values.insert(
        "Priority".into(),
        json!({"id": "prio", "type": "number", "number": n % 5}),
    );
    let due = json!({"start": format!("2026-{:02}-{:02}", 1 + n % 12, 1 + n % 28), "end": null, "time_zone": null});
    values.insert(
        "Due".into(),
        json!({"id": "due", "type": "date", "date": due}),
    );
    let tags: Vec<Value> = if empty {
        Vec::new()
    } else {
        vec![json!({"id": "opt0", "name": TAGS[n % 3], "color": "default"})]
    };
    values.insert(
        "Tags".into(),
        json!({"id": "tags", "type": "multi_select", "multi_select": tags}),
    );
    values.insert(
        "Done".into(),
        json!({"id": "done", "type": "checkbox", "checkbox": n.is_multiple_of(2)}),
    );
    let person = json!({"object": "user", "id": "00000000-0000-0000-0000-00000000000a", "name": "Ada Lovelace"});
    values.insert(
        "Owner".into(),
        json!({"id": "ownr", "type": "people", "people": [person]}),
    );
    let files: Vec<Value> = if n.is_multiple_of(5) {
        vec![json!({"name": format!("plan-{}.pdf", n % 1000), "type": "file"})]
    } else {
        Vec::new()
    };
    values.insert(
        "Attachment".into(),
        json!({"id": "att", "type": "files", "files": files}),
    );
    values.insert(
        "Website".into(),
        json!({"id": "web", "type": "url", "url": "https://example.com/"}),
    );
    values
}

/// A page's cover: a Notion-hosted image on showcase pages, none elsewhere.
pub(super) fn cover(o: &NotionObject) -> Value {
    if o.showcase {
        json!({"type": "file", "name": "cover.png"})
    } else {
        Value::Null
    }
}

/// Signs the Notion-hosted files of the page `page` (as `object_json` gives it): its cover and
/// its `files` properties, each a link to the sandbox's file host — expired already when
/// `expired` (a listing's links under the `file_links_expired` knob; a page read by itself is
/// always fresh).
pub(super) fn sign_files(page: &mut Value, base_url: &str, expired: bool) {
    let Some(id) = page["id"].as_str().map(str::to_owned) else {
        return;
    };
    if page["cover"]["type"] == "file" {
        page["cover"] = signed(&format!("{id}-cover"), &page["cover"], base_url, expired);
    }
    if let Some(properties) = page["properties"].as_object_mut() {
        for (name, property) in properties.iter_mut() {
            if let Some(files) = property["files"].as_array_mut() {
                for (n, file) in files.iter_mut().enumerate() {
                    let seed = format!("{id}-{}-{n}", name.to_lowercase());
                    *file = signed(&seed, file, base_url, expired);
                }
            }
        }
    }
}
