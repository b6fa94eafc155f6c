//! Who a connection belongs to on the provider's side: a leaf that the providers, the item
//! store and the services name without depending on the token store.

use serde::{Deserialize, Serialize};
use specta::Type;

/// Who a connection belongs to on the provider's side (safe to show).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct AccountInfo {
    /// The provider's id of the account (HubSpot portal id, Notion workspace id, Airtable user id).
    pub id: String,
    /// A readable label (portal domain, workspace name, e-mail). Shown, never logged.
    pub label: String,
    /// More facts (user, domain, bot id, …).
    #[specta(type = std::collections::HashMap<String, specta_typescript::Unknown>)]
    pub details: serde_json::Map<String, serde_json::Value>,
}
