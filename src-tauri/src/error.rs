//! The shell's error: every command fails with the core's `{error, message, details}` body, or
//! with one of the few failures only the shell can have.

use inlet_core::{CoreError, ErrorBody};
use serde::Serialize;
use specta::Type;

/// What a command returns on failure, serialized as `{error, message, details}`.
#[derive(Debug, Serialize, Type)]
#[serde(transparent)]
pub struct CommandError(pub ErrorBody);

impl From<CoreError> for CommandError {
    fn from(error: CoreError) -> Self {
        CommandError(error.to_body())
    }
}

/// Shell-only failures.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The system browser could not be opened.
    #[error("Inlet could not open the browser: {0}. Copy the sign-in link from the log and open it yourself.")]
    Browser(String),
}

impl From<ShellError> for CommandError {
    fn from(error: ShellError) -> Self {
        let code = match error {
            ShellError::Browser(_) => "browser_unavailable",
        };
        CommandError(ErrorBody {
            error: code.into(),
            message: error.to_string(),
            details: serde_json::json!({}),
        })
    }
}

/// Shorthand for command results.
pub type CommandResult<T> = Result<T, CommandError>;
