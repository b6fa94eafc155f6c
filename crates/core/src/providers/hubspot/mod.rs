//! HubSpot: the whole portal the granted scopes show — contacts, companies, deals, tickets and
//! custom objects with every property (CRM v3 object API: limit 100, `after` cursors), their
//! property definitions, pipelines and owners, associations with their labels (v4) — and the
//! account (portal) from the token response and the 2026-03 introspection.

pub mod api;
mod associations;
mod census;
pub mod labels;
mod objects;
mod reconcile;
mod records;
mod reference;
mod sync;

use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use url::Url;

use self::api::{Introspection, ObjectPage};
use super::{AccountContext, LoadContext, PageSink, Provider};
use crate::account::AccountInfo;
use crate::error::{CoreError, Result};
use crate::http::{header_u64, ApiDialect, FinalLimit, Meaning, WindowReport};
use crate::integration::Integration;
use crate::item::IntegrationItem;
use crate::oauth::client::TokenDialect;
use crate::secret::{expose_option, Secret};

/// The HubSpot provider.
pub struct HubSpot;

fn introspect_url(token_url: &Url) -> Url {
    let mut url = token_url.clone();
    url.set_path(&format!(
        "{}/introspect",
        token_url.path().trim_end_matches('/')
    ));
    url
}

/// The introspection request's form; the client secret and the token are written only here.
#[derive(Debug, Serialize)]
struct IntrospectionForm<'a> {
    client_id: &'a str,
    #[serde(serialize_with = "expose_option")]
    client_secret: Option<Secret>,
    #[serde(serialize_with = "expose_option")]
    token: Option<Secret>,
    token_type_hint: &'static str,
}

impl ApiDialect for HubSpot {
    /// 477 Migration in Progress (the portal is moving between data centres) and the 521–524
    /// of HubSpot's error table are worth another try; a 429 whose `policyName` is `DAILY` means
    /// the account's daily quota is spent until tomorrow
    /// (<https://developers.hubspot.com/docs/api-reference/error-handling>).
    fn meaning(&self, status: u16, body: &[u8]) -> Option<Meaning> {
        match status {
            477 | 521..=524 => Some(Meaning::Temporary),
            429 => {
                let daily = serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|b| b.get("policyName")?.as_str().map(|p| p == "DAILY"))
                    .unwrap_or(false);
                daily.then_some(Meaning::Final(FinalLimit::DailyQuota))
            }
            _ => None,
        }
    }

    /// The rolling window this app and account really have, and what is left of it.
    fn window_report(&self, headers: &reqwest::header::HeaderMap) -> Option<WindowReport> {
        let number = |name: &str| header_u64(headers, name).and_then(|n| u32::try_from(n).ok());
        let report = WindowReport {
            max: number("x-hubspot-ratelimit-max"),
            interval: header_u64(headers, "x-hubspot-ratelimit-interval-milliseconds")
                .map(Duration::from_millis),
            remaining: number("x-hubspot-ratelimit-remaining"),
        };
        (report != WindowReport::default()).then_some(report)
    }

    /// With no `Retry-After`, a spent rolling-window budget says how long the window is.
    fn rate_limit_wait(&self, headers: &reqwest::header::HeaderMap) -> Option<Duration> {
        let remaining = header_u64(headers, "x-hubspot-ratelimit-remaining")?;
        let interval = header_u64(headers, "x-hubspot-ratelimit-interval-milliseconds")?;
        (remaining == 0).then(|| Duration::from_millis(interval.min(60_000)))
    }
}

