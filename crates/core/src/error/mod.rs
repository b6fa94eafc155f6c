//! The core's error type: every failure has a stable code, a sentence a person understands and
//! structured details, serialized at every boundary as `{"error", "message", "details"}`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use specta::Type;

use crate::integration::{Integration, UnknownIntegration};

mod code;
pub use code::ErrorCode;

/// Shorthand for results of core operations.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// Everything that can go wrong in the core. `code()` is stable and documented in the README.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The name given is not one of the integrations.
    #[error("There is no integration called “{given}”. Use airtable, notion or hubspot.")]
    UnknownIntegration { given: String },
    /// An argument was malformed.
    #[error("{message}")]
    InvalidArgument { message: String },
    /// The provider has no client id configured.
    #[error("{integration} has no client id configured. Set {stem}_CLIENT_ID (and {stem}_CLIENT_SECRET) or use the sandbox.", integration = .integration.display_name(), stem = .integration.env_stem())]
    NotConfigured { integration: Integration },
    /// No connection is stored for the integration.
    #[error("{} is not connected. Connect it first.", .integration.display_name())]
    NotConnected { integration: Integration },
    /// The provider refused the stored refresh token; the person must connect again.
    #[error("{} needs to be reconnected: the provider no longer accepts the saved authorization.", .integration.display_name())]
    ReconnectNeeded { integration: Integration },
    /// The settings in force would send a connection's tokens somewhere other than where they
    /// were issued (an endpoint override, another client id): nothing is sent.
    #[error("Your {} connection was made with {what} {was}, but Inlet is now set to use {now}. Its tokens are not sent there. Connect again to use the new setting, or remove the override.", .integration.display_name())]
    IssuerMismatch {
        integration: Integration,
        what: &'static str,
        was: String,
        now: String,
    },
    /// The OS keychain cannot be reached (no Secret Service, locked, refused).
    #[error("The system keychain is not available ({reason}). Inlet keeps tokens only in the keychain, so it cannot connect until one is running and unlocked: log in to a desktop session (GNOME Keyring or KWallet start with it), or start one yourself (`gnome-keyring-daemon --unlock` inside a D-Bus session) and try again.")]
    KeychainUnavailable { reason: String },
    /// The keychain answered but an entry could not be read or written.
    #[error("The system keychain could not {action} the Inlet entry: {reason}")]
    Keychain {
        action: &'static str,
        reason: String,
    },
    /// The callback's `state` is unknown: forged, from another app, or already used.
    #[error("This sign-in link is not one Inlet started, or it was already used. Start the connection again.")]
    StateMismatch,
    /// The callback's `state` belongs to a flow that is too old.
    #[error("This sign-in took longer than 10 minutes and expired. Start the connection again.")]
    StateExpired,
    /// The person (or the provider) declined the authorization.
    #[error("{} access was not granted{}.", .integration.display_name(), .description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    AccessDenied {
        integration: Integration,
        error: String,
        description: Option<String>,
    },
    /// The one-time start page of a sign-in was opened twice: another program may have read its
    /// address, so the sign-in was stopped.
    #[error("The sign-in page was opened a second time — perhaps by another program on this computer — so Inlet stopped this sign-in. Start the connection again.")]
    StartPageReused,
    /// The provider's request quota is spent for the day (HubSpot's `policyName: DAILY`) or the
    /// month (Airtable's `PUBLIC_API_BILLING_LIMIT_EXCEEDED`): waiting minutes would not help.
    #[error("{}", quota_message(*.integration, *.period))]
    QuotaExhausted {
        integration: Integration,
        period: QuotaPeriod,
    },
    /// The provider has restricted this connection's API access (Notion's
    /// `public_api_request_blocked`): retrying would not help.
    #[error("{} has restricted this connection's API access, and retrying won't help. Ask the workspace's admin (or the provider's support) why, then load again.", .integration.display_name())]
    ApiAccessBlocked { integration: Integration },
    /// The callback URL is not an OAuth callback Inlet understands.
    #[error("The sign-in callback was not understood: {reason}.")]
    InvalidCallback { reason: String },
    /// The loopback redirect listener could not start.
    #[error("Inlet could not listen for the sign-in redirect on {address}: {reason}.")]
    LoopbackUnavailable { address: String, reason: String },
    /// A newer sign-in replaced this one before its callback arrived.
    #[error("This sign-in was replaced by a newer one.")]
    SignInReplaced,
    /// No callback arrived in time.
    #[error("No sign-in arrived within {minutes} minutes. Start the connection again.")]
    ConnectTimedOut { minutes: u32 },
    /// The token endpoint refused the code or the client credentials.
    #[error("{} refused the sign-in: {description}", .integration.display_name())]
    TokenExchange {
        integration: Integration,
        oauth_error: String,
        description: String,
    },
    /// The provider answered with an HTTP error that retrying does not fix.
    #[error("{} answered {status}: {message}", .integration.display_name())]
    ProviderHttp {
        integration: Integration,
        status: u16,
        message: String,
        /// The provider's own error code, where its body has one (Airtable's `error.type`,
        /// Notion's `code`, HubSpot's `category`).
        provider_code: Option<String>,
    },
    /// The provider could not be reached or kept failing after retries.
    #[error("{} is not answering ({reason}).", .integration.display_name())]
    ProviderUnavailable {
        integration: Integration,
        reason: String,
    },
    /// The provider failed repeatedly; requests fail fast until the next probe.
    #[error("{} is not answering; retrying in {retry_in_secs} s.", .integration.display_name())]
    CircuitOpen {
        integration: Integration,
        retry_in_secs: u64,
    },
    /// The provider kept rate-limiting after every retry.
    #[error("{} is rate-limiting Inlet; try again in a minute.", .integration.display_name())]
    RateLimited {
        integration: Integration,
        retry_after_secs: Option<u64>,
    },
    /// The provider answered with JSON Inlet does not understand.
    #[error("{} sent a response Inlet could not read: {reason}", .integration.display_name())]
    InvalidResponse {
        integration: Integration,
        reason: String,
    },
    /// A load was cancelled.
    #[error("The load was cancelled.")]
    Cancelled,
    /// A file could not be written or read.
    #[error("Could not {action} {path}: {reason}")]
    Io {
        action: &'static str,
        path: String,
        reason: String,
    },
    /// The HTTP client could not be set up (TLS roots, system configuration).
    #[error("Inlet could not set up its HTTP client: {reason}")]
    HttpClient { reason: String },
    /// A background task Inlet waited for stopped without an answer.
    #[error("Inlet's background work ({task}) stopped unexpectedly: {reason}")]
    TaskFailed { task: &'static str, reason: String },
    /// Data could not be turned into (or read from) JSON.
    #[error("Inlet could not encode or decode {what}: {reason}")]
    Serialization { what: &'static str, reason: String },
    /// The built-in demo sandbox could not start.
    #[error("The offline demo could not start: {reason}")]
    SandboxUnavailable { reason: String },
    /// A file or folder Inlet keeps private (the data dir, the item store and its journal, a
    /// lock file, `.env`) is not safe to use: another user owns it, others may write or read
    /// it, or it is a link.
    #[error("Inlet will not use {path}: {reason}")]
    UnsafeFile { path: String, reason: String },
    /// A SQL statement Inlet will not run: not one statement that reads, reaching outside what
    /// it may read, or SQL SQLite did not understand (the reason says which).
    #[error("Inlet will not run that SQL: {reason}")]
    SqlRefused { reason: String },
    /// A SQL statement ran past its time limit and was stopped.
    #[error("The SQL statement ran longer than {seconds} s and was stopped; narrow it (a WHERE, a LIMIT).")]
    SqlTimedOut { seconds: f64 },
    /// A search was stopped because a newer one (the next keystroke) replaced it.
    #[error("A newer search replaced this one.")]
    Superseded,
}

/// The span of a provider's request quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum QuotaPeriod {
    /// A day (HubSpot's daily limit).
    Day,
    /// A calendar month (Airtable's monthly API calls per workspace).
    Month,
}

