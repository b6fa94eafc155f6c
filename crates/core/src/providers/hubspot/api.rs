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

/// The records of one type associated with a record: a page of them (100 with a listing, up
/// to 500 from the associations endpoint), one entry per association label.
#[derive(Debug, Default, Deserialize)]
pub struct Associated {
    /// Their ids, each once per label (a primary company twice: primary and unlabeled).
    #[serde(default)]
    pub results: Vec<AssociatedId>,
    /// More of them, from `GET /crm/v3/objects/{type}/{id}/associations/{toType}?after=`.
    pub paging: Option<Paging>,
}

/// One association with a record.
#[derive(Debug, Deserialize)]
pub struct AssociatedId {
    /// The associated record's id.
    pub id: String,
    /// The association's type (`contact_to_company` is the primary company,
    /// `contact_to_company_unlabeled` any company).
    #[serde(rename = "type", default)]
    pub label: Option<String>,
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
