//! `inlet`: connect, inspect, load and disconnect integrations from a terminal — a thin face over
//! `inlet-core`, sharing the desktop app's keychain entries.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use inlet_core::config::{load_dotenv_in, ProcessEnv, SandboxEndpoint};
use inlet_core::export::{export_to_path, write_items, ExportFormat};
use inlet_core::item_store::{SortColumn, ViewSort};
use inlet_core::oauth::revoke::RevokeOutcome;
use inlet_core::providers::RecordScope;
use inlet_core::services::{data_dir, DemoServer, Destination, ItemView, StartOptions};
use inlet_core::{CoreError, Inlet, Integration};

mod progress;

/// Connect Airtable, Notion and HubSpot, and view and export what is in them.
#[derive(Parser)]
#[command(name = "inlet", version, about, after_help = EXIT_CODES)]
struct Cli {
    /// No progress and no notes on standard error; errors only.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Errors as one JSON object on standard error ({"error", "message", "details"}), and
    /// `status` as JSON, for scripts.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// What `inlet --help` says of exit codes.
const EXIT_CODES: &str = "Exit codes:
  0    done
  1    failed (the message says why; its code is in brackets, or in \"error\" with --json)
  2    the command line was not understood
  3    a load finished partial: some streams failed (each is named on standard error)
  130  interrupted (Ctrl-C while `connect` waited for the browser)";

#[derive(Subcommand)]
enum Command {
    /// Sign in to an integration through the browser and keep the tokens in the OS keychain.
    Connect {
        /// airtable, notion or hubspot.
        integration: String,
        /// Print the authorization URL without opening a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Show every integration and its connection (never a token); `--json` for JSON.
    Status,
    /// Load every item of a connected integration.
    Load {
        /// airtable, notion or hubspot.
        integration: String,
        /// ndjson (default), json, csv or xlsx (xlsx needs --output).
        #[arg(long, default_value = "ndjson")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
        /// Airtable only: load the records of one table, given as <baseId>/<tableId>.
        #[arg(long, value_name = "BASE/TABLE", conflicts_with_all = ["all_records", "records_of"])]
        records: Option<String>,
        /// Airtable only: load every record of every base into the store too (a sheet per
        /// table with `inlet workbook`).
        #[arg(long)]
        all_records: bool,
        /// Airtable only: load every record of this base into the store too; repeat for
        /// several. Records of other bases loaded before are kept.
        #[arg(long, value_name = "BASE", conflicts_with = "all_records")]
        records_of: Vec<String>,
    },
    /// Write a stored Airtable base as one XLSX workbook: a sheet per table, a column per
    /// field, numbers as numbers, dates as dates (load its records first).
    Workbook {
        /// The base's id (appXXXXXXXXXXXXXX).
        base: String,
        /// The workbook to write.
        #[arg(long, short)]
        output: std::path::PathBuf,
    },
    /// Show the stored items of every connected account (no network call): what the last loads
    /// found, with `delta` saying what is new, changed or gone since the load before.
    Items {
        /// Only this integration (airtable, notion or hubspot).
        integration: Option<String>,
        /// Only the items that are new, changed or gone since the load before.
        #[arg(long)]
        changes: bool,
        /// Only items whose name, parent or details contain these words (as prefixes).
        #[arg(long)]
        search: Option<String>,
        /// Only items of this type (contact, company, deal, base, table, page, database);
        /// repeat for several.
        #[arg(long = "type", value_name = "TYPE")]
        types: Vec<String>,
        /// Only the items of this account (the provider's account id, as `inlet status` shows).
        #[arg(long)]
        account: Option<String>,
        /// Sort by name (default), type, parent, created, modified or integration.
        #[arg(long, default_value = "name")]
        sort: String,
        /// Largest first.
        #[arg(long)]
        desc: bool,
        /// ndjson (default), json, csv or xlsx (xlsx needs --output).
        #[arg(long, default_value = "ndjson")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Print the shell completions of `inlet` (bash, zsh, fish, elvish or powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page of `inlet` (roff), as `man` reads it.
    #[command(hide = true)]
    Manpage,
    /// Forget an integration's connection (its stored items stay unless --forget-items).
    Disconnect {
        /// airtable, notion or hubspot.
        integration: String,
        /// Also remove the account's stored items from this computer.
        #[arg(long)]
        forget_items: bool,
    },
}

/// Prints a line on standard output; a closed pipe (`inlet status | head`) is not a crash.
macro_rules! say {
    ($($arg:tt)*) => {{
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, $($arg)*);
    }};
}

/// The services, as the app starts them: the same keychain entries and effective settings.
async fn build() -> Result<Inlet, CoreError> {
    // `INLET_SANDBOX_URL` points providers without client credentials at a running sandbox.
    let demo = SandboxEndpoint::from_env(&ProcessEnv)?.map(|s| Arc::new(s) as Arc<dyn DemoServer>);
    Inlet::start(StartOptions {
        demo,
        data_dir: data_dir(&ProcessEnv),
        ..StartOptions::new(&ProcessEnv)
    })
    .await
}

async fn run(cli: Cli) -> Result<ExitCode, CoreError> {
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
    let inlet = build().await?;
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
                if let Err(e) = open::that_detached(&start.open_url) {
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

fn main() -> ExitCode {
    // `.env` of the working directory only (never a parent folder's).
    if let Ok(here) = std::env::current_dir() {
        load_dotenv_in(&here);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("INLET_LOG")
                .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let json_errors = cli.json;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
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
