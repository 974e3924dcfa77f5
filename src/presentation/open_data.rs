//! Open data: a measure's figures as the UK government's tabular-data
//! guidance asks, a CSV with a CSV on the Web (W3C CSVW) metadata file beside
//! it, and a schema.org `Dataset` for search engines on its page. The CSV is
//! the results contract's (suppressed figures are empty cells with
//! `suppressed` true, group names made inert for spreadsheets).

use crate::engine::MeasureResult;
use crate::ingest::declared::Publisher;
use serde_json::{Value, json};

/// The Open Government Licence v3.0, under which the figures are published.
pub const LICENCE: &str =
    "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/";

/// The file names of a measure's open data, in one folder.
pub fn csv_name(id: &str) -> String {
    format!("{id}.csv")
}

pub fn metadata_name(id: &str) -> String {
    format!("{id}.csv-metadata.json")
}

/// Each column of the results contract: its title and CSVW datatype.
const COLUMNS: [(&str, &str, &str); 15] = [
    ("measure_id", "Measure", "string"),
    ("period_start", "Period start", "date"),
    ("period_end", "Period end", "date"),
    ("breakdown", "Breakdown", "string"),
    ("group", "Group", "string"),
    ("numerator", "Count", "nonNegativeInteger"),
    ("denominator", "Out of", "nonNegativeInteger"),
    ("value", "Value", "double"),
    ("ci_lower", "95% confidence interval, lower", "double"),
    ("ci_upper", "95% confidence interval, upper", "double"),
    ("suppressed", "Suppressed (small number)", "boolean"),
    ("spc_mean", "SPC mean", "double"),
    ("spc_lower", "SPC lower process limit", "double"),
    ("spc_upper", "SPC upper process limit", "double"),
    ("spc_signal", "SPC special cause", "string"),
];

/// What every description of a measure's open data says.
pub struct Dataset<'a> {
    pub result: &'a MeasureResult,
    pub publisher: &'a Publisher,
    /// When the figures were loaded: the date they were last modified.
    pub modified: chrono::NaiveDate,
    /// The area the figures are of ("Northshire").
    pub area: &'a str,
}

impl Dataset<'_> {
    /// The first and last day the figures cover, where there are any.
    pub fn coverage(&self) -> Option<(chrono::NaiveDate, chrono::NaiveDate)> {
        let points = &self.result.total().points;
        Some((
            points.first()?.period.start_date(),
            points.last()?.period.end_date(),
        ))
    }

    fn publisher(&self) -> Value {
        let mut publisher = json!({ "schema:name": self.publisher.name });
        if let Some(url) = &self.publisher.url {
            publisher["schema:url"] = json!({ "@id": url });
        }
        publisher
    }

    fn description(&self) -> String {
        crate::presentation::markdown::to_text(&self.result.measure.description)
    }

    /// The CSVW metadata (`<id>.csv-metadata.json`) of the CSV beside it.
    pub fn csvw_metadata(&self) -> String {
        let m = &self.result.measure;
        let columns: Vec<Value> = COLUMNS
            .iter()
            .map(|(name, title, datatype)| {
                json!({ "name": name, "titles": title, "datatype": datatype })
            })
            .collect();
        let mut metadata = json!({
            "@context": ["http://www.w3.org/ns/csvw", { "@language": "en" }],
            "url": csv_name(&m.id),
            "dc:title": m.title,
            "dc:description": self.description(),
            "dc:identifier": m.id,
            "dc:license": { "@id": LICENCE },
            "dc:publisher": self.publisher(),
            "dc:spatial": self.area,
            "dc:modified": { "@value": self.modified.to_string(), "@type": "xsd:date" },
            "dialect": { "header": true, "encoding": "utf-8" },
            "tableSchema": {
                "columns": columns,
                "primaryKey": ["measure_id", "breakdown", "group", "period_start"],
                "null": "",
            },
        });
        if let Some((from, to)) = self.coverage() {
            metadata["dc:temporal"] = json!(format!("{from}/{to}"));
        }
        pretty(&metadata)
    }

    /// The schema.org `Dataset` of the measure's page, as JSON-LD, with its
    /// downloads at `csv` and `workbook` (addresses as the page writes them).
    pub fn json_ld(&self, page: &str, csv: &str, workbook: &str) -> String {
        let m = &self.result.measure;
        let mut publisher = json!({ "@type": "Organization", "name": self.publisher.name });
        if let Some(url) = &self.publisher.url {
            publisher["url"] = json!(url);
        }
        let mut dataset = json!({
            "@context": "https://schema.org",
            "@type": "Dataset",
            "name": m.title,
            "description": self.description(),
            "identifier": m.id,
            "url": page,
            "license": LICENCE,
            "isAccessibleForFree": true,
            "publisher": publisher,
            "creator": publisher,
            "spatialCoverage": { "@type": "Place", "name": self.area },
            "dateModified": self.modified.to_string(),
            "distribution": [
                { "@type": "DataDownload", "encodingFormat": "text/csv", "contentUrl": csv },
                {
                    "@type": "DataDownload",
                    "encodingFormat": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "contentUrl": workbook,
                },
            ],
        });
        if let Some((from, to)) = self.coverage() {
            dataset["temporalCoverage"] = json!(format!("{from}/{to}"));
        }
        // In a <script> element: no "</script>" (nor "<!--") may appear in it.
        serde_json::to_string(&dataset)
            .expect("JSON from values")
            .replace('<', "\\u003c")
    }
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON from values");
    text.push('\n');
    text
}
