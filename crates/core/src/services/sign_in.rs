//! SignIn: one two-phase API for both transports. [`SignIn::begin`] returns where to send the
//! browser *and* a [`PendingSignIn`] that resolves to the connection once the callback arrives —
//! through the loopback listener it owns, or through the deep link the shell hands to
//! [`SignIn::complete_deep_link`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::future::BoxFuture;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::clients::ApiClients;
use super::connections::Connections;
use super::types::{AuthorizationStart, ConnectionInfo};
use super::usage::UsageRecorder;
use crate::config::{ProviderSettings, RedirectTransport, DEEP_LINK_CALLBACK};
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item_store::AccountKey;
use crate::keychain::{Issuer, StoredConnection};
use crate::oauth::callback::{parse_callback, CallbackOutcome};
use crate::oauth::client::{authorization_request, exchange_code};
use crate::oauth::loopback::LoopbackListener;
use crate::oauth::pending::{PendingFlow, PendingFlows, FLOW_TTL};
use crate::oauth::start_page::StartPage;
use crate::providers::{provider, AccountContext};
use crate::sync::lock;

/// Sign-ins in progress.
pub struct SignIn {
    inner: Arc<Inner>,
}

struct Inner {
    connections: Arc<Connections>,
    clients: Arc<ApiClients>,
    flows: PendingFlows,
    /// Who waits for each provider's deep-link sign-in.
    waiters: Mutex<HashMap<Integration, oneshot::Sender<Result<ConnectionInfo>>>>,
    /// The loopback sign-in that holds the port, if any.
    loopback: Mutex<Option<CancellationToken>>,
    /// Providers that refused their optional scopes (not enabled on the person's registration):
    /// not asked for again while Inlet runs.
    optional_refused: Mutex<std::collections::HashSet<Integration>>,
}

