//! The whole run: definitions and extracts from their folders, evaluated into
//! results. Nothing is written here; callers decide what to do with success.

use crate::definition::{DefinitionError, MeasureSet};
use crate::engine::disclosure::Printed;
use crate::engine::{EngineError, MeasureResult};
use crate::ingest::{Extract, FileProvenance, IngestError, SourceCatalog};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Definition(#[from] DefinitionError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Declaration(#[from] crate::ingest::DeclarationError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Write(#[from] crate::evaluation::results::WriteError),
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
    #[error(transparent)]
    History(#[from] crate::evaluation::history::HistoryError),
}

/// What was read, for the analyst and for provenance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExtractSummary {
    pub source: String,
    /// The SHA-256 of the source's declaration (with its force's districts).
    pub declaration_sha256: String,
    pub files: Vec<FileProvenance>,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    pub ignored_columns: Vec<String>,
    /// The latest date in the extract: how fresh its data is.
    #[serde(serialize_with = "iso_date")]
    pub data_to: Option<chrono::NaiveDate>,
}

/// Evaluated measures, with what produced them.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub results: Vec<MeasureResult>,
    pub extracts: Vec<ExtractSummary>,
    /// What the analyst should know: e.g. measures left out for want of a reference table.
    pub warnings: Vec<String>,
    pub evaluated_at: chrono::DateTime<chrono::Utc>,
    /// The snapshot these results are kept as, once recorded.
    pub snapshot: Option<crate::evaluation::history::SnapshotInfo>,
    /// Whether the evaluation went on from the work kept by the one before,
    /// reading only the rows appended since (see [`crate::evaluation::incremental`]).
    pub from_kept_work: bool,
    /// The rows (loaded or rejected) read from what was appended, when
    /// `from_kept_work`: none when nothing was appended since.
    pub rows_appended: u64,
    /// The SHA-256 of the settings beside the extracts (sources.toml,
    /// peer_groups.toml): part of what a snapshot is of.
    pub settings_sha256: String,
    /// The folder the extracts were read from.
    pub data_dir: PathBuf,
    /// The force the measures were declared for: its point is marked on a
    /// funnel of the forces.
    pub force: &'static crate::ingest::Force,
    /// The results in the contract's CSV, encoded once for the results file and
    /// the snapshot: results are not changed once evaluated.
    results_csv: std::sync::OnceLock<std::sync::Arc<[u8]>>,
}

impl Evaluation {
    /// The extract a measure reads.
    pub fn extract(&self, source: &str) -> Option<&ExtractSummary> {
        self.extracts.iter().find(|e| e.source == source)
    }

    /// The latest date in the extracts the measures of `results` read: how
    /// fresh those figures are. Only what a reader may see counts, so that a
    /// restricted extract's date is never shown to the public.
    pub fn data_to<'a>(
        &self,
        results: impl IntoIterator<Item = &'a MeasureResult>,
    ) -> Option<chrono::NaiveDate> {
        results
            .into_iter()
            .filter_map(|r| self.extract(&r.measure.source)?.data_to)
            .max()
    }

    /// The snapshot the figures are kept as, if they are.
    pub fn snapshot_id(&self) -> Option<&str> {
        self.snapshot.as_ref().map(|s| s.id.as_str())
    }

    /// When the data was loaded: the first evaluation of these inputs, as kept
    /// in the snapshots, or this evaluation when none is kept.
    pub fn loaded_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.snapshot
            .as_ref()
            .and_then(|s| s.loaded_at())
            .unwrap_or(self.evaluated_at)
    }

    /// The results as the contract's CSV (see [`crate::evaluation::results::to_csv`]).
    pub fn results_csv(&self) -> &[u8] {
        self.results_csv.get_or_init(|| {
            crate::evaluation::results::to_csv(&crate::evaluation::results::rows(&self.results))
                .into()
        })
    }

    /// The extracts' folder as snapshots name it (absolute where it can be).
    pub fn data_folder(&self) -> String {
        std::fs::canonicalize(&self.data_dir)
            .unwrap_or_else(|_| self.data_dir.clone())
            .display()
            .to_string()
    }

    /// Keeps the results as a snapshot (see [`crate::evaluation::history`]).
    pub fn record_in(
        &mut self,
        history: &crate::evaluation::history::History,
    ) -> Result<(), Error> {
        self.snapshot = Some(history.record(self)?);
        Ok(())
    }
}

