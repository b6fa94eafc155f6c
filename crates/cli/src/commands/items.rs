//! `inlet items`: the stored items of every connected account, as the app's grid filters and
//! sorts them (no network call).

use inlet_core::export::ExportFormat;
use inlet_core::item_store::{SortColumn, ViewSort};
use inlet_core::services::{parse_as_of, Destination, ItemView};
use inlet_core::{CoreError, Inlet, Integration, ItemKind};

use super::Voice;

/// What `inlet items` was asked.
pub struct ItemsArgs {
    pub integration: Option<String>,
    pub changes: bool,
    pub search: Option<String>,
    pub types: Vec<String>,
    pub account: Option<String>,
    pub sort: String,
    pub desc: bool,
    pub format: String,
    pub output: Option<std::path::PathBuf>,
    pub as_of: Option<String>,
}

pub async fn run(inlet: &Inlet, voice: Voice, args: ItemsArgs) -> Result<(), CoreError> {
    let format: ExportFormat = args.format.parse()?;
    let view = ItemView {
        search: args.search.unwrap_or_default(),
        types: args
            .types
            .iter()
            .map(|t| item_kind(t))
            .collect::<Result<_, _>>()?,
        integrations: args
            .integration
            .map(|i| i.parse::<Integration>())
            .transpose()?
            .into_iter()
            .collect(),
        accounts: args.account.into_iter().collect(),
        parent: None,
        changes_only: args.changes,
        sort: ViewSort {
            column: sort_column(&args.sort)?,
            descending: args.desc,
        },
        expanded: None,
        as_of: None,
    };
    let accounts = inlet.connections.connected_accounts().await?;
    let destination = args.output.map_or(Destination::Stdout, Destination::File);
    let Some(as_of) = args.as_of else {
        let written = (inlet.library)
            .write_view(&accounts, view, format, destination)
            .await?;
        voice.note(format!("{written} stored items"));
        return Ok(());
    };
    if args.changes {
        return Err(CoreError::invalid_argument(
            "--changes shows what the last load changed; for the changes since a date use `inlet history --since DATE`.",
        ));
    }
    let at = parse_as_of(&as_of)?;
    let (then, notes) = inlet.library.as_of(&accounts, at).await?;
    for note in notes {
        voice.note(note);
    }
    let written = then
        .write_view(&accounts, view, format, destination)
        .await?;
    voice.note(format!("{written} items as of {}", at.to_rfc3339()));
    Ok(())
}

/// The kind `inlet items --type` names.
fn item_kind(name: &str) -> Result<ItemKind, CoreError> {
    ItemKind::parse(name.trim()).ok_or_else(|| {
        let known: Vec<&str> = ItemKind::ALL.iter().map(|k| k.as_str()).collect();
        CoreError::invalid_argument(format!(
            "“{}” is not an item type. Use one of: {}.",
            name.chars().take(32).collect::<String>(),
            known.join(", ")
        ))
    })
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
