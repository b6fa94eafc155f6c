//! Where connections live: one OS-keychain entry per connection (tokens and account metadata),
//! plus an index entry listing them. No plaintext fallback exists.

mod issuer;
#[cfg(any(test, feature = "test-fixtures"))]
mod memory;
mod os;

pub use issuer::{check_issuer, Issuer, IssuerCheck};
#[cfg(any(test, feature = "test-fixtures"))]
pub use memory::MemoryStore;
pub use os::KeychainStore;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Mode;
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::secret::Secret;

pub use crate::account::AccountInfo;

/// One connected account, as kept in the keychain. Not `Serialize`: tokens never leave the core.
#[derive(Debug, Clone)]
pub struct StoredConnection {
    /// Which provider.
    pub integration: Integration,
    /// Live or sandbox: a sandbox token is never sent to a live provider, nor the other way.
    pub mode: Mode,
    /// The account.
    pub account: AccountInfo,
    /// The bearer token.
    pub access_token: Secret,
    /// The refresh token, when there is one.
    pub refresh_token: Option<Secret>,
    /// When the access token expires, when known.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the access token was issued (absent in entries saved before Inlet recorded it):
    /// with `expires_at`, its lifetime, of which the refresh margin is a share.
    pub issued_at: Option<DateTime<Utc>>,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// When the person connected.
    pub connected_at: DateTime<Utc>,
    /// Set when the provider refused the refresh token: the person must connect again.
    pub reconnect_needed: bool,
    /// The endpoints and client that issued the tokens (absent only in entries saved before
    /// Inlet recorded them): the tokens are sent nowhere else.
    pub issuer: Option<Issuer>,
}

impl StoredConnection {
    /// The keychain key of this connection: `<integration>:<mode>:<account id>`.
    pub fn key(&self) -> String {
        connection_key(self.integration, self.mode, &self.account.id)
    }
}

/// The keychain key of a connection.
pub fn connection_key(integration: Integration, mode: Mode, account_id: &str) -> String {
    let mode = match mode {
        Mode::Live => "live",
        Mode::Sandbox => "sandbox",
    };
    format!("{integration}:{mode}:{account_id}")
}

/// A place connections are kept. Calls may block (the OS keychain): call them off the async
/// executor (`tokio::task::spawn_blocking`).
pub trait TokenStore: Send + Sync {
    /// The keys of every stored connection.
    fn keys(&self) -> Result<Vec<String>>;
    /// One connection, if stored.
    fn get(&self, key: &str) -> Result<Option<StoredConnection>>;
    /// Saves (creates or replaces) a connection.
    fn put(&self, connection: &StoredConnection) -> Result<()>;
    /// Removes a connection; removing a missing one is not an error.
    fn delete(&self, key: &str) -> Result<()>;
    /// A named entry beside the connections (client credentials, the active account).
    fn get_entry(&self, name: &str) -> Result<Option<String>>;
    /// Saves a named entry.
    fn put_entry(&self, name: &str, value: &str) -> Result<()>;
    /// Removes a named entry; removing a missing one is not an error.
    fn delete_entry(&self, name: &str) -> Result<()>;
    /// Checks that the store answers, so that a missing or locked keychain is said before a
    /// sign-in opens the browser rather than after the person consented.
    fn probe(&self) -> Result<()> {
        self.keys().map(|_| ())
    }
}

/// Runs a blocking store call off the async executor.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::task_failed("keychain call", e))?
}

/// The wire form of a connection inside its keychain entry (the only place tokens are written).
#[derive(Serialize, Deserialize)]
struct KeychainRecord {
    version: u32,
    integration: Integration,
    mode: Mode,
    account: AccountInfo,
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    issued_at: Option<DateTime<Utc>>,
    scopes: Vec<String>,
    connected_at: DateTime<Utc>,
    #[serde(default)]
    reconnect_needed: bool,
    #[serde(default)]
    issuer: Option<Issuer>,
}

impl From<&StoredConnection> for KeychainRecord {
    fn from(c: &StoredConnection) -> Self {
        Self {
            version: 2,
            integration: c.integration,
            mode: c.mode,
            account: c.account.clone(),
            access_token: c.access_token.expose().to_owned(),
            refresh_token: c.refresh_token.as_ref().map(|t| t.expose().to_owned()),
            expires_at: c.expires_at,
            issued_at: c.issued_at,
            scopes: c.scopes.clone(),
            connected_at: c.connected_at,
            reconnect_needed: c.reconnect_needed,
            issuer: c.issuer.clone(),
        }
    }
}

impl From<KeychainRecord> for StoredConnection {
    fn from(r: KeychainRecord) -> Self {
        Self {
            integration: r.integration,
            mode: r.mode,
            account: r.account,
            access_token: Secret::new(r.access_token),
            refresh_token: r.refresh_token.map(Secret::new),
            expires_at: r.expires_at,
            issued_at: r.issued_at,
            scopes: r.scopes,
            connected_at: r.connected_at,
            reconnect_needed: r.reconnect_needed,
            issuer: r.issuer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_connection_shows_no_token() {
        let sample = |id: &str| crate::fixtures::connection(Integration::Hubspot, id);
        let text = format!("{:?}", sample("7"));
        assert!(
            !text.contains("access-7") && !text.contains("refresh-7"),
            "{text}"
        );
        assert_eq!(sample("7").key(), "hubspot:sandbox:7");
    }
}
