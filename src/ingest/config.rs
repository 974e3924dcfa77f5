//! `sources.toml` in a data folder: how a force's exports differ from the
//! contract (file names, column names, date formats, boolean spellings).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// How one source is read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// File name within the data folder (default `<source>.csv` or `<source>.parquet`).
    pub file: Option<String>,
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
}

/// The whole `sources.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesConfig {
    /// Largest share of an extract's rows that may be rejected before the extract
    /// is refused as a whole (default 0.01).
    pub max_reject_share: Option<f64>,
    #[serde(flatten)]
    pub sources: BTreeMap<String, SourceConfig>,
}

impl SourcesConfig {
    /// Reads `dir/sources.toml` when present.
    pub fn read(dir: &Path) -> Result<SourcesConfig, super::IngestError> {
        let path = dir.join("sources.toml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(SourcesConfig::default());
        };
        let config: SourcesConfig = toml::from_str(&text).map_err(|e| {
            let source = crate::definition::SourceText {
                path: path.clone(),
                text: text.clone(),
            };
            let d = crate::definition::Diagnostic::at(
                &source,
                e.span().unwrap_or(0..0),
                e.message().trim(),
            );
            super::IngestError::Config {
                path: path.clone(),
                message: d.to_string(),
            }
        })?;
        for name in config.sources.keys() {
            if super::contract::by_name(name).is_none() {
                return Err(super::IngestError::Config {
                    path,
                    message: format!(
                        "unknown source `{name}`; the sources are {}",
                        super::contract::ALL
                            .iter()
                            .map(|c| c.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        Ok(config)
    }

    pub fn source(&self, name: &str) -> SourceConfig {
        self.sources.get(name).cloned().unwrap_or_default()
    }
}
