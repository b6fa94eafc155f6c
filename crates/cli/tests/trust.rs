//! Trust, through the `inlet` binary and the real keychain: a connection's tokens go only where
//! they were issued, and two processes refreshing one rotating connection at once both end
//! with a working pair. Run by `make test` inside a private Secret Service session.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::{cli_connect, text, Env};
use inlet_core::config::{sandbox_settings, SandboxEndpoint};
use inlet_core::{Integration, Secret};
use inlet_sandbox::{DatasetSize, SandboxConfig};

/// A sandbox with a handful of items: these tests are about tokens, not volume.
async fn small(test: &str) -> Env {
    let size = DatasetSize {
        contacts: 5,
        companies: 2,
        deals: 2,
        airtable_bases: 1,
        airtable_records: 3,
        notion_pages: 3,
        ..DatasetSize::default()
    };
    Env::with(
        test,
        SandboxConfig {
            size,
            ..SandboxConfig::default()
        },
    )
    .await
}

/// Points `integration` at the sandbox as a *live* provider (client id, secret and the three
/// endpoints given as overrides), the way a person's own client would be set up.
fn live_on_sandbox(env: &mut Env, integration: Integration) {
    let endpoint = SandboxEndpoint {
        base: url::Url::parse(&env.sandbox.base_url()).unwrap(),
        client_id: inlet_sandbox::CLIENT_ID.into(),
        client_secret: Secret::new(inlet_sandbox::CLIENT_SECRET),
    };
    let redirect = url::Url::parse("http://127.0.0.1:0/oauth/callback").unwrap();
    let settings = sandbox_settings(integration, &endpoint, redirect);
    let stem = integration.env_stem();
    env.set(&format!("{stem}_CLIENT_ID"), inlet_sandbox::CLIENT_ID);
    env.set(
        &format!("{stem}_CLIENT_SECRET"),
        inlet_sandbox::CLIENT_SECRET,
    );
    env.set(
        &format!("INLET_{stem}_AUTH_URL"),
        settings.auth_url.as_str(),
    );
    env.set(
        &format!("INLET_{stem}_TOKEN_URL"),
        settings.token_url.as_str(),
    );
    env.set(&format!("INLET_{stem}_API_URL"), settings.api_base.as_str());
}

/// A loopback listener standing for an attacker's server: it counts every connection made to it.
fn trap() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, hits)
}

