//! Where each provider's client credentials, endpoints and redirect URI come from:
//! the seed's environment names (`HUBSPOT_CLIENT_ID`, …), a `.env` file, the `INLET_*` overrides,
//! or the built-in sandbox when a provider has no client id.

use serde::{Deserialize, Serialize};
use specta::Type;
use url::Url;

use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::secret::Secret;
use crate::spec::spec;

mod dotenv_syntax;
mod environment;
pub use environment::{dotenv_keys, Environment};

/// The custom-scheme callback the desktop app is registered for.
pub const DEEP_LINK_CALLBACK: &str = "inlet://oauth/callback";

/// Whether a provider talks to the real service or to the sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The provider's real endpoints with the person's own client credentials.
    Live,
    /// Inlet's loopback sandbox, with a generated dataset.
    Sandbox,
}

/// How the browser hands the authorization code back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum RedirectTransport {
    /// A listener on a loopback address, only while a sign-in is pending.
    Loopback,
    /// The `inlet://oauth/callback` deep link (directly, or through an https bounce page).
    DeepLink,
}

impl RedirectTransport {
    /// The transport a redirect URI implies: `http` on a loopback host means loopback; anything
    /// else (`inlet://`, or an https page that forwards to it) means the deep link.
    pub fn for_redirect_uri(uri: &Url) -> Self {
        if uri.scheme() == "http" && is_loopback_host(uri) {
            RedirectTransport::Loopback
        } else {
            RedirectTransport::DeepLink
        }
    }
}

/// True for `localhost`, `127.0.0.0/8` and `[::1]`.
pub fn is_loopback_host(uri: &Url) -> bool {
    match uri.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The resolved settings of one provider.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// Which provider.
    pub integration: Integration,
    /// Live or sandbox.
    pub mode: Mode,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret, when there is one.
    pub client_secret: Option<Secret>,
    /// Authorization endpoint.
    pub auth_url: Url,
    /// Token endpoint.
    pub token_url: Url,
    /// API base.
    pub api_base: Url,
    /// The redirect URI sent to the provider.
    pub redirect_uri: Url,
    /// The endpoint overrides in force (`INLET_<P>_{AUTH,TOKEN,API}_URL=<url>`), announced in
    /// the log, on the CLI's terminal and as a badge in the app.
    pub overrides: Vec<String>,
}

impl ProviderSettings {
    /// How the callback comes back for this provider.
    pub fn transport(&self) -> RedirectTransport {
        RedirectTransport::for_redirect_uri(&self.redirect_uri)
    }
}

/// The sandbox a provider falls back to when it has no client id.
#[derive(Debug, Clone)]
pub struct SandboxEndpoint {
    /// The sandbox's base URL (e.g. `http://127.0.0.1:41234`); providers live under `/<id>`.
    pub base: Url,
    /// The client id the sandbox registers for every provider.
    pub client_id: String,
    /// The client secret the sandbox registers for every provider.
    pub client_secret: Secret,
}

/// A source of configuration values (the process environment, or a map in tests).
pub trait EnvSource {
    /// The value of `name`, if set and not blank.
    fn var(&self, name: &str) -> Option<String>;
}

impl SandboxEndpoint {
    /// `INLET_SANDBOX_URL`: a running sandbox (`inlet-sandbox`) for the providers without client
    /// credentials, with the client the sandbox registers. Loopback addresses only: the sandbox
    /// approves every consent, so nothing elsewhere may pose as one.
    pub fn from_env(env: &dyn EnvSource) -> Result<Option<Self>> {
        let Some(raw) = env.var("INLET_SANDBOX_URL") else {
            return Ok(None);
        };
        let base = Url::parse(&raw).map_err(|e| {
            CoreError::invalid_argument(format!("INLET_SANDBOX_URL is not a URL ({e})."))
        })?;
        let loopback = match base.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name == "localhost",
            None => false,
        };
        if base.scheme() != "http" || !loopback {
            return Err(CoreError::invalid_argument(
                "INLET_SANDBOX_URL must be an http:// address on this computer (127.0.0.1, [::1] or localhost).",
            ));
        }
        Ok(Some(Self {
            base,
            client_id: "inlet-sandbox-client".into(),
            client_secret: Secret::new("inlet-sandbox-secret"),
        }))
    }
}

/// The process environment alone (see [`Environment`] for the environment with a `.env`).
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    }
}

