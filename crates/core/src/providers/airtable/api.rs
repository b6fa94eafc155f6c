//! Airtable's wire types: whoami, bases (offset pages), base schema, records.

use serde::Deserialize;

/// `GET /v0/meta/whoami`.
#[derive(Debug, Deserialize)]
pub struct WhoAmI {
    /// `usr…`
    pub id: String,
    /// Present with the `user.email:read` scope.
    pub email: Option<String>,
}

/// `GET /v0/meta/bases`.
#[derive(Debug, Deserialize)]
pub struct BasesPage {
    /// The bases of this page.
    pub bases: Vec<Base>,
    /// Absent on the last page.
    pub offset: Option<String>,
}

/// One base.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Base {
    /// `app…`
    pub id: String,
    /// Name.
    pub name: String,
    /// `none|read|comment|edit|create`.
    pub permission_level: Option<String>,
}

/// `GET /v0/meta/bases/{id}/tables`.
#[derive(Debug, Deserialize)]
pub struct Tables {
    /// Every table of the base (not paginated).
    pub tables: Vec<Table>,
}

/// One table's schema.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Table {
    /// `tbl…`
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// The primary field's id.
    pub primary_field_id: Option<String>,
    /// Fields, kept as JSON for the item's details.
    #[serde(default)]
    pub fields: Vec<serde_json::Value>,
    /// Views, kept as JSON.
    #[serde(default)]
    pub views: Vec<serde_json::Value>,
}

/// `GET /v0/{base}/{table}`.
#[derive(Debug, Deserialize)]
pub struct RecordsPage {
    /// Records of this page.
    pub records: Vec<Record>,
    /// Absent on the last page.
    pub offset: Option<String>,
}

/// One record (empty fields are omitted by Airtable).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// `rec…`
    pub id: String,
    /// Creation time (the only timestamp records carry).
    pub created_time: Option<String>,
    /// Field name → value.
    #[serde(default)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}
