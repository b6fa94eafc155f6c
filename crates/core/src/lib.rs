//! Inlet's core: providers, OAuth, the token store, the paced HTTP client, the item model and
//! export. No Tauri here: the desktop shell and the CLI are thin faces over [`services::Inlet`].
//!
//! Modules depend one way (ARCHITECTURE.md draws it): the leaves `integration`, `spec`, `secret`,
//! `error` and `item`; then `config`, `store`, `http`, `oauth`; then `tokens`, `providers`, `load`,
//! `cache`, `export`; and `services` on top.

pub mod browser;
pub mod cache;
pub mod config;
pub mod error;
pub mod export;
#[doc(hidden)]
pub mod fixtures;
pub mod http;
pub mod integration;
pub mod item;
pub mod item_store;
pub mod load;
pub mod oauth;
pub mod private_files;
pub mod providers;
pub mod secret;
pub mod services;
pub mod spec;
pub mod store;
mod sync;
pub mod tokens;

pub use config::{Mode, ProviderSettings, RedirectTransport, SandboxEndpoint};
pub use error::{CoreError, ErrorBody, ErrorCode, Result};
pub use integration::Integration;
pub use item::IntegrationItem;
pub use secret::Secret;
pub use services::Inlet;
