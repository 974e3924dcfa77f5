//! The results contract of `mos run`: one row per point of every series, and
//! its writers (CSV, JSON, Parquet). Files are written beside their target and
//! renamed into place, so a failure never leaves half a file over good results.

use crate::engine::MeasureResult;
use datafusion::arrow::array::{ArrayRef, BooleanArray, Float64Array, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const COLUMNS: [&str; 15] = [
    "measure_id",
    "period_start",
    "period_end",
    "breakdown",
    "group",
    "numerator",
    "denominator",
    "value",
    "ci_lower",
    "ci_upper",
    "suppressed",
    "spc_mean",
    "spc_lower",
    "spc_upper",
    "spc_signal",
];

/// One row of the results contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultRow {
    pub measure_id: String,
    pub period_start: String,
    pub period_end: String,
    pub breakdown: String,
    pub group: String,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    pub value: Option<f64>,
    pub ci_lower: Option<f64>,
    pub ci_upper: Option<f64>,
    pub suppressed: bool,
    pub spc_mean: Option<f64>,
    pub spc_lower: Option<f64>,
    pub spc_upper: Option<f64>,
    pub spc_signal: Option<&'static str>,
}

/// The rows of every measure, sorted by measure, breakdown, group and period start.
pub fn rows(results: &[MeasureResult]) -> Vec<ResultRow> {
    let mut rows: Vec<ResultRow> = results.iter().flat_map(measure_rows).collect();
    rows.sort_by(|a, b| {
        (&a.measure_id, &a.breakdown, &a.group, &a.period_start).cmp(&(
            &b.measure_id,
            &b.breakdown,
            &b.group,
            &b.period_start,
        ))
    });
    rows
}

/// The rows of one measure, in series order.
pub fn measure_rows(result: &MeasureResult) -> Vec<ResultRow> {
    let mut rows = Vec::new();
    for series in &result.series {
        for (index, point) in series.points.iter().enumerate() {
            let f = point.figures.as_ref();
            let limits = series.limits_at(index);
            rows.push(ResultRow {
                measure_id: result.measure.id.clone(),
                period_start: point.period.start_date().to_string(),
                period_end: point.period.end_date().to_string(),
                breakdown: series.breakdown.clone().unwrap_or_default(),
                group: series.group.clone().unwrap_or_default(),
                numerator: f.map(|f| f.numerator),
                denominator: f.and_then(|f| f.denominator),
                value: f.and_then(|f| f.value),
                ci_lower: f.and_then(|f| f.interval).map(|i| i.lower),
                ci_upper: f.and_then(|f| f.interval).map(|i| i.upper),
                suppressed: point.suppressed,
                spc_mean: limits.map(|l| l.mean),
                spc_lower: limits.map(|l| l.lower),
                spc_upper: limits.map(|l| l.upper),
                spc_signal: point.signal.map(|s| s.as_str()),
            });
        }
    }
    rows
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Io(#[from] crate::common::atomic::WriteError),
    #[error("cannot write {}: {message}", .path.display())]
    Encode { path: PathBuf, message: String },
    #[error("cannot tell the format of {}: name it .csv, .json or .parquet", .0.display())]
    UnknownFormat(PathBuf),
}

/// The results file's format, from its extension: `csv`, `json` or `parquet`.
/// Asked before an evaluation, so that a name no format fits is refused at once.
pub fn format_of(path: &Path) -> Result<&'static str, WriteError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv") => Ok("csv"),
        Some("json") => Ok("json"),
        Some("parquet") => Ok("parquet"),
        _ => Err(WriteError::UnknownFormat(path.to_path_buf())),
    }
}

