//! Where Inlet's configuration comes from: the process environment, and a `.env` file read into
//! a map — never into the process environment, where it would reach every child process (an
//! `LD_PRELOAD` in a cloned repository's `.env` would run code in the browser opener).
//!
//! From a `.env` only the documented keys are taken: each provider's client id and secret and
//! the redirect URIs. What changes where tokens go or where Inlet keeps its data — endpoint
//! overrides, the data dir, the keychain namespace, the sandbox URL, the log level — comes from
//! the real environment only. A `.env` another user owns, or that others may write to, is
//! refused whole. What was refused or ignored is said on standard error by the faces (see
//! [`Environment::notices`]), whatever the log level.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::dotenv_syntax;
use super::EnvSource;
use crate::integration::Integration;
use crate::private_files::{check_owned_file, open_to_read_no_follow};

/// A `.env` larger than this is not configuration; it is refused.
const MAX_DOTENV_BYTES: u64 = 64 * 1024;

/// The keys a `.env` may set: `<P>_CLIENT_ID`, `<P>_CLIENT_SECRET`, `INLET_<P>_REDIRECT_URI`
/// for each provider, and `INLET_REDIRECT_URI`.
pub fn dotenv_keys() -> Vec<String> {
    let mut keys = vec!["INLET_REDIRECT_URI".to_owned()];
    for integration in Integration::ALL {
        let stem = integration.env_stem();
        keys.push(format!("{stem}_CLIENT_ID"));
        keys.push(format!("{stem}_CLIENT_SECRET"));
        keys.push(format!("INLET_{stem}_REDIRECT_URI"));
    }
    keys
}

/// The configuration: the process environment, with the accepted keys of one `.env` beneath it
/// (a variable set in the environment wins over the file).
#[derive(Debug, Default, Clone)]
pub struct Environment {
    dotenv: BTreeMap<String, String>,
    dotenv_path: Option<PathBuf>,
    notices: Vec<String>,
}

impl Environment {
    /// The process environment alone.
    pub fn process() -> Self {
        Self::default()
    }

    /// The process environment and `<dir>/.env`, if there is one — only there, never a parent
    /// folder's. The CLI passes its working directory, the app its config dir.
    pub fn with_dotenv_in(dir: &Path) -> Self {
        let path = dir.join(".env");
        let mut environment = Self::default();
        match read_dotenv(&path) {
            Ok(None) => {}
            Ok(Some(pairs)) => {
                let allowed = dotenv_keys();
                let mut ignored = Vec::new();
                for (key, value) in pairs {
                    if allowed.contains(&key) {
                        environment.dotenv.insert(key, value);
                    } else {
                        ignored.push(key);
                    }
                }
                if !ignored.is_empty() {
                    ignored.sort();
                    ignored.dedup();
                    environment.notices.push(format!(
                        "ignoring {} in {}: a .env may set only client ids, client secrets and redirect URIs; the rest comes from the environment",
                        ignored.join(", "),
                        path.display()
                    ));
                }
                environment.dotenv_path = Some(path);
            }
            Err(reason) => environment
                .notices
                .push(format!("ignoring {}: {reason}", path.display())),
        }
        environment
    }

    /// Lines a person must see (a refused `.env`, keys ignored in it), for standard error.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// Where the value of `name` comes from, if it is set: `"the environment"` or the `.env`'s
    /// path.
    pub fn origin(&self, name: &str) -> Option<String> {
        if process_var(name).is_some() {
            return Some("the environment".into());
        }
        let path = self.dotenv_path.as_ref()?;
        self.dotenv
            .contains_key(name)
            .then(|| path.display().to_string())
    }
}

