//! `inlet`: connect, inspect, load and disconnect integrations from a terminal — a thin face over
//! `inlet-core`, sharing the desktop app's keychain entries. [`main`] is the whole command; the
//! `inlet` binary calls it, and so does the desktop binary when it is run under the name `inlet`
//! (the package installs one binary for both: see `scripts/package.sh`).

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use inlet_core::config::{Environment, SandboxEndpoint};
use inlet_core::log_lines;
use inlet_core::services::{data_dir, DemoServer, StartOptions};
use inlet_core::{CoreError, Inlet};

mod args;
mod commands;
mod mcp;
mod notify;
mod progress;
pub mod serve;

use args::{Cli, Command};
use commands::items::ItemsArgs;
use commands::load::LoadArgs;
use commands::Voice;

/// The services, as the app starts them: the same keychain entries and effective settings.
async fn build(environment: &Environment) -> Result<Inlet, CoreError> {
    // `INLET_SANDBOX_URL` points providers without client credentials at a running sandbox.
    let demo = SandboxEndpoint::from_env(environment)?.map(|s| Arc::new(s) as Arc<dyn DemoServer>);
    Inlet::start(StartOptions {
        demo,
        data_dir: data_dir(environment),
        ..StartOptions::new(environment)
    })
    .await
}

/// Runs one subcommand (each in `commands/`).
async fn run(cli: Cli, environment: &Environment) -> Result<ExitCode, CoreError> {
    let voice = Voice { quiet: cli.quiet };
    match cli.command {
        Command::Completions { shell } => {
            commands::manual::completions(shell);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Manpage => {
            commands::manual::manpage()?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let inlet = build(environment).await?;
    match cli.command {
        Command::Completions { .. } | Command::Manpage => Ok(ExitCode::SUCCESS),
        Command::Connect {
            integration,
            no_browser,
        } => commands::connect::run(&inlet, &integration, no_browser).await,
        Command::Status => commands::status::run(&inlet, cli.json)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Load {
            integration,
            format,
            output,
            records,
            all_records,
            records_of,
            content,
        } => {
            let args = LoadArgs {
                integration,
                format,
                output,
                records,
                all_records,
                records_of,
                content,
            };
            commands::load::run(&inlet, voice, args).await
        }
        Command::Sync {
            integration,
            all,
            notify,
            scheduled,
        } => {
            let asked = commands::sync::Asked {
                integration,
                all,
                notify,
                scheduled,
                json: cli.json,
            };
            commands::sync::run(&inlet, voice, asked).await
        }
        Command::Serve {
            port,
            rate,
            add_client,
            bearer,
            remove_client,
            clients,
        } => {
            let asked = commands::serve::Asked {
                port,
                rate,
                add_client,
                bearer,
                remove_client,
                clients,
                json: cli.json,
            };
            commands::serve::run(&inlet, asked).await
        }
        Command::Mcp { action } => commands::mcp::run(&inlet, environment, action, cli.json).await,
        Command::Sql {
            statement,
            format,
            timeout,
        } => commands::sql::run(&inlet, &statement, &format, timeout)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::History { id, since } => {
            commands::history::run(&inlet, id.as_deref(), since.as_deref(), cli.json).await
        }
        Command::Schedule { frequency, notify } => {
            commands::schedule::run(&inlet, environment, frequency, notify, cli.json).await
        }
        Command::Items {
            integration,
            changes,
            search,
            types,
            account,
            sort,
            desc,
            format,
            output,
            as_of,
        } => {
            let args = ItemsArgs {
                integration,
                changes,
                search,
                types,
                account,
                sort,
                desc,
                format,
                output,
                as_of,
            };
            commands::items::run(&inlet, voice, args)
                .await
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Workbook { base, output } => {
            commands::workbook::run(&inlet, voice, &base, &output)
                .await
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Disconnect {
            integration,
            forget_items,
        } => commands::disconnect::run(&inlet, voice, &integration, forget_items).await,
        Command::Plan { integration, plan } => commands::plan::run(&inlet, &integration, plan)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Export {
            integration,
            format,
            output,
            zip,
            as_of,
        } => commands::export::run(&inlet, voice, integration, &format, &output, zip, as_of)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Retention { days } => commands::retention::run(&inlet, days, cli.json)
            .await
            .map(|()| ExitCode::SUCCESS),
        Command::Files { cap } => commands::files::run(&inlet, cap, cli.json)
            .await
            .map(|()| ExitCode::SUCCESS),
    }
}

/// Runs the command line in `std::env::args` and answers the process's exit code.
pub fn main() -> ExitCode {
    // `.env` of the working directory only (never a parent folder's), read into a map: only
    // client ids, secrets and redirect URIs are taken from it (`config::Environment`).
    let environment = match std::env::current_dir() {
        Ok(here) => Environment::with_dotenv_in(&here),
        Err(_) => Environment::process(),
    };
    let colour = log_lines::colour_on_stderr();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("INLET_LOG")
                .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_ansi(colour)
        // Colour only on a terminal; elsewhere a record is escaped to one line.
        .with_writer(move || log_lines::stderr_records(colour))
        .init();
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Completions { .. } | Command::Manpage) {
        // Plain lines, not log records: a person must see them at any log level.
        for notice in environment.notices() {
            eprintln!("warning: {notice}");
        }
        for line in environment.overrides_in_force() {
            eprintln!("override: {line}");
        }
    }
    let json_errors = cli.json;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, &environment)) {
        Ok(code) => code,
        Err(error) if json_errors => {
            let body = serde_json::to_string(&error.to_body()).unwrap_or_else(|_| {
                format!(
                    "{{\"error\":\"{}\",\"message\":\"\",\"details\":{{}}}}",
                    error.code()
                )
            });
            eprintln!("{body}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error} [{}]", error.code());
            ExitCode::FAILURE
        }
    }
}
