//! HubSpot: contacts, companies and deals from the CRM v3 object API (limit 100, `after`
//! cursors); the account (portal) from the token response and the 2026-03 introspection.

pub mod api;

use async_trait::async_trait;
use url::Url;

use self::api::{Introspection, ObjectPage, SimpleObject};
use super::{advance, api_url, parse_time, table::spec, LoadContext, PageSink, Provider};
use crate::config::ProviderSettings;
use crate::error::{CoreError, Result};
use crate::item::{Integration, IntegrationItem};
use crate::oauth::client::TokenSet;
use crate::store::AccountInfo;

/// The HubSpot provider.
pub struct HubSpot;

/// One CRM object type Inlet loads.
struct ObjectType {
    /// The path segment and stream name.
    path: &'static str,
    /// The item type.
    item_type: &'static str,
    /// HubSpot's object type id, used in record URLs.
    type_id: &'static str,
    /// Properties requested (HubSpot's defaults differ per type; asking is reliable).
    properties: &'static str,
}

const OBJECT_TYPES: [ObjectType; 3] = [
    ObjectType {
        path: "contacts",
        item_type: "contact",
        type_id: "0-1",
        properties: "firstname,lastname,email,createdate,lastmodifieddate",
    },
    ObjectType {
        path: "companies",
        item_type: "company",
        type_id: "0-2",
        properties: "name,domain,createdate,hs_lastmodifieddate",
    },
    ObjectType {
        path: "deals",
        item_type: "deal",
        type_id: "0-3",
        properties: "dealname,amount,dealstage,pipeline,closedate,createdate,hs_lastmodifieddate",
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

#[async_trait]
impl Provider for HubSpot {
    fn integration(&self) -> Integration {
        Integration::Hubspot
    }

    async fn account(
        &self,
        http: &reqwest::Client,
        settings: &ProviderSettings,
        tokens: &TokenSet,
    ) -> Result<AccountInfo> {
        let integration = Integration::Hubspot;
        let from_token = tokens.extra.get("hub_id").and_then(|v| v.as_u64());
        let mut form = vec![
            ("client_id", settings.client_id.clone()),
            ("token", tokens.access_token.expose().to_owned()),
            ("token_type_hint", "access_token".to_owned()),
        ];
        if let Some(secret) = &settings.client_secret {
            form.push(("client_secret", secret.expose().to_owned()));
        }
        let introspection = async {
            let response = http
                .post(introspect_url(&settings.token_url))
                .form(&form)
                .send()
                .await
                .ok()?;
            if !response.status().is_success() {
                return None;
            }
            response.json::<Introspection>().await.ok()
        }
        .await;
        let introspection = introspection.filter(|i| i.active != Some(false));
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
        let object = OBJECT_TYPES
            .iter()
            .find(|o| o.path == stream)
            .ok_or_else(|| {
                CoreError::invalid_argument(format!("HubSpot has no stream called {stream}"))
            })?;
        let endpoint = api_url(ctx.settings, &format!("/crm/v3/objects/{}", object.path));
        let limit = spec(Integration::Hubspot).page_size.to_string();
        let mut after: Option<String> = None;
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
                    http.get(endpoint.clone()).query(&query)
                })
                .await?;
            let items = page
                .results
                .into_iter()
                .map(|o| to_item(o, object, &ctx.account.id))
                .collect();
            sink.page(items);
            let next = page.paging.and_then(|p| p.next).map(|n| n.after);
            if !advance(Integration::Hubspot, &mut after, next)? {
                return Ok(());
            }
        }
    }
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
        "contact" => {
            let full = [prop("firstname"), prop("lastname")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            Some(full)
                .filter(|n| !n.is_empty())
                .or_else(|| prop("email"))
        }
        "company" => prop("name").or_else(|| prop("domain")),
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
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: serde_json::Value) -> SimpleObject {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn contact_names_fall_back_to_email() {
        let named = object(
            serde_json::json!({"id":"1","properties":{"firstname":"Ada","lastname":"Lovelace","email":"a@x"},
            "createdAt":"2024-09-12T11:36:05.267Z","updatedAt":"2024-09-12T11:36:22.982Z","archived":false}),
        );
        let item = to_item(named, &OBJECT_TYPES[0], "42");
        assert_eq!(item.name, "Ada Lovelace");
        assert_eq!(
            item.url.as_deref(),
            Some("https://app.hubspot.com/contacts/42/record/0-1/1")
        );
        assert_eq!(
            item.creation_time.unwrap().to_rfc3339(),
            "2024-09-12T11:36:05.267+00:00"
        );
        let email_only = object(
            serde_json::json!({"id":"2","properties":{"firstname":null,"lastname":" ","email":"b@x"}}),
        );
        assert_eq!(to_item(email_only, &OBJECT_TYPES[0], "42").name, "b@x");
    }

    #[test]
    fn companies_and_deals_are_named_by_their_fields() {
        let company =
            object(serde_json::json!({"id":"7","properties":{"name":null,"domain":"acme.io"}}));
        let item = to_item(company, &OBJECT_TYPES[1], "42");
        assert_eq!(
            (item.name.as_str(), item.item_type.as_str()),
            ("acme.io", "company")
        );
        assert!(item.url.unwrap().ends_with("/record/0-2/7"));
        let deal =
            object(serde_json::json!({"id":"9","properties":{"dealname":"Big one","amount":"10"}}));
        let item = to_item(deal, &OBJECT_TYPES[2], "42");
        assert_eq!(item.name, "Big one");
        assert_eq!(item.details["amount"], "10");
        let nameless = object(serde_json::json!({"id":"10","properties":{}}));
        assert_eq!(
            to_item(nameless, &OBJECT_TYPES[2], "42").name,
            "Unnamed deal 10"
        );
    }

    #[test]
    fn introspection_lives_beside_the_token_endpoint() {
        let url = Url::parse("https://api.hubapi.com/oauth/2026-03/token").unwrap();
        assert_eq!(
            introspect_url(&url).as_str(),
            "https://api.hubapi.com/oauth/2026-03/token/introspect"
        );
    }
}
