//! Measure tests: beside the measures, `tests/*.toml` files give a small fixture
//! extract and the figures a measure must produce on it ("with these six rows,
//! the December value is 2"). `mos test` evaluates each measure on its fixture
//! with the real engine and compares, so a definition change that alters a
//! figure fails before it reaches the board.
//!
//! ```toml
//! measure = "domestic_abuse_crimes"
//! about = "only flagged crimes count, in the month they were recorded"
//! [extracts]
//! crimes = """
//! recorded_date,district,domestic_abuse
//! 2024-12-01,north_vale,true
//! """
//! [[expect]]
//! period = "2024-12"
//! value = 1
//! ```
//!
//! A fixture gives only the columns that matter: the others are filled with a
//! neutral value (a unique reference, empty where allowed, `false`, the first
//! allowed value), so an analyst writes the rows the test is about.

use crate::definition::{Diagnostic, MeasureSet, SourceText};
use crate::engine::{MeasureResult, Point};
use crate::ingest::contract::{self, ColumnType};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A measure test file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    /// The id of the measure under test.
    measure: Spanned<String>,
    /// What the test shows, in a few words.
    #[serde(default)]
    about: String,
    /// CSV text per source, header first.
    extracts: BTreeMap<String, Spanned<String>>,
    expect: Vec<Spanned<RawExpect>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    /// The point's last month `YYYY-MM`, or its label ("2023/24 Q1", "Jan–Mar 2024").
    period: String,
    /// A breakdown's name and group; the total when omitted.
    breakdown: Option<String>,
    group: Option<String>,
    value: Option<f64>,
    numerator: Option<u64>,
    denominator: Option<u64>,
    suppressed: Option<bool>,
    /// `improvement`, `concern`, `special_cause`, or `none`.
    signal: Option<String>,
}

/// How one test file went.
#[derive(Debug)]
pub struct TestOutcome {
    pub path: PathBuf,
    pub measure: String,
    pub about: String,
    pub checked: usize,
    /// Each failed expectation, rendered with its place in the file.
    pub failures: Vec<Diagnostic>,
}

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("cannot read measure tests in {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Runs every test file in `dir` against `measures`. A file that cannot be read
/// or evaluated counts as failed, with the reason.
pub async fn run_all(dir: &Path, measures: &MeasureSet) -> Result<Vec<TestOutcome>, FixtureError> {
    let io = |source| FixtureError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(e)),
    };
    paths.sort();
    let mut outcomes = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| FixtureError::Io {
            path: path.clone(),
            source,
        })?;
        outcomes.push(run_one(&SourceText { path, text }, measures).await);
    }
    Ok(outcomes)
}

/// Evaluates one test file's measure on its fixture and checks every expectation.
pub async fn run_one(file: &SourceText, measures: &MeasureSet) -> TestOutcome {
    let mut outcome = TestOutcome {
        path: file.path.clone(),
        measure: String::new(),
        about: String::new(),
        checked: 0,
        failures: Vec::new(),
    };
    let raw: RawTest = match toml::from_str(&file.text) {
        Ok(raw) => raw,
        Err(e) => {
            outcome.failures.push(Diagnostic::at(
                file,
                e.span().unwrap_or(0..0),
                format!("in measure test: {}", e.message().trim()),
            ));
            return outcome;
        }
    };
    outcome.measure = raw.measure.get_ref().clone();
    outcome.about = raw.about.clone();
    let Some(measure) = measures.get(raw.measure.get_ref()) else {
        outcome.failures.push(
            Diagnostic::at(
                file,
                raw.measure.span(),
                format!("no measure `{}`", raw.measure.get_ref()),
            )
            .with_help(
                match crate::definition::did_you_mean(
                    raw.measure.get_ref(),
                    measures.measures.iter().map(|m| m.id.as_str()),
                ) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => "name the id of a measure in the measures folder".into(),
                },
            ),
        );
        return outcome;
    };
    let result = match evaluate_on_fixture(file, &raw, measure, measures).await {
        Ok(result) => result,
        Err(diagnostics) => {
            outcome.failures = diagnostics;
            return outcome;
        }
    };
    for expect in &raw.expect {
        outcome.checked += 1;
        if let Err(message) = check(&result, expect.get_ref()) {
            outcome
                .failures
                .push(Diagnostic::at(file, expect.span(), message));
        }
    }
    outcome
}

