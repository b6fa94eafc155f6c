//! Writing items out, streamed: CSV, JSON (an array) and NDJSON (a line per item).

use std::borrow::Borrow;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{CoreError, Result};
use crate::item::IntegrationItem;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// One JSON object per line.
    Ndjson,
    /// A JSON array.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// An Excel workbook (one sheet, header row frozen).
    Xlsx,
}

impl ExportFormat {
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

impl FromStr for ExportFormat {
    type Err = CoreError;

    fn from_str(value: &str) -> Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "ndjson" => Ok(Self::Ndjson),
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            other => Err(CoreError::invalid_argument(format!(
                "“{}” is not an export format. Use ndjson, json, csv or xlsx.",
                other.chars().take(32).collect::<String>()
            ))),
        }
    }
}

/// The CSV and XLSX columns, in order: the seed's fields plus the integration, without
/// `mime_type` and `drive_id`, which no provider Inlet loads ever fills (JSON and NDJSON keep
/// them, as the item's JSON shape promises).
pub const CSV_COLUMNS: [&str; 13] = [
    "integration",
    "id",
    "type",
    "name",
    "directory",
    "parent_id",
    "parent_path_or_name",
    "creation_time",
    "last_modified_time",
    "url",
    "children",
    "delta",
    "visibility",
];

fn io_error(e: impl std::fmt::Display) -> CoreError {
    CoreError::Io {
        action: "write",
        path: "the export".into(),
        reason: e.to_string(),
    }
}

/// Writes `items` to `out` in `format`, one item at a time.
pub fn write_items<'a, W: Write>(
    out: W,
    format: ExportFormat,
    items: impl IntoIterator<Item = &'a IntegrationItem>,
) -> Result<()> {
    write_stream(out, format, items.into_iter().map(Ok))
}

/// Writes `items` — read as they are written, so they may come straight from a store query —
/// to `out`; the first `Err` among them stops the writing and is returned.
pub fn write_stream<W: Write, B: Borrow<IntegrationItem>>(
    out: W,
    format: ExportFormat,
    items: impl Iterator<Item = Result<B>>,
) -> Result<()> {
    write_with_properties(out, format, &[], items)
}

/// [`write_stream`] with a CSV column after the item's own for each of `properties` (labels,
/// as [`crate::properties::properties_of`] gives them: a HubSpot object's, an Airtable record's
/// fields, a Notion row's), the cell its value as text. JSON and NDJSON carry every property
/// in the item's `details` anyway.
pub fn write_with_properties<W: Write, B: Borrow<IntegrationItem>>(
    out: W,
    format: ExportFormat,
    properties: &[String],
    items: impl Iterator<Item = Result<B>>,
) -> Result<()> {
    match format {
        ExportFormat::Ndjson => {
            let mut out = out;
            for item in items {
                serde_json::to_writer(&mut out, item?.borrow()).map_err(io_error)?;
                out.write_all(b"\n").map_err(io_error)?;
            }
            out.flush().map_err(io_error)
        }
        ExportFormat::Json => {
            let mut out = out;
            out.write_all(b"[").map_err(io_error)?;
            for (i, item) in items.enumerate() {
                let item = item?;
                out.write_all(if i == 0 { b"\n" } else { b",\n" })
                    .map_err(io_error)?;
                serde_json::to_writer(&mut out, item.borrow()).map_err(io_error)?;
            }
            out.write_all(b"\n]\n").map_err(io_error)?;
            out.flush().map_err(io_error)
        }
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            let header = CSV_COLUMNS
                .iter()
                .copied()
                .chain(properties.iter().map(String::as_str));
            writer.write_record(header).map_err(io_error)?;
            for item in items {
                let item = item?;
                let cells = row(item.borrow())
                    .into_iter()
                    .chain(property_cells(item.borrow(), properties));
                writer.write_record(cells.map(inert)).map_err(io_error)?;
            }
            writer.flush().map_err(io_error)
        }
        ExportFormat::Xlsx => Err(CoreError::invalid_argument(
            "XLSX needs a file: use --output (or Export in the app).",
        )),
    }
}

