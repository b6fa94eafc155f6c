//! The built-in offline demo (`--features demo`): the loopback sandbox plays providers that have
//! no client credentials. It serves data and consent only: this build has no fault controls.
//! `INLET_SANDBOX_URL` (loopback only) points it at a sandbox already running instead — the
//! end-to-end test's, whose data it changes between loads.

use inlet_core::services::DemoServer;
use inlet_core::{CoreError, SandboxEndpoint, Secret};
use inlet_sandbox::{Sandbox, SandboxConfig};

/// Starts the sandbox on first need and keeps it running with the app.
#[derive(Default)]
pub struct BuiltInDemo {
    running: tokio::sync::OnceCell<Sandbox>,
}

#[async_trait::async_trait]
impl DemoServer for BuiltInDemo {
    fn starts_a_server(&self) -> bool {
        // A sandbox named by INLET_SANDBOX_URL (the e2e's) is already running.
        !matches!(
            SandboxEndpoint::from_env(&inlet_core::config::ProcessEnv),
            Ok(Some(_))
        )
    }

    async fn endpoint(&self) -> inlet_core::Result<SandboxEndpoint> {
        if let Some(running) = SandboxEndpoint::from_env(&inlet_core::config::ProcessEnv)? {
            return Ok(running);
        }
        let unavailable = |reason: String| CoreError::SandboxUnavailable { reason };
        let sandbox = self
            .running
            .get_or_try_init(|| Sandbox::start(SandboxConfig::default()))
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        tracing::info!(url = %sandbox.base_url(), "offline demo serving unconfigured providers");
        Ok(SandboxEndpoint {
            base: url::Url::parse(&sandbox.base_url()).map_err(|e| unavailable(e.to_string()))?,
            client_id: inlet_sandbox::CLIENT_ID.into(),
            client_secret: Secret::new(inlet_sandbox::CLIENT_SECRET),
        })
    }
}
