//! Report schedules, declared in `dashboards/schedules.toml` and run by `mos
//! serve` (`mos report` is there for the system's own cron):
//!
//! ```toml
//! [[schedule]]
//! name = "Business Coordination Board"
//! cron = "0 6 1W * *"      # 06:00 on the first working day of each month (local time)
//! objectives = [4]         # all objectives with measures when omitted
//! out = "packs"            # relative to the folder `mos serve` runs in
//!
//! [[schedule]]
//! name = "Public website"
//! site = true              # the static site of `mos publish`, not packs
//! cron = "0 7 1W * *"
//! after_load = true        # and after each load of new figures
//! out = "site"
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SchedulesFile {
    #[serde(default, rename = "schedule")]
    schedules: Vec<ScheduleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    pub name: String,
    /// Five fields (minute hour day-of-month month day-of-week), with `L`, `W` and `#`.
    pub cron: String,
    #[serde(default)]
    pub objectives: Vec<u8>,
    pub out: PathBuf,
    /// Print each pack to PDF too (when Chromium is installed).
    #[serde(default = "yes")]
    pub pdf: bool,
    /// Write the public version (`mos report --public`): public measures only.
    #[serde(default)]
    pub public: bool,
    /// Publish the static public site (`mos publish`) to `out` instead of packs.
    #[serde(default)]
    pub site: bool,
    /// Run after each load of new figures too (when the extracts or the
    /// declarations change and are evaluated), not only at the cron's times.
    #[serde(default)]
    pub after_load: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone)]
pub struct Schedule {
    pub spec: ScheduleSpec,
    cron: croner::Cron,
}

impl Schedule {
    /// The next time the schedule fires after `after`. A working day (`W`)
    /// that is a bank holiday in England and Wales gives way to the next
    /// working day, at the same time.
    pub fn next_after<Tz: chrono::TimeZone>(
        &self,
        after: &chrono::DateTime<Tz>,
    ) -> Option<chrono::DateTime<Tz>> {
        if !self.on_working_days() {
            return self.cron.find_next_occurrence(after, false).ok();
        }
        // From a week back: an occurrence before `after` that a holiday
        // moved past it (1 January to the 4th) is still to come.
        let mut from = after.clone() - chrono::Duration::days(7);
        for _ in 0..64 {
            let next = self.cron.find_next_occurrence(&from, false).ok()?;
            let mut day = next.date_naive();
            while !super::bank_holidays::is_working_day(day) {
                day = day.succ_opt()?;
            }
            let moved = next
                .timezone()
                .from_local_datetime(&day.and_time(next.time()))
                .earliest()?;
            if moved > *after {
                return Some(moved);
            }
            from = next;
        }
        None
    }

    /// Whether the day of the month is a working day (`1W`, `LW`).
    fn on_working_days(&self) -> bool {
        self.spec
            .cron
            .split_whitespace()
            .nth(2)
            .is_some_and(|day| day.contains(['W', 'w']))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// Where in `schedules.toml`, what, and how to fix it.
    #[error("{0}")]
    Invalid(Box<crate::common::Diagnostic>),
    #[error("{}: schedule `{name}`: `{cron}` is not a cron pattern: {source}", .path.display())]
    Cron {
        path: PathBuf,
        name: String,
        cron: String,
        #[source]
        source: croner::errors::CronError,
    },
}

/// Reads `dir/schedules.toml`; no file means no schedules.
pub fn load(dir: &Path) -> Result<Vec<Schedule>, ScheduleError> {
    let path = dir.join("schedules.toml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(Vec::new());
    };
    let source = crate::common::SourceText {
        path: path.clone(),
        text,
    };
    let file: SchedulesFile = toml::from_str(&source.text).map_err(|e| {
        ScheduleError::Invalid(Box::new(crate::common::Diagnostic::of_toml(&source, &e)))
    })?;
    file.schedules
        .into_iter()
        .map(|spec| {
            let cron =
                croner::Cron::from_str(&spec.cron).map_err(|source| ScheduleError::Cron {
                    path: path.clone(),
                    name: spec.name.clone(),
                    cron: spec.cron.clone(),
                    source,
                })?;
            Ok(Schedule { spec, cron })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn first_working_day_at_six() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("schedules.toml"),
            "[[schedule]]\nname = \"Board\"\ncron = \"0 6 1W * *\"\nobjectives = [4]\nout = \"packs\"\n",
        )
        .unwrap();
        let schedules = load(dir.path()).unwrap();
        let next = |y, m, d| {
            schedules[0]
                .next_after(&chrono::Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap())
                .unwrap()
        };
        // 1 December 2026 is a Tuesday; 1 August 2026 a Saturday, so Monday 3 August.
        assert_eq!(
            next(2026, 11, 22),
            chrono::Utc.with_ymd_and_hms(2026, 12, 1, 6, 0, 0).unwrap()
        );
        assert_eq!(
            next(2026, 7, 15),
            chrono::Utc.with_ymd_and_hms(2026, 8, 3, 6, 0, 0).unwrap()
        );
        // 1 January 2027 is a Friday and a bank holiday: Monday 4 January,
        // also when asked on the 2nd, after the holiday moved it.
        let fourth = chrono::Utc.with_ymd_and_hms(2027, 1, 4, 6, 0, 0).unwrap();
        assert_eq!(next(2026, 12, 22), fourth);
        assert_eq!(next(2027, 1, 2), fourth);
        // Then 1 February, a Monday.
        assert_eq!(
            schedules[0].next_after(&fourth),
            Some(chrono::Utc.with_ymd_and_hms(2027, 2, 1, 6, 0, 0).unwrap())
        );
    }

    #[test]
    fn a_bad_pattern_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("schedules.toml"),
            "[[schedule]]\nname = \"Board\"\ncron = \"every month\"\nout = \"p\"\n",
        )
        .unwrap();
        let err = load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("schedule `Board`") && err.contains("not a cron pattern"),
            "{err}"
        );
    }
}
