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

/// The provider module of an integration.
pub fn provider(integration: Integration) -> Result<&'static dyn Provider> {
    match integration {
        Integration::Airtable => Ok(&airtable::Airtable),
        Integration::Notion => Ok(&notion::Notion),
        Integration::Hubspot => Ok(&hubspot::HubSpot),
    }
}
