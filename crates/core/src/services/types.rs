//! What the services hand to the shell and the CLI: statuses, connection metadata and a started
//! sign-in. Never a token.

use chrono::{DateTime, Utc};
use serde::Serialize;
use specta::Type;

use crate::account::AccountInfo;
use crate::config::{Mode, RedirectTransport};
use crate::integration::Integration;
use crate::item_store::AccountKey;
use crate::keychain::StoredConnection;
use crate::oauth::revoke::RevokeOutcome;

use super::usage::ApiUsage;

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
    /// Endpoint overrides in force (`INLET_<P>_API_URL=…`): shown as a badge, since tokens go
    /// wherever they point.
    pub endpoint_overrides: Vec<String>,
    /// The connected account's API calls this month, where the provider caps them (Airtable).
    pub usage: Option<ApiUsage>,
    /// What Inlet can do with this provider's items (what the faces offer).
    pub capabilities: crate::providers::Capabilities,
    /// What the connection's loads leave out for want of an optional scope it was not granted
    /// (HubSpot's "Tickets are not loaded."): a sentence each, empty when nothing is missing.
    pub left_out: Vec<String>,
}

/// Whose items (and API calls) a stored connection's are.
pub(super) fn account_key(connection: &StoredConnection) -> AccountKey {
    AccountKey {
        integration: connection.integration,
        mode: connection.mode,
        account_id: connection.account.id.clone(),
    }
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

/// A disconnected account, and what became of its grant at the provider.
#[derive(Debug, Clone, Serialize, Type)]
pub struct Disconnected {
    /// The account whose tokens were forgotten (its stored items stay until forgotten).
    pub account: AccountKey,
    /// Revoked at the provider, or why not.
    pub revocation: RevokeOutcome,
}

/// A started sign-in.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AuthorizationStart {
    /// Which integration.
    pub integration: Integration,
    /// The provider's authorization URL (it carries the sign-in's state: show it to the person,
    /// never put it on a command line).
    pub authorization_url: String,
    /// What to open in the browser: a one-time page on this computer that forwards to
    /// `authorization_url`, so no other local user sees the state in a process list.
    pub open_url: String,
    /// How the callback will come back.
    pub transport: RedirectTransport,
}
