//! HubSpot: contacts, companies and deals from the CRM v3 object API (limit 100, `after`
//! cursors); the account (portal) from the token response and the 2026-03 introspection.

pub mod api;

use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use url::Url;

use self::api::{Introspection, ObjectPage, SimpleObject};
use super::{
    advance, api_url, parse_time, AccountContext, Cursor, LoadContext, PageSink, Provider,
};
use crate::account::AccountInfo;
use crate::error::{CoreError, Result};
use crate::http::{header_u64, ApiDialect, FinalLimit, Meaning, WindowReport};
use crate::integration::Integration;
use crate::item::{IntegrationItem, ItemKind};
use crate::oauth::client::TokenDialect;
use crate::secret::{expose_option, Secret};
use crate::spec::spec;

/// The HubSpot provider.
pub struct HubSpot;

/// One CRM object type Inlet loads.
struct ObjectType {
    /// The path segment and stream name.
    path: &'static str,
    /// The item type.
    item_type: ItemKind,
    /// HubSpot's object type id, used in record URLs.
    type_id: &'static str,
    /// Properties requested (HubSpot's defaults differ per type; asking is reliable).
    properties: &'static str,
    /// Associations asked for with the page (no extra request): a contact's and a deal's
    /// company becomes its parent in the tree; a deal's contacts are kept in its details.
    associations: Option<&'static str>,
}

const OBJECT_TYPES: [ObjectType; 3] = [
    ObjectType {
        path: "contacts",
        item_type: ItemKind::Contact,
        type_id: "0-1",
        properties: "firstname,lastname,email,createdate,lastmodifieddate",
        associations: Some("companies"),
    },
    ObjectType {
        path: "companies",
        item_type: ItemKind::Company,
        type_id: "0-2",
        properties: "name,domain,createdate,hs_lastmodifieddate",
        associations: None,
    },
    ObjectType {
        path: "deals",
        item_type: ItemKind::Deal,
        type_id: "0-3",
        properties: "dealname,amount,dealstage,pipeline,closedate,createdate,hs_lastmodifieddate",
        associations: Some("companies,contacts"),
    },
];

const STREAMS: [&str; 3] = ["contacts", "companies", "deals"];

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

    async fn streams(
        &self,
        _ctx: &LoadContext<'_>,
        _sink: &mut dyn PageSink,
    ) -> Result<Vec<String>> {
        Ok(STREAMS.iter().map(|s| (*s).to_owned()).collect())
    }

    async fn load_stream(
        &self,
        ctx: &LoadContext<'_>,
        stream: &str,
        sink: &mut dyn PageSink,
    ) -> Result<()> {
        let object = object_type(stream)?;
        let endpoint = api_url(ctx.settings, &format!("/crm/v3/objects/{}", object.path));
        let limit = spec(Integration::Hubspot).page_size.to_string();
        let mut after = Cursor::default();
        loop {
            let page: ObjectPage = ctx
                .api
                .json(ctx.tokens, |http| {
                    let mut query = vec![
                        ("limit", limit.as_str()),
                        ("properties", object.properties),
                        ("archived", "false"),
                    ];
                    if let Some(cursor) = after.as_deref() {
                        query.push(("after", cursor));
                    }
                    if let Some(with) = object.associations {
                        query.push(("associations", with));
                    }
                    http.get(endpoint.clone()).query(&query)
                })
                .await?;
            let mut page = page;
            complete_associations(ctx, object, &mut page).await?;
            let (items, next) = map_page(object, page, &ctx.account.id);
            sink.page(items);
            if !advance(Integration::Hubspot, &mut after, next)? {
                return Ok(());
            }
        }
    }
}

