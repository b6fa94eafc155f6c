//! Valid access tokens for a stored connection: refresh shortly before expiry (a tenth of the
//! token's lifetime, at most 60 s) and once after a 401,
//! one refresh at a time per connection across processes (callers waiting on the lock re-read
//! the keychain and use the token the first one got), the rotated refresh token saved before the
//! new access token is used, and `invalid_grant` recorded as "reconnect needed" only when the
//! keychain holds no newer pair. Where a reused refresh token revokes the grant (Airtable), a
//! refresh whose answer was lost is "reconnect needed" too, never tried again
//! (`oauth::client::refresh`). Tokens are sent only to the endpoints and client
//! that issued them ([`crate::keychain::check_issuer`]).

mod locks;

pub use locks::{RefreshGuard, RefreshLocks};

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::config::ProviderSettings;
use crate::error::{CoreError, Result};
use crate::http::AccessTokens;
use crate::keychain::{blocking, check_issuer, IssuerCheck, StoredConnection, TokenStore};
use crate::oauth::client::{self, TokenDialect};
use crate::secret::Secret;
use locks::ConnectionLock;

/// Refresh at most this long before the provider's expiry.
pub const REFRESH_MARGIN: chrono::Duration = chrono::Duration::seconds(60);

/// When a token should be refreshed: a tenth of its lifetime before it expires, at most
/// [`REFRESH_MARGIN`] — so a 2-second token is used for 1.8 s, not refreshed before every
/// request. Without a known issue time (entries saved before it was recorded), the full margin.
pub fn refresh_due(
    issued_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let expires_at = expires_at?;
    let margin = match issued_at {
        Some(issued) if issued < expires_at => ((expires_at - issued) / 10).min(REFRESH_MARGIN),
        Some(_) => chrono::Duration::zero(),
        None => REFRESH_MARGIN,
    };
    expires_at.checked_sub_signed(margin).or(Some(expires_at))
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
    lock: ConnectionLock,
    /// The access token in use and when it is due for a refresh: read from the keychain once,
    /// then again only inside the refresh lock, so a load of any size makes a handful of
    /// keychain calls.
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
    due(refresh_due(connection.issued_at, connection.expires_at))
}

fn due(refresh_at: Option<DateTime<Utc>>) -> bool {
    refresh_at.is_some_and(|at| at <= Utc::now())
}

