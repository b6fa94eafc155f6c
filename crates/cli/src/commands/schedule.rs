//! `inlet schedule [off|hourly|daily]`: installs or removes the systemd user timer that runs
//! `inlet sync --all` (`inlet_core::schedule`), and says how it stands: how often, the next run,
//! what the last one did.

use std::process::ExitCode;

use inlet_core::config::Environment;
use inlet_core::schedule::{units_here, Frequency, ScheduleStatus};
use inlet_core::{CoreError, Inlet};

pub async fn run(
    inlet: &Inlet,
    environment: &Environment,
    frequency: Option<String>,
    notify: Option<String>,
    json: bool,
) -> Result<ExitCode, CoreError> {
    if let Some(notify) = notify {
        let on = match notify.as_str() {
            "on" => true,
            "off" => false,
            other => {
                return Err(CoreError::invalid_argument(format!(
                    "--notify is on or off, not {other:?}."
                )))
            }
        };
        inlet.library.set_notifications(on).await?;
    }
    let units = units_here(environment);
    let status = match frequency {
        Some(frequency) => {
            (inlet.library)
                .set_schedule(units, frequency.parse()?)
                .await?
        }
        None => inlet.library.schedule_status(units).await?,
    };
    if json {
        let text = serde_json::to_string(&status)
            .map_err(|e| CoreError::invalid_argument(format!("could not write JSON: {e}")))?;
        println!("{text}");
    } else {
        println!("{}", describe(&status));
    }
    Ok(ExitCode::SUCCESS)
}

/// The status in a few lines.
fn describe(status: &ScheduleStatus) -> String {
    let mut lines = vec![match status.frequency {
        Frequency::Off => "Keep my data up to date: off".to_owned(),
        Frequency::Hourly => "Keep my data up to date: hourly".to_owned(),
        Frequency::Daily => "Keep my data up to date: daily".to_owned(),
    }];
    if let Some(why) = &status.unavailable {
        lines.push(format!("not available here: {why}"));
    }
    if let Some(next) = status.next_run {
        lines.push(format!("next run: {}", next.format("%Y-%m-%d %H:%M UTC")));
    }
    if status.frequency != Frequency::Off {
        let notify = if status.notify { "on" } else { "off" };
        lines.push(format!("desktop notifications: {notify}"));
    }
    if let Some(last) = &status.last_run {
        let result = if last.ok { "ok" } else { "needs a look" };
        lines.push(format!(
            "last run: {} ({result}) — {}",
            last.at.format("%Y-%m-%d %H:%M UTC"),
            last.summary
        ));
    }
    lines.join("\n")
}
