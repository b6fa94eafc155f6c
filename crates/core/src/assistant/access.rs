//! Which stored accounts an assistant may read: off until the person turns an account on
//! (Settings, `inlet mcp allow`), kept as a preference per account; an account forgotten or
//! never loaded is not there to read.

use std::time::Duration;

use serde::Serialize;
use specta::Type;

use super::table::Table;
use crate::config::Mode;
use crate::error::{CoreError, Result};
use crate::integration::Integration;
use crate::item_store::{AccountKey, ItemStore, SqlScope};
use crate::services::Library;

/// The preference that opens an account to assistants (`assistant:integration:mode:id`).
const ACCESS: &str = "assistant";

/// A stored account, and whether assistants may read it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ReadableAccount {
    /// Whose account.
    pub key: AccountKey,
    /// Its name as Inlet shows it.
    pub account: String,
    /// Its shown load (the `load_id` of the SQL views; far below 2^53).
    #[specta(type = f64)]
    pub load_id: i64,
    /// When its shown load finished.
    pub loaded_at: Option<String>,
    /// `complete`, or `partial` when some streams failed.
    pub load_state: String,
    /// Whether assistants may read it.
    pub readable: bool,
}

impl ReadableAccount {
    /// What an answer says of where it comes from.
    pub fn source(&self) -> serde_json::Value {
        serde_json::json!({
            "integration": self.key.integration,
            "account_id": self.key.account_id,
            "account": self.account,
            "load_id": self.load_id,
            "loaded_at": self.loaded_at,
            "load_state": self.load_state,
        })
    }
}

fn text(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The accounts of `table` (rows of `accounts`), each with its switch from the preferences.
fn accounts_of(store: &ItemStore, table: &Table) -> Result<Vec<ReadableAccount>> {
    let mut accounts = Vec::new();
    for row in &table.rows {
        let Some(integration) = row[0].as_str().and_then(|i| i.parse::<Integration>().ok()) else {
            continue;
        };
        let mode = if row[1].as_str() == Some("live") {
            Mode::Live
        } else {
            Mode::Sandbox
        };
        let key = AccountKey {
            integration,
            mode,
            account_id: text(&row[2]),
        };
        let readable = store
            .preference(&key.preference_name(ACCESS))?
            .is_some_and(|on| on == "on");
        accounts.push(ReadableAccount {
            account: text(&row[3]),
            loaded_at: row[4].as_str().map(str::to_owned),
            load_state: text(&row[5]),
            load_id: row[6].as_i64().unwrap_or_default(),
            key,
            readable,
        });
    }
    Ok(accounts)
}

/// What Settings shows of assistants: the stored accounts and which they may read, the
/// configuration to paste into an MCP client, and where the data lives.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AssistantAccess {
    /// Every stored account, each with its switch.
    pub accounts: Vec<ReadableAccount>,
    /// The MCP client configuration (`mcpServers`), as pretty JSON, when the `inlet` command
    /// is installed beside the app.
    pub client_config: Option<String>,
    /// Why there is no configuration to show, when there is none.
    pub unavailable: Option<String>,
    /// The folder holding the store and the kept files.
    pub data_folder: Option<String>,
    /// The store's SQLite file (`docs/schema.md` describes its views).
    pub store_file: Option<String>,
}

impl Library {
    /// The stored accounts with their switches, the client configuration of `env`'s `inlet`
    /// command, and where the store is.
    pub async fn assistant_access(
        &self,
        env: &(dyn crate::config::EnvSource + Sync),
    ) -> Result<AssistantAccess> {
        let (client_config, unavailable) = match super::client_config(env) {
            Ok(config) => (serde_json::to_string_pretty(&config).ok(), None),
            Err(error) => (None, Some(error.to_string())),
        };
        let store_file = self.store().map(|s| s.path().to_path_buf());
        Ok(AssistantAccess {
            accounts: self.assistant_accounts().await?,
            client_config,
            unavailable,
            data_folder: (store_file.as_ref())
                .and_then(|f| f.parent())
                .map(|d| d.display().to_string()),
            store_file: store_file.map(|f| f.display().to_string()),
        })
    }

    /// Every account with a finished load in the store, each with whether assistants may read
    /// it.
    pub async fn assistant_accounts(&self) -> Result<Vec<ReadableAccount>> {
        let table = self
            .run_sql(
                "SELECT integration, mode, account_id, account, loaded_at, load_state, load_id
                   FROM accounts ORDER BY integration, account, account_id",
                SqlScope::Everything,
                Duration::from_secs(10),
                Table::new(10_000, usize::MAX),
            )
            .await?;
        let store = self.require_store()?;
        tokio::task::spawn_blocking(move || accounts_of(&store, &table))
            .await
            .map_err(|e| CoreError::task_failed("reading the item store", e))?
    }

    /// Opens `key` to assistants, or closes it; answers every account as it now stands.
    pub async fn set_assistant_access(
        &self,
        key: &AccountKey,
        readable: bool,
    ) -> Result<Vec<ReadableAccount>> {
        let accounts = self.assistant_accounts().await?;
        if !accounts.iter().any(|a| &a.key == key) {
            return Err(CoreError::invalid_argument(format!(
                "No stored account {} of {} to open or close: load it first (`inlet status` lists the accounts).",
                key.account_id,
                key.integration.display_name()
            )));
        }
        let store = self.require_store()?;
        let name = key.preference_name(ACCESS);
        tokio::task::spawn_blocking(move || store.set_preference(&name, readable.then_some("on")))
            .await
            .map_err(|e| CoreError::task_failed("writing the item store", e))??;
        self.assistant_accounts().await
    }
}
