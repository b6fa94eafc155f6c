//! The schedule's side of the store: what the last scheduled sync did (written by `inlet sync
//! --all`, which the timer runs; read by Settings), and the schedule's status.

use super::Library;
use crate::error::{CoreError, Result};
use crate::schedule::{next_run, Frequency, LastRun, ScheduleStatus, Units};

/// The preference holding the last run, as JSON.
const LAST_RUN: &str = "last_scheduled_sync";
/// The preference that turns a scheduled run's notifications off (`off`).
const NOTIFY: &str = "scheduled_sync_notifications";

impl Library {
    /// Keeps what a scheduled sync did (nothing without a store).
    pub async fn record_sync_run(&self, run: &LastRun) -> Result<()> {
        let Some(store) = self.store().cloned() else {
            return Ok(());
        };
        let json = serde_json::to_string(run)
            .map_err(|e| CoreError::invalid_argument(format!("could not write the run: {e}")))?;
        tokio::task::spawn_blocking(move || store.set_preference(LAST_RUN, Some(&json)))
            .await
            .map_err(|e| CoreError::task_failed("writing the item store", e))?
    }

    /// What the last scheduled sync did, if one ran.
    pub async fn last_sync_run(&self) -> Result<Option<LastRun>> {
        let Some(store) = self.store().cloned() else {
            return Ok(None);
        };
        let stored = tokio::task::spawn_blocking(move || store.preference(LAST_RUN))
            .await
            .map_err(|e| CoreError::task_failed("reading the item store", e))??;
        // One written by another version that does not read: as if none ran.
        Ok(stored.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Whether a scheduled run shows desktop notifications (on unless turned off).
    pub async fn notifications_on(&self) -> Result<bool> {
        let Some(store) = self.store().cloned() else {
            return Ok(true);
        };
        let stored = tokio::task::spawn_blocking(move || store.preference(NOTIFY))
            .await
            .map_err(|e| CoreError::task_failed("reading the item store", e))??;
        Ok(stored.as_deref() != Some("off"))
    }

    /// Turns a scheduled run's desktop notifications on or off.
    pub async fn set_notifications(&self, on: bool) -> Result<()> {
        let Some(store) = self.store().cloned() else {
            return Err(CoreError::invalid_argument(
                "Inlet has no store here to keep the setting in.",
            ));
        };
        let value = (!on).then_some("off");
        tokio::task::spawn_blocking(move || store.set_preference(NOTIFY, value))
            .await
            .map_err(|e| CoreError::task_failed("writing the item store", e))?
    }

    /// Installs `units` to run at `frequency` (or removes them) and says how the schedule stands.
    pub async fn set_schedule(
        &self,
        units: Result<Units>,
        frequency: Frequency,
    ) -> Result<ScheduleStatus> {
        let units = units?;
        let installed = units.clone();
        tokio::task::spawn_blocking(move || installed.apply(frequency))
            .await
            .map_err(|e| CoreError::task_failed("installing the schedule", e))??;
        self.schedule_status(Ok(units)).await
    }

    /// The schedule `units` (or why there can be none) install, when it runs next and what it
    /// did last.
    pub async fn schedule_status(&self, units: Result<Units>) -> Result<ScheduleStatus> {
        let last_run = self.last_sync_run().await?;
        let notify = self.notifications_on().await?;
        Ok(match units {
            Ok(units) => {
                // A file read and a `systemctl` run: off the async workers.
                let read = tokio::task::spawn_blocking(move || {
                    let frequency = units.installed();
                    let next = (frequency != Frequency::Off).then(next_run).flatten();
                    (frequency, next)
                });
                let (frequency, next_run) = read
                    .await
                    .map_err(|e| CoreError::task_failed("reading the schedule", e))?;
                ScheduleStatus {
                    frequency,
                    next_run,
                    last_run,
                    unavailable: None,
                    notify,
                }
            }
            Err(why) => ScheduleStatus {
                frequency: Frequency::Off,
                next_run: None,
                last_run,
                unavailable: Some(why.to_string()),
                notify,
            },
        })
    }
}
