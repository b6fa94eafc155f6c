//! "Keep my data up to date": a systemd **user** timer and service that run `inlet sync --all`
//! hourly or daily, so the copy stays current with the app closed and after a reboot
//! (`Persistent=true` runs a missed one at the next start). Turning it off removes both.
//!
//! The units live in the person's `~/.config/systemd/user` (`$XDG_CONFIG_HOME`); they run the
//! `inlet` command beside the app's binary (the package's `/usr/bin/inlet`) with the settings
//! that decide where Inlet keeps things (`INLET_DATA_DIR`, `INLET_KEYCHAIN_SERVICE`,
//! `INLET_SANDBOX_URL`) as the installing process has them. `systemctl` is found on `PATH`.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::config::EnvSource;
use crate::error::{CoreError, Result};

/// The units' name.
pub const UNIT: &str = "inlet-sync";

/// The settings a scheduled sync runs with, as the process installing it has them.
const CARRIED: [&str; 3] = [
    "INLET_DATA_DIR",
    "INLET_KEYCHAIN_SERVICE",
    "INLET_SANDBOX_URL",
];

/// How often the data is brought up to date with the window closed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Only when the person asks.
    #[default]
    Off,
    /// Every hour.
    Hourly,
    /// Every day.
    Daily,
}

impl std::str::FromStr for Frequency {
    type Err = CoreError;
    fn from_str(text: &str) -> Result<Self> {
        match text {
            "off" => Ok(Self::Off),
            "hourly" => Ok(Self::Hourly),
            "daily" => Ok(Self::Daily),
            other => Err(CoreError::invalid_argument(format!(
                "The schedule is off, hourly or daily, not {other:?}."
            ))),
        }
    }
}

/// What the last scheduled sync did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct LastRun {
    /// When it finished.
    pub at: DateTime<Utc>,
    /// Whether every integration synced completely.
    pub ok: bool,
    /// What changed, or what went wrong, in a sentence.
    pub summary: String,
}

impl LastRun {
    /// A run finishing now.
    pub fn now(ok: bool, summary: String) -> Self {
        Self {
            at: Utc::now(),
            ok,
            summary,
        }
    }
}

/// The schedule as Settings shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct ScheduleStatus {
    /// How often it runs.
    pub frequency: Frequency,
    /// When it runs next, as systemd says.
    pub next_run: Option<DateTime<Utc>>,
    /// What the last run did.
    pub last_run: Option<LastRun>,
    /// Why no schedule can be set here (no `inlet` command, no systemd), if so.
    pub unavailable: Option<String>,
    /// Whether a scheduled run shows a desktop notification when something changed or needs
    /// the person (never when nothing did).
    pub notify: bool,
}

/// Where the units go and what they run.
#[derive(Debug, Clone)]
pub struct Units {
    /// The systemd user unit folder.
    pub dir: PathBuf,
    /// The `inlet` command the service runs.
    pub command: PathBuf,
    /// `NAME=value` settings the service runs with.
    pub environment: Vec<(String, String)>,
}

impl Units {
    /// The person's unit folder, the `inlet` command beside `exe` (the running binary), and the
    /// settings of `env` that decide where Inlet keeps things.
    pub fn for_this_user(exe: &Path, env: &dyn EnvSource) -> Result<Self> {
        let config = env
            .var("XDG_CONFIG_HOME")
            .filter(|d| Path::new(d).is_absolute())
            .map(PathBuf::from)
            .or_else(|| env.var("HOME").map(|h| PathBuf::from(h).join(".config")))
            .ok_or_else(|| {
                CoreError::invalid_argument("Neither XDG_CONFIG_HOME nor HOME is set.")
            })?;
        let command = exe
            .parent()
            .map(|dir| dir.join("inlet"))
            .filter(|c| c.is_file())
            .ok_or_else(|| {
                CoreError::invalid_argument(format!(
                    "The `inlet` command is not installed beside {}: a schedule runs it.",
                    exe.display()
                ))
            })?;
        // A relative folder would mean another one for a service that starts elsewhere.
        let environment = CARRIED
            .iter()
            .filter_map(|name| {
                let value = env.var(name)?;
                let value = match *name {
                    "INLET_DATA_DIR" => {
                        std::path::absolute(&value).map_or(value, |p| p.display().to_string())
                    }
                    _ => value,
                };
                Some(((*name).to_owned(), value))
            })
            .collect();
        Ok(Self {
            dir: config.join("systemd/user"),
            command,
            environment,
        })
    }

    fn service_path(&self) -> PathBuf {
        self.dir.join(format!("{UNIT}.service"))
    }

    fn timer_path(&self) -> PathBuf {
        self.dir.join(format!("{UNIT}.timer"))
    }

    /// The service unit: one `inlet sync --all` run, at low priority.
    pub fn service(&self) -> Result<String> {
        let mut text = String::from(
            "[Unit]\nDescription=Inlet: bring the local copy of Airtable, Notion and HubSpot up to date\n\
             After=network-online.target\n\n[Service]\nType=oneshot\n",
        );
        for (name, value) in &self.environment {
            text.push_str(&format!(
                "Environment={}\n",
                quoted(&format!("{name}={value}"), false)?
            ));
        }
        let command = self.command.to_str().ok_or_else(|| {
            CoreError::invalid_argument("The `inlet` command's path is not valid UTF-8.")
        })?;
        text.push_str(&format!(
            "ExecStart={} sync --all --scheduled --quiet --notify\nNice=10\nIOSchedulingClass=idle\n",
            quoted(command, true)?
        ));
        Ok(text)
    }