/// A sign-in waiting for its callback; resolves to the new connection, or to why not
/// (`oauth_sign_in_replaced` when a newer Connect took over, `connect_timed_out` after ten minutes).
#[must_use = "a sign-in completes only while its PendingSignIn is awaited"]
pub struct PendingSignIn(BoxFuture<'static, Result<ConnectionInfo>>);

impl Future for PendingSignIn {
    type Output = Result<ConnectionInfo>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

fn timed_out() -> CoreError {
    CoreError::ConnectTimedOut {
        minutes: u32::try_from(FLOW_TTL.as_secs() / 60).unwrap_or(10),
    }
}

impl SignIn {
    /// Sign-ins that save their connections in `connections`.
    pub fn new(connections: Arc<Connections>, clients: Arc<ApiClients>) -> Self {
        Self {
            inner: Arc::new(Inner {
                connections,
                clients,
                flows: PendingFlows::default(),
                waiters: Mutex::default(),
                loopback: Mutex::default(),
                optional_refused: Mutex::default(),
            }),
        }
    }

    /// Starts a sign-in over the transport the provider's redirect URI implies. A new sign-in of
    /// the same provider replaces a pending one (whose tab may have been closed).
    pub async fn begin(
        &self,
        integration: Integration,
    ) -> Result<(AuthorizationStart, PendingSignIn)> {
        let settings = self.inner.connections.settings(integration)?;
        self.inner.connections.probe_store().await?;
        match settings.transport() {
            RedirectTransport::Loopback => self.begin_loopback(integration).await,
            RedirectTransport::DeepLink => {
                self.behind_start_page(integration, self.begin_deep_link(&settings))
                    .await
            }
        }
    }

    /// Puts the sign-in behind a one-time start page (`open_url`); a second opening of it
    /// stops the sign-in.
    async fn behind_start_page(
        &self,
        integration: Integration,
        (mut start, pending): (AuthorizationStart, PendingSignIn),
    ) -> Result<(AuthorizationStart, PendingSignIn)> {
        let page = StartPage::serve(&start.authorization_url).await?;
        start.open_url = page.url().to_owned();
        let inner = self.inner.clone();
        let guarded = async move {
            tokio::select! {
                result = pending => result,
                _ = page.reused() => {
                    inner.flows.cancel(integration);
                    Err(CoreError::StartPageReused)
                }
            }
        };
        Ok((start, PendingSignIn(Box::pin(guarded))))
    }

    /// Starts a sign-in whose callback comes to a loopback listener bound now (the CLI's only
    /// transport); a provider set up for the deep link is refused.
    pub async fn begin_loopback(
        &self,
        integration: Integration,
    ) -> Result<(AuthorizationStart, PendingSignIn)> {
        let settings = self.inner.connections.settings(integration)?;
        self.inner.connections.probe_store().await?;
        if settings.transport() != RedirectTransport::Loopback {
            return Err(CoreError::invalid_argument(format!(
                "{}'s redirect URI ({}) is not a loopback address; set INLET_{}_REDIRECT_URI to http://localhost:<port>/<path>.",
                integration.display_name(),
                settings.redirect_uri,
                integration.env_stem()
            )));
        }
        // One loopback sign-in at a time: a new one replaces the pending one, which frees the port.
        let replaced = CancellationToken::new();
        let previous = lock(&self.inner.loopback).replace(replaced.clone());
        if let Some(previous) = &previous {
            previous.cancel();
        }
        let mut listener = bind_loopback(&settings.redirect_uri, previous.is_some()).await?;
        let endpoint = listener.redirect_uri().clone();
        let start = self.inner.start_flow(&settings, &endpoint);
        let inner = self.inner.clone();
        let pending = async move {
            let wait = async {
                while let Some(request) = listener.next().await {
                    let result = inner
                        .complete(
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
                        // Someone else's request (a stale tab, a probe): keep waiting for ours,
                        // and say so — the terminal or log is the only place that can.
                        Err(
                            error @ (CoreError::StateMismatch | CoreError::InvalidCallback { .. }),
                        ) => {
                            tracing::warn!(
                                %integration,
                                code = error.code(),
                                "refused a callback that does not belong to this sign-in ({error}); still waiting for the browser"
                            );
                            continue;
                        }
                        other => return other,
                    }
                }
                Err(CoreError::Cancelled)
            };
            let outcome = tokio::select! {
                outcome = tokio::time::timeout(FLOW_TTL + Duration::from_secs(1), wait) => outcome,
                _ = replaced.cancelled() => Ok(Err(CoreError::SignInReplaced)),
            };
            listener.close().await;
            outcome.unwrap_or_else(|_| {
                inner.flows.cancel(integration);
                Err(timed_out())
            })
        };
        self.behind_start_page(integration, (start, PendingSignIn(Box::pin(pending))))
            .await
    }

    fn begin_deep_link(&self, settings: &ProviderSettings) -> (AuthorizationStart, PendingSignIn) {
        let integration = settings.integration;
        let start = self.inner.start_flow(settings, &settings.redirect_uri);
        let (sender, receiver) = oneshot::channel();
        // Replacing the sender drops the previous one: its sign-in resolves as replaced.
        lock(&self.inner.waiters).insert(integration, sender);
        let inner = self.inner.clone();
        let pending = async move {
            match tokio::time::timeout(FLOW_TTL + Duration::from_secs(1), receiver).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err(CoreError::SignInReplaced),
                Err(_) => {
                    inner.flows.cancel(integration);
                    Err(timed_out())
                }
            }
        };
        (start, PendingSignIn(Box::pin(pending)))
    }

    /// Completes a sign-in from a deep link (`inlet://oauth/callback?…`). Its outcome goes to
    /// the waiting [`PendingSignIn`]; `Ok(Some(_))` only when nobody waited for it any more. An
    /// error means the link belongs to no sign-in (forged, replayed, expired, malformed).
    pub async fn complete_deep_link(&self, url: &str) -> Result<Option<ConnectionInfo>> {
        let endpoint = Url::parse(DEEP_LINK_CALLBACK)
            .map_err(|e| CoreError::invalid_argument(e.to_string()))?;
        let outcome = parse_callback(url, &[endpoint])?;
        // A flow started for the loopback redirect comes back there only: a deep link carrying
        // its state means the state leaked (the authorization URL was seen elsewhere). Refused
        // before the flow is taken, so the person's own loopback callback still completes it.
        let flow = self
            .inner
            .flows
            .take_admitted(outcome.state(), Instant::now(), |flow| {
                if RedirectTransport::for_redirect_uri(&flow.redirect_uri)
                    == RedirectTransport::DeepLink
                {
                    return Ok(());
                }
                Err(CoreError::InvalidCallback {
                    reason:
                        "this sign-in was started for the loopback redirect, not the inlet:// link"
                            .into(),
                })
            })?;
        // The sign-in waiting now is this flow's (a flow is replaced together with its waiter);
        // taken before the exchange, so a Connect meanwhile gets a waiter of its own.
        let waiter = lock(&self.inner.waiters).remove(&flow.integration);
        let result = self.inner.finish(flow, outcome).await;
        let Some(waiter) = waiter else {
            return result.map(Some);
        };
        match waiter.send(result) {
            Ok(()) => Ok(None),
            Err(unheard) => unheard.map(Some),
        }
    }

    /// Whether a sign-in of `integration` is waiting for its callback.
    pub fn is_pending(&self, integration: Integration) -> bool {
        self.inner.flows.is_pending(integration)
    }
}

impl Inner {
    /// Remembers a new flow (state, PKCE verifier, redirect URI) and returns its start.
    fn start_flow(&self, settings: &ProviderSettings, redirect_uri: &Url) -> AuthorizationStart {
        let integration = settings.integration;
        let with_optional = !lock(&self.optional_refused).contains(&integration);
        let request = authorization_request(settings, redirect_uri, with_optional);
        self.flows.cancel(integration);
        self.flows.insert(
            request.state,
            PendingFlow {
                integration,
                pkce_verifier: request.pkce_verifier,
                redirect_uri: redirect_uri.clone(),
                started: Instant::now(),
                asked_optional: with_optional
                    && !crate::spec::spec(integration).optional_scopes.is_empty(),
            },
        );
        tracing::info!(%integration, "sign-in started");
        AuthorizationStart {
            integration,
            authorization_url: request.url.to_string(),
            open_url: request.url.to_string(),
            transport: RedirectTransport::for_redirect_uri(redirect_uri),
        }
    }

    /// Checks the callback (endpoint, state, provider) and finishes its flow.
    async fn complete(
        &self,
        url: &str,
        endpoints: &[Url],
        expected: Option<Integration>,
    ) -> Result<ConnectionInfo> {
        let outcome = parse_callback(url, endpoints)?;
        let flow = self.flows.take(outcome.state(), expected, Instant::now())?;
        self.finish(flow, outcome).await
    }

    /// Exchanges the code, looks up the account and saves the connection.
    async fn finish(&self, flow: PendingFlow, outcome: CallbackOutcome) -> Result<ConnectionInfo> {
        let integration = flow.integration;
        let code = match outcome {
            CallbackOutcome::Denied {
                error, description, ..
            } => {
                tracing::info!(%integration, %error, "sign-in denied");
                // A scope that is only nice to have, refused as not enabled on the person's
                // registration: the next Connect goes without it.
                let description = if error == "invalid_scope" && flow.asked_optional {
                    lock(&self.optional_refused).insert(integration);
                    let optional = crate::spec::spec(integration).optional_scopes.join(" ");
                    Some(format!(
                        "the optional scopes {optional} are not all enabled on your integration. Connect again: Inlet will go without them (enabled there, they show your e-mail instead of your user id and let syncs follow changes by webhook)"
                    ))
                } else {
                    description
                };
                return Err(CoreError::AccessDenied {
                    integration,
                    error,
                    description,
                });
            }
            CallbackOutcome::Code { code, .. } => code,
        };
        let settings = self.connections.settings(integration)?;
        let provider = provider(integration);
        let tokens = exchange_code(
            self.clients.http(),
            &settings,
            provider,
            &flow.redirect_uri,
            &code,
            flow.pkce_verifier.as_ref(),
        )
        .await?;
        // The account lookup is a call too (Airtable counts every call against the month).
        let mut usage = UsageRecorder::before_account(&self.connections.library);
        let api = self.clients.api(integration).with_call_meter(usage.meter());
        let account = provider
            .account(&AccountContext {
                api: &api,
                settings: &settings,
                tokens: &tokens,
            })
            .await?;
        let info = self
            .connections
            .save(StoredConnection {
                integration,
                mode: settings.mode,
                account,
                access_token: tokens.access_token,
                refresh_token: tokens.refresh_token,
                expires_at: tokens.expires_at,
                issued_at: Some(tokens.issued_at),
                scopes: tokens.scopes,
                connected_at: Utc::now(),
                reconnect_needed: false,
                issuer: Some(Issuer::of(&settings)),
            })
            .await?;
        usage.set_account(AccountKey {
            integration,
            mode: info.mode,
            account_id: info.account.id.clone(),
        });
        usage.finish().await;
        // The account's id, never its label (an e-mail, a workspace name): logs go into reports.
        tracing::info!(%integration, account = ?info.account.id, "connected");
        Ok(info)
    }
}

/// Binds the loopback listener; right after replacing a pending sign-in, waits (up to 3 s) for
/// that one to let go of the port.
async fn bind_loopback(uri: &Url, replacing: bool) -> Result<LoopbackListener> {
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
