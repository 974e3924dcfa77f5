//! Ingest: reads the extracts of a data folder (CSV or Parquet) against their
//! contracts into typed Arrow batches. Rows that break a contract are rejected
//! with their reasons and counted; an extract with too many is refused whole.

pub mod append;
mod blocks;
pub mod config;
pub mod contract;
pub mod declared;
mod derive;
mod parquet;
pub mod peers;
pub mod police_uk;
pub mod project;
mod rows;
pub mod spreadsheet;

pub use config::{SourceConfig, SourcesConfig};
pub use declared::{DeclarationError, Declarations, District, Force, Neighbourhood};
pub use rows::Reject;

use contract::{ColumnType, Contract};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The default bound on the share of an extract's rows that may be rejected.
pub const DEFAULT_MAX_REJECT_SHARE: f64 = 0.01;

/// A source's columns, as definitions see them.
#[derive(Debug, Clone)]
pub struct SourceSchema {
    pub name: String,
    pub description: String,
    pub columns: Vec<SourceColumn>,
    pub period_column: Option<String>,
    /// The column each row counts as (`counts_as`), for aggregate rows.
    pub counts_as: Option<String>,
    /// How many months from its date each row stands for.
    pub row_months: u32,
    /// The column naming each row's force, in several forces' data.
    pub force_column: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SourceColumn {
    pub name: String,
    pub ty: ColumnType,
    /// Whether it identifies a person or a record (see [`contract::ColumnSpec`]).
    pub identifier: bool,
}

impl SourceSchema {
    pub fn from_contract(contract: &Contract) -> Self {
        SourceSchema {
            name: contract.name.to_string(),
            description: contract.description.to_string(),
            columns: contract
                .columns
                .iter()
                .map(|c| (c.name, c.ty, c.identifier))
                .chain(contract.derived.iter().map(|d| (d.name, d.ty, false)))
                .map(|(name, ty, identifier)| SourceColumn {
                    name: name.to_string(),
                    ty,
                    identifier,
                })
                .collect(),
            period_column: contract.period_column.map(str::to_string),
            counts_as: contract.counts_as.map(str::to_string),
            row_months: contract.row_months,
            force_column: contract.force_column.map(str::to_string),
        }
    }

    pub fn column(&self, name: &str) -> Option<&SourceColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The columns a mean, median or percentile can be of.
    pub fn numeric_columns(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| matches!(c.ty, ColumnType::Int { .. } | ColumnType::Decimal))
            .map(|c| c.name.as_str())
            .collect()
    }

    pub fn date_columns(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| matches!(c.ty, ColumnType::Date | ColumnType::DateTime))
            .map(|c| c.name.as_str())
            .collect()
    }

    /// The Arrow schema, with extra boolean columns (those a measure derives).
    pub fn arrow_schema_with(&self, extra_booleans: &[&str]) -> SchemaRef {
        let mut fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(&c.name, c.ty.arrow_type(), true))
            .collect();
        fields.extend(
            extra_booleans
                .iter()
                .map(|name| Field::new(*name, DataType::Boolean, true)),
        );
        Arc::new(Schema::new(fields))
    }
}

/// The sources measures can read, and the force whose districts they hold.
#[derive(Debug, Clone)]
pub struct SourceCatalog {
    force: &'static Force,
    contracts: Vec<&'static Contract>,
    sources: Vec<SourceSchema>,
}

impl SourceCatalog {
    /// The declared sources.
    pub fn of(declarations: &Declarations) -> Self {
        SourceCatalog {
            force: declarations.force,
            contracts: declarations.sources.clone(),
            sources: declarations
                .sources
                .iter()
                .map(|c| SourceSchema::from_contract(c))
                .collect(),
        }
    }

    /// The sources shipped with `mos`.
    pub fn shipped() -> Self {
        Self::of(Declarations::shipped())
    }

    pub fn get(&self, name: &str) -> Option<&SourceSchema> {
        self.sources.iter().find(|s| s.name == name)
    }