impl Environment {
    /// Every setting in force that changes where a sign-in goes or with which client — endpoint
    /// overrides, client ids, redirect URIs — a line each with where it was set, for the faces
    /// to say on standard error whatever the log level (control characters escaped).
    pub fn overrides_in_force(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut say = |name: &str, text: String| {
            if let Some(origin) = self.origin(name) {
                lines.push(
                    format!("{text} (set in {origin})")
                        .escape_debug()
                        .to_string(),
                );
            }
        };
        for integration in Integration::ALL {
            let stem = integration.env_stem();
            for suffix in ["AUTH_URL", "TOKEN_URL", "API_URL"] {
                let name = format!("INLET_{stem}_{suffix}");
                if let Some(value) = self.var(&name) {
                    let text = format!(
                        "{name} points {} at {value} instead of its own endpoint",
                        integration.display_name()
                    );
                    say(&name, text);
                }
            }
            for name in [
                format!("{stem}_CLIENT_ID"),
                format!("INLET_{stem}_REDIRECT_URI"),
            ] {
                if let Some(value) = self.var(&name) {
                    say(&name, format!("{name}={value}"));
                }
            }
        }
        if let Some(value) = self.var("INLET_REDIRECT_URI") {
            say("INLET_REDIRECT_URI", format!("INLET_REDIRECT_URI={value}"));
        }
        lines
    }
}

fn process_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl EnvSource for Environment {
    fn var(&self, name: &str) -> Option<String> {
        process_var(name).or_else(|| {
            self.dotenv
                .get(name)
                .filter(|v| !v.trim().is_empty())
                .cloned()
        })
    }
}

