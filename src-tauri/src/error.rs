//! The shell's error: every command fails with the core's `{error, message, details}` body, or
//! with one of the few failures only the shell can have.

use inlet_core::{CoreError, ErrorCode};
use serde::Serialize;
use specta::Type;

/// Codes of the failures only the shell has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ShellErrorCode {
    /// The system browser could not be opened.
    BrowserUnavailable,
    /// The core's start stopped without an outcome (a panic, logged).
    NotStarted,
}

/// A command's error code: the core's or the shell's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(untagged)]
pub enum CommandErrorCode {
    /// A core failure.
    Core(ErrorCode),
    /// A shell failure.
    Shell(ShellErrorCode),
}

/// What a command returns on failure: `{error, message, details}`.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CommandError {
    /// The stable code.
    pub error: CommandErrorCode,
    /// A sentence a person understands.
    pub message: String,
    /// Structured facts about the failure.
    #[specta(type = specta_typescript::Unknown)]
    pub details: serde_json::Value,
}

impl From<CoreError> for CommandError {
    fn from(error: CoreError) -> Self {
        let body = error.to_body();
        CommandError {
            error: CommandErrorCode::Core(body.error),
            message: body.message,
            details: body.details,
        }
    }
}

/// Shell-only failures.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The system browser could not be opened.
    #[error("Inlet could not open the browser: {0}. Copy the sign-in link from the log and open it yourself.")]
    Browser(String),
    /// The core's start stopped without an outcome.
    #[error("Inlet's services stopped while starting. Restart Inlet; the log says what happened.")]
    NotStarted,
}

impl From<ShellError> for CommandError {
    fn from(error: ShellError) -> Self {
        let code = match error {
            ShellError::Browser(_) => ShellErrorCode::BrowserUnavailable,
            ShellError::NotStarted => ShellErrorCode::NotStarted,
        };
        CommandError {
            error: CommandErrorCode::Shell(code),
            message: error.to_string(),
            details: serde_json::json!({}),
        }
    }
}

/// Shorthand for command results.
pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_layers_serialize_to_the_same_shape() {
        let core = serde_json::to_value(CommandError::from(CoreError::Cancelled)).unwrap();
        assert_eq!(core["error"], "cancelled");
        let shell =
            serde_json::to_value(CommandError::from(ShellError::Browser("x".into()))).unwrap();
        assert_eq!(shell["error"], "browser_unavailable");
        assert!(shell["message"]
            .as_str()
            .unwrap()
            .contains("could not open the browser"));
    }
}
