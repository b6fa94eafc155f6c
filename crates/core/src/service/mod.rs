//! `Inlet`: the operations the desktop shell and the CLI expose (the seed's authorize /
//! oauth2callback / credentials / load, plus status and disconnect), over the OAuth flow, the
//! token store, the refresh logic and the paced client.

mod connect;
mod items;
mod setup;

pub use setup::{ProviderSetup, Resolver, SetupInput, SetupSource};

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use specta::Type;
use tokio_util::sync::CancellationToken;

use crate::cache::{CachedLoad, ItemCache};
use crate::config::{Mode, ProviderSettings, RedirectTransport};
use crate::error::{CoreError, Result};
use crate::http::{http_client, ApiClient, Breaker, Pacer, RetryPolicy};
use crate::item::{Integration, IntegrationItem};
use crate::load::{load_all, LoadProgress, LoadResult, ProgressFn};
use crate::oauth::pending::PendingFlows;
use crate::providers::{airtable, provider, table::spec, LoadContext, PageSink};
use crate::session::{blocking, ConnectionTokens, RefreshLocks};
use crate::store::{AccountInfo, StoredConnection, TokenStore};

/// What the UI and `inlet status` show for an integration (never a token).
#[derive(Debug, Clone, Serialize, Type)]
pub struct IntegrationStatus {
    /// Which integration.
    pub integration: Integration,
    /// Its product name.
    pub name: String,
    /// Live, Sandbox, or absent when not configured.
    pub mode: Option<Mode>,
    /// Whether a connection is stored.
    pub connected: bool,
    /// The connected account.
    pub account: Option<AccountInfo>,
    /// Every connected account of the integration (the switcher's choices).
    pub accounts: Vec<AccountInfo>,
    /// When the person connected.
    pub connected_at: Option<DateTime<Utc>>,
    /// When the items on screen were loaded (this session or the cache).
    pub last_load: Option<DateTime<Utc>>,
    /// The provider refused the saved authorization; Connect again.
    pub reconnect_needed: bool,
    /// How the sign-in comes back.
    pub transport: Option<RedirectTransport>,
}

/// A connection's metadata (the seed's `credentials`, without any token).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ConnectionInfo {
    /// Which integration.
    pub integration: Integration,
    /// Live or sandbox.
    pub mode: Mode,
    /// The account.
    pub account: AccountInfo,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// When the access token expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the person connected.
    pub connected_at: DateTime<Utc>,
    /// Whether the person must connect again.
    pub reconnect_needed: bool,
}

impl From<&StoredConnection> for ConnectionInfo {
    fn from(c: &StoredConnection) -> Self {
        Self {
            integration: c.integration,
            mode: c.mode,
            account: c.account.clone(),
            scopes: c.scopes.clone(),
            expires_at: c.expires_at,
            connected_at: c.connected_at,
            reconnect_needed: c.reconnect_needed,
        }
    }
}

/// A started sign-in.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AuthorizationStart {
    /// Which integration.
    pub integration: Integration,
    /// The URL to open in the browser (no secret in it).
    pub authorization_url: String,
    /// How the callback will come back.
    pub transport: RedirectTransport,
}

/// The core service.
pub struct Inlet {
    settings: std::sync::RwLock<HashMap<Integration, ProviderSettings>>,
    store: Arc<dyn TokenStore>,
    flows: PendingFlows,
    locks: RefreshLocks,
    http: reqwest::Client,
    pacers: HashMap<Integration, Pacer>,
    breakers: HashMap<Integration, Arc<Breaker>>,
    running: std::sync::Mutex<HashMap<Integration, CancellationToken>>,
    policy: RetryPolicy,
    cache: Option<ItemCache>,
    latest: std::sync::Mutex<HashMap<Integration, CachedLoad>>,
    resolver: Option<Resolver>,
    records: std::sync::Mutex<Vec<IntegrationItem>>,
    loopback_flow: std::sync::Mutex<Option<CancellationToken>>,
}

impl Inlet {
    /// A service over `settings` (providers missing from it are "not configured") and `store`.
    pub fn new(
        settings: Vec<ProviderSettings>,
        store: Arc<dyn TokenStore>,
        policy: RetryPolicy,
    ) -> Result<Self> {
        let pacers = Integration::ALL
            .iter()
            .map(|i| (*i, Pacer::for_limit(spec(*i).rate_limit)))
            .collect();
        let breakers = Integration::ALL
            .iter()
            .map(|i| {
                (
                    *i,
                    Arc::new(Breaker::new(
                        *i,
                        policy.breaker_threshold,
                        policy.breaker_cooldown,
                    )),
                )
            })
            .collect();
        Ok(Self {
            settings: std::sync::RwLock::new(
                settings.into_iter().map(|s| (s.integration, s)).collect(),
            ),
            store,
            flows: PendingFlows::default(),
            locks: RefreshLocks::default(),
            http: http_client()?,
            pacers,
            breakers,
            running: Default::default(),
            cache: None,
            latest: Default::default(),
            resolver: None,
            records: Default::default(),
            loopback_flow: Default::default(),
            policy,
        })
    }

    /// The settings of a provider, or `NotConfigured`.
    pub fn settings(&self, integration: Integration) -> Result<ProviderSettings> {
        self.read_settings()
            .get(&integration)
            .cloned()
            .ok_or(CoreError::NotConfigured { integration })
    }

