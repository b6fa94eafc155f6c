//! `inlet-sandbox`: the providers' OAuth and data APIs played on loopback, written from their
//! public documentation (never from Inlet's core), with knobs for latency, rate limits,
//! transient 5xx, dropped connections, short token lifetimes and denied consent.
//!
//! Every provider lives under its own prefix with its real paths (`/hubspot/oauth/authorize`,
//! `/hubspot/crm/v3/objects/contacts`, …). Tests start it in-process on port 0.

// Handlers bail out early with the provider's error `Response`; boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod airtable;
pub mod dataset;
mod faults;
mod files;
mod hubspot;
mod notion;
pub use airtable::attachment_links as airtable_attachment_links;
pub use files::contents as file_contents;
pub use notion::content::block_reads as notion_block_reads;
mod tokens;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use dataset::{DataEdit, Dataset, DatasetSize, INSTRUCTION_LIKE};
use faults::Faults;
use tokens::Grants;

/// Milliseconds on the sandbox's clock (since the first time it was read in this process).
pub(crate) fn clock_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The client id the sandbox registers for every provider.
pub const CLIENT_ID: &str = "inlet-sandbox-client";
/// The client secret the sandbox registers for every provider.
pub const CLIENT_SECRET: &str = "inlet-sandbox-secret";
/// An Airtable client registered without a secret (a public client: PKCE and client_id only).
pub const PUBLIC_CLIENT_ID: &str = "inlet-sandbox-public-client";

/// Fault and behaviour knobs; change them at runtime with [`Sandbox::set_knobs`] or
/// `PUT /_sandbox/knobs`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Knobs {
    /// Added to every API response.
    pub latency_ms: u64,
    /// Share of API requests answered with a transient 5xx (0.0–1.0).
    pub failure_rate: f64,
    /// Share of API requests whose connection drops mid-body (0.0–1.0).
    pub drop_rate: f64,
    /// Requests allowed per rolling window per token (HubSpot: 110 per 10 s); 0 disables.
    pub rate_limit_max: u32,
    /// The rolling window.
    pub rate_limit_window_ms: u64,
    /// Lifetime of issued access tokens (HubSpot: 1800 s; Airtable: 3600 s; Notion: undocumented).
    pub access_token_ttl_secs: u64,
    /// Answer the authorization request with `error=access_denied`.
    pub deny_consent: bool,
    /// Airtable: requests per second per base (documented: 5).
    pub airtable_rate_per_sec: u32,
    /// Airtable: requests per second across all of a user's bases. Documented (50) for personal
    /// access tokens only; the sandbox's are OAuth tokens, for which no figure is stated: 0, no
    /// such limit, unless a test plays an undocumented one.
    pub airtable_user_rate_per_sec: u32,
    /// Airtable: how long a base stays locked after a 429 (documented: 30 s).
    pub airtable_lockout_ms: u64,
    /// Airtable: the workspace's API calls a month (Free 1,000, Team 100,000; 0: unlimited, as
    /// Business and Enterprise). Once spent, record listings answer `429
    /// PUBLIC_API_BILLING_LIMIT_EXCEEDED`; `/v0/meta/*` keeps answering.
    pub airtable_monthly_calls: u64,
    /// Airtable: how long a records listing's offset lives unused (Airtable: "Iteration may
    /// timeout due to client inactivity or server restarts"; how long is not documented).
    pub airtable_iterator_idle_ms: u64,
    /// Airtable: answer the next this many records offsets as expired (a server restart).
    pub airtable_expire_offsets: u32,
    /// Airtable: rotate the refresh token of the next this many refreshes, then lose the
    /// answer (the connection drops mid-body), as a network failure after the request would.
    pub airtable_lose_refresh_answers: u32,
    /// Airtable: bases per page of `GET /v0/meta/bases` (real: up to 1000).
    pub airtable_bases_page_size: usize,
    /// Notion: requests allowed per rolling 3-second window per token (about 3 per second).
    pub notion_requests_per_3s: u32,
    /// Notion: the `Retry-After` sent with a 429, in seconds.
    pub notion_retry_after_secs: u64,
    /// Notion: search leaves out every nth database row (0: none) — search "is not guaranteed
    /// to return everything"; the rows' data source queries list them.
    pub notion_search_misses: u32,
    /// Notion: the first this many data sources (in the workspace's order) answer their query
    /// 404, as one unshared or deleted after search listed it does.
    pub notion_unshared_sources: usize,
    /// Notion: answer the next this many API requests `529 service_overload` (with
    /// `Retry-After`), which Notion says to retry like a 429.
    pub notion_overloads: u32,
    /// Notion: answer every API request `429` with `rate_limit_reason`
    /// `public_api_request_blocked` ("Retrying won't help").
    pub notion_blocked: bool,
    /// HubSpot: an object type (`contacts`, `companies`, `deals`) whose listing always answers 503.
    pub hubspot_failing_object: Option<String>,
    /// HubSpot: records still in their listing but deleted before their association list is
    /// read on: the v4 batch read leaves them out of a read of their next page.
    pub hubspot_gone_records: Vec<String>,
    /// HubSpot: optional scopes the portal cannot grant (dropped from the token's `scopes`).
    pub hubspot_declined_scopes: Vec<String>,
    /// HubSpot: custom contact properties beyond the usual ones (`custom_field_N`), to make
    /// listing every property meet the request URI's length limit.
    pub hubspot_extra_properties: usize,
    /// HubSpot's CRM search requests a second per account (documented: 5), apart from the
    /// rolling window; 0 disables.
    pub hubspot_search_per_second: u32,
    /// Airtable: a base whose schema (`…/tables`) always answers 503.
    pub airtable_failing_base: Option<String>,
    /// Airtable: the integration's registration leaves `user.email:read` off, so asking for it
    /// is `invalid_scope` (every scope asked for "must be enabled on the integration").
    pub airtable_email_scope_off: bool,
    /// Airtable: the integration's registration leaves `webhook:manage` off (the same way).
    pub airtable_webhook_scope_off: bool,
    /// Airtable: the size of every attachment, in bytes, when not 0 (a large download).
    pub airtable_attachment_bytes: u64,
    /// Airtable: how long a webhook made, refreshed or read now stays enabled (documented: 7
    /// days); it is gone for good as long again after it expired.
    pub airtable_webhook_life_ms: u64,
    /// Airtable: how long a webhook's payloads are kept (documented: "deleted … after 1 week
    /// whether or not the client has seen them").
    pub airtable_payload_retention_ms: u64,
    /// Files: links in listings (Airtable's record listings, Notion's block children) have
    /// expired already (`files.rs`); reading one record or block gives fresh ones.
    pub file_links_expired: bool,
}