/// Reads and validates the measures of a folder against the sources and the
/// Plan the project in the working folder declares (`data/` and
/// `dashboards/plan.toml`, else those shipped).
pub fn load_measures(dir: &Path) -> Result<MeasureSet, Error> {
    load_measures_in(Path::new("."), dir)
}

/// Reads and validates the measures of a folder against the declarations of
/// the project at `root`.
pub fn load_measures_in(root: &Path, dir: &Path) -> Result<MeasureSet, Error> {
    let set = load_definitions_in(root, dir)?;
    // The analysts' commentary beside the measures, where the project has
    // some; on the project's own measures folder, commentary on a measure it
    // does not have is a mistake.
    let own = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            p.components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect()
        })
    };
    let all_measures = own(dir) == own(&root.join("measures"));
    Ok(set.with_commentary_on(&root.join(crate::definition::commentary::DIR), all_measures)?)
}

/// The measure definitions of `dir` (with no commentary), checked against
/// the declarations of the project in the working folder.
pub fn load_definitions(dir: &Path) -> Result<MeasureSet, Error> {
    load_definitions_in(Path::new("."), dir)
}

fn load_definitions_in(root: &Path, dir: &Path) -> Result<MeasureSet, Error> {
    let declarations = crate::ingest::Declarations::load(root)?;
    let objectives = crate::definition::Objectives::load(root)?;
    let catalog = SourceCatalog::of(&declarations);
    // Run from another folder, `measures` (or `measures/police_uk`) is the
    // shipped set, as the demo data and declarations are.
    let mut files = match shipped_measures(dir) {
        shipped if !dir.exists() && !shipped.is_empty() => shipped,
        _ => crate::definition::files_in(dir)?,
    };
    // A folder of People's Priorities alone is a measure set too.
    files.extend(priority_files(root, dir)?);
    if files.is_empty() {
        return Err(crate::definition::DefinitionError::NoMeasures(dir.to_path_buf()).into());
    }
    Ok(crate::definition::parse_all(&files, &catalog, objectives)?)
}

/// Where a project keeps its People's Priorities, below its root.
pub const PRIORITIES_DIR: &str = "measures/priorities";

/// The People's Priorities read with every measure set: `priorities/` in the
/// measures folder, or beside it (`measures/priorities` for
/// `measures/police_uk`); the shipped ones for a project with no measures.
fn priority_files(root: &Path, dir: &Path) -> Result<Vec<crate::definition::SourceText>, Error> {
    let mut folders = vec![dir.join("priorities")];
    if let Some(parent) = dir.parent()
        && parent.file_name().is_some_and(|n| n == "measures")
    {
        folders.push(parent.join("priorities"));
    }
    let mut seen = Vec::new();
    let mut files = Vec::new();
    for folder in folders.into_iter().filter(|f| f.is_dir()) {
        let canonical = std::fs::canonicalize(&folder).unwrap_or(folder.clone());
        if seen.contains(&canonical) {
            continue;
        }
        seen.push(canonical);
        files.extend(crate::definition::files_in(&folder)?);
    }
    if seen.is_empty() && !root.join("measures").exists() {
        files.extend(shipped_measures(Path::new(PRIORITIES_DIR)));
    }
    Ok(files)
}

