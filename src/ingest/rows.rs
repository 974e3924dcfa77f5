//! Row-by-row reading of an extract against its contract: every cell parsed to
//! its type, every row checked against the row rules, rejects kept with reasons.

use super::contract::{ColumnSpec, ColumnType, Contract, RowRule, normalise_enum};
use super::{IngestError, SourceConfig};
use chrono::{NaiveDate, NaiveDateTime};
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanBuilder, Date32Builder, Int64Builder, StringBuilder,
    TimestampMillisecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BATCH_ROWS: usize = 64 * 1024;

/// A row refused by the contract.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reject {
    pub file: PathBuf,
    /// The line in a CSV file (the header is line 1); the row number in a Parquet file.
    pub line: u64,
    pub column: String,
    pub value: String,
    pub rule: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: column `{}`, value `{}`: {}",
            self.file.display(),
            self.line,
            self.column,
            self.value,
            self.rule
        )
    }
}

pub struct Parsed {
    pub batches: Vec<RecordBatch>,
    pub rows_loaded: u64,
    pub rejects: Vec<Reject>,
    pub ignored_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Text(String),
    Date(i32),
    Millis(i64),
    Bool(bool),
    Int(i64),
}

/// Parses cells of one contract, in the force's spellings.
struct CellParser<'a> {
    contract: &'a Contract,
    date_format: Option<&'a str>,
    datetime_format: Option<&'a str>,
    true_values: Vec<String>,
    false_values: Vec<String>,
}

impl<'a> CellParser<'a> {
    fn new(contract: &'a Contract, config: &'a SourceConfig, typed_dates: bool) -> Self {
        let lower = |v: &[String]| v.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
        CellParser {
            contract,
            date_format: if typed_dates {
                None
            } else {
                config.date_format.as_deref()
            },
            datetime_format: if typed_dates {
                None
            } else {
                config.datetime_format.as_deref()
            },
            true_values: lower(&config.true_values),
            false_values: lower(&config.false_values),
        }
    }

