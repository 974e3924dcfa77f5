//! Snapshots: every evaluation kept as it was (extract hashes, definition
//! hashes, results), so a board pack can say which figures it printed and the
//! dashboard can show "as published" beside "latest" when recorded crime is
//! restated. A snapshot is a folder `snapshots/<id>/` holding `snapshot.json`
//! and `results.csv`; `published.json` lists the packs that used one.

use crate::common::period::{Month, Period};
use crate::engine::disclosure::Printed;
use crate::evaluation::pipeline::Evaluation;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What one snapshot was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// `20261123T012500Z-1a2b3c4d`: when, then the start of `inputs_sha256`.
    pub id: String,
    /// When these inputs were first evaluated (RFC 3339): when the data was loaded.
    pub loaded_at: String,
    /// One hash over every extract file, definition and the engine version.
    pub inputs_sha256: String,
    pub engine: String,
    /// The folder the extracts were read from (absent from older snapshots).
    #[serde(default)]
    pub data: Option<String>,
    pub extracts: Vec<SnapshotExtract>,
    pub definitions: Vec<SnapshotDefinition>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotExtract {
    pub source: String,
    pub files: Vec<(String, String)>,
    /// The rows loaded (absent from snapshots made before it was kept).
    #[serde(default)]
    pub rows: Option<u64>,
    /// The latest date in the extract, `YYYY-MM-DD`.
    pub data_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDefinition {
    pub measure: String,
    pub sha256: String,
}

/// A board pack that printed a snapshot's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    pub snapshot: String,
    pub pack: String,
    /// `YYYY-MM-DD`
    pub published_on: String,
    /// The measures the pack carried (none recorded before packs said so:
    /// such a publication is taken to carry every measure).
    #[serde(default)]
    pub measures: Vec<String>,
}

impl Publication {
    pub fn carried(&self, measure: &str) -> bool {
        self.measures.is_empty() || self.measures.iter().any(|m| m == measure)
    }
}

impl SnapshotInfo {
    pub fn loaded_at(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.loaded_at)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// One published figure, as read back from a snapshot's results.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StoredPoint {
    pub measure_id: String,
    pub period_start: String,
    pub period_end: String,
    pub breakdown: String,
    pub group: String,
    pub value: Option<f64>,
    #[serde(default)]
    pub numerator: Option<f64>,
    #[serde(default)]
    pub denominator: Option<f64>,
    pub suppressed: bool,
}

