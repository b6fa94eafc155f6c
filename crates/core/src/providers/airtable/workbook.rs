//! An Airtable base as one XLSX workbook: a sheet per table, a column per field in the table's
//! order (then the record's id and creation time), and cells typed by the field's type in
//! Airtable's field model — numbers as numbers, dates as dates, checkboxes as booleans, linked
//! records as their ids, attachments as their file names (Airtable's links to them expire), anything else as its text.

use std::collections::HashSet;
use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use crate::error::{CoreError, Result};
use crate::export::write_whole;
use crate::item::IntegrationItem;
use crate::properties::text_of;

/// One table of the base: its item (whose details hold the field schema) and its records.
pub struct TableSheet {
    /// The table item (`details.fields`: `[{id, name, type, …}]`).
    pub table: IntegrationItem,
    /// Its records, in Airtable's order.
    pub records: Vec<IntegrationItem>,
}

/// How a field's cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellKind {
    Number,
    Currency,
    Percent,
    Date,
    DateTime,
    Boolean,
    Text,
}

impl CellKind {
    /// How a field's cells are written: by its type, and for a formula, rollup or lookup by
    /// the type of its result (`options.result.type` in the base's schema).
    fn of_field(field: &Value) -> Self {
        let field_type = field.get("type").and_then(Value::as_str).unwrap_or("");
        match field_type {
            "formula" | "rollup" | "multipleLookupValues" => field
                .pointer("/options/result/type")
                .and_then(Value::as_str)
                .map_or(CellKind::Text, CellKind::of),
            other => CellKind::of(other),
        }
    }

    fn of(field_type: &str) -> Self {
        match field_type {
            "number" | "rating" | "count" | "autoNumber" | "duration" => CellKind::Number,
            "currency" => CellKind::Currency,
            "percent" => CellKind::Percent,
            "date" => CellKind::Date,
            "dateTime" | "createdTime" | "lastModifiedTime" => CellKind::DateTime,
            "checkbox" => CellKind::Boolean,
            _ => CellKind::Text,
        }
    }
}

/// A column of a sheet: a field's name and how its cells are written.
struct Column {
    name: String,
    kind: CellKind,
}

/// The formats the typed cells use.
struct Formats {
    header: Format,
    currency: Format,
    percent: Format,
    date: Format,
    datetime: Format,
}

/// Excel caps a cell at this many characters; longer text is cut here (the JSON export keeps
/// it whole).
const CELL_CHARS: usize = 32_767;

/// Excel's most rows in a sheet, the header included.
const MAX_ROWS: usize = 1_048_576;

