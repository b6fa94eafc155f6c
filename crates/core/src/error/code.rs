//! The stable codes of the core's errors, as text and as the TypeScript string-literal union.

use serde::{Deserialize, Serialize};
use specta::Type;

/// Every stable error code, as the TypeScript bindings see it (a string-literal union).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// See `CoreError::UnknownIntegration`.
    UnknownIntegration,
    /// See `CoreError::InvalidArgument`.
    InvalidArgument,
    /// See `CoreError::NotConfigured`.
    NotConfigured,
    /// See `CoreError::NotConnected`.
    NotConnected,
    /// See `CoreError::ReconnectNeeded`.
    ReconnectNeeded,
    /// See `CoreError::IssuerMismatch`.
    ConnectionIssuerMismatch,
    /// See `CoreError::KeychainUnavailable`.
    KeychainUnavailable,
    /// See `CoreError::Keychain`.
    KeychainError,
    /// See `CoreError::StateMismatch`.
    OauthStateMismatch,
    /// See `CoreError::StateExpired`.
    OauthStateExpired,
    /// See `CoreError::AccessDenied`.
    OauthAccessDenied,
    /// See `CoreError::InvalidCallback`.
    OauthInvalidCallback,
    /// See `CoreError::LoopbackUnavailable`.
    LoopbackUnavailable,
    /// See `CoreError::ConnectTimedOut`.
    ConnectTimedOut,
    /// See `CoreError::SignInReplaced`.
    OauthSignInReplaced,
    /// See `CoreError::StartPageReused`.
    OauthStartPageReused,
    /// See `CoreError::TokenExchange`.
    OauthTokenExchangeFailed,
    /// See `CoreError::ProviderHttp`.
    ProviderHttpError,
    /// See `CoreError::ProviderUnavailable`.
    ProviderUnavailable,
    /// See `CoreError::RateLimited`.
    RateLimited,
    /// See `CoreError::QuotaExhausted`.
    QuotaExhausted,
    /// See `CoreError::ApiAccessBlocked`.
    ApiAccessBlocked,
    /// See `CoreError::CircuitOpen`.
    CircuitOpen,
    /// See `CoreError::InvalidResponse`.
    ProviderInvalidResponse,
    /// See `CoreError::Cancelled`.
    Cancelled,
    /// See `CoreError::Io`.
    IoError,
    /// See `CoreError::HttpClient`.
    HttpClientUnavailable,
    /// See `CoreError::TaskFailed`.
    TaskFailed,
    /// See `CoreError::Serialization`.
    SerializationFailed,
    /// See `CoreError::SandboxUnavailable`.
    SandboxUnavailable,
    /// See `CoreError::UnsafeFile`.
    UnsafeFile,
    /// See `CoreError::SqlRefused`.
    SqlRefused,
    /// See `CoreError::SqlTimedOut`.
    SqlTimedOut,
    /// See `CoreError::Superseded`.
    Superseded,
}

impl ErrorCode {
    /// The code as it appears in `{"error": …}`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnknownIntegration => "unknown_integration",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::NotConfigured => "not_configured",
            ErrorCode::NotConnected => "not_connected",
            ErrorCode::ReconnectNeeded => "reconnect_needed",
            ErrorCode::ConnectionIssuerMismatch => "connection_issuer_mismatch",
            ErrorCode::KeychainUnavailable => "keychain_unavailable",
            ErrorCode::KeychainError => "keychain_error",
            ErrorCode::OauthStateMismatch => "oauth_state_mismatch",
            ErrorCode::OauthStateExpired => "oauth_state_expired",
            ErrorCode::OauthAccessDenied => "oauth_access_denied",
            ErrorCode::OauthInvalidCallback => "oauth_invalid_callback",
            ErrorCode::LoopbackUnavailable => "loopback_unavailable",
            ErrorCode::ConnectTimedOut => "connect_timed_out",
            ErrorCode::OauthSignInReplaced => "oauth_sign_in_replaced",
            ErrorCode::OauthStartPageReused => "oauth_start_page_reused",
            ErrorCode::OauthTokenExchangeFailed => "oauth_token_exchange_failed",
            ErrorCode::ProviderHttpError => "provider_http_error",
            ErrorCode::ProviderUnavailable => "provider_unavailable",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::QuotaExhausted => "quota_exhausted",
            ErrorCode::ApiAccessBlocked => "api_access_blocked",
            ErrorCode::CircuitOpen => "circuit_open",
            ErrorCode::ProviderInvalidResponse => "provider_invalid_response",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::IoError => "io_error",
            ErrorCode::HttpClientUnavailable => "http_client_unavailable",
            ErrorCode::TaskFailed => "task_failed",
            ErrorCode::SerializationFailed => "serialization_failed",
            ErrorCode::SandboxUnavailable => "sandbox_unavailable",
            ErrorCode::UnsafeFile => "unsafe_file",
            ErrorCode::SqlRefused => "sql_refused",
            ErrorCode::SqlTimedOut => "sql_timed_out",
            ErrorCode::Superseded => "superseded",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
