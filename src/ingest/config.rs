//! `sources.toml` in a data folder: how a force's exports differ from the
//! declared sources (file names, column names, date formats, boolean
//! spellings), on top of what `data/sources/*.toml` declares.

use super::contract::Contract;
use crate::common::{Diagnostic, SourceText, did_you_mean};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The file, in a data folder.
pub const FILE: &str = "sources.toml";

/// How one source is read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// File name within the data folder (default `<source>.csv`, `.parquet`,
    /// `.xlsx` or `.ods`).
    pub file: Option<String>,
    /// A spreadsheet's sheet (default: its first).
    pub sheet: Option<String>,
    /// chrono format of dates, e.g. `%d/%m/%Y` (default ISO `%Y-%m-%d`).
    pub date_format: Option<String>,
    /// chrono format of date-times (default ISO 8601 with `T` or a space).
    pub datetime_format: Option<String>,
    /// Spellings of true and false beyond true/false, Y/N, yes/no, 1/0.
    #[serde(default)]
    pub true_values: Vec<String>,
    #[serde(default)]
    pub false_values: Vec<String>,
    /// Contract column name = the column's name in the file.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// How many rows the export job says the file holds (written last, with
    /// the file): a file with another count is refused, and a file whose last
    /// line has no newline is taken as whole only when its count is this.
    pub rows: Option<u64>,
}

impl SourceConfig {
    /// This configuration over `declared`: what is given here wins, and the
    /// spellings and renames add to the declared ones.
    fn over(&self, declared: &SourceConfig) -> SourceConfig {
        let mut columns = declared.columns.clone();
        columns.extend(self.columns.clone());
        let both = |a: &[String], b: &[String]| a.iter().chain(b).cloned().collect();
        SourceConfig {
            file: self.file.clone().or_else(|| declared.file.clone()),
            sheet: self.sheet.clone().or_else(|| declared.sheet.clone()),
            date_format: self
                .date_format
                .clone()
                .or_else(|| declared.date_format.clone()),
            datetime_format: self
                .datetime_format
                .clone()
                .or_else(|| declared.datetime_format.clone()),
            true_values: both(&declared.true_values, &self.true_values),
            false_values: both(&declared.false_values, &self.false_values),
            columns,
            rows: self.rows.or(declared.rows),
        }
    }
}

/// The whole `sources.toml`: `max_reject_share` and a table per source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourcesConfig {
    /// Largest share of an extract's rows that may be rejected before the extract
    /// is refused as a whole (default 0.01).
    pub max_reject_share: Option<f64>,
    pub sources: BTreeMap<String, SourceConfig>,
}

impl SourcesConfig {
    /// Reads `dir/sources.toml` when present; a source it names must be one of `known`.
    pub fn read(dir: &Path, known: &[&Contract]) -> Result<SourcesConfig, super::IngestError> {
        let path = dir.join(FILE);
        if !path.exists() {
            return Ok(SourcesConfig::default());
        }
        let config_error = |message: String| super::IngestError::Config {
            path: path.clone(),
            message,
        };
        let bytes = super::read_file(&path)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            config_error(format!(
                "is not UTF-8 text (byte {} is not); save it as UTF-8",
                e.utf8_error().valid_up_to() + 1
            ))
        })?;
        let file = SourceText {
            path: path.clone(),
            text,
        };
        Self::parse(&file, known).map_err(|d| config_error(d.to_string()))
    }

    /// Parses the text of a `sources.toml`.
    pub fn parse(file: &SourceText, known: &[&Contract]) -> Result<SourcesConfig, Box<Diagnostic>> {
        let at = |span: std::ops::Range<usize>, message: String| {
            Box::new(Diagnostic::at(file, span, message))
        };
        let entries: BTreeMap<String, toml::Spanned<toml::Value>> = toml::from_str(&file.text)
            .map_err(|e| at(e.span().unwrap_or(0..0), e.message().trim().to_string()))?;
        let mut config = SourcesConfig::default();
        for (key, value) in entries {
            let span = value.span();
            if key == "max_reject_share" {
                match value.into_inner() {
                    toml::Value::Float(share) if (0.0..=1.0).contains(&share) => {
                        config.max_reject_share = Some(share)
                    }
                    toml::Value::Integer(share @ (0 | 1)) => {
                        config.max_reject_share = Some(share as f64)
                    }
                    _ => {
                        return Err(at(
                            span,
                            "`max_reject_share` is a share from 0 to 1, e.g. 0.02".into(),
                        ));
                    }
                }
                continue;
            }
            if !known.iter().any(|c| c.name == key) {
                let names: Vec<&str> = known.iter().map(|c| c.name).collect();
                let mut d = at(span, format!("unknown source `{key}`"));
                *d = match did_you_mean(&key, names.iter().copied()) {
                    Some(close) => d.with_label(format!("did you mean `{close}`?")),
                    None => d.with_help(format!(
                        "the sources are {}, and `max_reject_share`",
                        names.join(", ")
                    )),
                };
                return Err(d);
            }
            let source: SourceConfig =
                value
                    .into_inner()
                    .try_into()
                    .map_err(|e: toml::de::Error| {
                        let message = e.message().trim().to_string();
                        at(span.clone(), format!("in [{key}]: {message}"))
                    })?;
            if let Some(name) = &source.file
                && !within_folder(name)
            {
                let mut d = at(
                    span,
                    format!("in [{key}]: `file = \"{name}\"` is outside the data folder"),
                );
                d.help = Some(
                    "name a file in the data folder (or a folder in it), e.g. `file = \"exports/crimes.csv\"`; copy an extract kept elsewhere in".into(),
                );
                return Err(d);
            }
            config.sources.insert(key, source);
        }
        Ok(config)
    }

    /// How `contract`'s extract is read: what this file says over what is declared.
    pub fn source(&self, contract: &Contract) -> SourceConfig {
        match self.sources.get(contract.name) {
            Some(given) => given.over(contract.reading),
            None => contract.reading.clone(),
        }
    }
}

/// Whether a `file` names a place inside the data folder: relative, and
/// never climbing out of it (`../../etc/passwd`).
pub(crate) fn within_folder(name: &str) -> bool {
    let path = Path::new(name);
    path.components().all(|c| {
        matches!(
            c,
            std::path::Component::Normal(_) | std::path::Component::CurDir
        )
    })
}