impl Connection {
    /// Remembers the token in use and when it is due for a refresh (and returns it).
    fn remember(
        &self,
        token: &Secret,
        issued_at: Option<DateTime<Utc>>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Secret {
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        *cached = Some((token.clone(), refresh_due(issued_at, expires_at)));
        token.clone()
    }

    /// The remembered token, unless it is due for a refresh.
    fn remembered(&self) -> Option<Secret> {
        let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|(_, refresh_at)| !due(*refresh_at))
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
            return Ok(self.remember(&stored.access_token, stored.issued_at, stored.expires_at));
        }
        // A second round only when the provider refused the pair but a newer one is stored.
        for _ in 0..2 {
            let Some(refresh_token) = stored.refresh_token.clone() else {
                return Err(CoreError::ReconnectNeeded { integration });
            };
            tracing::info!(%integration, "refreshing the access token");
            match client::refresh(&self.http, &self.settings, self.dialect, &refresh_token).await {
                Ok(tokens) => {
                    // Written only over the entry it refreshed: one disconnected or replaced by
                    // a new sign-in meanwhile (by a process that did not take the lock) stays
                    // as it is now.
                    self.unchanged_since(&stored).await?;
                    stored.access_token = tokens.access_token.clone();
                    // Providers that rotate return a new refresh token; the old one is dead.
                    if let Some(rotated) = tokens.refresh_token {
                        stored.refresh_token = Some(rotated);
                    }
                    stored.expires_at = tokens.expires_at;
                    stored.issued_at = Some(tokens.issued_at);
                    self.save(stored).await?;
                    let issued_at = Some(tokens.issued_at);
                    return Ok(self.remember(&tokens.access_token, issued_at, tokens.expires_at));
                }
                Err(CoreError::ReconnectNeeded { .. }) => {
                    let newer = self.refused(&refresh_token).await?;
                    if !expiring(&newer) {
                        return Ok(self.remember(
                            &newer.access_token,
                            newer.issued_at,
                            newer.expires_at,
                        ));
                    }
                    stored = newer;
                }
                Err(other) => return Err(other),
            }
        }
        Err(CoreError::ReconnectNeeded { integration })
    }

    /// Checks that the stored entry is still `refreshed` (same tokens): gone is `NotConnected`,
    /// replaced is `ReconnectNeeded` for this holder (the new entry is left alone; the next
    /// request reads it).
    async fn unchanged_since(&self, refreshed: &StoredConnection) -> Result<()> {
        let integration = self.settings.integration;
        let (store, key) = (self.store.clone(), self.key.clone());
        let now = blocking(move || store.get(&key)).await?;
        match now {
            None => {
                tracing::info!(%integration, "disconnected while refreshing: the new tokens are dropped");
                Err(CoreError::NotConnected { integration })
            }
            Some(now)
                if now.access_token != refreshed.access_token
                    || now.refresh_token != refreshed.refresh_token =>
            {
                tracing::info!(%integration, "connected again while refreshing: the new tokens are dropped");
                Err(CoreError::ReconnectNeeded { integration })
            }
            Some(_) => Ok(()),
        }
    }

    /// The provider refused `used` (`invalid_grant`), or its answer was lost where reuse would
    /// revoke the grant. Another process may have stored a newer pair meanwhile: that pair is
    /// returned. Only when the keychain still holds `used` is the connection marked "reconnect
    /// needed" — on the entry as read now, so nothing newer is ever overwritten.
    async fn refused(&self, used: &Secret) -> Result<StoredConnection> {
        let integration = self.settings.integration;
        let (store, key) = (self.store.clone(), self.key.clone());
        let Some(mut now) = blocking(move || store.get(&key)).await? else {
            return Err(CoreError::NotConnected { integration });
        };
        if now.refresh_token.as_ref() != Some(used) && !now.reconnect_needed {
            // The newer pair goes only where it was issued, like any other.
            if check_issuer(&mut now, &self.settings)? == IssuerCheck::Adopted {
                self.save(now.clone()).await?;
            }
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
            .remember(&stored.access_token, stored.issued_at, stored.expires_at))
    }

    async fn after_rejection(&self, rejected: &Secret) -> Result<Secret> {
        self.refresh(Some(rejected)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_refresh_margin_is_a_share_of_the_tokens_lifetime() {
        let issued = Utc::now();
        let at = |secs: i64| Some(issued + Duration::seconds(secs));
        // Two-second tokens are used for 1.8 s; half-hour tokens until a minute before.
        assert_eq!(
            refresh_due(Some(issued), at(2)),
            Some(issued + Duration::milliseconds(1_800))
        );
        assert_eq!(refresh_due(Some(issued), at(1_800)), at(1_740));
        // Unknown issue time (older entries): the full minute; no expiry: never due.
        assert_eq!(refresh_due(None, at(2)), at(-58));
        assert_eq!(refresh_due(Some(issued), None), None);
    }

    #[test]
    fn a_huge_expires_in_is_clamped_never_an_overflow() {
        let now = Utc::now();
        let longest = client::expiry(now, client::LONGEST_LIFETIME).unwrap();
        for huge in [u64::MAX, i64::MAX as u64, 1_000_000_000_000] {
            let expires = client::expiry(now, std::time::Duration::from_secs(huge));
            assert_eq!(expires, Some(longest), "{huge}");
        }
        // Near the end of chrono's time, no panic either.
        let end = DateTime::<Utc>::MAX_UTC - Duration::seconds(10);
        assert_eq!(client::expiry(end, client::LONGEST_LIFETIME), None);
    }
}
