//! What the `inlet` binary says of itself without touching an account: its exit codes in
//! `--help`, shell completions and a manual page generated from its commands, and errors as
//! one JSON object with `--json`.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn inlet(args: &[&str]) -> std::process::Output {
    let scratch = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_inlet"))
        .args(args)
        .env("INLET_KEYCHAIN_SERVICE", "dev.inlet.cli-test.help")
        .env("INLET_DATA_DIR", scratch.path().join("data"))
        .current_dir(scratch.path())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_documents_the_exit_codes() {
    let help = text(&inlet(&["--help"]).stdout);
    for line in [
        "0    done",
        "2    the command line",
        "3    a load finished partial",
        "130  interrupted",
    ] {
        assert!(help.contains(line), "{line} in {help}");
    }
    assert!(
        help.contains("--quiet") && help.contains("--json"),
        "{help}"
    );
}

#[test]
fn completions_and_the_manual_page_cover_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let out = inlet(&["completions", shell]);
        assert!(out.status.success());
        let script = text(&out.stdout);
        for command in [
            "connect",
            "status",
            "load",
            "items",
            "workbook",
            "disconnect",
        ] {
            assert!(script.contains(command), "{shell}: {command}");
        }
    }
    let man = inlet(&["manpage"]);
    assert!(man.status.success());
    let page = text(&man.stdout);
    assert!(page.contains(".TH inlet 1"), "{page}");
    assert!(page.contains("130"), "the exit codes are in the manual too");
    let refused = inlet(&["completions", "tcsh"]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a usage error is exit code 2"
    );
}

#[test]
fn json_errors_are_one_object_in_the_error_shape() {
    let out = inlet(&["--json", "load", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    let last = text(&out.stderr)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    let body: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(body["error"], "unknown_integration");
    assert!(body["message"].as_str().unwrap().contains("nosuch"));
    assert_eq!(body["details"]["given"], "nosuch");
}

/// Log lines on a pipe or in a file are plain text: no ANSI colour codes (nor with `NO_COLOR`).
#[test]
fn log_lines_carry_no_colour_codes_when_not_on_a_terminal() {
    for no_color in [None, Some("1")] {
        let scratch = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_inlet"));
        command
            .args(["status"])
            .env("INLET_KEYCHAIN_SERVICE", "dev.inlet.cli-test.colour")
            .env("INLET_DATA_DIR", scratch.path().join("data"))
            .current_dir(scratch.path())
            .env("INLET_LOG", "trace")
            // No Secret Service: the start logs a warning, whatever this machine has.
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/inlet-bus",
            );
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let out = command.output().unwrap();
        let stderr = text(&out.stderr);
        assert!(stderr.contains("WARN"), "a log line was written: {stderr}");
        assert!(
            !stderr.contains('\u{1b}'),
            "colour codes on a pipe: {stderr:?}"
        );
    }
}
