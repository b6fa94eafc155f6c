//! What a person's AI assistant may read of the store (`inlet mcp`, `inlet serve`): the accounts
//! the person opened to assistants, one by one (`access.rs`), and the tools' answers (`tools.rs`),
//! all from the store — no provider call, no quota, offline. Every answer says which accounts
//! and loads it comes from and how fresh they are, and carries the providers' text as data.
//! The protocol itself (MCP) is the CLI's; nothing here knows it.

mod access;
mod changes;
mod export;
mod table;
mod tools;

pub use access::{AssistantAccess, ReadableAccount};
pub use table::Table;
pub use tools::{Assistant, ChangesAsked, SearchAsked};

/// What a person pastes into an MCP client's configuration to give it Inlet (`mcpServers`):
/// the `inlet` command beside the running binary with `mcp`, and the settings that decide
/// where Inlet keeps things (so the server reads the same store).
pub fn client_config(
    env: &dyn crate::config::EnvSource,
) -> crate::error::Result<serde_json::Value> {
    let units = crate::schedule::units_here(env)?;
    let environment: serde_json::Map<String, serde_json::Value> = (units.environment.into_iter())
        .map(|(name, value)| (name, value.into()))
        .collect();
    let mut server = serde_json::json!({
        "command": units.command.display().to_string(),
        "args": ["mcp"],
    });
    if !environment.is_empty() {
        server["env"] = serde_json::Value::Object(environment);
    }
    Ok(serde_json::json!({ "mcpServers": { "inlet": server } }))
}