impl StoredPoint {
    /// The figure as the disclosure audit reads it, if it was printed.
    fn printed(&self) -> Option<Printed> {
        let month = |date: &str| Month::parse(date.get(..7)?);
        let count = |n: Option<f64>| {
            n.filter(|n| *n >= 0.0 && n.fract() == 0.0)
                .map(|n| n as u64)
        };
        let not_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        (!self.suppressed).then_some(())?;
        Some(Printed {
            measure: self.measure_id.clone(),
            breakdown: not_empty(&self.breakdown),
            group: not_empty(&self.group),
            period: Period {
                first: month(&self.period_start)?,
                last: month(&self.period_end)?,
            },
            numerator: count(self.numerator)?,
            denominator: count(self.denominator),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot keep the snapshot at {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the snapshot file {} is damaged: {message}; put it back from a backup (`mos restore`), or move it aside and run again", .path.display())]
    Damaged { path: PathBuf, message: String },
    #[error("there is no snapshot `{0}` in the snapshots folder")]
    Unknown(String),
    #[error("cannot keep the snapshot: {0}")]
    Write(#[from] crate::common::atomic::WriteError),
    #[error(
        "the `{source_name}` extract has {rows_now} rows and data to {to_now}, where {since} had {rows_before} rows and data to {to_before}: it looks cut short or half-copied, so it is held back. If it is right (rows deleted on purpose, a shorter export), accept it once with `mos run --accept-smaller {source_name}` on the same --data and --snapshots"
    )]
    Shrunk {
        source_name: String,
        /// "the last snapshot (id)", or the last published one.
        since: String,
        rows_before: u64,
        rows_now: u64,
        to_before: String,
        to_now: String,
    },
}

/// The share of its rows an extract may lose from one snapshot to the next
/// before it is held back as cut short.
pub const MAX_LOST_SHARE: f64 = 0.1;

/// The snapshots folder.
#[derive(Debug, Clone)]
pub struct History {
    dir: PathBuf,
}

impl History {
    pub fn new(dir: impl Into<PathBuf>) -> History {
        History { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the evaluations kept in `snapshots` keep their work for the next
    /// (see [`crate::evaluation::incremental`]): a dot folder, which is not a snapshot.
    pub fn kept_work_dir(snapshots: &Path) -> PathBuf {
        snapshots.join(".kept-work")
    }

    /// Refuses an evaluation whose extract has lost more than
    /// [`MAX_LOST_SHARE`] of the rows, or any of the months, that it had in
    /// the latest snapshot of the same folder (a file half-copied, or cut),
    /// or in the last published one (a source that loses a little at each
    /// evaluation is still held back once it has lost much since the board
    /// saw it), unless its source is among `accepted`. An acceptance is
    /// remembered: the published snapshot before it no longer holds it back.
    pub fn check_not_shrunk(
        &self,
        evaluation: &Evaluation,
        accepted: &[String],
    ) -> Result<(), HistoryError> {
        let folder = Some(evaluation.data_folder());
        let latest = self.list()?.into_iter().rfind(|s| s.data == folder);
        let published = self
            .publications()?
            .iter()
            .rev()
            .filter_map(|p| self.get(&p.snapshot).ok())
            .find(|s| s.data == folder)
            // The latest snapshot is compared with already.
            .filter(|p| latest.as_ref().is_none_or(|l| l.id != p.id));
        let acceptances = self.acceptances()?;
        let mut newly_accepted = Vec::new();
        for now in &evaluation.extracts {
            let accepted_since = |snapshot: &SnapshotInfo| {
                acceptances
                    .get(&now.source)
                    .is_some_and(|at| time(at) > snapshot.loaded_at())
            };
            let baselines = latest.iter().map(|s| (s, "the last")).chain(
                published
                    .iter()
                    .filter(|p| !accepted_since(p))
                    .map(|s| (s, "the last published")),
            );
            for (before, which) in baselines {
                let Some(shrunk) = shrunk_since(before, which, now) else {
                    continue;
                };
                if !accepted.contains(&now.source) {
                    return Err(shrunk);
                }
                newly_accepted.push(now.source.clone());
                break;
            }
        }
        if !newly_accepted.is_empty() {
            let mut all = acceptances;
            let at = evaluation.evaluated_at.to_rfc3339();
            for source in newly_accepted {
                all.insert(source, at.clone());
            }
            crate::common::atomic::write_file(
                &self.dir.join(ACCEPTED),
                &serde_json::to_vec_pretty(&all).expect("acceptances serialise"),
            )?;
        }
        Ok(())
    }

    /// When each source was last accepted smaller (RFC 3339), by source.
    fn acceptances(&self) -> Result<BTreeMap<String, String>, HistoryError> {
        let path = self.dir.join(ACCEPTED);
        if !path.is_file() {
            return Ok(BTreeMap::new());
        }
        read_json(&path)
    }

    /// Keeps `evaluation` as a snapshot, unless the latest snapshot was made
    /// from exactly the same inputs (then that one is returned, so its load
    /// date stands and restarts do not pile up copies).
    pub fn record(&self, evaluation: &Evaluation) -> Result<SnapshotInfo, HistoryError> {
        let inputs_sha256 = inputs_hash(evaluation);
        if let Some(latest) = self.list()?.pop()
            && latest.inputs_sha256 == inputs_sha256
        {
            return Ok(latest);
        }
        let loaded_at = evaluation.evaluated_at;
        let info = SnapshotInfo {
            id: format!(
                "{}-{}",
                loaded_at.format("%Y%m%dT%H%M%SZ"),
                &inputs_sha256[..8]
            ),
            loaded_at: loaded_at.to_rfc3339(),
            inputs_sha256,
            engine: engine_version(),
            data: Some(evaluation.data_folder()),
            extracts: evaluation
                .extracts
                .iter()
                .map(|e| SnapshotExtract {
                    source: e.source.clone(),
                    files: e
                        .files
                        .iter()
                        .map(|f| (file_name(&f.path), f.sha256.clone()))
                        .collect(),
                    rows: Some(e.rows_loaded),
                    data_to: e.data_to.map(|d| d.to_string()),
                })
                .collect(),
            definitions: evaluation
                .results
                .iter()
                .map(|r| SnapshotDefinition {
                    measure: r.measure.id.clone(),
                    sha256: r.measure.origin.sha256.clone(),
                })
                .collect(),
        };
        let files = [
            (
                "snapshot.json".to_string(),
                serde_json::to_vec_pretty(&info).expect("snapshot info serialises"),
            ),
            ("results.csv".to_string(), evaluation.results_csv().to_vec()),
        ];
        crate::common::atomic::write_folder(&self.dir.join(&info.id), &files)?;
        Ok(info)
    }

    /// Every snapshot, oldest first.
    pub fn list(&self) -> Result<Vec<SnapshotInfo>, HistoryError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(HistoryError::Io {
                    path: self.dir.clone(),
                    source,
                });
            }
        };
        let mut snapshots = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path().join("snapshot.json");
            // Staging folders (".pack-...") and anything else without a snapshot file are not snapshots.
            if entry.file_name().to_string_lossy().starts_with('.') || !path.is_file() {
                continue;
            }
            snapshots.push(read_json::<SnapshotInfo>(&path)?);
        }
        // By when they were made, to the nanosecond: two in one second have
        // ids in the order of their hashes, not of their making.
        snapshots.sort_by_cached_key(|s| {
            (
                chrono::DateTime::parse_from_rfc3339(&s.loaded_at).ok(),
                s.id.clone(),
            )
        });
        Ok(snapshots)
    }

    pub fn get(&self, id: &str) -> Result<SnapshotInfo, HistoryError> {
        self.list()?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| HistoryError::Unknown(id.to_string()))
    }

