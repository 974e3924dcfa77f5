//! Row-by-row reading of an extract against its contract: every cell parsed to
//! its type, every row checked against the row rules, rejects kept with reasons.

use super::blocks;
use super::contract::{ColumnSpec, ColumnType, Contract, RowRule, Vocabulary};
use super::{IngestError, SourceConfig};
use chrono::{NaiveDate, NaiveDateTime};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Date32Builder, Float64Builder, Int8Builder,
    Int16Builder, Int64Builder, StringBuilder, TimestampMillisecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(super) const BATCH_ROWS: usize = 64 * 1024;

/// A row refused by the contract.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reject {
    pub file: PathBuf,
    /// The line in a CSV file (the header is line 1); the row number in a Parquet file.
    pub line: u64,
    pub column: String,
    pub value: String,
    pub rule: String,
}

/// For the analyst's terminal: the value is shown with control characters
/// escaped, so that an extract cannot send the terminal escape sequences.
impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: column `{}`, value `{}`: {}",
            self.file.display(),
            self.line,
            self.column,
            crate::common::printable(&self.value),
            self.rule
        )
    }
}

impl Reject {
    /// Where the row is and what it broke, without its value: for errors that
    /// reach logs and the dashboard's banner, which never show a row's data.
    pub fn place(&self) -> String {
        format!(
            "{}:{}: column `{}`: {}",
            self.file.display(),
            self.line,
            self.column,
            self.rule
        )
    }
}

pub struct Parsed {
    /// The columns kept (see [`Layout`]).
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub rows_loaded: u64,
    pub rejects: Vec<Reject>,
    pub ignored_columns: Vec<String>,
    /// For each unique column, the hashes of its values, sorted (when asked for:
    /// to tell whether rows appended later repeat one).
    pub unique_hashes: Vec<Vec<u64>>,
}

/// A parsed cell. Text borrows from the input (or, for an enum, the contract's
/// own spelling), so reading a row allocates nothing in the common case.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell<'r> {
    Null,
    Text(Cow<'r, str>),
    /// An enum's value, as its place among the allowed values.
    Enum(u16),
    Float(f64),
    Date(i32),
    Millis(i64),
    Bool(bool),
    Int(i64),
}

/// A cell as the file gives it: text to parse (CSV, or a Parquet column of
/// another type than the contract's), or a value already typed by Parquet.
#[derive(Debug, Clone, Copy)]
pub(super) enum Input<'r> {
    Text(&'r str),
    Null,
    Date(i32),
    Millis(i64),
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl std::fmt::Display for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Input::Text(t) => f.write_str(t),
            Input::Null => Ok(()),
            Input::Date(d) => match crate::common::period::date_of_day(d.into()) {
                Some(day) => write!(f, "{day}"),
                None => write!(f, "{d}"),
            },
            Input::Millis(ms) => match chrono::DateTime::from_timestamp_millis(ms) {
                Some(t) => write!(f, "{}", t.naive_utc()),
                None => write!(f, "{ms}"),
            },
            Input::Bool(b) => write!(f, "{b}"),
            Input::Int(n) => write!(f, "{n}"),
            Input::Float(x) => write!(f, "{x}"),
        }
    }
}

/// Parses cells of one contract, in the force's spellings.
pub(super) struct CellParser<'a> {
    date_format: Option<&'a str>,
    datetime_format: Option<&'a str>,
    true_values: Vec<String>,
    false_values: Vec<String>,
}

impl<'a> CellParser<'a> {
    pub(super) fn new(config: &'a SourceConfig) -> Self {
        let lower = |v: &[String]| v.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
        CellParser {
            date_format: config.date_format.as_deref(),
            datetime_format: config.datetime_format.as_deref(),
            true_values: lower(&config.true_values),
            false_values: lower(&config.false_values),
        }
    }

    pub(super) fn parse<'r>(
        &self,
        spec: &ColumnSpec,
        input: Input<'r>,
    ) -> Result<Cell<'r>, String> {
        let value = match input {
            Input::Text(raw) => trimmed(raw),
            Input::Null => "",
            typed => return self.typed(spec, typed),
        };
        if value.is_empty() {
            return if spec.nullable {
                Ok(Cell::Null)
            } else {
                Err("a value is required".into())
            };
        }
        match spec.ty {
            ColumnType::Text => Ok(Cell::Text(Cow::Borrowed(value))),
            ColumnType::Date => self.date(value).map(Cell::Date),
            ColumnType::DateTime => self.datetime(value).map(Cell::Millis),
            ColumnType::Bool => self.boolean(value).map(Cell::Bool),
            ColumnType::Int { min, max } => match value.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Cell::Int(n)),
                _ => Err(format!("expected {}", spec.ty.describe())),
            },
            ColumnType::Decimal => match value.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Cell::Float(x)),
                _ => Err(format!("expected {}", spec.ty.describe())),
            },
            ColumnType::Enum(vocabulary) => match vocabulary.find(value) {
                Some(i) => Ok(Cell::Enum(i)),
                None => Err(format!("expected {}", spec.ty.describe())),
            },
            ColumnType::EnumSet(vocabulary) => enum_set(vocabulary, value, spec),
        }
    }

    /// A value Parquet has already typed: only its range is left to check.
    fn typed<'r>(&self, spec: &ColumnSpec, input: Input<'r>) -> Result<Cell<'r>, String> {
        match (spec.ty, input) {
            (ColumnType::Int { min, max }, Input::Int(n)) => {
                if (min..=max).contains(&n) {
                    Ok(Cell::Int(n))
                } else {
                    Err(format!("expected {}", spec.ty.describe()))
                }
            }
            (ColumnType::Date, Input::Date(d)) => Ok(Cell::Date(d)),
            (ColumnType::DateTime, Input::Millis(ms)) => Ok(Cell::Millis(ms)),
            (ColumnType::Bool, Input::Bool(b)) => Ok(Cell::Bool(b)),
            (ColumnType::Decimal, Input::Float(x)) if x.is_finite() => Ok(Cell::Float(x)),
            (ColumnType::Decimal, Input::Float(_)) => {
                Err(format!("expected {}", spec.ty.describe()))
            }
            _ => unreachable!("columns are read typed only where the types agree"),
        }
    }

    fn date(&self, value: &str) -> Result<i32, String> {
        // The contract's own spelling, read without a format string: most cells are.
        if self.date_format.is_none()
            && let Some(days) = iso_days(value)
        {
            return Ok(days);
        }
        let format = self.date_format.unwrap_or("%Y-%m-%d");
        NaiveDate::parse_from_str(value, format)
            .or_else(|e| {
                // A format without a day (police.uk's `%Y-%m`) means the month's first.
                if format.contains("%d") || format.contains("%e") || format.contains("%j") {
                    return Err(e);
                }
                NaiveDate::parse_from_str(&format!("{value}-01"), &format!("{format}-%d"))
            })
            .map(days_since_epoch)
            .map_err(|_| format!("expected a date written {}", human_format(format)))
    }

    fn datetime(&self, value: &str) -> Result<i64, String> {
        if self.datetime_format.is_none()
            && let Some(millis) = iso_datetime_millis(value)
        {
            return Ok(millis);
        }
        let formats: &[&str] = match self.datetime_format {
            Some(f) => &[f][..],
            None => &[
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ],
        };
        formats
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
            .map(|dt| dt.and_utc().timestamp_millis())
            .ok_or_else(|| {
                format!(
                    "expected a date and time written {}",
                    human_format(formats[0])
                )
            })
    }

    fn boolean(&self, value: &str) -> Result<bool, String> {
        match value {
            "true" => return Ok(true),
            "false" => return Ok(false),
            _ => {}
        }
        let v = value.to_ascii_lowercase();
        if matches!(v.as_str(), "true" | "y" | "yes" | "1") || self.true_values.contains(&v) {
            Ok(true)
        } else if matches!(v.as_str(), "false" | "n" | "no" | "0") || self.false_values.contains(&v)
        {
            Ok(false)
        } else {
            Err("expected true/false, Y/N, yes/no or 1/0".into())
        }
    }
}