    pub fn contract(&self, name: &str) -> Option<&'static Contract> {
        self.contracts.iter().copied().find(|c| c.name == name)
    }

    pub fn contracts(&self) -> &[&'static Contract] {
        &self.contracts
    }

    pub fn force(&self) -> &'static Force {
        self.force
    }

    /// The reference table of population by district (for rates) or by force
    /// (for peer comparisons), if one is declared.
    pub fn population_table(&self, of: contract::PopulationOf) -> Option<&'static Contract> {
        self.contracts
            .iter()
            .copied()
            .find(|c| c.population_of == Some(of))
    }

    /// The declarations the catalog was made of.
    pub fn declarations(&self) -> Declarations {
        Declarations {
            force: self.force,
            sources: self.contracts.clone(),
        }
    }

    /// Sources a measure can count (reference tables excluded).
    pub fn measure_sources(&self) -> impl Iterator<Item = &str> {
        self.sources
            .iter()
            .filter(|s| s.period_column.is_some())
            .map(|s| s.name.as_str())
    }
}

impl Default for SourceCatalog {
    fn default() -> Self {
        Self::shipped()
    }
}

/// One file read, for provenance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileProvenance {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
    /// Data rows in the file, loaded and rejected.
    pub rows: u64,
}

/// The latest date in an extract's period column: how far its data runs. For a
/// source published a month at a time, the end of its latest month.
pub fn data_to(extract: &Extract) -> Option<chrono::NaiveDate> {
    let (_, day) = data_span(extract)?;
    Some(if extract.contract.months_without_rows_are_unpublished() {
        crate::common::period::Month::of(day).last_day()
    } else {
        day
    })
}

/// The first and last dates in an extract's period column.
pub fn data_span(extract: &Extract) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::datatypes::{Date32Type, TimeUnit, TimestampMillisecondType};
    let contract = extract.contract;
    let index = extract.schema.index_of(contract.period_column?).ok()?;
    // The extreme values, then their days: a day for every row would cost more.
    const MILLIS_A_DAY: i64 = 86_400_000;
    let (first, last) = extract
        .batches
        .iter()
        .filter_map(|batch| {
            use datafusion::arrow::compute::{max, min};
            let column = batch.column(index);
            if let DataType::Timestamp(TimeUnit::Millisecond, _) = column.data_type() {
                let millis = column.as_primitive::<TimestampMillisecondType>();
                let day = |m: i64| m.div_euclid(MILLIS_A_DAY);
                return Some((day(min(millis)?), day(max(millis)?)));
            }
            // A date column (which the cast leaves as it is), or another type read as dates.
            let days = datafusion::arrow::compute::cast(column, &DataType::Date32).ok()?;
            let days = days.as_primitive::<Date32Type>();
            Some((i64::from(min(days)?), i64::from(max(days)?)))
        })
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))?;
    use crate::common::period::date_of_day;
    Some((date_of_day(first)?, date_of_day(last)?))
}

