//! Shared helpers: an in-process sandbox and an `Inlet` pointed at it.

#![allow(dead_code)]

use std::sync::Arc;

use inlet_core::config::{sandbox_settings, SandboxEndpoint};
use inlet_core::http::RetryPolicy;
use inlet_core::service::{AuthorizationStart, ConnectionInfo};
use inlet_core::store::{MemoryStore, TokenStore};
use inlet_core::{Inlet, Integration, ProviderSettings, Secret};
use inlet_sandbox::{Knobs, Sandbox, SandboxConfig};
use url::Url;

pub async fn sandbox(knobs: Knobs) -> Arc<Sandbox> {
    sandbox_with(SandboxConfig {
        knobs,
        ..SandboxConfig::default()
    })
    .await
}

pub async fn sandbox_with(config: SandboxConfig) -> Arc<Sandbox> {
    Arc::new(Sandbox::start(config).await.expect("sandbox starts"))
}

/// Settings for `integration` on the sandbox, with this client id and secret.
pub fn settings_for(
    sandbox: &Sandbox,
    integration: Integration,
    client_id: &str,
    secret: Option<&str>,
) -> ProviderSettings {
    let endpoint = SandboxEndpoint {
        base: Url::parse(&sandbox.base_url()).unwrap(),
        client_id: client_id.into(),
        client_secret: Secret::new(secret.unwrap_or("")),
    };
    let mut settings = sandbox_settings(
        integration,
        &endpoint,
        Url::parse("http://127.0.0.1:0/oauth/callback").unwrap(),
    );
    if secret.is_none() {
        settings.client_secret = None;
    }
    settings
}

pub fn settings(sandbox: &Sandbox, secret: &str) -> ProviderSettings {
    settings_for(
        sandbox,
        Integration::Hubspot,
        inlet_sandbox::CLIENT_ID,
        Some(secret),
    )
}

pub fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        ..RetryPolicy::fast()
    }
}

pub fn inlet_with(sandbox: &Sandbox, store: Arc<dyn TokenStore>, secret: &str) -> Inlet {
    Inlet::new(vec![settings(sandbox, secret)], store, policy()).unwrap()
}

pub fn inlet(sandbox: &Sandbox) -> Inlet {
    inlet_with(
        sandbox,
        Arc::new(MemoryStore::default()),
        inlet_sandbox::CLIENT_SECRET,
    )
}

/// An `Inlet` with every provider on the sandbox (confidential clients).
pub fn inlet_all(sandbox: &Sandbox, secret: &str) -> Inlet {
    let settings = Integration::ALL
        .iter()
        .map(|i| settings_for(sandbox, *i, inlet_sandbox::CLIENT_ID, Some(secret)))
        .collect();
    Inlet::new(settings, Arc::new(MemoryStore::default()), policy()).unwrap()
}

/// Opens the authorization URL as a browser would and returns where the sandbox's consent
/// redirects (the callback URL, with code and state).
pub async fn consent_redirect(authorization_url: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = client
        .get(authorization_url)
        .send()
        .await
        .expect("authorize answers");
    assert_eq!(
        consent.status(),
        303,
        "the sandbox redirects back: {}",
        consent.text().await.unwrap_or_default()
    );
    consent.headers()["location"].to_str().unwrap().to_owned()
}

/// Plays the browser: follows the authorization URL's redirect to the redirect URI and returns
/// the page the loopback listener shows.
pub fn browser(start: &AuthorizationStart) -> tokio::task::JoinHandle<String> {
    let url = start.authorization_url.clone();
    tokio::spawn(async move {
        let location = consent_redirect(&url).await;
        reqwest::get(&location)
            .await
            .expect("the loopback answers")
            .text()
            .await
            .unwrap()
    })
}

/// Connects `integration` through the loopback flow; returns the outcome and the browser's page.
pub async fn connect_to(
    inlet: &Inlet,
    integration: Integration,
) -> (inlet_core::Result<ConnectionInfo>, String) {
    let mut page = None;
    let result = inlet
        .connect_loopback(integration, |start| page = Some(browser(start)))
        .await;
    let page = page.expect("the browser was opened").await.unwrap();
    (result, page)
}

pub async fn connect(inlet: &Inlet) -> (inlet_core::Result<ConnectionInfo>, String) {
    connect_to(inlet, Integration::Hubspot).await
}

/// The (type, id) pairs a full load of `integration` must produce, sorted.
pub fn expected_ids_for(sandbox: &Sandbox, integration: Integration) -> Vec<(String, String)> {
    let data = sandbox.dataset();
    let mut ids: Vec<(String, String)> = match integration {
        Integration::Hubspot => {
            let hub = &data.hubspot;
            hub.contacts
                .iter()
                .map(|r| ("contact".to_owned(), r.id.clone()))
                .chain(
                    hub.companies
                        .iter()
                        .map(|r| ("company".to_owned(), r.id.clone())),
                )
                .chain(hub.deals.iter().map(|r| ("deal".to_owned(), r.id.clone())))
                .collect()
        }
        Integration::Airtable => data
            .airtable
            .bases
            .iter()
            .flat_map(|b| {
                std::iter::once(("base".to_owned(), b.id.clone()))
                    .chain(b.tables.iter().map(|t| ("table".to_owned(), t.id.clone())))
            })
            .collect(),
        Integration::Notion => data
            .notion
            .objects
            .iter()
            .map(|o| (o.object.to_owned(), o.id.clone()))
            .collect(),
    };
    ids.sort();
    ids
}

pub fn expected_ids(sandbox: &Sandbox) -> Vec<(String, String)> {
    expected_ids_for(sandbox, Integration::Hubspot)
}

pub fn loaded_ids(result: &inlet_core::load::LoadResult) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = result
        .items
        .iter()
        .map(|i| (i.item_type.clone(), i.id.clone()))
        .collect();
    ids.sort();
    ids
}
