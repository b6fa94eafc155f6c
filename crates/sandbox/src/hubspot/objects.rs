//! The portal's object types, by any name HubSpot takes for one: its path name (`contacts`),
//! its object type id (`0-1`), and for the custom object its id (`2-…`) or its
//! `fullyQualifiedName` (`p{portal}_cars`).

use crate::dataset::hubspot::{
    Pipeline, CARS_NAME, CARS_TYPE_ID, DEAL_PIPELINES, TICKET_PIPELINES,
};
use crate::dataset::{CrmRecord, Dataset};

/// One object type of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectType {
    Contacts,
    Companies,
    Deals,
    Tickets,
    Cars,
}

impl ObjectType {
    /// The type `name` stands for in the portal `portal_id`, if it has one.
    pub(crate) fn parse(portal_id: u64, name: &str) -> Option<Self> {
        Some(match name {
            "contacts" | "0-1" => Self::Contacts,
            "companies" | "0-2" => Self::Companies,
            "deals" | "0-3" => Self::Deals,
            "tickets" | "0-5" => Self::Tickets,
            other if other == CARS_TYPE_ID || other == qualified_name(portal_id) => Self::Cars,
            _ => return None,
        })
    }

    /// Its name in the dataset: the path name, the custom object's id.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Companies => "companies",
            Self::Deals => "deals",
            Self::Tickets => "tickets",
            Self::Cars => CARS_TYPE_ID,
        }
    }

    /// The scopes any one of which lets a token read its records, properties and pipelines
    /// (the specs' `security` alternatives).
    pub(crate) fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &["crm.objects.contacts.read", "crm.schemas.contacts.read"],
            Self::Companies => &["crm.objects.companies.read", "crm.schemas.companies.read"],
            Self::Deals => &["crm.objects.deals.read", "crm.schemas.deals.read"],
            Self::Tickets => &["tickets"],
            Self::Cars => &["crm.objects.custom.read", "crm.schemas.custom.read"],
        }
    }

    /// Its records.
    pub(crate) fn records(self, data: &Dataset) -> &[CrmRecord] {
        let hub = &data.hubspot;
        match self {
            Self::Contacts => &hub.contacts,
            Self::Companies => &hub.companies,
            Self::Deals => &hub.deals,
            Self::Tickets => &hub.tickets,
            Self::Cars => &hub.cars,
        }
    }

    /// Its records deleted (archived): the sandbox's edits delete contacts only.
    pub(crate) fn archived(self, data: &Dataset) -> &[CrmRecord] {
        match self {
            Self::Contacts => &data.hubspot.archived_contacts,
            _ => &[],
        }
    }

    /// Its pipelines, for the types that have them.
    pub(crate) fn pipelines(self) -> Option<&'static [Pipeline]> {
        match self {
            Self::Deals => Some(&DEAL_PIPELINES),
            Self::Tickets => Some(&TICKET_PIPELINES),
            _ => None,
        }
    }
}

/// The custom object's `fullyQualifiedName`: `p{portal}_cars`.
pub(crate) fn qualified_name(portal_id: u64) -> String {
    format!("p{portal_id}_{CARS_NAME}")
}
