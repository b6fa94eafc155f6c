//! A redacting wrapper for secrets (tokens, client secrets, authorization codes, PKCE verifiers).
//!
//! `Secret` prints `<redacted>` in `Debug` and `Display` and deliberately does not implement
//! `Serialize`, so a secret cannot end up in a log line, an IPC payload or a panic message by
//! accident. The only way to read it is [`Secret::expose`], which is easy to grep for.

use std::fmt;

/// A string that must never be shown: its `Debug` and `Display` print `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Gives the secret value to code that must send it somewhere (a header, the keychain).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the wrapped value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A secret arrives from the UI (a client secret typed into Settings) as a plain string.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Writes an optional secret in the clear: only for records that go into the OS keychain, as
/// `#[serde(serialize_with = "crate::secret::expose_option")]`.
pub fn expose_option<S: serde::Serializer>(
    secret: &Option<Secret>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&secret.as_ref().map(Secret::expose), serializer)
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2-token");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{secret}"), "<redacted>");
        let nested = Some(vec![secret.clone()]);
        assert!(!format!("{nested:?}").contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2-token");
    }

    #[test]
    fn a_panic_message_carrying_a_secret_is_redacted() {
        let secret = Secret::new("panic-token-value");
        let caught = std::panic::catch_unwind(|| panic!("failed with {secret:?}"));
        let payload = caught.expect_err("the closure panics");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(message.contains("<redacted>"));
        assert!(!message.contains("panic-token-value"));
    }
}
