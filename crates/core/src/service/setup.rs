//! What the person sets up in the app: each provider's client id and secret (kept in the OS
//! keychain, never in plain files) and redirect URI, applied without a restart; and several
//! accounts per integration, one of them active.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use specta::Type;

use super::Inlet;
use crate::config::{
    resolve, EnvSource, Mode, RedirectTransport, SandboxEndpoint, DEFAULT_LOOPBACK_REDIRECT,
};
use crate::error::{CoreError, Result};
use crate::item::Integration;
use crate::providers::table::spec;
use crate::session::blocking;
use crate::store::{connection_key, AccountInfo};

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
    pub client_secret: Option<String>,
    /// A redirect URI; absent or empty means the default loopback.
    pub redirect_uri: Option<String>,
}

/// The keychain entry of a provider's setup.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSetup {
    client_id: String,
    client_secret: Option<String>,
    redirect_uri: Option<String>,
}

/// The configuration values read at start, plus the sandbox, so settings can be re-resolved.
pub struct Resolver {
    env: HashMap<String, String>,
    sandbox: Option<SandboxEndpoint>,
}

impl Resolver {
    /// Captures the variables Inlet reads from `env`.
    pub fn new(env: &dyn EnvSource, sandbox: Option<SandboxEndpoint>) -> Self {
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
        Self { env, sandbox }
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
            Some("_CLIENT_SECRET") => saved.client_secret.clone(),
            _ if name == format!("INLET_{}_REDIRECT_URI", self.stem) => saved.redirect_uri.clone(),
            _ => None,
        }
    }
}

fn setup_entry(integration: Integration) -> String {
    format!("client:{integration}")
}

fn active_entry(integration: Integration, mode: Mode) -> String {
    connection_key(integration, mode, "").replacen(':', "-active:", 1)
}

impl Inlet {
    /// Lets the settings be re-resolved at run time (Settings page, keychain credentials).
    pub fn with_resolver(mut self, resolver: Resolver) -> Self {
        self.resolver = Some(resolver);
        self
    }

    async fn saved_setup(&self, integration: Integration) -> Result<Option<StoredSetup>> {
        let store = self.store.clone();
        let raw = blocking(move || store.get_entry(&setup_entry(integration))).await?;
        Ok(raw.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Re-resolves every provider from the environment, the keychain and the sandbox.
    pub async fn reload_settings(&self) -> Result<()> {
        let Some(resolver) = &self.resolver else {
            return Ok(());
        };
        let mut resolved = HashMap::new();
        for integration in Integration::ALL {
            let saved = self.saved_setup(integration).await?;
            let env = Layered {
                env: &resolver.env,
                stem: integration.env_stem(),
                saved: saved.as_ref(),
            };
            match resolve(integration, &env, resolver.sandbox.as_ref()) {
                Ok(settings) => {
                    resolved.insert(integration, settings);
                }
                Err(CoreError::NotConfigured { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        let mut settings = self.settings.write().unwrap_or_else(|p| p.into_inner());
        for integration in Integration::ALL {
            if settings.get(&integration).map(|s| s.mode)
                != resolved.get(&integration).map(|s| s.mode)
            {
                self.latest().remove(&integration);
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
            let from_env = self.resolver.as_ref().is_some_and(|r| {
                r.env
                    .contains_key(&format!("{}_CLIENT_ID", integration.env_stem()))
            });
            let source = match (&settings, from_env) {
                (Some(_), true) => SetupSource::Environment,
                (Some(s), false) if s.mode == Mode::Live => SetupSource::Keychain,
                (Some(_), false) => SetupSource::Sandbox,
                (None, _) => SetupSource::None,
            };
            let redirect_uri = settings
                .as_ref()
                .map(|s| s.redirect_uri.to_string())
                .unwrap_or_else(|| DEFAULT_LOOPBACK_REDIRECT.to_owned());
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
                loopback_only: !spec.deep_link_redirects,
                developer_portal: spec.developer_portal.to_owned(),
                scopes: spec.scopes.iter().map(|s| (*s).to_owned()).collect(),
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
            .map(|s| s.trim().to_owned())
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
        if let Some(resolver) = &self.resolver {
            let env = Layered {
                env: &HashMap::new(),
                stem: integration.env_stem(),
                saved: Some(&saved),
            };
            resolve(integration, &env, resolver.sandbox.as_ref())?;
        }
        let json = serde_json::to_string(&saved)
            .map_err(|e| CoreError::invalid_argument(e.to_string()))?;
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

    /// The active account of `integration` in its current mode, if one was chosen.
    pub(super) async fn active_account(
        &self,
        integration: Integration,
        mode: Mode,
    ) -> Result<Option<String>> {
        let store = self.store.clone();
        blocking(move || store.get_entry(&active_entry(integration, mode))).await
    }

    pub(super) async fn set_active_account(
        &self,
        integration: Integration,
        mode: Mode,
        account: Option<String>,
    ) -> Result<()> {
        let store = self.store.clone();
        blocking(move || match account {
            Some(id) => store.put_entry(&active_entry(integration, mode), &id),
            None => store.delete_entry(&active_entry(integration, mode)),
        })
        .await
    }

    /// Every connected account of `integration` in its current mode.
    pub async fn accounts(&self, integration: Integration) -> Result<Vec<AccountInfo>> {
        let prefix = connection_key(integration, self.settings(integration)?.mode, "");
        let store = self.store.clone();
        blocking(move || {
            let mut accounts = Vec::new();
            for key in store.keys()?.into_iter().filter(|k| k.starts_with(&prefix)) {
                if let Some(connection) = store.get(&key)? {
                    accounts.push(connection.account);
                }
            }
            Ok(accounts)
        })
        .await
    }

    /// Makes `account_id` the account Load, Credentials and Disconnect use.
    pub async fn switch_account(&self, integration: Integration, account_id: &str) -> Result<()> {
        let mode = self.settings(integration)?.mode;
        if !self
            .accounts(integration)
            .await?
            .iter()
            .any(|a| a.id == account_id)
        {
            return Err(CoreError::invalid_argument(format!(
                "{} has no connected account {account_id}.",
                integration.display_name()
            )));
        }
        self.set_active_account(integration, mode, Some(account_id.to_owned()))
            .await?;
        self.latest().remove(&integration);
        Ok(())
    }
}
