//! OAuth 2.0 authorization-code flow: authorization URL, pending states, callback parsing, the
//! loopback listener and the token endpoint calls.

pub mod callback;
pub mod client;
pub mod loopback;
pub mod pending;
pub mod revoke;
pub mod start_page;
