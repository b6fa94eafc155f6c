//! "Copy diagnostics": what a bug report needs — versions, the platform, each provider's
//! settings and connection state, the item store, the last log lines — as plain text.
//!
//! No token can be in it by construction: it is written only from types that hold none
//! ([`ProviderSetup`] says *whether* a client secret is set, never the secret;
//! [`IntegrationStatus`] has no token field), and from log lines, which never carry one
//! (`Secret` redacts itself wherever it is formatted; the leak tests check the logs at `trace`).
//! Account names and e-mails are left out too: a report is meant to be pasted in public. Inlet
//! logs accounts by id; every log line is still passed through [`for_report`], which escapes
//! control characters (a name with a newline cannot forge lines) and replaces anything shaped
//! like an e-mail address.

use std::fmt::Write;

use super::Inlet;
use crate::error::Result;

/// Facts only the caller knows (the app's shell: its version, the WebKitGTK it runs on).
pub type Facts = Vec<(String, String)>;

impl Inlet {
    /// The diagnostics report: `facts` first, then the platform, every provider's settings and
    /// state, the item store, and `log_lines` (the newest last).
    pub async fn diagnostics(&self, facts: Facts, log_lines: &[String]) -> Result<String> {
        let mut report = String::new();
        let mut line = |key: &str, value: &str| {
            let _ = writeln!(report, "{key}: {value}");
        };
        line("Inlet core", env!("CARGO_PKG_VERSION"));
        for (key, value) in &facts {
            line(key, value);
        }
        line(
            "OS",
            &format!(
                "{} ({} {})",
                os_name(),
                std::env::consts::OS,
                std::env::consts::ARCH
            ),
        );
        let setups = self.connections.provider_setups().await?;
        let statuses = self.connections.integrations().await?;
        for setup in &setups {
            let status = statuses.iter().find(|s| s.integration == setup.integration);
            let state = match status {
                Some(s) if s.reconnect_needed => "reconnect needed".to_owned(),
                Some(s) if s.connected => format!("connected ({} accounts)", s.accounts.len()),
                _ => "not connected".to_owned(),
            };
            let overrides = status
                .map(|s| s.endpoint_overrides.join(", "))
                .filter(|o| !o.is_empty())
                .unwrap_or_else(|| "none".into());
            line(
                &setup.name,
                &format!(
                    "{state}; mode {:?}; settings from {:?}; client id {}; client secret {}; redirect {}; transport {:?}; endpoint overrides {overrides}",
                    setup.mode,
                    setup.source,
                    setup.client_id.as_deref().unwrap_or("none"),
                    if setup.has_client_secret { "set" } else { "not set" },
                    setup.redirect_uri,
                    setup.transport,
                ),
            );
        }
        let store = self.library.store().map_or_else(
            || "none (items are not kept)".to_owned(),
            |s| s.path().display().to_string(),
        );
        line("Item store", &store);
        let _ = writeln!(report, "\nLast {} log lines:", log_lines.len());
        for log in log_lines {
            let _ = writeln!(report, "{}", for_report(log));
        }
        Ok(report)
    }
}

/// One line as a report may carry it: control characters escaped (`\n`, `\u{1b}`, …) and every
/// e-mail-like word (`local@domain.tld`) replaced by `<e-mail>`.
pub fn for_report(line: &str) -> String {
    let escaped = crate::log_lines::escape_controls(line, false);
    let mut out = String::with_capacity(escaped.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if looks_like_email(word) {
            out.push_str("<e-mail>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in escaped.chars() {
        if c.is_alphanumeric() || "._%+-@".contains(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// `local@domain.tld`: something before the `@`, and a dot inside what follows it.
fn looks_like_email(word: &str) -> bool {
    let Some((local, domain)) = word.split_once('@') else {
        return false;
    };
    let domain = domain.trim_end_matches('.');
    !local.trim_matches('.').is_empty()
        && domain
            .split_once('.')
            .is_some_and(|(host, tld)| !host.is_empty() && !tld.is_empty())
}

/// The distribution's name (`PRETTY_NAME` of os-release), or the OS family.
fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned())
}

#[cfg(test)]
mod tests {
    use super::for_report;

    #[test]
    fn report_lines_carry_no_e_mail_and_no_control_character() {
        assert_eq!(
            for_report("connected account=jane.doe+inlet@example.co.uk (Jane)"),
            "connected account=<e-mail> (Jane)"
        );
        assert_eq!(
            for_report("user@localhost and a@b"),
            "user@localhost and a@b"
        );
        assert_eq!(
            for_report("workspace Acme\n2026-12-05 ERROR forged line\u{1b}[31m"),
            "workspace Acme\\n2026-12-05 ERROR forged line\\u{1b}[31m"
        );
        assert_eq!(for_report("plain line: 42 items"), "plain line: 42 items");
    }
}
