//! Opening the person's browser on a sign-in's start page. The opener (`xdg-open` and whatever
//! it starts) runs with a cleaned environment: only what a desktop session needs to show a
//! window passes — never `LD_PRELOAD`, `LD_LIBRARY_PATH` or the like, which would run code of
//! someone else's choosing as the person, nor Inlet's own settings and secrets.

use std::process::{Command, Stdio};

/// Variables the opener may see: where programs are, who and where the person is, their
/// display and session bus, language and the browser they chose.
const PASSED: [&str; 14] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "DBUS_SESSION_BUS_ADDRESS",
    "DESKTOP_SESSION",
    "BROWSER",
    "LANG",
    "LANGUAGE",
    "TZ",
    "KDE_FULL_SESSION",
];

/// Prefixes of variables the opener may see: the freedesktop base directories and session
/// facts (`XDG_*`), locale categories (`LC_*`).
const PASSED_PREFIXES: [&str; 2] = ["XDG_", "LC_"];

/// Whether a variable of the environment reaches the opener.
pub fn passes_to_opener(name: &str) -> bool {
    PASSED.contains(&name) || PASSED_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Opens `url` in the person's browser, trying the platform's openers in turn (as the `open`
/// crate lists them), each with the cleaned environment and in a process group of its own (a
/// Ctrl-C in the terminal does not close the browser). Answers why none could start.
pub fn open_in_browser(url: &str) -> Result<(), String> {
    let mut failures = Vec::new();
    for mut command in open::commands(url) {
        clean(&mut command);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match command.spawn() {
            Ok(mut child) => {
                // Reaped when it exits (the opener hands the URL on and ends).
                std::thread::spawn(move || child.wait());
                return Ok(());
            }
            Err(e) => failures.push(format!("{}: {e}", command.get_program().to_string_lossy())),
        }
    }
    Err(if failures.is_empty() {
        "this system has no way to open a browser".into()
    } else {
        failures.join("; ")
    })
}

#[cfg(unix)]
fn clean(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.env_clear();
    command
        .envs(std::env::vars_os().filter(|(name, _)| name.to_str().is_some_and(passes_to_opener)));
    command.process_group(0);
}

#[cfg(not(unix))]
fn clean(_command: &mut Command) {
    // Windows and macOS openers are system services started by name; the environment is the
    // person's own and nothing of a `.env` is in it.
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_variables_and_inlets_own_settings_never_reach_the_opener() {
        for kept in [
            "PATH",
            "DISPLAY",
            "XDG_RUNTIME_DIR",
            "LC_ALL",
            "DBUS_SESSION_BUS_ADDRESS",
        ] {
            assert!(passes_to_opener(kept), "{kept}");
        }
        for dropped in [
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "LD_AUDIT",
            "HUBSPOT_CLIENT_SECRET",
            "INLET_HUBSPOT_TOKEN_URL",
            "PYTHONPATH",
            "GIO_EXTRA_MODULES",
            "GTK_MODULES",
        ] {
            assert!(!passes_to_opener(dropped), "{dropped}");
        }
    }
}
