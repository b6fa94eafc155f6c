//! HubSpot's wire types: CRM v3 object pages and the 2026-03 token introspection.

use std::collections::HashMap;

use serde::Deserialize;

/// `GET /crm/v3/objects/{type}` → one page.
#[derive(Debug, Deserialize)]
pub struct ObjectPage {
    /// How many records the search matched in all (searches only).
    #[serde(default)]
    pub total: Option<usize>,
    /// The records of this page.
    pub results: Vec<SimpleObject>,
    /// Absent on the last page.
    pub paging: Option<Paging>,
}

/// One CRM record. Property values are strings (or null).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimpleObject {
    /// The record id.
    pub id: String,
    /// The requested properties.
    #[serde(default)]
    pub properties: HashMap<String, Option<String>>,
    /// Creation time (RFC 3339).
    pub created_at: Option<String>,
    /// Last change (RFC 3339).
    pub updated_at: Option<String>,
    /// Archived records are not requested; the flag is kept for completeness.
    #[serde(default)]
    pub archived: bool,
}

/// Pagination block.
#[derive(Debug, Deserialize)]
pub struct Paging {
    /// The next page, if any.
    pub next: Option<NextPage>,
}

/// The cursor of the next page.
#[derive(Debug, Deserialize)]
pub struct NextPage {
    /// Pass as `after`.
    pub after: String,
}

/// `POST /oauth/2026-03/token/introspect` (all fields optional: treat them as such).
#[derive(Debug, Deserialize)]
pub struct Introspection {
    /// Whether the token is live.
    #[serde(default)]
    pub active: Option<bool>,
    /// The portal (hub) id.
    pub hub_id: Option<u64>,
    /// The portal's domain, e.g. `acme.hubspot.com`.
    pub hub_domain: Option<String>,
    /// The installing user's e-mail.
    pub user: Option<String>,
    /// The installing user's id.
    pub user_id: Option<u64>,
}

/// `GET /crm/v3/properties/{objectType}` → every property definition, no paging.
#[derive(Debug, Deserialize)]
pub struct PropertyList {
    /// The definitions.
    pub results: Vec<PropertyDefinition>,
}

/// One property definition (HubSpot's `Property`; every field but the name treated as
/// optional).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyDefinition {
    /// The internal name values are keyed by (`dealstage`).
    pub name: String,
    /// What people read (`Deal Stage`).
    #[serde(default)]
    pub label: String,
    /// `string`, `number`, `date`, `datetime`, `enumeration`, `bool`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// `text`, `select`, `checkbox` (several values, `;`-joined), `booleancheckbox`, …
    #[serde(default)]
    pub field_type: String,
    /// The property group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    /// An enumeration's options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<PropertyOption>,
    /// `OWNER` where the value is an owner id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referenced_object_type: Option<String>,
    /// Whether HubSpot defines it (custom properties are the portal's own).
    #[serde(default)]
    pub hubspot_defined: bool,
}

/// One option of an enumeration.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct PropertyOption {
    /// What people read.
    #[serde(default)]
    pub label: String,
    /// What the record holds.
    pub value: String,
}

/// `GET /crm/v3/owners` → one page.
#[derive(Debug, Deserialize)]
pub struct OwnerPage {
    /// The owners.
    pub results: Vec<Owner>,
    /// Absent on the last page.
    pub paging: Option<Paging>,
}

/// One owner (`PublicOwner`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    /// The id records hold in `hubspot_owner_id`.
    pub id: String,
    /// Their e-mail.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// The HubSpot user behind the owner.
    pub user_id: Option<u64>,
    /// `PERSON` or `QUEUE`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Their teams.
    #[serde(default)]
    pub teams: Vec<serde_json::Value>,
    /// Creation time.
    pub created_at: Option<String>,
    /// Last change.
    pub updated_at: Option<String>,
}

/// `GET /crm/v3/pipelines/{objectType}` → every pipeline, no paging.
#[derive(Debug, Deserialize)]
pub struct PipelineList {
    /// The pipelines.
    pub results: Vec<Pipeline>,
}