impl Default for Knobs {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            failure_rate: 0.0,
            drop_rate: 0.0,
            rate_limit_max: 110,
            rate_limit_window_ms: 10_000,
            access_token_ttl_secs: 1800,
            deny_consent: false,
            airtable_rate_per_sec: 5,
            airtable_user_rate_per_sec: 0,
            airtable_lockout_ms: 30_000,
            airtable_monthly_calls: 0,
            airtable_iterator_idle_ms: 30_000,
            airtable_expire_offsets: 0,
            airtable_lose_refresh_answers: 0,
            airtable_bases_page_size: 3,
            notion_requests_per_3s: 9,
            notion_retry_after_secs: 1,
            notion_search_misses: 7,
            notion_unshared_sources: 0,
            notion_overloads: 0,
            notion_blocked: false,
            hubspot_failing_object: None,
            hubspot_gone_records: Vec::new(),
            hubspot_declined_scopes: Vec::new(),
            hubspot_extra_properties: 0,
            hubspot_search_per_second: 5,
            airtable_failing_base: None,
            airtable_email_scope_off: false,
            airtable_webhook_scope_off: false,
            file_links_expired: false,
            airtable_attachment_bytes: 0,
            airtable_webhook_life_ms: 7 * 24 * 3_600_000,
            airtable_payload_retention_ms: 7 * 24 * 3_600_000,
        }
    }
}

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address to bind (port 0 picks one).
    pub addr: SocketAddr,
    /// Dataset seed.
    pub seed: u64,
    /// Dataset sizes.
    pub size: DatasetSize,
    /// Initial knobs.
    pub knobs: Knobs,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 42,
            size: DatasetSize::default(),
            knobs: Knobs::default(),
        }
    }
}

/// Counters tests read.
#[derive(Debug, Default)]
pub struct Counters {
    /// Successful refresh-token grants.
    pub refreshes: AtomicU64,
    /// Data requests served (any status).
    pub api_requests: AtomicU64,
    /// 429 answers.
    pub rate_limited: AtomicU64,
    /// Injected 5xx answers and dropped connections.
    pub faults: AtomicU64,
    /// Tokens revoked through a provider's revoke endpoint.
    pub revocations: AtomicU64,
    /// Airtable API calls answered this month (the workspace's quota counts them).
    pub airtable_month_calls: AtomicU64,
    /// Notion `GET /v1/blocks/{id}/children` requests that passed the guard.
    pub notion_block_reads: AtomicU64,
    /// HubSpot CRM searches served.
    pub hubspot_searches: AtomicU64,
    /// Pages of HubSpot's live records listed (`GET /crm/v3/objects/{type}`, not archived).
    pub hubspot_live_listings: AtomicU64,
}