impl TokenDialect for HubSpot {
    /// HubSpot lists `scopes` as an array instead of the standard `scope` string.
    fn granted_scopes(&self, extra: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
        extra
            .get("scopes")
            .and_then(|v| v.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The 2026-03 endpoint's generic error body: `status` / `category` / `message`.
    fn read_error(&self, body: &serde_json::Value) -> Option<(String, String)> {
        let text = |k: &str| body.get(k).and_then(|v| v.as_str());
        let code = match text("status").or(text("category")).or(text("code"))? {
            "BAD_REFRESH_TOKEN" => "invalid_grant".to_owned(),
            "BAD_CLIENT_ID" | "BAD_CLIENT_SECRET" => "invalid_client".to_owned(),
            other => other.to_ascii_lowercase(),
        };
        let message = text("message").unwrap_or("the token endpoint refused the request");
        Some((code, message.to_owned()))
    }
}

#[async_trait]
impl Provider for HubSpot {
    fn integration(&self) -> Integration {
        Integration::Hubspot
    }

    /// The portal from the token response (`hub_id`) and the introspection (domain, user); the
    /// introspection is optional: without it the portal id is the label.
    async fn account(&self, ctx: &AccountContext<'_>) -> Result<AccountInfo> {
        let integration = Integration::Hubspot;
        let from_token = ctx.tokens.extra.get("hub_id").and_then(|v| v.as_u64());
        let url = introspect_url(&ctx.settings.token_url);
        let form = IntrospectionForm {
            client_id: &ctx.settings.client_id,
            client_secret: ctx.settings.client_secret.clone(),
            token: Some(ctx.tokens.access_token.clone()),
            token_type_hint: "access_token",
        };
        let introspection = ctx
            .api
            .json_without_token::<Introspection>(|http| http.post(url.clone()).form(&form))
            .await
            .map_err(|e| tracing::info!(code = e.code(), "HubSpot introspection failed"))
            .ok()
            .filter(|i| i.active != Some(false));
        let hub_id = from_token
            .or(introspection.as_ref().and_then(|i| i.hub_id))
            .ok_or_else(|| CoreError::InvalidResponse {
                integration,
                reason: "neither the token nor its introspection named the portal (hub_id)".into(),
            })?;
        let mut details = serde_json::Map::new();
        details.insert("portal_id".into(), hub_id.into());
        let mut label = format!("portal {hub_id}");
        if let Some(info) = introspection {
            if let Some(domain) = info.hub_domain {
                label = format!("{domain} ({hub_id})");
                details.insert("domain".into(), domain.into());
            }
            if let Some(user) = info.user {
                details.insert("user".into(), user.into());
            }
            if let Some(user_id) = info.user_id {
                details.insert("user_id".into(), user_id.into());
            }
        }
        Ok(AccountInfo {
            id: hub_id.to_string(),
            label,
            details,
        })
    }

    /// From any complete load: what a weekly full load would put right (records deleted for
    /// good, association changes, changes search did not see) a sync puts right on slower
    /// cadences (`reconcile.rs`: a daily census of ids and read of associations, a monthly check
    /// of every record's last change), for a fraction of a full load's requests, bytes and
    /// writes. A full load runs only when asked, after a partial load, or for a type not loaded
    /// before.
    fn syncs_from(&self, when: Option<&crate::item::LoadedWhen>) -> bool {
        when.is_some_and(|w| w.complete)
    }

    /// Everything loads with the required scopes but what the optional ones add.
    fn capabilities(&self) -> super::Capabilities {
        let scope = |scope: &str, or: &[&str], without: &str| super::OptionalScope {
            scope: scope.to_owned(),
            or: or.iter().map(|s| (*s).to_owned()).collect(),
            without: without.to_owned(),
        };
        super::Capabilities {
            optional_scopes: vec![
                scope("tickets", &[], "Tickets are not loaded."),
                scope(
                    reference::OWNERS_SCOPE,
                    &[],
                    "Owners are not loaded: records show an owner's id instead of their name.",
                ),
                scope(CUSTOM_SCOPE, &[], "Custom objects are not loaded."),
            ],
            syncs: true,
            ..super::Capabilities::default()
        }
    }

    /// A sync asks what changed since the records stored.
    fn reads_previous_load(&self, request: &super::LoadRequest) -> bool {
        request.sync
    }

    /// A sync gives what changed and names the stored records, types and pipelines it keeps as
    /// they are (`sync.rs`); the rest is gone. (Owners are read whole every time.)
    fn carry_over(
        &self,
        request: &super::LoadRequest,
        _items: &[IntegrationItem],
        _failed: &[String],
    ) -> super::CarryOver {
        use crate::item::ItemKind;
        let kinds = vec![
            ItemKind::Contact,
            ItemKind::Company,
            ItemKind::Deal,
            ItemKind::Ticket,
            ItemKind::CustomObject,
            ItemKind::Pipeline,
            ItemKind::ObjectType,
        ];
        super::CarryOver::of_sync(request, kinds)
    }

    /// What a portal holds, as far as the granted scopes show it: owners, the standard
    /// object types (tickets with `tickets`), and each custom object type.
    async fn streams(
        &self,
        ctx: &LoadContext<'_>,
        _sink: &mut dyn PageSink,
    ) -> Result<Vec<String>> {
        let mut streams = Vec::new();
        if reference::granted(ctx, reference::OWNERS_SCOPE) {
            streams.push(OWNERS.to_owned());
        }
        for object in objects::standard_types() {
            if object.scope.is_none_or(|s| reference::granted(ctx, s)) {
                streams.push(object.path);
            }
        }
        if reference::granted(ctx, CUSTOM_SCOPE) {
            for schema in reference::schemas(ctx).await?.iter() {
                let object = objects::custom_type(schema);
                streams.push(format!("{} ({})", object.label, object.type_id));
            }
        }
        Ok(streams)
    }

    async fn load_stream(
        &self,
        ctx: &LoadContext<'_>,
        stream: &str,
        sink: &mut dyn PageSink,
    ) -> Result<()> {
        if stream == OWNERS {
            let owners = reference::owners(ctx).await?;
            let portal = &ctx.account.id;
            sink.page(
                owners
                    .iter()
                    .map(|o| reference::owner_item(o, portal))
                    .collect(),
            );
            return Ok(());
        }
        let object = object_type(ctx, stream).await?;
        records::load(ctx, &object, sink).await
    }
}

/// The stream of the portal's owners.
const OWNERS: &str = "owners";
/// The optional scope a custom object's records need.
const CUSTOM_SCOPE: &str = "crm.objects.custom.read";

/// The object type a stream loads: a standard one by its path, a custom one by the id in its
/// name (`Cars (2-7654321)`).
async fn object_type(ctx: &LoadContext<'_>, stream: &str) -> Result<objects::ObjectType> {
    if let Some(object) = objects::standard_types()
        .into_iter()
        .find(|o| o.path == stream)
    {
        return Ok(object);
    }
    let id = stream
        .rsplit_once(" (")
        .and_then(|(_, id)| id.strip_suffix(')'))
        .unwrap_or(stream);
    reference::schemas(ctx)
        .await?
        .iter()
        .find(|s| s.object_type_id == id)
        .map(objects::custom_type)
        .ok_or_else(|| {
            CoreError::invalid_argument(format!("HubSpot has no stream called {stream}"))
        })
}

/// A page of CRM objects of `stream` (`contacts`, `companies`, `deals`, `tickets`) in portal
/// `portal_id` as a load maps a listing page before its associations are read — no property
/// definitions known — and the cursor of the next page (public for the property tests and the
/// fuzzer).
pub fn items_of_page(
    stream: &str,
    page: ObjectPage,
    portal_id: &str,
) -> Result<(Vec<IntegrationItem>, Option<String>)> {
    let object = objects::standard_types()
        .into_iter()
        .find(|o| o.path == stream)
        .ok_or_else(|| {
            CoreError::invalid_argument(format!("HubSpot has no stream called {stream}"))
        })?;
    let book = labels::PropertyBook::default();
    let none = associations::Associations::default();
    let next = page.paging.and_then(|p| p.next).map(|n| n.after);
    let items = page
        .results
        .into_iter()
        .map(|r| objects::record_item(r, &object, &book, &none, portal_id))
        .collect();
    Ok((items, next))
}

#[cfg(test)]
mod tests;
