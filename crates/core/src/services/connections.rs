//! Connections: the token store, each provider's effective settings, the connected accounts and
//! the active one. Settings come from the environment, the keychain and the demo
//! (`setup.rs`); everything else that needs a connection asks here.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use super::library::{CurrentAccount, Library};
use super::provider_settings::Resolver;
use super::types::{account_key, ConnectionInfo, Disconnected, IntegrationStatus};
use crate::config::{Mode, ProviderSettings};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::keychain::{
    blocking, check_issuer, connection_key, AccountInfo, StoredConnection, TokenStore,
};
use crate::oauth::revoke::{revoke, RevokeOutcome};
use crate::tokens::RefreshLocks;

/// The connected accounts and the settings they are used with.
pub struct Connections {
    pub(super) store: Arc<dyn TokenStore>,
    pub(super) settings: RwLock<HashMap<Integration, ProviderSettings>>,
    pub(super) resolver: Resolver,
    pub(super) library: Arc<Library>,
    /// For revoking grants on disconnect.
    http: reqwest::Client,
    /// One refresh, save or disconnect of a connection at a time (in this process and across
    /// processes through the data dir's lock files).
    pub(super) locks: Arc<RefreshLocks>,
}

/// The keychain entry naming the active account of an integration in a mode.
fn active_entry(integration: Integration, mode: Mode) -> String {
    connection_key(integration, mode, "").replacen(':', "-active:", 1)
}

impl Connections {
    /// Connections kept in `store`, with settings re-resolved by `resolver` (call
    /// [`Connections::reload_settings`] before use); a change of account sets `library`'s items
    /// of that integration aside.
    pub fn new(
        store: Arc<dyn TokenStore>,
        resolver: Resolver,
        library: Arc<Library>,
        http: reqwest::Client,
        locks: Arc<RefreshLocks>,
    ) -> Self {
        Self {
            store,
            settings: RwLock::default(),
            resolver,
            library,
            http,
            locks,
        }
    }

    /// Checks that the keychain answers (`keychain_unavailable` says what to start or unlock):
    /// a sign-in asks before it opens the browser, so nobody consents for nothing.
    pub async fn probe_store(&self) -> Result<()> {
        let store = self.store.clone();
        blocking(move || store.probe()).await
    }

    /// The effective settings of a provider, or `NotConfigured`.
    pub fn settings(&self, integration: Integration) -> Result<ProviderSettings> {
        self.read_settings()
            .get(&integration)
            .cloned()
            .ok_or(CoreError::NotConfigured { integration })
    }

