//! Connecting: the authorization URL, the callback (deep link or loopback), the code exchange,
//! the account lookup and saving the connection.

use std::time::{Duration, Instant};

use chrono::Utc;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::{AuthorizationStart, ConnectionInfo, Inlet};
use crate::config::{RedirectTransport, DEEP_LINK_CALLBACK};
use crate::error::{CoreError, Result};
use crate::item::Integration;
use crate::oauth::callback::{parse_callback, CallbackOutcome};
use crate::oauth::client::{authorization_request, exchange_code};
use crate::oauth::loopback::LoopbackListener;
use crate::oauth::pending::{PendingFlow, FLOW_TTL};
use crate::providers::provider;
use crate::session::blocking;
use crate::store::StoredConnection;

impl Inlet {
    /// Starts a sign-in: remembers state and PKCE verifier, returns the URL to open.
    /// `redirect_uri` overrides the configured one (the loopback listener's bound port).
    pub fn begin_connect(
        &self,
        integration: Integration,
        redirect_uri: Option<&Url>,
    ) -> Result<AuthorizationStart> {
        provider(integration)?;
        let settings = self.settings(integration)?;
        let redirect_uri = redirect_uri.unwrap_or(&settings.redirect_uri).clone();
        let request = authorization_request(&settings, &redirect_uri);
        self.flows.cancel(integration);
        self.flows.insert(
            request.state,
            PendingFlow {
                integration,
                pkce_verifier: request.pkce_verifier,
                redirect_uri: redirect_uri.clone(),
                started: Instant::now(),
            },
        );
        tracing::info!(%integration, "sign-in started");
        Ok(AuthorizationStart {
            integration,
            authorization_url: request.url.to_string(),
            transport: RedirectTransport::for_redirect_uri(&redirect_uri),
        })
    }

    /// Whether a sign-in of `integration` is waiting for its callback.
    pub fn is_pending(&self, integration: Integration) -> bool {
        self.flows.is_pending(integration)
    }

    /// Completes a sign-in from a deep link (`inlet://oauth/callback?…`).
    pub async fn complete_deep_link(&self, url: &str) -> Result<ConnectionInfo> {
        let endpoint = Url::parse(DEEP_LINK_CALLBACK)
            .map_err(|e| CoreError::invalid_argument(e.to_string()))?;
        self.complete_callback(url, &[endpoint], None).await
    }

    /// Checks the callback (endpoint, state, provider), exchanges the code, looks up the account
    /// and saves the connection in the store.
    pub async fn complete_callback(
        &self,
        url: &str,
        endpoints: &[Url],
        expected: Option<Integration>,
    ) -> Result<ConnectionInfo> {
        let outcome = parse_callback(url, endpoints)?;
        let flow = self.flows.take(outcome.state(), expected, Instant::now())?;
        let integration = flow.integration;
        let code = match outcome {
            CallbackOutcome::Denied {
                error, description, ..
            } => {
                tracing::info!(%integration, %error, "sign-in denied");
                return Err(CoreError::AccessDenied {
                    integration,
                    error,
                    description,
                });
            }
            CallbackOutcome::Code { code, .. } => code,
        };
        let settings = self.settings(integration)?;
        let tokens = exchange_code(
            &self.http,
            &settings,
            &flow.redirect_uri,
            &code,
            flow.pkce_verifier.as_ref(),
        )
        .await?;
        let account = provider(integration)?
            .account(&self.http, &settings, &tokens)
            .await?;
        let connection = StoredConnection {
            integration,
            mode: settings.mode,
            account,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            expires_at: tokens.expires_at,
            scopes: tokens.scopes,
            connected_at: Utc::now(),
            reconnect_needed: false,
        };
        let info = ConnectionInfo::from(&connection);
        let store = self.store.clone();
        let (mode, account_id) = (connection.mode, connection.account.id.clone());
        blocking(move || store.put(&connection)).await?;
        // A newly connected account becomes the active one; the others stay connected.
        self.set_active_account(integration, mode, Some(account_id))
            .await?;
        self.latest().remove(&integration);
        tracing::info!(%integration, account = %info.account.label, "connected");
        Ok(info)
    }

    /// The whole loopback sign-in: binds the listener, calls `open` with the authorization URL,
    /// and completes on the first callback that carries this flow's state (others are answered
    /// with an error page and ignored), within ten minutes.
    pub async fn connect_loopback(
        &self,
        integration: Integration,
        open: impl FnOnce(&AuthorizationStart),
    ) -> Result<ConnectionInfo> {
        let settings = self.settings(integration)?;
        if settings.transport() != RedirectTransport::Loopback {
            return Err(CoreError::invalid_argument(format!(
                "{}'s redirect URI ({}) is not a loopback address; set INLET_{}_REDIRECT_URI to http://localhost:<port>/<path>.",
                integration.display_name(),
                settings.redirect_uri,
                integration.env_stem()
            )));
        }
        // One loopback sign-in at a time: a new Connect replaces a pending one (whose tab may have
        // been closed), which then frees the port.
        let replaced = CancellationToken::new();
        let previous = self
            .loopback_flow
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(replaced.clone());
        if let Some(previous) = &previous {
            previous.cancel();
        }
        let mut listener = self
            .bind_loopback(&settings.redirect_uri, previous.is_some())
            .await?;
        let start = self.begin_connect(integration, Some(listener.redirect_uri()))?;
        open(&start);
        let endpoint = listener.redirect_uri().clone();
        let wait = async {
            while let Some(request) = listener.next().await {
                let result = self
                    .complete_callback(
                        &request.url,
                        std::slice::from_ref(&endpoint),
                        Some(integration),
                    )
                    .await;
                let _ = request.reply.send(match &result {
                    Ok(info) => Ok(info.account.label.clone()),
                    Err(e) => Err(e.to_string()),
                });
                match result {
                    Err(CoreError::StateMismatch | CoreError::InvalidCallback { .. }) => continue,
                    other => return other,
                }
            }
            Err(CoreError::Cancelled)
        };
        let minutes = u32::try_from(FLOW_TTL.as_secs() / 60).unwrap_or(10);
        let outcome = tokio::select! {
            outcome = tokio::time::timeout(FLOW_TTL + Duration::from_secs(1), wait) => outcome,
            _ = replaced.cancelled() => Ok(Err(CoreError::SignInReplaced)),
        };
        listener.close().await;
        outcome.unwrap_or_else(|_| {
            self.flows.cancel(integration);
            Err(CoreError::ConnectTimedOut { minutes })
        })
    }

    /// Binds the loopback listener; right after replacing a pending sign-in, waits (up to 3 s)
    /// for that one to let go of the port.
    async fn bind_loopback(&self, uri: &Url, replacing: bool) -> Result<LoopbackListener> {
        let mut attempts = if replacing { 30 } else { 1 };
        loop {
            attempts -= 1;
            match LoopbackListener::bind(uri).await {
                Err(CoreError::LoopbackUnavailable { .. }) if attempts > 0 => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                other => return other,
            }
        }
    }
}
