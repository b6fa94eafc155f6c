//! The assistant's `export`: a documented view, or one statement over them, written to a file
//! the person names in their client — under their home folder, into a folder that is there,
//! as a new file (never over one, never through a link), readable by them alone.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::error::{CoreError, Result};
use crate::item_store::{AccountKey, SqlScope, SqlSink};
use crate::services::Library;

/// The longest an export's statement runs.
const EXPORT_TIME: Duration = Duration::from_secs(120);
/// The most an export writes (an assistant must not fill the disk).
const MOST_EXPORT_BYTES: u64 = 1_000_000_000;

/// The views an export may name alone (`docs/schema.md`).
const VIEWS: &[&str] = &[
    "accounts",
    "items",
    "changes",
    "revisions",
    "revision_fields",
    "airtable_records",
    "notion_pages",
    "hubspot_contacts",
    "hubspot_companies",
    "hubspot_deals",
    "files",
];

/// What an export wrote.
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// Its rows.
    pub rows: u64,
    /// Its size.
    pub bytes: u64,
}

fn invalid(message: impl Into<String>) -> CoreError {
    CoreError::invalid_argument(message)
}

/// Where `asked` points: under `home`, in a folder that exists, a name not yet taken.
pub(super) fn destination(home: &Path, asked: &str) -> Result<PathBuf> {
    let asked = asked.trim();
    if asked.is_empty() || asked.contains('\0') {
        return Err(invalid(
            "Name the file to write, e.g. ~/Documents/contacts.csv.",
        ));
    }
    let path = match asked.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None if Path::new(asked).is_absolute() => PathBuf::from(asked),
        None => home.join(asked),
    };
    let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(invalid("Name a file, not a folder."));
    };
    let data = Path::new(name).extension().is_some_and(|e| {
        ["csv", "ndjson", "jsonl"].contains(&e.to_string_lossy().to_ascii_lowercase().as_str())
    });
    if !data {
        return Err(invalid(
            "Exports are .csv, .ndjson or .jsonl files in a folder that is not hidden (nothing under a name starting with a dot).",
        ));
    }
    let folder = folder
        .canonicalize()
        .map_err(|_| invalid(format!("The folder {} is not there.", folder.display())))?;
    let home = home.canonicalize().map_err(|e| CoreError::Io {
        action: "find",
        path: home.display().to_string(),
        reason: e.to_string(),
    })?;
    if !folder.starts_with(&home) {
        return Err(invalid(format!(
            "Exports go under the home folder ({}); {} is outside it.",
            home.display(),
            folder.display()
        )));
    }
    // Nothing hidden under home (a shell's start-up file, ~/.ssh, ~/.config/autostart): an
    // export must never become something that runs.
    let below = folder.strip_prefix(&home).unwrap_or(&folder);
    let hidden = (below.components().map(|c| c.as_os_str()))
        .chain(std::iter::once(name))
        .any(|part| part.to_string_lossy().starts_with('.'));
    if hidden {
        return Err(invalid(
            "Exports are .csv, .ndjson or .jsonl files in a folder that is not hidden (nothing under a name starting with a dot).",
        ));
    }
    Ok(folder.join(name))
}

/// Writes rows as CSV or NDJSON, counting them.
struct FileSink {
    out: std::io::BufWriter<std::fs::File>,
    csv: bool,
    columns: Vec<String>,
    rows: u64,
    bytes: u64,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CoreError + '_ {
    move |e| CoreError::Io {
        action: "write",
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn csv_line(values: impl IntoIterator<Item = String>) -> std::io::Result<Vec<u8>> {
    let mut line = csv::Writer::from_writer(Vec::new());
    line.write_record(values)?;
    line.into_inner().map_err(|e| e.into_error())
}

fn cell(value: Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text,
        other => other.to_string(),
    }
}

impl SqlSink for FileSink {
    fn columns(&mut self, names: &[String]) -> Result<()> {
        self.columns = names.to_vec();
        if self.csv {
            let line = csv_line(names.iter().cloned().map(crate::export::inert))
                .map_err(|e| write_error(&e))?;
            self.out.write_all(&line).map_err(|e| write_error(&e))?;
        }
        Ok(())
    }

    fn row(&mut self, values: Vec<Value>) -> Result<bool> {
        let line = if self.csv {
            csv_line(values.into_iter().map(|v| crate::export::inert(cell(v))))
                .map_err(|e| write_error(&e))?
        } else {
            let object: serde_json::Map<String, Value> =
                self.columns.iter().cloned().zip(values).collect();
            let mut line = Value::Object(object).to_string().into_bytes();
            line.push(b'\n');
            line
        };
        self.bytes += line.len() as u64;
        if self.bytes > MOST_EXPORT_BYTES {
            return Err(invalid(
                "The export would pass 1 GB: narrow it (a WHERE, fewer columns).",
            ));
        }
        self.out.write_all(&line).map_err(|e| write_error(&e))?;
        self.rows += 1;
        Ok(true)
    }
}

fn write_error(error: &std::io::Error) -> CoreError {
    CoreError::Io {
        action: "write",
        path: "the export".into(),
        reason: error.to_string(),
    }
}

/// Writes `what` (a view's name, or one `SELECT` over the views) of `accounts` to `path` as
/// `format` (csv or ndjson).
pub(super) async fn write(
    library: &Library,
    accounts: Vec<AccountKey>,
    what: &str,
    path: &str,
    format: &str,
) -> Result<Written> {
    let csv = match format {
        "csv" => true,
        "ndjson" => false,
        other => {
            return Err(invalid(format!(
                "“{other}” is not an export format: csv or ndjson."
            )))
        }
    };
    let what = what.trim();
    let sql = if VIEWS.contains(&what) {
        format!("SELECT * FROM {what}")
    } else if what
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("select"))
    {
        what.to_owned()
    } else {
        return Err(invalid(format!(
            "Export one of the views ({}) or one SELECT over them.",
            VIEWS.join(", ")
        )));
    };
    let home = dirs::home_dir().ok_or_else(|| invalid("There is no home folder to export to."))?;
    let path = destination(&home, path)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => invalid(format!(
            "{} is there already: exports never write over a file; name another.",
            path.display()
        )),
        _ => io(&path)(e),
    })?;
    let sink = FileSink {
        out: std::io::BufWriter::new(file),
        csv,
        columns: Vec::new(),
        rows: 0,
        bytes: 0,
    };
    let written = library
        .run_sql(&sql, SqlScope::Accounts(accounts), EXPORT_TIME, sink)
        .await;
    let mut sink = match written {
        Ok(sink) => sink,
        Err(error) => {
            // Nothing half-written is left behind.
            let _ = std::fs::remove_file(&path);
            return Err(error);
        }
    };
    sink.out.flush().map_err(io(&path))?;
    let bytes = std::fs::metadata(&path).map_err(io(&path))?.len();
    Ok(Written {
        path,
        rows: sink.rows,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_goes_under_home_into_a_folder_that_is_there() {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join("Documents")).unwrap();
        let root = home.path().canonicalize().unwrap();
        assert_eq!(
            destination(home.path(), "~/Documents/a.csv").unwrap(),
            root.join("Documents/a.csv")
        );
        assert_eq!(
            destination(home.path(), "b.csv").unwrap(),
            root.join("b.csv")
        );
        for outside in [
            "/etc/passwd",
            "~/../x.csv",
            "/tmp/x.csv",
            "~/missing/x.csv",
            "",
            "~/",
        ] {
            assert!(destination(home.path(), outside).is_err(), "{outside}");
        }
    }
}
