//! Inlet's core: providers, OAuth, the token store, the paced HTTP client, the item model and
//! export. No Tauri here: the desktop shell and the CLI are thin faces over [`services::Inlet`].
//!
//! Modules depend one way (ARCHITECTURE.md draws it): the leaves `integration`, `spec`, `secret`,
//! `error`, `item`, `account`, `private_files` and `browser`; then `config`, `keychain`, `http`,
//! `oauth`; then `tokens`, `providers`, `load`, `legacy_json`, `export`; and `services` on top.

pub mod account;
pub mod assistant;
pub mod browser;
pub mod config;
pub mod digest;
pub mod error;
pub mod export;
pub mod files;
#[cfg(any(test, feature = "test-fixtures"))]
pub mod fixtures;
pub mod http;
pub mod integration;
pub mod item;
pub mod item_kind;
pub mod item_store;
pub mod keychain;
pub mod legacy_json;
pub mod load;
pub mod log_lines;
pub mod oauth;
pub mod private_files;
pub mod properties;
pub mod providers;
pub mod schedule;
pub mod secret;
pub mod services;
pub mod spec;
mod sync;
pub mod tokens;

pub use config::{Mode, ProviderSettings, RedirectTransport, SandboxEndpoint};
pub use error::{CoreError, ErrorBody, ErrorCode, Result};
pub use integration::Integration;
pub use item::{Delta, IntegrationItem, ItemKind};
pub use secret::Secret;
pub use services::Inlet;