/// The shipped measure files directly in `dir` (a path from the project root).
fn shipped_measures(dir: &Path) -> Vec<crate::definition::SourceText> {
    let folder = dir.to_string_lossy().trim_end_matches('/').to_string();
    crate::common::shipped::under(&folder)
        .filter(|(path, _)| Path::new(path).parent() == Some(Path::new(&folder)))
        .map(|(path, text)| crate::definition::SourceText {
            path: path.into(),
            text: text.to_string(),
        })
        .collect()
}

/// Loads the extracts the measures need from `data_dir` and evaluates every measure.
/// `progress` hears of each step. Returns the extracts too, for their rejects.
/// With `kept_work`, a folder where each evaluation keeps its work for the
/// next: when the extracts have only grown by rows appended, only those are
/// read and counted (see [`crate::evaluation::incremental`]). `printed` are
/// the figures packs printed before (see [`History::printed`]): the
/// disclosure audit counts them as published.
///
/// [`History::printed`]: crate::evaluation::history::History::printed
pub async fn evaluate(
    measures: &MeasureSet,
    data_dir: &Path,
    max_reject_share: Option<f64>,
    kept_work: Option<&Path>,
    printed: &[Printed],
    progress: &(dyn Fn(&str) + Sync),
) -> Result<(Evaluation, Vec<Extract>), Error> {
    progress("loading extracts");
    let mut names = measures.sources();
    let mut warnings = Vec::new();
    use crate::ingest::contract::PopulationOf;
    let tables = |of| measures.catalog.population_table(of).map_or("", |t| t.name);
    let (population, force_population) =
        (tables(PopulationOf::District), tables(PopulationOf::Force));
    let mut measures = std::borrow::Cow::Borrowed(measures);
    // Population is a reference table, not an extract: without it, rates are left
    // out (with a warning) and every other measure is still evaluated.
    let catalog = measures.catalog.clone();
    let known = catalog.contracts().to_vec();
    let present = |name: &str| {
        catalog
            .contract(name)
            .is_some_and(|c| crate::ingest::extract_present(data_dir, c, &known))
    };
    if names.contains(&population) && !present(population) {
        names.retain(|n| *n != population);
        let (rates, others): (Vec<_>, Vec<_>) = measures
            .measures
            .iter()
            .cloned()
            .partition(|m| m.kind.needs_population() && m.peer_group.is_none());
        warnings.push(format!(
            "no population table in {}: rate measures left out ({})",
            data_dir.display(),
            rates
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        measures = std::borrow::Cow::Owned(measures.with_measures(others));
    }
    // A force adopts sources one at a time: the measures of a source with no
    // extract in the folder are left out, with a warning, unless none is left.
    let absent: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| {
            measures
                .catalog
                .contract(n)
                .is_some_and(|c| c.period_column.is_some())
        })
        .filter(|n| !present(n))
        .collect();
    if !absent.is_empty() {
        let (left_out, kept): (Vec<_>, Vec<_>) = measures
            .measures
            .iter()
            .cloned()
            .partition(|m| absent.contains(&m.source.as_str()));
        // People's Priorities come with every measure set: those on sources
        // this folder lacks (the force's own, beside police.uk) go quietly.
        let left_out: Vec<_> = left_out
            .into_iter()
            .filter(|m| m.priority.is_none())
            .collect();
        if kept.is_empty() {
            return Err(IngestError::MissingFile {
                source_name: absent[0].to_string(),
                dir: data_dir.to_path_buf(),
            }
            .into());
        }
        for source in &absent {
            let ids: Vec<&str> = left_out
                .iter()
                .filter(|m| m.source == *source)
                .map(|m| m.id.as_str())
                .collect();
            if ids.is_empty() {
                continue;
            }
            warnings.push(format!(
                "no extract for `{source}` in {}: its measures are left out ({})",
                data_dir.display(),
                ids.join(", ")
            ));
        }
        names.retain(|n| !absent.contains(n));
        measures = std::borrow::Cow::Owned(measures.with_measures(kept));
        names = measures_sources_kept(&names, &measures);
    }
    // Peer comparisons need the peer groups and every force's population; without
    // them those measures are left out, with a warning, like rates without population.
    let peers =
        crate::ingest::peers::load(data_dir).map_err(|d| DefinitionError::Invalid(vec![*d]))?;
    // A rate compared with peers needs every force's population too; a proportion does not.
    let needs_population = |m: &crate::definition::Measure| m.kind.needs_population();
    let left_out: Vec<String> = measures
        .measures
        .iter()
        .filter(|m| {
            m.peer_group.is_some()
                && (peers.is_none() || (needs_population(m) && !present(force_population)))
        })
        .map(|m| m.id.clone())
        .collect();
    if !left_out.is_empty() {
        warnings.push(match peers {
            None => format!(
                "no {} in {}: peer comparisons left out ({})",
                crate::ingest::peers::FILE,
                data_dir.display(),
                left_out.join(", ")
            ),
            Some(_) => format!(
                "no {force_population}.csv in {}: peer comparisons of rates left out ({})",
                data_dir.display(),
                left_out.join(", ")
            ),
        });
        let kept = measures
            .measures
            .iter()
            .filter(|m| !left_out.contains(&m.id))
            .cloned()
            .collect();
        measures = std::borrow::Cow::Owned(measures.with_measures(kept));
    }
    if !measures
        .measures
        .iter()
        .any(|m| m.peer_group.is_some() && needs_population(m))
    {
        names.retain(|n| *n != force_population);
    }
    // Only the columns the measures read are held in memory (all are checked).
    // A reference table is read whole.
    let keep = names
        .iter()
        .filter(|n| {
            measures
                .catalog
                .contract(n)
                .is_some_and(|c| c.period_column.is_some())
        })
        .filter_map(|n| Some((n.to_string(), measures.columns_read(n)?)))
        .collect();
    // Kept work keeps person hashes: under the installation's key, kept with
    // it. Without a place to keep it, a key for this evaluation alone.
    let (person_key, kept_work) = match kept_work.map(crate::engine::PersonKey::kept_in) {
        Some(Ok(key)) => (key, kept_work),
        Some(Err(e)) => {
            warnings.push(format!("{e}: work is not kept for the next evaluation"));
            (crate::engine::PersonKey::random(), None)
        }
        None => (crate::engine::PersonKey::random(), None),
    };
    let fingerprint = crate::evaluation::incremental::fingerprint(
        &measures,
        &names,
        &keep,
        data_dir,
        &person_key,
    );
    let kept = kept_work
        .and_then(|dir| crate::evaluation::incremental::Kept::open(dir, &fingerprint, person_key));
    if let Some(kept) = kept {
        let brought = kept
            .bring_up_to_date(
                &measures,
                data_dir,
                &names,
                &keep,
                max_reject_share,
                peers.as_ref(),
            )
            .await?;
        if let Some(mut brought) = brought {
            protect(&mut brought.results, &brought.counted, printed);
            let summaries = brought
                .extracts
                .iter()
                .map(|e| summary(e, brought.data_to.get(&e.name).copied().flatten()))
                .collect();
            warnings.extend(brought.not_kept.map(|e| e.to_string()));
            let mut evaluation = finished(
                brought.results,
                summaries,
                warnings,
                data_dir,
                measures.catalog.force(),
            );
            evaluation.from_kept_work = true;
            evaluation.rows_appended = brought.rows_appended;
            return Ok((evaluation, brought.extracts));
        }
        progress("the kept work no longer holds: evaluating in full");
    }
    let contracts: Vec<_> = names
        .iter()
        .filter_map(|n| measures.catalog.contract(n))
        .collect();
    let mut extracts = tokio::task::block_in_place(|| {
        crate::ingest::load_extracts_keeping(data_dir, &contracts, &known, max_reject_share, &keep)
    })?;
    release_freed_memory();
    progress("evaluating measures");
    let (mut results, counted) =
        crate::engine::evaluate(&measures, &extracts, peers.as_ref(), person_key).await?;
    protect(&mut results, &counted, printed);
    let data_to: std::collections::HashMap<String, Option<chrono::NaiveDate>> = extracts
        .iter()
        .map(|e| (e.name.clone(), crate::ingest::data_to(e)))
        .collect();
    if let Some(dir) = kept_work {
        let fresh = crate::evaluation::incremental::Fresh {
            extracts: &extracts,
            data_to: &data_to,
            counted: &counted,
        };
        // Results stand without kept work: the next evaluation is then full.
        if let Err(e) =
            crate::evaluation::incremental::keep_work(dir, &fingerprint, &measures, fresh, None)
        {
            warnings.push(e.to_string());
        }
    }
    for extract in &mut extracts {
        extract.continuation = None;
    }
    let summaries = extracts
        .iter()
        .map(|e| summary(e, data_to[&e.name]))
        .collect();
    Ok((
        finished(
            results,
            summaries,
            warnings,
            data_dir,
            measures.catalog.force(),
        ),
        extracts,
    ))
}

/// The sources still read once measures are left out: those some measure
/// that is kept reads (a population table only while a rate is kept).
fn measures_sources_kept<'a>(names: &[&'a str], measures: &MeasureSet) -> Vec<&'a str> {
    let needed = measures.sources();
    names
        .iter()
        .copied()
        .filter(|n| needed.contains(n))
        .collect()
}

