//! `inlet serve`: the same read-only MCP tools as `inlet mcp`, over MCP's Streamable HTTP
//! transport (`rmcp`) at `http://127.0.0.1:PORT/mcp`, for tools that cannot launch a process.
//! Loopback only; every request passes [`guard`] first (its client's signature or bearer key,
//! Host, Origin, a rate per client). Clients and their keys are kept in the keychain
//! (`inlet serve --add-client NAME`).

pub mod guard;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use inlet_core::services::Library;
use inlet_core::{CoreError, Inlet};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use crate::mcp::InletServer;

/// The requests a client may send a minute unless the person says otherwise.
pub const DEFAULT_PER_MINUTE: u32 = 100;

/// A running local API.
pub struct Serving {
    /// Where it listens.
    pub address: SocketAddr,
    /// Stops it.
    pub stop: CancellationToken,
    /// Ends when it has stopped.
    pub done: tokio::task::JoinHandle<()>,
    /// Its check of requests (whose clients change when one is added or removed).
    pub guard: Arc<guard::Guard>,
}

/// Starts the local API on `127.0.0.1:port` (0: any free port) for the clients in the keychain,
/// each allowed `per_minute` requests a minute.
pub async fn start(inlet: &Inlet, port: u16, per_minute: u32) -> Result<Serving, CoreError> {
    let per_minute = NonZeroU32::new(per_minute)
        .ok_or_else(|| CoreError::invalid_argument("--rate is at least 1 request a minute."))?;
    let clients = inlet.connections.local_client_keys().await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| CoreError::LoopbackUnavailable {
            address: format!("127.0.0.1:{port}"),
            reason: e.to_string(),
        })?;
    let address = listener
        .local_addr()
        .map_err(|e| CoreError::LoopbackUnavailable {
            address: format!("127.0.0.1:{port}"),
            reason: e.to_string(),
        })?;
    let guard = Arc::new(guard::Guard::new(address.port(), clients, per_minute));
    let stop = CancellationToken::new();
    let library: Arc<Library> = inlet.library.clone();
    let hosts = ["127.0.0.1", "localhost"].map(|h| format!("{h}:{}", address.port()));
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .enforce_origin_validation()
        .with_json_response(true)
        .with_cancellation_token(stop.child_token());
    let mcp = StreamableHttpService::new(
        move || Ok(InletServer::new(library.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let app =
        axum::Router::new()
            .nest_service("/mcp", mcp)
            .layer(axum::middleware::from_fn_with_state(
                guard.clone(),
                guard::check,
            ));
    let stopping = stop.clone();
    let done = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stopping.cancelled().await })
            .await;
        if let Err(error) = served {
            tracing::warn!(%error, "the local API stopped");
        }
    });
    Ok(Serving {
        address,
        stop,
        done,
        guard,
    })
}
