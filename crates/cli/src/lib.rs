//! `inlet`: connect, inspect, load and disconnect integrations from a terminal — a thin face over
//! `inlet-core`, sharing the desktop app's keychain entries. [`main`] is the whole command; the
//! `inlet` binary calls it, and so does the desktop binary when it is run under the name `inlet`
//! (the package installs one binary for both: see `scripts/package.sh`).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use inlet_core::config::{Environment, SandboxEndpoint};
use inlet_core::export::{export_to_path, write_items, ExportFormat};
use inlet_core::item_store::{SortColumn, ViewSort};
use inlet_core::oauth::revoke::RevokeOutcome;
use inlet_core::providers::RecordScope;
use inlet_core::services::{data_dir, DemoServer, Destination, ItemView, StartOptions};
use inlet_core::{CoreError, Inlet, Integration};

mod args;
mod progress;

use args::{Cli, Command};

/// Prints a line on standard output; a closed pipe (`inlet status | head`) is not a crash.
macro_rules! say {
    ($($arg:tt)*) => {{
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, $($arg)*);
    }};
}

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

async fn run(cli: Cli, environment: &Environment) -> Result<ExitCode, CoreError> {
    let quiet = cli.quiet;
    // A note on standard error: what was done, beside the output; none with --quiet.
    macro_rules! note {
        ($($arg:tt)*) => {{
            if !quiet {
                eprintln!($($arg)*);
            }
        }};
    }
    match cli.command {
        // Written whole to standard output; a closed pipe (`inlet manpage | head`) is not an error.
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_complete::generate(shell, &mut command, "inlet", &mut text);
            let _ = std::io::stdout().lock().write_all(&text);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Manpage => {
            let command = <Cli as clap::CommandFactory>::command();
            let mut text = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut text)
                .map_err(|e| CoreError::serialization("the manual page", e))?;
            let _ = std::io::stdout().lock().write_all(&text);
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let inlet = build(environment).await?;
    match cli.command {
        Command::Completions { .. } | Command::Manpage => {}
        Command::Connect {
            integration,
            no_browser,
        } => {
            let integration: Integration = integration.parse()?;
            let (start, finished) = inlet.sign_in.begin_loopback(integration).await?;
            say!(
                "Open this URL to connect {}:\n{}",
                integration.display_name(),
                start.authorization_url
            );
            let _ = std::io::stdout().flush();
            if !no_browser {
                if let Err(e) = inlet_core::browser::open_in_browser(&start.open_url) {
                    eprintln!(
                        "warning: could not open a browser ({e}); open the URL above yourself."
                    );
                }
            }
            // Ctrl-C ends the wait cleanly: the listener closes, nothing is saved.
            let info = tokio::select! {
                info = finished => info?,
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("cancelled: {} was not connected", integration.display_name());
                    return Ok(ExitCode::from(130));
                }
            };
            say!("connected {} as {}", integration, info.account.label);
        }
        Command::Status => {
            let statuses = inlet.connections.integrations().await?;
            if cli.json {
                let text = serde_json::to_string_pretty(&statuses)
                    .map_err(|e| CoreError::serialization("the status", e))?;
                say!("{text}");
            } else {
                for s in statuses {
                    let mode = s
                        .mode
                        .map(|m| format!("{m:?}").to_lowercase())
                        .unwrap_or_else(|| "not configured".into());
                    let state = match (&s.account, s.reconnect_needed) {
                        (Some(_), true) => "reconnect needed".to_owned(),
                        (Some(a), false) => format!("connected as {}", a.label),
                        (None, _) => "not connected".to_owned(),
                    };
                    say!("{:<10} {:<15} {}", s.integration, mode, state);
                }
            }
        }
        Command::Load {
            integration,
            format,
            output,
            records,
            all_records,
            records_of,
        } => {
            let integration: Integration = integration.parse()?;
            let format: ExportFormat = format.parse()?;
            let scope = match (all_records, records_of.is_empty()) {
                (true, _) => RecordScope::All,
                (false, false) => RecordScope::Bases(records_of),
                (false, true) => RecordScope::None,
            };
            if scope != RecordScope::None && integration != Integration::Airtable {
                return Err(CoreError::invalid_argument(
                    "--all-records and --records-of are for Airtable bases only.",
                ));
            }
            let (items, failures) = match records {
                Some(spec) => {
                    if integration != Integration::Airtable {
                        return Err(CoreError::invalid_argument(
                            "--records is for Airtable tables only.",
                        ));
                    }
                    let (base, table) = spec.split_once('/').ok_or_else(|| {
                        CoreError::invalid_argument(
                            "--records takes <baseId>/<tableId>, e.g. appXXXX/tblYYYY.",
                        )
                    })?;
                    let records = inlet.loader.load_airtable_records(base, table).await?;
                    (records, Vec::new())
                }
                None => {
                    let progress: inlet_core::load::ProgressFn = if progress::wanted(quiet) {
                        progress::bars()
                    } else {
                        Arc::new(|_| {})
                    };
                    let result = match scope {
                        RecordScope::None => inlet.loader.load(integration, progress).await?,
                        scope => {
                            let load = inlet
                                .loader
                                .load_airtable_with_records(scope, progress, true);
                            load.await?
                        }
                    };
                    (result.items, result.failures)
                }
            };
            write_out(&items, format, output.as_deref())?;
            note!(
                "loaded {} items from {}",
                items.len(),
                integration.display_name()
            );
            if !failures.is_empty() {
                for failure in &failures {
                    let part = failure
                        .part
                        .as_ref()
                        .map(|p| format!(" ({p})"))
                        .unwrap_or_default();
                    eprintln!(
                        "warning: {}{part} did not load completely: {}",
                        failure.stream, failure.error.message
                    );
                }
                return Ok(ExitCode::from(3));
            }
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
        } => {
            let format: ExportFormat = format.parse()?;
            let view = ItemView {
                search: search.unwrap_or_default(),
                types,
                integrations: integration
                    .map(|i| i.parse::<Integration>())
                    .transpose()?
                    .into_iter()
                    .collect(),
                accounts: account.into_iter().collect(),
                changes_only: changes,
                sort: ViewSort {
                    column: sort_column(&sort)?,
                    descending: desc,
                },
                expanded: None,
            };
            let accounts = inlet.connections.connected_accounts().await?;
            let destination = output.map_or(Destination::Stdout, Destination::File);
            let written = inlet
                .library
                .write_view(&accounts, view, format, destination)
                .await?;
            note!("{written} stored items");
        }
        Command::Workbook { base, output } => {
            let accounts = inlet.connections.connected_accounts().await?;
            let records = inlet
                .library
                .export_base_workbook(&accounts, &base, &output)
                .await?;
            note!("wrote {records} records to {}", output.display());
        }
        Command::Disconnect {
            integration,
            forget_items,
        } => {
            let integration: Integration = integration.parse()?;
            let Some(gone) = inlet.connections.disconnect(integration).await? else {
                say!("{integration} was not connected");
                return Ok(ExitCode::SUCCESS);
            };
            match gone.revocation {
                RevokeOutcome::Revoked => say!("revoked Inlet's access at {}", integration.display_name()),
                RevokeOutcome::Failed { reason } => eprintln!(
                    "warning: could not revoke Inlet's access at {}: {reason}. Revoke it there by hand.",
                    integration.display_name()
                ),
                RevokeOutcome::ByThePerson { instructions } => note!("note: {instructions}"),
            }
            if forget_items {
                inlet.library.forget(&gone.account).await?;
                say!("disconnected {integration} and removed its stored items");
            } else {
                say!("disconnected {integration}");
                note!("its stored items stay on this computer (disconnect with --forget-items to remove them)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The column `inlet items --sort` names.
fn sort_column(name: &str) -> Result<SortColumn, CoreError> {
    serde_json::from_value(serde_json::Value::String(name.trim().to_ascii_lowercase())).map_err(|_| {
        CoreError::invalid_argument(format!(
            "“{}” is not a column to sort by. Use name, type, parent, created, modified or integration.",
            name.chars().take(32).collect::<String>()
        ))
    })
}

/// Writes `items` to `output`, or to standard output.
fn write_out(
    items: &[inlet_core::IntegrationItem],
    format: ExportFormat,
    output: Option<&std::path::Path>,
) -> Result<(), CoreError> {
    match output {
        Some(path) => export_to_path(path, format, items).map(|_| ()),
        None => write_items(
            std::io::BufWriter::new(std::io::stdout().lock()),
            format,
            items,
        ),
    }
}

/// Whether standard error may carry colour: a terminal, and no `NO_COLOR` (no-color.org).
fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    let no_color = matches!(std::env::var_os("NO_COLOR"), Some(v) if !v.is_empty());
    std::io::stderr().is_terminal() && !no_color
}

/// Runs the command line in `std::env::args` and answers the process's exit code.
pub fn main() -> ExitCode {
    // `.env` of the working directory only (never a parent folder's), read into a map: only
    // client ids, secrets and redirect URIs are taken from it (`config::Environment`).
    let environment = match std::env::current_dir() {
        Ok(here) => Environment::with_dotenv_in(&here),
        Err(_) => Environment::process(),
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("INLET_LOG")
                .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_ansi(colour_on_stderr())
        .with_writer(std::io::stderr)
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
