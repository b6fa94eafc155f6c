//! `make bench` (under a private Secret Service: `scripts/with-keyring.sh`): the CLI's fixed cost
//! of a load (issue 23). `inlet load hubspot` of a 10-item sandbox account — the binary started
//! afresh each run, as a person or a script runs it — against the same load run in this process
//! on an `Inlet` already started: the load's own network and writes. What the command takes
//! beyond them is its fixed cost: starting the process, the configuration, the keychain, the
//! store. Medians of `RUNS`.

// A benchmark's set-up that fails should stop it at its line.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use inlet_core::config::Environment;
use inlet_core::providers::LoadRequest;
use inlet_core::services::{data_dir, DemoServer, StartOptions};
use inlet_core::{Inlet, Integration, SandboxEndpoint};
use inlet_sandbox::{DatasetSize, SandboxConfig};

#[path = "../tests/common/mod.rs"]
mod common;

const RUNS: usize = 9;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = SandboxConfig {
            size: DatasetSize {
                contacts: 10,
                companies: 0,
                deals: 0,
                ..DatasetSize::default()
            },
            ..SandboxConfig::default()
        };
        let env = common::Env::with("fixed-cost", config).await;
        common::cli_connect(&env, "hubspot").await;
        let output = env.scratch().join("items.json");
        let output = output.display().to_string();
        let load = ["load", "hubspot", "--quiet", "--output", output.as_str()];

        let mut cli = Vec::new();
        let mut items = 0;
        for run in 0..=RUNS {
            let start = Instant::now();
            let done = env.run(&load).await;
            let took = start.elapsed();
            assert!(done.status.success(), "{}", common::text(&done.stderr));
            // The first run opens (and migrates) a store nobody opened yet: not timed.
            if run > 0 {
                cli.push(took);
            }
            // NDJSON: an item a line.
            items = std::fs::read_to_string(&output).unwrap().lines().count();
        }

        // The same load in this process: the variables the command was given, then one start.
        for (name, value) in [
            ("INLET_SANDBOX_URL", env.sandbox.base_url()),
            ("INLET_REDIRECT_URI", "http://127.0.0.1:0/oauth/callback".into()),
            ("INLET_KEYCHAIN_SERVICE", env.service.clone()),
            ("INLET_DATA_DIR", env.data_dir.display().to_string()),
        ] {
            std::env::set_var(name, value);
        }
        std::env::remove_var("HUBSPOT_CLIENT_ID");
        let environment = Environment::process();
        let demo = SandboxEndpoint::from_env(&environment)
            .unwrap()
            .map(|s| Arc::new(s) as Arc<dyn DemoServer>);
        let inlet = Inlet::start(StartOptions {
            demo,
            data_dir: data_dir(&environment),
            ..StartOptions::new(&environment)
        })
        .await
        .unwrap();
        let mut in_process = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            let result = inlet
                .loader
                .load_with(
                    Integration::Hubspot,
                    LoadRequest::default(),
                    Arc::new(|_| {}),
                    false,
                )
                .await
                .unwrap();
            in_process.push(start.elapsed());
            assert!(result.failures.is_empty());
        }

        let (cli, load) = (median(cli), median(in_process));
        println!("| what | median of {RUNS} |");
        println!("|---|---|");
        println!("| `inlet load hubspot`, {items} items, the binary started afresh | {} ms |", ms(cli));
        println!("| the same load in a started process (its network and writes) | {} ms |", ms(load));
        println!(
            "| the command's fixed cost (start, configuration, keychain, store) | {} ms (target ≤ 100 ms) |",
            ms(cli.saturating_sub(load))
        );
    });
}