/// A `;`-separated set of values, in the vocabulary's order, each once.
fn enum_set<'r>(
    vocabulary: &Vocabulary,
    value: &'r str,
    spec: &ColumnSpec,
) -> Result<Cell<'r>, String> {
    let mut present = vec![false; vocabulary.values.len()];
    for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match vocabulary.find(part) {
            Some(i) => present[i as usize] = true,
            None => {
                return Err(format!("`{part}` is not one of {}", vocabulary.listed()));
            }
        }
    }
    let set: Vec<&str> = vocabulary
        .values
        .iter()
        .zip(&present)
        .filter(|(_, p)| **p)
        .map(|(v, _)| *v)
        .collect();
    if set.is_empty() {
        return Err(format!("expected {}", spec.ty.describe()));
    }
    let set = set.join(";");
    Ok(Cell::Text(if set == value {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(set)
    }))
}

fn human_format(format: &str) -> String {
    format
        .replace("%Y", "YYYY")
        .replace("%m", "MM")
        .replace("%d", "DD")
        .replace("%H", "hh")
        .replace("%M", "mm")
        .replace("%S", "ss")
        .replace("%.f", "")
}

/// A cell without the white space around it. Most cells have none, and start
/// and end with a visible ASCII character: those are passed on without looking
/// further (`str::trim` looks for Unicode white space on both sides).
pub(super) fn trimmed(raw: &str) -> &str {
    match (raw.as_bytes().first(), raw.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => raw,
        _ => raw.trim(),
    }
}

/// The number in `digits`, all ASCII digits, else `None`.
fn decimal(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// Days since 1970-01-01 of `YYYY-MM-DD` exactly (a valid date), else `None`:
/// the contract's own spelling, read without chrono's format machinery, which
/// costs more than the rest of a row.
fn iso_days(value: &str) -> Option<i32> {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    days_from_civil(decimal(&b[0..4])?, decimal(&b[5..7])?, decimal(&b[8..10])?)
}

/// Milliseconds since 1970-01-01T00:00 of `YYYY-MM-DDThh:mm:ss` or
/// `YYYY-MM-DDThh:mm` (or with a space for the `T`), a valid date and time;
/// `None` for anything else (fractions of a second, a leap second), which is
/// left to chrono.
fn iso_datetime_millis(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    if !(b.len() == 16 || b.len() == 19) || !matches!(b[10], b'T' | b' ') || b[13] != b':' {
        return None;
    }
    let days = iso_days(value.get(..10)?)?;
    let (hour, minute) = (decimal(&b[11..13])?, decimal(&b[14..16])?);
    let second = match b.len() {
        19 if b[16] == b':' => decimal(&b[17..19])?,
        19 => return None,
        _ => 0,
    };
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let seconds = i64::from(days) * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(seconds * 1000)
}

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar, or
/// `None` when there is no such day (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> Option<i32> {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day == 0 || day > month_days {
        return None;
    }
    // Years counted from March, so that a leap day ends its year.
    let (year, month) = (i64::from(year), i64::from(month));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    i32::try_from(era * 146_097 + day_of_era - 719_468).ok()
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// Which contract columns are built into Arrow as rows are read, which are
/// held once a batch's rules are checked, and which are kept: every column is
/// parsed and checked, but a column no measure reads is not held in memory. A
/// unique column is held until the file has been checked for duplicates, whose
/// values the rejects name; a column only a row rule reads, built for the rule
/// and dropped with the batch's check.
pub(super) struct Layout {
    /// For each contract column, its place among the built columns.
    built: Vec<Option<usize>>,
    built_schema: SchemaRef,
    /// The built columns held once a batch's rules are checked.
    held: Vec<usize>,
    /// For each contract column, its place among the held columns.
    held_place: Vec<Option<usize>>,
    /// The held columns kept once the file is read, and their schema.
    kept: Vec<usize>,
    schema: SchemaRef,
    /// The row rules, ready to evaluate over a batch of the built columns.
    rules: Vec<CompiledRule>,
}

/// A row rule made into a DataFusion expression over the built columns.
struct CompiledRule {
    rule: RowRule,
    check: Arc<dyn datafusion::physical_expr::PhysicalExpr>,
    /// The built column a reject names: the first the rule names.
    column: usize,
}

impl Layout {
    /// Keeps the columns named in `keep` and the period column; `None` keeps all.
    pub(super) fn new(contract: &Contract, keep: Option<&BTreeSet<String>>) -> Self {
        // A column a kept derived column is made of is kept too.
        let wanted = |c: &ColumnSpec| {
            keep.is_none_or(|k| {
                k.contains(c.name)
                    || contract
                        .derived
                        .iter()
                        .any(|d| k.contains(d.name) && d.columns.contains(&c.name))
            }) || contract.period_column == Some(c.name)
        };
        let in_a_rule = |c: &ColumnSpec| {
            contract
                .row_rules
                .iter()
                .any(|r| r.columns.contains(&c.name))
        };
        let full = contract.arrow_schema();
        let built_columns: Vec<usize> = (0..contract.columns.len())
            .filter(|&i| {
                let c = &contract.columns[i];
                wanted(c) || c.unique || in_a_rule(c)
            })
            .collect();
        let mut built = vec![None; contract.columns.len()];
        for (place, &i) in built_columns.iter().enumerate() {
            built[i] = Some(place);
        }
        let held_columns: Vec<usize> = built_columns
            .iter()
            .copied()
            .filter(|&i| wanted(&contract.columns[i]) || contract.columns[i].unique)
            .collect();
        let mut held_place = vec![None; contract.columns.len()];
        for (place, &i) in held_columns.iter().enumerate() {
            held_place[i] = Some(place);
        }
        let held: Vec<usize> = held_columns
            .iter()
            .map(|&i| built[i].expect("held columns are built"))
            .collect();
        let kept: Vec<usize> = held_columns
            .iter()
            .enumerate()
            .filter(|(_, i)| wanted(&contract.columns[**i]))
            .map(|(place, _)| place)
            .collect();
        let built_schema = Arc::new(full.project(&built_columns).expect("contract columns"));
        let held_schema = built_schema.project(&held).expect("built columns");
        let schema = Arc::new(held_schema.project(&kept).expect("held columns"));
        let rules = compile_rules(contract, &built_schema, &built);
        Layout {
            built,
            built_schema,
            held,
            held_place,
            kept,
            schema,
            rules,
        }
    }
}

/// The contract's row rules as expressions over the built columns. A declared
/// rule was checked when the declaration was read, so it compiles.
fn compile_rules(
    contract: &Contract,
    schema: &SchemaRef,
    built: &[Option<usize>],
) -> Vec<CompiledRule> {
    if contract.row_rules.is_empty() {
        return Vec::new();
    }
    let df_schema = datafusion::common::DFSchema::try_from(schema.as_ref().clone())
        .expect("distinct column names");
    let ctx = datafusion::prelude::SessionContext::new();
    contract
        .row_rules
        .iter()
        .map(|rule| {
            let check = crate::common::sql::physical_expr(&ctx, rule.check, &df_schema)
                .unwrap_or_else(|e| panic!("a declared rule compiles: `{}`: {e}", rule.check));
            let first = rule.columns.first().and_then(|c| contract.position(c));
            CompiledRule {
                rule: *rule,
                check,
                column: first.and_then(|i| built[i]).unwrap_or(0),
            }
        })
        .collect()
}

