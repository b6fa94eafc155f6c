//! The integrations Inlet connects to: their ids, names and environment-variable stems.

use serde::{Deserialize, Serialize};
use specta::Type;
use std::fmt;
use std::str::FromStr;

/// One of the services Inlet connects to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Type,
)]
#[serde(rename_all = "lowercase")]
pub enum Integration {
    /// Airtable: bases and tables (and records on demand).
    Airtable,
    /// Notion: pages and databases.
    Notion,
    /// HubSpot: contacts, companies and deals.
    Hubspot,
}

impl Integration {
    /// Every integration, in the order the UI lists them.
    pub const ALL: [Integration; 3] = [
        Integration::Airtable,
        Integration::Notion,
        Integration::Hubspot,
    ];

    /// The lower-case id used in commands, the CLI and keychain entries.
    pub fn id(self) -> &'static str {
        match self {
            Integration::Airtable => "airtable",
            Integration::Notion => "notion",
            Integration::Hubspot => "hubspot",
        }
    }

    /// The product name shown to people.
    pub fn display_name(self) -> &'static str {
        match self {
            Integration::Airtable => "Airtable",
            Integration::Notion => "Notion",
            Integration::Hubspot => "HubSpot",
        }
    }

    /// The upper-case stem of this integration's environment variables (`HUBSPOT_CLIENT_ID`, …).
    pub fn env_stem(self) -> &'static str {
        match self {
            Integration::Airtable => "AIRTABLE",
            Integration::Notion => "NOTION",
            Integration::Hubspot => "HUBSPOT",
        }
    }
}

impl fmt::Display for Integration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A name that is not one of the integrations (the core error's `unknown_integration`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownIntegration {
    /// What was given, cut to 64 characters.
    pub given: String,
}

impl FromStr for Integration {
    type Err = UnknownIntegration;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Integration::ALL
            .into_iter()
            .find(|i| i.id().eq_ignore_ascii_case(value.trim()))
            .ok_or_else(|| UnknownIntegration {
                given: value.chars().take(64).collect(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integration_parses_case_insensitively_and_rejects_others() {
        assert_eq!(
            "HubSpot".parse::<Integration>().unwrap(),
            Integration::Hubspot
        );
        assert_eq!(
            " notion ".parse::<Integration>().unwrap(),
            Integration::Notion
        );
        let err = "dropbox".parse::<Integration>().unwrap_err();
        assert_eq!(err.given, "dropbox");
    }
}
