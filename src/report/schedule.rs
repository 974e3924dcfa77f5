//! Report schedules, declared in `dashboards/schedules.toml` and run by `mos
//! serve` (`mos report` is there for the system's own cron):
//!
//! ```toml
//! [[schedule]]
//! name = "Business Coordination Board"
//! cron = "0 6 1W * *"      # 06:00 on the first working day of each month (local time)
//! objectives = [4]         # all objectives with measures when omitted
//! out = "packs"            # relative to the folder `mos serve` runs in
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
    /// The next time the schedule fires after `after`.
    pub fn next_after<Tz: chrono::TimeZone>(
        &self,
        after: &chrono::DateTime<Tz>,
    ) -> Option<chrono::DateTime<Tz>> {
        self.cron.find_next_occurrence(after, false).ok()
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
