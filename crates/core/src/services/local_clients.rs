//! The clients of Inlet's local HTTP API (`inlet serve`): each has a name, a key of its own kept
//! in the OS keychain (never in a file), and how it proves itself — by signing every request
//! with the key (HMAC, the default) or, for MCP clients that can only send a fixed header, by
//! the key as a bearer token. A client is removed (its key revoked) by name.

use std::sync::Arc;

use base64::Engine;
use chrono::Utc;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use specta::Type;

use super::Connections;
use crate::error::{CoreError, Result};
use crate::keychain::{blocking, TokenStore};
use crate::secret::Secret;

/// The keychain entry listing the clients (names and how they prove themselves, no key).
const INDEX: &str = "local-api-clients";

/// How a client proves each request is its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Proof {
    /// An HMAC-SHA256 over the method, path, time, a nonce and the body's hash: a request
    /// seen once, or out of its time window, is refused; the key never travels.
    Signed,
    /// The key itself in `Authorization: Bearer`, over loopback only (for MCP clients that
    /// can only send a fixed header).
    Bearer,
}

/// A client of the local API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct LocalClient {
    /// Its name, as the person gave it.
    pub name: String,
    /// How it proves its requests.
    pub proof: Proof,
    /// When it was added.
    pub created: String,
}

fn entry(name: &str) -> String {
    format!("local-api-client:{name}")
}

fn checked(name: &str) -> Result<&str> {
    let name = name.trim();
    let fine = (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if fine {
        Ok(name)
    } else {
        Err(CoreError::invalid_argument(
            "A client's name is 1 to 64 letters, digits, dots, dashes or underscores.",
        ))
    }
}

fn listed(store: &dyn TokenStore) -> Result<Vec<LocalClient>> {
    match store.get_entry(INDEX)? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| CoreError::serialization("the local API's clients", e)),
        None => Ok(Vec::new()),
    }
}

fn save(store: &dyn TokenStore, clients: &[LocalClient]) -> Result<()> {
    let text = serde_json::to_string(clients)
        .map_err(|e| CoreError::serialization("the local API's clients", e))?;
    store.put_entry(INDEX, &text)
}

impl Connections {
    fn keychain(&self) -> Arc<dyn TokenStore> {
        self.store.clone()
    }

    /// The local API's clients (no key).
    pub async fn local_clients(&self) -> Result<Vec<LocalClient>> {
        let store = self.keychain();
        blocking(move || listed(store.as_ref())).await
    }

    /// Adds a client named `name` with a new random key (256 bits), kept in the keychain and
    /// answered once, to give to the client.
    pub async fn add_local_client(
        &self,
        name: &str,
        proof: Proof,
    ) -> Result<(LocalClient, Secret)> {
        let name = checked(name)?.to_owned();
        let store = self.keychain();
        blocking(move || {
            let mut clients = listed(store.as_ref())?;
            if clients.iter().any(|c| c.name == name) {
                return Err(CoreError::invalid_argument(format!(
                    "There is a client called {name} already: remove it first to give it a new key."
                )));
            }
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let key = Secret::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
            store.put_entry(&entry(&name), key.expose())?;
            let client = LocalClient {
                name,
                proof,
                created: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            };
            clients.push(client.clone());
            save(store.as_ref(), &clients)?;
            Ok((client, key))
        })
        .await
    }

    /// Removes the client `name` and its key; answers whether there was one.
    pub async fn remove_local_client(&self, name: &str) -> Result<bool> {
        let name = checked(name)?.to_owned();
        let store = self.keychain();
        blocking(move || {
            let mut clients = listed(store.as_ref())?;
            let before = clients.len();
            clients.retain(|c| c.name != name);
            store.delete_entry(&entry(&name))?;
            save(store.as_ref(), &clients)?;
            Ok(clients.len() != before)
        })
        .await
    }

    /// Every client with its key, for the server to check requests against.
    pub async fn local_client_keys(&self) -> Result<Vec<(LocalClient, Secret)>> {
        let store = self.keychain();
        blocking(move || {
            let mut keyed = Vec::new();
            for client in listed(store.as_ref())? {
                if let Some(key) = store.get_entry(&entry(&client.name))? {
                    keyed.push((client, Secret::new(key)));
                }
            }
            Ok(keyed)
        })
        .await
    }
}