/// A CSV cell a spreadsheet will not run: one whose first character after any whitespace
/// (spaces, tabs, line breaks — spreadsheets skip them) is `=`, `+`, `-` or `@` (or their
/// full-width forms) gets a leading `'`, which Excel and LibreOffice read as "this is text" — a
/// formula, or one in disguise. A plain number (`-5`, `+3.25`, `-1e6`) stays a number. XLSX needs
/// none of this: its cells are written as strings.
pub fn inert(cell: String) -> String {
    let significant = cell.trim_start();
    let starts_a_formula = significant.starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠']);
    if starts_a_formula && !is_plain_number(significant.trim_end()) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Whether `c` is an invisible format character (Unicode category Cf): bidirectional controls
/// (U+202A–202E, U+2066–2069, U+200E/F, U+061C), zero-width characters and joiners, the soft
/// hyphen, the byte-order mark, the invisible operators, the tag characters (U+E0000–E007F,
/// which hide text) and the script-specific format marks. In a file name they disguise it —
/// `invoice\u{202E}fdp.exe` shows as `invoiceexe.pdf`. (Unicode 15's Cf list, written out: one
/// small table is not worth a Unicode-tables crate.)
fn is_format_character(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}')
}

/// The file name an export suggests for `name` (provider text: a table's, a base's, a view's):
/// no format characters, no control characters or characters file systems refuse (each becomes
/// `_`), no leading dots (no hidden file, no `..`), at most 100 characters, then `.extension`.
pub fn suggested_file_name(name: &str, format: ExportFormat) -> String {
    let stem = safe_file_name(name);
    let stem = if stem.is_empty() {
        "Inlet export"
    } else {
        stem.as_str()
    };
    format!("{stem}.{}", format.extension())
}

/// `name` as a file name on every platform: no path separators, reserved or control
/// characters, bidirectional controls or leading dots, at most 100 characters and 150 bytes (file
/// systems count bytes: 255 at most, with room for a suffix); empty when nothing of it is left.
pub fn safe_file_name(name: &str) -> String {
    let mut bytes = 0;
    let cleaned: String = name
        .chars()
        .filter(|c| !is_format_character(*c))
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(100)
        .take_while(|c| {
            bytes += c.len_utf8();
            bytes <= 150
        })
        .collect();
    cleaned.trim().trim_start_matches('.').trim().to_owned()
}

/// `[+-]digits[.digits][e[+-]digits]`: what a spreadsheet reads as a number, nothing else.
fn is_plain_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => digits(whole) && (fraction.is_empty() || digits(fraction)),
        None => digits(mantissa),
    };
    mantissa_ok && exponent.is_none_or(digits)
}

/// One item as the flat row CSV and XLSX share, in `CSV_COLUMNS` order.
fn row(item: &IntegrationItem) -> [String; 13] {
    let time =
        |t: &Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        item.integration.id().to_owned(),
        item.id.clone(),
        item.item_type.as_str().to_owned(),
        item.name.clone(),
        item.directory.to_string(),
        text(&item.parent_id),
        text(&item.parent_path_or_name),
        time(&item.creation_time),
        time(&item.last_modified_time),
        text(&item.url),
        item.children
            .as_ref()
            .map(|c| c.join(" "))
            .unwrap_or_default(),
        item.delta
            .map(|d| d.as_str().to_owned())
            .unwrap_or_default(),
        item.visibility.map(|v| v.to_string()).unwrap_or_default(),
    ]
}

/// The item's values of `properties`, as text (empty where it has none).
fn property_cells<'a>(
    item: &'a IntegrationItem,
    properties: &'a [String],
) -> impl Iterator<Item = String> + 'a {
    let own = crate::properties::properties_of(item);
    properties.iter().map(move |label| {
        own.and_then(|p| p.get(label))
            .map(crate::properties::text_of)
            .unwrap_or_default()
    })
}

