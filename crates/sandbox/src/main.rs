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
    /// Airtable bases.
    #[arg(long, default_value_t = 7)]
    airtable_bases: usize,
    /// Records in each Airtable table.
    #[arg(long, default_value_t = 30)]
    airtable_records: usize,
    /// Records in the first table of the first Airtable base (0: as many as the others).
    #[arg(long, default_value_t = 0)]
    airtable_big_table: usize,
    /// Airtable bases per page of the bases listing (Airtable's own pages are larger; a small
    /// page exercises paging).
    #[arg(long, default_value_t = 3)]
    airtable_bases_page_size: usize,
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
        airtable_bases_page_size: args.airtable_bases_page_size,
        ..Knobs::default()
    };
    let size = DatasetSize {
        contacts: args.contacts,
        companies: args.companies,
        deals: args.deals,
        airtable_bases: args.airtable_bases,
        airtable_records: args.airtable_records,
        airtable_big_table: args.airtable_big_table,
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