    fn parse(&self, spec: &ColumnSpec, raw: &str) -> Result<Cell, String> {
        let value = raw.trim();
        if value.is_empty() {
            return if spec.nullable {
                Ok(Cell::Null)
            } else {
                Err("a value is required".into())
            };
        }
        match spec.ty {
            ColumnType::Text => Ok(Cell::Text(value.to_string())),
            ColumnType::Date => self.date(value).map(Cell::Date),
            ColumnType::DateTime => self.datetime(value).map(Cell::Millis),
            ColumnType::Bool => self.boolean(value).map(Cell::Bool),
            ColumnType::Int { min, max } => match value.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Cell::Int(n)),
                _ => Err(format!("expected {}", spec.ty.describe())),
            },
            ColumnType::Enum(values) => {
                // Already in the contract's spelling: no need to normalise.
                if let Some(v) = values.iter().find(|v| **v == value) {
                    return Ok(Cell::Text((*v).to_string()));
                }
                let v = normalise_enum(value);
                if values.contains(&v.as_str()) {
                    Ok(Cell::Text(v))
                } else {
                    Err(format!("expected {}", spec.ty.describe()))
                }
            }
            ColumnType::EnumSet(values) => {
                let mut present = vec![false; values.len()];
                for part in value.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    let v = normalise_enum(part);
                    match values.iter().position(|&allowed| allowed == v) {
                        Some(i) => present[i] = true,
                        None => {
                            return Err(format!("`{part}` is not one of {}", values.join(", ")));
                        }
                    }
                }
                let set: Vec<&str> = values
                    .iter()
                    .zip(&present)
                    .filter(|(_, p)| **p)
                    .map(|(v, _)| *v)
                    .collect();
                if set.is_empty() {
                    return Err(format!("expected {}", spec.ty.describe()));
                }
                Ok(Cell::Text(set.join(";")))
            }
        }
    }

    fn date(&self, value: &str) -> Result<i32, String> {
        // The contract's own spelling, read without a format string: most cells are.
        if self.date_format.is_none()
            && let Some(date) = iso_date(value)
        {
            return Ok(days_since_epoch(date));
        }
        let format = self.date_format.unwrap_or("%Y-%m-%d");
        NaiveDate::parse_from_str(value, format)
            .map(days_since_epoch)
            .map_err(|_| format!("expected a date written {}", human_format(format)))
    }

    fn datetime(&self, value: &str) -> Result<i64, String> {
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

    /// Checks the rules between a row's cells; on failure, the column at fault and why.
    fn check_rules(&self, cells: &[Cell]) -> Result<(), (usize, String)> {
        let index = |name: &str| {
            self.contract
                .columns
                .iter()
                .position(|c| c.name == name)
                .expect("rule column")
        };
        let present = |i: usize| cells[i] != Cell::Null;
        for rule in self.contract.row_rules {
            match *rule {
                RowRule::PresentIffPresent { column, when } => {
                    let (c, w) = (index(column), index(when));
                    if present(c) != present(w) {
                        return Err((
                            c,
                            format!("`{column}` must be given exactly when `{when}` is"),
                        ));
                    }
                }
                RowRule::PresentIffTrue { column, when } => {
                    let (c, w) = (index(column), index(when));
                    if present(c) != (cells[w] == Cell::Bool(true)) {
                        return Err((
                            c,
                            format!("`{column}` must be given exactly when `{when}` is true"),
                        ));
                    }
                }
                RowRule::OnlyWhenTrue { column, when } => {
                    let (c, w) = (index(column), index(when));
                    if present(c) && cells[w] != Cell::Bool(true) {
                        return Err((
                            c,
                            format!("`{column}` may be given only when `{when}` is true"),
                        ));
                    }
                }
                RowRule::PresentIffOneOf {
                    column,
                    when,
                    values,
                } => {
                    let (c, w) = (index(column), index(when));
                    let applies =
                        matches!(&cells[w], Cell::Text(v) if values.contains(&v.as_str()));
                    if present(c) != applies {
                        return Err((
                            c,
                            format!(
                                "`{column}` must be given exactly when `{when}` is {}",
                                values.join(" or ")
                            ),
                        ));
                    }
                }
                RowRule::NotBefore { column, earlier } => {
                    let (c, e) = (index(column), index(earlier));
                    if let (Cell::Date(later), Cell::Date(first)) = (&cells[c], &cells[e])
                        && later < first
                    {
                        return Err((c, format!("`{column}` is before `{earlier}`")));
                    }
                }
            }
        }
        Ok(())
    }
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

/// `YYYY-MM-DD` exactly (a valid date), else `None`.
fn iso_date(value: &str) -> Option<NaiveDate> {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

/// Builds Arrow batches from accepted rows and keeps the rejects.
struct TableBuilder<'a> {
    contract: &'a Contract,
    path: &'a Path,
    columns: Vec<ColumnBuilder>,
    rows_in_batch: usize,
    batches: Vec<RecordBatch>,
    rows_loaded: u64,
    rejects: Vec<Reject>,
    /// For each unique column, the hash of every value seen and the line it was on.
    seen: Vec<(usize, HashMap<u64, u64>)>,
}

enum ColumnBuilder {
    Text(StringBuilder),
    Date(Date32Builder),
    Millis(TimestampMillisecondBuilder),
    Bool(BooleanBuilder),
    Int(Int64Builder),
}

impl ColumnBuilder {
    fn new(ty: ColumnType) -> Self {
        match ty {
            ColumnType::Text | ColumnType::Enum(_) | ColumnType::EnumSet(_) => {
                ColumnBuilder::Text(StringBuilder::new())
            }
            ColumnType::Date => ColumnBuilder::Date(Date32Builder::new()),
            ColumnType::DateTime => ColumnBuilder::Millis(TimestampMillisecondBuilder::new()),
            ColumnType::Bool => ColumnBuilder::Bool(BooleanBuilder::new()),
            ColumnType::Int { .. } => ColumnBuilder::Int(Int64Builder::new()),
        }
    }

    fn append(&mut self, cell: Cell) {
        match (self, cell) {
            (ColumnBuilder::Text(b), Cell::Text(v)) => b.append_value(v),
            (ColumnBuilder::Date(b), Cell::Date(v)) => b.append_value(v),
            (ColumnBuilder::Millis(b), Cell::Millis(v)) => b.append_value(v),
            (ColumnBuilder::Bool(b), Cell::Bool(v)) => b.append_value(v),
            (ColumnBuilder::Int(b), Cell::Int(v)) => b.append_value(v),
            (ColumnBuilder::Text(b), Cell::Null) => b.append_null(),
            (ColumnBuilder::Date(b), Cell::Null) => b.append_null(),
            (ColumnBuilder::Millis(b), Cell::Null) => b.append_null(),
            (ColumnBuilder::Bool(b), Cell::Null) => b.append_null(),
            (ColumnBuilder::Int(b), Cell::Null) => b.append_null(),
            _ => unreachable!("cells are parsed to their column's type"),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Text(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Millis(b) => Arc::new(b.finish()),
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::Int(b) => Arc::new(b.finish()),
        }
    }
}

impl<'a> TableBuilder<'a> {
    fn new(contract: &'a Contract, path: &'a Path) -> Self {
        TableBuilder {
            contract,
            path,
            columns: contract
                .columns
                .iter()
                .map(|c| ColumnBuilder::new(c.ty))
                .collect(),
            rows_in_batch: 0,
            batches: Vec::new(),
            rows_loaded: 0,
            rejects: Vec::new(),
            seen: contract
                .columns
                .iter()
                .enumerate()
                .filter(|(_, c)| c.unique)
                .map(|(i, _)| (i, HashMap::new()))
                .collect(),
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
    fn row<'r>(&mut self, line: u64, parser: &CellParser, raw: impl Fn(usize) -> &'r str) {
        let mut cells = Vec::with_capacity(self.contract.columns.len());
        for (i, spec) in self.contract.columns.iter().enumerate() {
            match parser.parse(spec, raw(i)) {
                Ok(cell) => cells.push(cell),
                Err(rule) => return self.reject(line, spec.name, raw(i), rule),
            }
        }
        if let Err((i, rule)) = parser.check_rules(&cells) {
            return self.reject(line, self.contract.columns[i].name, raw(i), rule);
        }
        for (column, seen) in &mut self.seen {
            let Cell::Text(value) = &cells[*column] else {
                continue;
            };
            match seen.entry(hash(value)) {
                Entry::Occupied(first) => {
                    let rule = format!(
                        "duplicate `{}`: the same value is on line {}",
                        self.contract.columns[*column].name,
                        first.get()
                    );
                    let name = self.contract.columns[*column].name;
                    let value = value.clone();
                    return self.reject(line, name, &value, rule);
                }
                Entry::Vacant(slot) => {
                    slot.insert(line);
                }
            }
        }
        for (builder, cell) in self.columns.iter_mut().zip(cells) {
            builder.append(cell);
        }
        self.rows_loaded += 1;
        self.rows_in_batch += 1;
        if self.rows_in_batch == BATCH_ROWS {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.rows_in_batch == 0 {
            return;
        }
        let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(ColumnBuilder::finish).collect();
        let batch = RecordBatch::try_new(self.contract.arrow_schema(), arrays)
            .expect("builders match the contract schema");
        self.batches.push(batch);
        self.rows_in_batch = 0;
    }

    fn finish(mut self, ignored_columns: Vec<String>) -> Parsed {
        self.flush();
        Parsed {
            batches: self.batches,
            rows_loaded: self.rows_loaded,
            rejects: self.rejects,
            ignored_columns,
        }
    }
}

fn hash(value: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(value)
}

/// Maps each contract column to its position among `header`, by the contract name
/// or the force's own name from `sources.toml`; returns the unused columns too.
fn locate_columns(
    path: &Path,
    header: &[String],
    contract: &Contract,
    config: &SourceConfig,
) -> Result<(Vec<usize>, Vec<String>), IngestError> {
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
        match normalised.iter().position(|h| h == wanted).or_else(|| {
            normalised
                .iter()
                .position(|h| h.eq_ignore_ascii_case(wanted))
        }) {
            Some(i) => positions.push(i),
            None => {
                let suggestion =
                    crate::definition::did_you_mean(wanted, normalised.iter().map(String::as_str));
                return Err(IngestError::MissingColumn {
                    path: path.to_path_buf(),
                    column: wanted.to_string(),
                    suggestion: suggestion.map(str::to_string),
                });
            }
        }
    }
    let ignored = (0..normalised.len())
        .filter(|i| !positions.contains(i))
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

pub fn read_csv(
    path: &Path,
    input: impl std::io::Read,
    contract: &Contract,
    config: &SourceConfig,
) -> Result<Parsed, IngestError> {
    let (mut reader, header) = open_csv(path, input)?;
    let malformed = |e: csv::Error| malformed(path, e);
    let (positions, ignored) = locate_columns(path, &header, contract, config)?;
    let parser = CellParser::new(contract, config, false);
    let mut table = TableBuilder::new(contract, path);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                if record.len() != header.len() {
                    if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
                        continue; // a blank line
                    }
                    let rule = format!(
                        "the row has {} fields but the header has {}",
                        record.len(),
                        header.len()
                    );
                    table.reject(line, "", "", rule);
                    continue;
                }
                table.row(line, &parser, |i| &record[positions[i]]);
            }
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                let line = e.position().map_or(0, |p| p.line());
                table.reject(line, "", "", "the row is not valid UTF-8 text".into());
            }
            Err(e) => return Err(malformed(e)),
        }
    }
    Ok(table.finish(ignored))
}