/// The rows of `batch` that break a rule, with the first rule each breaks: a
/// rule is broken where its condition is false (not where it is unknown).
fn rule_breaks(rules: &[CompiledRule], batch: &RecordBatch) -> Vec<(usize, usize)> {
    let mut breaks: Vec<(usize, usize)> = Vec::new();
    let mut broken = vec![false; batch.num_rows()];
    for (r, rule) in rules.iter().enumerate() {
        let value = rule
            .check
            .evaluate(batch)
            .and_then(|v| v.into_array(batch.num_rows()))
            .unwrap_or_else(|e| panic!("a declared rule evaluates: `{}`: {e}", rule.rule.check));
        let verdicts = value.as_boolean();
        if verdicts.false_count() == 0 {
            continue;
        }
        for (row, broken) in broken.iter_mut().enumerate() {
            if verdicts.is_valid(row) && !verdicts.value(row) && !*broken {
                *broken = true;
                breaks.push((row, r));
            }
        }
    }
    breaks.sort_unstable();
    breaks
}

/// Builds Arrow batches from accepted rows and keeps the rejects.
pub(super) struct TableBuilder<'a> {
    contract: &'a Contract,
    layout: &'a Layout,
    path: &'a Path,
    first_line: u64,
    /// A builder for each contract column that is built.
    columns: Vec<Option<ColumnBuilder>>,
    rows_in_batch: usize,
    batches: Vec<RecordBatch>,
    rows_loaded: u64,
    rejects: Vec<Reject>,
    /// The line of each row accepted (after `first_line`), where the contract has
    /// a unique column or a row rule.
    lines: LineOfRow,
    track_lines: bool,
    /// For each unique column, its values' hashes, one per row accepted with a
    /// value (put in buckets when the part is finished). Only the hashes: where
    /// a repeated one is, is looked up again in the rare file that has one.
    hashes: Vec<(usize, Vec<u64>)>,
}

/// Where a row is: the part in the top half and the row within it below, so
/// that places sort in file order.
fn place(part: u32, row: u64) -> u64 {
    (u64::from(part) << 32) | row
}

/// The rows of one stretch of a file, before their unique columns are checked
/// against the rest of the file.
pub(super) struct Part {
    batches: Vec<RecordBatch>,
    rows_loaded: u64,
    rejects: Vec<Reject>,
    first_line: u64,
    lines: LineOfRow,
    hashes: Vec<(usize, BucketedHashes)>,
}

/// The line of each row accepted in a part, after its first line. Mostly row `i`
/// is on line `i`, which is then all that is kept: the lines are written out
/// only from the first row that is not (after a reject, a blank line, a quoted
/// line break).
#[derive(Default)]
struct LineOfRow {
    /// Empty while every row so far is on its own row number's line.
    lines: Vec<u32>,
}

impl LineOfRow {
    /// The lines `offsets` of the rows accepted from row `row` on.
    fn push(&mut self, row: u64, offsets: std::ops::Range<u32>) {
        if self.lines.is_empty() {
            if u64::from(offsets.start) == row {
                return;
            }
            let row = u32::try_from(row).expect("a part has fewer than 2^32 rows");
            self.lines.extend(0..row);
        }
        self.lines.extend(offsets);
    }

    fn get(&self, row: u64) -> u64 {
        match self.lines.get(row as usize) {
            Some(&line) => u64::from(line),
            None => row,
        }
    }

    /// Forgets the lines of row `rows` on.
    fn truncate(&mut self, rows: u64) {
        self.lines.truncate(rows as usize);
    }
}

/// How many of a hash's top bits choose its bucket among a part's hashes.
const BUCKET_BITS: u32 = 12;

/// A part's hashes of one unique column in buckets by their top bits,
/// unsorted within each: the hashes of a range are then found in every part
/// without sorting each part's hashes whole.
struct BucketedHashes {
    hashes: Vec<u64>,
    /// Where each bucket starts in `hashes`, then where the last ends.
    starts: Vec<u32>,
}

impl BucketedHashes {
    fn new(hashes: Vec<u64>) -> Self {
        let bucket = |hash: u64| (hash >> (64 - BUCKET_BITS)) as usize;
        let mut starts = vec![0u32; (1 << BUCKET_BITS) + 1];
        for &hash in &hashes {
            starts[bucket(hash) + 1] += 1;
        }
        for b in 0..1 << BUCKET_BITS {
            starts[b + 1] += starts[b];
        }
        // Into a second buffer: moving them in place (see `hash_sort`) is
        // slower at a part's million hashes than the fresh pages.
        let mut next = starts.clone();
        let mut bucketed = vec![0; hashes.len()];
        for hash in hashes {
            let at = &mut next[bucket(hash)];
            bucketed[*at as usize] = hash;
            *at += 1;
        }
        BucketedHashes {
            hashes: bucketed,
            starts,
        }
    }

    /// The hashes whose top `bits` bits (at most [`BUCKET_BITS`]) are `stretch`.
    fn stretch(&self, stretch: usize, bits: u32) -> &[u64] {
        let shift = BUCKET_BITS - bits;
        let bounds = |s: usize| self.starts[s << shift] as usize;
        &self.hashes[bounds(stretch)..bounds(stretch + 1)]
    }
}

pub(super) enum ColumnBuilder {
    Text(StringBuilder),
    /// Keys into the allowed values, which every batch of the column shares: a
    /// byte a row for up to 127 values, two bytes for more.
    Enum(Int8Builder, ArrayRef),
    WideEnum(Int16Builder, ArrayRef),
    Float(Float64Builder),
    Date(Date32Builder),
    Millis(TimestampMillisecondBuilder),
    Bool(BooleanBuilder),
    /// Built wide, then narrowed to the column's type.
    Int(Int64Builder, DataType),
}

impl ColumnBuilder {
    pub(super) fn new(ty: ColumnType) -> Self {
        Self::with_capacity(ty, 1024)
    }

    /// A builder with room for `rows` values, so that it is not copied as it
    /// grows. Room not written to costs no memory: the kernel gives pages only
    /// when they are touched (and `finish` gives back what is left).
    pub(super) fn with_capacity(ty: ColumnType, rows: usize) -> Self {
        match ty {
            ColumnType::Text | ColumnType::EnumSet(_) => {
                ColumnBuilder::Text(StringBuilder::with_capacity(rows, rows * 32))
            }
            ColumnType::Enum(vocabulary) => {
                let values = Arc::new(datafusion::arrow::array::StringArray::from(
                    vocabulary.values.to_vec(),
                ));
                if vocabulary.key_type() == DataType::Int8 {
                    ColumnBuilder::Enum(Int8Builder::with_capacity(rows), values)
                } else {
                    ColumnBuilder::WideEnum(Int16Builder::with_capacity(rows), values)
                }
            }
            ColumnType::Decimal => ColumnBuilder::Float(Float64Builder::with_capacity(rows)),
            ColumnType::Date => ColumnBuilder::Date(Date32Builder::with_capacity(rows)),
            ColumnType::DateTime => {
                ColumnBuilder::Millis(TimestampMillisecondBuilder::with_capacity(rows))
            }
            ColumnType::Bool => ColumnBuilder::Bool(BooleanBuilder::with_capacity(rows)),
            ColumnType::Int { .. } => {
                ColumnBuilder::Int(Int64Builder::with_capacity(rows), ty.arrow_type())
            }
        }
    }

