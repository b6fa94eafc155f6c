//! Where the effective settings come from: each provider's client id and secret from the
//! environment, else from the Settings page (kept in the OS keychain, never in plain files),
//! else the offline demo — re-resolved without a restart whenever they change.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use specta::Type;

use super::connections::Connections;
use crate::config::{resolve, EnvSource, Mode, RedirectTransport, SandboxEndpoint};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::keychain::blocking;
use crate::secret::{expose_option, Secret};
use crate::spec::spec;

/// Where a provider's client credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SetupSource {
    /// Environment variables or `.env` (they win over the app's settings).
    Environment,
    /// Entered in the app, kept in the keychain.
    Keychain,
    /// None entered: the built-in sandbox.
    Sandbox,
    /// None at all.
    None,
}

/// A provider's setup as the Settings page shows it (the secret only as "set" or not).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ProviderSetup {
    /// Which provider.
    pub integration: Integration,
    /// Its name.
    pub name: String,
    /// Live, Sandbox, or absent.
    pub mode: Option<Mode>,
    /// Where the credentials come from.
    pub source: SetupSource,
    /// The client id in use (not a secret).
    pub client_id: Option<String>,
    /// Whether a client secret is set.
    pub has_client_secret: bool,
    /// Whether the provider needs a secret.
    pub secret_required: bool,
    /// The redirect URI to register with the provider.
    pub redirect_uri: String,
    /// The loopback redirect URI used when none is set (`127.0.0.1` where the provider
    /// accepts it).
    pub default_redirect: String,
    /// How the sign-in comes back.
    pub transport: RedirectTransport,
    /// Whether only loopback redirects work (Airtable).
    pub loopback_only: bool,
    /// Where to register an app.
    pub developer_portal: String,
    /// The scopes to enable on the app.
    pub scopes: Vec<String>,
}

/// What the Settings page sends when saving.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct SetupInput {
    /// The client id.
    pub client_id: String,
    /// A new client secret; absent or empty keeps the saved one.
    #[specta(type = Option<String>)]
    pub client_secret: Option<Secret>,
    /// A redirect URI; absent or empty means the default loopback.
    pub redirect_uri: Option<String>,
}

/// The keychain entry of a provider's setup (the secret is written in the clear only there).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSetup {
    client_id: String,
    #[serde(serialize_with = "expose_option")]
    client_secret: Option<Secret>,
    redirect_uri: Option<String>,
}

/// The offline demo: providers without client credentials talk to it. Started on first need,
/// so a person whose providers are all set up never runs it.
#[async_trait]
pub trait DemoServer: Send + Sync {
    /// Where the demo serves, starting it if it is not running yet.
    async fn endpoint(&self) -> Result<SandboxEndpoint>;

    /// Whether using it starts a server in this process (the app's built-in sandbox): then it
    /// starts only once the person chose the sandbox ([`Connections::choose_sandbox`]) or has a
    /// sandbox connection — never merely because Inlet was launched. A sandbox already running
    /// elsewhere (`INLET_SANDBOX_URL`, tests) costs nothing and is used as soon as it is given.
    fn starts_a_server(&self) -> bool {
        false
    }
}

/// A demo that is already running somewhere (tests, `INLET_SANDBOX_URL` for the CLI).
#[async_trait]
impl DemoServer for SandboxEndpoint {
    async fn endpoint(&self) -> Result<SandboxEndpoint> {
        Ok(self.clone())
    }
}

/// The keychain entry that says the person chose the sandbox for providers without credentials.
const SANDBOX_CHOSEN: &str = "sandbox:chosen";

/// The configuration values read at start, plus the demo, so settings can be re-resolved.
pub struct Resolver {
    env: HashMap<String, String>,
    demo: Option<Arc<dyn DemoServer>>,
    started: tokio::sync::OnceCell<Option<SandboxEndpoint>>,
    /// Chosen in this session (kept here too when the keychain cannot keep it).
    chosen: std::sync::atomic::AtomicBool,
}

