//! Inlet's core: providers, OAuth, the token store, the paced HTTP client, the item model and
//! export. No Tauri here: the desktop shell and the CLI are thin faces over [`service::Inlet`].

pub mod cache;
pub mod config;
pub mod error;
pub mod export;
pub mod http;
pub mod item;
pub mod load;
pub mod oauth;
pub mod providers;
pub mod secret;
pub mod service;
pub mod session;
pub mod store;

pub use config::{Mode, ProviderSettings, RedirectTransport, SandboxEndpoint};
pub use error::{CoreError, ErrorBody, Result};
pub use item::{Integration, IntegrationItem};
pub use secret::Secret;
pub use service::Inlet;