pub(crate) struct Shared {
    /// Replaced whole by an edit (`faults` feature); a request reads one version throughout.
    pub(crate) dataset: std::sync::RwLock<Arc<Dataset>>,
    pub(crate) knobs: Mutex<Knobs>,
    pub(crate) grants: Grants,
    pub(crate) faults: Faults,
    pub(crate) counters: Counters,
    pub(crate) base_url: String,
    /// Airtable's webhooks, which every edit gives payloads.
    pub(crate) webhooks: airtable::Webhooks,
}

impl Shared {
    /// The data as it is now.
    pub(crate) fn data(&self) -> Arc<Dataset> {
        self.dataset
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the data with an edited copy; requests under way keep the version they read.
    #[cfg(feature = "faults")]
    fn edit(&self, edit: &DataEdit) {
        let mut data = self.dataset.write().unwrap_or_else(|p| p.into_inner());
        let mut next = Dataset::clone(&data);
        next.edit(edit);
        let airtable = &next.airtable;
        let user = serde_json::json!({"id": airtable.user_id, "email": airtable.email, "permissionLevel": "create"});
        self.webhooks.record(&data.airtable, airtable, user);
        *data = Arc::new(next);
    }

    pub(crate) fn knobs(&self) -> Knobs {
        self.knobs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether this request is one a counting-down knob (`airtable_expire_offsets`,
    /// `airtable_lose_refresh_answers`, `notion_overloads`) still asks for; counts it down.
    pub(crate) fn take(&self, knob: impl FnOnce(&mut Knobs) -> &mut u32) -> bool {
        let mut knobs = self.knobs.lock().unwrap_or_else(|p| p.into_inner());
        let left = knob(&mut knobs);
        let take = *left > 0;
        *left = left.saturating_sub(1);
        take
    }

    /// A 200 with `body`, or, when the drop knob says so, a connection that breaks mid-body.
    pub(crate) fn finish(
        &self,
        knobs: &Knobs,
        body: serde_json::Value,
    ) -> axum::response::Response {
        use axum::response::IntoResponse;
        if self.faults.should_drop(knobs) {
            self.counters.faults.fetch_add(1, Ordering::SeqCst);
            return faults::dropped_connection(body.to_string());
        }
        Json(body).into_response()
    }
}

pub(crate) type AppState = Arc<Shared>;

/// A running sandbox; dropping it stops the server.
pub struct Sandbox {
    shared: AppState,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Sandbox {
    /// Binds and serves in the background.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            dataset: std::sync::RwLock::new(Arc::new(Dataset::generate(config.seed, config.size))),
            knobs: Mutex::new(config.knobs),
            grants: Grants::default(),
            faults: Faults::new(config.seed),
            counters: Counters::default(),
            base_url: format!("http://{addr}"),
            webhooks: Default::default(),
        });
        let app = router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = served.await {
                tracing::error!(error = %e, "sandbox server stopped");
            }
        });
        Ok(Self {
            shared,
            addr,
            stop: Some(stop),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The data being served now.
    pub fn dataset(&self) -> Arc<Dataset> {
        self.shared.data()
    }

    /// Changes the HubSpot contacts as people would between two loads (see [`DataEdit`]).
    #[cfg(feature = "faults")]
    pub fn edit_data(&self, edit: &DataEdit) {
        self.shared.edit(edit);
    }

    /// Replaces the knobs.
    #[cfg(feature = "faults")]
    pub fn set_knobs(&self, knobs: Knobs) {
        *self.shared.knobs.lock().unwrap_or_else(|p| p.into_inner()) = knobs;
    }

    /// The current knobs.
    pub fn knobs(&self) -> Knobs {
        self.shared.knobs()
    }

    /// Counters of what happened.
    pub fn counters(&self) -> &Counters {
        &self.shared.counters
    }

    /// How many grants were revoked because a refresh token was used twice (Airtable).
    pub fn grants_revoked_on_reuse(&self) -> u64 {
        self.shared.grants.revoked_on_reuse.load(Ordering::SeqCst)
    }

    /// How many lockouts (Airtable's 30 s after a limit is exceeded) began so far.
    pub fn lockouts(&self) -> u64 {
        self.shared.faults.lockouts()
    }

    /// Expires every access token now (as if the 30 minutes had passed).
    #[cfg(feature = "faults")]
    pub fn expire_access_tokens(&self) {
        self.shared.grants.expire_all_access();
    }

    /// Revokes every refresh token (as if the app were uninstalled).
    #[cfg(feature = "faults")]
    pub fn revoke_refresh_tokens(&self) {
        self.shared.grants.revoke_all_refresh();
    }

    /// Every code and token the sandbox issued, every PKCE verifier it received, and the
    /// client secret: none may appear in the app's logs, output, store or exports.
    #[cfg(feature = "faults")]
    pub fn secrets(&self) -> Vec<String> {
        let mut all = self.shared.grants.secrets();
        all.push(CLIENT_SECRET.to_owned());
        all
    }

    /// Successful refreshes so far.
    pub fn refresh_count(&self) -> u64 {
        self.shared.counters.refreshes.load(Ordering::SeqCst)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn router(shared: AppState) -> Router {
    let providers = Router::new()
        .nest("/hubspot", hubspot::routes())
        .nest("/airtable", airtable::routes())
        .nest("/notion", notion::routes())
        .merge(files::routes());
    #[cfg(feature = "faults")]
    let providers = providers
        .route(
            "/_sandbox/knobs",
            axum::routing::get(get_knobs).put(put_knobs),
        )
        .route("/_sandbox/edit", axum::routing::post(post_edit))
        .route("/_sandbox/secrets", axum::routing::get(get_secrets));
    providers
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            only_own_host,
        ))
        .with_state(shared)
}

/// `GET /_sandbox/secrets`: what [`Sandbox::secrets`] returns, for the end-to-end leak check.
#[cfg(feature = "faults")]
async fn get_secrets(State(app): State<AppState>) -> axum::Json<Vec<String>> {
    let mut all = app.grants.secrets();
    all.push(CLIENT_SECRET.to_owned());
    axum::Json(all)
}

/// Answers only requests addressed to the sandbox's own loopback address: a web page that
/// rebinds a DNS name to 127.0.0.1 sends its own name as `Host` and is turned away.
async fn only_own_host(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if host_is_own(host, &state.base_url) {
        next.run(request).await
    } else {
        (
            axum::http::StatusCode::MISDIRECTED_REQUEST,
            "This sandbox answers only on its own loopback address.",
        )
            .into_response()
    }
}

/// `127.0.0.1:<port>`, `localhost:<port>` or `[::1]:<port>` with the sandbox's own port.
fn host_is_own(host: &str, base_url: &str) -> bool {
    let Some(port) = base_url.rsplit(':').next() else {
        return false;
    };
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host.eq_ignore_ascii_case(&format!("{name}:{port}")))
}

#[cfg(feature = "faults")]
async fn get_knobs(State(state): State<AppState>) -> Json<Knobs> {
    Json(state.knobs())
}

#[cfg(feature = "faults")]
async fn put_knobs(State(state): State<AppState>, Json(knobs): Json<Knobs>) -> Json<Knobs> {
    *state.knobs.lock().unwrap_or_else(|p| p.into_inner()) = knobs.clone();
    Json(knobs)
}

/// `POST /_sandbox/edit`: changes the data between two loads (tests of change detection).
#[cfg(feature = "faults")]
async fn post_edit(
    State(state): State<AppState>,
    Json(edit): Json<DataEdit>,
) -> axum::http::StatusCode {
    state.edit(&edit);
    axum::http::StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::host_is_own;

    /// A raw HTTP/1.1 request with this `Host`, and the status line of the answer.
    async fn status_line(sandbox: &super::Sandbox, host: &str) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut stream = tokio::net::TcpStream::connect(sandbox.addr())
            .await
            .unwrap();
        let request = format!(
            "GET /notion/v1/oauth/authorize HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer.lines().next().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn a_rebound_host_name_is_turned_away_over_http() {
        let sandbox = super::Sandbox::start(super::SandboxConfig::default())
            .await
            .unwrap();
        let rebound = status_line(&sandbox, "attacker.example").await;
        assert!(rebound.contains("421"), "{rebound}");
        let own = status_line(&sandbox, &sandbox.addr().to_string()).await;
        assert!(!own.contains("421"), "{own}");
    }

    #[test]
    fn only_the_own_loopback_host_is_served() {
        let base = "http://127.0.0.1:4100";
        assert!(host_is_own("127.0.0.1:4100", base));
        assert!(host_is_own("localhost:4100", base));
        assert!(!host_is_own("evil.example:4100", base));
        assert!(!host_is_own("127.0.0.1:4101", base));
        assert!(!host_is_own("", base));
    }
}
