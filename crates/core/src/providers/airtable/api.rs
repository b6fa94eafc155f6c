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

/// `GET /v0/bases/{base}/webhooks`: the webhooks the integration made in a base (an OAuth
/// integration sees only its own).
#[derive(Debug, Deserialize)]
pub struct Webhooks {
    /// Each webhook.
    pub webhooks: Vec<WebhookInfo>,
}

/// One webhook as listed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookInfo {
    /// `ach…`
    pub id: String,
    /// The number of the next payload it will make.
    pub cursor_for_next_payload: u64,
    /// False once it expired or its specification became invalid (it never comes back).
    pub is_hook_enabled: bool,
    /// When it expires unless refreshed (none for a token that never expires).
    pub expiration_time: Option<String>,
    /// What it watches (`{options: {filters: {dataTypes}}}`).
    #[serde(default)]
    pub specification: serde_json::Value,
}

/// `POST /v0/bases/{base}/webhooks` (and its refresh): the webhook's id and expiry.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookMade {
    /// `ach…` (absent from a refresh's answer).
    #[serde(default)]
    pub id: String,
    /// When it expires unless refreshed.
    pub expiration_time: Option<String>,
}

/// `GET /v0/bases/{base}/webhooks/{id}/payloads`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayloadPage {
    /// The payloads from the cursor asked for, oldest first.
    pub payloads: Vec<Payload>,
    /// The number of the payload after the last one given.
    pub cursor: u64,
    /// Whether to ask again at once from `cursor`.
    pub might_have_more: bool,
}

/// One payload: what one transaction changed (Webhooks payload, format `v0`), or an error one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    /// Set on an error payload (the webhook stopped: `INVALID_FILTERS`, `INVALID_HOOK`, …).
    #[serde(default)]
    pub error: bool,
    /// The error payload's code.
    pub code: Option<String>,
    /// Changes to tables that were there, by table id.
    #[serde(default)]
    pub changed_tables_by_id: std::collections::HashMap<String, TableChanges>,
    /// New tables, by id (their records come with them).
    #[serde(default)]
    pub created_tables_by_id: serde_json::Map<String, serde_json::Value>,
    /// Who made the change: `{"source": "client" | "publicApi" | …, "sourceMetadata": {"user":
    /// {"id", "email", "name", …}}}` (a user only for changes made by one).
    #[serde(default)]
    pub action_metadata: serde_json::Value,
}

impl Payload {
    /// The person who made this payload's changes, by name, else e-mail, else id.
    pub fn made_by(&self) -> Option<&str> {
        let user = &self.action_metadata["sourceMetadata"]["user"];
        ["name", "email", "id"]
            .iter()
            .find_map(|k| user[*k].as_str().filter(|v| !v.is_empty()))
    }
}

/// What changed in one table (Webhooks table changed). Cells come by field id in the "V2" cell
/// format, not the one record listings give, so changed records are read again rather than
/// patched.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TableChanges {
    /// New records, by id.
    pub created_records_by_id: serde_json::Map<String, serde_json::Value>,
    /// Changed records, by id.
    pub changed_records_by_id: serde_json::Map<String, serde_json::Value>,
    /// Deleted records.
    pub destroyed_record_ids: Vec<String>,
    /// New fields, by id.
    pub created_fields_by_id: serde_json::Map<String, serde_json::Value>,
    /// Changed fields (a new name or type), by id.
    pub changed_fields_by_id: serde_json::Map<String, serde_json::Value>,
    /// Deleted fields.
    pub destroyed_field_ids: Vec<String>,
}