pub fn read_parquet(
    path: &Path,
    bytes: &[u8],
    contract: &Contract,
    config: &SourceConfig,
) -> Result<Parsed, IngestError> {
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let error = |message: String| IngestError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes))
        .map_err(|e| error(format!("not a readable Parquet file: {e}")))?;
    let header: Vec<String> = builder
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let (positions, ignored) = locate_columns(path, &header, contract, config)?;
    let reader = builder
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| error(e.to_string()))?;
    let parser = CellParser::new(contract, config, true);
    let mut table = TableBuilder::new(contract, path);
    let mut row_number = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| error(e.to_string()))?;
        // Reading every cell as text lets Parquet share the CSV checks exactly.
        let text: Vec<ArrayRef> = positions
            .iter()
            .map(|&i| {
                cast(batch.column(i), &DataType::Utf8)
                    .map_err(|e| error(format!("column `{}`: {e}", header[i])))
            })
            .collect::<Result<_, _>>()?;
        let text: Vec<&datafusion::arrow::array::StringArray> = text
            .iter()
            .map(|a| a.as_any().downcast_ref().expect("cast to Utf8"))
            .collect();
        for row in 0..batch.num_rows() {
            row_number += 1;
            table.row(row_number, &parser, |i| {
                if text[i].is_null(row) {
                    ""
                } else {
                    text[i].value(row)
                }
            });
        }
    }
    Ok(table.finish(ignored))
}

