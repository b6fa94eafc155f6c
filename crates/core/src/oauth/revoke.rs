//! Revoking a connection's grant at the provider when the person disconnects — best effort: the
//! tokens are forgotten on this computer whatever the provider answers, and the outcome says
//! what happened so the person knows whether to revoke by hand.

use serde::Serialize;
use specta::Type;

use crate::config::ProviderSettings;
use crate::http::{read_capped, TOKEN_BODY_CAP};
use crate::keychain::StoredConnection;
use crate::secret::Secret;
use crate::spec::{spec, Revocation};

/// What happened to the grant at the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RevokeOutcome {
    /// The provider revoked it.
    Revoked,
    /// The provider could not be asked or refused; the person should revoke it there.
    Failed {
        /// Why, in words (never a token).
        reason: String,
    },
    /// The provider offers apps no revoke endpoint.
    ByThePerson {
        /// Where to revoke it.
        instructions: String,
    },
}

/// Asks the provider to revoke `connection`'s grant through `settings` — which the caller has
/// checked are the ones that issued it.
pub async fn revoke(
    http: &reqwest::Client,
    settings: &ProviderSettings,
    connection: &StoredConnection,
) -> RevokeOutcome {
    let name = settings.integration.display_name();
    let request = match spec(settings.integration).revocation {
        Revocation::ByThePerson { instructions } => {
            return RevokeOutcome::ByThePerson {
                instructions: instructions.to_owned(),
            }
        }
        Revocation::AccessTokenJson => {
            let Ok(url) = settings.token_url.join("revoke") else {
                return failed("its revoke address could not be formed");
            };
            let secret = settings.client_secret.as_ref().map(Secret::expose);
            let mut request = http
                .post(url)
                .basic_auth(&settings.client_id, secret)
                .json(&serde_json::json!({ "token": connection.access_token.expose() }));
            for (header, value) in spec(settings.integration).api_headers {
                request = request.header(*header, *value);
            }
            request
        }
        Revocation::RefreshTokenForm => {
            let Some(refresh) = &connection.refresh_token else {
                return failed("the connection has no refresh token to revoke");
            };
            let url = format!(
                "{}/revoke",
                settings.token_url.as_str().trim_end_matches('/')
            );
            let form = [
                ("client_id", settings.client_id.as_str()),
                (
                    "client_secret",
                    settings
                        .client_secret
                        .as_ref()
                        .map(Secret::expose)
                        .unwrap_or(""),
                ),
                ("token", refresh.expose()),
                ("token_type_hint", "refresh_token"),
            ];
            http.post(url).form(&form)
        }
    };
    match request.send().await {
        Ok(response) if response.status().is_success() => {
            let _ = read_capped(response, TOKEN_BODY_CAP).await;
            tracing::info!(integration = %settings.integration, "revoked at the provider");
            RevokeOutcome::Revoked
        }
        Ok(response) => failed(&format!("{name} answered {}", response.status().as_u16())),
        Err(error) => failed(&format!(
            "{name} could not be reached ({})",
            error.without_url()
        )),
    }
}

fn failed(reason: &str) -> RevokeOutcome {
    tracing::warn!(reason, "the grant could not be revoked at the provider");
    RevokeOutcome::Failed {
        reason: reason.to_owned(),
    }
}