    /// The figures a snapshot holds for one measure.
    pub fn points(&self, id: &str, measure_id: &str) -> Result<Vec<StoredPoint>, HistoryError> {
        let mut points = self.all_points(id)?;
        points.retain(|p| p.measure_id == measure_id);
        Ok(points)
    }

    fn all_points(&self, id: &str) -> Result<Vec<StoredPoint>, HistoryError> {
        let path = self.dir.join(id).join("results.csv");
        let damaged = |message: String| HistoryError::Damaged {
            path: path.clone(),
            message,
        };
        let mut reader = csv::Reader::from_path(&path).map_err(|e| damaged(e.to_string()))?;
        reader
            .deserialize::<StoredPoint>()
            .map(|row| row.map_err(|e| damaged(e.to_string())))
            .collect()
    }

    /// Records that `pack` printed the figures of snapshot `id` for `measures`.
    pub fn publish(
        &self,
        id: &str,
        pack: &str,
        published_on: NaiveDate,
        measures: Vec<String>,
    ) -> Result<(), HistoryError> {
        self.get(id)?;
        let mut all = self.publications()?;
        all.retain(|p| !(p.pack == pack && p.snapshot == id));
        all.push(Publication {
            snapshot: id.to_string(),
            pack: pack.to_string(),
            published_on: published_on.to_string(),
            measures,
        });
        let path = self.dir.join("published.json");
        Ok(crate::common::atomic::write_file(
            &path,
            &serde_json::to_vec_pretty(&all).expect("publications serialise"),
        )?)
    }

