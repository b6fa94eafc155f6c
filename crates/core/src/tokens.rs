//! Valid access tokens for a stored connection: refresh 60 s before expiry and once after a 401,
//! one refresh at a time per connection (callers waiting on the lock re-read the keychain and use
//! the token the first one got), the rotated refresh token saved before the new access token is
//! used, and `invalid_grant` recorded as "reconnect needed".

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::Utc;

use crate::config::ProviderSettings;
use crate::error::{CoreError, Result};
use crate::http::AccessTokens;
use crate::oauth::client::{self, TokenDialect};
use crate::secret::Secret;
use crate::store::{blocking, StoredConnection, TokenStore};

/// Refresh this long before the provider's expiry.
pub const REFRESH_MARGIN: chrono::Duration = chrono::Duration::seconds(60);

/// One refresh lock per connection key, shared by everything that uses the connection.
#[derive(Default)]
pub struct RefreshLocks {
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl RefreshLocks {
    fn for_key(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        locks.entry(key.to_owned()).or_default().clone()
    }
}

/// The tokens of one stored connection.
pub struct ConnectionTokens {
    connection: Arc<Connection>,
}

/// What reading and refreshing a connection's tokens needs; shared with the refresh task.
struct Connection {
    store: Arc<dyn TokenStore>,
    key: String,
    settings: ProviderSettings,
    dialect: &'static dyn TokenDialect,
    http: reqwest::Client,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl ConnectionTokens {
    /// Tokens for the connection `key`, refreshed through `settings`' token endpoint, whose
    /// answers `dialect` reads.
    pub fn new(
        store: Arc<dyn TokenStore>,
        locks: &RefreshLocks,
        key: String,
        settings: ProviderSettings,
        dialect: &'static dyn TokenDialect,
        http: reqwest::Client,
    ) -> Self {
        let lock = locks.for_key(&key);
        Self {
            connection: Arc::new(Connection {
                store,
                key,
                settings,
                dialect,
                http,
                lock,
            }),
        }
    }

    /// Refreshes under the lock unless, once inside, the stored token is already good. The
    /// refresh runs as a task of its own that holds the lock: a load cancelled meanwhile cannot
    /// stop it between the provider rotating the refresh token and the new one being saved.
    async fn refresh(&self, rejected: Option<&Secret>) -> Result<Secret> {
        let connection = self.connection.clone();
        let rejected = rejected.cloned();
        tokio::spawn(async move { connection.refresh(rejected).await })
            .await
            .map_err(|e| CoreError::task_failed("token refresh", e))?
    }
}

fn expiring(connection: &StoredConnection) -> bool {
    connection
        .expires_at
        .is_some_and(|at| at - REFRESH_MARGIN <= Utc::now())
}

impl Connection {
    async fn load(&self) -> Result<StoredConnection> {
        let integration = self.settings.integration;
        let (store, key) = (self.store.clone(), self.key.clone());
        let stored = blocking(move || store.get(&key)).await?;
        let stored = stored.ok_or(CoreError::NotConnected { integration })?;
        if stored.reconnect_needed {
            return Err(CoreError::ReconnectNeeded { integration });
        }
        Ok(stored)
    }

    async fn save(&self, connection: StoredConnection) -> Result<()> {
        let store = self.store.clone();
        blocking(move || store.put(&connection)).await
    }

    async fn refresh(&self, rejected: Option<Secret>) -> Result<Secret> {
        let _guard = self.lock.clone().lock_owned().await;
        let integration = self.settings.integration;
        let mut stored = self.load().await?;
        let still_good = match &rejected {
            Some(rejected) => stored.access_token != *rejected,
            None => !expiring(&stored),
        };
        if still_good {
            return Ok(stored.access_token);
        }
        let Some(refresh_token) = stored.refresh_token.clone() else {
            return Err(CoreError::ReconnectNeeded { integration });
        };
        tracing::info!(%integration, "refreshing the access token");
        match client::refresh(&self.http, &self.settings, self.dialect, &refresh_token).await {
            Ok(tokens) => {
                stored.access_token = tokens.access_token.clone();
                // Providers that rotate return a new refresh token; the old one is dead already.
                if let Some(rotated) = tokens.refresh_token {
                    stored.refresh_token = Some(rotated);
                }
                stored.expires_at = tokens.expires_at;
                self.save(stored).await?;
                Ok(tokens.access_token)
            }
            Err(CoreError::ReconnectNeeded { integration }) => {
                stored.reconnect_needed = true;
                self.save(stored).await?;
                Err(CoreError::ReconnectNeeded { integration })
            }
            Err(other) => Err(other),
        }
    }
}

#[async_trait]
impl AccessTokens for ConnectionTokens {
    async fn current(&self) -> Result<Secret> {
        let stored = self.connection.load().await?;
        if expiring(&stored) {
            return self.refresh(None).await;
        }
        Ok(stored.access_token)
    }

    async fn after_rejection(&self, rejected: &Secret) -> Result<Secret> {
        self.refresh(Some(rejected)).await
    }
}
