//! What one provider's API says beyond plain HTTP: which answers are rate limits, which limits
//! do not lift within a load, which statuses are worth another try, and what its rate-limit
//! headers and error bodies say. Each provider module implements [`ApiDialect`]; the defaults are
//! the standard meanings.

use std::time::Duration;

use serde_json::Value;

use super::window::WindowReport;

/// A limit that waiting minutes does not lift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalLimit {
    /// The account's quota for the day is spent (HubSpot's `policyName: DAILY`).
    DailyQuota,
    /// The workspace's quota for the month is spent (Airtable's
    /// `PUBLIC_API_BILLING_LIMIT_EXCEEDED`).
    MonthlyQuota,
    /// The provider has restricted this connection's API access (Notion's
    /// `public_api_request_blocked`: "Retrying won't help").
    AccessBlocked,
}

/// What an error answer means, where the provider says more than its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// A rate limit: waited out on the rate-limit path (its own budget; never the breaker).
    RateLimit,
    /// The provider is overloaded for a moment (Notion's 529): waited out on the rate-limit
    /// path like a 429, without slowing Inlet's own pace, which did not cause it.
    Overload,
    /// A limit that is final for this load.
    Final(FinalLimit),
    /// A failure worth another attempt on the failure path (backoff, breaker).
    Temporary,
}

/// A provider's API dialect. Each provider module implements it.
pub trait ApiDialect: Send + Sync {
    /// What an error answer of `status` with `body` means, when the provider says more than
    /// HTTP does: `None` keeps the standard reading (429 is a rate limit; 408, 423, 500, 502,
    /// 503 and 504 are temporary; the rest are final).
    fn meaning(&self, _status: u16, _body: &[u8]) -> Option<Meaning> {
        None
    }

    /// How long a rate limit without `Retry-After` asks to wait, read from the provider's own
    /// headers.
    fn rate_limit_wait(&self, _headers: &reqwest::header::HeaderMap) -> Option<Duration> {
        None
    }

    /// What an answer's headers say of the provider's rolling window (HubSpot's
    /// `X-HubSpot-RateLimit-*`).
    fn window_report(&self, _headers: &reqwest::header::HeaderMap) -> Option<WindowReport> {
        None
    }
}

/// The provider's own explanation in an error body (`message`, or `error.message`, or the first
/// of `errors`), at most 300 characters.
pub fn error_message(body: &[u8]) -> Option<String> {
    let json: Value = serde_json::from_slice(body).ok()?;
    let message = json
        .get("message")
        .or_else(|| json.get("error").and_then(|e| e.get("message")))
        .or_else(|| json.pointer("/errors/0/message"))
        .and_then(Value::as_str)?;
    Some(message.chars().take(300).collect())
}

/// The provider's machine-readable error code in an error body, in the shapes the providers
/// document: Notion's `code`, Airtable's `error.type`, `error` as a string, or the first of
/// `errors` (`errors[0].error`), and HubSpot's `category`. At most 100 characters.
pub fn error_code(body: &[u8]) -> Option<String> {
    let json: Value = serde_json::from_slice(body).ok()?;
    let code = json
        .get("code")
        .or_else(|| json.get("error").and_then(|e| e.get("type")))
        .or_else(|| json.get("error").filter(|e| e.is_string()))
        .or_else(|| json.pointer("/errors/0/error"))
        .or_else(|| json.pointer("/errors/0/type"))
        .or_else(|| json.get("category"))
        .and_then(Value::as_str)?;
    Some(code.chars().take(100).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_providers_error_codes_are_read_in_each_documented_shape() {
        let cases: [(&str, &str); 5] = [
            (
                r#"{"object":"error","status":529,"code":"service_overload","message":"m"}"#,
                "service_overload",
            ),
            (
                r#"{"error":{"type":"LIST_RECORDS_ITERATOR_NOT_AVAILABLE","message":"m"}}"#,
                "LIST_RECORDS_ITERATOR_NOT_AVAILABLE",
            ),
            (r#"{"error":"NOT_FOUND"}"#, "NOT_FOUND"),
            (
                r#"{"errors":[{"error":"PUBLIC_API_BILLING_LIMIT_EXCEEDED","message":"m"}]}"#,
                "PUBLIC_API_BILLING_LIMIT_EXCEEDED",
            ),
            (
                r#"{"status":"error","message":"m","category":"RATE_LIMITS"}"#,
                "RATE_LIMITS",
            ),
        ];
        for (body, code) in cases {
            assert_eq!(error_code(body.as_bytes()).as_deref(), Some(code), "{body}");
        }
        assert_eq!(error_code(b"not json"), None);
        assert_eq!(error_code(br#"{"error":{"message":"no type"}}"#), None);
        assert_eq!(
            error_message(br#"{"errors":[{"error":"X","message":"the first"}]}"#).as_deref(),
            Some("the first")
        );
    }
}
