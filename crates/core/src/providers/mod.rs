//! One module per provider, each implementing [`Provider`]; their facts live in [`table`].

pub mod airtable;
pub mod hubspot;
pub mod notion;
pub mod table;

use async_trait::async_trait;

use crate::config::ProviderSettings;
use crate::error::Result;
use crate::http::{AccessTokens, ApiClient};
use crate::item::{Integration, IntegrationItem};
use crate::oauth::client::TokenSet;
use crate::store::AccountInfo;

/// What a loader needs to call its provider.
pub struct LoadContext<'a> {
    /// The paced, retrying client.
    pub api: &'a ApiClient,
    /// The connection's tokens.
    pub tokens: &'a dyn AccessTokens,
    /// Endpoints and client settings.
    pub settings: &'a ProviderSettings,
    /// The connected account (HubSpot builds record URLs from the portal id).
    pub account: &'a AccountInfo,
}

/// Receives items page by page as a stream loads.
pub trait PageSink: Send {
    /// One page of items.
    fn page(&mut self, items: Vec<IntegrationItem>);
}

/// A provider's account lookup and loaders.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Which integration this is.
    fn integration(&self) -> Integration;

    /// Who the freshly issued tokens belong to.
    async fn account(
        &self,
        http: &reqwest::Client,
        settings: &ProviderSettings,
        tokens: &TokenSet,
    ) -> Result<AccountInfo>;

    /// The independent streams a full load consists of (loaded concurrently). A provider whose
    /// streams depend on data (Airtable: one per base) lists it here, handing those items to `sink`.
    async fn streams(&self, ctx: &LoadContext<'_>, sink: &mut dyn PageSink) -> Result<Vec<String>>;

    /// Loads one stream, page by page.
    async fn load_stream(
        &self,
        ctx: &LoadContext<'_>,
        stream: &str,
        sink: &mut dyn PageSink,
    ) -> Result<()>;

    /// Fixes up cross-item fields once everything arrived (parent paths, children).
    fn finish(&self, _items: &mut [IntegrationItem]) {}
}

/// `path` under the provider's API base (which may carry a prefix, as the sandbox's does).
pub(crate) fn api_url(settings: &ProviderSettings, path: &str) -> url::Url {
    let mut url = settings.api_base.clone();
    url.set_path(&format!(
        "{}{path}",
        settings.api_base.path().trim_end_matches('/')
    ));
    url
}

/// An RFC 3339 timestamp, when present and valid.
pub(crate) fn parse_time(value: Option<&str>) -> Option<chrono::DateTime<chrono::Utc>> {
    value
        .and_then(|v| chrono::DateTime::parse_from_rfc3339(v).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Moves a pagination cursor on: `Ok(false)` when there is no next page, an error when the
/// provider hands back the cursor it was just given (following it would loop forever).
pub(crate) fn advance(
    integration: Integration,
    cursor: &mut Option<String>,
    next: Option<String>,
) -> Result<bool> {
    match next {
        None => Ok(false),
        Some(next) if cursor.as_ref() == Some(&next) => {
            Err(crate::error::CoreError::InvalidResponse {
                integration,
                reason: "the next-page cursor repeated itself".into(),
            })
        }
        Some(next) => {
            *cursor = Some(next);
            Ok(true)
        }
    }
}

/// The provider module of an integration.
pub fn provider(integration: Integration) -> Result<&'static dyn Provider> {
    match integration {
        Integration::Airtable => Ok(&airtable::Airtable),
        Integration::Notion => Ok(&notion::Notion),
        Integration::Hubspot => Ok(&hubspot::HubSpot),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_moves_on_stops_and_refuses_to_loop() {
        let mut cursor = None;
        assert!(advance(Integration::Notion, &mut cursor, Some("a".into())).unwrap());
        assert_eq!(cursor.as_deref(), Some("a"));
        let err = advance(Integration::Notion, &mut cursor, Some("a".into())).unwrap_err();
        assert_eq!(err.code(), "provider_invalid_response");
        assert!(!advance(Integration::Notion, &mut cursor, None).unwrap());
    }

    #[test]
    fn times_parse_only_when_valid() {
        assert_eq!(
            parse_time(Some("2024-09-12T11:36:05.267Z"))
                .unwrap()
                .to_rfc3339(),
            "2024-09-12T11:36:05.267+00:00"
        );
        assert_eq!(parse_time(Some("yesterday")), None);
        assert_eq!(parse_time(None), None);
    }
}
