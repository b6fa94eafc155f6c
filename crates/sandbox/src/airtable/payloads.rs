//! The payloads of Airtable's webhooks (Webhooks payload,
//! <https://airtable.com/developers/web/api/model/webhooks-payload>), made from the data itself:
//! every edit is compared base by base, old against new, and each enabled webhook of a base
//! that changed gets one payload holding what its `dataTypes` ask for — `tableData`: created,
//! changed (the changed cells only, "by fieldId") and destroyed records; `tableFields`: fields
//! renamed; `tableMetadata`: a table's new name — and created and destroyed tables.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::webhooks::{now_ms, time_text, Webhooks};
use crate::dataset::{AirtableBase, AirtableData};

impl Webhooks {
    /// Gives every enabled webhook of a base that changed from `old` to `new` its payload.
    pub(crate) fn record(&self, old: &AirtableData, new: &AirtableData, user: Value) {
        let now = now_ms();
        let mut hooks = self.all();
        for hook in hooks.iter_mut() {
            if !hook.enabled(now) {
                continue;
            }
            let before = old.bases.iter().find(|b| b.id == hook.base);
            let Some(after) = new.bases.iter().find(|b| b.id == hook.base) else {
                continue;
            };
            let Some(changes) = base_changes(before, after, &hook.data_types) else {
                continue;
            };
            let number = hook.next_cursor;
            let mut payload = json!({
                "timestamp": time_text(now),
                "baseTransactionNumber": number + 100,
                "actionMetadata": {"source": "client", "sourceMetadata": {"user": user.clone()}},
                "payloadFormat": "v0",
            });
            for (key, value) in changes {
                payload[key] = value;
            }
            hook.payloads.push((number, now, payload));
            hook.next_cursor += 1;
        }
    }
}

/// The payload fields for what changed in a base, as `data_types` ask; `None` when nothing did.
fn base_changes(
    before: Option<&AirtableBase>,
    after: &AirtableBase,
    data_types: &[String],
) -> Option<Map<String, Value>> {
    let wants = |t: &str| data_types.iter().any(|d| d == t);
    let mut changed_tables = Map::new();
    let mut created_tables = Map::new();
    for table in &after.tables {
        let Some(old) = before.and_then(|b| b.tables.iter().find(|t| t.id == table.id)) else {
            let fields: Map<String, Value> = (table.fields.iter())
                .map(|(id, name, kind)| (id.clone(), json!({"name": name, "type": kind})))
                .collect();
            let records: Map<String, Value> = (table.records.iter())
                .map(|r| (r.id.clone(), json!({"createdTime": r.created_time, "cellValuesByFieldId": by_field_id(&r.fields, &table.fields)})))
                .collect();
            created_tables.insert(
                table.id.clone(),
                json!({"metadata": {"name": table.name, "description": table.description},
                       "fieldsById": fields, "recordsById": records}),
            );
            continue;
        };
        let mut changes = Map::new();
        if wants("tableMetadata") && old.name != table.name {
            changes.insert(
                "changedMetadata".into(),
                json!({"current": {"name": table.name}}),
            );
        }
        if wants("tableFields") {
            let changed: Map<String, Value> = (table.fields.iter())
                .filter_map(|(id, name, _)| {
                    let was = old.fields.iter().find(|f| &f.0 == id)?;
                    (&was.1 != name).then(|| (id.clone(), json!({"current": {"name": name}})))
                })
                .collect();
            if !changed.is_empty() {
                changes.insert("changedFieldsById".into(), changed.into());
            }
        }
        if wants("tableData") {
            let olds: HashMap<&str, _> = old.records.iter().map(|r| (r.id.as_str(), r)).collect();
            let (mut created, mut changed) = (Map::new(), Map::new());
            for record in &table.records {
                let cells = by_field_id(&record.fields, &table.fields);
                match olds.get(record.id.as_str()) {
                    None => {
                        created.insert(record.id.clone(), json!({"createdTime": record.created_time, "cellValuesByFieldId": cells}));
                    }
                    Some(was) => {
                        let was = by_field_id(&was.fields, &old.fields);
                        let mut differ = Map::new();
                        for (field, value) in &cells {
                            if was.get(field) != Some(value) {
                                differ.insert(field.clone(), value.clone());
                            }
                        }
                        for field in was.keys().filter(|f| !cells.contains_key(*f)) {
                            differ.insert(field.clone(), Value::Null);
                        }
                        // A renamed field moves no cell: the same values under the same ids.
                        if !differ.is_empty() {
                            changed.insert(
                                record.id.clone(),
                                json!({"current": {"cellValuesByFieldId": differ}}),
                            );
                        }
                    }
                }
            }
            let ids: std::collections::HashSet<&str> =
                table.records.iter().map(|r| r.id.as_str()).collect();
            let destroyed: Vec<&str> = (old.records.iter())
                .map(|r| r.id.as_str())
                .filter(|id| !ids.contains(id))
                .collect();
            for (key, map) in [
                ("createdRecordsById", created),
                ("changedRecordsById", changed),
            ] {
                if !map.is_empty() {
                    changes.insert(key.into(), map.into());
                }
            }
            if !destroyed.is_empty() {
                changes.insert("destroyedRecordIds".into(), json!(destroyed));
            }
        }
        if !changes.is_empty() {
            changed_tables.insert(table.id.clone(), changes.into());
        }
    }
    let destroyed_tables: Vec<&str> = (before.into_iter().flat_map(|b| &b.tables))
        .map(|t| t.id.as_str())
        .filter(|id| !after.tables.iter().any(|t| t.id == *id))
        .collect();
    let mut payload = Map::new();
    if !changed_tables.is_empty() {
        payload.insert("changedTablesById".into(), changed_tables.into());
    }
    if !created_tables.is_empty() {
        payload.insert("createdTablesById".into(), created_tables.into());
    }
    if !destroyed_tables.is_empty() {
        payload.insert("destroyedTableIds".into(), json!(destroyed_tables));
    }
    (!payload.is_empty()).then_some(payload)
}

/// A record's cells keyed by field id, as payloads give them (the data keeps them by name).
fn by_field_id(
    cells: &Map<String, Value>,
    fields: &[(String, String, &'static str)],
) -> Map<String, Value> {
    (fields.iter())
        .filter_map(|(id, name, _)| Some((id.clone(), cells.get(name)?.clone())))
        .collect()
}
