//! One file per subcommand of `inlet`: each takes the started core (`Inlet`) and what the person
//! typed, does its work through the core and says what it did. `lib.rs` only dispatches.

pub mod connect;
pub mod disconnect;
pub mod export;
pub mod files;
pub mod history;
pub mod items;
pub mod load;
pub mod manual;
pub mod mcp;
pub mod plan;
pub mod retention;
pub mod schedule;
pub mod serve;
pub mod sql;
pub mod status;
pub mod sync;
pub mod workbook;

use std::io::Write;

/// How the commands speak: `--quiet` silences notes (never errors or warnings).
#[derive(Clone, Copy)]
pub struct Voice {
    pub quiet: bool,
}

impl Voice {
    /// A note on standard error beside the output (what was done); none with `--quiet`.
    pub fn note(self, text: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
}

/// Prints a line on standard output; a closed pipe (`inlet status | head`) is not a crash.
pub fn say(text: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}
