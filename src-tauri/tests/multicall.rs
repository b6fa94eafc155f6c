//! The package installs one binary: `/usr/bin/inlet` is a link to `inlet-desktop`, which runs
//! the command line when called by that name. Any other name starts the app.

use std::process::Command;

#[test]
fn the_app_binary_named_inlet_is_the_command_line() {
    let dir = std::env::temp_dir().join(format!("inlet-multicall-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("inlet");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_inlet-desktop"), &link).unwrap();

    let version = Command::new(&link).arg("--version").output().unwrap();
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("inlet {}", env!("CARGO_PKG_VERSION"))
    );

    // A wrong argument is the CLI's usage error (exit code 2), not a window.
    let wrong = Command::new(&link).arg("--no-such-flag").output().unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("Usage: inlet"));

    // Generated from the same clap definition as the `inlet` binary's.
    let manual = Command::new(&link).arg("manpage").output().unwrap();
    assert!(String::from_utf8_lossy(&manual.stdout).contains(".TH inlet 1"));
    let _ = std::fs::remove_dir_all(&dir);
}