    pub(super) fn append(&mut self, cell: Cell<'_>) {
        match (self, cell) {
            (ColumnBuilder::Text(b), Cell::Text(v)) => b.append_value(v),
            (ColumnBuilder::Enum(b, _), Cell::Enum(v)) => b.append_value(v as i8),
            (ColumnBuilder::WideEnum(b, _), Cell::Enum(v)) => b.append_value(v as i16),
            (ColumnBuilder::Float(b), Cell::Float(v)) => b.append_value(v),
            (ColumnBuilder::Date(b), Cell::Date(v)) => b.append_value(v),
            (ColumnBuilder::Millis(b), Cell::Millis(v)) => b.append_value(v),
            (ColumnBuilder::Bool(b), Cell::Bool(v)) => b.append_value(v),
            (ColumnBuilder::Int(b, _), Cell::Int(v)) => b.append_value(v),
            (ColumnBuilder::Text(b), Cell::Null) => b.append_null(),
            (ColumnBuilder::Enum(b, _), Cell::Null) => b.append_null(),
            (ColumnBuilder::WideEnum(b, _), Cell::Null) => b.append_null(),
            (ColumnBuilder::Float(b), Cell::Null) => b.append_null(),
            (ColumnBuilder::Date(b), Cell::Null) => b.append_null(),
            (ColumnBuilder::Millis(b), Cell::Null) => b.append_null(),
            (ColumnBuilder::Bool(b), Cell::Null) => b.append_null(),
            (ColumnBuilder::Int(b, _), Cell::Null) => b.append_null(),
            _ => unreachable!("cells are parsed to their column's type"),
        }
    }

    /// The column so far, in as little memory as it needs.
    pub(super) fn finish(&mut self) -> ArrayRef {
        fn tight(mut array: impl Array + 'static) -> ArrayRef {
            array.shrink_to_fit();
            Arc::new(array)
        }
        match self {
            ColumnBuilder::Text(b) => tight(b.finish()),
            ColumnBuilder::Enum(b, values) => tight(
                datafusion::arrow::array::DictionaryArray::try_new(b.finish(), values.clone())
                    .expect("keys index the allowed values"),
            ),
            ColumnBuilder::WideEnum(b, values) => tight(
                datafusion::arrow::array::DictionaryArray::try_new(b.finish(), values.clone())
                    .expect("keys index the allowed values"),
            ),
            ColumnBuilder::Float(b) => tight(b.finish()),
            ColumnBuilder::Date(b) => tight(b.finish()),
            ColumnBuilder::Millis(b) => tight(b.finish()),
            ColumnBuilder::Bool(b) => tight(b.finish()),
            ColumnBuilder::Int(b, ty) => {
                cast(&b.finish(), ty).expect("values are within the column's range")
            }
        }
    }
}

impl<'a> TableBuilder<'a> {
    pub(super) fn new(
        contract: &'a Contract,
        layout: &'a Layout,
        path: &'a Path,
        first_line: u64,
    ) -> Self {
        TableBuilder {
            contract,
            layout,
            path,
            first_line,
            columns: contract
                .columns
                .iter()
                .zip(&layout.built)
                .map(|(c, built)| built.map(|_| ColumnBuilder::new(c.ty)))
                .collect(),
            rows_in_batch: 0,
            batches: Vec::new(),
            rows_loaded: 0,
            rejects: Vec::new(),
            lines: LineOfRow::default(),
            track_lines: contract.columns.iter().any(|c| c.unique) || !layout.rules.is_empty(),
            hashes: contract
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.unique)
                .map(|(i, _)| (i, Vec::new()))
                .collect(),
        }
    }

    /// Makes room for the unique hashes of `rows` rows to come, when the caller
    /// knows how many: they are then written once, not copied as they grow.
    pub(super) fn expect_rows(&mut self, rows: usize) {
        for (_, hashes) in &mut self.hashes {
            hashes.reserve(rows);
        }
    }

    /// As [`Self::expect_rows`], for rows to come one at a time ([`Self::row`]):
    /// the column builders are also made with room for them, up to a batch.
    pub(super) fn expect_rows_one_at_a_time(&mut self, rows: usize) {
        self.expect_rows(rows);
        let batch = rows.min(BATCH_ROWS);
        for (builder, spec) in self.columns.iter_mut().zip(self.contract.columns) {
            if let Some(builder) = builder {
                *builder = ColumnBuilder::with_capacity(spec.ty, batch);
            }
        }
    }

    fn reject(&mut self, line: u64, column: &str, value: &str, rule: String) {
        self.rejects.push(Reject {
            file: self.path.to_path_buf(),
            line,
            column: column.to_string(),
            value: value.to_string(),
            rule,
        });
    }

    /// Parses one row given as a cell accessor; accepts or rejects it.
    pub(super) fn row<'r>(
        &mut self,
        line: u64,
        parser: &CellParser,
        input: impl Fn(usize) -> Input<'r>,
    ) {
        let mut cells = Vec::with_capacity(self.contract.columns.len());
        for (i, spec) in self.contract.columns.iter().enumerate() {
            match parser.parse(spec, input(i)) {
                Ok(cell) => cells.push(cell),
                Err(rule) => return self.reject(line, spec.name, &input(i).to_string(), rule),
            }
        }
        if self.track_lines {
            let offset = u32::try_from(line - self.first_line).expect("a part spans fewer lines");
            self.lines.push(self.rows_loaded, offset..offset + 1);
        }
        for (column, hashes) in &mut self.hashes {
            if let Cell::Text(value) = &cells[*column] {
                hashes.push(hash(value));
            }
        }
        for (builder, cell) in self.columns.iter_mut().zip(cells) {
            if let Some(builder) = builder {
                builder.append(cell);
            }
        }
        self.rows_loaded += 1;
        self.rows_in_batch += 1;
        if self.rows_in_batch == BATCH_ROWS {
            self.flush();
        }
    }

    /// Takes rows already checked a column at a time (see `parquet`): `columns`
    /// holds every contract column in its contract type, the first row on `first_line`.
    pub(super) fn rows_checked(&mut self, first_line: u64, columns: &[ArrayRef]) {
        let rows = columns.first().map_or(0, |c| c.len());
        if rows == 0 {
            return;
        }
        // Rows taken one at a time before these come first.
        self.flush();
        let first_row = self.rows_loaded;
        if self.track_lines {
            let offset =
                u32::try_from(first_line - self.first_line).expect("a part spans fewer lines");
            let rows32 = u32::try_from(rows).expect("a batch has fewer than 2^32 rows");
            self.lines.push(self.rows_loaded, offset..offset + rows32);
        }
        for (column, hashes) in &mut self.hashes {
            let values = columns[*column].as_string::<i32>();
            hashes.extend(values.iter().flatten().map(hash));
        }
        let built = columns
            .iter()
            .zip(&self.layout.built)
            .filter(|(_, built)| built.is_some())
            .map(|(column, _)| column.clone())
            .collect();
        let batch = RecordBatch::try_new(self.layout.built_schema.clone(), built)
            .expect("checked columns have the contract's types");
        self.rows_loaded += rows as u64;
        self.hold(batch, first_row);
    }

    fn flush(&mut self) {
        if self.rows_in_batch == 0 {
            return;
        }
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .flatten()
            .map(ColumnBuilder::finish)
            .collect();
        let batch = RecordBatch::try_new(self.layout.built_schema.clone(), arrays)
            .expect("builders match the built columns");
        let first_row = self.rows_loaded - self.rows_in_batch as u64;
        self.rows_in_batch = 0;
        self.hold(batch, first_row);
    }

    /// Holds a batch of built columns, whose first row is `first_row` of the
    /// part, once its rows have met the row rules: the columns only a rule
    /// reads are dropped.
    fn hold(&mut self, batch: RecordBatch, first_row: u64) {
        let batch = self.check_rules(batch, first_row);
        self.batches
            .push(batch.project(&self.layout.held).expect("built columns"));
    }

    /// Checks the row rules over a batch: the rows that break one are
    /// rejected, and taken out of the batch, its hashes and its lines. A whole
    /// batch at a time, so a rule costs a few passes over arrays, not a step a row.
    fn check_rules(&mut self, batch: RecordBatch, first_row: u64) -> RecordBatch {
        if self.layout.rules.is_empty() {
            return batch;
        }
        let breaks = rule_breaks(&self.layout.rules, &batch);
        if breaks.is_empty() {
            return batch;
        }
        let mut keep = vec![true; batch.num_rows()];
        for &(row, r) in &breaks {
            let rule = &self.layout.rules[r];
            let value = datafusion::arrow::util::display::array_value_to_string(
                batch.column(rule.column),
                row,
            )
            .unwrap_or_default();
            self.rejects.push(Reject {
                file: self.path.to_path_buf(),
                line: self.first_line + self.lines.get(first_row + row as u64),
                column: self.layout.built_schema.field(rule.column).name().clone(),
                value,
                rule: format!("{} (the rule `{}`)", rule.rule.reason, rule.rule.check),
            });
            keep[row] = false;
        }
        // This batch's hashes are the last of each unique column's: made again
        // from the rows kept.
        for (column, hashes) in &mut self.hashes {
            let place = self.layout.built[*column].expect("unique columns are built");
            let values = batch.column(place).as_string::<i32>();
            hashes.truncate(hashes.len() - (values.len() - values.null_count()));
            hashes.extend(
                values
                    .iter()
                    .zip(&keep)
                    .filter(|(_, kept)| **kept)
                    .filter_map(|(value, _)| value)
                    .map(hash),
            );
        }
        let offsets: Vec<u32> = (0..batch.num_rows())
            .filter(|&row| keep[row])
            .map(|row| self.lines.get(first_row + row as u64) as u32)
            .collect();
        self.lines.truncate(first_row);
        for (i, offset) in offsets.into_iter().enumerate() {
            self.lines.push(first_row + i as u64, offset..offset + 1);
        }
        self.rows_loaded -= breaks.len() as u64;
        datafusion::arrow::compute::filter_record_batch(&batch, &keep.into())
            .expect("a mask as long as the batch")
    }

    pub(super) fn finish(mut self) -> Part {
        self.flush();
        Part {
            batches: self.batches,
            rows_loaded: self.rows_loaded,
            rejects: self.rejects,
            first_line: self.first_line,
            lines: self.lines,
            hashes: self
                .hashes
                .into_iter()
                .map(|(column, hashes)| (column, BucketedHashes::new(hashes)))
                .collect(),
        }
    }
}