/// The disclosure audit over every measure's figures and what was printed before.
fn protect(results: &mut [MeasureResult], counted: &[crate::engine::Counted], printed: &[Printed]) {
    let started = std::time::Instant::now();
    let tallies: Vec<&crate::engine::tally::Tally> = counted.iter().map(|c| &c.tally).collect();
    crate::engine::disclosure::protect(results, &tallies, printed);
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        printed = printed.len(),
        "disclosure audit"
    );
}

fn summary(e: &Extract, data_to: Option<chrono::NaiveDate>) -> ExtractSummary {
    ExtractSummary {
        source: e.name.clone(),
        declaration_sha256: e.contract.sha256.to_string(),
        files: e.files.clone(),
        rows_loaded: e.rows_loaded,
        rows_rejected: e.rejects.len() as u64,
        ignored_columns: e.ignored_columns.clone(),
        data_to,
    }
}

fn finished(
    results: Vec<MeasureResult>,
    extracts: Vec<ExtractSummary>,
    warnings: Vec<String>,
    data_dir: &Path,
    force: &'static crate::ingest::Force,
) -> Evaluation {
    Evaluation {
        force,
        results,
        extracts,
        warnings,
        evaluated_at: chrono::Utc::now(),
        snapshot: None,
        from_kept_work: false,
        rows_appended: 0,
        settings_sha256: crate::common::sha256_hex(
            crate::evaluation::incremental::settings_text(data_dir).as_bytes(),
        ),
        data_dir: data_dir.to_path_buf(),
        results_csv: Default::default(),
    }
}

/// Hands memory the reading threads have freed back to the system. glibc keeps
/// each thread's freed memory for reuse by that thread, but those threads are
/// gone, and evaluation would otherwise come on top of all of it.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only returns free memory to the system; it is safe
        // to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The embedded demo data: the generator's output for its fixed seed, made
/// afresh into a temporary folder that lives as long as the returned guard.
pub fn demo_data(declarations: &crate::ingest::Declarations) -> Result<tempfile::TempDir, Error> {
    let dir = tempfile::Builder::new()
        .prefix("mos-demo-")
        .tempdir()
        .map_err(|source| crate::demo::DemoError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    crate::demo::generate(
        dir.path(),
        &crate::demo::DemoOptions::for_project(declarations),
    )?;
    Ok(dir)
}

fn iso_date<S: serde::Serializer>(
    date: &Option<chrono::NaiveDate>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => serializer.serialize_str(&d.to_string()),
        None => serializer.serialize_none(),
    }
}
