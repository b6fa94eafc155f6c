//! `inlet completions <shell>` and `inlet manpage`: generated from the command line's definition,
//! written whole to standard output (a closed pipe, `inlet manpage | head`, is not an error).

use std::io::Write;

use inlet_core::CoreError;

use crate::args::Cli;

/// The shell completions of `inlet`.
pub fn completions(shell: clap_complete::Shell) {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut command, "inlet", &mut text);
    let _ = std::io::stdout().lock().write_all(&text);
}

/// The manual page of `inlet` (roff).
pub fn manpage() -> Result<(), CoreError> {
    let command = <Cli as clap::CommandFactory>::command();
    let mut text = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut text)
        .map_err(|e| CoreError::serialization("the manual page", e))?;
    let _ = std::io::stdout().lock().write_all(&text);
    Ok(())
}