/// Reads the rest of every association list of `page` that HubSpot cut at its first 100 (a deal
/// with many contacts): "if your request returns more than 100 associations, you will need to use
/// the value of the after field returned in the response to get the next set" — from
/// `GET /crm/v3/objects/{type}/{id}/associations/{toType}`, 500 at a time.
async fn complete_associations(
    ctx: &LoadContext<'_>,
    object: &ObjectType,
    page: &mut ObjectPage,
) -> Result<()> {
    for record in &mut page.results {
        for (kind, associated) in record.associations.iter_mut() {
            let mut after = Cursor::default();
            let mut next = associated
                .paging
                .take()
                .and_then(|p| p.next)
                .map(|n| n.after);
            while advance(Integration::Hubspot, &mut after, next)? {
                let url = api_url(
                    ctx.settings,
                    &format!(
                        "/crm/v3/objects/{}/{}/associations/{kind}",
                        object.path, record.id
                    ),
                );
                let answer: Result<api::Associated> = ctx
                    .api
                    .json(ctx.tokens, |http| {
                        let mut query = vec![("limit", "500")];
                        if let Some(cursor) = after.as_deref() {
                            query.push(("after", cursor));
                        }
                        http.get(url.clone()).query(&query)
                    })
                    .await;
                let more = match answer {
                    Ok(more) => more,
                    // The record was deleted since its page was listed: what arrived stands.
                    Err(CoreError::ProviderHttp { status: 404, .. }) => break,
                    Err(other) => return Err(other),
                };
                associated.results.extend(more.results);
                next = more.paging.and_then(|p| p.next).map(|n| n.after);
            }
        }
    }
    Ok(())
}

/// A page of CRM objects of `stream` (`contacts`, `companies`, `deals`) in portal `portal_id` as
/// items, and the cursor of the next page: what a load does with every page it reads (public for
/// the property tests and the fuzzer).
pub fn items_of_page(
    stream: &str,
    page: ObjectPage,
    portal_id: &str,
) -> Result<(Vec<IntegrationItem>, Option<String>)> {
    let object = object_type(stream)?;
    Ok(map_page(object, page, portal_id))
}

/// The object type a stream loads.
fn object_type(stream: &str) -> Result<&'static ObjectType> {
    OBJECT_TYPES
        .iter()
        .find(|o| o.path == stream)
        .ok_or_else(|| {
            CoreError::invalid_argument(format!("HubSpot has no stream called {stream}"))
        })
}

fn map_page(
    object: &ObjectType,
    page: ObjectPage,
    portal_id: &str,
) -> (Vec<IntegrationItem>, Option<String>) {
    let items = page
        .results
        .into_iter()
        .map(|o| to_item(o, object, portal_id))
        .collect();
    (items, page.paging.and_then(|p| p.next).map(|n| n.after))
}

fn to_item(object: SimpleObject, kind: &ObjectType, portal_id: &str) -> IntegrationItem {
    let prop = |name: &str| -> Option<String> {
        object
            .properties
            .get(name)
            .cloned()
            .flatten()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let name = match kind.item_type {
        ItemKind::Contact => {
            let full = [prop("firstname"), prop("lastname")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            Some(full)
                .filter(|n| !n.is_empty())
                .or_else(|| prop("email"))
        }
        ItemKind::Company => prop("name").or_else(|| prop("domain")),
        _ => prop("dealname"),
    };
    let name = name.unwrap_or_else(|| format!("Unnamed {} {}", kind.item_type, object.id));
    let mut item = IntegrationItem::new(
        Integration::Hubspot,
        object.id.clone(),
        kind.item_type,
        name,
    );
    item.creation_time = parse_time(object.created_at.as_deref())
        .or_else(|| parse_time(prop("createdate").as_deref()));
    item.last_modified_time = parse_time(object.updated_at.as_deref());
    item.url = Some(format!(
        "https://app.hubspot.com/contacts/{portal_id}/record/{}/{}",
        kind.type_id, object.id
    ));
    item.visibility = Some(!object.archived);
    for (key, value) in object.properties {
        if let Some(value) = value {
            item.details.insert(key, value.into());
        }
    }
    // HubSpot lists an association once per label, ordered by id: each id is kept once, and
    // the parent is the company whose label is the primary one (`contact_to_company`, not
    // `…_unlabeled`) — the first listed only when none is marked primary.
    let ids = |kind: &str| -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        object
            .associations
            .get(kind)
            .map(|a| {
                a.results
                    .iter()
                    .filter(|r| seen.insert(r.id.as_str()))
                    .map(|r| r.id.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let primary_label = format!("{}_to_company", kind.item_type);
    let primary = object.associations.get("companies").and_then(|a| {
        a.results
            .iter()
            .find(|r| r.label.as_deref() == Some(primary_label.as_str()))
            .map(|r| r.id.clone())
    });
    let companies = ids("companies");
    item.parent_id = primary.or_else(|| companies.first().cloned());
    if !companies.is_empty() {
        item.details.insert("companyIds".into(), companies.into());
    }
    let contacts = ids("contacts");
    if !contacts.is_empty() {
        item.details.insert("contactIds".into(), contacts.into());
    }
    item
}

#[cfg(test)]
mod tests;