/// Joins the parts of a file, in order: rejects every row whose value of a
/// unique column is on an earlier row too, and keeps only the layout's columns.
pub(super) fn assemble(
    contract: &Contract,
    layout: &Layout,
    path: &Path,
    parts: Vec<Part>,
    ignored: Vec<String>,
    keep_hashes: bool,
) -> Parsed {
    // (row, column, first row) of each duplicate, rows as `place` makes them.
    let mut duplicates: Vec<(u64, usize, u64)> = Vec::new();
    let mut unique_hashes = Vec::new();
    let columns: Vec<usize> = parts
        .first()
        .map(|p| p.hashes.iter().map(|(c, _)| *c).collect())
        .unwrap_or_default();
    for (k, &column) in columns.iter().enumerate() {
        let runs: Vec<&BucketedHashes> = parts.iter().map(|p| &p.hashes[k].1).collect();
        let (repeated, hashes) = repeated_hashes(&runs, keep_hashes);
        if !repeated.is_empty() {
            let held = layout.held_place[column].expect("unique columns are held");
            duplicates.extend(
                rows_repeating(&parts, held, &repeated)
                    .into_iter()
                    .map(|(row, first)| (row, column, first)),
            );
        }
        unique_hashes.extend(hashes);
    }
    duplicates.sort_unstable();
    duplicates.dedup_by_key(|d| d.0);
    let line_of = |at: u64| {
        let part = &parts[(at >> 32) as usize];
        part.first_line + part.lines.get(at & u64::from(u32::MAX))
    };
    // For each part, its duplicate rows: (row, column, line, the first's line).
    let mut dropped: Vec<Vec<(usize, usize, u64, u64)>> = vec![Vec::new(); parts.len()];
    for &(at, column, first) in &duplicates {
        let row = (at & u64::from(u32::MAX)) as usize;
        dropped[(at >> 32) as usize].push((row, column, line_of(at), line_of(first)));
    }

    let mut parsed = Parsed {
        schema: layout.schema.clone(),
        batches: Vec::new(),
        rows_loaded: 0,
        rejects: Vec::new(),
        ignored_columns: ignored,
        unique_hashes,
    };
    for (part, dropped) in parts.into_iter().zip(dropped) {
        parsed.rejects.extend(part.rejects);
        parsed.rows_loaded += part.rows_loaded - dropped.len() as u64;
        let mut start = 0;
        for mut batch in part.batches {
            let rows = start..start + batch.num_rows();
            start = rows.end;
            let here: Vec<_> = dropped.iter().filter(|d| rows.contains(&d.0)).collect();
            if !here.is_empty() {
                let mut keep = vec![true; batch.num_rows()];
                for &&(row, column, line, first) in &here {
                    let name = contract.columns[column].name;
                    let place = layout.held_place[column].expect("unique columns are held");
                    let values = batch.column(place).as_string::<i32>();
                    parsed.rejects.push(Reject {
                        file: path.to_path_buf(),
                        line,
                        column: name.to_string(),
                        value: values.value(row - rows.start).to_string(),
                        rule: format!("duplicate `{name}`: the same value is on line {first}"),
                    });
                    keep[row - rows.start] = false;
                }
                batch = datafusion::arrow::compute::filter_record_batch(&batch, &keep.into())
                    .expect("a mask as long as the batch");
            }
            parsed
                .batches
                .push(batch.project(&layout.kept).expect("held columns"));
        }
    }
    parsed.rejects.sort_by_key(|r| r.line);
    parsed
}

/// Every hash that is on more than one row, sorted, among the parts' hashes
/// (`runs`); with `keep_hashes`, every hash too, sorted. The hash range is cut
/// into stretches that the cores share; a stretch's hashes are gathered from
/// every run into a buffer that stays in cache and sorted there, so that
/// neither a copy of all the hashes nor a merge on one core is needed.
fn repeated_hashes(runs: &[&BucketedHashes], keep_hashes: bool) -> (Vec<u64>, Option<Vec<u64>>) {
    let total: usize = runs.iter().map(|r| r.hashes.len()).sum();
    let bits = (total / (16 * 1024))
        .next_power_of_two()
        .trailing_zeros()
        .min(BUCKET_BITS);
    let stretches = 1usize << bits;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // Each stretch's place in the sorted hashes, dealt to the cores as the stretches are.
    let mut hashes = vec![0u64; if keep_hashes { total } else { 0 }];
    let mut places: Vec<Vec<&mut [u64]>> = (0..cores).map(|_| Vec::new()).collect();
    if keep_hashes {
        // Summed a run at a time, reading each run's bucket starts in order: a
        // stretch at a time would visit every run for each, out of cache.
        let mut sizes = vec![0usize; stretches];
        for run in runs {
            for (s, size) in sizes.iter_mut().enumerate() {
                *size += run.stretch(s, bits).len();
            }
        }
        let mut rest = hashes.as_mut_slice();
        for (s, size) in sizes.into_iter().enumerate() {
            let (place, later) = std::mem::take(&mut rest).split_at_mut(size);
            places[s % cores].push(place);
            rest = later;
        }
    }
    let mut repeated: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = places
            .into_iter()
            .enumerate()
            .map(|(core, mut places)| {
                scope.spawn(move || {
                    let (mut repeated, mut stretch) = (Vec::new(), Vec::new());
                    for (i, s) in (core..stretches).step_by(cores).enumerate() {
                        stretch.clear();
                        for run in runs {
                            stretch.extend_from_slice(run.stretch(s, bits));
                        }
                        stretch.sort_unstable();
                        repeated.extend(
                            stretch
                                .windows(2)
                                .filter(|pair| pair[0] == pair[1])
                                .map(|pair| pair[0]),
                        );
                        if let Some(place) = places.get_mut(i) {
                            place.copy_from_slice(&stretch);
                        }
                    }
                    repeated
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("finding repeated hashes does not panic"))
            .collect()
    });
    repeated.sort_unstable();
    repeated.dedup();
    (repeated, keep_hashes.then_some(hashes))
}

/// Every row of `parts` whose value in held column `column` has one of the
/// `repeated` hashes (sorted) and is not the first row with it: (its row, the
/// first row), rows as `place` makes them. The values are hashed again here,
/// which only a file with a repeated value pays for.
fn rows_repeating(parts: &[Part], column: usize, repeated: &[u64]) -> Vec<(u64, u64)> {
    let mut found: Vec<(u64, &str, u64)> = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        let index = u32::try_from(index).expect("fewer than 2^32 parts");
        let values = part
            .batches
            .iter()
            .flat_map(|batch| batch.column(column).as_string::<i32>().iter());
        for (row, value) in values.enumerate() {
            let Some(value) = value else { continue };
            let hash = hash(value);
            if repeated.binary_search(&hash).is_ok() {
                found.push((hash, value, place(index, row as u64)));
            }
        }
    }
    repeats_by_value(found)
}

