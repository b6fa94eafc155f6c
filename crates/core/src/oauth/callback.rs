//! Turns a callback URL (loopback request or deep link) into a code or a clear error.
//! Pure: no I/O, no state lookup; `PendingFlows::take` checks the state afterwards.

use url::Url;

use crate::error::{CoreError, Result};
use crate::secret::Secret;

/// What a well-formed callback carries.
#[derive(Debug, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// The provider granted access.
    Code {
        /// The authorization code (single use).
        code: Secret,
        /// The state Inlet sent.
        state: String,
    },
    /// The provider (or the person) refused.
    Denied {
        /// The state Inlet sent.
        state: String,
        /// The OAuth error code, e.g. `access_denied`.
        error: String,
        /// The provider's description, if any.
        description: Option<String>,
    },
}

impl CallbackOutcome {
    /// The state carried by the callback.
    pub fn state(&self) -> &str {
        match self {
            CallbackOutcome::Code { state, .. } | CallbackOutcome::Denied { state, .. } => state,
        }
    }
}

/// The longest callback URL Inlet reads; anything longer is refused outright.
const MAX_CALLBACK_LEN: usize = 8 * 1024;

/// Parses `raw` if it is addressed to one of `endpoints` (same scheme, host, port and path).
pub fn parse_callback(raw: &str, endpoints: &[Url]) -> Result<CallbackOutcome> {
    let invalid = |reason: &str| CoreError::InvalidCallback {
        reason: reason.to_owned(),
    };
    if raw.len() > MAX_CALLBACK_LEN {
        return Err(invalid("the URL is too long"));
    }
    let url = Url::parse(raw.trim()).map_err(|_| invalid("it is not a URL"))?;
    let matches = endpoints.iter().any(|e| same_endpoint(&url, e));
    if !matches {
        return Err(invalid(
            "it is not addressed to Inlet's callback (unknown scheme, host or path)",
        ));
    }
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    for (key, value) in url.query_pairs() {
        let slot = match key.as_ref() {
            "code" => &mut code,
            "state" => &mut state,
            "error" => &mut error,
            "error_description" => &mut description,
            _ => continue,
        };
        if slot.is_some() {
            return Err(invalid("a parameter appears twice"));
        }
        *slot = Some(value.into_owned());
    }
    let state = state
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("the state parameter is missing"))?;
    if let Some(error) = error {
        return Ok(CallbackOutcome::Denied {
            state,
            error,
            description,
        });
    }
    let code = code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid("the code parameter is missing"))?;
    Ok(CallbackOutcome::Code {
        code: Secret::new(code),
        state,
    })
}

fn same_endpoint(url: &Url, endpoint: &Url) -> bool {
    let host = |u: &Url| u.host_str().map(str::to_ascii_lowercase);
    let path = |u: &Url| {
        let p = u.path().trim_end_matches('/');
        if p.is_empty() {
            "/".to_owned()
        } else {
            p.to_owned()
        }
    };
    url.scheme() == endpoint.scheme()
        && host(url) == host(endpoint)
        && (endpoint.port() == Some(0)
            || url.port_or_known_default() == endpoint.port_or_known_default())
        && path(url) == path(endpoint)
        && url.username().is_empty()
        && url.password().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints() -> Vec<Url> {
        vec![
            Url::parse("http://127.0.0.1:53682/oauth/callback").unwrap(),
            Url::parse("inlet://oauth/callback").unwrap(),
        ]
    }

    #[test]
    fn table_of_callbacks() {
        type Expected = Result<(&'static str, &'static str), &'static str>;
        let cases: &[(&str, Expected)] = &[
            (
                "http://127.0.0.1:53682/oauth/callback?code=abc&state=s1",
                Ok(("abc", "s1")),
            ),
            (
                "inlet://oauth/callback?code=c%2Fd&state=s2",
                Ok(("c/d", "s2")),
            ),
            (
                "inlet://oauth/callback/?state=s3&code=x&extra=1",
                Ok(("x", "s3")),
            ),
            (
                "http://127.0.0.1:53682/oauth/callback?state=s1",
                Err("oauth_invalid_callback"),
            ),
            (
                "http://127.0.0.1:53682/oauth/callback?code=abc",
                Err("oauth_invalid_callback"),
            ),
            (
                "http://127.0.0.1:53682/oauth/callback?code=&state=s",
                Err("oauth_invalid_callback"),
            ),
            (
                "http://evil.example:53682/oauth/callback?code=a&state=s",
                Err("oauth_invalid_callback"),
            ),
            (
                "http://127.0.0.1:9999/oauth/callback?code=a&state=s",
                Err("oauth_invalid_callback"),
            ),
            (
                "http://127.0.0.1:53682/other?code=a&state=s",
                Err("oauth_invalid_callback"),
            ),
            (
                "inlet://settings/callback?code=a&state=s",
                Err("oauth_invalid_callback"),
            ),
            (
                "other://oauth/callback?code=a&state=s",
                Err("oauth_invalid_callback"),
            ),
            (
                "inlet://oauth/callback?code=a&code=b&state=s",
                Err("oauth_invalid_callback"),
            ),
            ("not a url at all", Err("oauth_invalid_callback")),
        ];
        for (raw, expected) in cases {
            let got = parse_callback(raw, &endpoints());
            match (expected, got) {
                (Ok((code, state)), Ok(CallbackOutcome::Code { code: c, state: s })) => {
                    assert_eq!((c.expose(), s.as_str()), (*code, *state), "{raw}");
                }
                (Err(want), Err(e)) => assert_eq!(e.code(), *want, "{raw}"),
                (want, got) => panic!("{raw}: expected {want:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn a_denial_is_reported_with_its_state() {
        let raw =
            "inlet://oauth/callback?error=access_denied&error_description=User+said+no&state=s9";
        let outcome = parse_callback(raw, &endpoints()).unwrap();
        assert_eq!(
            outcome,
            CallbackOutcome::Denied {
                state: "s9".into(),
                error: "access_denied".into(),
                description: Some("User said no".into()),
            }
        );
    }

    #[test]
    fn a_huge_url_is_refused_without_parsing() {
        let raw = format!("inlet://oauth/callback?code={}&state=s", "a".repeat(10_000));
        assert_eq!(
            parse_callback(&raw, &endpoints()).unwrap_err().code(),
            "oauth_invalid_callback"
        );
    }

    #[test]
    fn port_zero_endpoint_accepts_any_port() {
        let any = vec![Url::parse("http://127.0.0.1:0/cb").unwrap()];
        assert!(parse_callback("http://127.0.0.1:41234/cb?code=a&state=s", &any).is_ok());
    }
}