fn quota_message(integration: Integration, period: QuotaPeriod) -> String {
    let name = integration.display_name();
    match period {
        QuotaPeriod::Day => {
            format!("{name}'s daily API limit for this account is used up; loading can go on tomorrow.")
        }
        QuotaPeriod::Month => format!(
            "{name}'s monthly API call limit for this workspace is used up (Free plans get 1,000 calls a month, Team 100,000, shared with the workspace's other integrations). {name} refuses these requests until the month turns or the workspace's plan is upgraded; waiting minutes will not help."
        ),
    }
}

impl From<UnknownIntegration> for CoreError {
    fn from(error: UnknownIntegration) -> Self {
        CoreError::UnknownIntegration { given: error.given }
    }
}

impl CoreError {
    /// The stable machine-readable code of this error, as text.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    /// The stable machine-readable code of this error.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            CoreError::UnknownIntegration { .. } => ErrorCode::UnknownIntegration,
            CoreError::InvalidArgument { .. } => ErrorCode::InvalidArgument,
            CoreError::NotConfigured { .. } => ErrorCode::NotConfigured,
            CoreError::NotConnected { .. } => ErrorCode::NotConnected,
            CoreError::ReconnectNeeded { .. } => ErrorCode::ReconnectNeeded,
            CoreError::IssuerMismatch { .. } => ErrorCode::ConnectionIssuerMismatch,
            CoreError::KeychainUnavailable { .. } => ErrorCode::KeychainUnavailable,
            CoreError::Keychain { .. } => ErrorCode::KeychainError,
            CoreError::StateMismatch => ErrorCode::OauthStateMismatch,
            CoreError::StateExpired => ErrorCode::OauthStateExpired,
            CoreError::AccessDenied { .. } => ErrorCode::OauthAccessDenied,
            CoreError::InvalidCallback { .. } => ErrorCode::OauthInvalidCallback,
            CoreError::LoopbackUnavailable { .. } => ErrorCode::LoopbackUnavailable,
            CoreError::ConnectTimedOut { .. } => ErrorCode::ConnectTimedOut,
            CoreError::SignInReplaced => ErrorCode::OauthSignInReplaced,
            CoreError::StartPageReused => ErrorCode::OauthStartPageReused,
            CoreError::TokenExchange { .. } => ErrorCode::OauthTokenExchangeFailed,
            CoreError::ProviderHttp { .. } => ErrorCode::ProviderHttpError,
            CoreError::ProviderUnavailable { .. } => ErrorCode::ProviderUnavailable,
            CoreError::RateLimited { .. } => ErrorCode::RateLimited,
            CoreError::QuotaExhausted { .. } => ErrorCode::QuotaExhausted,
            CoreError::ApiAccessBlocked { .. } => ErrorCode::ApiAccessBlocked,
            CoreError::CircuitOpen { .. } => ErrorCode::CircuitOpen,
            CoreError::InvalidResponse { .. } => ErrorCode::ProviderInvalidResponse,
            CoreError::Cancelled => ErrorCode::Cancelled,
            CoreError::Io { .. } => ErrorCode::IoError,
            CoreError::HttpClient { .. } => ErrorCode::HttpClientUnavailable,
            CoreError::TaskFailed { .. } => ErrorCode::TaskFailed,
            CoreError::Serialization { .. } => ErrorCode::SerializationFailed,
            CoreError::SandboxUnavailable { .. } => ErrorCode::SandboxUnavailable,
            CoreError::UnsafeFile { .. } => ErrorCode::UnsafeFile,
            CoreError::SqlRefused { .. } => ErrorCode::SqlRefused,
            CoreError::SqlTimedOut { .. } => ErrorCode::SqlTimedOut,
            CoreError::Superseded => ErrorCode::Superseded,
        }
    }

    /// Structured facts about the error, safe to show (never a token, code or callback URL).
    pub fn details(&self) -> Value {
        match self {
            CoreError::UnknownIntegration { given } => json!({ "given": given }),
            CoreError::NotConfigured { integration }
            | CoreError::NotConnected { integration }
            | CoreError::ReconnectNeeded { integration }
            | CoreError::ApiAccessBlocked { integration } => json!({ "integration": integration }),
            CoreError::QuotaExhausted {
                integration,
                period,
            } => json!({ "integration": integration, "period": period }),
            CoreError::IssuerMismatch {
                integration,
                what,
                was,
                now,
            } => json!({ "integration": integration, "what": what, "was": was, "now": now }),
            CoreError::KeychainUnavailable { reason }
            | CoreError::HttpClient { reason }
            | CoreError::SandboxUnavailable { reason } => json!({ "reason": reason }),
            CoreError::TaskFailed { task, reason } => json!({ "task": task, "reason": reason }),
            CoreError::Serialization { what, reason } => json!({ "what": what, "reason": reason }),
            CoreError::Keychain { action, reason } => json!({ "action": action, "reason": reason }),
            CoreError::AccessDenied {
                integration,
                error,
                description,
            } => {
                json!({ "integration": integration, "oauth_error": error, "description": description })
            }
            CoreError::InvalidCallback { reason } => json!({ "reason": reason }),
            CoreError::LoopbackUnavailable { address, reason } => {
                json!({ "address": address, "reason": reason })
            }
            CoreError::ConnectTimedOut { minutes } => json!({ "minutes": minutes }),
            CoreError::TokenExchange {
                integration,
                oauth_error,
                ..
            } => {
                json!({ "integration": integration, "oauth_error": oauth_error })
            }
            CoreError::ProviderHttp {
                integration,
                status,
                provider_code,
                ..
            } => {
                json!({ "integration": integration, "status": status, "provider_code": provider_code })
            }
            CoreError::ProviderUnavailable {
                integration,
                reason,
            } => {
                json!({ "integration": integration, "reason": reason })
            }
            CoreError::RateLimited {
                integration,
                retry_after_secs,
            } => {
                json!({ "integration": integration, "retry_after_secs": retry_after_secs })
            }
            CoreError::CircuitOpen {
                integration,
                retry_in_secs,
            } => {
                json!({ "integration": integration, "retry_in_secs": retry_in_secs })
            }
            CoreError::InvalidResponse {
                integration,
                reason,
            } => {
                json!({ "integration": integration, "reason": reason })
            }
            CoreError::Io {
                action,
                path,
                reason,
            } => {
                json!({ "action": action, "path": path, "reason": reason })
            }
            CoreError::UnsafeFile { path, reason } => json!({ "path": path, "reason": reason }),
            CoreError::SqlRefused { reason } => json!({ "reason": reason }),
            CoreError::SqlTimedOut { seconds } => json!({ "seconds": seconds }),
            CoreError::InvalidArgument { .. }
            | CoreError::Superseded
            | CoreError::StateMismatch
            | CoreError::SignInReplaced
            | CoreError::StartPageReused
            | CoreError::StateExpired
            | CoreError::Cancelled => json!({}),
        }
    }

    /// The error in the `{error, message, details}` shape.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody {
            error: self.error_code(),
            message: self.to_string(),
            details: self.details(),
        }
    }

    /// The same error again when it is a limit that will not lift within a load (a spent
    /// quota, a blocked connection): what every later request of the load would meet.
    pub fn final_limit_again(&self) -> Option<CoreError> {
        match self {
            CoreError::QuotaExhausted {
                integration,
                period,
            } => Some(CoreError::QuotaExhausted {
                integration: *integration,
                period: *period,
            }),
            CoreError::ApiAccessBlocked { integration } => Some(CoreError::ApiAccessBlocked {
                integration: *integration,
            }),
            _ => None,
        }
    }

    /// Shorthand for an invalid-argument error.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        CoreError::InvalidArgument {
            message: message.into(),
        }
    }

    /// A background task (`spawn_blocking`, a spawned load) that ended without an answer.
    pub fn task_failed(task: &'static str, error: impl std::fmt::Display) -> Self {
        CoreError::TaskFailed {
            task,
            reason: error.to_string(),
        }
    }

    /// A file operation (`action`, e.g. "write") on `path` that failed.
    pub fn io(action: &'static str, path: &std::path::Path, error: impl std::fmt::Display) -> Self {
        CoreError::Io {
            action,
            path: path.display().to_string(),
            reason: error.to_string(),
        }
    }

    /// JSON that could not be written or read.
    pub fn serialization(what: &'static str, error: impl std::fmt::Display) -> Self {
        CoreError::Serialization {
            what,
            reason: error.to_string(),
        }
    }
}

/// The error shape every boundary (IPC, CLI `--json`) uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct ErrorBody {
    /// The stable code, e.g. `not_connected`.
    pub error: ErrorCode,
    /// A sentence a person understands.
    pub message: String,
    /// Structured facts about the failure.
    #[specta(type = specta_typescript::Unknown)]
    pub details: Value,
}

impl From<&CoreError> for ErrorBody {
    fn from(error: &CoreError) -> Self {
        error.to_body()
    }
}

#[cfg(test)]
mod tests;