/// One pipeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    /// The id records hold in `pipeline` / `hs_pipeline`.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub label: String,
    /// Its stages, in order.
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Its place among the pipelines.
    pub display_order: Option<i64>,
    /// Creation time.
    pub created_at: Option<String>,
    /// Last change.
    pub updated_at: Option<String>,
}

/// One stage of a pipeline.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    /// The id records hold in `dealstage` / `hs_pipeline_stage`.
    pub id: String,
    /// What people read ("Closed won").
    #[serde(default)]
    pub label: String,
    /// `probability` (deals), `ticketState` (tickets): strings.
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

/// `GET /crm/v3/schemas` → the portal's custom objects.
#[derive(Debug, Deserialize)]
pub struct SchemaList {
    /// The custom object types.
    pub results: Vec<Schema>,
}

/// One custom object type.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// `2-…`: the path its records are listed under.
    pub object_type_id: String,
    /// Its labels.
    #[serde(default)]
    pub labels: SchemaLabels,
    /// The property that names a record.
    pub primary_display_property: Option<String>,
}

/// A custom object type's names.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SchemaLabels {
    /// "Car".
    pub singular: Option<String>,
    /// "Cars".
    pub plural: Option<String>,
}

/// `POST /crm/v4/associations/{from}/{to}/batch/read` → (200, or 207 with `errors`).
#[derive(Debug, Deserialize)]
pub struct AssociationBatch {
    /// One result per record found.
    #[serde(default)]
    pub results: Vec<AssociationsOf>,
    /// One entry per record not answered: `NO_ASSOCIATIONS_FOUND` for a record with none of
    /// the type asked for (or no record: HubSpot answers both alike).
    #[serde(default)]
    pub errors: Vec<BatchError>,
}

/// One error entry of a batch answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchError {
    /// `crm.associations.NO_ASSOCIATIONS_FOUND`, …
    #[serde(default)]
    pub sub_category: Option<String>,
    /// What it is about: `fromObjectId` names the records.
    /// Read loosely: an entry of another shape than a list of ids must not fail the answer.
    #[serde(default)]
    pub context: std::collections::HashMap<String, serde_json::Value>,
}

impl BatchError {
    /// The records this entry says have no associations of the type asked for.
    pub fn none_associated(&self) -> Vec<String> {
        let none = self.sub_category.as_deref() == Some("crm.associations.NO_ASSOCIATIONS_FOUND");
        match self.context.get("fromObjectId") {
            Some(serde_json::Value::Array(ids)) if none => ids
                .iter()
                .filter_map(|id| match id {
                    serde_json::Value::String(id) => Some(id.clone()),
                    serde_json::Value::Number(id) => Some(id.to_string()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// One record's associations with records of one type.
#[derive(Debug, Deserialize)]
pub struct AssociationsOf {
    /// The record.
    pub from: FromId,
    /// Its associated records, each with its labels.
    #[serde(default)]
    pub to: Vec<AssociatedWithLabels>,
    /// More of them: send `{id, after}` again.
    pub paging: Option<Paging>,
}

/// A record id in a batch answer.
#[derive(Debug, Deserialize)]
pub struct FromId {
    /// The id.
    pub id: String,
}

/// One associated record and the association's types.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociatedWithLabels {
    /// Its id (a number on the wire).
    pub to_object_id: serde_json::Value,
    /// Its types: a label each (`Primary`, a portal's own), or none (unlabeled).
    #[serde(default)]
    pub association_types: Vec<AssociationType>,
}

/// One type of an association.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationType {
    /// `HUBSPOT_DEFINED`, `USER_DEFINED`, `INTEGRATOR_DEFINED`, `WORK`.
    #[serde(default)]
    pub category: String,
    /// Its id.
    #[serde(default)]
    pub type_id: i64,
    /// Its label; null for the unlabeled type.
    pub label: Option<String>,
}

/// `POST /crm/v3/objects/{type}/batch/read` → the records asked for.
#[derive(Debug, Deserialize)]
pub struct BatchRead {
    /// The records found.
    #[serde(default)]
    pub results: Vec<SimpleObject>,
}