impl Resolver {
    /// Captures the variables Inlet reads from `env`.
    pub fn new(env: &dyn EnvSource, demo: Option<Arc<dyn DemoServer>>) -> Self {
        let mut names = vec!["INLET_REDIRECT_URI".to_owned()];
        for integration in Integration::ALL {
            let stem = integration.env_stem();
            names.extend(["CLIENT_ID", "CLIENT_SECRET"].map(|s| format!("{stem}_{s}")));
            names.extend(
                ["AUTH_URL", "TOKEN_URL", "API_URL", "REDIRECT_URI"]
                    .map(|s| format!("INLET_{stem}_{s}")),
            );
        }
        let env = names
            .into_iter()
            .filter_map(|n| env.var(&n).map(|v| (n, v)))
            .collect();
        Self {
            env,
            demo,
            started: tokio::sync::OnceCell::new(),
            chosen: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The demo's endpoint, starting it once; a demo that cannot start leaves its providers
    /// "not configured" (and says why in the log) rather than stopping the app.
    async fn demo(&self) -> Option<SandboxEndpoint> {
        let demo = self.demo.as_ref()?;
        self.started
            .get_or_init(|| async {
                match demo.endpoint().await {
                    Ok(endpoint) => Some(endpoint),
                    Err(error) => {
                        tracing::warn!(code = error.code(), %error, "the offline demo is off");
                        None
                    }
                }
            })
            .await
            .clone()
    }

    fn configured_in_env(&self, integration: Integration) -> bool {
        self.env
            .contains_key(&format!("{}_CLIENT_ID", integration.env_stem()))
    }
}

/// The environment, with a keychain setup filling in what it lacks.
struct Layered<'a> {
    env: &'a HashMap<String, String>,
    stem: &'static str,
    saved: Option<&'a StoredSetup>,
}

impl EnvSource for Layered<'_> {
    fn var(&self, name: &str) -> Option<String> {
        if let Some(value) = self.env.get(name) {
            return Some(value.clone());
        }
        let saved = self
            .saved
            .filter(|_| !self.env.contains_key(&format!("{}_CLIENT_ID", self.stem)))?;
        match name.strip_prefix(self.stem) {
            Some("_CLIENT_ID") => Some(saved.client_id.clone()),
            Some("_CLIENT_SECRET") => saved.client_secret.as_ref().map(|s| s.expose().to_owned()),
            _ if name == format!("INLET_{}_REDIRECT_URI", self.stem) => saved.redirect_uri.clone(),
            _ => None,
        }
    }
}

fn setup_entry(integration: Integration) -> String {
    format!("client:{integration}")
}

impl Connections {
    /// Whether providers without credentials may use the demo now: one already running
    /// elsewhere always; the built-in one once the person chose the sandbox (now or in an
    /// earlier session) or has a sandbox connection.
    async fn sandbox_wanted(&self) -> bool {
        let Some(demo) = &self.resolver.demo else {
            return false;
        };
        if !demo.starts_a_server()
            || self
                .resolver
                .chosen
                .load(std::sync::atomic::Ordering::SeqCst)
        {
            return true;
        }
        let store = self.store.clone();
        blocking(move || {
            let chosen = store.get_entry(SANDBOX_CHOSEN)?.is_some();
            Ok(chosen || store.keys()?.iter().any(|k| k.contains(":sandbox:")))
        })
        .await
        .unwrap_or(false)
    }

    /// The person chose the sandbox for the providers without client credentials: remembered
    /// (in the keychain; for this session only when it cannot keep it) and applied — the
    /// built-in sandbox starts now.
    pub async fn choose_sandbox(&self) -> Result<()> {
        if self.resolver.demo.is_none() {
            return Err(CoreError::SandboxUnavailable {
                reason: "this build of Inlet has no built-in sandbox".into(),
            });
        }
        self.resolver
            .chosen
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let store = self.store.clone();
        if let Err(error) = blocking(move || store.put_entry(SANDBOX_CHOSEN, "yes")).await {
            tracing::warn!(
                code = error.code(),
                "the sandbox choice is kept for this session only"
            );
        }
        self.reload_settings().await
    }

    async fn saved_setup(&self, integration: Integration) -> Result<Option<StoredSetup>> {
        let store = self.store.clone();
        let raw = blocking(move || store.get_entry(&setup_entry(integration))).await?;
        Ok(raw.and_then(|json| {
            serde_json::from_str(&json)
                .map_err(|e| tracing::warn!(%integration, error = %e, "ignoring unreadable saved settings"))
                .ok()
        }))
    }

    /// Re-resolves every provider from the environment, the keychain and — for those that have
    /// neither — the offline demo, started on first need.
    pub async fn reload_settings(&self) -> Result<()> {
        let resolver = &self.resolver;
        let sandbox_wanted = self.sandbox_wanted().await;
        let mut resolved = HashMap::new();
        for integration in Integration::ALL {
            // Without a keychain the environment and the demo still work; saving says why not.
            let saved = self.saved_setup(integration).await.unwrap_or_else(|error| {
                tracing::warn!(
                    code = error.code(),
                    "could not read saved provider settings"
                );
                None
            });
            let env = Layered {
                env: &resolver.env,
                stem: integration.env_stem(),
                saved: saved.as_ref(),
            };
            let settings = match resolve(integration, &env, None) {
                Err(CoreError::NotConfigured { .. }) if !sandbox_wanted => continue,
                Err(CoreError::NotConfigured { .. }) => match resolver.demo().await {
                    Some(demo) => resolve(integration, &env, Some(&demo)),
                    None => continue,
                },
                other => other,
            }?;
            resolved.insert(integration, settings);
        }
        let mut settings = self.settings.write().unwrap_or_else(|p| p.into_inner());
        for integration in Integration::ALL {
            if settings.get(&integration).map(|s| s.mode)
                != resolved.get(&integration).map(|s| s.mode)
            {
                self.library.forget_last_load(integration);
            }
        }
        *settings = resolved;
        Ok(())
    }