/// Writes `items` to the file at `path`, streamed: to a temporary file beside it first, renamed
/// into place only when complete, so a failed export never leaves a truncated file behind.
/// XLSX rows go through rust_xlsxwriter's constant-memory mode.
pub fn export_to_path<'a>(
    path: &Path,
    format: ExportFormat,
    items: impl IntoIterator<Item = &'a IntegrationItem>,
) -> Result<u64> {
    export_stream(path, format, items.into_iter().map(Ok))
}

/// [`export_to_path`] for items read as they are written; the first `Err` among them stops the
/// export, removes the temporary file and is returned.
pub fn export_stream<B: Borrow<IntegrationItem>>(
    path: &Path,
    format: ExportFormat,
    items: impl Iterator<Item = Result<B>>,
) -> Result<u64> {
    export_with_properties(path, format, &[], items)
}

/// [`export_stream`] with a CSV or XLSX column for each of `properties` (see
/// [`write_with_properties`]).
pub fn export_with_properties<B: Borrow<IntegrationItem>>(
    path: &Path,
    format: ExportFormat,
    properties: &[String],
    items: impl Iterator<Item = Result<B>>,
) -> Result<u64> {
    let mut count = 0u64;
    let counted = items.inspect(|_| count += 1);
    write_whole(path, |file, partial| match format {
        ExportFormat::Xlsx => write_xlsx(file, partial, properties, counted),
        _ => write_with_properties(std::io::BufWriter::new(file), format, properties, counted),
    })?;
    Ok(count)
}

/// Runs `write` on a private temporary file beside `path` (given the file and its path) and
/// renames it into place only when `write` succeeded; otherwise removes it and returns the
/// error, so no truncated file is ever left at `path`.
pub(crate) fn write_whole(
    path: &Path,
    write: impl FnOnce(std::fs::File, &Path) -> Result<()>,
) -> Result<()> {
    let shown = path.display().to_string();
    let fail = |action: &'static str, e: &dyn std::fmt::Display| CoreError::Io {
        action,
        path: shown.clone(),
        reason: e.to_string(),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| CoreError::invalid_argument("The export path has no file name."))?;
    let partial = path.with_file_name(format!(".{}.partial", file_name.to_string_lossy()));
    let file = create_private(&partial).map_err(|e| fail("create", &e))?;
    if let Err(error) = write(file, &partial) {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    std::fs::rename(&partial, path).map_err(|e| fail("write", &e))
}

/// A new file readable by its owner only (exports hold names and e-mails). Whatever is at the
/// path — a stale temporary file, or a symlink someone planted to redirect the write — is
/// removed first, and the file is created only if nothing is there (`create_new` never follows
/// a link).
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn write_xlsx<B: Borrow<IntegrationItem>>(
    file: std::fs::File,
    path: &Path,
    properties: &[String],
    items: impl Iterator<Item = Result<B>>,
) -> Result<()> {
    let xlsx = |e: rust_xlsxwriter::XlsxError| CoreError::Io {
        action: "write",
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(xlsx)?;
    sheet.set_name("Items").map_err(xlsx)?;
    let header = CSV_COLUMNS
        .iter()
        .copied()
        .chain(properties.iter().map(String::as_str))
        .take(usize::from(u16::MAX >> 2));
    sheet
        .write_row_with_format(0, 0, header, &bold)
        .map_err(xlsx)?;
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    for (index, item) in items.enumerate() {
        let item = item?;
        let row_number = u32::try_from(index + 1)
            .map_err(|_| xlsx(rust_xlsxwriter::XlsxError::RowColumnLimitError))?;
        let cells = row(item.borrow())
            .into_iter()
            .chain(property_cells(item.borrow(), properties));
        // Excel has 16,384 columns: properties past them are in the CSV and JSON exports.
        for (column, value) in cells.enumerate().take(usize::from(u16::MAX >> 2)) {
            if !value.is_empty() {
                // Excel caps a cell at 32,767 characters; longer provider text is cut, not lost silently:
                // the JSON and CSV exports keep it whole.
                let cell: String = value.chars().take(32_767).collect();
                sheet
                    .write_string(row_number, column as u16, cell)
                    .map_err(xlsx)?;
            }
        }
    }
    workbook.save_to_writer(file).map_err(xlsx)
}

#[cfg(test)]
mod tests;
