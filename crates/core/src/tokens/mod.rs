//! Valid access tokens for a stored connection: refresh 60 s before expiry and once after a 401,
//! one refresh at a time per connection across processes (callers waiting on the lock re-read
//! the keychain and use the token the first one got), the rotated refresh token saved before the
//! new access token is used, and `invalid_grant` (Airtable: 409) recorded as "reconnect needed"
//! only when the keychain holds no newer pair. Tokens are sent only to the endpoints and client
//! that issued them ([`crate::store::check_issuer`]).

mod locks;

pub use locks::RefreshLocks;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::config::ProviderSettings;
use crate::error::{CoreError, Result};
use crate::http::AccessTokens;
use crate::oauth::client::{self, TokenDialect};
use crate::secret::Secret;
use crate::store::{blocking, check_issuer, IssuerCheck, StoredConnection, TokenStore};
use locks::ConnectionLock;

/// Refresh this long before the provider's expiry.
pub const REFRESH_MARGIN: chrono::Duration = chrono::Duration::seconds(60);

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
    lock: ConnectionLock,
    /// The access token in use and its expiry: read from the keychain once, then again only
    /// inside the refresh lock, so a load of any size makes a handful of keychain calls.
    cached: std::sync::Mutex<Option<(Secret, Option<DateTime<Utc>>)>>,
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
                cached: std::sync::Mutex::default(),
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
    expires_soon(connection.expires_at)
}

fn expires_soon(expires_at: Option<DateTime<Utc>>) -> bool {
    expires_at.is_some_and(|at| at - REFRESH_MARGIN <= Utc::now())
}

impl Connection {
    /// Remembers the token in use (and returns it).
    fn remember(&self, token: &Secret, expires_at: Option<DateTime<Utc>>) -> Secret {
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        *cached = Some((token.clone(), expires_at));
        token.clone()
    }

    /// The remembered token, unless it is about to expire.
    fn remembered(&self) -> Option<Secret> {
        let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|(_, expires_at)| !expires_soon(*expires_at))
            .map(|(token, _)| token.clone())
    }

    /// The stored connection, if its tokens may be used with the settings in force.
    async fn load(&self) -> Result<StoredConnection> {
        let integration = self.settings.integration;
        let (store, key) = (self.store.clone(), self.key.clone());
        let stored = blocking(move || store.get(&key)).await?;
        let mut stored = stored.ok_or(CoreError::NotConnected { integration })?;
        if stored.reconnect_needed {
            return Err(CoreError::ReconnectNeeded { integration });
        }
        if check_issuer(&mut stored, &self.settings)? == IssuerCheck::Adopted {
            self.save(stored.clone()).await?;
        }
        Ok(stored)
    }

    async fn save(&self, connection: StoredConnection) -> Result<()> {
        let store = self.store.clone();
        blocking(move || store.put(&connection)).await
    }

    async fn refresh(&self, rejected: Option<Secret>) -> Result<Secret> {
        let _guard = self.lock.acquire().await?;
        let integration = self.settings.integration;
        let mut stored = self.load().await?;
        let still_good = match &rejected {
            Some(rejected) => stored.access_token != *rejected,
            None => !expiring(&stored),
        };
        if still_good {
            return Ok(self.remember(&stored.access_token, stored.expires_at));
        }
        // A second round only when the provider refused the pair but a newer one is stored.
        for _ in 0..2 {
            let Some(refresh_token) = stored.refresh_token.clone() else {
                return Err(CoreError::ReconnectNeeded { integration });
            };
            tracing::info!(%integration, "refreshing the access token");
            match client::refresh(&self.http, &self.settings, self.dialect, &refresh_token).await {
                Ok(tokens) => {
                    stored.access_token = tokens.access_token.clone();
                    // Providers that rotate return a new refresh token; the old one is dead.
                    if let Some(rotated) = tokens.refresh_token {
                        stored.refresh_token = Some(rotated);
                    }
                    stored.expires_at = tokens.expires_at;
                    self.save(stored).await?;
                    return Ok(self.remember(&tokens.access_token, tokens.expires_at));
                }
                Err(CoreError::ReconnectNeeded { .. }) => {
                    let newer = self.refused(&refresh_token).await?;
                    if !expiring(&newer) {
                        return Ok(self.remember(&newer.access_token, newer.expires_at));
                    }
                    stored = newer;
                }
                Err(other) => return Err(other),
            }
        }
        Err(CoreError::ReconnectNeeded { integration })
    }

    /// The provider refused `used` (`invalid_grant`, or Airtable's 409 for a token refreshed
    /// moments ago). Another process may have stored a newer pair meanwhile: that pair is
    /// returned. Only when the keychain still holds `used` is the connection marked "reconnect
    /// needed" — on the entry as read now, so nothing newer is ever overwritten.
    async fn refused(&self, used: &Secret) -> Result<StoredConnection> {
        let integration = self.settings.integration;
        let (store, key) = (self.store.clone(), self.key.clone());
        let Some(mut now) = blocking(move || store.get(&key)).await? else {
            return Err(CoreError::NotConnected { integration });
        };
        if now.refresh_token.as_ref() != Some(used) && !now.reconnect_needed {
            tracing::info!(%integration, "the refresh token was refused, but a newer one is stored");
            return Ok(now);
        }
        tracing::warn!(%integration, "the provider refused the refresh token: reconnect needed");
        now.reconnect_needed = true;
        self.save(now).await?;
        Err(CoreError::ReconnectNeeded { integration })
    }
}

#[async_trait]
impl AccessTokens for ConnectionTokens {
    async fn current(&self) -> Result<Secret> {
        if let Some(token) = self.connection.remembered() {
            return Ok(token);
        }
        let stored = self.connection.load().await?;
        if expiring(&stored) {
            return self.refresh(None).await;
        }
        Ok(self
            .connection
            .remember(&stored.access_token, stored.expires_at))
    }

    async fn after_rejection(&self, rejected: &Secret) -> Result<Secret> {
        self.refresh(Some(rejected)).await
    }
}