/// An extract loaded into Arrow.
#[derive(Debug, Clone)]
pub struct Extract {
    pub name: String,
    /// The contract it was read against.
    pub contract: &'static Contract,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    /// The files read (one for a contract extract; a folder's worth for police.uk).
    pub files: Vec<FileProvenance>,
    pub rows_loaded: u64,
    pub rejects: Vec<Reject>,
    /// Columns in the file that the contract does not know (reported, not loaded).
    pub ignored_columns: Vec<String>,
    /// For a CSV file, what reading rows appended to it later needs.
    pub continuation: Option<append::Continuation>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{}:{line}: the file ends in the middle of a row ({reason}), so it looks cut short or still being copied; the extract is refused. Let the copy finish (or export the file again), then reload; a file that is whole without a final newline is taken when sources.toml declares its row count (`rows = N` in its table)", .path.display())]
    CutShort {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error("{}: the file holds {rows} rows, but sources.toml declares `rows = {declared}`, so it looks cut short or still being copied; the extract is refused. Let the copy finish (or export the file again and its count with it), then reload", .path.display())]
    RowCount {
        path: PathBuf,
        declared: u64,
        rows: u64,
    },
    #[error("no extract for `{source_name}` in {}: expected {source_name}.csv, .parquet, .xlsx or .ods (or a `file` for it in sources.toml)", .dir.display())]
    MissingFile { source_name: String, dir: PathBuf },
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: line {line}: {message}", .path.display())]
    Malformed {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{}: the required column `{column}` is missing{}", .path.display(), hint(.suggestion))]
    MissingColumn {
        path: PathBuf,
        column: String,
        suggestion: Option<String>,
    },
    #[error("{}: {message}", .path.display())]
    Parquet { path: PathBuf, message: String },
    #[error("{}: {message}", .path.display())]
    Spreadsheet { path: PathBuf, message: String },
    #[error("the derived column `{column}` of `{source_name}` cannot be made: {message}")]
    Derive {
        source_name: String,
        column: String,
        message: String,
    },
    #[error(
        "{}: {rejected} of {total} rows ({:.2}%) break the `{source_name}` contract, more than the {:.2}% allowed, so the extract is refused; first rejected row: {}",
        .path.display(), 100.0 * *.rejected as f64 / (*.total).max(1) as f64, 100.0 * .bound, .first.place()
    )]
    TooManyRejects {
        path: PathBuf,
        source_name: String,
        rejected: u64,
        total: u64,
        bound: f64,
        first: Box<Reject>,
    },
    #[error("{}: the extract has no rows to count", .path.display())]
    Empty { path: PathBuf },
    #[error("{}: {message}", .path.display())]
    Config { path: PathBuf, message: String },
    #[error("{} is not a regular file (a folder, a pipe or a device?): an extract or declaration must be a file", .path.display())]
    NotAFile { path: PathBuf },
    #[error("the extract of `{source_name}` is declared as `{file}`, outside the data folder {}: name a file in it", .dir.display())]
    OutsideFolder {
        source_name: String,
        file: String,
        dir: PathBuf,
    },
}

/// Reads a whole file that must be a regular one: a pipe in its place would
/// block the reading for good.
pub fn read_file(path: &Path) -> Result<Vec<u8>, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(IngestError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    std::fs::read(path).map_err(io)
}

fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(
            " (the file has a column `{s}`: if that is it, map it in sources.toml under [columns])"
        ),
        None => {
            " (map the force's own column name onto it in sources.toml under [columns])".to_string()
        }
    }
}