/// The pairs of the `.env` at `path` (`None` when there is none), or why it was refused.
fn read_dotenv(path: &Path) -> Result<Option<Vec<(String, String)>>, String> {
    // Without following a link, and without waiting on a FIFO: the check below refuses both.
    let mut file = match open_to_read_no_follow(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            #[cfg(unix)]
            if e.raw_os_error() == Some(libc::ELOOP) {
                return Err("it is a symbolic link".into());
            }
            return Err(format!("it cannot be read ({e})"));
        }
    };
    // Checked on the file opened, not on the name: it cannot be swapped in between.
    check_owned_file(path, &file).map_err(|e| match e {
        crate::CoreError::UnsafeFile { reason, .. } => reason,
        other => other.to_string(),
    })?;
    let mut text = String::new();
    (&mut file)
        .take(MAX_DOTENV_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("it cannot be read ({e})"))?;
    if text.len() as u64 > MAX_DOTENV_BYTES {
        return Err(format!("it is larger than {} KiB", MAX_DOTENV_BYTES / 1024));
    }
    // The values stay in this map; an error names the line, never its text (a secret).
    dotenv_syntax::parse(&text)
        .map(Some)
        .map_err(|line| format!("line {line} is not KEY=value"))
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write_env(dir: &Path, text: &str, mode: u32) {
        let path = dir.join(".env");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn only_documented_keys_are_taken_and_nothing_reaches_the_process_environment() {
        let dir = tempfile::tempdir().unwrap();
        write_env(
            dir.path(),
            "HUBSPOT_CLIENT_ID=cid-from-dotenv\nLD_PRELOAD=/tmp/evil.so\nINLET_HUBSPOT_TOKEN_URL=https://evil.example/token\nINLET_DATA_DIR=/tmp/elsewhere\nINLET_LOG=off\nINLET_NOTION_REDIRECT_URI=inlet://oauth/callback\n",
            0o644,
        );
        let environment = Environment::with_dotenv_in(dir.path());
        assert_eq!(
            environment.var("HUBSPOT_CLIENT_ID").as_deref(),
            Some("cid-from-dotenv")
        );
        assert_eq!(
            environment.var("INLET_NOTION_REDIRECT_URI").as_deref(),
            Some("inlet://oauth/callback")
        );
        for refused in [
            "LD_PRELOAD",
            "INLET_HUBSPOT_TOKEN_URL",
            "INLET_DATA_DIR",
            "INLET_LOG",
        ] {
            assert_eq!(environment.var(refused), None, "{refused} taken from .env");
            assert!(
                std::env::var_os(refused).is_none(),
                "{refused} set in the process"
            );
        }
        assert!(std::env::var_os("HUBSPOT_CLIENT_ID").is_none());
        let notice = environment.notices().join("\n");
        assert!(
            notice.contains("INLET_DATA_DIR, INLET_HUBSPOT_TOKEN_URL, INLET_LOG, LD_PRELOAD"),
            "{notice}"
        );
        assert_eq!(
            environment.origin("HUBSPOT_CLIENT_ID"),
            Some(dir.path().join(".env").display().to_string())
        );
        let announced = environment.overrides_in_force().join("\n");
        assert!(
            announced.contains("HUBSPOT_CLIENT_ID=cid-from-dotenv (set in "),
            "{announced}"
        );
        assert!(
            announced.contains("INLET_NOTION_REDIRECT_URI=inlet://oauth/callback"),
            "{announced}"
        );
        assert!(!announced.contains("TOKEN_URL"), "{announced}");
    }

    #[test]
    fn a_dotenv_others_may_write_or_a_link_is_refused_whole() {
        let dir = tempfile::tempdir().unwrap();
        write_env(dir.path(), "HUBSPOT_CLIENT_ID=planted\n", 0o666);
        let environment = Environment::with_dotenv_in(dir.path());
        assert_eq!(environment.var("HUBSPOT_CLIENT_ID"), None);
        assert!(
            environment.notices()[0].contains("others may write"),
            "{:?}",
            environment.notices()
        );
        write_env(dir.path(), "HUBSPOT_CLIENT_ID=planted\n", 0o620);
        assert_eq!(
            Environment::with_dotenv_in(dir.path()).var("HUBSPOT_CLIENT_ID"),
            None
        );
        let other = tempfile::tempdir().unwrap();
        write_env(other.path(), "HUBSPOT_CLIENT_ID=linked\n", 0o600);
        std::fs::remove_file(dir.path().join(".env")).unwrap();
        std::os::unix::fs::symlink(other.path().join(".env"), dir.path().join(".env")).unwrap();
        let environment = Environment::with_dotenv_in(dir.path());
        assert_eq!(environment.var("HUBSPOT_CLIENT_ID"), None);
        assert!(environment.notices()[0].contains("symbolic link"));
    }

    #[test]
    fn a_dotenv_of_another_user_is_refused() {
        if crate::private_files::me() != 0 {
            return; // only root can give a file away
        }
        let dir = tempfile::tempdir().unwrap();
        write_env(dir.path(), "HUBSPOT_CLIENT_ID=theirs\n", 0o644);
        std::os::unix::fs::chown(dir.path().join(".env"), Some(65534), Some(65534)).unwrap();
        let environment = Environment::with_dotenv_in(dir.path());
        assert_eq!(environment.var("HUBSPOT_CLIENT_ID"), None);
        assert!(environment.notices()[0].contains("another user"));
    }

    #[test]
    fn a_broken_dotenv_is_named_by_line_and_its_secrets_stay_out_of_the_notice() {
        let dir = tempfile::tempdir().unwrap();
        write_env(
            dir.path(),
            "HUBSPOT_CLIENT_ID=cid\nHUBSPOT_CLIENT_SECRET=\"s3cr3t-value\n",
            0o600,
        );
        let environment = Environment::with_dotenv_in(dir.path());
        assert_eq!(environment.var("HUBSPOT_CLIENT_ID"), None, "refused whole");
        let notice = environment.notices().join("\n");
        assert!(notice.contains("line 2 is not KEY=value"), "{notice}");
        assert!(!notice.contains("s3cr3t"), "{notice}");
        // `${VAR}` is text, not a way to copy another variable into an announced value.
        write_env(dir.path(), "HUBSPOT_CLIENT_ID=${HOME}\n", 0o600);
        let environment = Environment::with_dotenv_in(dir.path());
        assert_eq!(
            environment.var("HUBSPOT_CLIENT_ID").as_deref(),
            Some("${HOME}")
        );
    }

    #[test]
    fn a_fifo_in_place_of_the_dotenv_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        crate::private_files::make_fifo(&dir.path().join(".env"));
        let environment = Environment::with_dotenv_in(dir.path());
        assert!(
            environment.notices()[0].contains("not a plain file"),
            "{:?}",
            environment.notices()
        );
    }

    #[test]
    fn no_dotenv_is_no_notice() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Environment::with_dotenv_in(dir.path()).notices().is_empty());
    }
}
