//! The app's log: standard error and a daily file in `<data dir>/logs` (the per-app log folder:
//! Tauri's `app_log_dir` on Linux), a week of files kept (`tracing-appender`), at the level the
//! person picks in Settings — saved beside the files — unless `INLET_LOG` or `RUST_LOG` set one.
//! A panic anywhere becomes an error line here and a message in the window.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use inlet_core::log_lines::{self, OneLine};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::AppHandle;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Registry};

/// How much the log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Failures only.
    Error,
    /// Failures and what was worked around.
    Warn,
    /// What Inlet did (the default).
    Info,
    /// Every step.
    Debug,
    /// Every request.
    Trace,
}

impl LogLevel {
    fn directive(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// What the level shows: Inlet's own crates at the level, the libraries under them at
    /// `warn` at most — a trace of Inlet's requests, not of every socket poll and TLS record.
    fn filter(self) -> String {
        match self {
            LogLevel::Error | LogLevel::Warn => self.directive().to_owned(),
            _ => INLET_CRATES
                .iter()
                .fold("warn".to_owned(), |filter, krate| {
                    format!("{filter},{krate}={}", self.directive())
                }),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(text.trim().to_ascii_lowercase())).ok()
    }
}

/// The log's settings and where it is, as the window shows them.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LogSettings {
    /// The level chosen in Settings (or the default).
    pub level: LogLevel,
    /// Set when `INLET_LOG` or `RUST_LOG` decides instead (the setting then waits).
    pub overridden_by: Option<String>,
    /// The folder of the log files, when there is one.
    pub folder: Option<String>,
}

/// The running log.
pub struct Logging {
    filter: reload::Handle<EnvFilter, Registry>,
    folder: Option<PathBuf>,
    overridden_by: Option<String>,
    level: std::sync::Mutex<LogLevel>,
    /// Dropped (which writes what the file writer still holds) by [`Logging::flush`] when the
    /// app ends: Tauri's state is never dropped at exit.
    guard: std::sync::Mutex<Option<WorkerGuard>>,
}

/// The crates whose lines the level setting is about.
const INLET_CRATES: [&str; 3] = ["inlet_app", "inlet_core", "inlet_sandbox"];

/// The file beside the logs that keeps the chosen level.
const LEVEL_FILE: &str = "level";

/// The data dir the log files may go in: `dir` if it is private (created 0700 when missing),
/// else none — nothing is written in a data dir another user owns or others may write to (the
/// core refuses it too, and the window says why).
pub fn private_data_dir(dir: Option<std::path::PathBuf>) -> Option<std::path::PathBuf> {
    dir.filter(|dir| inlet_core::private_files::ensure_private_dir(dir).is_ok())
}

/// Starts logging to standard error and, when there is a data dir, to `<data dir>/logs` (a
/// private folder: one that is another user's or open to others means no log file).
pub fn init(data_dir: Option<&Path>) -> Logging {
    let folder = data_dir.map(|d| d.join("logs"));
    let saved = folder
        .as_ref()
        .and_then(|f| std::fs::read_to_string(f.join(LEVEL_FILE)).ok())
        .and_then(|text| LogLevel::parse(&text))
        .unwrap_or(LogLevel::Info);
    let (env_filter, overridden_by) = ["INLET_LOG", "RUST_LOG"]
        .iter()
        .find_map(|name| {
            EnvFilter::try_from_env(name)
                .ok()
                .map(|f| (f, Some((*name).to_owned())))
        })
        .unwrap_or_else(|| (EnvFilter::new(saved.filter()), None));
    let (filter, handle) = reload::Layer::new(env_filter);
    // A folder that cannot be made (a read-only data dir) means no file, and no folder to show.
    let (file, guard, folder) = match folder.and_then(|f| file_writer(&f).ok().map(|w| (w, f))) {
        Some(((writer, guard), folder)) => (Some(writer), Some(guard), Some(folder)),
        None => (None, None, None),
    };
    // One record, one line: provider text in a record is escaped (`log_lines::OneLine`).
    let file_layer = file.map(|writer| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(move || OneLine::plain(writer.clone()))
    });
    // Colour on a terminal only (and never with NO_COLOR); a pipe or a file gets plain lines.
    let colour = log_lines::colour_on_stderr();
    let stderr_layer = tracing_subscriber::fmt::layer()
        .with_ansi(colour)
        .with_writer(move || log_lines::stderr_records(colour));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(stderr_layer)
        .with(file_layer)
        .try_init();
    Logging {
        filter: handle,
        folder,
        overridden_by,
        level: std::sync::Mutex::new(saved),
        guard: std::sync::Mutex::new(guard),
    }
}

fn file_writer(
    folder: &Path,
) -> Result<(tracing_appender::non_blocking::NonBlocking, WorkerGuard), Box<dyn std::error::Error>>
{
    inlet_core::private_files::ensure_private_dir(folder)?;
    let appender = Builder::new()
        .rotation(Rotation::DAILY)
        .filename_prefix("inlet")
        .filename_suffix("log")
        .max_log_files(7)
        .build(folder)?;
    Ok(tracing_appender::non_blocking(appender))
}