/// Writes `rows` to `path` in the format its extension names, atomically.
/// `csv`, when given, is `rows` already encoded as CSV.
pub fn write(path: &Path, rows: &[ResultRow], csv: Option<&[u8]>) -> Result<(), WriteError> {
    let encoded = match (format_of(path)?, csv) {
        ("csv", Some(csv)) => return Ok(crate::common::atomic::write_file(path, csv)?),
        ("csv", None) => Ok(to_csv(rows)),
        ("json", _) => serde_json::to_vec_pretty(rows).map_err(|e| e.to_string()),
        _ => to_parquet(rows),
    };
    let bytes = encoded.map_err(|message| WriteError::Encode {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(crate::common::atomic::write_file(path, &bytes)?)
}

/// Writes `bytes` to `path` through a private temporary file renamed over it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    Ok(crate::common::atomic::write_file(path, bytes)?)
}

/// Shortest text that reads back as the same f64.
pub fn number(value: f64) -> String {
    let mut text = String::new();
    write_number(&mut text, value);
    text
}

/// Appends [`number`]'s text for `value` to `text`.
fn write_number(text: &mut String, value: f64) {
    use std::fmt::Write as _;
    // -0 reads as 0: the sign of an empty difference means nothing.
    let value = if value == 0.0 { 0.0 } else { value };
    write!(text, "{value}").expect("writing to a String");
}

pub fn to_csv(rows: &[ResultRow]) -> Vec<u8> {
    use std::fmt::Write as _;
    // Field by field through one scratch buffer: a String per field made this
    // as slow as writing the file.
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 180));
    let field = |writer: &mut csv::Writer<Vec<u8>>, text: &str| {
        writer.write_field(text).expect("writing to memory");
    };
    writer.write_record(COLUMNS).expect("writing to memory");
    let mut text = String::new();
    for r in rows {
        for value in [&r.measure_id, &r.period_start, &r.period_end] {
            field(&mut writer, value);
        }
        // A group's name comes from the data (a police.uk crime type, say).
        for value in [&r.breakdown, &r.group] {
            field(&mut writer, &crate::common::spreadsheet_safe::inert(value));
        }
        for count in [r.numerator, r.denominator] {
            text.clear();
            if let Some(count) = count {
                write!(text, "{count}").expect("writing to a String");
            }
            field(&mut writer, &text);
        }
        let mut float = |writer: &mut csv::Writer<Vec<u8>>, value: Option<f64>| {
            text.clear();
            if let Some(value) = value {
                write_number(&mut text, value);
            }
            field(writer, &text);
        };
        for value in [r.value, r.ci_lower, r.ci_upper] {
            float(&mut writer, value);
        }
        field(&mut writer, if r.suppressed { "true" } else { "false" });
        for value in [r.spc_mean, r.spc_lower, r.spc_upper] {
            float(&mut writer, value);
        }
        field(&mut writer, r.spc_signal.unwrap_or_default());
        writer
            .write_record(None::<&[u8]>)
            .expect("writing to memory");
    }
    writer.into_inner().expect("writing to memory")
}

pub fn to_record_batch(rows: &[ResultRow]) -> RecordBatch {
    let text = |f: fn(&ResultRow) -> &str| {
        Arc::new(StringArray::from_iter_values(rows.iter().map(f))) as ArrayRef
    };
    let float = |f: fn(&ResultRow) -> Option<f64>| {
        Arc::new(Float64Array::from_iter(rows.iter().map(f))) as ArrayRef
    };
    let unsigned = |f: fn(&ResultRow) -> Option<u64>| {
        Arc::new(UInt64Array::from_iter(rows.iter().map(f))) as ArrayRef
    };
    let fields = COLUMNS.map(|name| {
        let ty = match name {
            "numerator" | "denominator" => DataType::UInt64,
            "value" | "ci_lower" | "ci_upper" | "spc_mean" | "spc_lower" | "spc_upper" => {
                DataType::Float64
            }
            "suppressed" => DataType::Boolean,
            _ => DataType::Utf8,
        };
        Field::new(
            name,
            ty,
            !matches!(
                name,
                "measure_id" | "period_start" | "period_end" | "suppressed"
            ),
        )
    });
    let columns: Vec<ArrayRef> = vec![
        text(|r| &r.measure_id),
        text(|r| &r.period_start),
        text(|r| &r.period_end),
        text(|r| &r.breakdown),
        text(|r| &r.group),
        unsigned(|r| r.numerator),
        unsigned(|r| r.denominator),
        float(|r| r.value),
        float(|r| r.ci_lower),
        float(|r| r.ci_upper),
        Arc::new(BooleanArray::from_iter(
            rows.iter().map(|r| Some(r.suppressed)),
        )),
        float(|r| r.spc_mean),
        float(|r| r.spc_lower),
        float(|r| r.spc_upper),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.spc_signal))),
    ];
    RecordBatch::try_new(Arc::new(Schema::new(fields.to_vec())), columns)
        .expect("columns match the schema")
}

fn to_parquet(rows: &[ResultRow]) -> Result<Vec<u8>, String> {
    let batch = to_record_batch(rows);
    let mut buffer = Vec::new();
    let mut writer =
        datafusion::parquet::arrow::ArrowWriter::try_new(&mut buffer, batch.schema(), None)
            .map_err(|e| e.to_string())?;
    writer.write(&batch).map_err(|e| e.to_string())?;
    writer.close().map_err(|e| e.to_string())?;
    Ok(buffer)
}