    /// Every provider's setup, for the Settings page.
    pub async fn provider_setups(&self) -> Result<Vec<ProviderSetup>> {
        let mut out = Vec::new();
        for integration in Integration::ALL {
            let spec = spec(integration);
            let settings = self.settings(integration).ok();
            let from_env = self.resolver.configured_in_env(integration);
            let source = match (&settings, from_env) {
                (Some(_), true) => SetupSource::Environment,
                (Some(s), false) if s.mode == Mode::Live => SetupSource::Keychain,
                (Some(_), false) => SetupSource::Sandbox,
                (None, _) => SetupSource::None,
            };
            let redirect_uri = settings
                .as_ref()
                .map(|s| s.redirect_uri.to_string())
                .unwrap_or_else(|| spec.default_redirect.to_owned());
            out.push(ProviderSetup {
                integration,
                name: integration.display_name().to_owned(),
                mode: settings.as_ref().map(|s| s.mode),
                source,
                client_id: settings
                    .as_ref()
                    .filter(|s| s.mode == Mode::Live)
                    .map(|s| s.client_id.clone()),
                has_client_secret: settings
                    .as_ref()
                    .is_some_and(|s| s.mode == Mode::Live && s.client_secret.is_some()),
                secret_required: spec.secret_required,
                transport: settings
                    .as_ref()
                    .map(|s| s.transport())
                    .unwrap_or(RedirectTransport::Loopback),
                redirect_uri,
                default_redirect: spec.default_redirect.to_owned(),
                loopback_only: !spec.deep_link_redirects,
                developer_portal: spec.developer_portal.to_owned(),
                scopes: spec
                    .scopes
                    .iter()
                    .map(|s| (*s).to_owned())
                    .chain(
                        spec.optional_scopes
                            .iter()
                            .map(|s| format!("{s} (optional)")),
                    )
                    .collect(),
            });
        }
        Ok(out)
    }

    /// Saves a provider's client credentials (in the keychain) and redirect URI, and applies them.
    pub async fn save_provider_setup(
        &self,
        integration: Integration,
        input: SetupInput,
    ) -> Result<Vec<ProviderSetup>> {
        let client_id = input.client_id.trim().to_owned();
        if client_id.is_empty()
            || client_id.len() > 512
            || client_id.chars().any(char::is_whitespace)
        {
            return Err(CoreError::invalid_argument(
                "The client id must be one word, as the provider's developer portal shows it.",
            ));
        }
        let previous = self.saved_setup(integration).await?;
        let new_secret = input
            .client_secret
            .map(|s| Secret::new(s.expose().trim()))
            .filter(|s| !s.is_empty());
        let client_secret = new_secret.or_else(|| {
            previous
                .filter(|p| p.client_id == client_id)
                .and_then(|p| p.client_secret)
        });
        if spec(integration).secret_required && client_secret.is_none() {
            return Err(CoreError::invalid_argument(format!(
                "{} needs the client secret too.",
                integration.display_name()
            )));
        }
        let redirect_uri = input
            .redirect_uri
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        let saved = StoredSetup {
            client_id,
            client_secret,
            redirect_uri,
        };
        // Check it resolves (URLs, Airtable's loopback rule) before anything is written.
        let env = Layered {
            env: &HashMap::new(),
            stem: integration.env_stem(),
            saved: Some(&saved),
        };
        resolve(integration, &env, None)?;
        let json = serde_json::to_string(&saved)
            .map_err(|e| CoreError::serialization("the provider settings", e))?;
        let store = self.store.clone();
        blocking(move || store.put_entry(&setup_entry(integration), &json)).await?;
        self.reload_settings().await?;
        tracing::info!(%integration, "client credentials saved in the keychain");
        self.provider_setups().await
    }

    /// Forgets a provider's saved credentials (back to the environment or the sandbox).
    pub async fn clear_provider_setup(
        &self,
        integration: Integration,
    ) -> Result<Vec<ProviderSetup>> {
        let store = self.store.clone();
        blocking(move || store.delete_entry(&setup_entry(integration))).await?;
        self.reload_settings().await?;
        self.provider_setups().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_secrets_never_show_in_debug() {
        let input: SetupInput = serde_json::from_value(serde_json::json!({
            "client_id": "cid", "client_secret": "typed-secret", "redirect_uri": null
        }))
        .unwrap();
        assert!(!format!("{input:?}").contains("typed-secret"));
        let stored = StoredSetup {
            client_id: "cid".into(),
            client_secret: input.client_secret.clone(),
            redirect_uri: None,
        };
        assert!(!format!("{stored:?}").contains("typed-secret"));
        // The keychain entry is the one place it is written, and it reads back.
        let json = serde_json::to_string(&stored).unwrap();
        let back: StoredSetup = serde_json::from_str(&json).unwrap();
        assert_eq!(back.client_secret.unwrap().expose(), "typed-secret");
    }
}
