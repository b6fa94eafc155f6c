//! What an item is ([`ItemKind`]) and how it changed since the load before ([`Delta`]): closed
//! sets, so a provider's behaviour is matched by the compiler, not by string literals. Both are
//! written as the seed backend's strings (`"table"`, `"gone"`) in JSON and in the item store.

use serde::{Deserialize, Serialize};
use specta::Type;

/// The kind of an item, across providers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// An Airtable base.
    Base,
    /// An Airtable table.
    Table,
    /// An Airtable record.
    Record,
    /// A Notion page (a database row is one too).
    Page,
    /// A Notion database.
    Database,
    /// One of a Notion database's data sources.
    DataSource,
    /// A HubSpot contact.
    Contact,
    /// A HubSpot company.
    Company,
    /// A HubSpot deal.
    Deal,
    /// A HubSpot ticket.
    Ticket,
    /// A record of one of a HubSpot portal's custom objects.
    CustomObject,
    /// A HubSpot owner (the person a record is assigned to).
    Owner,
    /// A HubSpot pipeline, with its stages (deals', tickets').
    Pipeline,
    /// A HubSpot object type with its property definitions (Contacts, Deals, a custom object).
    ObjectType,
    /// A kind this version does not know (a store written by a newer one): shown, not refused.
    #[serde(other)]
    Other,
}

impl ItemKind {
    /// Every kind, in the order the grid's type filter lists them.
    pub const ALL: [ItemKind; 14] = [
        ItemKind::Base,
        ItemKind::Table,
        ItemKind::Record,
        ItemKind::Page,
        ItemKind::Database,
        ItemKind::DataSource,
        ItemKind::Contact,
        ItemKind::Company,
        ItemKind::Deal,
        ItemKind::Ticket,
        ItemKind::CustomObject,
        ItemKind::Owner,
        ItemKind::Pipeline,
        ItemKind::ObjectType,
    ];

    /// The kind's name as stored and in JSON (`data_source`).
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Base => "base",
            ItemKind::Table => "table",
            ItemKind::Record => "record",
            ItemKind::Page => "page",
            ItemKind::Database => "database",
            ItemKind::DataSource => "data_source",
            ItemKind::Contact => "contact",
            ItemKind::Company => "company",
            ItemKind::Deal => "deal",
            ItemKind::Ticket => "ticket",
            ItemKind::CustomObject => "custom_object",
            ItemKind::Owner => "owner",
            ItemKind::Pipeline => "pipeline",
            ItemKind::ObjectType => "object_type",
            ItemKind::Other => "other",
        }
    }

    /// The kind named `name`, when there is one (never [`ItemKind::Other`]).
    pub fn parse(name: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for ItemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an item differs from the account's load before.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Delta {
    /// Not there in the load before.
    New,
    /// There before, with other content.
    Changed,
    /// There before, not found by this load (kept, marked, until the next load).
    Gone,
}

impl Delta {
    /// The delta's name as stored and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Delta::New => "new",
            Delta::Changed => "changed",
            Delta::Gone => "gone",
        }
    }

    /// The delta named `name`, when there is one.
    pub fn parse(name: &str) -> Option<Delta> {
        [Delta::New, Delta::Changed, Delta::Gone]
            .into_iter()
            .find(|d| d.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_the_json() {
        for kind in ItemKind::ALL {
            assert_eq!(ItemKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().into())
            );
        }
        assert_eq!(ItemKind::parse("spreadsheet"), None);
        let unknown: ItemKind = serde_json::from_str("\"spreadsheet\"").unwrap();
        assert_eq!(
            unknown,
            ItemKind::Other,
            "a newer store's kind reads, as other"
        );
        for delta in [Delta::New, Delta::Changed, Delta::Gone] {
            assert_eq!(Delta::parse(delta.as_str()), Some(delta));
            assert_eq!(
                serde_json::to_value(delta).unwrap(),
                serde_json::Value::String(delta.as_str().into())
            );
        }
    }
}
