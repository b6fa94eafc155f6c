//! What the CLI's end-to-end tests share: a sandbox, a private keychain namespace and data dir
//! per test, the `inlet` binary run in them, and a browser that consents.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use inlet_sandbox::{Sandbox, SandboxConfig};

#[path = "../../../core/tests/common/portal.rs"]
pub mod portal;

pub struct Env {
    pub sandbox: Sandbox,
    pub service: String,
    pub data_dir: std::path::PathBuf,
    /// A private folder of this test's own, removed with it: the data dir, the working folder
    /// (no stray `.env` of the machine's is read) and any file a test writes beside them.
    scratch: tempfile::TempDir,
    /// More variables for every command (live client settings, overrides).
    pub vars: Vec<(String, String)>,
}

impl Env {
    pub async fn new(test: &str) -> Self {
        Self::with(test, SandboxConfig::default()).await
    }

    pub async fn with(test: &str, config: SandboxConfig) -> Self {
        let sandbox = Sandbox::start(config).await.unwrap();
        let name = format!("{test}.{}", std::process::id());
        let scratch = tempfile::Builder::new()
            .prefix("inlet-cli-")
            .tempdir()
            .unwrap();
        let data_dir = scratch.path().join("data");
        std::fs::create_dir(scratch.path().join("cwd")).unwrap();
        Self {
            sandbox,
            service: format!("dev.inlet.cli-test.{name}"),
            data_dir,
            scratch,
            vars: Vec::new(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_inlet"));
        command
            .args(args)
            .env_remove("HUBSPOT_CLIENT_ID")
            .env("INLET_SANDBOX_URL", self.sandbox.base_url())
            .env("INLET_REDIRECT_URI", "http://127.0.0.1:0/oauth/callback")
            .env("INLET_KEYCHAIN_SERVICE", &self.service)
            .env("INLET_DATA_DIR", &self.data_dir)
            .current_dir(self.scratch.path().join("cwd"));
        command.envs(self.vars.iter().map(|(k, v)| (k, v)));
        command
    }

    /// This test's private folder.
    pub fn scratch(&self) -> &std::path::Path {
        self.scratch.path()
    }

    /// Sets `name` for every later command (replacing an earlier value).
    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.retain(|(k, _)| k != name);
        self.vars.push((name.to_owned(), value.to_owned()));
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        let mut command = self.command(args);
        tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap()
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Standard error without the announcements of the overrides the tests set themselves (their
/// `INLET_REDIRECT_URI`, said on every run as any override is).
pub fn errors(bytes: &[u8]) -> String {
    let all = text(bytes);
    assert!(
        all.contains("override: INLET_REDIRECT_URI=http://127.0.0.1:0/oauth/callback (set in the environment)"),
        "the override in force is announced: {all}"
    );
    all.lines()
        .filter(|line| !line.starts_with("override: "))
        .map(|line| format!("{line}\n"))
        .collect()
}
/// What `inlet connect` showed: the loopback callback the browser followed, the page the
/// listener answered, and the lines the CLI printed after the URL.
pub struct Connected {
    pub callback: String,
    pub page: String,
    pub lines: Vec<String>,
    pub stderr: String,
}

/// Connects `integration` with the CLI, playing the browser: the sandbox consents at once and
/// redirects to the CLI's loopback listener.
pub async fn cli_connect(env: &Env, integration: &str) -> Connected {
    let mut child = env
        .command(&["connect", integration, "--no-browser"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (url_tx, url_rx) = tokio::sync::oneshot::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        let _ = url_tx.send(
            lines
                .find(|l| l.starts_with("http://"))
                .expect("the authorization URL is printed"),
        );
        lines.collect::<Vec<_>>()
    });
    let url = url_rx.await.unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = client.get(&url).send().await.unwrap();
    let callback = consent.headers()["location"].to_str().unwrap().to_owned();
    // A stray callback first (another tab's, a probe): refused, and the CLI keeps waiting.
    let mut stray = url::Url::parse(&callback).unwrap();
    let kept: Vec<(String, String)> = stray
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "state" {
                "not-this-one".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), value)
        })
        .collect();
    stray.query_pairs_mut().clear().extend_pairs(kept);
    let refused = client.get(stray.as_str()).send().await.unwrap();
    assert!(!refused.text().await.unwrap().contains("is now connected"));
    let page = client
        .get(&callback)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let lines = reader.join().unwrap();
    assert!(
        output.status.success(),
        "connect {integration}: {} / {page}",
        text(&output.stderr)
    );
    assert!(
        text(&output.stderr).contains("still waiting for the browser"),
        "the terminal hears of the refused callback: {}",
        text(&output.stderr)
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("connected {integration} as "))),
        "{lines:?}"
    );
    Connected {
        callback,
        page,
        lines,
        stderr: text(&output.stderr),
    }
}