impl<const N: usize> EnvSource for [(&str, &str); N] {
    fn var(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

fn parse_url(name: &str, value: &str) -> Result<Url> {
    Url::parse(value.trim())
        .map_err(|e| CoreError::invalid_argument(format!("{name} is not a valid URL ({e}).")))
}

/// A redirect URI a sign-in may come back to: plain http only on this computer (the loopback
/// listener), exactly [`DEEP_LINK_CALLBACK`], or https (a page of the person's own that forwards
/// to the app). Anything else — `http://192.168.1.5/cb`, another app's scheme — would hand the
/// authorization code to someone else.
pub fn redirect_url(value: &str) -> Result<Url> {
    let uri = parse_url("the redirect URI", value)?;
    let allowed = match uri.scheme() {
        "http" => is_loopback_host(&uri),
        "https" => uri.host().is_some(),
        _ => uri.as_str() == DEEP_LINK_CALLBACK,
    };
    if !allowed {
        return Err(CoreError::invalid_argument(format!(
            "The redirect URI must be http://127.0.0.1:<port>/… (or localhost), exactly {DEEP_LINK_CALLBACK}, or an https address; {} is none of these.",
            uri.as_str().chars().take(80).collect::<String>()
        )));
    }
    Ok(uri)
}

/// The redirect URI of a provider: `INLET_<P>_REDIRECT_URI`, else `INLET_REDIRECT_URI`, else the
/// provider's default loopback (its table's `default_redirect`). A provider that accepts only loopback redirects (Airtable refuses custom
/// schemes and pages that redirect again) ignores a global deep-link URI and refuses its own.
fn redirect_uri(integration: Integration, env: &dyn EnvSource) -> Result<Url> {
    let stem = integration.env_stem();
    let loopback_only = !spec(integration).deep_link_redirects;
    if let Some(own) = env.var(&format!("INLET_{stem}_REDIRECT_URI")) {
        let uri = redirect_url(&own)?;
        if loopback_only && RedirectTransport::for_redirect_uri(&uri) != RedirectTransport::Loopback
        {
            return Err(CoreError::invalid_argument(format!(
                "{} accepts only loopback redirect URIs (http://localhost:<port>/<path>); INLET_{stem}_REDIRECT_URI is not one.",
                integration.display_name()
            )));
        }
        return Ok(uri);
    }
    let global = env
        .var("INLET_REDIRECT_URI")
        .map(|v| redirect_url(&v))
        .transpose()?;
    match global {
        Some(uri)
            if !loopback_only
                || RedirectTransport::for_redirect_uri(&uri) == RedirectTransport::Loopback =>
        {
            Ok(uri)
        }
        _ => parse_url("the redirect URI", spec(integration).default_redirect),
    }
}

/// Resolves one provider's settings, or `NotConfigured` when it has no client id and no sandbox.
pub fn resolve(
    integration: Integration,
    env: &dyn EnvSource,
    sandbox: Option<&SandboxEndpoint>,
) -> Result<ProviderSettings> {
    let spec = spec(integration);
    let stem = integration.env_stem();
    let var = |suffix: &str| env.var(&format!("{stem}_{suffix}"));
    let inlet_var = |suffix: &str| env.var(&format!("INLET_{stem}_{suffix}"));
    let redirect_uri = redirect_uri(integration, env)?;
    if let Some(client_id) = var("CLIENT_ID") {
        let overrides = std::cell::RefCell::new(Vec::new());
        let url_or = |suffix: &str, default: &str| -> Result<Url> {
            let name = format!("INLET_{stem}_{suffix}");
            let Some(value) = inlet_var(suffix) else {
                return parse_url(&name, default);
            };
            let url = parse_url(&name, &value)?;
            // Tokens and the client secret go wherever this points: https only, or this computer.
            if url.scheme() != "https" && !(url.scheme() == "http" && is_loopback_host(&url)) {
                return Err(CoreError::invalid_argument(format!(
                    "{name} must be an https address (or http on this computer); {} is not.",
                    url.as_str().chars().take(80).collect::<String>()
                )));
            }
            // The faces say it on standard error (`Environment::overrides_in_force`), whatever
            // the log level; the app shows it on the card too.
            tracing::info!(
                "{name} points {} at {url} instead of its own endpoint",
                integration.display_name()
            );
            overrides.borrow_mut().push(format!("{name}={url}"));
            Ok(url)
        };
        let (auth_url, token_url, api_base) = (
            url_or("AUTH_URL", spec.auth_url)?,
            url_or("TOKEN_URL", spec.token_url)?,
            url_or("API_URL", spec.api_base)?,
        );
        return Ok(ProviderSettings {
            integration,
            mode: Mode::Live,
            client_id,
            client_secret: var("CLIENT_SECRET").map(Secret::new),
            auth_url,
            token_url,
            api_base,
            redirect_uri,
            overrides: overrides.into_inner(),
        });
    }
    let sandbox = sandbox.ok_or(CoreError::NotConfigured { integration })?;
    Ok(sandbox_settings(integration, sandbox, redirect_uri))
}

/// The settings that point a provider at the sandbox. Paths mirror the real services', under
/// a `/<integration>` prefix.
pub fn sandbox_settings(
    integration: Integration,
    sandbox: &SandboxEndpoint,
    redirect_uri: Url,
) -> ProviderSettings {
    let spec = spec(integration);
    let under = |real: &str| -> Url {
        let path = Url::parse(real)
            .map(|u| u.path().to_owned())
            .unwrap_or_default();
        let mut url = sandbox.base.clone();
        url.set_path(&format!(
            "/{}{}",
            integration.id(),
            path.trim_end_matches('/')
        ));
        url
    };
    ProviderSettings {
        integration,
        mode: Mode::Sandbox,
        client_id: sandbox.client_id.clone(),
        client_secret: Some(sandbox.client_secret.clone()),
        auth_url: under(spec.auth_url),
        token_url: under(spec.token_url),
        api_base: under(spec.api_base),
        redirect_uri,
        overrides: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
