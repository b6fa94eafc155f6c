//! Who issued a connection's tokens, and the rule that its tokens go nowhere else: a stored
//! connection remembers the token endpoint, API base and client id it was made with, and a
//! mismatch with the settings in force (a `.env` override, a changed Settings page) refuses to
//! send them.

use serde::{Deserialize, Serialize};
use url::Url;

use super::StoredConnection;
use crate::config::{Mode, ProviderSettings};
use crate::error::{CoreError, Result};
use crate::spec::spec;

/// The endpoints and client a connection's tokens were issued through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issuer {
    /// Where the refresh token (and the client secret) may be sent.
    pub token_url: String,
    /// Where the access token may be sent.
    pub api_base: String,
    /// The OAuth client that holds the grant.
    pub client_id: String,
}

/// What happened when a stored connection was checked against the settings in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerCheck {
    /// The settings are the ones that issued the tokens.
    Same,
    /// A connection saved before issuers were recorded, on the provider's own endpoints: it now
    /// records them (the caller saves it).
    Adopted,
}

impl Issuer {
    /// The issuer a sign-in through `settings` gets its tokens from.
    pub fn of(settings: &ProviderSettings) -> Self {
        Self {
            token_url: settings.token_url.to_string(),
            api_base: settings.api_base.to_string(),
            client_id: settings.client_id.clone(),
        }
    }

    /// The form compared: the sandbox starts on a new loopback port each run (its address is
    /// always on this computer), so its port is left out; everything else must match exactly.
    fn comparable(&self, mode: Mode) -> Self {
        let strip = |url: &str| match (mode, Url::parse(url)) {
            (Mode::Sandbox, Ok(mut parsed)) => {
                let _ = parsed.set_port(None);
                parsed.to_string()
            }
            _ => url.to_owned(),
        };
        Self {
            token_url: strip(&self.token_url),
            api_base: strip(&self.api_base),
            client_id: self.client_id.clone(),
        }
    }
}

/// Checks that `connection`'s tokens may be sent through `settings`. A connection saved before
/// issuers were recorded is adopted only when `settings` are the provider's own endpoints (or the
/// sandbox); otherwise, as on any mismatch, nothing is sent and the person is asked to connect
/// again.
pub fn check_issuer(
    connection: &mut StoredConnection,
    settings: &ProviderSettings,
) -> Result<IssuerCheck> {
    let current = Issuer::of(settings);
    let Some(stored) = &connection.issuer else {
        let spec = spec(settings.integration);
        let own_endpoints = settings.mode == Mode::Sandbox
            || (settings.token_url.as_str()
                == Url::parse(spec.token_url).map_err(bad_spec)?.as_str()
                && settings.api_base.as_str()
                    == Url::parse(spec.api_base).map_err(bad_spec)?.as_str());
        if own_endpoints && connection.mode == settings.mode {
            connection.issuer = Some(current);
            return Ok(IssuerCheck::Adopted);
        }
        return Err(mismatch(
            settings,
            "token endpoint",
            "(not recorded)",
            &current.token_url,
        ));
    };
    let (was, now) = (
        stored.comparable(connection.mode),
        current.comparable(settings.mode),
    );
    if connection.mode != settings.mode {
        return Err(mismatch(
            settings,
            "mode",
            mode_name(connection.mode),
            mode_name(settings.mode),
        ));
    }
    if was.token_url != now.token_url {
        return Err(mismatch(
            settings,
            "token endpoint",
            &stored.token_url,
            &current.token_url,
        ));
    }
    if was.api_base != now.api_base {
        return Err(mismatch(
            settings,
            "API address",
            &stored.api_base,
            &current.api_base,
        ));
    }
    if was.client_id != now.client_id {
        return Err(mismatch(
            settings,
            "client id",
            &stored.client_id,
            &current.client_id,
        ));
    }
    Ok(IssuerCheck::Same)
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Live => "live",
        Mode::Sandbox => "sandbox",
    }
}

