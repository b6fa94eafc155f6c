//! One module per provider, each implementing [`Provider`] with its quirks behind the hooks of
//! [`ApiDialect`] and [`TokenDialect`]; their documented facts live in [`crate::spec`].

pub mod airtable;
pub mod hubspot;
pub mod memo;
pub mod notion;
mod request;

pub use request::{Capabilities, CarryOver, LoadRequest, OptionalScope, RecordScope};

use async_trait::async_trait;

use crate::account::AccountInfo;
use crate::config::ProviderSettings;
use crate::error::Result;
use crate::files::FileWanted;
use crate::http::{AccessTokens, ApiClient, ApiDialect};
use crate::integration::Integration;
use crate::item::{ContentEdits, IntegrationItem, ItemContent, ItemPatch, PreviousLoad};
use crate::oauth::client::{TokenDialect, TokenSet};

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
    /// What the load brings in beside the structure (records, content).
    pub request: &'a LoadRequest,
    /// What the account's previous load found, for providers that ask for it (empty otherwise).
    pub previous: &'a PreviousLoad,
    /// The edit time each item's stored content was read at (empty unless content is asked for).
    pub contents: &'a ContentEdits,
    /// The scopes the connection was granted (HubSpot loads what its optional scopes allow).
    pub scopes: &'a [String],
    /// What one stream reads that the others reuse, read once per load.
    pub memo: &'a memo::LoadMemo,
}

/// Receives items page by page as a stream loads.
pub trait PageSink: Send {
    /// One page of items.
    fn page(&mut self, items: Vec<IntegrationItem>);

    /// The stream moves on to a part of its own (an Airtable base's next table): progress is
    /// reported per part from here on.
    fn part(&mut self, _name: &str) {}

    /// Something the load's summary should say (what a provider's listing missed).
    fn note(&mut self, _text: String) {}

    /// One item's content, read (kept at once: a content load stopped half-way resumes).
    fn content(&mut self, _content: ItemContent) {}

    /// A file the provider hosts, found in an item: downloaded while the load runs.
    fn file(&mut self, _file: FileWanted) {}
    /// Stored items (by key) the load keeps as they are, not read again (a sync's unchanged
    /// ones); what a stream neither gives nor keeps is gone.
    fn keep(&mut self, _keys: Vec<String>) {}

    /// Parts of stored items the load kept (named in [`PageSink::keep`]) that it learned anew
    /// without reading the items (HubSpot's associations): an item the patch changes is written
    /// again, the others stay as stored.
    fn patch(&mut self, _patches: Vec<ItemPatch>) {}

    /// Something the provider keeps for the account's next load under `key` (an Airtable
    /// base's webhook and cursor; `None` forgets it), read back as [`PreviousLoad::state`]. Saved
    /// only if the stream finishes and the load is stored.
    fn remember(&mut self, _key: String, _value: Option<String>) {}
}

/// What an account lookup needs: the freshly issued tokens and the same paced, retrying client
/// loads use.
pub struct AccountContext<'a> {
    /// The paced, retrying client.
    pub api: &'a ApiClient,
    /// Endpoints and client settings.
    pub settings: &'a ProviderSettings,
    /// The tokens the code exchange returned.
    pub tokens: &'a TokenSet,
}

/// A provider's account lookup and loaders, with its API's and token endpoint's quirks.
#[async_trait]
pub trait Provider: ApiDialect + TokenDialect + Send + Sync {
    /// Which integration this is.
    fn integration(&self) -> Integration;

    /// Who the freshly issued tokens belong to.
    async fn account(&self, ctx: &AccountContext<'_>) -> Result<AccountInfo>;

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

    /// Whether [`Provider::finish`] changes items: such a load is kept whole until it ends;
    /// any other goes into the item store page by page as it arrives.
    fn fixes_items_up(&self) -> bool {
        false
    }

    /// Whether a load asked for `request` reads what the account's previous load found
    /// ([`PreviousLoad`]): Notion walks only the pages edited since, and takes the rest's
    /// children from it; a HubSpot sync asks for what changed since it.
    fn reads_previous_load(&self, _request: &LoadRequest) -> bool {
        false
    }

    /// Whether a sync may count from the account's last load `when` (otherwise it is a full
    /// load): by default, when that load was complete and the last full load is less than
    /// [`crate::item::FULL_LOAD_EVERY`] old.
    fn syncs_from(&self, when: Option<&crate::item::LoadedWhen>) -> bool {
        when.is_some_and(|w| w.syncable(chrono::Utc::now()))
    }

    /// What the faces may offer for this provider's items.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }

    /// A fresh link to `file`, whose link expired before it was downloaded (the provider's
    /// links are signed for hours or less); `None` when the file is no longer there.
    async fn fresh_file_link(
        &self,
        _ctx: &LoadContext<'_>,
        _file: &FileWanted,
    ) -> Result<Option<String>> {
        Ok(None)
    }

    /// What a finished load keeps of the account's load before, as stored: `items` are what
    /// it found, `failed` the streams that failed. Nothing, unless a provider's load leaves
    /// some contents out (records not asked for) or fails in parts it can keep.
    fn carry_over(
        &self,
        _request: &LoadRequest,
        _items: &[IntegrationItem],
        _failed: &[String],
    ) -> CarryOver {
        CarryOver::default()
    }
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

/// The most pages one listing may take: 100,000 pages of 100 are ten million items, far past
/// any account; a provider still handing out cursors then is looping, and the load says so.
pub(crate) const MAX_PAGES: usize = 100_000;

/// A pagination cursor and every cursor it has been, so a provider that hands back one it gave
/// before (directly or after a detour) cannot make a load loop.
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    current: Option<String>,
    seen: std::collections::HashSet<String>,
}

impl std::ops::Deref for Cursor {
    type Target = Option<String>;

