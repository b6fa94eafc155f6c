//! Writing items out, streamed: CSV, JSON (an array) and NDJSON (a line per item).

use std::io::Write;
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
}

impl FromStr for ExportFormat {
    type Err = CoreError;

    fn from_str(value: &str) -> Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "ndjson" => Ok(Self::Ndjson),
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            other => Err(CoreError::invalid_argument(format!(
                "“{}” is not an export format. Use ndjson, json or csv.",
                other.chars().take(32).collect::<String>()
            ))),
        }
    }
}

/// The CSV columns, in order: the seed's fields plus the integration.
pub const CSV_COLUMNS: [&str; 15] = [
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
    "mime_type",
    "delta",
    "drive_id",
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
    match format {
        ExportFormat::Ndjson => {
            let mut out = out;
            for item in items {
                serde_json::to_writer(&mut out, item).map_err(io_error)?;
                out.write_all(b"\n").map_err(io_error)?;
            }
            out.flush().map_err(io_error)
        }
        ExportFormat::Json => {
            let mut out = out;
            out.write_all(b"[").map_err(io_error)?;
            for (i, item) in items.into_iter().enumerate() {
                out.write_all(if i == 0 { b"\n" } else { b",\n" })
                    .map_err(io_error)?;
                serde_json::to_writer(&mut out, item).map_err(io_error)?;
            }
            out.write_all(b"\n]\n").map_err(io_error)?;
            out.flush().map_err(io_error)
        }
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(CSV_COLUMNS).map_err(io_error)?;
            let time = |t: &Option<chrono::DateTime<chrono::Utc>>| {
                t.map(|t| t.to_rfc3339()).unwrap_or_default()
            };
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            for item in items {
                writer
                    .write_record([
                        item.integration.id().to_owned(),
                        item.id.clone(),
                        item.item_type.clone(),
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
                        text(&item.mime_type),
                        text(&item.delta),
                        text(&item.drive_id),
                        item.visibility.map(|v| v.to_string()).unwrap_or_default(),
                    ])
                    .map_err(io_error)?;
            }
            writer.flush().map_err(io_error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::Integration;

    fn items() -> Vec<IntegrationItem> {
        let mut a =
            IntegrationItem::new(Integration::Hubspot, "1", "contact", "Ada, \"the\" first");
        a.url = Some("https://app.hubspot.com/contacts/1/record/0-1/1".into());
        vec![
            a,
            IntegrationItem::new(
                Integration::Hubspot,
                "2",
                "deal",
                "<img src=x onerror=alert(1)>",
            ),
        ]
    }

    #[test]
    fn csv_quotes_and_keeps_every_item() {
        let mut out = Vec::new();
        write_items(&mut out, ExportFormat::Csv, &items()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][3], "Ada, \"the\" first");
        assert_eq!(&rows[1][3], "<img src=x onerror=alert(1)>");
    }

    #[test]
    fn json_and_ndjson_round_trip() {
        let mut json = Vec::new();
        write_items(&mut json, ExportFormat::Json, &items()).unwrap();
        let parsed: Vec<IntegrationItem> = serde_json::from_slice(&json).unwrap();
        assert_eq!(parsed, items());
        let mut ndjson = Vec::new();
        write_items(&mut ndjson, ExportFormat::Ndjson, &items()).unwrap();
        let lines: Vec<IntegrationItem> = String::from_utf8(ndjson)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, items());
        let mut empty = Vec::new();
        write_items(&mut empty, ExportFormat::Json, &[]).unwrap();
        assert_eq!(
            serde_json::from_slice::<Vec<IntegrationItem>>(&empty).unwrap(),
            vec![]
        );
    }

    #[test]
    fn unknown_formats_are_refused() {
        assert_eq!(
            "xml".parse::<ExportFormat>().unwrap_err().code(),
            "invalid_argument"
        );
        assert_eq!("CSV".parse::<ExportFormat>().unwrap(), ExportFormat::Csv);
    }
}
