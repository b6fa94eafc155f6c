//! The services the desktop shell and the CLI call — the seed's authorize / oauth2callback /
//! credentials / load, plus status, settings and export — each with its own state:
//!
//! - [`Connections`]: the token store, effective settings, accounts and the active one;
//! - [`SignIn`]: `begin` → the URL to open and a future of the connection, for both transports;
//! - [`Loader`]: loads as handles that own their cancellation;
//! - [`Library`]: the loaded items, their cache and exports.
//!
//! [`Inlet::start`] is the one start-up both faces use.

mod budget;
mod carry_over;
mod clients;
mod connections;
mod diagnostics;
mod file_fetcher;
mod history;
mod item_views;
mod library;
mod library_files;
mod load_writer;
mod loader;
mod local_clients;
mod provider_settings;
mod records;
mod scheduled;
mod sign_in;
mod sql;
mod types;
mod usage;
mod vault;
mod vault_writer;

pub use clients::ApiClients;
pub use connections::Connections;
pub use diagnostics::Facts;
pub use file_fetcher::human_bytes;
pub use history::{parse_as_of, parse_since};
pub use item_views::{Destination, FacetValue, ItemView, ItemWindow, ViewFacets};
pub use library::{CurrentAccount, Library};
pub use library_files::FileUsage;
pub use loader::{LoadHandle, Loader};
pub use local_clients::{LocalClient, Proof};
pub use provider_settings::{DemoServer, ProviderSetup, Resolver, SetupInput, SetupSource};
pub use sign_in::{PendingSignIn, SignIn};
pub use types::{AuthorizationStart, ConnectionInfo, Disconnected, IntegrationStatus};
pub use usage::{month_of, ApiUsage, CallEstimate, PlanChoice};
pub use vault_writer::{vault_name, VaultReport};

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::EnvSource;
use crate::error::Result;
use crate::http::RetryPolicy;
use crate::keychain::{KeychainStore, TokenStore};
use crate::tokens::RefreshLocks;

/// The keychain namespace both the app and the CLI use, so they share connections.
pub const KEYCHAIN_SERVICE: &str = "dev.inlet.app";

/// What Inlet starts from.
pub struct StartOptions<'a> {
    /// Where configuration comes from (the process environment after `.env`).
    pub env: &'a dyn EnvSource,
    /// Where connections are kept; `None` is the OS keychain under [`keychain_service`].
    pub store: Option<Arc<dyn TokenStore>>,
    /// The offline demo for providers without client credentials, if this build has one.
    pub demo: Option<Arc<dyn DemoServer>>,
    /// The data dir: the item store lives there (see [`data_dir`]); `None` keeps items in memory.
    pub data_dir: Option<PathBuf>,
    /// Retries, timeouts and the circuit breaker.
    pub policy: RetryPolicy,
}

impl<'a> StartOptions<'a> {
    /// Options for `env` with the OS keychain, no demo, no cache and the default policy (its
    /// rate-limit budget from `INLET_RATE_LIMIT_BUDGET_SECS`).
    pub fn new(env: &'a dyn EnvSource) -> Self {
        Self {
            env,
            store: None,
            demo: None,
            data_dir: None,
            policy: RetryPolicy::from_env(env),
        }
    }
}

/// The keychain namespace: `INLET_KEYCHAIN_SERVICE` (tests keep their own), else
/// [`KEYCHAIN_SERVICE`] — the same for the app, debug or release, and the CLI.
pub fn keychain_service(env: &dyn EnvSource) -> String {
    env.var("INLET_KEYCHAIN_SERVICE")
        .unwrap_or_else(|| KEYCHAIN_SERVICE.to_owned())
}

/// The data dir both faces use, so they share the item store: `INLET_DATA_DIR`, else the
/// platform's data dir for the app's identifier (where Tauri puts the app's data too).
pub fn data_dir(env: &dyn EnvSource) -> Option<PathBuf> {
    env.var("INLET_DATA_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join(KEYCHAIN_SERVICE)))
}

/// The app's config dir, where its `.env` is read (`~/.config/dev.inlet.app` on Linux: the
/// platform's config dir for the app's identifier, as Tauri names it too).
pub fn config_dir() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join(KEYCHAIN_SERVICE))
}

/// Every service, built once.
pub struct Inlet {
    /// Accounts, settings, status.
    pub connections: Arc<Connections>,
    /// Sign-ins.
    pub sign_in: SignIn,
    /// Loads.
    pub loader: Loader,
    /// Loaded items and exports.
    pub library: Arc<Library>,
}

impl Inlet {
    /// Builds the services from `options` and resolves every provider's effective settings
    /// (environment, then keychain, then the demo).
    pub async fn start(options: StartOptions<'_>) -> Result<Self> {
        let data_dir = options.data_dir;
        let store = options.store.unwrap_or_else(|| {
            let service = keychain_service(options.env);
            let mut keychain = KeychainStore::new(service.clone());
            if let Some(dir) = &data_dir {
                let lock = dir.join("locks").join(format!("{service}-index.lock"));
                keychain = keychain.with_index_lock(lock);
            }
            Arc::new(keychain) as Arc<dyn TokenStore>
        });
        // The data dir holds the item store and the refresh locks: another user's folder, or
        // one others may write to, is refused before anything is read from it or written there.
        if let Some(dir) = &data_dir {
            crate::private_files::ensure_private_dir(dir)?;
        }
        // Refreshes are serialized with other processes sharing the keychain namespace through
        // lock files in the data dir (without one, within this process only).
        let locks = Arc::new(match &data_dir {
            Some(dir) => RefreshLocks::in_dir(dir.join("locks"), &keychain_service(options.env)),
            None => RefreshLocks::default(),
        });
        let library = tokio::task::spawn_blocking(move || Library::open(data_dir.as_deref()))
            .await
            .map_err(|e| crate::error::CoreError::task_failed("opening the item store", e))??;
        let library = Arc::new(library);
        let resolver = Resolver::new(options.env, options.demo);
        let clients = Arc::new(ApiClients::new(options.policy)?);
        let connections = Arc::new(Connections::new(
            store,
            resolver,
            library.clone(),
            clients.http().clone(),
            locks,
        ));
        connections.reload_settings().await?;
        Ok(Self {
            sign_in: SignIn::new(connections.clone(), clients.clone()),
            loader: Loader::new(connections.clone(), library.clone(), clients),
            connections,
            library,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_and_the_cli_share_one_keychain_namespace() {
        let none: [(&str, &str); 0] = [];
        assert_eq!(keychain_service(&none), "dev.inlet.app");
        let own = [("INLET_KEYCHAIN_SERVICE", "dev.inlet.test")];
        assert_eq!(keychain_service(&own), "dev.inlet.test");
    }
}
