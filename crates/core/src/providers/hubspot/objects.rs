//! HubSpot's object types and their records as items: every property kept (by internal name
//! in `details.values`, by label and readable in `details.properties`), the associations with
//! their labels, the primary company as the parent.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::api::{Schema, SimpleObject};
use super::associations::{Associated, Associations};
use super::labels::PropertyBook;
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemPatch};
use crate::item_kind::ItemKind;
use crate::properties::PROPERTIES;
use crate::providers::parse_time;

/// One CRM object type Inlet loads.
#[derive(Debug, Clone)]
pub struct ObjectType {
    /// The path segment (`contacts`, a custom object's `2-…`).
    pub path: String,
    /// The kind of its records.
    pub item_type: ItemKind,
    /// HubSpot's object type id (`0-1`), used in record URLs and as the type's item id.
    pub type_id: String,
    /// Its plural name ("Contacts", "Cars").
    pub label: String,
    /// The properties that name a record, in order of preference.
    pub name_properties: Vec<String>,
    /// The types whose associations its records keep (read with the v4 batch read): a
    /// contact's, deal's and ticket's company becomes its parent in the tree.
    pub associations: &'static [&'static str],
    /// The properties holding a record's pipeline and stage (deals, tickets).
    pub pipeline_property: Option<(&'static str, &'static str)>,
    /// The scope its records need (`None`: a required one).
    pub scope: Option<&'static str>,
}

fn standard(
    path: &str,
    item_type: ItemKind,
    type_id: &str,
    label: &str,
    name_properties: &[&str],
    associations: &'static [&'static str],
) -> ObjectType {
    ObjectType {
        path: path.to_owned(),
        item_type,
        type_id: type_id.to_owned(),
        label: label.to_owned(),
        name_properties: name_properties.iter().map(|s| (*s).to_owned()).collect(),
        associations,
        pipeline_property: None,
        scope: None,
    }
}

/// The standard object types: contacts, companies, deals, and tickets (with the `tickets`
/// scope).
pub fn standard_types() -> Vec<ObjectType> {
    vec![
        standard(
            "contacts",
            ItemKind::Contact,
            "0-1",
            "Contacts",
            &["email"],
            &["companies"],
        ),
        standard(
            "companies",
            ItemKind::Company,
            "0-2",
            "Companies",
            &["name", "domain"],
            &[],
        ),
        ObjectType {
            pipeline_property: Some(("pipeline", "dealstage")),
            ..standard(
                "deals",
                ItemKind::Deal,
                "0-3",
                "Deals",
                &["dealname"],
                &["companies", "contacts"],
            )
        },
        ObjectType {
            pipeline_property: Some(("hs_pipeline", "hs_pipeline_stage")),
            scope: Some("tickets"),
            ..standard(
                "tickets",
                ItemKind::Ticket,
                "0-5",
                "Tickets",
                &["subject"],
                &["companies", "contacts", "deals"],
            )
        },
    ]
}

/// A custom object type from its schema.
pub fn custom_type(schema: &Schema) -> ObjectType {
    let label = schema
        .labels
        .plural
        .clone()
        .or_else(|| schema.labels.singular.clone())
        .unwrap_or_else(|| schema.object_type_id.clone());
    ObjectType {
        path: schema.object_type_id.clone(),
        item_type: ItemKind::CustomObject,
        type_id: schema.object_type_id.clone(),
        label,
        name_properties: schema.primary_display_property.iter().cloned().collect(),
        associations: &[],
        pipeline_property: None,
        scope: Some("crm.objects.custom.read"),
    }
}

/// The object type's own item: its property definitions (a table's fields, for HubSpot),
/// linked to its properties' settings page in portal `portal_id`.
pub fn type_item(object: &ObjectType, book: &PropertyBook, portal_id: &str) -> IntegrationItem {
    let mut item = IntegrationItem::new(
        Integration::Hubspot,
        object.type_id.clone(),
        ItemKind::ObjectType,
        object.label.clone(),
    );
    item.url = Some(format!(
        "https://app.hubspot.com/property-settings/{portal_id}/properties?type={}",
        object.type_id
    ));
    item.directory = true;
    item.details
        .insert("objectType".into(), object.path.clone().into());
    item.details
        .insert("propertyDefinitions".into(), book.definitions_json());
    item
}