/// Writes the base's tables to `path` as one workbook (whole or not at all, owner-only) and
/// returns how many records it holds.
pub fn write_workbook(path: &Path, sheets: &[TableSheet]) -> Result<u64> {
    let mut written = 0u64;
    write_whole(path, |file, partial| {
        let xlsx = |e: XlsxError| CoreError::Io {
            action: "write",
            path: partial.display().to_string(),
            reason: e.to_string(),
        };
        let formats = Formats {
            header: Format::new().set_bold(),
            currency: Format::new().set_num_format("#,##0.00"),
            percent: Format::new().set_num_format("0%"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
        };
        let mut workbook = Workbook::new();
        let mut names = HashSet::new();
        for sheet in sheets {
            if sheet.records.len() >= MAX_ROWS {
                return Err(CoreError::invalid_argument(format!(
                    "The table {} has {} records, more than a spreadsheet holds; export it as CSV or NDJSON.",
                    sheet.table.name,
                    sheet.records.len()
                )));
            }
            let worksheet = workbook
                .add_worksheet_with_constant_memory()
                .map_err(xlsx)?;
            worksheet
                .set_name(sheet_name(&sheet.table.name, &mut names))
                .map_err(xlsx)?;
            write_sheet(worksheet, sheet, &formats).map_err(xlsx)?;
            written += sheet.records.len() as u64;
        }
        if sheets.is_empty() {
            workbook.add_worksheet().set_name("Empty").map_err(xlsx)?;
        }
        workbook.save_to_writer(file).map_err(xlsx)
    })?;
    Ok(written)
}

/// The table's columns: its fields in the schema's order.
fn columns(table: &IntegrationItem) -> Vec<Column> {
    let fields = table.details.get("fields").and_then(Value::as_array);
    fields
        .into_iter()
        .flatten()
        .filter_map(|field| {
            let name = field.get("name")?.as_str()?.to_owned();
            let kind = CellKind::of_field(field);
            Some(Column { name, kind })
        })
        .collect()
}

fn write_sheet(
    worksheet: &mut Worksheet,
    sheet: &TableSheet,
    formats: &Formats,
) -> std::result::Result<(), XlsxError> {
    let columns = columns(&sheet.table);
    let extra = columns.len() as u16;
    for (n, column) in columns.iter().enumerate() {
        worksheet.write_string_with_format(0, n as u16, cut(&column.name), &formats.header)?;
    }
    worksheet.write_string_with_format(0, extra, "Record ID", &formats.header)?;
    worksheet.write_string_with_format(0, extra + 1, "Created", &formats.header)?;
    worksheet.set_freeze_panes(1, 0)?;
    for (index, record) in sheet.records.iter().enumerate() {
        let row = (index + 1) as u32;
        for (n, column) in columns.iter().enumerate() {
            if let Some(value) = record.details.get(&column.name) {
                write_cell(worksheet, row, n as u16, column.kind, value, formats)?;
            }
        }
        worksheet.write_string(row, extra, &record.id)?;
        if let Some(created) = record.creation_time {
            let value = Value::String(created.to_rfc3339());
            write_cell(
                worksheet,
                row,
                extra + 1,
                CellKind::DateTime,
                &value,
                formats,
            )?;
        }
    }
    Ok(())
}

/// One cell, typed by `kind` when the value has the shape Airtable documents for it and as
/// text otherwise (a formula's result, a field whose type changed): nothing is dropped.
fn write_cell(
    worksheet: &mut Worksheet,
    row: u32,
    column: u16,
    kind: CellKind,
    value: &Value,
    formats: &Formats,
) -> std::result::Result<(), XlsxError> {
    match (kind, value) {
        (CellKind::Number, Value::Number(n)) => {
            worksheet.write_number(row, column, n.as_f64().unwrap_or_default())?;
        }
        (CellKind::Currency, Value::Number(n)) => {
            let n = n.as_f64().unwrap_or_default();
            worksheet.write_number_with_format(row, column, n, &formats.currency)?;
        }
        (CellKind::Percent, Value::Number(n)) => {
            let n = n.as_f64().unwrap_or_default();
            worksheet.write_number_with_format(row, column, n, &formats.percent)?;
        }
        (CellKind::Boolean, Value::Bool(b)) => {
            worksheet.write_boolean(row, column, *b)?;
        }
        // A lookup of one value (a list of one, as Airtable gives lookups) is that value.
        (kind, Value::Array(values)) if kind != CellKind::Text && values.len() == 1 => {
            write_cell(worksheet, row, column, kind, &values[0], formats)?;
        }
        (CellKind::Date | CellKind::DateTime, Value::String(text)) => match excel_time(text) {
            Some((time, has_clock)) => {
                let format = if has_clock && kind == CellKind::DateTime {
                    &formats.datetime
                } else {
                    &formats.date
                };
                worksheet.write_datetime_with_format(row, column, time, format)?;
            }
            None => {
                worksheet.write_string(row, column, cut(text))?;
            }
        },
        _ => {
            let text = text_of(value);
            if !text.is_empty() {
                worksheet.write_string(row, column, cut(&text))?;
            }
        }
    }
    Ok(())
}

/// A date (`YYYY-MM-DD`) or an ISO 8601 date-time (shown in UTC, as Airtable sends it) as
/// Excel's date, and whether it has a time of day.
fn excel_time(text: &str) -> Option<(ExcelDateTime, bool)> {
    use chrono::{Datelike, Timelike};
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = ExcelDateTime::from_ymd(
            u16::try_from(date.year()).ok()?,
            date.month() as u8,
            date.day() as u8,
        );
        return day.ok().map(|d| (d, false));
    }
    let time = chrono::DateTime::parse_from_rfc3339(text)
        .ok()?
        .with_timezone(&chrono::Utc);
    let day = ExcelDateTime::from_ymd(
        u16::try_from(time.year()).ok()?,
        time.month() as u8,
        time.day() as u8,
    )
    .ok()?;
    let millis = (time.nanosecond() / 1_000_000).min(999) as u16;
    day.and_hms_milli(
        time.hour() as u16,
        time.minute() as u8,
        time.second().min(59) as u8,
        millis,
    )
    .ok()
    .map(|t| (t, true))
}

