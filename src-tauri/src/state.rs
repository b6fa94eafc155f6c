//! What the app keeps while it runs: the core services, built by the core's one start-up.
//!
//! The core starts beside the window, not before it: reading the keychain, bringing the item
//! store up to date and starting the demo take a few hundred milliseconds, and the window paints
//! meanwhile. Commands wait for the start to finish (and fail with its error if it failed).

use std::sync::Arc;

use inlet_core::config::Environment;
use inlet_core::services::{data_dir, CurrentAccount, DemoServer, StartOptions};
use inlet_core::Inlet;
use tokio::sync::watch;

use crate::error::{CommandError, CommandResult, ShellError};

/// The outcome of the core's start: the services, or why they could not start.
type Started = Option<Result<Arc<Inlet>, CommandError>>;

/// Managed state.
pub struct AppState {
    started: watch::Receiver<Started>,
}

/// The offline demo, when this build has one (`--features demo`).
fn demo() -> Option<Arc<dyn DemoServer>> {
    #[cfg(feature = "demo")]
    return Some(Arc::new(crate::demo::BuiltInDemo::default()));
    #[cfg(not(feature = "demo"))]
    None
}

impl AppState {
    /// Starts the core on a thread of its own and answers at once, with the configuration read
    /// before any thread started (`environment`) and Tauri's data dir (see [`start`]).
    pub fn starting(environment: Environment, app_data_dir: Option<std::path::PathBuf>) -> Self {
        let (sender, started) = watch::channel(None);
        // A thread of its own: the start's future borrows its configuration as a `dyn
        // EnvSource`, which is not `Send`, so it cannot be a task on the runtime's workers.
        let spawned = std::thread::Builder::new()
            .name("inlet-start".into())
            .spawn(move || {
                let outcome = tauri::async_runtime::block_on(start(environment, app_data_dir));
                match &outcome {
                    Ok(_) => tracing::info!("core started"),
                    Err(e) => tracing::error!(code = e.code(), error = %e, "Inlet could not start"),
                }
                let _ = sender.send(Some(outcome.map(Arc::new).map_err(CommandError::from)));
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "Inlet could not start a thread for its services");
        }
        Self { started }
    }

    /// The core services, once started (waits for the start if it is still running).
    pub async fn inlet(&self) -> CommandResult<Arc<Inlet>> {
        let mut started = self.started.clone();
        let outcome = started
            .wait_for(Option::is_some)
            .await
            .map_err(|_| CommandError::from(ShellError::NotStarted))?;
        match outcome.as_ref() {
            Some(result) => result.clone(),
            None => Err(CommandError::from(ShellError::NotStarted)),
        }
    }

    /// The core services and the accounts connected now (whose items the views show).
    pub async fn inlet_and_accounts(&self) -> CommandResult<(Arc<Inlet>, Vec<CurrentAccount>)> {
        let inlet = self.inlet().await?;
        let accounts = inlet.connections.connected_accounts().await?;
        Ok((inlet, accounts))
    }

    /// The core services if the start has finished well; `None` while it runs or if it failed.
    pub fn inlet_if_started(&self) -> Option<Arc<Inlet>> {
        self.started.borrow().as_ref()?.as_ref().ok().cloned()
    }
}

/// Starts the services from `environment` (the process environment and the accepted keys of the
/// app's `.env`, read by [`read_environment`]); the demo starts only if a provider has no client
/// credentials in the environment or the keychain. `app_data_dir` is used when the core cannot
/// name the platform's data dir.
async fn start(
    environment: Environment,
    app_data_dir: Option<std::path::PathBuf>,
) -> inlet_core::Result<Inlet> {
    Inlet::start(StartOptions {
        demo: demo(),
        data_dir: data_dir(&environment).or(app_data_dir),
        ..StartOptions::new(&environment)
    })
    .await
}

/// The app's configuration, read once before any thread starts: the environment, and `.env`
/// from the app's config dir only (`~/.config/dev.inlet.app/.env`; never the launch folder or a
/// parent), into a map — the process environment is never changed. What was refused and every
/// override in force are said on standard error as plain lines, whatever the log level.
pub fn read_environment() -> Environment {
    let environment = match &inlet_core::services::config_dir() {
        Some(dir) => Environment::with_dotenv_in(dir),
        None => Environment::process(),
    };
    for notice in environment.notices() {
        eprintln!("warning: {notice}");
    }
    for line in environment.overrides_in_force() {
        eprintln!("override: {line}");
    }
    environment
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CommandErrorCode;
    use inlet_core::{CoreError, ErrorCode};

    /// A command arriving while the core starts waits for the outcome instead of failing.
    #[tokio::test]
    async fn commands_wait_for_the_start_and_get_its_failure() {
        let (sender, started) = watch::channel(None);
        let state = AppState { started };
        assert!(state.inlet_if_started().is_none());
        let waiting = tokio::spawn(async move { state.inlet().await.map(|_| ()) });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "answered before the start finished");
        let failure = CommandError::from(CoreError::KeychainUnavailable {
            reason: "no service".into(),
        });
        sender.send(Some(Err(failure))).unwrap();
        let error = waiting.await.unwrap().unwrap_err();
        assert_eq!(
            error.error,
            CommandErrorCode::Core(ErrorCode::KeychainUnavailable)
        );
    }

    /// A start that ended without an outcome (its thread panicked) is a clear error, not a hang.
    #[tokio::test]
    async fn a_start_without_an_outcome_is_an_error() {
        let (sender, started) = watch::channel(None);
        drop(sender);
        let error = AppState { started }.inlet().await.map(|_| ()).unwrap_err();
        assert_eq!(
            error.error,
            CommandErrorCode::Shell(crate::error::ShellErrorCode::NotStarted)
        );
    }
}
