//! Every code pinned, the JSON shape, and readable messages.

use super::*;

#[test]
fn serializes_to_the_seed_shape() {
    let body = CoreError::NotConnected {
        integration: Integration::Hubspot,
    }
    .to_body();
    let json = serde_json::to_value(&body).unwrap();
    assert_eq!(
        json,
        json!({
            "error": "not_connected",
            "message": "HubSpot is not connected. Connect it first.",
            "details": { "integration": "hubspot" }
        })
    );
}

/// One example of every error, so the table below must name every code.
fn one_of_each() -> Vec<CoreError> {
    let i = Integration::Hubspot;
    let r = || "x".to_owned();
    vec![
        CoreError::UnknownIntegration { given: r() },
        CoreError::invalid_argument("x"),
        CoreError::NotConfigured { integration: i },
        CoreError::NotConnected { integration: i },
        CoreError::ReconnectNeeded { integration: i },
        CoreError::KeychainUnavailable { reason: r() },
        CoreError::Keychain {
            action: "read",
            reason: r(),
        },
        CoreError::StateMismatch,
        CoreError::StateExpired,
        CoreError::AccessDenied {
            integration: i,
            error: r(),
            description: None,
        },
        CoreError::InvalidCallback { reason: r() },
        CoreError::LoopbackUnavailable {
            address: r(),
            reason: r(),
        },
        CoreError::ConnectTimedOut { minutes: 10 },
        CoreError::SignInReplaced,
        CoreError::TokenExchange {
            integration: i,
            oauth_error: r(),
            description: r(),
        },
        CoreError::ProviderHttp {
            integration: i,
            status: 400,
            message: r(),
            provider_code: Some(r()),
        },
        CoreError::ProviderUnavailable {
            integration: i,
            reason: r(),
        },
        CoreError::RateLimited {
            integration: i,
            retry_after_secs: Some(3),
        },
        CoreError::CircuitOpen {
            integration: i,
            retry_in_secs: 5,
        },
        CoreError::QuotaExhausted {
            integration: i,
            period: QuotaPeriod::Day,
        },
        CoreError::ApiAccessBlocked { integration: i },
        CoreError::InvalidResponse {
            integration: i,
            reason: r(),
        },
        CoreError::Cancelled,
        CoreError::StartPageReused,
        CoreError::IssuerMismatch {
            integration: i,
            what: "API address",
            was: r(),
            now: r(),
        },
        CoreError::Io {
            action: "write",
            path: r(),
            reason: r(),
        },
        CoreError::HttpClient { reason: r() },
        CoreError::task_failed("export", "x"),
        CoreError::serialization("settings", "x"),
        CoreError::SandboxUnavailable { reason: r() },
        CoreError::UnsafeFile {
            path: r(),
            reason: r(),
        },
        CoreError::SqlRefused { reason: r() },
        CoreError::SqlTimedOut { seconds: 5.0 },
        CoreError::Superseded,
    ]
}

/// The exhaustive list: adding a variant without a code here fails to compile below.
fn pinned(error: &CoreError) -> &'static str {
    match error {
        CoreError::UnknownIntegration { .. } => "unknown_integration",
        CoreError::InvalidArgument { .. } => "invalid_argument",
        CoreError::NotConfigured { .. } => "not_configured",
        CoreError::NotConnected { .. } => "not_connected",
        CoreError::ReconnectNeeded { .. } => "reconnect_needed",
        CoreError::IssuerMismatch { .. } => "connection_issuer_mismatch",
        CoreError::KeychainUnavailable { .. } => "keychain_unavailable",
        CoreError::Keychain { .. } => "keychain_error",
        CoreError::StateMismatch => "oauth_state_mismatch",
        CoreError::StateExpired => "oauth_state_expired",
        CoreError::AccessDenied { .. } => "oauth_access_denied",
        CoreError::InvalidCallback { .. } => "oauth_invalid_callback",
        CoreError::LoopbackUnavailable { .. } => "loopback_unavailable",
        CoreError::ConnectTimedOut { .. } => "connect_timed_out",
        CoreError::SignInReplaced => "oauth_sign_in_replaced",
        CoreError::StartPageReused => "oauth_start_page_reused",
        CoreError::TokenExchange { .. } => "oauth_token_exchange_failed",
        CoreError::ProviderHttp { .. } => "provider_http_error",
        CoreError::ProviderUnavailable { .. } => "provider_unavailable",
        CoreError::RateLimited { .. } => "rate_limited",
        CoreError::QuotaExhausted { .. } => "quota_exhausted",
        CoreError::ApiAccessBlocked { .. } => "api_access_blocked",
        CoreError::CircuitOpen { .. } => "circuit_open",
        CoreError::InvalidResponse { .. } => "provider_invalid_response",
        CoreError::Cancelled => "cancelled",
        CoreError::Io { .. } => "io_error",
        CoreError::HttpClient { .. } => "http_client_unavailable",
        CoreError::TaskFailed { .. } => "task_failed",
        CoreError::Serialization { .. } => "serialization_failed",
        CoreError::SandboxUnavailable { .. } => "sandbox_unavailable",
        CoreError::UnsafeFile { .. } => "unsafe_file",
        CoreError::SqlRefused { .. } => "sql_refused",
        CoreError::SqlTimedOut { .. } => "sql_timed_out",
        CoreError::Superseded => "superseded",
    }
}

#[test]
fn every_code_is_pinned_distinct_and_serialized_as_such() {
    let errors = one_of_each();
    let mut seen = std::collections::HashSet::new();
    for error in &errors {
        let code = pinned(error);
        assert_eq!(error.code(), code);
        assert!(seen.insert(code), "{code} is used twice");
        let body = serde_json::to_value(error.to_body()).unwrap();
        assert_eq!(body["error"], code, "the JSON carries the same code");
        assert!(!error.to_string().is_empty());
        assert!(body["details"].is_object());
    }
    assert_eq!(seen.len(), errors.len());
}

#[test]
fn access_denied_reads_well() {
    let err = CoreError::AccessDenied {
        integration: Integration::Hubspot,
        error: "access_denied".into(),
        description: Some("The user declined".into()),
    };
    assert_eq!(
        err.to_string(),
        "HubSpot access was not granted: The user declined."
    );
}

#[test]
fn a_spent_quota_says_when_it_lifts() {
    let daily = CoreError::QuotaExhausted {
        integration: Integration::Hubspot,
        period: QuotaPeriod::Day,
    };
    assert!(daily.to_string().contains("tomorrow"), "{daily}");
    let monthly = CoreError::QuotaExhausted {
        integration: Integration::Airtable,
        period: QuotaPeriod::Month,
    };
    let text = monthly.to_string();
    assert!(
        text.contains("monthly API call limit") && text.contains("until the month turns"),
        "{text}"
    );
    assert_eq!(
        monthly.to_body().details,
        json!({"integration": "airtable", "period": "month"})
    );
}