impl Logging {
    /// The level, where the files are, and what overrides the setting.
    pub fn settings(&self) -> LogSettings {
        LogSettings {
            level: *self.level.lock().unwrap_or_else(|p| p.into_inner()),
            overridden_by: self.overridden_by.clone(),
            folder: self.folder.as_ref().map(|f| f.display().to_string()),
        }
    }

    /// Sets the level — at once, unless the environment decides — and saves it for next time.
    pub fn set_level(&self, level: LogLevel) -> std::io::Result<()> {
        *self.level.lock().unwrap_or_else(|p| p.into_inner()) = level;
        if self.overridden_by.is_none() {
            let _ = self.filter.reload(EnvFilter::new(level.filter()));
        }
        tracing::info!(level = level.directive(), "log level set");
        match &self.folder {
            Some(folder) => std::fs::write(folder.join(LEVEL_FILE), level.directive()),
            None => Ok(()),
        }
    }

    /// Writes out the lines the file writer still holds; later lines go to standard error only.
    pub fn flush(&self) {
        drop(self.guard.lock().unwrap_or_else(|p| p.into_inner()).take());
    }

    /// The last `count` lines of the newest log file.
    pub fn last_lines(&self, count: usize) -> Vec<String> {
        let Some(folder) = &self.folder else {
            return Vec::new();
        };
        let newest = std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("inlet"))
            .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
        let Some(file) = newest.and_then(|e| std::fs::File::open(e.path()).ok()) else {
            return Vec::new();
        };
        let mut lines = std::collections::VecDeque::with_capacity(count);
        for line in BufReader::new(file).lines().map_while(Result::ok) {
            if lines.len() == count {
                lines.pop_front();
            }
            lines.push_back(line);
        }
        lines.into()
    }
}

/// Inlet hit a bug: the window says so (the log has the details).
#[derive(Debug, Clone, Serialize, Type)]
pub struct InternalError {
    /// What happened, in a sentence.
    pub message: String,
}

static APP: OnceLock<AppHandle> = OnceLock::new();

/// Turns every panic into an error line in the log and, once the window is up, a message in it.
pub fn catch_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        tracing::error!(%location, panic = %what, "internal error");
        if let Some(app) = APP.get() {
            let message = format!(
                "Inlet hit an internal error ({what}). It is in the log; Copy diagnostics in Settings to report it."
            );
            crate::events::send(
                app,
                crate::events::InletEvent::InternalError(InternalError { message }),
            );
        }
        if std::env::var_os("RUST_BACKTRACE").is_some() {
            default(info);
        }
    }));
}

/// Lets panics reach the window from now on.
pub fn attach(app: &AppHandle) {
    let _ = APP.set(app.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Collects what a subscriber writes.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged_at(level: LogLevel) -> String {
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::registry()
            .with(EnvFilter::new(level.filter()))
            .with(tracing_subscriber::fmt::layer().with_writer(move || writer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "inlet_core::http", "inlet trace");
            tracing::debug!(target: "inlet_app::commands", "inlet debug");
            tracing::info!(target: "inlet_sandbox::server", "sandbox info");
            tracing::trace!(target: "hyper::proto::h1", "library trace");
            tracing::info!(target: "tao::platform", "library info");
            tracing::warn!(target: "rustls::conn", "library warning");
        });
        let written = lines.0.lock().unwrap().clone();
        String::from_utf8(written).unwrap()
    }

    /// A data dir others may write to gets no log folder, nor anything else, from the app.
    #[cfg(unix)]
    #[test]
    fn logs_go_only_to_a_private_data_dir() {
        use std::os::unix::fs::PermissionsExt;
        let scratch = std::env::temp_dir().join(format!("inlet-logs-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        std::fs::set_permissions(&scratch, std::fs::Permissions::from_mode(0o700)).unwrap();
        let open = scratch.join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(private_data_dir(Some(open.clone())), None);
        assert!(file_writer(&open.join("logs")).is_err());
        assert!(!open.join("logs").exists(), "nothing written there");
        let private = scratch.join("private");
        assert_eq!(
            private_data_dir(Some(private.clone())),
            Some(private.clone())
        );
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::remove_dir_all(scratch).unwrap();
    }

    #[test]
    fn the_level_is_inlets_and_libraries_say_only_warnings() {
        let trace = logged_at(LogLevel::Trace);
        for line in [
            "inlet trace",
            "inlet debug",
            "sandbox info",
            "library warning",
        ] {
            assert!(trace.contains(line), "{line} missing at trace:\n{trace}");
        }
        assert!(
            !trace.contains("library trace") && !trace.contains("library info"),
            "{trace}"
        );
        let info = logged_at(LogLevel::Info);
        assert!(
            info.contains("sandbox info") && !info.contains("inlet debug"),
            "{info}"
        );
        let warn = logged_at(LogLevel::Warn);
        assert!(
            warn.contains("library warning") && !warn.contains("sandbox info"),
            "{warn}"
        );
    }
}