    fn read_settings(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, HashMap<Integration, ProviderSettings>> {
        self.settings.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The active account's connection, or the first connected one.
    async fn find_connection(&self, integration: Integration) -> Result<Option<StoredConnection>> {
        let mode = self.settings(integration)?.mode;
        let active = self.active_account(integration, mode).await?;
        let prefix = crate::store::connection_key(integration, mode, "");
        let store = self.store.clone();
        blocking(move || {
            if let Some(id) = active {
                if let Some(found) =
                    store.get(&crate::store::connection_key(integration, mode, &id))?
                {
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
            let connection = match settings {
                Some(_) => self.find_connection(integration).await?,
                None => None,
            };
            out.push(IntegrationStatus {
                integration,
                name: integration.display_name().to_owned(),
                mode: settings.as_ref().map(|s| s.mode),
                connected: connection.is_some(),
                reconnect_needed: connection.as_ref().is_some_and(|c| c.reconnect_needed),
                connected_at: connection.as_ref().map(|c| c.connected_at),
                last_load: self.last_loaded_at(integration),
                accounts: match settings {
                    Some(_) => self.accounts(integration).await?,
                    None => Vec::new(),
                },
                account: connection.map(|c| c.account),
                transport: settings.as_ref().map(ProviderSettings::transport),
            });
        }
        Ok(out)
    }

    /// Forgets the active account's connection of `integration` (its tokens and cached items);
    /// another connected account, if any, becomes the active one.
    pub async fn disconnect(&self, integration: Integration) -> Result<bool> {
        let mode = self.settings(integration)?.mode;
        let Some(connection) = self.find_connection(integration).await? else {
            return Ok(false);
        };
        let key = connection.key();
        let store = self.store.clone();
        blocking(move || store.delete(&key)).await?;
        self.set_active_account(integration, mode, None).await?;
        self.forget(integration, mode);
        tracing::info!(%integration, "disconnected");
        Ok(true)
    }

    /// The connection's metadata, if connected.
    pub async fn credentials(&self, integration: Integration) -> Result<Option<ConnectionInfo>> {
        Ok(self
            .find_connection(integration)
            .await?
            .as_ref()
            .map(ConnectionInfo::from))
    }

    /// A fresh cancellation token for the next load of `integration`, replacing the last one.
    pub fn cancellable(&self, integration: Integration) -> CancellationToken {
        let token = CancellationToken::new();
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(integration, token.clone());
        token
    }

    /// Cancels the running load of `integration`; false when none runs.
    pub fn cancel_load(&self, integration: Integration) -> bool {
        match self
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&integration)
        {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    async fn connection_for_load(
        &self,
        integration: Integration,
    ) -> Result<(StoredConnection, ConnectionTokens, ApiClient)> {
        let settings = self.settings(integration)?;
        let connection = self
            .find_connection(integration)
            .await?
            .ok_or(CoreError::NotConnected { integration })?;
        if connection.reconnect_needed {
            return Err(CoreError::ReconnectNeeded { integration });
        }
        let tokens = ConnectionTokens::new(
            self.store.clone(),
            &self.locks,
            connection.key(),
            settings.clone(),
            self.http.clone(),
        );
        let pacer = self
            .pacers
            .get(&integration)
            .cloned()
            .unwrap_or_else(|| Pacer::for_limit(spec(integration).rate_limit));
        let breaker = self.breakers.get(&integration).cloned().unwrap_or_else(|| {
            Arc::new(Breaker::new(
                integration,
                self.policy.breaker_threshold,
                self.policy.breaker_cooldown,
            ))
        });
        let api = ApiClient::new(self.http.clone(), integration, pacer, breaker, self.policy);
        Ok((connection, tokens, api))
    }

    /// Loads every item of the connected account.
    pub async fn load(
        &self,
        integration: Integration,
        progress: ProgressFn,
        cancel: CancellationToken,
    ) -> Result<LoadResult> {
        let provider = provider(integration)?;
        let settings = self.settings(integration)?;
        let (connection, tokens, api) = self.connection_for_load(integration).await?;
        let report = progress.clone();
        let api = api.with_rate_limit_hook(Arc::new(move |wait| {
            report(LoadProgress {
                integration,
                stream: "rate limit".into(),
                pages: 0,
                items: 0,
                done: false,
                waiting_secs: Some(u32::try_from(wait.as_secs().max(1)).unwrap_or(u32::MAX)),
            })
        }));
        let ctx = LoadContext {
            api: &api,
            tokens: &tokens,
            settings: &settings,
            account: &connection.account,
        };
        let result = load_all(provider, &ctx, progress, cancel).await?;
        self.remember(&connection, &result).await;
        Ok(result)
    }

    /// Loads the records of one Airtable table (`base` id, `table` id or name).
    pub async fn load_airtable_records(
        &self,
        base: &str,
        table: &str,
        cancel: CancellationToken,
    ) -> Result<Vec<IntegrationItem>> {
        let valid = |s: &str| !s.is_empty() && s.len() <= 256 && !s.contains(['/', '?', '#']);
        if !valid(base) || !valid(table) {
            return Err(CoreError::invalid_argument(
                "Records need a base id and a table id or name, as <baseId>/<tableId>.",
            ));
        }
        let integration = Integration::Airtable;
        let settings = self.settings(integration)?;
        let (connection, tokens, api) = self.connection_for_load(integration).await?;
        let ctx = LoadContext {
            api: &api,
            tokens: &tokens,
            settings: &settings,
            account: &connection.account,
        };
        struct Collect(Vec<IntegrationItem>);
        impl PageSink for Collect {
            fn page(&mut self, items: Vec<IntegrationItem>) {
                self.0.extend(items);
            }
        }
        let mut sink = Collect(Vec::new());
        tokio::select! {
            loaded = airtable::load_records(&ctx, base, table, &mut sink) => loaded?,
            _ = cancel.cancelled() => return Err(CoreError::Cancelled),
        }
        self.remember_records(&sink.0);
        Ok(sink.0)
    }
}