/// Writes the fixture extracts (missing columns filled) to a scratch folder and
/// evaluates the one measure on them.
async fn evaluate_on_fixture(
    file: &SourceText,
    raw: &RawTest,
    measure: &crate::definition::Measure,
    measures: &MeasureSet,
) -> Result<MeasureResult, Vec<Diagnostic>> {
    let catalog = &measures.catalog;
    let whole = |message: String| vec![Diagnostic::whole_file(&file.path, message)];
    let scratch = tempfile::tempdir().map_err(|e| whole(e.to_string()))?;
    for (source, csv) in &raw.extracts {
        let Some(contract) = catalog.contract(source) else {
            return Err(vec![Diagnostic::at(
                file,
                csv.span(),
                format!("`{source}` is not an extract"),
            )]);
        };
        let filled = fill_columns(contract, csv.get_ref())
            .map_err(|message| vec![Diagnostic::at(file, csv.span(), message)])?;
        std::fs::write(scratch.path().join(format!("{source}.csv")), filled)
            .map_err(|e| whole(e.to_string()))?;
    }
    let set = measures.with_measures(vec![measure.clone()]);
    // Every row must load: a rejected fixture row is a mistake in the test.
    let known = set.catalog.contracts();
    let extracts = crate::ingest::load_extracts(scratch.path(), &set.contracts(), known, Some(1.0))
        .map_err(|e| whole(e.to_string()))?;
    let mut rejected = Vec::new();
    for extract in &extracts {
        let Some(csv) = raw.extracts.get(&extract.name) else {
            continue;
        };
        for reject in &extract.rejects {
            rejected.push(Diagnostic::at(
                file,
                csv_line_span(file, csv, reject.line),
                format!(
                    "this fixture row is rejected: `{}` = \"{}\": {}",
                    reject.column, reject.value, reject.rule
                ),
            ));
        }
    }
    if !rejected.is_empty() {
        return Err(rejected);
    }
    let (mut evaluation, _) =
        crate::evaluation::pipeline::evaluate(&set, scratch.path(), None, None, &[], &|_| {})
            .await
            .map_err(|e| whole(e.to_string()))?;
    if !evaluation.warnings.is_empty() {
        return Err(whole(evaluation.warnings.join("; ")));
    }
    evaluation
        .results
        .pop()
        .ok_or_else(|| whole("the measure gave no results".into()))
}

/// The fixture CSV with every contract column: the given ones as written, the
/// rest filled so the row meets the contract where it can.
fn fill_columns(contract: &'static contract::Contract, csv: &str) -> Result<String, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv.trim().as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the fixture's header cannot be read: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    for name in &header {
        if contract.column(name).is_none() {
            let hint =
                crate::definition::did_you_mean(name, contract.columns.iter().map(|c| c.name))
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
            return Err(format!("`{}` has no column `{name}`{hint}", contract.name));
        }
    }
    if let Some(period) = contract.period_column
        && !header.iter().any(|h| h == period)
    {
        return Err(format!(
            "the `{}` fixture needs its date column `{period}`",
            contract.name
        ));
    }
    let names: Vec<&str> = contract.columns.iter().map(|c| c.name).collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("fixture row {}: {e}", n + 1))?;
        let given = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
        };
        let period_date = contract.period_column.and_then(given).unwrap_or_default();
        let row: Vec<String> = contract
            .columns
            .iter()
            .map(|c| match given(c.name) {
                Some(value) => value.to_string(),
                None if c.nullable && !c.unique => String::new(),
                None => neutral(c, n, period_date),
            })
            .collect();
        rows.push(row);
    }
    // A column left out that a row rule requires (a crime's reference when
    // `is_crime` is true, say) is filled, or emptied where a rule wants it
    // empty: each rejected cell the fixture did not give is turned over, until
    // no such cell is rejected.
    let written = |rows: &[Vec<String>]| -> Result<String, String> {
        let mut out = csv::Writer::from_writer(Vec::new());
        // Headed as the force's files are (a column's `from` name).
        let file_names: Vec<&str> = names
            .iter()
            .map(|n| contract.reading.columns.get(*n).map_or(*n, String::as_str))
            .collect();
        out.write_record(&file_names).map_err(|e| e.to_string())?;
        for row in rows {
            out.write_record(row).map_err(|e| e.to_string())?;
        }
        String::from_utf8(out.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
    };
    for _ in 0..=contract.row_rules.len() {
        let text = written(&rows)?;
        let rejects = crate::ingest::rejects_of_csv(Path::new("fixture.csv"), &text, contract)
            .map_err(|e| e.to_string())?;
        let mut turned = false;
        for reject in rejects {
            let (Some(row), Some(c)) = (
                (reject.line as usize).checked_sub(2),
                names.iter().position(|n| *n == reject.column),
            ) else {
                continue;
            };
            if header.iter().any(|h| h == names[c]) || row >= rows.len() {
                continue;
            }
            let spec = &contract.columns[c];
            let cell = &mut rows[row][c];
            if cell.is_empty() {
                let period_date = contract
                    .period_column
                    .and_then(|p| names.iter().position(|n| *n == p))
                    .map(|p| rows[row][p].clone())
                    .unwrap_or_default();
                rows[row][c] = neutral(spec, row, &period_date);
                turned = true;
            } else if spec.nullable {
                cell.clear();
                turned = true;
            }
        }
        if !turned {
            break;
        }
    }
    written(&rows)
}

