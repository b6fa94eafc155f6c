//! Shared helpers: an in-process sandbox, Inlet started on it the way the app starts, and a
//! browser that follows the consent redirect.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use inlet_core::config::{EnvSource, SandboxEndpoint};
use inlet_core::http::RetryPolicy;
use inlet_core::keychain::{MemoryStore, TokenStore};
use inlet_core::services::{AuthorizationStart, ConnectionInfo, DemoServer, StartOptions};
use inlet_core::{Inlet, Integration, Secret};
use inlet_sandbox::{Knobs, Sandbox, SandboxConfig};
use url::Url;

pub mod portal;

/// Every provider, in the order the app lists them.
pub const PROVIDERS: [Integration; 3] = Integration::ALL;

/// The loopback redirect tests use: port 0, so each sign-in binds a free port.
pub const TEST_REDIRECT: &str = "http://127.0.0.1:0/oauth/callback";

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

/// Configuration values for a test: the given ones, then the test redirect URI.
pub struct Env(pub Vec<(String, String)>);

impl Env {
    pub fn of(pairs: &[(&str, &str)]) -> Self {
        let mut all: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        all.push(("INLET_REDIRECT_URI".into(), TEST_REDIRECT.into()));
        Self(all)
    }
}

impl EnvSource for Env {
    fn var(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// The sandbox as the demo every unconfigured provider falls back to, with this client.
pub fn endpoint(sandbox: &Sandbox, client_id: &str, secret: &str) -> SandboxEndpoint {
    SandboxEndpoint {
        base: Url::parse(&sandbox.base_url()).unwrap(),
        client_id: client_id.into(),
        client_secret: Secret::new(secret),
    }
}

pub fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 10,
        ..RetryPolicy::fast()
    }
}

/// Inlet started as the app starts it, on `env`, `demo`, `store` and `data_dir`.
pub async fn start(
    env: &Env,
    demo: Option<SandboxEndpoint>,
    store: Arc<dyn TokenStore>,
    data_dir: Option<PathBuf>,
) -> Inlet {
    Inlet::start(StartOptions {
        env,
        store: Some(store),
        demo: demo.map(|d| Arc::new(d) as Arc<dyn DemoServer>),
        data_dir,
        policy: policy(),
    })
    .await
    .expect("Inlet starts")
}

/// Every provider on the sandbox as a confidential client with `secret`.
pub async fn inlet_all(sandbox: &Sandbox, secret: &str) -> Inlet {
    let demo = endpoint(sandbox, inlet_sandbox::CLIENT_ID, secret);
    start(
        &Env::of(&[]),
        Some(demo),
        Arc::new(MemoryStore::default()),
        None,
    )
    .await
}

/// Every provider on the sandbox with the right secret.
pub async fn inlet(sandbox: &Sandbox) -> Inlet {
    inlet_all(sandbox, inlet_sandbox::CLIENT_SECRET).await
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

/// Connects `integration` through `begin` and a browser that consents; returns the outcome and
/// the page the browser was shown.
pub async fn connect_to(
    inlet: &Inlet,
    integration: Integration,
) -> (inlet_core::Result<ConnectionInfo>, String) {
    let (start, finished) = match inlet.sign_in.begin(integration).await {
        Ok(begun) => begun,
        Err(error) => return (Err(error), String::new()),
    };
    let page = browser(&start);
    let result = finished.await;
    (result, page.await.unwrap())
}

/// A progress callback that ignores progress.
pub fn no_progress() -> inlet_core::load::ProgressFn {
    Arc::new(|_| {})
}

/// A full load of `integration`.
pub async fn load(
    inlet: &Inlet,
    integration: Integration,
) -> inlet_core::Result<inlet_core::load::LoadResult> {
    inlet.loader.load(integration, no_progress()).await
}

/// The (type, id) pairs a full load of `integration` must produce, sorted.
pub fn expected_ids_for(sandbox: &Sandbox, integration: Integration) -> Vec<(String, String)> {
    let data = sandbox.dataset();
    let mut ids: Vec<(String, String)> = match integration {
        Integration::Hubspot => portal::hubspot_ids(&data.hubspot),
        Integration::Airtable => data
            .airtable
            .bases
            .iter()
            .flat_map(|b| {
                std::iter::once(("base".to_owned(), b.id.clone()))
                    .chain(b.tables.iter().map(|t| ("table".to_owned(), t.id.clone())))
            })
            .collect(),
        // Pages, databases, and every data source of each database (Notion-Version 2025-09-03).
        Integration::Notion => data
            .notion
            .objects
            .iter()
            .flat_map(|o| {
                std::iter::once((o.object.to_owned(), o.id.clone())).chain(
                    o.data_sources
                        .iter()
                        .map(|(id, _)| ("data_source".to_owned(), id.clone())),
                )
            })
            .collect(),
    };
    ids.sort();
    ids
}

/// Asserts a load is complete: not partial, and exactly the dataset's ids.
pub fn assert_complete(
    sandbox: &Sandbox,
    integration: Integration,
    result: &inlet_core::load::LoadResult,
) {
    assert!(!result.partial, "{integration}: {:?}", result.failures);
    assert_eq!(
        loaded_ids(result),
        expected_ids_for(sandbox, integration),
        "{integration}"
    );
}

pub fn loaded_ids(result: &inlet_core::load::LoadResult) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = result
        .items
        .iter()
        .map(|i| (i.item_type.to_string(), i.id.clone()))
        .collect();
    ids.sort();
    ids
}

/// An app over `sandbox` with an item store of its own (in a fresh temporary data dir, which the
/// test removes) and connections kept in memory.
pub async fn stored_inlet(sandbox: &Sandbox, name: &str) -> (Inlet, PathBuf) {
    let dir = std::env::temp_dir().join(format!("inlet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let demo = endpoint(
        sandbox,
        inlet_sandbox::CLIENT_ID,
        inlet_sandbox::CLIENT_SECRET,
    );
    let store: Arc<dyn TokenStore> = Arc::new(inlet_core::keychain::MemoryStore::default());
    (
        start(&Env::of(&[]), Some(demo), store, Some(dir.clone())).await,
        dir,
    )
}

/// Items as JSON by key, without the mark of what changed and without the links providers sign
/// anew for every answer: what two loads of the same data must agree on.
#[allow(dead_code)]
pub fn by_key(items: &[inlet_core::IntegrationItem]) -> Vec<(String, serde_json::Value)> {
    let mut items: Vec<(String, serde_json::Value)> = (items.iter())
        .map(|item| {
            let stable = item.without_signed_links();
            let mut json =
                serde_json::to_value(stable.as_ref().unwrap_or(item)).expect("an item is JSON");
            json["delta"] = serde_json::Value::Null;
            // Who edited is what a provider says on some reads only (Airtable's webhook
            // payloads, at a sync), not the item's content: the store's change hash leaves it
            // out too.
            if let Some(details) = json["details"].as_object_mut() {
                details.remove(inlet_core::item::EDITED_BY);
            }
            (item.key(), json)
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    items
}

/// The one change of field `field` that `inlet`'s history holds for item `id`: the item's only
/// revision, a change.
pub async fn only_change_of(
    inlet: &Inlet,
    id: &str,
    field: &str,
) -> inlet_core::item_store::FieldChange {
    let accounts = inlet.connections.connected_accounts().await.unwrap();
    let history = inlet.library.item_history(&accounts, id).await.unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0].kind, inlet_core::Delta::Changed);
    let change = history[0].changes.iter().find(|c| c.field == field);
    change.expect("the field's change").clone()
}
