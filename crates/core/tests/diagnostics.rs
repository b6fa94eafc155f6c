//! "Copy diagnostics" carries what a bug report needs and no secret: every provider connected
//! and loaded with every log line kept at `trace`, and the report built from those lines holds
//! none of the codes, verifiers, tokens or client secret the sandbox issued or saw.

// Test support: a helper that fails should stop the test at its line.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use inlet_core::services::SetupInput;
use inlet_core::{Integration, Secret};
use inlet_sandbox::Knobs;

/// Log lines, kept as the app's file writer would write them.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_says_what_is_set_up_and_never_a_secret() {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global: the load's tasks run on the runtime's worker threads (this binary has one test).
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let sandbox = sandbox(Knobs::default()).await;
    let inlet = inlet(&sandbox).await;
    for integration in Integration::ALL {
        connect_to(&inlet, integration).await.0.unwrap();
        load(&inlet, integration).await.unwrap();
    }
    let log = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let mut log_lines: Vec<String> = log.lines().map(str::to_owned).collect();
    assert!(log_lines.len() > 20, "the trace log was captured");
    // Accounts are logged by id, never by their names (a workspace, a portal domain).
    for integration in Integration::ALL {
        let account = inlet
            .connections
            .credentials(integration)
            .await
            .unwrap()
            .unwrap()
            .account;
        if account.label != account.id {
            assert!(
                !log.contains(&account.label),
                "{} in the log",
                account.label
            );
        }
    }
    // A line as a provider's text could make one: an e-mail, a newline, an escape sequence.
    log_lines
        .push("account jane.doe@example.com\n2026-12-05T00:00:00Z ERROR forged\u{1b}[2J".into());
    // A client secret saved in Settings: the report says it is set, never what it is.
    let planted = "planted-client-secret-0123456789";
    inlet
        .connections
        .save_provider_setup(
            Integration::Notion,
            SetupInput {
                client_id: "my-notion-client".into(),
                client_secret: Some(Secret::new(planted)),
                redirect_uri: None,
            },
        )
        .await
        .unwrap();
    let facts = vec![("WebKitGTK".to_owned(), "2.48.0".to_owned())];
    let report = inlet.diagnostics(facts, &log_lines).await.unwrap();

    for expected in [
        "Inlet core: ",
        "WebKitGTK: 2.48.0",
        "OS: ",
        "HubSpot: connected (1 accounts)",
        "client id my-notion-client; client secret set",
        "Item store: ",
        "log lines:",
    ] {
        assert!(report.contains(expected), "{expected} in\n{report}");
    }
    assert!(!report.contains(planted));
    assert!(!report.contains("jane.doe@example.com"), "{report}");
    assert!(report.contains("account <e-mail>\\n2026-12-05T00:00:00Z ERROR forged\\u{1b}[2J"));
    assert!(!report
        .lines()
        .any(|l| l.starts_with("2026-12-05T00:00:00Z ERROR forged")));
    let secrets = sandbox.secrets();
    assert!(secrets.len() > 6, "{} secrets issued", secrets.len());
    for secret in &secrets {
        assert!(!report.contains(secret.as_str()), "a secret in the report");
    }
    // The check itself finds a planted one.
    let with_one = format!("{report}{}", secrets[0]);
    assert!(secrets.iter().any(|s| with_one.contains(s.as_str())));
}