#[cfg(test)]
mod tests {
    use super::super::contract::{CRIMES, HATE_INCIDENTS};
    use super::*;

    fn parse(contract: &Contract, csv: &str) -> Parsed {
        read_csv(
            Path::new("t.csv"),
            csv.as_bytes(),
            contract,
            &SourceConfig::default(),
        )
        .unwrap()
    }

    const CRIMES_HEADER: &str = "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n";

    #[test]
    fn iso_dates_are_read_without_a_format_and_agree_with_chrono() {
        for text in [
            "2024-02-29",
            "1999-12-31",
            "2024-02-30",
            "2024-1-05",
            "2024/01/05",
            "20240105xx",
        ] {
            assert_eq!(
                iso_date(text),
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .filter(|_| text.len() == 10),
                "{text}"
            );
        }
    }

    #[test]
    fn accepts_untidy_but_valid_spellings() {
        let csv = format!(
            "\u{feff}{CRIMES_HEADER}C1,2024-01-05,Violence Against The Person,East Cambridgeshire,V1,30,Y,no,1,2024-02-01\n\
             C2,2024-01-06,burglary,FENLAND,,,0,FALSE,,\n"
        );
        let parsed = parse(&CRIMES, &csv);
        assert_eq!(parsed.rows_loaded, 2, "{:?}", parsed.rejects);
        let batch = &parsed.batches[0];
        let district = batch
            .column(3)
            .as_any()
            .downcast_ref::<datafusion::arrow::array::StringArray>()
            .unwrap();
        assert_eq!(district.value(0), "east_cambridgeshire");
        assert_eq!(district.value(1), "fenland");
    }

    #[test]
    fn rejects_name_line_column_value_and_rule() {
        let csv = format!(
            "{CRIMES_HEADER}C1,2024-01-05,burglary,fenland,V1,30,Y,N,,\n\
             C2,2024-13-05,burglary,fenland,V1,30,Y,N,,\n\
             C3,2024-01-05,burglary,atlantis,V1,30,Y,N,,\n\
             C1,2024-01-05,burglary,fenland,V1,30,Y,N,,\n\
             C4,2024-01-05,burglary,fenland,V1,30,Y,N,3,\n\
             C5,2024-01-05,burglary,fenland,V1,30,Y,N,3,2023-12-01\n"
        );
        let parsed = parse(&CRIMES, &csv);
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
    fn strands_are_normalised_sets() {
        let csv = "incident_ref,reported_date,district,strands,is_crime,crime_ref,victim_id,outcome_type\n\
                   H1,2024-01-01,cambridge,Disability; race ;race,yes,C1,,1\n\
                   H2,2024-01-01,cambridge,race;ginger,no,,,\n\
                   H3,2024-01-01,cambridge,race,no,,,4\n";
        let parsed = parse(&HATE_INCIDENTS, csv);
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
                   C1,05/01/2024,burglary,fenland,,,DA,-,1,07/01/2024,free text\n";
        let parsed = read_csv(Path::new("t.csv"), csv.as_bytes(), &CRIMES, &config).unwrap();
        assert_eq!(parsed.rows_loaded, 1, "{:?}", parsed.rejects);
        assert_eq!(parsed.ignored_columns, vec!["notes".to_string()]);
    }

    #[test]
    fn a_missing_column_is_named() {
        let csv = "crime_ref,recorded_date\nC1,2024-01-01\n";
        let err = read_csv(
            Path::new("x.csv"),
            csv.as_bytes(),
            &CRIMES,
            &SourceConfig::default(),
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("`offence_group` is missing"),
            "{err}"
        );
    }
}