/// At most `units` UTF-16 code units of `text`, cut at a character: Excel counts its limits
/// (a cell's 32,767, a sheet name's 31) in UTF-16, where an emoji takes two.
fn utf16_prefix(text: &str, units: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += c.len_utf16();
        if used > units {
            return &text[..at];
        }
    }
    text
}

fn cut(text: &str) -> String {
    utf16_prefix(text, CELL_CHARS).to_owned()
}

/// A sheet name Excel accepts, unique in the workbook (case-insensitively): at most 31 UTF-16
/// units, none of `[]:*?/\\`, not starting or ending with an apostrophe, not "History".
fn sheet_name(table: &str, taken: &mut HashSet<String>) -> String {
    let clean: String = table
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let tidy = |name: &str| {
        name.trim_matches(|c: char| c == '\'' || c.is_whitespace())
            .to_owned()
    };
    let base = tidy(&clean);
    let base = if base.is_empty() || base.eq_ignore_ascii_case("history") {
        "Table".to_owned()
    } else {
        base
    };
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!(" ({n})")
        };
        let room = 31 - suffix.len();
        let name = tidy(utf16_prefix(&base, room)) + &suffix;
        let name = if name.is_empty() {
            format!("Table{suffix}")
        } else {
            name
        };
        if taken.insert(name.to_lowercase()) {
            return name;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(sheet_name("Tasks", &mut taken), "Tasks");
        assert_eq!(sheet_name("tasks", &mut taken), "tasks (2)");
        assert_eq!(sheet_name("a/b:c*?[d]", &mut taken), "a_b_c___d_");
        assert_eq!(sheet_name("History", &mut taken), "Table");
        assert_eq!(sheet_name("''", &mut taken), "Table (2)");
        let long = "x".repeat(40);
        assert_eq!(sheet_name(&long, &mut taken).chars().count(), 31);
        assert_eq!(
            sheet_name(&long, &mut taken),
            format!("{} (2)", "x".repeat(27))
        );
        // Excel counts UTF-16 units: an emoji is two; a cut never ends on an apostrophe.
        let emoji = sheet_name("📋 Customer onboarding checklist", &mut taken);
        assert!(emoji.encode_utf16().count() <= 31, "{emoji}");
        let apostrophe = sheet_name("The marketing team's and sales' budget", &mut taken);
        assert!(!apostrophe.ends_with('\''), "{apostrophe}");
        assert_eq!(sheet_name("'  ' x", &mut taken), "x");
    }

    #[test]
    fn long_text_is_cut_in_utf16_units_at_a_character() {
        let emoji = "😀".repeat(20_000);
        let cell = cut(&emoji);
        assert!(cell.encode_utf16().count() <= CELL_CHARS);
        assert_eq!(cell.chars().count(), CELL_CHARS / 2);
        assert_eq!(cut("short"), "short");
    }

    #[test]
    fn formulas_rollups_and_lookups_are_typed_by_their_result() {
        let field = |v: Value| CellKind::of_field(&v);
        assert_eq!(
            field(
                serde_json::json!({"type": "formula", "options": {"result": {"type": "number"}}})
            ),
            CellKind::Number
        );
        assert_eq!(
            field(
                serde_json::json!({"type": "rollup", "options": {"result": {"type": "currency"}}})
            ),
            CellKind::Currency
        );
        assert_eq!(
            field(
                serde_json::json!({"type": "multipleLookupValues", "options": {"result": {"type": "date"}}})
            ),
            CellKind::Date
        );
        assert_eq!(
            field(serde_json::json!({"type": "formula", "options": {}})),
            CellKind::Text
        );
        assert_eq!(
            field(serde_json::json!({"type": "number"})),
            CellKind::Number
        );
    }

    #[test]
    fn dates_and_times_are_read_as_airtable_writes_them() {
        assert!(matches!(excel_time("2024-02-29"), Some((_, false))));
        assert!(matches!(
            excel_time("2024-02-29T10:11:12.345Z"),
            Some((_, true))
        ));
        assert!(excel_time("next Tuesday").is_none());
    }
}