    /// Every publication, in the order they were made.
    pub fn publications(&self) -> Result<Vec<Publication>, HistoryError> {
        let path = self.dir.join("published.json");
        if !path.is_file() {
            return Ok(Vec::new());
        }
        read_json(&path)
    }

    /// Every figure a published pack printed, of the measures it carried:
    /// they stay in readers' hands, so the disclosure audit counts them.
    pub fn printed(&self) -> Result<Vec<Printed>, HistoryError> {
        let publications = self.publications()?;
        let mut snapshots: Vec<&str> = publications.iter().map(|p| p.snapshot.as_str()).collect();
        snapshots.sort_unstable();
        snapshots.dedup();
        let mut printed = Vec::new();
        for id in snapshots {
            let carried = |measure: &str| {
                publications
                    .iter()
                    .any(|p| p.snapshot == id && p.carried(measure))
            };
            for point in self.all_points(id)? {
                if carried(&point.measure_id)
                    && let Some(p) = point.printed()
                {
                    printed.push(p);
                }
            }
        }
        Ok(printed)
    }

    /// The latest publication that carried `measure`: what the board last
    /// saw of it.
    pub fn last_published_of(&self, measure: &str) -> Result<Option<Publication>, HistoryError> {
        Ok(self
            .publications()?
            .into_iter()
            .rev()
            .find(|p| p.carried(measure)))
    }
}

/// Where an extract is accepted smaller (by `--accept-smaller`), and when.
const ACCEPTED: &str = "accepted-smaller.json";

fn time(rfc3339: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Why `now` is held back as cut short since `snapshot` (`which` says which
/// snapshot that is), if it is.
fn shrunk_since(
    snapshot: &SnapshotInfo,
    which: &'static str,
    now: &crate::evaluation::pipeline::ExtractSummary,
) -> Option<HistoryError> {
    let before = snapshot.extracts.iter().find(|e| e.source == now.source)?;
    let to_now = now.data_to.map(|d| d.to_string());
    let fewer_rows = before
        .rows
        .is_some_and(|rows| (now.rows_loaded as f64) < rows as f64 * (1.0 - MAX_LOST_SHARE));
    // ISO dates compare as text.
    let fewer_months = match (&before.data_to, &to_now) {
        (Some(b), Some(n)) => n[..7] < b[..7],
        (Some(_), None) => true,
        _ => false,
    };
    let unknown = || "none".to_string();
    (fewer_rows || fewer_months).then(|| HistoryError::Shrunk {
        source_name: now.source.clone(),
        since: format!("{which} snapshot ({})", snapshot.id),
        rows_before: before.rows.unwrap_or_default(),
        rows_now: now.rows_loaded,
        to_before: before.data_to.clone().unwrap_or_else(unknown),
        to_now: to_now.unwrap_or_else(unknown),
    })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, HistoryError> {
    let bytes = std::fs::read(path).map_err(|source| HistoryError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| HistoryError::Damaged {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub use crate::common::digest::engine_version;

/// One hash over what determines the figures: every extract file's hash (by
/// source and name), every source's declaration, every definition's hash,
/// and the engine's version.
pub fn inputs_hash(evaluation: &Evaluation) -> String {
    let mut parts: Vec<String> = evaluation
        .extracts
        .iter()
        .flat_map(|e| {
            e.files
                .iter()
                .map(move |f| format!("extract {} {} {}", e.source, file_name(&f.path), f.sha256))
        })
        .chain(
            evaluation
                .extracts
                .iter()
                .map(|e| format!("declared {} {}", e.source, e.declaration_sha256)),
        )
        .chain(
            evaluation
                .results
                .iter()
                .map(|r| format!("definition {} {}", r.measure.id, r.measure.origin.sha256)),
        )
        .collect();
    parts.push(format!("settings {}", evaluation.settings_sha256));
    parts.sort();
    parts.push(engine_version());
    parts.push(crate::common::digest::CODE_FINGERPRINT.to_string());
    crate::common::sha256_hex(parts.join("\n").as_bytes())
}
