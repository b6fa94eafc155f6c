//! `inlet-sandbox`: serve the fake providers on loopback until interrupted.

use std::net::SocketAddr;

use clap::Parser;
use inlet_sandbox::{DatasetSize, Knobs, Sandbox, SandboxConfig};

/// Plays Airtable, Notion and HubSpot on loopback for tests, demos and benchmarks.
#[derive(Parser)]
#[command(name = "inlet-sandbox", version)]
struct Args {
    /// Address to listen on (loopback only is sensible).
    #[arg(long, default_value = "127.0.0.1:0", env = "INLET_SANDBOX_ADDR")]
    addr: SocketAddr,
    /// Dataset seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// HubSpot contacts.
    #[arg(long, default_value_t = 240)]
    contacts: usize,
    /// HubSpot companies.
    #[arg(long, default_value_t = 120)]
    companies: usize,
    /// HubSpot deals.
    #[arg(long, default_value_t = 75)]
    deals: usize,
    /// Added latency per API response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of API requests failing with a transient 5xx.
    #[arg(long, default_value_t = 0.0)]
    failure_rate: f64,
    /// Share of API responses whose connection drops.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 1800)]
    token_ttl: u64,
    /// Deny every consent.
    #[arg(long)]
    deny: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let knobs = Knobs {
        latency_ms: args.latency_ms,
        failure_rate: args.failure_rate,
        drop_rate: args.drop_rate,
        access_token_ttl_secs: args.token_ttl,
        deny_consent: args.deny,
        ..Knobs::default()
    };
    let size = DatasetSize {
        contacts: args.contacts,
        companies: args.companies,
        deals: args.deals,
        ..DatasetSize::default()
    };
    let sandbox = Sandbox::start(SandboxConfig {
        addr: args.addr,
        seed: args.seed,
        size,
        knobs,
    })
    .await?;
    println!("inlet-sandbox listening on {}", sandbox.base_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
