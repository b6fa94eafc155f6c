// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

/// The app — or, when run under the name `inlet` (the package's `/usr/bin/inlet` is a link to
/// this binary), the command line: one copy of the core in the package instead of two.
fn main() -> ExitCode {
    let invoked_as = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|path| path.file_stem().map(|name| name.to_os_string()));
    if invoked_as.as_deref() == Some(std::ffi::OsStr::new("inlet")) {
        return inlet_cli::main();
    }
    inlet_app::run();
    ExitCode::SUCCESS
}