/// Runs `args` with one more variable set.
async fn run_with(env: &Env, args: &[&str], name: &str, value: &str) -> std::process::Output {
    let mut command = env.command(args);
    command.env(name, value);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn a_stored_connection_sends_its_tokens_only_where_they_were_issued() {
    let mut env = small("issuer").await;
    live_on_sandbox(&mut env, Integration::Hubspot);
    cli_connect(&env, "hubspot").await;
    let load = env.run(&["load", "hubspot", "--format", "ndjson"]).await;
    assert!(load.status.success(), "{}", text(&load.stderr));

    // A `.env` (or anything else) now points the API, then the token endpoint, elsewhere.
    for name in ["INLET_HUBSPOT_API_URL", "INLET_HUBSPOT_TOKEN_URL"] {
        let (evil, hits) = trap();
        env.sandbox.expire_access_tokens(); // so a refresh would be tried too
        let load = run_with(&env, &["load", "hubspot"], name, &evil).await;
        let stderr = text(&load.stderr);
        assert!(!load.status.success(), "{name}: {stderr}");
        assert!(
            stderr.contains("[connection_issuer_mismatch]"),
            "{name}: {stderr}"
        );
        assert!(stderr.contains("Connect again"), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name} points HubSpot at {evil}")),
            "the override is announced: {stderr}"
        );
        assert_eq!(hits.load(Ordering::SeqCst), 0, "{name}: nothing reached it");
        let status = run_with(&env, &["status"], name, &evil).await;
        assert!(
            text(&status.stdout).contains("reconnect needed"),
            "{}",
            text(&status.stdout)
        );
    }

    // The settings that issued the tokens still work: nothing was marked or lost.
    let load = env.run(&["load", "hubspot", "--format", "ndjson"]).await;
    assert!(load.status.success(), "{}", text(&load.stderr));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn two_processes_refreshing_one_rotating_connection_both_succeed() {
    let env = small("refresh-race").await;
    cli_connect(&env, "airtable").await;
    for round in 0..3 {
        env.sandbox.expire_access_tokens();
        let before = env.sandbox.refresh_count();
        let (one, two) = tokio::join!(
            env.run(&["load", "airtable", "--format", "ndjson"]),
            env.run(&["load", "airtable", "--format", "ndjson"])
        );
        for (n, out) in [(1, &one), (2, &two)] {
            assert!(
                out.status.success(),
                "round {round}, process {n}: {}",
                text(&out.stderr)
            );
            assert!(!text(&out.stdout).is_empty());
        }
        // Airtable's refresh tokens are single use: one refresh served both processes.
        assert_eq!(env.sandbox.refresh_count(), before + 1, "round {round}");
    }
    let status = env.run(&["status"]).await;
    assert!(
        !text(&status.stdout).contains("reconnect needed"),
        "{}",
        text(&status.stdout)
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn disconnect_revokes_where_the_provider_can() {
    let env = small("revoke").await;
    let revocations = || env.sandbox.counters().revocations.load(Ordering::SeqCst);
    for (integration, name) in [("notion", "Notion"), ("hubspot", "HubSpot")] {
        cli_connect(&env, integration).await;
        let before = revocations();
        let out = env.run(&["disconnect", integration]).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&format!("revoked Inlet's access at {name}")),
            "{}",
            text(&out.stdout)
        );
        assert_eq!(
            revocations(),
            before + 1,
            "{integration}: the provider revoked it"
        );
    }
    // Airtable documents no revoke endpoint: the person is told where to do it.
    cli_connect(&env, "airtable").await;
    let out = env.run(&["disconnect", "airtable"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("note: Airtable offers apps no way to revoke"),
        "{}",
        text(&out.stderr)
    );

    // A provider that cannot be reached: the tokens are still forgotten here, with a warning.
    cli_connect(&env, "hubspot").await;
    let (unreachable, _) = trap();
    let mut command = env.command(&["disconnect", "hubspot"]);
    command.env("INLET_SANDBOX_URL", unreachable.trim_end_matches('/'));
    let out = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("warning: could not revoke Inlet's access at HubSpot"),
        "{}",
        text(&out.stderr)
    );
    let status = env.run(&["status"]).await;
    assert!(
        text(&status.stdout)
            .lines()
            .any(|l| l.starts_with("hubspot") && l.ends_with("not connected")),
        "{}",
        text(&status.stdout)
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn ctrl_c_ends_a_waiting_connect_cleanly() {
    use std::io::{BufRead, BufReader};
    let env = small("ctrl-c").await;
    let mut child = env
        .command(&["connect", "notion", "--no-browser"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("http://"))
    })
    .await
    .unwrap()
    .expect("the authorization URL is printed");
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("cancelled: Notion was not connected"),
        "{}",
        text(&out.stderr)
    );
    // The listener is gone with it: the consent's redirect finds nobody.
    let consent = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&url)
        .send()
        .await
        .unwrap();
    let callback = consent.headers()["location"].to_str().unwrap().to_owned();
    assert!(reqwest::get(&callback).await.is_err(), "nothing listens");
}

/// A stand-in `xdg-open` that writes the URL it was asked to open to `opened`.
fn recording_opener(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let opener = dir.join("xdg-open");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{}/opened'\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir.join("opened")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn the_browser_gets_a_one_time_page_never_the_state() {
    let env = small("start-page").await;
    let bin = env.data_dir.with_extension("bin");
    let opened = recording_opener(&bin);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for reuse in [false, true] {
        let _ = std::fs::remove_file(&opened);
        let mut command = env.command(&["connect", "notion"]);
        command.env("PATH", &path);
        let child = command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut url = String::new();
        for _ in 0..200 {
            url = std::fs::read_to_string(&opened).unwrap_or_default();
            if !url.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        // What reached a command line: a page on this computer, with no state or challenge.
        assert!(
            url.starts_with("http://127.0.0.1:") && url.contains("/start/"),
            "{url}"
        );
        assert!(
            !url.contains("state") && !url.contains("challenge"),
            "{url}"
        );
        let forwarded = client.get(&url).send().await.unwrap();
        assert_eq!(forwarded.status(), 303);
        let authorize = forwarded.headers()["location"].to_str().unwrap().to_owned();
        assert!(authorize.contains("state="), "{authorize}");
        if reuse {
            // Another program that read the address opens it too: the sign-in stops.
            let again = client.get(&url).send().await.unwrap();
            assert_eq!(again.status(), 410);
        } else {
            let consent = client.get(&authorize).send().await.unwrap();
            let callback = consent.headers()["location"].to_str().unwrap().to_owned();
            client.get(&callback).send().await.unwrap();
        }
        let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        if reuse {
            assert!(!out.status.success());
            assert!(
                text(&out.stderr).contains("[oauth_start_page_reused]"),
                "{}",
                text(&out.stderr)
            );
        } else {
            assert!(out.status.success(), "{}", text(&out.stderr));
        }
    }
    let _ = std::fs::remove_dir_all(&bin);
}