/// A value of column `c` that meets its contract, for fixture row `n` (from 0)
/// whose period date is `period_date`.
fn neutral(c: &contract::ColumnSpec, n: usize, period_date: &str) -> String {
    match c.ty {
        ColumnType::Bool => "false".to_string(),
        ColumnType::Int { min, max } => min.max(0).min(max).to_string(),
        ColumnType::Decimal => "0".to_string(),
        ColumnType::Enum(vocabulary) | ColumnType::EnumSet(vocabulary) => {
            vocabulary.values[0].into()
        }
        // Other dates take the row's period date.
        ColumnType::Date | ColumnType::DateTime => period_date.to_string(),
        ColumnType::Text => format!("fixture-{}", n + 1),
    }
}

/// Where CSV line `line` (the header is line 1) of a fixture sits in the test file.
fn csv_line_span(file: &SourceText, csv: &Spanned<String>, line: u64) -> std::ops::Range<usize> {
    let literal = &file.text[csv.span()];
    let content = csv.span().start + crate::definition::literal_prefix(literal);
    // The fixture is trimmed before reading, so blank lines before the header do not count.
    let text = &file.text[content..csv.span().end];
    let skipped = text.len() - text.trim_start().len();
    let mut start = content + skipped;
    for _ in 1..line {
        match file.text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    let end = file.text[start..]
        .find('\n')
        .map_or(file.text.len(), |i| start + i);
    start..end
}

/// Checks one expectation against the results; the message says what differs.
fn check(result: &MeasureResult, expect: &RawExpect) -> Result<(), String> {
    let m = &result.measure;
    let series = match (&expect.breakdown, &expect.group) {
        (None, None) => result.total(),
        (Some(b), Some(g)) => result
            .series
            .iter()
            .find(|s| s.breakdown.as_deref() == Some(b) && s.group.as_deref() == Some(g))
            .ok_or_else(|| format!("`{}` has no series {b} = {g}", m.id))?,
        _ => return Err("give both `breakdown` and `group`, or neither for the total".into()),
    };
    let point: &Point = series
        .points
        .iter()
        .find(|p| {
            p.period.last.to_string() == expect.period || m.period_label(p.period) == expect.period
        })
        .ok_or_else(|| {
            format!(
                "no point for period `{}`; the series has {}",
                expect.period,
                series
                    .points
                    .iter()
                    .map(|p| format!("{} ({})", m.period_label(p.period), p.period.last))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    let where_ = format!(
        "{}{}",
        m.period_label(point.period),
        match (&expect.breakdown, &expect.group) {
            (Some(b), Some(g)) => format!(", {b} {g}"),
            _ => String::new(),
        }
    );
    let mut wrong = String::new();
    let f = point.figures.as_ref();
    if let Some(v) = expect.value {
        let got = f.and_then(|f| f.value);
        if !got.is_some_and(|g| (g - v).abs() <= 1e-9 * v.abs().max(1.0)) {
            let _ = write!(wrong, " value {v} expected, got {};", shown(got));
        }
    }
    if let Some(n) = expect.numerator {
        let got = f.map(|f| f.numerator);
        if got != Some(n) {
            let _ = write!(wrong, " numerator {n} expected, got {};", shown(got));
        }
    }
    if let Some(d) = expect.denominator {
        let got = f.and_then(|f| f.denominator);
        if got != Some(d) {
            let _ = write!(wrong, " denominator {d} expected, got {};", shown(got));
        }
    }
    if let Some(s) = expect.suppressed
        && s != point.suppressed
    {
        let _ = write!(wrong, " suppressed {s} expected, got {};", point.suppressed);
    }
    if let Some(signal) = &expect.signal {
        let got = point.signal.map_or("none", |s| s.as_str());
        if got != signal {
            let _ = write!(wrong, " signal `{signal}` expected, got `{got}`;");
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "`{}` at {where_}:{}",
            m.id,
            wrong.trim_end_matches(';')
        ))
    }
}

fn shown<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or("nothing".into(), |v| v.to_string())
}
