//! The command line `inlet` understands: its subcommands and options, and the exit codes its
//! help documents (clap derives the parser, the completions and the manual page from these).

use clap::{Parser, Subcommand};

/// Connect Airtable, Notion and HubSpot, and view and export what is in them.
#[derive(Parser)]
#[command(name = "inlet", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// No progress and no notes on standard error; errors only.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Errors as one JSON object on standard error ({"error", "message", "details"}), and
    /// `status` as JSON, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// What `inlet --help` says of exit codes.
const EXIT_CODES: &str = "Exit codes:
  0    done
  1    failed (the message says why; its code is in brackets, or in \"error\" with --json)
  2    the command line was not understood
  3    a load finished partial: some streams failed (each is named on standard error)
  130  interrupted (Ctrl-C while `connect` waited for the browser)";

#[derive(Subcommand)]
pub enum Command {
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
        /// Notion: load each page's content too (its blocks, kept as Markdown), for the pages
        /// edited since their content was last loaded. `inlet items` then carries `content_md`.
        #[arg(long)]
        content: bool,
    },
    /// Bring the stored copy up to date: only what changed since the last load where the
    /// provider can tell (HubSpot); the others load in full. Says what it cost and what
    /// changed (`--json`: one JSON object per integration).
    Sync {
        /// airtable, notion or hubspot; every connected integration when left out.
        integration: Option<String>,
        /// Every connected integration (what the schedule runs): one that fails does not stop
        /// the others, and the run is kept for Settings and `inlet schedule`.
        #[arg(long, conflicts_with = "integration")]
        all: bool,
        /// Show a desktop notification of what changed or needs you (the schedule's runs do;
        /// quiet when nothing did; `inlet schedule --notify off` turns it off).
        #[arg(long)]
        notify: bool,
        /// A run nobody watches (the schedule's): never spend more than half of a plan's
        /// monthly API calls (Airtable's records are then left as stored, and it says so).
        #[arg(long)]
        scheduled: bool,
    },
    /// Show an item's history (no network call): every change the loads and syncs found, oldest
    /// first, with each field that moved from what to what — or, with `--since`, every change
    /// across the connected accounts since then; `--json`: one revision a line.
    History {
        /// The item's id at the provider (as `inlet items` shows it).
        #[arg(required_unless_present = "since")]
        id: Option<String>,
        /// Changes seen since this date (2026-12-01) or time (RFC 3339).
        #[arg(long)]
        since: Option<String>,
    },
    /// Keep the data up to date with the app closed: a systemd user timer runs `inlet sync
    /// --all` hourly or daily (`off` removes it). Without an argument, says how it stands.
    Schedule {
        /// off, hourly or daily.
        frequency: Option<String>,
        /// Whether a scheduled run shows desktop notifications: on or off.
        #[arg(long, value_name = "on|off")]
        notify: Option<String>,
    },
    /// Run one read-only SQL statement over the stored data (no network call): the documented
    /// views — items, changes, revisions, accounts, airtable_records, notion_pages,
    /// hubspot_contacts, hubspot_companies, hubspot_deals, files, … (docs/schema.md). Writes,
    /// ATTACH and pragmas that set are refused.
    Sql {
        /// The statement, e.g. "SELECT name, email FROM hubspot_contacts LIMIT 10".
        statement: String,
        /// table (default), csv, json or ndjson.
        #[arg(long, default_value = "table")]
        format: String,
        /// Stop the statement after this many seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
        timeout: f64,
    },
    /// Let AI assistants read the stored data: `inlet mcp` is the read-only Model Context
    /// Protocol server an MCP client launches (stdio; no network call); `allow`/`deny` open or
    /// close an account to assistants (all are closed until opened); `status` lists them and
    /// the configuration to paste into a client.
    Mcp {
        #[command(subcommand)]
        action: Option<McpAction>,
    },
    /// Serve the same read-only MCP tools over HTTP on 127.0.0.1 for tools that cannot launch
    /// a process (MCP's Streamable HTTP at /mcp). Off until run; every request is signed with
    /// its client's key (HMAC over method, path, time, nonce and body) or, for a client added
    /// with --bearer, carries the key as a bearer token; Host and Origin are checked and each
    /// client is rate-limited.
    Serve {
        /// The loopback port (0: any free one; the first line printed says which).
        #[arg(long, default_value_t = 8766)]
        port: u16,
        /// Requests a client may send a minute.
        #[arg(long, default_value_t = 100)]
        rate: u32,
        /// Add a client and print its new key once (kept in the keychain).
        #[arg(long, value_name = "NAME", conflicts_with_all = ["remove_client", "clients"])]
        add_client: Option<String>,
        /// With --add-client: the client sends its key as a bearer token instead of signing.
        #[arg(long, requires = "add_client")]
        bearer: bool,
        /// Remove a client: its key no longer opens the API.
        #[arg(long, value_name = "NAME", conflicts_with = "clients")]
        remove_client: Option<String>,
        /// List the clients (never a key).
        #[arg(long)]
        clients: bool,
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
        /// The items as they were then: a date (2026-12-01, as at the end of that day, UTC) or
        /// a time (RFC 3339), made from the history the loads kept.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Print the shell completions of `inlet` (bash, zsh, fish, elvish or powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page of `inlet` (roff), as `man` reads it.
    #[command(hide = true)]
    Manpage,
    /// Say which plan the connected account is on, where the provider caps its API calls a
    /// month (Airtable: free, team, business; none to unset) — or, without PLAN, show this
    /// month's calls and the plan. A load of every record says its cost first when the cap is
    /// known.
    Plan {
        /// airtable.
        integration: String,
        /// The plan's id (free, team, business), or none.
        plan: Option<String>,
    },
    /// Export everything stored (no network call) as a folder that opens as a vault in
    /// Obsidian or any Markdown editor: Notion pages as Markdown with front matter, databases as
    /// folders plus a CSV, Airtable tables as CSV and workbooks, HubSpot objects as CSV, kept
    /// files beside them. (For one file of items, use `inlet items --format … --output`.)
    Export {
        /// Only this integration (airtable, notion or hubspot).
        integration: Option<String>,
        /// markdown (the folder export).
        #[arg(long, default_value = "markdown")]
        format: String,
        /// The new or empty folder to write (with --zip: the .zip file).
        #[arg(long, short)]
        output: std::path::PathBuf,
        /// Write one .zip file instead of a folder.
        #[arg(long)]
        zip: bool,
        /// Everything as it was then: a date (2026-12-01, as at the end of that day, UTC) or a
        /// time (RFC 3339); pages' content and files as they are now.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Show how long the history keeps every change (then one a day per item until three
    /// months, then one a week) and the room it takes; DAYS sets how long (1–3650).
    Retention {
        /// Days every change is kept.
        days: Option<u32>,
    },
    /// Show what the file store holds (the providers' files kept on this computer) and its
    /// size cap; --cap sets the cap (e.g. 500MB, 20GB; "default" for 10 GB).
    Files {
        /// The most the file store may hold.
        #[arg(long, value_name = "SIZE")]
        cap: Option<String>,
    },
    /// Forget an integration's connection (its stored items stay unless --forget-items).
    Disconnect {
        /// airtable, notion or hubspot.
        integration: String,
        /// Also remove the account's stored items from this computer.
        #[arg(long)]
        forget_items: bool,
    },
}

/// What `inlet mcp` does besides serving.
#[derive(Subcommand)]
pub enum McpAction {
    /// Let assistants read an account's stored data.
    Allow {
        /// airtable, notion or hubspot.
        integration: String,
        /// The account (its id, as `inlet mcp status` shows it) when there are several.
        #[arg(long)]
        account: Option<String>,
    },
    /// Close an account to assistants again.
    Deny {
        /// airtable, notion or hubspot.
        integration: String,
        /// The account (its id, as `inlet mcp status` shows it) when there are several.
        #[arg(long)]
        account: Option<String>,
    },
    /// Which stored accounts assistants may read, and the client configuration.
    Status,
}