    pub(super) fn read_settings(
        &self,
    ) -> RwLockReadGuard<'_, HashMap<Integration, ProviderSettings>> {
        self.settings.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The active account's connection, or the first connected one.
    pub async fn find(&self, integration: Integration) -> Result<Option<StoredConnection>> {
        let mode = self.settings(integration)?.mode;
        let active = self.active_account(integration, mode).await?;
        let prefix = connection_key(integration, mode, "");
        let store = self.store.clone();
        blocking(move || {
            if let Some(id) = active {
                if let Some(found) = store.get(&connection_key(integration, mode, &id))? {
                    return Ok(Some(found));
                }
            }
            for key in store.keys()?.into_iter().filter(|k| k.starts_with(&prefix)) {
                if let Some(found) = store.get(&key)? {
                    return Ok(Some(found));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Every integration with its status.
    pub async fn integrations(&self) -> Result<Vec<IntegrationStatus>> {
        let mut out = Vec::new();
        for integration in Integration::ALL {
            let settings = self.settings(integration).ok();
            let (connection, accounts) = match settings {
                Some(_) => (
                    self.find(integration).await?,
                    self.accounts(integration).await?,
                ),
                None => (None, Vec::new()),
            };
            let usage = match &connection {
                Some(c) => {
                    let (library, key) = (self.library.clone(), account_key(c));
                    blocking(move || library.api_usage(&key)).await?
                }
                None => None,
            };
            let capabilities = crate::providers::provider(integration).capabilities();
            let left_out = connection
                .as_ref()
                .map(|c| left_out(&capabilities, &c.scopes))
                .unwrap_or_default();
            out.push(IntegrationStatus {
                usage,
                left_out,
                capabilities,
                integration,
                name: integration.display_name().to_owned(),
                mode: settings.as_ref().map(|s| s.mode),
                connected: connection.is_some(),
                // Stored tokens that the settings in force would send elsewhere need a new sign-in too.
                reconnect_needed: connection.as_ref().is_some_and(|c| {
                    c.reconnect_needed
                        || settings
                            .as_ref()
                            .is_some_and(|s| check_issuer(&mut c.clone(), s).is_err())
                }),
                connected_at: connection.as_ref().map(|c| c.connected_at),
                last_load: self.library.last_loaded_at(integration),
                accounts,
                account: connection.map(|c| c.account),
                transport: settings.as_ref().map(ProviderSettings::transport),
                endpoint_overrides: settings.map(|s| s.overrides).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// The connection's metadata (the seed's `credentials`), if connected.
    pub async fn credentials(&self, integration: Integration) -> Result<Option<ConnectionInfo>> {
        Ok(self
            .find(integration)
            .await?
            .as_ref()
            .map(ConnectionInfo::from))
    }

    /// Saves a new connection and makes its account the active one; the others stay connected.
    pub async fn save(&self, connection: StoredConnection) -> Result<ConnectionInfo> {
        let info = ConnectionInfo::from(&connection);
        let store = self.store.clone();
        let (integration, mode) = (connection.integration, connection.mode);
        let account_id = connection.account.id.clone();
        // Under the connection's lock: a refresh of the entry this replaces finishes first (and
        // then finds it changed) instead of writing over it.
        let _held = self.locks.hold(&connection.key()).await?;
        blocking(move || store.put(&connection)).await?;
        self.set_active_account(integration, mode, Some(account_id))
            .await?;
        self.library.forget_last_load(integration);
        Ok(info)
    }

    /// Revokes the active account's grant at the provider (best effort: where the provider can,
    /// and only through the endpoints that issued it), then forgets its tokens; another
    /// connected account, if any, becomes the active one. Its stored items stay on this
    /// computer, off the screen, until [`crate::services::Library::forget`] is asked for them.
    pub async fn disconnect(&self, integration: Integration) -> Result<Option<Disconnected>> {
        let settings = self.settings(integration)?;
        let mode = settings.mode;
        let Some(found) = self.find(integration).await? else {
            return Ok(None);
        };
        // Under the connection's lock, read again: a refresh in flight finishes first, so what
        // is revoked is the pair it stored, and nothing is written back after the delete.
        let key = found.key();
        let _held = self.locks.hold(&key).await?;
        let store = self.store.clone();
        let Some(connection) = blocking(move || store.get(&key)).await? else {
            return Ok(None);
        };
        let revocation = match check_issuer(&mut connection.clone(), &settings) {
            Ok(_) => revoke(&self.http, &settings, &connection).await,
            Err(error) => RevokeOutcome::Failed {
                reason: format!("its tokens were not sent: {error}"),
            },
        };
        let key = connection.key();
        let store = self.store.clone();
        blocking(move || store.delete(&key)).await?;
        self.set_active_account(integration, mode, None).await?;
        self.library.forget_last_load(integration);
        tracing::info!(%integration, "disconnected");
        Ok(Some(Disconnected {
            account: CurrentAccount {
                integration,
                mode,
                account_id: connection.account.id,
            },
            revocation,
        }))
    }

    /// Every connected account of `integration` in its current mode.
    pub async fn accounts(&self, integration: Integration) -> Result<Vec<AccountInfo>> {
        let prefix = connection_key(integration, self.settings(integration)?.mode, "");
        let store = self.store.clone();
        blocking(move || {
            let mut accounts = Vec::new();
            for key in store.keys()?.into_iter().filter(|k| k.starts_with(&prefix)) {
                if let Some(connection) = store.get(&key)? {
                    accounts.push(connection.account);
                }
            }
            Ok(accounts)
        })
        .await
    }

    /// Every connected account of every configured integration, each in its current mode: whose
    /// stored items the grid shows side by side.
    pub async fn connected_accounts(&self) -> Result<Vec<CurrentAccount>> {
        let mut connected = Vec::new();
        for integration in Integration::ALL {
            let Ok(settings) = self.settings(integration) else {
                continue;
            };
            for account in self.accounts(integration).await? {
                connected.push(CurrentAccount {
                    integration,
                    mode: settings.mode,
                    account_id: account.id,
                });
            }
        }
        Ok(connected)
    }

    /// Makes `account_id` the account Load, Credentials and Disconnect use.
    pub async fn switch_account(&self, integration: Integration, account_id: &str) -> Result<()> {
        let mode = self.settings(integration)?.mode;
        if !self
            .accounts(integration)
            .await?
            .iter()
            .any(|a| a.id == account_id)
        {
            return Err(CoreError::invalid_argument(format!(
                "{} has no connected account {account_id}.",
                integration.display_name()
            )));
        }
        self.set_active_account(integration, mode, Some(account_id.to_owned()))
            .await?;
        self.library.forget_last_load(integration);
        Ok(())
    }

    async fn active_account(&self, integration: Integration, mode: Mode) -> Result<Option<String>> {
        let store = self.store.clone();
        blocking(move || store.get_entry(&active_entry(integration, mode))).await
    }

    async fn set_active_account(
        &self,
        integration: Integration,
        mode: Mode,
        account: Option<String>,
    ) -> Result<()> {
        let store = self.store.clone();
        blocking(move || match account {
            Some(id) => store.put_entry(&active_entry(integration, mode), &id),
            None => store.delete_entry(&active_entry(integration, mode)),
        })
        .await
    }
}

/// What a connection granted `scopes` leaves out: the sentence of each optional scope it
/// lacks (neither it nor any scope that does the same was granted).
fn left_out(capabilities: &crate::providers::Capabilities, scopes: &[String]) -> Vec<String> {
    let has = |scope: &String| scopes.contains(scope);
    capabilities
        .optional_scopes
        .iter()
        .filter(|o| !has(&o.scope) && !o.or.iter().any(has))
        .map(|o| {
            format!(
                "{} Connect again and allow `{}` to load them.",
                o.without, o.scope
            )
        })
        .collect()
}