    fn deref(&self) -> &Option<String> {
        &self.current
    }
}

/// Moves a pagination cursor on: `Ok(false)` when there is no next page, an error when the
/// provider hands back a cursor it gave before or a listing passes [`MAX_PAGES`] (following it
/// would loop for ever).
pub(crate) fn advance(
    integration: Integration,
    cursor: &mut Cursor,
    next: Option<String>,
) -> Result<bool> {
    let invalid = |reason: String| crate::error::CoreError::InvalidResponse {
        integration,
        reason,
    };
    match next {
        None => Ok(false),
        Some(next) if cursor.seen.contains(&next) => {
            Err(invalid("the next-page cursor repeated itself".into()))
        }
        Some(_) if cursor.seen.len() >= MAX_PAGES => Err(invalid(format!(
            "the listing went on past {MAX_PAGES} pages; stopped rather than loop"
        ))),
        Some(next) => {
            cursor.seen.insert(next.clone());
            cursor.current = Some(next);
            Ok(true)
        }
    }
}

/// An item's (or a developer portal's) link, checked before it is opened: https on one of the
/// providers' own web hosts, nothing else.
pub fn provider_link(url: &str) -> Result<url::Url> {
    let refused = || {
        crate::error::CoreError::invalid_argument(
            "Inlet only opens links to Airtable, Notion and HubSpot.",
        )
    };
    let parsed = url::Url::parse(url).map_err(|_| refused())?;
    let host = parsed.host_str().unwrap_or_default();
    let known = Integration::ALL
        .iter()
        .any(|i| crate::spec::spec(*i).web_hosts.contains(&host));
    if parsed.scheme() == "https" && known {
        Ok(parsed)
    } else {
        Err(refused())
    }
}

/// The provider module of an integration.
pub fn provider(integration: Integration) -> &'static dyn Provider {
    match integration {
        Integration::Airtable => &airtable::Airtable,
        Integration::Notion => &notion::Notion,
        Integration::Hubspot => &hubspot::HubSpot,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_moves_on_stops_and_refuses_to_loop() {
        let mut cursor = Cursor::default();
        assert!(advance(Integration::Notion, &mut cursor, Some("a".into())).unwrap());
        assert_eq!(cursor.as_deref(), Some("a"));
        let err = advance(Integration::Notion, &mut cursor, Some("a".into())).unwrap_err();
        assert_eq!(err.code(), "provider_invalid_response");
        // A loop through another cursor is caught too.
        assert!(advance(Integration::Notion, &mut cursor, Some("b".into())).unwrap());
        let err = advance(Integration::Notion, &mut cursor, Some("a".into())).unwrap_err();
        assert_eq!(err.code(), "provider_invalid_response");
        assert!(!advance(Integration::Notion, &mut cursor, None).unwrap());
        // A listing that never ends stops at the page limit with a clear error.
        let mut endless = Cursor::default();
        for n in 0..MAX_PAGES {
            assert!(advance(Integration::Hubspot, &mut endless, Some(n.to_string())).unwrap());
        }
        let err = advance(Integration::Hubspot, &mut endless, Some("more".into())).unwrap_err();
        assert!(err.to_string().contains("pages"), "{err}");
    }

    #[test]
    fn only_https_links_to_the_providers_open() {
        assert!(provider_link("https://app.hubspot.com/contacts/1/record/0-1/2").is_ok());
        assert!(provider_link("https://www.notion.so/page").is_ok());
        assert!(provider_link("https://app.notion.com/Page-0123abcd").is_ok());
        assert!(provider_link("https://app.notion.com.evil.example/page").is_err());
        for refused in [
            "http://airtable.com/app1",
            "https://evil.example/airtable.com",
            "file:///etc/passwd",
            "not a url",
        ] {
            assert_eq!(
                provider_link(refused).unwrap_err().code(),
                "invalid_argument"
            );
        }
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
