//! What the app keeps while it runs: the core service, and the built-in sandbox when a provider
//! has no client credentials.

use std::sync::Arc;

use inlet_core::cache::ItemCache;
use inlet_core::config::{load_dotenv, resolve_all, ProcessEnv, SandboxEndpoint};
use inlet_core::http::RetryPolicy;
use inlet_core::service::Resolver;
use inlet_core::store::{KeychainStore, TokenStore};
use inlet_core::{Inlet, Integration, Secret};
use inlet_sandbox::{Sandbox, SandboxConfig};

/// Managed state.
pub struct AppState {
    /// The core service.
    pub inlet: Arc<Inlet>,
    /// Kept alive while providers use it.
    _sandbox: Option<Sandbox>,
}

/// The keychain namespace: release and debug builds do not share entries.
fn keychain_service() -> String {
    std::env::var("INLET_KEYCHAIN_SERVICE").unwrap_or_else(|_| {
        if cfg!(debug_assertions) {
            "dev.inlet.app.debug".to_owned()
        } else {
            "dev.inlet.app".to_owned()
        }
    })
}

fn needs_sandbox() -> bool {
    Integration::ALL.iter().any(|i| {
        std::env::var(format!("{}_CLIENT_ID", i.env_stem())).map_or(true, |v| v.trim().is_empty())
    })
}

impl AppState {
    /// Reads `.env` and the environment, starts the sandbox for unconfigured providers and opens
    /// the keychain.
    pub async fn start(data_dir: Option<std::path::PathBuf>) -> inlet_core::Result<Self> {
        load_dotenv();
        let sandbox = if needs_sandbox() {
            let sandbox = Sandbox::start(SandboxConfig::default())
                .await
                .map_err(|e| {
                    inlet_core::CoreError::invalid_argument(format!(
                        "the built-in sandbox could not start: {e}"
                    ))
                })?;
            tracing::info!(url = %sandbox.base_url(), "sandbox serving unconfigured providers");
            Some(sandbox)
        } else {
            None
        };
        let endpoint = match &sandbox {
            Some(s) => Some(SandboxEndpoint {
                base: url::Url::parse(&s.base_url())
                    .map_err(|e| inlet_core::CoreError::invalid_argument(e.to_string()))?,
                client_id: inlet_sandbox::CLIENT_ID.into(),
                client_secret: Secret::new(inlet_sandbox::CLIENT_SECRET),
            }),
            None => None,
        };
        let settings = resolve_all(&ProcessEnv, endpoint.as_ref())?;
        let resolver = Resolver::new(&ProcessEnv, endpoint);
        let store: Arc<dyn TokenStore> = Arc::new(KeychainStore::new(keychain_service()));
        let mut inlet =
            Inlet::new(settings, store, RetryPolicy::default())?.with_resolver(resolver);
        // Credentials entered in Settings live in the keychain; without a keychain the app still
        // starts (on the environment's settings) and says so when it is used.
        if let Err(error) = inlet.reload_settings().await {
            tracing::warn!(
                code = error.code(),
                "could not read saved provider settings"
            );
        }
        match data_dir {
            Some(dir) => inlet = inlet.with_cache(ItemCache::new(dir.join("items"))),
            None => tracing::warn!("no app data dir: loaded items are not kept between runs"),
        }
        Ok(Self {
            inlet: Arc::new(inlet),
            _sandbox: sandbox,
        })
    }
}
