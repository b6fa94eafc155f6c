//! HubSpot's wire types: CRM v3 object pages and the 2026-03 token introspection.

use std::collections::HashMap;

use serde::Deserialize;

/// `GET /crm/v3/objects/{type}` → one page.
#[derive(Debug, Deserialize)]
pub struct ObjectPage {
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
    /// The associated records of the types asked for (`associations=companies,contacts`), by
    /// object type; types without any are absent.
    #[serde(default)]
    pub associations: HashMap<String, Associated>,
}

/// The records of one type associated with a record (the first page of them).
#[derive(Debug, Default, Deserialize)]
pub struct Associated {
    /// Their ids.
    #[serde(default)]
    pub results: Vec<AssociatedId>,
}

/// One associated record.
#[derive(Debug, Deserialize)]
pub struct AssociatedId {
    /// Its id.
    pub id: String,
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
