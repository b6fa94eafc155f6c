//! Shared helpers: an in-process sandbox and an `Inlet` pointed at it.

#![allow(dead_code)]

use std::sync::Arc;

use inlet_core::config::{sandbox_settings, SandboxEndpoint};
use inlet_core::http::RetryPolicy;
use inlet_core::service::AuthorizationStart;
use inlet_core::store::{MemoryStore, TokenStore};
use inlet_core::{Inlet, Integration, ProviderSettings, Secret};
use inlet_sandbox::{Knobs, Sandbox, SandboxConfig};
use url::Url;

pub async fn sandbox(knobs: Knobs) -> Arc<Sandbox> {
    Arc::new(
        Sandbox::start(SandboxConfig {
            knobs,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts"),
    )
}

pub fn settings(sandbox: &Sandbox, secret: &str) -> ProviderSettings {
    let endpoint = SandboxEndpoint {
        base: Url::parse(&sandbox.base_url()).unwrap(),
        client_id: inlet_sandbox::CLIENT_ID.into(),
        client_secret: Secret::new(secret),
    };
    sandbox_settings(
        Integration::Hubspot,
        &endpoint,
        Url::parse("http://127.0.0.1:0/oauth/callback").unwrap(),
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

/// Plays the browser: follows the authorization URL's 302 to the redirect URI and returns the
/// page the loopback listener shows.
pub fn browser(start: &AuthorizationStart) -> tokio::task::JoinHandle<String> {
    let url = start.authorization_url.clone();
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let consent = client.get(&url).send().await.expect("authorize answers");
        assert_eq!(consent.status(), 303, "the sandbox redirects back");
        let location = consent.headers()["location"].to_str().unwrap().to_owned();
        client
            .get(&location)
            .send()
            .await
            .expect("the loopback answers")
            .text()
            .await
            .unwrap()
    })
}

/// Connects through the loopback flow and returns the page the browser showed.
pub async fn connect(
    inlet: &Inlet,
) -> (
    inlet_core::Result<inlet_core::service::ConnectionInfo>,
    String,
) {
    let mut page = None;
    let result = inlet
        .connect_loopback(Integration::Hubspot, |start| page = Some(browser(start)))
        .await;
    let page = page.expect("the browser was opened").await.unwrap();
    (result, page)
}

pub fn expected_ids(sandbox: &Sandbox) -> Vec<(String, String)> {
    let hub = &sandbox.dataset().hubspot;
    let mut ids: Vec<(String, String)> = hub
        .contacts
        .iter()
        .map(|r| ("contact".to_owned(), r.id.clone()))
        .chain(
            hub.companies
                .iter()
                .map(|r| ("company".to_owned(), r.id.clone())),
        )
        .chain(hub.deals.iter().map(|r| ("deal".to_owned(), r.id.clone())))
        .collect();
    ids.sort();
    ids
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