/// Of rows as (hash, value, place): each row whose value an earlier row has,
/// with that first row. Rows are compared by value, not by hash alone: two
/// values may share a hash, and neither is then a repeat.
fn repeats_by_value(mut found: Vec<(u64, &str, u64)>) -> Vec<(u64, u64)> {
    found.sort_unstable();
    found
        .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
        .flat_map(|rows| rows[1..].iter().map(|&(_, _, row)| (row, rows[0].2)))
        .collect()
}

pub(super) fn hash(value: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::default().hash_one(value)
}

/// Maps each contract column to its position among `header`, by the contract name
/// or the force's own name from `sources.toml` (`None` for an optional column
/// the file leaves out); returns the unused columns too.
pub(super) fn locate_columns(
    path: &Path,
    header: &[String],
    contract: &Contract,
    config: &SourceConfig,
) -> Result<(Vec<Option<usize>>, Vec<String>), IngestError> {
    let normalised: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut positions = Vec::new();
    for spec in contract.columns {
        let wanted = config
            .columns
            .get(spec.name)
            .map_or(spec.name, String::as_str);
        let find = |name: &str| {
            normalised
                .iter()
                .position(|h| h == name)
                .or_else(|| normalised.iter().position(|h| h.eq_ignore_ascii_case(name)))
        };
        // The force's own name for it, else its own (a file written by `mos`).
        match find(wanted).or_else(|| find(spec.name)) {
            Some(i) => positions.push(Some(i)),
            None if spec.optional => positions.push(None),
            None => {
                let suggestion =
                    crate::common::did_you_mean(wanted, normalised.iter().map(String::as_str));
                return Err(IngestError::MissingColumn {
                    path: path.to_path_buf(),
                    column: wanted.to_string(),
                    suggestion: suggestion.map(str::to_string),
                });
            }
        }
    }
    let ignored = (0..normalised.len())
        .filter(|i| !positions.contains(&Some(*i)))
        .map(|i| normalised[i].clone())
        .collect();
    Ok((positions, ignored))
}

/// A CSV reader over `bytes` (rows of any length, RFC 4180 quoting) and its
/// header, with a byte-order mark and surrounding spaces trimmed from names.
pub(super) fn open_csv<R: std::io::Read>(
    path: &Path,
    input: R,
) -> Result<(csv::Reader<R>, Vec<String>), IngestError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(1 << 20)
        .from_reader(input);
    let header = reader
        .headers()
        .map_err(|e| malformed(path, e))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    Ok((reader, header))
}

/// A file that is not CSV past some line.
pub(super) fn malformed(path: &Path, e: csv::Error) -> IngestError {
    IngestError::Malformed {
        path: path.to_path_buf(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    }
}

/// Reads a CSV extract: the stream is cut into blocks of whole records, parsed
/// on every core, and joined in file order. The unique columns' hashes are
/// kept, for rows appended later (see [`read_csv_appended`]).
pub fn read_csv(
    path: &Path,
    input: impl std::io::Read + Send,
    contract: &Contract,
    config: &SourceConfig,
    layout: &Layout,
) -> Result<Parsed, IngestError> {
    read_csv_appended(path, input, 0, contract, config, layout)
}

/// Reads the rows appended to a CSV extract after its first `lines_before`
/// lines: `input` is the file's header record, then the appended bytes. Rows
/// are numbered by their lines in the whole file.
pub fn read_csv_appended(
    path: &Path,
    input: impl std::io::Read + Send,
    lines_before: u64,
    contract: &Contract,
    config: &SourceConfig,
    layout: &Layout,
) -> Result<Parsed, IngestError> {
    let blocks = blocks::BLOCK_BYTES;
    read_csv_in_blocks(path, input, contract, config, layout, blocks, lines_before)
}

fn read_csv_in_blocks(
    path: &Path,
    input: impl std::io::Read + Send,
    contract: &Contract,
    config: &SourceConfig,
    layout: &Layout,
    block_bytes: usize,
    lines_before: u64,
) -> Result<Parsed, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut blocks = blocks::RecordBlocks::new(input, block_bytes);
    let mut first = blocks.next_block().map_err(io)?.unwrap_or(blocks::Block {
        bytes: Vec::new(),
        first_line: 1,
        newlines: 0,
    });
    let header_end = blocks::first_record_end(&first.bytes).unwrap_or(first.bytes.len());
    let (_, header) = open_csv(path, &first.bytes[..header_end])?;
    let (positions, ignored) = locate_columns(path, &header, contract, config)?;
    let header_newlines = memchr::memchr_iter(b'\n', &first.bytes[..header_end]).count() as u64;
    first.first_line += header_newlines;
    first.newlines -= header_newlines;
    first.bytes.drain(..header_end);
    let parser = CellParser::new(config);
    let reader = BlockReader {
        path,
        contract,
        layout,
        parser: &parser,
        positions: &positions,
        fields: header.len(),
    };

    // Workers take the next block as they come free, so the file is read once,
    // in order, and no further ahead than the workers have reached.
    // A block is read into the buffer of one already parsed: at most one a worker.
    let spare = std::sync::Mutex::new(Vec::new());
    let first = std::iter::once(Ok(first));
    let rest = std::iter::from_fn(|| {
        let buffer = spare.lock().expect("spare buffers").pop();
        let block = blocks.next_block_in(buffer.unwrap_or_default());
        block.map_err(io).transpose()
    });
    let placed = first.chain(rest).map(|block| {
        block.map(|mut b| {
            b.first_line += lines_before;
            b
        })
    });
    let parts = parse_on_every_core(placed, |block| {
        let part = reader.part(&block);
        spare.lock().expect("spare buffers").push(block.bytes);
        part
    })?;
    Ok(assemble(contract, layout, path, parts, ignored, true))
}

/// Parses every item of `work` into a part, on every core, and returns the parts
/// in the order of their items (or the first error).
pub(super) fn parse_on_every_core<W>(
    work: impl Iterator<Item = Result<W, IngestError>> + Send,
    parse: impl Fn(W) -> Result<Part, IngestError> + Sync,
) -> Result<Vec<Part>, IngestError> {
    let queue = std::sync::Mutex::new(work.enumerate());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut parts: Vec<(usize, Result<Part, IngestError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let next = queue.lock().expect("the work queue").next();
                        let Some((index, item)) = next else {
                            break done;
                        };
                        done.push((index, item.and_then(&parse)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("parsing a part does not panic"))
            .collect()
    });
    parts.sort_by_key(|(index, _)| *index);
    parts.into_iter().map(|(_, part)| part).collect()
}

/// Parses blocks of a CSV file whose header has been read.
struct BlockReader<'a> {
    path: &'a Path,
    contract: &'a Contract,
    layout: &'a Layout,
    parser: &'a CellParser<'a>,
    /// Where each contract column is in a record (`None`: an optional
    /// column the file leaves out, read as empty).
    positions: &'a [Option<usize>],
    /// How many fields the header has.
    fields: usize,
}