    /// The timer unit for `frequency` (hourly or daily), a few minutes' jitter, catching up a
    /// run missed while the computer was off.
    pub fn timer(frequency: Frequency) -> String {
        let calendar = match frequency {
            Frequency::Daily => "daily",
            _ => "hourly",
        };
        format!(
            "[Unit]\nDescription=Inlet: keep my data up to date ({calendar})\n\n[Timer]\n\
             OnCalendar={calendar}\nPersistent=true\nRandomizedDelaySec=5min\n\n\
             [Install]\nWantedBy=timers.target\n"
        )
    }

    /// Installs (or, for [`Frequency::Off`], removes) the units and tells the user's systemd.
    pub fn apply(&self, frequency: Frequency) -> Result<()> {
        if frequency == Frequency::Off {
            // Not loaded (never installed, or no user manager): nothing to stop.
            let _ = systemctl(&["disable", "--now", &format!("{UNIT}.timer")]);
            for path in [self.timer_path(), self.service_path()] {
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(CoreError::io("remove", &path, e))
                    }
                    _ => {}
                }
            }
            return systemctl(&["daemon-reload"]);
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| CoreError::io("create", &self.dir, e))?;
        write_unit(&self.service_path(), &self.service()?)?;
        write_unit(&self.timer_path(), &Self::timer(frequency))?;
        systemctl(&["daemon-reload"])?;
        systemctl(&["enable", "--now", &format!("{UNIT}.timer")])
    }

    /// How often the installed timer runs ([`Frequency::Off`] when there is none).
    pub fn installed(&self) -> Frequency {
        let Ok(timer) = std::fs::read_to_string(self.timer_path()) else {
            return Frequency::Off;
        };
        match timer.lines().find_map(|l| l.strip_prefix("OnCalendar=")) {
            Some("daily") => Frequency::Daily,
            Some(_) => Frequency::Hourly,
            None => Frequency::Off,
        }
    }
}

/// The units for the person running this process: [`Units::for_this_user`] beside the running
/// binary.
pub fn units_here(env: &dyn EnvSource) -> Result<Units> {
    let exe = std::env::current_exe().map_err(|e| {
        CoreError::invalid_argument(format!("Where Inlet runs from is not known: {e}"))
    })?;
    Units::for_this_user(&exe, env)
}

/// When the installed timer runs next, as the user's systemd says (`None` when it does not say).
pub fn next_run() -> Option<DateTime<Utc>> {
    let output = Command::new("systemctl")
        .args(["--user", "show", &format!("{UNIT}.timer")])
        .args([
            "--property=NextElapseUSecRealtime",
            "--value",
            "--timestamp=unix",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let seconds = text.trim().strip_prefix('@')?.parse::<i64>().ok()?;
    DateTime::from_timestamp(seconds, 0)
}

/// `systemctl --user <args>`, its failure said in a sentence.
fn systemctl(args: &[&str]) -> Result<()> {
    let output = Command::new("systemctl")
        .arg("--user")
        .args(args)
        .output()
        .map_err(|e| CoreError::invalid_argument(format!("systemctl could not run: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    let said = String::from_utf8_lossy(&output.stderr);
    Err(CoreError::invalid_argument(format!(
        "systemctl --user {} failed: {}",
        args.join(" "),
        said.trim()
    )))
}

/// Writes a unit file whole (a reader never sees half of one), readable by its owner's systemd.
fn write_unit(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| CoreError::io("write", path, e))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| CoreError::io("write", path, e))?;
    file.persist(path)
        .map_err(|e| CoreError::io("write", path, e.error))?;
    Ok(())
}

/// `text` as one systemd word: double-quoted, with `\`, `"` and `%` escaped (and `$`, which a
/// command line expands); a line break cannot be one.
fn quoted(text: &str, command: bool) -> Result<String> {
    if text.contains(['\n', '\r']) {
        return Err(CoreError::invalid_argument(
            "A schedule's setting cannot hold a line break.",
        ));
    }
    let mut escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('%', "%%");
    if command {
        escaped = escaped.replace('$', "$$");
    }
    Ok(format!("\"{escaped}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(dir: &Path) -> Units {
        Units {
            dir: dir.to_owned(),
            command: PathBuf::from("/usr/bin/inlet"),
            environment: vec![("INLET_DATA_DIR".into(), "/home/ada/100% \"mine\"".into())],
        }
    }

    #[test]
    fn the_service_runs_the_command_with_the_settings_quoted_for_systemd() {
        let service = units(Path::new("/tmp")).service().unwrap();
        assert!(service
            .contains("ExecStart=\"/usr/bin/inlet\" sync --all --scheduled --quiet --notify\n"));
        assert!(service.contains("Environment=\"INLET_DATA_DIR=/home/ada/100%% \\\"mine\\\"\"\n"));
        let mut bad = units(Path::new("/tmp"));
        bad.environment[0].1 = "a\nExecStart=/bin/evil".into();
        assert!(bad.service().is_err(), "a line break cannot add a line");
        let mut dollar = units(Path::new("/tmp"));
        dollar.command = PathBuf::from("/opt/$HOME/inlet");
        let service = dollar.service().unwrap();
        assert!(
            service.contains("ExecStart=\"/opt/$$HOME/inlet\" sync"),
            "{service}"
        );
    }

    #[test]
    fn the_timer_says_how_often_and_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let units = units(dir.path());
        assert_eq!(units.installed(), Frequency::Off);
        std::fs::write(units.timer_path(), Units::timer(Frequency::Daily)).unwrap();
        assert_eq!(units.installed(), Frequency::Daily);
        assert!(Units::timer(Frequency::Hourly).contains("OnCalendar=hourly\nPersistent=true\n"));
        assert_eq!(
            "weekly".parse::<Frequency>().map_err(|e| e.code()),
            Err("invalid_argument")
        );
    }
}
