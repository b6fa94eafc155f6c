//! `inlet sql "SELECT …"`: one read-only statement over the store's documented views
//! (`docs/schema.md`), answered as a table, CSV, JSON or NDJSON (no network call). A write, a
//! second statement, `ATTACH` or a pragma that sets is refused; a statement is stopped after
//! its time limit.

use std::io::Write;
use std::time::Duration;

use inlet_core::item_store::{SqlScope, SqlSink};
use inlet_core::{CoreError, Inlet};
use serde_json::Value;

/// The most rows a table shows (it is read by eye; CSV and JSON stream every row).
const TABLE_ROWS: usize = 10_000;

/// How `inlet sql` answers.
enum Format {
    Table,
    Csv,
    Json,
    Ndjson,
}

pub async fn run(
    inlet: &Inlet,
    sql: &str,
    format: &str,
    timeout_secs: f64,
) -> Result<(), CoreError> {
    let format = match format {
        "table" => Format::Table,
        "csv" => Format::Csv,
        "json" => Format::Json,
        "ndjson" => Format::Ndjson,
        other => {
            return Err(CoreError::invalid_argument(format!(
                "“{other}” is not an output format of `inlet sql`: use table, csv, json or ndjson."
            )))
        }
    };
    if !(timeout_secs.is_finite() && (0.1..=3_600.0).contains(&timeout_secs)) {
        return Err(CoreError::invalid_argument(
            "--timeout is between 0.1 and 3600 seconds.",
        ));
    }
    let limit = Duration::from_secs_f64(timeout_secs);
    let out: Box<dyn Write + Send> = Box::new(std::io::BufWriter::new(std::io::stdout()));
    let sink = Answer {
        format,
        out,
        columns: Vec::new(),
        rows: Vec::new(),
        written: 0,
        cut: false,
    };
    let mut sink = (inlet.library)
        .run_sql(sql, SqlScope::Everything, limit, sink)
        .await?;
    match sink.finish() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(written(e)),
        _ => {}
    }
    if sink.cut {
        eprintln!(
            "The table shows the first {TABLE_ROWS} rows; --format csv or json gives every one."
        );
    }
    Ok(())
}

/// Writes the answer as it comes (a table waits for its rows to size its columns).
struct Answer {
    format: Format,
    out: Box<dyn Write + Send>,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
    written: usize,
    cut: bool,
}

fn written(error: std::io::Error) -> CoreError {
    CoreError::Io {
        action: "write",
        path: "standard output".into(),
        reason: error.to_string(),
    }
}

/// A value as text in a cell: text as it is, `NULL` as nothing, the rest as JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

impl Answer {
    fn object(&self, values: Vec<Value>) -> Value {
        Value::Object(self.columns.iter().cloned().zip(values).collect())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        match self.format {
            Format::Table => {
                let mut table = comfy_table::Table::new();
                table.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
                table.set_header(&self.columns);
                for row in &self.rows {
                    table.add_row(row.iter().map(cell));
                }
                writeln!(self.out, "{table}")?;
                let rows = self.rows.len();
                writeln!(self.out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
            }
            Format::Json => writeln!(self.out, "{}", if self.written == 0 { "[]" } else { "\n]" })?,
            Format::Csv | Format::Ndjson => {}
        }
        self.out.flush()
    }

    fn write_row(&mut self, values: Vec<Value>) -> std::io::Result<()> {
        match self.format {
            Format::Table => {
                if self.rows.len() < TABLE_ROWS {
                    self.rows.push(values);
                } else {
                    self.cut = true;
                }
            }
            Format::Csv => {
                let mut line = csv::Writer::from_writer(Vec::new());
                line.write_record(values.iter().map(cell))?;
                let bytes = line.into_inner().map_err(|e| e.into_error())?;
                self.out.write_all(&bytes)?;
            }
            Format::Json => {
                let lead = if self.written == 0 { "[\n" } else { ",\n" };
                write!(self.out, "{lead}{}", self.object(values))?;
            }
            Format::Ndjson => writeln!(self.out, "{}", self.object(values))?,
        }
        self.written += 1;
        Ok(())
    }
}

impl SqlSink for Answer {
    fn columns(&mut self, names: &[String]) -> Result<(), CoreError> {
        self.columns = names.to_vec();
        if let Format::Csv = self.format {
            let mut header = csv::Writer::from_writer(Vec::new());
            header.write_record(names).map_err(|e| written(e.into()))?;
            let bytes = header.into_inner().map_err(|e| written(e.into_error()))?;
            self.out.write_all(&bytes).map_err(written)?;
        }
        Ok(())
    }

    fn row(&mut self, values: Vec<Value>) -> Result<bool, CoreError> {
        match self.write_row(values) {
            Ok(()) => Ok(true),
            // `inlet sql … | head`: the reader had enough; the statement stops there.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(written(e)),
        }
    }
}