impl BlockReader<'_> {
    fn part(&self, block: &blocks::Block) -> Result<Part, IngestError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(&block.bytes[..]);
        let mut table = TableBuilder::new(self.contract, self.layout, self.path, block.first_line);
        // A record to a newline, and perhaps one more without.
        table.expect_rows_one_at_a_time(block.newlines as usize + 1);
        let mut record = csv::StringRecord::new();
        // A record's line is the file's own: one past the newlines before its
        // first byte. (csv's own line count is off for CRLF files, where Excel's
        // and most Windows exports end their lines.) Counted on from the
        // record before, so the block is scanned once.
        let (mut counted_to, mut newlines_before) = (0usize, 0u64);
        let mut line_of = |position: Option<&csv::Position>| {
            let at = position
                .map_or(counted_to, |p| p.byte() as usize)
                .min(block.bytes.len());
            if at >= counted_to {
                newlines_before +=
                    memchr::memchr_iter(b'\n', &block.bytes[counted_to..at]).count() as u64;
                counted_to = at;
            }
            block.first_line + newlines_before
        };
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = line_of(record.position());
                    if record.len() != self.fields {
                        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
                            continue; // a blank line
                        }
                        let rule = format!(
                            "the row has {} fields but the header has {}",
                            record.len(),
                            self.fields
                        );
                        table.reject(line, "", "", rule);
                        continue;
                    }
                    table.row(line, self.parser, |i| {
                        Input::Text(self.positions[i].map_or("", |at| &record[at]))
                    });
                }
                Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                    let line = line_of(e.position());
                    table.reject(line, "", "", "the row is not valid UTF-8 text".into());
                }
                Err(e) => {
                    let at = line_of(e.position());
                    let mut error = malformed(self.path, e);
                    if let IngestError::Malformed { line, .. } = &mut error {
                        *line = at;
                    }
                    return Err(error);
                }
            }
        }
        Ok(table.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::super::contract::shipped;
    use super::*;

    fn parse(contract: &Contract, csv: &str) -> Parsed {
        read_csv(
            Path::new("t.csv"),
            csv.as_bytes(),
            contract,
            &SourceConfig::default(),
            &Layout::new(contract, None),
        )
        .unwrap()
    }

    const CRIMES_HEADER: &str = "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n";

    /// Two values that share a hash (forced here: a real 64-bit collision
    /// cannot be found to order) are not repeats of each other.
    #[test]
    fn a_shared_hash_is_no_repeat_until_the_values_agree() {
        let found = vec![
            (7, "C2", 5),
            (7, "C1", 1),
            (7, "C1", 9),
            (3, "C3", 2),
            (7, "C2", 4),
        ];
        assert_eq!(repeats_by_value(found), [(9, 1), (5, 4)]);
    }

    /// Every day from 1600 to 2400, impossible days, and other spellings: the
    /// quick reading of a date (and of a date and time) agrees with chrono's
    /// wherever it reads one, and reads every one spelled as the contract says.
    #[test]
    fn iso_dates_and_times_are_read_without_a_format_and_agree_with_chrono() {
        use chrono::Datelike;
        let mut day = NaiveDate::from_ymd_opt(1600, 1, 1).unwrap();
        while day.year() < 2400 {
            let text = day.format("%Y-%m-%d").to_string();
            assert_eq!(iso_days(&text), Some(days_since_epoch(day)), "{text}");
            day = day.succ_opt().unwrap();
        }
        for text in [
            "2024-02-29",
            "2023-02-29",
            "1900-02-29",
            "2000-02-29",
            "2024-04-31",
            "2024-00-10",
            "2024-13-01",
            "2024-01-00",
            "0000-03-01",
            "9999-12-31",
            "2024-1-05",
            "2024/01/05",
            "20240105xx",
            "+024-01-05",
        ] {
            // What the quick reading leaves (`+024-01-05`, say) goes on to chrono.
            if let Some(days) = iso_days(text) {
                let chrono = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
                assert_eq!(Some(days), chrono.map(days_since_epoch), "{text}");
            }
        }
        let chrono_datetime = |text: &str| {
            [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
            .map(|t| t.and_utc().timestamp_millis())
        };
        for text in [
            "2021-04-28T18:10:13",
            "2021-04-28 18:10:13",
            "1969-12-31T23:59:59",
            "2024-02-29T00:00",
            "2024-02-29 23:59",
            "2024-02-30T10:00:00",
            "2021-04-28T24:00:00",
            "2021-04-28T23:60:00",
            "2021-04-28T23:59:60",
            "2021-04-28T18:10:1",
            "2021-04-28T18:10:13.250",
            "2021-04-28X18:10:13",
            "2021-04-28T18-10-13",
            "2021-04-28T18:10-13",
        ] {
            if let Some(millis) = iso_datetime_millis(text) {
                assert_eq!(Some(millis), chrono_datetime(text), "{text}");
            }
        }
        for text in [
            "2021-04-28T18:10:13",
            "1969-12-31 23:59:59",
            "2024-02-29T00:00",
        ] {
            assert!(iso_datetime_millis(text).is_some(), "{text}");
        }
        assert_eq!(trimmed(" a b\t"), "a b");
        assert_eq!(trimmed("a b"), "a b");
        assert_eq!(trimmed("\u{a0}x\u{3000}"), "x");
        assert_eq!(trimmed(""), "");
    }

    #[test]
    fn accepts_untidy_but_valid_spellings() {
        let csv = format!(
            "\u{feff}{CRIMES_HEADER}C1,2024-01-05,Violence Against The Person,East Marsh,V1,30,Y,no,1,2024-02-01\n\
             C2,2024-01-06,burglary,SOUTHBY,,,0,FALSE,,\n"
        );
        let parsed = parse(shipped("crimes"), &csv);
        assert_eq!(parsed.rows_loaded, 2, "{:?}", parsed.rejects);
        let batch = &parsed.batches[0];
        assert_eq!(
            batch.column(3).data_type(),
            &DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
        );
        let district = cast(batch.column(3), &DataType::Utf8).unwrap();
        let district = district.as_string::<i32>();
        assert_eq!(district.value(0), "east_marsh");
        assert_eq!(district.value(1), "southby");
    }

    #[test]
    fn rejects_name_line_column_value_and_rule() {
        let csv = format!(
            "{CRIMES_HEADER}C1,2024-01-05,burglary,southby,V1,30,Y,N,,\n\
             C2,2024-13-05,burglary,southby,V1,30,Y,N,,\n\
             C3,2024-01-05,burglary,atlantis,V1,30,Y,N,,\n\
             C1,2024-01-05,burglary,southby,V1,30,Y,N,,\n\
             C4,2024-01-05,burglary,southby,V1,30,Y,N,3,\n\
             C5,2024-01-05,burglary,southby,V1,30,Y,N,3,2023-12-01\n"
        );
        let parsed = parse(shipped("crimes"), &csv);
        assert_eq!(parsed.rows_loaded, 1);
        let got: Vec<(u64, &str)> = parsed
            .rejects
            .iter()
            .map(|r| (r.line, r.column.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (3, "recorded_date"),
                (4, "district"),
                (5, "crime_ref"),
                (6, "outcome_date"),
                (7, "outcome_date")
            ]
        );
        assert_eq!(parsed.rejects[1].value, "atlantis");
        assert!(
            parsed.rejects[2].rule.contains("line 2"),
            "{}",
            parsed.rejects[2].rule
        );
    }

    #[test]
    fn blocks_parsed_apart_give_what_one_pass_gives() {
        // Quoted newlines, a blank line, rejects, and duplicates far apart.
        let mut csv = String::from(
            "\u{feff}crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date,\"notes\nmore\"\n",
        );
        for i in 0..60 {
            let reference = if i % 20 == 19 { i - 13 } else { i };
            let district = if i % 11 == 5 { "atlantis" } else { "southby" };
            csv.push_str(&format!(
                "C{reference},2024-01-{:02},burglary,{district},V{},,Y,N,,,\"line one\nline \"\"two\"\"\"\n",
                1 + i % 28,
                i % 7
            ));
            if i == 30 {
                csv.push('\n');
            }
        }
        let layout = Layout::new(shipped("crimes"), None);
        let read = |block_bytes| {
            let config = SourceConfig::default();
            read_csv_in_blocks(
                Path::new("t.csv"),
                csv.as_bytes(),
                shipped("crimes"),
                &config,
                &layout,
                block_bytes,
                0,
            )
            .unwrap()
        };
        let whole = read(1 << 20); // one block: the whole file
        // Rows 5, 16, 27, 38 and 49 are in atlantis; rows 19, 39 and 59 repeat a reference.
        assert_eq!(whole.rows_loaded, 60 - 5 - 3, "{:?}", whole.rejects);
        // Row i starts on line 3 + 2i (the header and every record take two lines).
        let duplicate = whole
            .rejects
            .iter()
            .find(|r| r.column == "crime_ref")
            .unwrap();
        assert_eq!(
            (duplicate.line, duplicate.value.as_str()),
            (3 + 2 * 19, "C6")
        );
        assert!(duplicate.rule.ends_with("line 15"), "{}", duplicate.rule);
        let lines: Vec<u64> = whole.rejects.iter().map(|r| r.line).collect();
        assert_eq!(
            lines,
            [13, 35, 41, 57, 80, 82, 102, 122],
            "a blank line after row 30"
        );
        for block_bytes in [1, 50, 333, 4096] {
            let parts = read(block_bytes);
            assert_eq!(parts.rejects, whole.rejects, "block size {block_bytes}");
            assert_eq!(parts.rows_loaded, whole.rows_loaded);
            let concat = |p: &Parsed| {
                datafusion::arrow::compute::concat_batches(&p.schema, &p.batches).unwrap()
            };
            assert_eq!(concat(&parts), concat(&whole), "block size {block_bytes}");
        }
    }

    #[test]
    fn lines_of_rows_are_kept_only_from_the_first_that_is_off_its_row_number() {
        let mut lines = LineOfRow::default();
        lines.push(0, 0..3);
        lines.push(3, 3..4);
        assert!(lines.lines.is_empty(), "rows 0 to 3 on their own lines");
        // A reject on line 4: row 4 is on line 5, and so on.
        lines.push(4, 5..7);
        lines.push(6, 9..10);
        let expected = [0, 1, 2, 3, 5, 6, 9];
        assert_eq!(
            (0..7).map(|row| lines.get(row)).collect::<Vec<_>>(),
            expected
        );
    }

    #[test]
    fn repeated_hashes_are_found_across_runs_and_stretches() {
        // 7 runs of 20,000 hashes that repeat (a few thousand values spread over
        // the whole range, some only once), so that there are many stretches.
        let mut state = 99u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            state >> 1
        };
        let values: Vec<u64> = (0..30_000)
            .map(|_| next().wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let runs: Vec<Vec<u64>> = (0..7)
            .map(|_| {
                (0..20_000)
                    .map(|_| values[(next() % 30_000) as usize])
                    .collect()
            })
            .collect();
        let bucketed: Vec<BucketedHashes> = runs.iter().cloned().map(BucketedHashes::new).collect();
        let (found, hashes) = repeated_hashes(&bucketed.iter().collect::<Vec<_>>(), true);
        let mut all_hashes: Vec<u64> = runs.iter().flatten().copied().collect();
        all_hashes.sort_unstable();
        assert_eq!(hashes, Some(all_hashes));
        // Independently: how often each hash is in any run.
        let mut seen: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
        for &hash in runs.iter().flatten() {
            *seen.entry(hash).or_default() += 1;
        }
        let mut expected: Vec<u64> = seen
            .iter()
            .filter(|&(_, n)| *n > 1)
            .map(|(h, _)| *h)
            .collect();
        expected.sort_unstable();
        assert!(expected.len() > 1_000 && expected.len() < seen.len());
        assert_eq!(found, expected);
        let (_, none_kept) = repeated_hashes(&bucketed.iter().collect::<Vec<_>>(), false);
        assert_eq!(none_kept, None);
    }

    #[test]
    fn repeating_rows_are_placed_after_the_first_in_file_order() {
        let layout = Layout::new(shipped("crimes"), None);
        let column = layout.held_place[0].expect("crime_ref is held");
        let config = SourceConfig::default();
        let parser = CellParser::new(&config);
        let part = |refs: &[&str]| {
            let mut table = TableBuilder::new(shipped("crimes"), &layout, Path::new("t.csv"), 1);
            for (line, crime_ref) in refs.iter().enumerate() {
                let row = [
                    crime_ref,
                    "2024-01-01",
                    "burglary",
                    "northby",
                    "",
                    "",
                    "no",
                    "no",
                    "",
                    "",
                    "",
                    "",
                ];
                table.row(line as u64 + 1, &parser, |i| Input::Text(row[i]));
            }
            table.finish()
        };
        let parts = vec![
            part(&["a", "b", "c"]),
            part(&["c", "a", "d"]),
            part(&["a", "e"]),
        ];
        let repeated = {
            let mut r = vec![hash("a"), hash("c")];
            r.sort_unstable();
            r
        };
        let mut found = rows_repeating(&parts, column, &repeated);
        found.sort_unstable();
        // "a": part 0 row 0 first, then part 1 row 1 and part 2 row 0; "c": part 0 row 2 first.
        let mut expected = vec![
            (place(1, 1), place(0, 0)),
            (place(2, 0), place(0, 0)),
            (place(1, 0), place(0, 2)),
        ];
        expected.sort_unstable();
        assert_eq!(found, expected);
    }

    #[test]
    fn strands_are_normalised_sets() {
        let csv = "incident_ref,reported_date,district,strands,is_crime,crime_ref,victim_id,outcome_type\n\
                   H1,2024-01-01,northby,Disability; race ;race,yes,C1,,1\n\
                   H2,2024-01-01,northby,race;ginger,no,,,\n\
                   H3,2024-01-01,northby,race,no,,,4\n";
        let parsed = parse(shipped("hate_incidents"), csv);
        assert_eq!(parsed.rows_loaded, 1);
        let strands = parsed.batches[0]
            .column(3)
            .as_any()
            .downcast_ref::<datafusion::arrow::array::StringArray>()
            .unwrap();
        assert_eq!(strands.value(0), "race;disability");
        assert_eq!(parsed.rejects[0].column, "strands");
        assert_eq!(parsed.rejects[1].column, "outcome_type");
    }

    #[test]
    fn declared_formats_and_renames_apply() {
        let config: SourceConfig = toml::from_str(
            "date_format = \"%d/%m/%Y\"\ntrue_values = [\"DA\"]\nfalse_values = [\"-\"]\n[columns]\ncrime_ref = \"Crime Reference\"\n",
        )
        .unwrap();
        let csv = "Crime Reference,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date,notes\n\
                   C1,05/01/2024,burglary,southby,,,DA,-,1,07/01/2024,free text\n";
        let layout = Layout::new(shipped("crimes"), None);
        let parsed = read_csv(
            Path::new("t.csv"),
            csv.as_bytes(),
            shipped("crimes"),
            &config,
            &layout,
        )
        .unwrap();
        assert_eq!(parsed.rows_loaded, 1, "{:?}", parsed.rejects);
        assert_eq!(parsed.ignored_columns, vec!["notes".to_string()]);
    }

    #[test]
    fn a_missing_column_is_named() {
        let csv = "crime_ref,recorded_date\nC1,2024-01-01\n";
        let err = read_csv(
            Path::new("x.csv"),
            csv.as_bytes(),
            shipped("crimes"),
            &SourceConfig::default(),
            &Layout::new(shipped("crimes"), None),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("`offence_group` is missing"),
            "{err}"
        );
    }
}
