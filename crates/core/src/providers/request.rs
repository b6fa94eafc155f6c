//! What a load is asked to bring in beside an account's structure ([`LoadRequest`]), what a
//! provider keeps from the load before ([`CarryOver`]), and what a provider can do
//! ([`Capabilities`]) — one vocabulary for every provider, so services, commands, the CLI and the
//! UI never ask "is this Airtable?".

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::item::ItemKind;

/// What a load brings in beside the account's structure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct LoadRequest {
    /// Whose contents come too, for providers whose contents come only when asked for
    /// (Airtable's records).
    #[serde(default)]
    pub records: RecordScope,
    /// Pages' content too (Notion), for the pages edited since it was last fetched.
    #[serde(default)]
    pub content: bool,
    /// Only what changed since the account's last complete load, where the provider can tell
    /// (HubSpot: records modified since, and those deleted); the rest is kept as stored. A
    /// provider that cannot, or an account never loaded, loads in full.
    #[serde(default)]
    pub sync: bool,
    /// A run nobody watches (the schedule's): it never spends more than half of a plan's
    /// monthly API calls; past that it leaves the contents out and says so.
    #[serde(default)]
    pub scheduled: bool,
}

impl LoadRequest {
    /// The structure alone.
    pub fn structure() -> Self {
        Self::default()
    }

    /// The structure and the records of `scope`.
    pub fn with_records(scope: RecordScope) -> Self {
        Self {
            records: scope,
            ..Self::default()
        }
    }
}

/// Which containers' records a load brings in beside the account's structure: Airtable's
/// records are many (a base may hold hundreds of thousands), so a load lists bases and tables
/// and loads records only when the person asks for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "scope", content = "ids", rename_all = "snake_case")]
pub enum RecordScope {
    /// Only the structure (bases and tables).
    #[default]
    None,
    /// The records of these containers too: a base's id covers all its tables, a table's id
    /// that table.
    Of(Vec<String>),
    /// The records of every container.
    All,
}

impl RecordScope {
    /// Whether the records of the table `table` in the base `base` are loaded.
    pub fn covers(&self, base: &str, table: &str) -> bool {
        match self {
            RecordScope::None => false,
            RecordScope::Of(ids) => ids.iter().any(|id| id == base || id == table),
            RecordScope::All => true,
        }
    }

    /// Whether no records are asked for.
    pub fn is_none(&self) -> bool {
        matches!(self, RecordScope::None)
    }
}

/// What a load keeps, as stored, of the account's load before: the contents it did not fetch
/// again (Airtable's records of tables not asked for this time), and the whole of what a failed
/// stream covered (a base whose tables could not be read keeps its tables and records).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarryOver {
    /// The stored items of these kinds are the ones looked at.
    pub kinds: Vec<ItemKind>,
    /// Containers found again whose stored children stay (those this load did not give).
    pub children_of: HashSet<String>,
    /// The stored items of `kinds` the load named as kept stay (`PageSink::keep`: a sync's
    /// unchanged ones).
    pub listed: bool,
    /// Containers whose stored children, and their children, stay (a failed stream's).
    pub subtrees_of: HashSet<String>,
}

impl CarryOver {
    /// What a sync keeps: the stored items of `kinds` it named as kept (`PageSink::keep`);
    /// nothing for a load that is not a sync.
    pub fn of_sync(request: &LoadRequest, kinds: Vec<ItemKind>) -> Self {
        Self {
            kinds,
            listed: request.sync,
            ..Self::default()
        }
    }

    /// Whether nothing is carried over.
    pub fn is_empty(&self) -> bool {
        !self.listed && self.children_of.is_empty() && self.subtrees_of.is_empty()
    }
}

/// What a provider can do, which the faces offer accordingly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Capabilities {
    /// Kinds whose contents come only when asked for ([`LoadRequest::records`]): Airtable's
    /// bases (every table's records) and tables. Empty when a load brings everything.
    pub records_of: Vec<ItemKind>,
    /// The kind of the records so loaded (Airtable's `record`).
    pub record_kind: Option<ItemKind>,
    /// Kinds whose children read as a table, a column per field of the kind's schema
    /// (`details.fields`): Airtable's tables, Notion's data sources.
    pub columns_of: Vec<ItemKind>,
    /// Kinds that export as one workbook, a sheet per child (Airtable's base).
    pub workbook_of: Vec<ItemKind>,
    /// Whether a load can bring pages' content ([`LoadRequest::content`]).
    pub content: bool,
    /// Whether the provider caps API calls by a plan, counted per month (Airtable).
    pub call_plans: bool,
    /// The optional scopes a connection may lack, with what a load leaves out without each
    /// (HubSpot's tickets, owners, custom objects): Settings says so for a connection without.
    pub optional_scopes: Vec<OptionalScope>,
    /// A sync ([`LoadRequest::sync`]) fetches only what changed (HubSpot); otherwise it is a
    /// full load.
    pub syncs: bool,
}

/// An optional scope and what a connection without it does not load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct OptionalScope {
    /// The scope (`tickets`).
    pub scope: String,
    /// Any other scope that does the same (`crm.schemas.custom.read` shows custom object
    /// types as `crm.objects.custom.read` does).
    pub or: Vec<String>,
    /// What is left out without it, as a sentence ("Tickets are not loaded.").
    pub without: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_covers_its_bases_tables_and_nothing_else() {
        let scope = RecordScope::Of(vec!["appA".into(), "tblB".into()]);
        assert!(scope.covers("appA", "tbl1"));
        assert!(scope.covers("appZ", "tblB"));
        assert!(!scope.covers("appZ", "tbl1"));
        assert!(RecordScope::All.covers("x", "y"));
        assert!(!RecordScope::None.covers("appA", "tbl1"));
        let json = serde_json::to_value(&scope).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"scope": "of", "ids": ["appA", "tblB"]})
        );
        assert_eq!(
            serde_json::from_value::<RecordScope>(serde_json::json!({"scope": "all"})).unwrap(),
            RecordScope::All
        );
    }
}
