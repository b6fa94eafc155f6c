//! `inlet schedule` end to end: the systemd user units it writes pass `systemd-analyze verify`,
//! it tells the user's systemd (a stand-in `systemctl` first on `PATH` notes what it is asked),
//! the command the service runs syncs for real against the sandbox, shows its digest to a
//! notification service this test runs on the private session bus, and its run shows in
//! `inlet schedule`; `off` removes the units. Run by `make test` inside a private Secret
//! Service session (ignored by plain `cargo test`).

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{cli_connect, text, Env};

/// A `systemctl` that notes its arguments in `log` and says the timer runs next on 2030-01-01.
fn fake_systemctl(bin: &Path, log: &Path) {
    std::fs::create_dir_all(bin).unwrap();
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{}'\ncase \"$*\" in *show*) echo @1893456000 ;; esac\n",
        log.display()
    );
    let path = bin.join("systemctl");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The notifications shown: (app name, summary, body, urgency hint).
type Shown = Arc<Mutex<Vec<(String, String, String, Option<u8>)>>>;

/// A freedesktop notification service (the Notifications spec's methods) that keeps what it
/// is asked to show.
struct Notifications(Shown);

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        hints: HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let urgency = hints.get("urgency").and_then(|v| u8::try_from(v).ok());
        let mut shown = self.0.lock().unwrap();
        shown.push((app_name, summary, body, urgency));
        shown.len() as u32
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "inlet-test".into(),
            "inlet".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

/// A systemd word of a unit file, unquoted (`"…"`, `\"`, `\\`, `%%`).
fn unquoted(word: &str) -> String {
    let inner = word.trim_matches('"');
    inner
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
        .replace("%%", "%")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn a_schedule_installs_units_that_verify_and_run_a_sync() {
    let mut env = Env::new("schedule").await;
    let (bin, log, config) = (
        env.scratch().join("bin"),
        env.scratch().join("systemctl.log"),
        env.scratch().join("config"),
    );
    fake_systemctl(&bin, &log);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    env.set("PATH", &path);
    env.set("XDG_CONFIG_HOME", config.to_str().unwrap());
    cli_connect(&env, "hubspot").await;
    assert!(env
        .run(&["load", "hubspot", "--quiet"])
        .await
        .status
        .success());

    let off = env.run(&["schedule"]).await;
    assert!(off.status.success(), "{}", text(&off.stderr));
    assert_eq!(text(&off.stdout).trim(), "Keep my data up to date: off");

    let on = env.run(&["schedule", "hourly"]).await;
    assert!(on.status.success(), "{}", text(&on.stderr));
    assert!(
        text(&on.stdout).contains("hourly\nnext run: 2030-01-01 00:00 UTC"),
        "{}",
        text(&on.stdout)
    );
    let told = std::fs::read_to_string(&log).unwrap();
    assert!(
        told.contains("--user daemon-reload\n--user enable --now inlet-sync.timer\n"),
        "{told}"
    );
    let units = config.join("systemd/user");
    let (service, timer) = (
        units.join("inlet-sync.service"),
        units.join("inlet-sync.timer"),
    );
    let verify = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .args([&timer, &service])
        .output()
        .expect("systemd-analyze (apt: systemd)");
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    assert!(std::fs::read_to_string(&timer)
        .unwrap()
        .contains("OnCalendar=hourly"));

    // The service's own command, with the service's own settings only, syncs.
    let unit = std::fs::read_to_string(&service).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    let (program, args) = exec.split_once(' ').unwrap();
    let mut run = std::process::Command::new(unquoted(program));
    run.args(args.split(' '))
        .current_dir(env.scratch())
        .env_remove("INLET_DATA_DIR")
        .env_remove("INLET_KEYCHAIN_SERVICE")
        .env_remove("INLET_SANDBOX_URL");
    for setting in unit.lines().filter_map(|l| l.strip_prefix("Environment=")) {
        let (name, value) = unquoted(setting)
            .split_once('=')
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .unwrap();
        run.env(name, value);
    }
    let shown = Shown::default();
    let _service = zbus::connection::Builder::session()
        .unwrap()
        .name("org.freedesktop.Notifications")
        .unwrap()
        .serve_at(
            "/org/freedesktop/Notifications",
            Notifications(shown.clone()),
        )
        .unwrap()
        .build()
        .await
        .expect("the private session bus");
    env.sandbox.edit_data(&inlet_sandbox::DataEdit {
        renamed: 1,
        ..Default::default()
    });
    let ran = tokio::task::spawn_blocking(move || run.output().unwrap())
        .await
        .unwrap();
    assert!(ran.status.success(), "{}", text(&ran.stderr));
    let digest = (
        "Inlet".to_owned(),
        "Inlet: your data changed".to_owned(),
        "HubSpot: 1 changed".to_owned(),
        Some(1),
    );
    assert_eq!(shown.lock().unwrap().as_slice(), [digest]);
    // Nothing changed since: quiet. Turned off: quiet whatever changed.
    let again = env.run(&["sync", "--all", "--notify"]).await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    let off = env.run(&["schedule", "--notify", "off"]).await;
    assert!(off.status.success(), "{}", text(&off.stderr));
    env.sandbox.edit_data(&inlet_sandbox::DataEdit {
        renamed: 1,
        ..Default::default()
    });
    let quiet = env.run(&["sync", "--all", "--notify"]).await;
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    assert_eq!(
        shown.lock().unwrap().len(),
        1,
        "none when nothing changed, or when off"
    );
    let status = env.run(&["schedule", "--json"]).await;
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["frequency"], "hourly");
    assert_eq!(status["last_run"]["ok"], true);
    assert_eq!(
        status["last_run"]["summary"],
        "HubSpot: 0 new, 1 changed, 0 gone"
    );
    assert_eq!(status["notify"], false);

    let removed = env.run(&["schedule", "off"]).await;
    assert!(removed.status.success(), "{}", text(&removed.stderr));
    assert!(!timer.exists() && !service.exists());
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("--user disable --now inlet-sync.timer\n"));
}
