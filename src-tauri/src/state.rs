//! What the app keeps while it runs: the core services, built by the core's one start-up.

use std::sync::Arc;

use inlet_core::config::{load_dotenv_in, ProcessEnv};
use inlet_core::services::{data_dir, DemoServer, StartOptions};
use inlet_core::Inlet;

/// Managed state.
pub struct AppState {
    /// The core services.
    pub inlet: Arc<Inlet>,
}

/// The offline demo, when this build has one (`--features demo`).
fn demo() -> Option<Arc<dyn DemoServer>> {
    #[cfg(feature = "demo")]
    return Some(Arc::new(crate::demo::BuiltInDemo::default()));
    #[cfg(not(feature = "demo"))]
    None
}

impl AppState {
    /// Reads `.env` (from the app's config dir) and the environment and starts the services; the demo starts only if a
    /// provider has no client credentials in the environment or the keychain. `app_data_dir` is
    /// Tauri's, used when the core cannot name the platform's data dir.
    pub async fn start(
        app_data_dir: Option<std::path::PathBuf>,
        app_config_dir: Option<std::path::PathBuf>,
    ) -> inlet_core::Result<Self> {
        // The app reads `.env` from its config dir only (never the launch folder or a parent).
        if let Some(config) = &app_config_dir {
            load_dotenv_in(config);
        }
        let inlet = Inlet::start(StartOptions {
            demo: demo(),
            data_dir: data_dir(&ProcessEnv).or(app_data_dir),
            ..StartOptions::new(&ProcessEnv)
        })
        .await?;
        Ok(Self {
            inlet: Arc::new(inlet),
        })
    }
}
