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
            let table_count = 1 + b % 4;
            let mut tables = Vec::with_capacity(table_count);
            for t in 0..table_count {
                let fields = vec![
                    (airtable_id(rng, "fld"), "Name".to_owned(), "singleLineText"),
                    (airtable_id(rng, "fld"), "Notes".to_owned(), "multilineText"),
                    (airtable_id(rng, "fld"), "Done".to_owned(), "checkbox"),
                ];
                let mut records = Vec::with_capacity(size.airtable_records);
                for r in 0..size.airtable_records {
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
                    records.push(AirtableRecord {
                        id: airtable_id(rng, "rec"),
                        created_time,
                        fields: values,
                    });
                }
                tables.push(AirtableTable {
                    id: airtable_id(rng, "tbl"),
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
        }
    }
}