/// A record as an item.
pub fn record_item(
    record: SimpleObject,
    object: &ObjectType,
    book: &PropertyBook,
    associations: &Associations,
    portal_id: &str,
) -> IntegrationItem {
    let value = |name: &str| -> Option<String> {
        record
            .properties
            .get(name)
            .cloned()
            .flatten()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let name = match object.item_type {
        ItemKind::Contact => {
            let full = [value("firstname"), value("lastname")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            Some(full)
                .filter(|n| !n.is_empty())
                .or_else(|| value("email"))
        }
        _ => object.name_properties.iter().find_map(|p| value(p)),
    };
    let name = name.unwrap_or_else(|| format!("Unnamed {} {}", object.item_type, record.id));
    let mut item = IntegrationItem::new(
        Integration::Hubspot,
        record.id.clone(),
        object.item_type,
        name,
    );
    item.creation_time = parse_time(record.created_at.as_deref())
        .or_else(|| parse_time(value("createdate").as_deref()));
    item.last_modified_time = parse_time(record.updated_at.as_deref());
    item.url = Some(format!(
        "https://app.hubspot.com/contacts/{portal_id}/record/{}/{}",
        object.type_id, record.id
    ));
    item.visibility = Some(!record.archived);
    // The HubSpot user who last changed the record (a user id: users are not read).
    if let Some(user) = value("hs_updated_by_user_id") {
        item.set_edited_by(&format!("HubSpot user {user}"));
    }
    item.details.insert(
        PROPERTIES.into(),
        book.properties(&record.properties).into(),
    );
    let values: serde_json::Map<String, Value> = record
        .properties
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), Value::from(v.clone()))))
        .collect();
    item.details.insert("values".into(), values.into());
    keep_associations(&mut item, object, associations);
    item
}

/// The record's associations: the ids of each type once (`companyIds`, `contactIds`,
/// `dealIds`), the labelled ones with their labels (`associations`), and the primary company
/// — the one labelled "Primary", else the first — as its parent (a custom object's records
/// hang under their type).
fn keep_associations(item: &mut IntegrationItem, object: &ObjectType, all: &Associations) {
    let mut labelled = Vec::new();
    for kind in object.associations {
        let Some(list) = all.of(&item.id, kind) else {
            continue;
        };
        // HubSpot promises no order (HubSpot/hubspot-api-ruby#171): by id, so the same
        // associations read again make the same item.
        let list = by_id(list);
        let mut seen = HashSet::new();
        let ids: Vec<Value> = list
            .iter()
            .filter(|a| seen.insert(a.id.as_str()))
            .map(|a| a.id.clone().into())
            .collect();
        for association in list.iter().filter(|a| !a.labels.is_empty()) {
            labelled.push(serde_json::json!({"type": kind, "id": association.id, "labels": association.labels}));
        }
        let key = match *kind {
            "companies" => "companyIds",
            "contacts" => "contactIds",
            "deals" => "dealIds",
            _ => continue,
        };
        if !ids.is_empty() {
            item.details.insert(key.into(), ids.into());
        }
    }
    if !labelled.is_empty() {
        item.details.insert("associations".into(), labelled.into());
    }
    item.parent_id = match object.item_type {
        ItemKind::CustomObject => Some(object.type_id.clone()),
        _ => all.of(&item.id, "companies").and_then(|list| {
            let list = by_id(list);
            list.iter()
                .find(|a| a.labels.iter().any(|l| l == "Primary"))
                .or_else(|| list.first())
                .map(|a| a.id.clone())
        }),
    };
}

/// `list` in the order of its records' ids (numbers, compared as such).
fn by_id(list: &[Associated]) -> Vec<&Associated> {
    let mut sorted: Vec<&Associated> = list.iter().collect();
    sorted.sort_by(|a, b| (a.id.len(), &a.id).cmp(&(b.id.len(), &b.id)));
    sorted
}

/// The `details` fields [`keep_associations`] sets.
const ASSOCIATION_FIELDS: [&str; 4] = ["companyIds", "contactIds", "dealIds", "associations"];

/// What the associations `all` make of the stored record `id` of `object` (its association
/// fields and its parent), as a patch: a reconciliation refreshes the associations of the
/// records it does not read again, which HubSpot changes without moving their last change.
pub fn association_patch(id: &str, object: &ObjectType, all: &Associations) -> ItemPatch {
    let mut scratch =
        IntegrationItem::new(Integration::Hubspot, id.to_owned(), object.item_type, "");
    keep_associations(&mut scratch, object, all);
    ItemPatch {
        key: scratch.key(),
        details: (ASSOCIATION_FIELDS.iter())
            .map(|name| ((*name).to_owned(), scratch.details.remove(*name)))
            .collect(),
        parent_id: scratch.parent_id,
    }
}

/// Records by id with the values of more properties merged in (a batch read of the
/// properties a listing's URL had no room for).
pub fn merge_properties(records: &mut [SimpleObject], more: Vec<SimpleObject>) {
    let mut by_id: HashMap<String, SimpleObject> =
        more.into_iter().map(|r| (r.id.clone(), r)).collect();
    for record in records {
        if let Some(extra) = by_id.remove(&record.id) {
            record.properties.extend(extra.properties);
        }
    }
}
