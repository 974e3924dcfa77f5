//! Work kept from one evaluation for the next, in a folder beside the
//! snapshots: a monthly extract is last month's file with a month of rows
//! appended, so only those rows need reading and counting.
//!
//! What is kept, for each extract: where its file ended (a hash of every MiB,
//! its lines, its SHA-256 state), its rejects, and the hashes of its unique
//! columns' values; for each measure, its tally (counts by group and month,
//! which add up over rows) and, for a repeat rule, the rows its next rows may
//! look back to. The kept work is used only when everything it depends on is
//! unchanged: the same program, measures, `sources.toml` and files, each file
//! beginning with exactly the bytes read before. Anything else (an earlier row
//! changed, a new row repeating an old unique value, a new row dated before a
//! kept look-back) means a full evaluation, which keeps its work afresh.

use crate::common::atomic;
use crate::definition::MeasureSet;
use crate::engine::PersonKey;
use crate::engine::repeat::LookBack;
use crate::engine::tally::Tally;
use crate::engine::{Counted, MeasureResult};
use crate::ingest::append::{self, FileMark};
use crate::ingest::{Extract, Reject, SourcesConfig, contract};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Bumped whenever what is kept, or how it is counted, changes (2: values
/// read back exactly, so work kept by 1 is not trusted).
const FORMAT: u32 = 2;
const MANIFEST: &str = "manifest.json";

/// What an evaluation depends on besides its extracts' rows: the kept work of
/// another is never used.
pub fn fingerprint(
    measures: &MeasureSet,
    sources: &[&str],
    keep: &HashMap<String, BTreeSet<String>>,
    data_dir: &Path,
    person_key: &PersonKey,
) -> String {
    let mut text = format!(
        "{FORMAT} {} {sources:?}\n",
        crate::common::digest::CODE_FINGERPRINT
    );
    for m in &measures.measures {
        // Only what decides the counts: titles, polarity, suppression and the
        // like apply to the tally afresh each time.
        // A t or g chart's tally keeps each event's time besides the counts.
        let events = m.spc().is_some_and(|s| s.chart.between_events());
        text.push_str(&format!(
            "{} {} {} {:?} {:?} {:?} {:?} {:?} {events}\n",
            m.id, m.source, m.date_column, m.kind, m.filter, m.breakdowns, m.repeat, m.peer_group
        ));
    }
    let mut keep: Vec<_> = keep.iter().collect();
    keep.sort();
    text.push_str(&format!("{keep:?}\n"));
    text.push_str(&settings_text(data_dir));
    // The declarations of what is read (columns, types, rules, districts).
    for name in sources {
        if let Some(c) = measures.catalog.contract(name) {
            text.push_str(&format!("{name} {}\n", c.sha256));
        }
    }
    // Kept person hashes hold only under the key they were made with.
    text.push_str(&format!("person key {}\n", person_key.id()));
    crate::common::sha256_hex(text.as_bytes())
}

/// The settings beside the extracts that change what is counted: the
/// sources' mappings and the peer groups.
pub fn settings_text(data_dir: &Path) -> String {
    ["sources.toml", crate::ingest::peers::FILE]
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(data_dir.join(name)).unwrap_or_default();
            format!("{name}\n{text}\n")
        })
        .collect()
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Manifest {
    fingerprint: String,
    sources: Vec<KeptSource>,
    /// One per measure, in the measures' order.
    measures: Vec<KeptMeasure>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct KeptSource {
    name: String,
    path: PathBuf,
    mark: FileMark,
    rows_loaded: u64,
    rejects: Vec<Reject>,
    /// How far the data runs (see [`crate::ingest::data_to`]), as days from the common era.
    data_to: Option<i32>,
    /// For each unique column, files of its values' hashes, each sorted (one
    /// per evaluation that added rows).
    unique_hashes: Vec<Vec<String>>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct KeptMeasure {
    id: String,
    tally: Tally,
    /// The file of the repeat rule's look-back rows, and its latest day.
    look_back: Option<(String, Option<i32>)>,
}

/// The results, extracts, how far each runs, and counts of an evaluation from
/// kept work, before the kept work is known to hold.
type Appended = (
    Vec<MeasureResult>,
    Vec<Extract>,
    HashMap<String, Option<chrono::NaiveDate>>,
    Vec<Counted>,
);

/// An evaluation from kept work and the rows appended since.
pub struct Brought {
    pub results: Vec<MeasureResult>,
    /// What each measure counted, in order: the audit reads it.
    pub counted: Vec<Counted>,
    /// Each extract as a whole (rows, rejects, provenance), but with the batches
    /// of only the rows appended.
    pub extracts: Vec<Extract>,
    pub data_to: HashMap<String, Option<chrono::NaiveDate>>,
    /// Why the work of this evaluation could not be kept for the next, if so.
    pub not_kept: Option<KeepError>,
    /// The rows (loaded or rejected) appended since the kept work.
    pub rows_appended: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum KeepError {
    #[error("cannot keep work for the next evaluation in {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The kept work in `dir`, when there is some for these inputs.
pub struct Kept {
    dir: PathBuf,
    manifest: Manifest,
    person_key: PersonKey,
}

impl Kept {
    /// Opens the kept work, if any was kept for `fingerprint` and reads whole.
    /// People are hashed with `person_key` (the one kept in `dir`).
    pub fn open(dir: &Path, fingerprint: &str, person_key: PersonKey) -> Option<Kept> {
        let text = std::fs::read(dir.join(MANIFEST)).ok()?;
        let manifest: Manifest = serde_json::from_slice(&text).ok()?;
        (manifest.fingerprint == fingerprint).then(|| Kept {
            dir: dir.to_path_buf(),
            manifest,
            person_key,
        })
    }

    /// Evaluates from the kept work and the rows appended to each extract since;
    /// `None` when the kept work does not hold for the files as they are now, or
    /// cannot be read. Errors in the appended rows are the extract's errors, as
    /// in a full read.
    pub async fn bring_up_to_date(
        &self,
        measures: &MeasureSet,
        data_dir: &Path,
        names: &[&str],
        keep: &HashMap<String, BTreeSet<String>>,
        bound: Option<f64>,
        peers: Option<&crate::ingest::peers::PeerGroups>,
    ) -> Result<Option<Brought>, crate::evaluation::pipeline::Error> {
        let same_measures = self.manifest.measures.len() == measures.measures.len()
            && self
                .manifest
                .measures
                .iter()
                .zip(&measures.measures)
                .all(|(k, m)| k.id == m.id);
        if !same_measures {
            return Ok(None);
        }
        let config = SourcesConfig::read(data_dir, measures.catalog.contracts())?;
        let bound = bound
            .or(config.max_reject_share)
            .unwrap_or(crate::ingest::DEFAULT_MAX_REJECT_SHARE);
        // Every file the kept work read must still start with what it read.
        let mut appendable = Vec::new();
        for name in names {
            let Some(contract) = measures.catalog.contract(name) else {
                return Ok(None);
            };
            if contract.period_column.is_none() {
                continue; // a reference table, read whole below
            }
            let Some(kept) = self.manifest.sources.iter().find(|s| s.name == *name) else {
                return Ok(None);
            };
            let path = crate::ingest::extract_path(data_dir, contract, &config.source(contract))?;
            if path != kept.path || crate::ingest::is_parquet(&path) {
                return Ok(None);
            }
            appendable.push((contract, kept));
        }
        // A cheap look at each file's first and last kept MiB catches a file
        // replaced outright; the whole check runs beside the reading and counting
        // of the appended rows, which are thrown away if an earlier byte changed.
        let marks: Vec<(PathBuf, FileMark)> = appendable
            .iter()
            .map(|(_, k)| (k.path.clone(), k.mark.clone()))
            .collect();
        let ends = tokio::task::block_in_place(|| append::ends_still_match(&marks));
        if !ends.is_ok_and(|u| !u.contains(&false)) {
            return Ok(None);
        }
        let checking = std::thread::spawn(move || append::still_start(&marks));
        let counted = self
            .count_appended(
                measures,
                data_dir,
                names,
                keep,
                &config,
                bound,
                peers,
                &appendable,
            )
            .await;
        let unchanged = tokio::task::block_in_place(|| checking.join())
            .expect("checking a file's chunks does not panic");
        // A file that cannot be read now is for the full read to report; so are
        // errors in rows that turn out not to be appended ones.
        if !unchanged.is_ok_and(|u| !u.contains(&false)) {
            return Ok(None);
        }
        let Some((results, extracts, data_to, counted)) = counted? else {
            return Ok(None);
        };
        let rows_appended = appendable
            .iter()
            .filter_map(|(_, kept)| {
                let now = extracts.iter().find(|e| e.name == kept.name)?;
                let read = |loaded: u64, rejected: usize| loaded + rejected as u64;
                Some(
                    read(now.rows_loaded, now.rejects.len())
                        .saturating_sub(read(kept.rows_loaded, kept.rejects.len())),
                )
            })
            .sum();
        let fresh = Fresh {
            extracts: &extracts,
            data_to: &data_to,
            counted: &counted,
        };
        let fingerprint = &self.manifest.fingerprint;
        let not_kept = keep_work(&self.dir, fingerprint, measures, fresh, Some(self)).err();
        Ok(Some(Brought {
            results,
            counted,
            extracts,
            data_to,
            not_kept,
            rows_appended,
        }))
    }

    /// Reads the rows appended to each file after its mark, and evaluates every
    /// measure from them and the kept tallies; `None` when the kept work does not
    /// hold for the new rows.
    #[allow(clippy::too_many_arguments)]
    async fn count_appended(
        &self,
        measures: &MeasureSet,
        data_dir: &Path,
        names: &[&str],
        keep: &HashMap<String, BTreeSet<String>>,
        config: &SourcesConfig,
        bound: f64,
        peers: Option<&crate::ingest::peers::PeerGroups>,
        appendable: &[(&'static contract::Contract, &KeptSource)],
    ) -> Result<Option<Appended>, crate::evaluation::pipeline::Error> {
        // The rows appended to each, read side by side, and the kept counts.
        let (appended, counted) = tokio::task::block_in_place(|| {
            std::thread::scope(|scope| {
                let counted = scope.spawn(|| self.counted());
                let reading: Vec<_> = appendable
                    .iter()
                    .map(|&(contract, kept)| {
                        let config = config.source(contract);
                        scope.spawn(move || {
                            let keep = keep.get(contract.name);
                            let extract = crate::ingest::read_appended(
                                &kept.path, contract, &config, keep, &kept.mark,
                            )?;
                            // Kept hashes that cannot be read are no proof of no repeat.
                            let repeats = match &extract {
                                Some(e) => self.repeats_a_kept_value(kept, e).unwrap_or(true),
                                None => false,
                            };
                            Ok::<_, crate::evaluation::pipeline::Error>(
                                extract.filter(|_| !repeats),
                            )
                        })
                    })
                    .collect();
                let appended: Result<Vec<_>, _> = reading
                    .into_iter()
                    .map(|r| r.join().expect("reading appended rows does not panic"))
                    .collect();
                let counted = counted.join().expect("reading kept counts does not panic");
                (appended, counted)
            })
        });
        let appended = appended?;

        // Each extract in the order named: a reference table read whole (it is
        // small), any other as the kept rows with the rows appended.
        let mut appended = appendable.iter().zip(appended);
        let mut extracts = Vec::with_capacity(names.len());
        let mut data_to = HashMap::new();
        for name in names {
            let contract = measures.catalog.contract(name).expect("checked above");
            if contract.period_column.is_none() {
                let config = config.source(contract);
                extracts.push(crate::ingest::load_extract(
                    data_dir, contract, &config, bound, None,
                )?);
                continue;
            }
            let ((_, kept), extract) = appended.next().expect("one for each");
            let Some(mut extract) = extract else {
                return Ok(None);
            };
            data_to.insert(
                kept.name.clone(),
                kept.data_to
                    .and_then(chrono::NaiveDate::from_num_days_from_ce_opt)
                    .max(crate::ingest::data_to(&extract)),
            );
            // The extract as a whole: the kept rows' counts and rejects, then the new.
            extract.rows_loaded += kept.rows_loaded;
            let mut rejects = kept.rejects.clone();
            rejects.append(&mut extract.rejects);
            extract.rejects = rejects;
            for file in &mut extract.files {
                file.rows = extract.rows_loaded + extract.rejects.len() as u64;
            }
            extracts.push(crate::ingest::refuse_past_bound(extract, bound)?);
        }
        let Ok(counted) = counted else {
            return Ok(None);
        };
        let Some((results, counted)) = crate::engine::evaluate_adding(
            measures,
            &extracts,
            peers,
            self.person_key,
            Some(counted),
        )
        .await?
        else {
            return Ok(None);
        };
        Ok(Some((results, extracts, data_to, counted)))
    }

    /// Whether a new row's unique value has the hash of a kept row's: the
    /// kept rows are not at hand to say which, so only a full read can.
    fn repeats_a_kept_value(&self, kept: &KeptSource, new: &Extract) -> Result<bool, KeepError> {
        let Some(continuation) = &new.continuation else {
            return Ok(false);
        };
        for (files, new_hashes) in kept.unique_hashes.iter().zip(&continuation.unique_hashes) {
            for file in files {
                // Both sorted: one pass over the kept hashes, a piece at a time.
                let path = self.dir.join(file);
                let error = |source| KeepError::Io {
                    path: path.clone(),
                    source,
                };
                let mut reader = std::fs::File::open(&path).map_err(error)?;
                let mut piece = vec![0u8; 256 << 10];
                let mut next_new = new_hashes.iter().peekable();
                'file: loop {
                    let n = read_full(&mut reader, &mut piece).map_err(error)?;
                    for bytes in piece[..n - n % 8].chunks_exact(8) {
                        let old = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
                        while next_new.next_if(|&&h| h < old).is_some() {}
                        match next_new.peek() {
                            None => break 'file,
                            Some(&&h) if h == old => return Ok(true),
                            Some(_) => {}
                        }
                    }
                    if n < piece.len() {
                        break;
                    }
                }
            }
        }
        Ok(false)
    }

    /// The kept tallies and look-backs, one per measure.
    fn counted(&self) -> Result<Vec<Counted>, KeepError> {
        self.manifest
            .measures
            .iter()
            .map(|m| {
                let look_back = match &m.look_back {
                    None => None,
                    Some((file, last_day)) => {
                        Some(read_look_back(&self.dir.join(file), *last_day)?)
                    }
                };
                Ok(Counted {
                    tally: m.tally.clone(),
                    look_back,
                })
            })
            .collect()
    }
}

/// What an evaluation did: its extracts (with their continuations), how far
/// each runs where known apart from its batches, and each measure's counts.
pub struct Fresh<'a> {
    pub extracts: &'a [Extract],
    pub data_to: &'a HashMap<String, Option<chrono::NaiveDate>>,
    pub counted: &'a [Counted],
}

/// Keeps the work of an evaluation in `dir` for the next: nothing when an
/// extract cannot be appended to (Parquet, police.uk, a file without a final
/// newline). `before` is the kept work this evaluation went on from, whose
/// files of unique hashes are kept on. The manifest is replaced last, whole,
/// so that a failure part way leaves the kept work as it was.
pub fn keep_work(
    dir: &Path,
    fingerprint: &str,
    measures: &MeasureSet,
    fresh: Fresh,
    before: Option<&Kept>,
) -> Result<(), KeepError> {
    let Fresh {
        extracts,
        data_to,
        counted,
    } = fresh;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| KeepError::Io { path, source }
    };
    // Kept work holds person hashes and restricted tallies: this user's alone.
    atomic::create_private_dir(dir).map_err(|e| KeepError::Io {
        path: e.path,
        source: e.source,
    })?;
    let stamp = format!(
        "{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let mut sources = Vec::new();
    for extract in extracts {
        if extract.contract.period_column.is_none() {
            continue;
        }
        let (Some(continuation), [file]) = (&extract.continuation, extract.files.as_slice()) else {
            // Not appendable: keep nothing, so that the next evaluation is whole.
            return std::fs::remove_dir_all(dir).map_err(io(dir));
        };
        let kept_before =
            before.and_then(|b| b.manifest.sources.iter().find(|s| s.name == extract.name));
        let mut unique_hashes = Vec::new();
        for (k, hashes) in continuation.unique_hashes.iter().enumerate() {
            let mut files: Vec<String> = kept_before
                .and_then(|b| b.unique_hashes.get(k).cloned())
                .unwrap_or_default();
            if !hashes.is_empty() {
                let name = format!("{}-{k}-{stamp}.hashes", extract.name);
                let path = dir.join(&name);
                write_encoded(&path, hashes, |h, bytes| {
                    bytes.extend_from_slice(&h.to_le_bytes());
                })
                .map_err(io(&path))?;
                files.push(name);
            }
            unique_hashes.push(files);
        }
        sources.push(KeptSource {
            name: extract.name.clone(),
            path: file.path.clone(),
            mark: continuation.mark.clone(),
            rows_loaded: extract.rows_loaded,
            rejects: extract.rejects.clone(),
            data_to: data_to
                .get(&extract.name)
                .copied()
                .unwrap_or_else(|| crate::ingest::data_to(extract))
                .map(|d| chrono::Datelike::num_days_from_ce(&d)),
            unique_hashes,
        });
    }
    let mut kept_measures = Vec::new();
    for (measure, counted) in measures.measures.iter().zip(counted) {
        let look_back = match &counted.look_back {
            None => None,
            Some(look_back) => {
                let name = format!("{}-{stamp}.look-back", measure.id);
                let path = dir.join(&name);
                write_look_back(&path, look_back).map_err(io(&path))?;
                Some((name, look_back.last_day))
            }
        };
        kept_measures.push(KeptMeasure {
            id: measure.id.clone(),
            tally: counted.tally.clone(),
            look_back,
        });
    }
    let manifest = Manifest {
        fingerprint: fingerprint.to_string(),
        sources,
        measures: kept_measures,
    };
    let json = serde_json::to_vec(&manifest).expect("the manifest serialises");
    let staged = dir.join(format!(".{MANIFEST}.{stamp}"));
    private_file(&staged)
        .and_then(|mut file| file.write_all(&json))
        .map_err(io(&staged))?;
    std::fs::rename(&staged, dir.join(MANIFEST)).map_err(io(dir))?;
    // Files no manifest names any more.
    let named: BTreeSet<&str> = manifest
        .sources
        .iter()
        .flat_map(|s| s.unique_hashes.iter().flatten().map(String::as_str))
        .chain(
            manifest
                .measures
                .iter()
                .filter_map(|m| m.look_back.as_ref().map(|l| l.0.as_str())),
        )
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name != MANIFEST && !named.contains(name.as_str()) && !name.starts_with('.') {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    atomic::create_private_file(path).map_err(|e| e.source)
}

/// Fills `buffer` from `reader` as far as it goes; how much was read.
fn read_full(reader: &mut impl std::io::Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// A look-back on disk: each row's key and day, little-endian, 20 bytes a row.
fn write_look_back(path: &Path, look_back: &LookBack) -> std::io::Result<()> {
    write_encoded(path, &look_back.rows, |&(h1, h2, day), bytes| {
        bytes.extend_from_slice(&h1.to_le_bytes());
        bytes.extend_from_slice(&h2.to_le_bytes());
        bytes.extend_from_slice(&day.to_le_bytes());
    })
}

/// Writes `items` to a file as `encode` spells each in bytes, a chunk at a
/// time: the kept numbers go to disk without a second copy of them in memory,
/// nor a call to write each.
fn write_encoded<T>(
    path: &Path,
    items: &[T],
    encode: impl Fn(&T, &mut Vec<u8>),
) -> std::io::Result<()> {
    let mut file = private_file(path)?;
    let mut bytes = Vec::with_capacity(256 << 10);
    for chunk in items.chunks(8 << 10) {
        bytes.clear();
        for item in chunk {
            encode(item, &mut bytes);
        }
        file.write_all(&bytes)?;
    }
    Ok(())
}

fn read_look_back(path: &Path, last_day: Option<i32>) -> Result<LookBack, KeepError> {
    let error = |source| KeepError::Io {
        path: path.to_path_buf(),
        source,
    };
    // A piece at a time into rows sized from the file: the file whole in
    // memory as well would be as large again.
    let mut file = std::fs::File::open(path).map_err(error)?;
    let bytes = file.metadata().map_err(error)?.len() as usize;
    let mut rows = Vec::with_capacity(bytes / 20);
    let mut piece = vec![0u8; 20 * 13_000];
    loop {
        let n = read_full(&mut file, &mut piece).map_err(error)?;
        rows.extend(piece[..n - n % 20].chunks_exact(20).map(|row| {
            let (h1, rest) = row.split_at(8);
            let (h2, day) = rest.split_at(8);
            let number = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
            (
                number(h1),
                number(h2),
                i32::from_le_bytes(day.try_into().expect("4 bytes")),
            )
        }));
        if n < piece.len() {
            break;
        }
    }
    Ok(LookBack { last_day, rows })
}