/// Loads the given sources from `dir`, every column of each.
pub fn load_extracts(
    dir: &Path,
    contracts: &[&'static Contract],
    known: &[&'static Contract],
    options: Option<f64>,
) -> Result<Vec<Extract>, IngestError> {
    load_extracts_keeping(dir, contracts, known, options, &HashMap::new())
}

/// Loads the given sources from `dir`. Every column is read and checked, but of
/// a source named in `keep` only those columns (and its period column) are
/// held. `known` are every declared source, which `sources.toml` may name.
pub fn load_extracts_keeping(
    dir: &Path,
    contracts: &[&'static Contract],
    known: &[&'static Contract],
    options: Option<f64>,
    keep: &HashMap<String, BTreeSet<String>>,
) -> Result<Vec<Extract>, IngestError> {
    let config = SourcesConfig::read(dir, known)?;
    let bound = options
        .or(config.max_reject_share)
        .unwrap_or(DEFAULT_MAX_REJECT_SHARE);
    // Each extract is read on its own thread: parsing is the bulk of a run, and
    // the extracts are independent.
    std::thread::scope(|scope| {
        let loading: Vec<_> = contracts
            .iter()
            .map(|&contract| {
                let config = &config;
                scope.spawn(move || {
                    load_extract(
                        dir,
                        contract,
                        &config.source(contract),
                        bound,
                        keep.get(contract.name),
                    )
                })
            })
            .collect();
        loading
            .into_iter()
            .map(|thread| thread.join().expect("loading an extract does not panic"))
            .collect()
    })
}

/// The rows of CSV `text` that break `contract`, as a file at `path` would
/// have them rejected (read as the source declares, without `sources.toml`).
pub fn rejects_of_csv(
    path: &Path,
    text: &str,
    contract: &'static Contract,
) -> Result<Vec<Reject>, IngestError> {
    let layout = rows::Layout::new(contract, None);
    let parsed = rows::read_csv(path, text.as_bytes(), contract, contract.reading, &layout)?;
    Ok(parsed.rejects)
}

/// Whether `dir` has a file for `contract` (by its default name or as
/// `sources.toml` names it).
pub fn extract_present(dir: &Path, contract: &Contract, known: &[&Contract]) -> bool {
    if contract.format == contract::Format::PoliceUkStreet {
        return !police_uk::street_files(dir).is_empty();
    }
    let config = SourcesConfig::read(dir, known)
        .map(|c| c.source(contract))
        .unwrap_or_else(|_| contract.reading.clone());
    // One that is there but cannot be read is present, for its error to be told.
    !matches!(
        extract_path(dir, contract, &config),
        Err(IngestError::MissingFile { .. })
    )
}

/// Finds and loads one extract, refusing it past the reject bound.
pub fn load_extract(
    dir: &Path,
    contract: &'static Contract,
    config: &SourceConfig,
    bound: f64,
    keep: Option<&BTreeSet<String>>,
) -> Result<Extract, IngestError> {
    if contract.format == contract::Format::PoliceUkStreet {
        return refuse_past_bound(police_uk::load(dir, contract, config, keep)?, bound);
    }
    let path = extract_path(dir, contract, config)?;
    refuse_past_bound(load_file(&path, contract, config, keep)?, bound)
}

/// Reads one file of `contract`'s (CSV, Parquet or a workbook), hashing it
/// for provenance, and makes its derived columns.
pub(crate) fn load_file(
    path: &Path,
    contract: &'static Contract,
    config: &SourceConfig,
    keep: Option<&BTreeSet<String>>,
) -> Result<Extract, IngestError> {
    let path = path.to_path_buf();
    let io = |source| IngestError::Io {
        path: path.clone(),
        source,
    };
    let layout = rows::Layout::new(contract, keep);
    let (sha256, size, parsed, mark) = if spreadsheet::is_spreadsheet(&path) {
        // A workbook is read whole (a zip of XML); it is small beside a force's CSVs.
        let bytes = read_file(&path)?;
        let parsed = spreadsheet::read(&path, contract, config, &layout);
        (
            crate::common::sha256_hex(&bytes),
            bytes.len() as u64,
            parsed,
            None,
        )
    } else if is_parquet(&path) {
        // Parquet is read a row group at a time from the file, so it is hashed
        // apart, beside the reading.
        let file = std::fs::File::open(&path).map_err(io)?;
        std::thread::scope(|scope| {
            let hashing = scope.spawn(|| {
                HashingReader::new(std::io::BufReader::with_capacity(1 << 20, file)).finish()
            });
            let parsed = parquet::read_parquet(&path, contract, config, &layout);
            let hashed = hashing.join().expect("hashing a file does not panic");
            (hashed.sha256, hashed.bytes, parsed, None)
        })
    } else {
        // CSV is streamed through the parser and hashed on the way, so the file is
        // never held in memory beside the Arrow columns made from it.
        let file = std::fs::File::open(&path).map_err(io)?;
        let mut hashing = HashingReader::new(std::io::BufReader::with_capacity(1 << 20, file))
            .marking(append::Marker::new());
        let parsed = rows::read_csv(&path, &mut hashing, contract, config, &layout);
        let hashed = hashing.finish();
        let parsed = parsed.and_then(|parsed| {
            refuse_cut_short(&path, parsed, hashed.unterminated_line, config.rows)
        });
        (hashed.sha256, hashed.bytes, Ok(parsed?), hashed.mark)
    };
    let file = FileProvenance {
        path,
        sha256,
        bytes: size,
        rows: 0,
    };
    extract_of(contract, parsed?, file, mark, keep)
}

/// A CSV file whose last line has no newline may have been cut in that line,
/// even where what is left reads as a row (a number or a date cut short still
/// reads), or be still being copied: refused whole, not published. Only the
/// row count the export declares (`rows` in sources.toml) says such a file
/// is whole; a file of another count than it declares is refused too.
fn refuse_cut_short(
    path: &Path,
    parsed: rows::Parsed,
    unterminated_line: Option<u64>,
    declared_rows: Option<u64>,
) -> Result<rows::Parsed, IngestError> {
    let rows = parsed.rows_loaded + parsed.rejects.len() as u64;
    match (declared_rows, unterminated_line) {
        (Some(declared), _) if declared != rows => Err(IngestError::RowCount {
            path: path.to_path_buf(),
            declared,
            rows,
        }),
        (Some(_), _) | (None, None) => Ok(parsed),
        (None, Some(line)) => {
            let reason = match parsed.rejects.last() {
                Some(reject) if reject.line == line => reject.rule.clone(),
                _ => "its last line has no newline".into(),
            };
            Err(IngestError::CutShort {
                path: path.to_path_buf(),
                line,
                reason,
            })
        }
    }
}

/// The extract read from one file, with the file's provenance (its rows
/// counted here) and, where it can be appended to, its continuation.
fn extract_of(
    contract: &'static Contract,
    mut parsed: rows::Parsed,
    mut file: FileProvenance,
    mark: Option<append::FileMark>,
    keep: Option<&BTreeSet<String>>,
) -> Result<Extract, IngestError> {
    file.rows = parsed.rows_loaded + parsed.rejects.len() as u64;
    let continuation = mark.map(|mark| append::Continuation {
        mark,
        unique_hashes: std::mem::take(&mut parsed.unique_hashes),
    });
    let (schema, batches) = derive::apply(contract, keep, parsed.schema, parsed.batches)?;
    Ok(Extract {
        name: contract.name.to_string(),
        contract,
        schema,
        batches,
        files: vec![file],
        rows_loaded: parsed.rows_loaded,
        rejects: parsed.rejects,
        ignored_columns: parsed.ignored_columns,
        continuation,
    })
}

/// The file of a contract extract in `dir`: as sources.toml names it, else
/// `NAME.csv` or `NAME.parquet`.
pub fn extract_path(
    dir: &Path,
    contract: &Contract,
    config: &SourceConfig,
) -> Result<PathBuf, IngestError> {
    let path = match &config.file {
        Some(file) if !config::within_folder(file) => {
            return Err(IngestError::OutsideFolder {
                source_name: contract.name.to_string(),
                file: file.clone(),
                dir: dir.to_path_buf(),
            });
        }
        Some(file) => dir.join(file),
        None => ["csv", "parquet", "xlsx", "ods"]
            .iter()
            .map(|ext| dir.join(format!("{}.{ext}", contract.name)))
            .find(|p| p.exists())
            .ok_or_else(|| IngestError::MissingFile {
                source_name: contract.name.to_string(),
                dir: dir.to_path_buf(),
            })?,
    };
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_file() => Ok(path),
        // A pipe would block the reading for good; a folder cannot be read.
        Ok(_) => Err(IngestError::NotAFile { path }),
        Err(_) => Err(IngestError::MissingFile {
            source_name: contract.name.to_string(),
            dir: dir.to_path_buf(),
        }),
    }
}

pub fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The rows appended to a source's CSV file at `path` since it was read up to
/// `mark`, which the caller checks the file still starts with (see
/// [`append::still_start`]) before using what is read; with the file's provenance and a new
/// continuation, but without the rows read before, nor the bound on rejects
/// (which is for the whole file). `None` when the mark's hash state is
/// unreadable, or sources.toml declares the file's row count.
pub fn read_appended(
    path: &Path,
    contract: &'static Contract,
    config: &SourceConfig,
    keep: Option<&BTreeSet<String>>,
    mark: &append::FileMark,
) -> Result<Option<Extract>, IngestError> {
    let path = path.to_path_buf();
    let io = |source| IngestError::Io {
        path: path.clone(),
        source,
    };
    // A declared row count is of the whole file: it is read whole, to count.
    let (Some(sha), None) = (mark.sha256(), config.rows) else {
        return Ok(None);
    };
    let header = header_record(&path).map_err(io)?;
    let header_newlines = memchr::memchr_iter(b'\n', &header).count() as u64;
    // The mark's last chunk is hashed again from its start, the rest from the mark.
    let mut marker = append::Marker::resume(mark);
    let mut file = std::fs::File::open(&path).map_err(io)?;
    {
        use std::io::{Read, Seek};
        file.seek(std::io::SeekFrom::Start(marker.resume_at()))
            .map_err(io)?;
        let mut last_chunk = vec![0; (mark.bytes - marker.resume_at()) as usize];
        file.read_exact(&mut last_chunk).map_err(io)?;
        marker.update(&last_chunk);
    }
    let mut hashing = HashingReader {
        inner: std::io::BufReader::with_capacity(1 << 20, file),
        hasher: sha,
        bytes: mark.bytes,
        marker: Some(marker),
    };
    let layout = rows::Layout::new(contract, keep);
    let parsed = {
        use std::io::Read;
        let input = (&header[..]).chain(&mut hashing);
        let skipped = mark.newlines.saturating_sub(header_newlines);
        rows::read_csv_appended(&path, input, skipped, contract, config, &layout)
    };
    let hashed = hashing.finish();
    let parsed = refuse_cut_short(&path, parsed?, hashed.unterminated_line, None)?;
    let file = FileProvenance {
        path,
        sha256: hashed.sha256,
        bytes: hashed.bytes,
        rows: 0,
    };
    Ok(Some(extract_of(contract, parsed, file, hashed.mark, keep)?))
}

/// The bytes of a CSV file's header record.
fn header_record(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    let mut piece = vec![0; 64 << 10];
    loop {
        let n = file.read(&mut piece)?;
        bytes.extend_from_slice(&piece[..n]);
        if let Some(end) = blocks::first_record_end(&bytes) {
            bytes.truncate(end);
            return Ok(bytes);
        }
        if n == 0 {
            return Ok(bytes);
        }
    }
}

/// A reader that hashes (SHA-256) and counts the bytes read through it, and
/// may mark the file for appending (see [`append`]).
struct HashingReader<R> {
    inner: R,
    hasher: sha2::Sha256,
    bytes: u64,
    marker: Option<append::Marker>,
}

/// What reading a file through a [`HashingReader`] found.
struct Hashed {
    sha256: String,
    bytes: u64,
    mark: Option<append::FileMark>,
    /// The number of the last line when it has no newline (known for a
    /// marked file): the file may have been cut in it, or still be copied.
    unterminated_line: Option<u64>,
}

impl<R: std::io::Read> HashingReader<R> {
    fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: sha2::Digest::new(),
            bytes: 0,
            marker: None,
        }
    }

    fn marking(self, marker: append::Marker) -> Self {
        HashingReader {
            marker: Some(marker),
            ..self
        }
    }

    /// The hash (lower-case hex) and size of everything read, after reading the
    /// rest, and the file's mark when asked for and the file can be appended to.
    fn finish(mut self) -> Hashed {
        // The parser may stop before the end (a malformed file); the hash is of the whole file.
        let _ = std::io::copy(&mut self, &mut std::io::sink());
        // The marker counts the file's lines already: where it ends is read there.
        let unterminated_line = self
            .marker
            .as_ref()
            .and_then(append::Marker::unterminated_line);
        let mark = self.marker.and_then(|m| m.finish(&self.hasher));
        let digest = sha2::Digest::finalize(self.hasher);
        Hashed {
            sha256: crate::common::hex(&digest),
            bytes: self.bytes,
            mark,
            unterminated_line,
        }
    }
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        sha2::Digest::update(&mut self.hasher, &buf[..n]);
        if let Some(marker) = &mut self.marker {
            marker.update(&buf[..n]);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

/// An extract with no rows, or with more rejected rows than the bound allows, is refused whole.
pub fn refuse_past_bound(extract: Extract, bound: f64) -> Result<Extract, IngestError> {
    let path = extract
        .files
        .first()
        .map(|f| f.path.clone())
        .unwrap_or_default();
    let rejected = extract.rejects.len() as u64;
    let total = extract.rows_loaded + rejected;
    if total == 0 {
        return Err(IngestError::Empty { path });
    }
    if rejected as f64 > bound * total as f64 {
        return Err(IngestError::TooManyRejects {
            path,
            source_name: extract.name.clone(),
            rejected,
            total,
            bound,
            first: Box::new(extract.rejects[0].clone()),
        });
    }
    Ok(extract)
}

/// Writes rejected rows as CSV (source, file, line, column, value, rule), for the analyst.
pub fn write_rejects(path: &Path, extracts: &[Extract]) -> std::io::Result<u64> {
    // Rejected values are the data itself: this user's alone.
    let file = crate::common::atomic::create_private_file(path).map_err(|e| e.source)?;
    let mut writer = csv::Writer::from_writer(file);
    writer.write_record(["source", "file", "line", "column", "value", "rule"])?;
    let mut count = 0;
    for extract in extracts {
        for r in &extract.rejects {
            writer.write_record([
                extract.name.as_str(),
                &r.file.display().to_string(),
                &r.line.to_string(),
                &r.column,
                &crate::common::spreadsheet_safe::inert(&r.value),
                &r.rule,
            ])?;
            count += 1;
        }
    }
    writer.flush()?;
    Ok(count)
}

#[cfg(test)]
mod hashing_tests {
    use super::HashingReader;
    use std::io::Read;

    #[test]
    fn the_hash_is_of_the_whole_file_even_when_reading_stops_early() {
        let bytes = b"crime_ref,recorded_date\nCR1,2024-01-01\nCR2,2024-01-02\n".repeat(1000);
        let mut reader = HashingReader::new(&bytes[..]);
        let mut start = [0u8; 10];
        reader.read_exact(&mut start).unwrap();
        let hashed = reader.finish();
        assert_eq!(hashed.bytes, bytes.len() as u64);
        assert_eq!(hashed.sha256, crate::common::sha256_hex(&bytes));
        // And against a published vector: SHA-256 of "abc".
        assert_eq!(
            HashingReader::new(&b"abc"[..]).finish().sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // Marked, a last line with no newline is line 3 of "a\nb\nc".
        let marked = |bytes: &'static [u8]| {
            HashingReader::new(bytes)
                .marking(super::append::Marker::new())
                .finish()
                .unterminated_line
        };
        assert_eq!(marked(b"a\nb\nc"), Some(3));
        assert_eq!(marked(b"a\nb\nc\n"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::contract::shipped;
    use super::*;

    fn extract(contract: &'static Contract, csv: &str) -> Extract {
        let parsed = rows::read_csv(
            Path::new("t.csv"),
            csv.as_bytes(),
            contract,
            &SourceConfig::default(),
            &rows::Layout::new(contract, None),
        )
        .expect("a valid extract");
        Extract {
            name: contract.name.to_string(),
            contract,
            schema: parsed.schema,
            batches: parsed.batches,
            files: Vec::new(),
            rows_loaded: parsed.rows_loaded,
            rejects: parsed.rejects,
            ignored_columns: parsed.ignored_columns,
            continuation: None,
        }
    }

    #[test]
    fn data_runs_to_the_latest_day_of_dates_and_date_times() {
        let crimes = extract(
            shipped("crimes"),
            "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n\
             C1,2024-03-09,burglary,northby,,,no,no,,\n\
             C2,2024-11-30,burglary,northby,,,no,no,,\n\
             C3,1969-12-31,burglary,northby,,,no,no,,\n",
        );
        assert_eq!(
            data_to(&crimes),
            chrono::NaiveDate::from_ymd_opt(2024, 11, 30)
        );
        // The latest contact late in its day; before 1970 too, whose days count down.
        let contacts = |times: &[&str]| {
            let rows: String = times
                .iter()
                .enumerate()
                .map(|(i, t)| format!("M{i},{t},southby,street_triage,,,\n"))
                .collect();
            extract(
                shipped("mental_health_contacts"),
                &format!(
                    "contact_ref,contact_time,district,contact_type,place_of_safety,age,minutes_in_police_care\n{rows}"
                ),
            )
        };
        let latest = contacts(&[
            "2024-01-31T23:59:59",
            "2023-12-01T00:00:00",
            "2024-01-31 00:00:01",
        ]);
        assert_eq!(
            data_to(&latest),
            chrono::NaiveDate::from_ymd_opt(2024, 1, 31)
        );
        let early = contacts(&["1969-12-31T23:59:59", "1969-06-01T12:00:00"]);
        assert_eq!(
            data_to(&early),
            chrono::NaiveDate::from_ymd_opt(1969, 12, 31)
        );
    }
}
