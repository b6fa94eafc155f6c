//! Airtable's bases, tables (with fields and views) and records.

use rand::rngs::StdRng;

use super::{airtable_id, timestamp, DatasetSize, ODD_NAMES};

/// A record: id, creation time and its non-empty fields.
#[derive(Debug, Clone)]
pub struct AirtableRecord {
    /// `rec…`
    pub id: String,
    /// RFC 3339.
    pub created_time: String,
    /// Field name → value.
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// A table with its schema and records.
#[derive(Debug, Clone)]
pub struct AirtableTable {
    /// `tbl…`
    pub id: String,
    /// Name.
    pub name: String,
    /// Description, when set.
    pub description: Option<String>,
    /// `(id, name, type)` of each field; the first is the primary field.
    pub fields: Vec<(String, String, &'static str)>,
    /// `(id, name)` of each view.
    pub views: Vec<(String, String)>,
    /// The records.
    pub records: Vec<AirtableRecord>,
}

/// A base.
#[derive(Debug, Clone)]
pub struct AirtableBase {
    /// `app…`
    pub id: String,
    /// Name.
    pub name: String,
    /// `none|read|comment|edit|create`.
    pub permission_level: &'static str,
    /// Its tables.
    pub tables: Vec<AirtableTable>,
}

/// The account the sandbox plays.
#[derive(Debug, Clone)]
pub struct AirtableData {
    /// `usr…`
    pub user_id: String,
    /// The user's e-mail.
    pub email: String,
    /// Every base.
    pub bases: Vec<AirtableBase>,
    /// How many edits were made (new records' ids and notes tell them apart).
    pub edits: usize,
}

const BASE_NAMES: [&str; 6] = [
    "Apartment Hunting",
    "Project Tracker",
    "Content Calendar",
    "Inventory",
    "Hiring",
    "Events",
];
const TABLE_NAMES: [&str; 5] = ["Tasks", "People", "Places", "Notes", "Orders"];

impl AirtableData {
    pub(crate) fn generate(rng: &mut StdRng, size: DatasetSize) -> Self {
        let mut bases = Vec::with_capacity(size.airtable_bases);
        for b in 0..size.airtable_bases {
            let name = if b == 3 {
                ODD_NAMES[0].to_owned()
            } else {
                format!("{} {}", BASE_NAMES[b % BASE_NAMES.len()], b)
            };
            let table_count = match size.airtable_tables {
                0 => 1 + b % 4,
                fixed => fixed,
            };
            let mut tables = Vec::with_capacity(table_count);
            for t in 0..table_count {
                let mut fields = vec![
                    (airtable_id(rng, "fld"), "Name".to_owned(), "singleLineText"),
                    (airtable_id(rng, "fld"), "Notes".to_owned(), "multilineText"),
                    (airtable_id(rng, "fld"), "Done".to_owned(), "checkbox"),
                ];
                let table_id = airtable_id(rng, "tbl");
                fields.extend(typed_fields(&table_id));
                let records_here = if b == 0 && t == 0 && size.airtable_big_table > 0 {
                    size.airtable_big_table
                } else {
                    size.airtable_records
                };
                let mut records = Vec::with_capacity(records_here);
                for r in 0..records_here {
                    let (created_time, _) = timestamp(rng, (b * 40 + r) as i64);
                    let mut values = serde_json::Map::new();
                    let title = if r % 11 == 4 {
                        ODD_NAMES[r % ODD_NAMES.len()].to_owned()
                    } else {
                        format!("Row {r}")
                    };
                    values.insert("Name".into(), title.into());
                    if r % 3 == 0 {
                        values.insert("Notes".into(), format!("Note for row {r}").into());
                    }
                    if r % 2 == 0 {
                        values.insert("Done".into(), true.into());
                    }
                    let id = airtable_id(rng, "rec");
                    typed_values(&mut values, r, &id, &created_time);
                    records.push(AirtableRecord {
                        id,
                        created_time,
                        fields: values,
                    });
                }
                tables.push(AirtableTable {
                    id: table_id,
                    name: format!("{} {}", TABLE_NAMES[(b + t) % TABLE_NAMES.len()], t),
                    description: (t == 0).then(|| "The main table.".to_owned()),
                    fields,
                    views: vec![(airtable_id(rng, "viw"), "Grid view".to_owned())],
                    records,
                });
            }
            bases.push(AirtableBase {
                id: airtable_id(rng, "app"),
                name,
                permission_level: ["create", "edit", "read", "comment"][b % 4],
                tables,
            });
        }
        Self {
            user_id: airtable_id(rng, "usr"),
            email: "sandbox.user@example.com".into(),
            bases,
            edits: 0,
        }
    }
}

/// How people change a base between two loads ([`super::DataEdit`]'s Airtable part): all in
/// the first table of the first base.
#[derive(Debug, Clone, Copy, Default)]
pub struct AirtableEdit {
    /// Records (the first ones) given a new note.
    pub changed: usize,
    /// New records.
    pub added: usize,
    /// Records deleted (the last ones).
    pub removed: usize,
    /// The `Notes` field renamed (every record's cell moves with it).
    pub rename_field: bool,
}

impl AirtableData {
    /// Applies `edit` at `at` (RFC 3339).
    pub(crate) fn edit(&mut self, edit: AirtableEdit, at: &str) {
        self.edits += 1;
        let round = self.edits;
        let Some(table) = (self.bases.first_mut()).and_then(|b| b.tables.first_mut()) else {
            return;
        };
        let notes = (table.fields.get(1).map(|f| f.1.clone())).unwrap_or_else(|| "Notes".into());
        for record in table.records.iter_mut().take(edit.changed) {
            let text = format!("Edited note {round} of {}", record.id);
            record.fields.insert(notes.clone(), text.into());
        }
        let keep = table.records.len().saturating_sub(edit.removed);
        table.records.truncate(keep);
        for n in 0..edit.added {
            // 14 characters after the prefix, as Airtable's ids have.
            let id = format!("recAdded{:03}{:03}", round % 1000, n % 1000);
            let mut fields = serde_json::Map::new();
            fields.insert("Name".into(), format!("Added row {round}.{n}").into());
            table.records.push(AirtableRecord {
                id,
                created_time: at.to_owned(),
                fields,
            });
        }
        if edit.rename_field {
            if let Some(field) = table.fields.get_mut(1) {
                let renamed = format!("{} (renamed)", field.1);
                for record in &mut table.records {
                    if let Some(value) = record.fields.remove(&field.1) {
                        record.fields.insert(renamed.clone(), value);
                    }
                }
                field.1 = renamed;
            }
        }
    }
}

/// The typed fields every table has beside its text ones, with ids made from the table's (so
/// adding them leaves every other generated id as it was). Their values follow Airtable's field
/// model: numbers and currency as JSON numbers, a date as `YYYY-MM-DD`, a date-time as ISO 8601
/// in UTC, a select as its name, linked records as an array of record ids, attachments as an
/// array of objects with a `url`.
fn typed_fields(table_id: &str) -> Vec<(String, String, &'static str)> {
    let stem = &table_id[3..];
    [
        ("Estimate", "number"),
        ("Budget", "currency"),
        ("Due", "date"),
        ("Reviewed", "dateTime"),
        ("Status", "singleSelect"),
        ("Related", "multipleRecordLinks"),
        ("Files", "multipleAttachments"),
        // A formula's result type is in its options (Field model): `{Estimate} * 2`, a number.
        ("Double", "formula"),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (name, kind))| (format!("fld{stem}{n}"), name.to_owned(), kind))
    .collect()
}

/// Values of [`typed_fields`] for record `r` (empty cells are absent, as Airtable leaves them).
fn typed_values(
    values: &mut serde_json::Map<String, serde_json::Value>,
    r: usize,
    id: &str,
    created: &str,
) {
    use serde_json::json;
    values.insert("Estimate".into(), json!(r % 13));
    values.insert("Double".into(), json!((r % 13) * 2));
    if r % 4 != 3 {
        values.insert("Budget".into(), json!((r % 50) as f64 * 12.5));
    }
    values.insert("Due".into(), json!(&created[..10]));
    if r.is_multiple_of(5) {
        values.insert("Reviewed".into(), json!(created));
    }
    values.insert(
        "Status".into(),
        json!(["Todo", "In progress", "Done"][r % 3]),
    );
    if r % 6 == 1 {
        values.insert("Related".into(), json!([id]));
    }
    if r % 7 == 2 {
        values.insert(
            "Files".into(),
            json!([{
                "id": format!("att{}", &id[3..]),
                // Signed when served (`airtable::signed_attachments`), as Airtable's are.
                "url": "",
                "filename": "plan.pdf",
                "size": 1024 + r,
                "type": "application/pdf"
            }]),
        );
    }
}