fn bad_spec(e: url::ParseError) -> CoreError {
    CoreError::invalid_argument(format!("a built-in endpoint is malformed ({e})"))
}

fn mismatch(settings: &ProviderSettings, what: &'static str, was: &str, now: &str) -> CoreError {
    CoreError::IssuerMismatch {
        integration: settings.integration,
        what,
        was: was.to_owned(),
        now: now.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{resolve, sandbox_settings, SandboxEndpoint};
    use crate::integration::Integration;
    use crate::secret::Secret;

    fn live(env: &[(&str, &str); 2]) -> ProviderSettings {
        resolve(Integration::Hubspot, env, None).unwrap()
    }

    fn own() -> ProviderSettings {
        live(&[("HUBSPOT_CLIENT_ID", "client-1"), ("UNUSED", "")])
    }

    fn connected_through(settings: &ProviderSettings) -> StoredConnection {
        let mut connection = crate::fixtures::connection(Integration::Hubspot, "7");
        connection.mode = settings.mode;
        connection.issuer = Some(Issuer::of(settings));
        connection
    }

    #[test]
    fn the_settings_that_issued_the_tokens_may_use_them() {
        let mut connection = connected_through(&own());
        assert_eq!(
            check_issuer(&mut connection, &own()).unwrap(),
            IssuerCheck::Same
        );
    }

    #[test]
    fn an_api_override_added_after_connecting_is_refused() {
        let mut connection = connected_through(&own());
        let evil = live(&[
            ("HUBSPOT_CLIENT_ID", "client-1"),
            ("INLET_HUBSPOT_API_URL", "https://evil.example/"),
        ]);
        let error = check_issuer(&mut connection, &evil).unwrap_err();
        assert_eq!(error.code(), "connection_issuer_mismatch");
        assert!(
            error.to_string().contains("https://evil.example/"),
            "{error}"
        );
        assert_eq!(error.details()["what"], "API address");
    }

    #[test]
    fn a_token_endpoint_or_client_change_is_refused() {
        let mut connection = connected_through(&own());
        let token = live(&[
            ("HUBSPOT_CLIENT_ID", "client-1"),
            ("INLET_HUBSPOT_TOKEN_URL", "https://evil.example/token"),
        ]);
        assert_eq!(
            check_issuer(&mut connection, &token).unwrap_err().details()["what"],
            "token endpoint"
        );
        let other_client = live(&[("HUBSPOT_CLIENT_ID", "client-2"), ("UNUSED", "")]);
        assert_eq!(
            check_issuer(&mut connection, &other_client)
                .unwrap_err()
                .details()["what"],
            "client id"
        );
    }

    #[test]
    fn an_unrecorded_connection_is_adopted_only_on_the_providers_own_endpoints() {
        let mut old = connected_through(&own());
        old.issuer = None;
        let evil = live(&[
            ("HUBSPOT_CLIENT_ID", "client-1"),
            ("INLET_HUBSPOT_API_URL", "https://evil.example/"),
        ]);
        assert!(check_issuer(&mut old.clone(), &evil).is_err());
        assert_eq!(
            check_issuer(&mut old, &own()).unwrap(),
            IssuerCheck::Adopted
        );
        assert_eq!(old.issuer, Some(Issuer::of(&own())));
    }

    #[test]
    fn the_sandbox_may_come_back_on_another_port() {
        let at = |port: u16| SandboxEndpoint {
            base: Url::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
            client_id: "sandbox".into(),
            client_secret: Secret::new("s"),
        };
        let redirect = Url::parse("http://127.0.0.1:53682/oauth/callback").unwrap();
        let first = sandbox_settings(Integration::Hubspot, &at(4000), redirect.clone());
        let later = sandbox_settings(Integration::Hubspot, &at(4001), redirect);
        let mut connection = connected_through(&first);
        assert_eq!(
            check_issuer(&mut connection, &later).unwrap(),
            IssuerCheck::Same
        );
        assert_eq!(
            check_issuer(&mut connection, &own()).unwrap_err().details()["what"],
            "mode"
        );
    }
}
