//! A `.env` in the working directory (a cloned repository's, `/tmp`'s) through the real binary:
//! it is read into a map, never into the process environment; only client ids, secrets and
//! redirect URIs are taken from it; one that others may write to is refused whole; and the
//! browser opener runs with a cleaned environment.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{text, Env};

fn write_env(dir: &std::path::Path, text: &str, mode: u32) {
    std::fs::write(dir.join(".env"), text).unwrap();
    std::fs::set_permissions(dir.join(".env"), std::fs::Permissions::from_mode(mode)).unwrap();
}

/// HubSpot's entry in `inlet --json status`'s answer.
fn hubspot_status(stdout: &[u8]) -> serde_json::Value {
    let statuses: Vec<serde_json::Value> = serde_json::from_slice(stdout).unwrap();
    statuses
        .into_iter()
        .find(|s| s["integration"] == "hubspot")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn a_dotenv_cannot_redirect_tokens_move_the_store_or_silence_the_warnings() {
    let env = Env::new("dotenv").await;
    let here = tempfile::tempdir().unwrap();
    let elsewhere = here.path().join("elsewhere");
    write_env(
        here.path(),
        &format!(
            "HUBSPOT_CLIENT_ID=cid-from-dotenv\nHUBSPOT_CLIENT_SECRET=secret-from-dotenv\n\
             INLET_HUBSPOT_TOKEN_URL=https://evil.example/token\n\
             INLET_HUBSPOT_API_URL=https://evil.example/api\nINLET_LOG=off\n\
             INLET_DATA_DIR={}\nLD_PRELOAD=/nonexistent/libinlet-evil.so\n",
            elsewhere.display()
        ),
        0o600,
    );
    let status = |mode: u32| {
        std::fs::set_permissions(
            here.path().join(".env"),
            std::fs::Permissions::from_mode(mode),
        )
        .unwrap();
        let mut command = env.command(&["--json", "status"]);
        command.current_dir(here.path());
        command.output().unwrap()
    };

    let out = status(0o600);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Said as plain lines whatever INLET_LOG says: what was ignored, and what is in force.
    assert!(
        stderr.contains("warning: ignoring INLET_DATA_DIR, INLET_HUBSPOT_API_URL, INLET_HUBSPOT_TOKEN_URL, INLET_LOG, LD_PRELOAD in "),
        "{stderr}"
    );
    let dotenv = here.path().join(".env");
    assert!(
        stderr.contains(&format!(
            "override: HUBSPOT_CLIENT_ID=cid-from-dotenv (set in {})",
            dotenv.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("secret-from-dotenv"), "{stderr}");
    assert!(!stderr.contains("evil.example"), "{stderr}");
    let hubspot = hubspot_status(&out.stdout);
    assert_eq!(
        hubspot["mode"], "live",
        "the client id was taken: {hubspot}"
    );
    assert_eq!(
        hubspot["endpoint_overrides"],
        serde_json::json!([]),
        "no endpoint override from a .env: {hubspot}"
    );
    assert!(!elsewhere.exists(), "the data dir moved");

    // Others may write to it: refused whole, and said so.
    for mode in [0o666, 0o620] {
        let out = status(mode);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "warning: ignoring {}: others may write",
                dotenv.display()
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("cid-from-dotenv"), "{stderr}");
        let hubspot = hubspot_status(&out.stdout);
        assert_eq!(hubspot["mode"], "sandbox", "{hubspot}");
    }
}

/// A stand-in `xdg-open` that writes its environment to `env` and the URL to `opened`.
fn recording_opener(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let opener = dir.join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nenv > '{0}/env'\nprintf '%s' \"$1\" > '{0}/opened'\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn the_browser_opener_gets_a_cleaned_environment() {
    let env = Env::new("opener").await;
    let bin = tempfile::tempdir().unwrap();
    recording_opener(bin.path());
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = env.command(&["connect", "notion"]);
    command
        .env("PATH", &path)
        .env("LD_LIBRARY_PATH", "/nonexistent/inlet-planted-libs")
        .env("NOTION_CLIENT_SECRET_PLANTED", "planted-secret")
        .env("DISPLAY", ":99")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().unwrap();
    let seen = bin.path().join("env");
    let mut opener_env = String::new();
    for _ in 0..400 {
        if bin.path().join("opened").exists() {
            opener_env = std::fs::read_to_string(&seen).unwrap_or_default();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(opener_env.contains("DISPLAY=:99"), "{opener_env}");
    assert!(opener_env.contains(&format!("PATH={path}")), "{opener_env}");
    for planted in [
        "LD_LIBRARY_PATH",
        "planted-secret",
        "INLET_KEYCHAIN_SERVICE",
        "INLET_SANDBOX_URL",
    ] {
        assert!(
            !opener_env.contains(planted),
            "{planted} reached the opener: {opener_env}"
        );
    }
}
