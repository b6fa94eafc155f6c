//! No secret leaks: every provider is connected, refreshed and loaded with `RUST_LOG=trace`,
//! its items stored and exported, and then no access token, refresh token, authorization code,
//! PKCE verifier or client secret that the sandbox issued or received may appear in any log,
//! stdout, stderr, store file or export. Run by `make test` inside a private Secret Service
//! session.

mod common;

use common::{cli_connect, text, Env};
use inlet_sandbox::{DatasetSize, SandboxConfig};

/// Every file under `dir`, as bytes (the store's SQLite files and their WAL, the lock files).
fn files_under(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path.display().to_string(), bytes));
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a Secret Service: run through `make test`"]
async fn no_secret_reaches_logs_output_store_or_exports() {
    let size = DatasetSize {
        contacts: 8,
        companies: 3,
        deals: 3,
        airtable_bases: 1,
        airtable_records: 4,
        notion_pages: 5,
        ..DatasetSize::default()
    };
    let mut env = Env::with(
        "leak",
        SandboxConfig {
            size,
            ..SandboxConfig::default()
        },
    )
    .await;
    env.set("RUST_LOG", "trace");
    let exports = env.data_dir.with_extension("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let mut seen: Vec<(String, Vec<u8>)> = Vec::new();
    for integration in ["hubspot", "notion", "airtable"] {
        let connected = cli_connect(&env, integration).await;
        seen.push((
            format!("connect {integration} stdout"),
            connected.lines.join("\n").into(),
        ));
        seen.push((
            format!("connect {integration} stderr"),
            connected.stderr.into(),
        ));
        seen.push((format!("connect {integration} page"), connected.page.into()));
        // Every access token expires: the load refreshes (rotating where the provider does).
        env.sandbox.expire_access_tokens();
        let refreshes = env.sandbox.refresh_count();
        let out = env.run(&["load", integration, "--format", "json"]).await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            env.sandbox.refresh_count(),
            refreshes + 1,
            "{integration} refreshed"
        );
        seen.push((format!("load {integration} stdout"), out.stdout));
        seen.push((format!("load {integration} stderr"), out.stderr));
    }
    for format in ["csv", "json", "ndjson", "xlsx"] {
        let path = exports.join(format!("all.{format}"));
        let out = env
            .run(&[
                "items",
                "--format",
                format,
                "--output",
                path.to_str().unwrap(),
            ])
            .await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        seen.push((format!("items {format} stderr"), out.stderr));
    }
    let status = env.run(&["status", "--json"]).await;
    seen.push(("status".into(), status.stdout));
    files_under(&env.data_dir, &mut seen);
    files_under(&exports, &mut seen);

    // The check is not vacuous: trace logs were written, the store and every export exist, and
    // the sandbox handed out codes, verifiers and (rotated) token pairs.
    let logs: usize = seen
        .iter()
        .filter(|(what, _)| what.ends_with("stderr"))
        .map(|(_, b)| b.len())
        .sum();
    assert!(logs > 10_000, "trace logs were written ({logs} bytes)");
    assert!(seen.iter().any(|(p, _)| p.ends_with("items.sqlite3")));
    assert!(seen.iter().filter(|(p, _)| p.contains("all.")).count() == 4);
    let secrets = env.sandbox.secrets();
    // Per provider a code, two token pairs (issued, refreshed) and a verifier; and the secret.
    assert!(secrets.len() > 3 * 5, "{} secrets", secrets.len());

    for secret in &secrets {
        for (what, bytes) in &seen {
            assert!(
                !contains(bytes, secret),
                "a secret ({}…) appears in {what}",
                &secret[..secret.len().min(8)]
            );
        }
    }
    let _ = std::fs::remove_dir_all(&exports);
}
