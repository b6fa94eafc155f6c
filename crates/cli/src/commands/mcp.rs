//! `inlet mcp`: the Model Context Protocol server an MCP client launches (stdio, read-only,
//! `crate::mcp`), and the switches of what it may read — `inlet mcp allow|deny <integration>
//! [--account ID]` — with `inlet mcp status`: the accounts, which ones assistants may read, and
//! the configuration to paste into a client.

use std::process::ExitCode;

use inlet_core::assistant::{client_config, ReadableAccount};
use inlet_core::config::Environment;
use inlet_core::integration::Integration;
use inlet_core::{CoreError, Inlet};

use crate::args::McpAction;

pub async fn run(
    inlet: &Inlet,
    environment: &Environment,
    action: Option<McpAction>,
    json: bool,
) -> Result<ExitCode, CoreError> {
    let accounts = match action {
        None => {
            crate::mcp::serve(inlet.library.clone()).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(McpAction::Status) => inlet.library.assistant_accounts().await?,
        Some(McpAction::Allow {
            integration,
            account,
        }) => switch(inlet, &integration, account.as_deref(), true).await?,
        Some(McpAction::Deny {
            integration,
            account,
        }) => switch(inlet, &integration, account.as_deref(), false).await?,
    };
    let config = client_config(environment).ok();
    if json {
        let status = serde_json::json!({ "accounts": accounts, "client_config": config });
        println!("{status}");
        return Ok(ExitCode::SUCCESS);
    }
    if accounts.is_empty() {
        println!("No account is stored yet: load one first (`inlet load <integration>`).");
    }
    for account in &accounts {
        // A label that names its id already is not followed by it again.
        let name = if account.account.contains(&account.key.account_id) {
            account.account.clone()
        } else {
            format!("{} ({})", account.account, account.key.account_id)
        };
        println!(
            "{} {} — {name}: {}",
            if account.readable { "✓" } else { "·" },
            account.key.integration.display_name(),
            if account.readable {
                "assistants may read it"
            } else {
                "closed to assistants"
            }
        );
    }
    if let Some(config) = config {
        let pretty = serde_json::to_string_pretty(&config).unwrap_or_default();
        println!("\nAdd Inlet to an MCP client's configuration (e.g. its mcpServers):\n{pretty}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens or closes the stored account of `integration` named `account` (the only one when
/// left out).
async fn switch(
    inlet: &Inlet,
    integration: &str,
    account: Option<&str>,
    readable: bool,
) -> Result<Vec<ReadableAccount>, CoreError> {
    let integration: Integration = integration.parse()?;
    let stored = inlet.library.assistant_accounts().await?;
    let mut candidates = (stored.iter())
        .filter(|a| a.key.integration == integration)
        .filter(|a| account.is_none_or(|id| a.key.account_id == id));
    let (Some(chosen), None) = (candidates.next(), candidates.next()) else {
        let which = match account {
            Some(id) => format!("no stored {} account {id}", integration.display_name()),
            None => format!(
                "{} has no stored account, or several: name one with --account (`inlet mcp status` lists them)",
                integration.display_name()
            ),
        };
        return Err(CoreError::invalid_argument(format!(
            "Nothing switched: {which}."
        )));
    };
    let key = chosen.key.clone();
    inlet.library.set_assistant_access(&key, readable).await
}
