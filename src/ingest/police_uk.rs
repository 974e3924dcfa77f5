//! police.uk street-level crime files (Open Government Licence), read as a
//! crimes-like source: one or more `*-street.csv` files, in a folder as
//! police.uk's download lays them out (`YYYY-MM/` folders included).
//!
//! Derived columns: `month` (the first day of `Month`), `district` (the LSOA
//! name without its trailing code, as the force's district of that name or
//! alias, else the area's own name; `unknown_location` without one),
//! `crime_type` (normalised, e.g. `violence_and_sexual_offences`), `outcome`
//! (`Last outcome category` as published), `is_asb` (anti-social behaviour
//! rows, which have no `Crime ID`) and `in_force_area` (the row's LSOA lies in
//! one of the force's districts: a force's files carry some rows from beyond). Coordinates and `Context` are not loaded.

use super::contract::{Contract, normalise_enum};
use super::declared::Force;
use super::{Extract, FileProvenance, IngestError, Reject};
use datafusion::arrow::array::{ArrayRef, BooleanBuilder, Date32Builder, StringBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The columns the reader makes, which a `police_uk_street` source declares.
pub const COLUMNS: [&str; 11] = [
    "crime_id",
    "month",
    "reported_by",
    "falls_within",
    "lsoa_code",
    "lsoa_name",
    "district",
    "crime_type",
    "outcome",
    "is_asb",
    "in_force_area",
];

/// The columns of a police.uk file that are read.
const HEADER: [&str; 8] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
];

/// `*-street.csv` files in `dir` and its immediate sub-folders, in name order.
pub fn street_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let visit = |d: &Path, files: &mut Vec<PathBuf>| {
        if let Ok(entries) = std::fs::read_dir(d) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_file()
                    && path
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().ends_with("-street.csv"))
                {
                    files.push(path);
                }
            }
        }
    };
    visit(dir, &mut files);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten().filter(|e| e.path().is_dir()) {
            visit(&entry.path(), &mut files);
        }
    }
    files.sort();
    files
}

/// The area of an LSOA name, without its code: "North Vale 003B" →
/// "North Vale"; `None` for an empty name.
pub fn area_of(lsoa_name: &str) -> Option<&str> {
    let name = lsoa_name.trim();
    if name.is_empty() {
        return None;
    }
    Some(match name.rsplit_once(' ') {
        Some((area, code)) if code.chars().any(|c| c.is_ascii_digit()) => area,
        _ => name,
    })
}

/// The district of an LSOA name: the force's district whose name, id or alias
/// the area is ("North Vale 003B" → `north_vale`); an area
/// outside the force keeps its own name, in an id's spelling.
pub struct Districts {
    by_spelling: std::collections::HashMap<String, String>,
}

impl Districts {
    pub fn of(force: &Force) -> Self {
        let mut by_spelling = std::collections::HashMap::new();
        for d in &force.districts {
            for spelling in std::iter::once(&d.id)
                .chain(std::iter::once(&d.name))
                .chain(&d.aliases)
            {
                by_spelling.insert(normalise_enum(spelling), d.id.clone());
            }
        }
        Districts { by_spelling }
    }

    pub fn district_of(&self, lsoa_name: &str) -> String {
        self.place_of(lsoa_name).0
    }

    /// The district of an LSOA name, and whether it is one of the force's.
    fn place_of(&self, lsoa_name: &str) -> (String, bool) {
        let Some(area) = area_of(lsoa_name) else {
            return ("unknown_location".to_string(), false);
        };
        let spelt = normalise_enum(area);
        match self.by_spelling.get(&spelt) {
            Some(id) => (id.clone(), true),
            None => (spelt, false),
        }
    }
}

pub fn load(dir: &Path, contract: &'static Contract) -> Result<Extract, IngestError> {
    let files = street_files(dir);
    if files.is_empty() {
        return Err(IngestError::MissingFile {
            source_name: contract.name.to_string(),
            dir: dir.to_path_buf(),
        });
    }
    let mut batches = Vec::new();
    let mut provenance = Vec::new();
    let mut rejects = Vec::new();
    let mut loaded = 0;
    let districts = Districts::of(contract.force);
    for path in files {
        let bytes = super::read_file(&path)?;
        let (batch, file_rejects) = read_file(&path, &bytes, contract, &districts)?;
        loaded += batch.num_rows() as u64;
        provenance.push(FileProvenance {
            path: path.clone(),
            sha256: crate::common::sha256_hex(&bytes),
            bytes: bytes.len() as u64,
            rows: (batch.num_rows() + file_rejects.len()) as u64,
        });
        rejects.extend(file_rejects);
        batches.push(batch);
    }
    Ok(Extract {
        name: contract.name.to_string(),
        contract,
        schema: contract.arrow_schema(),
        batches,
        files: provenance,
        rows_loaded: loaded,
        rejects,
        ignored_columns: Vec::new(),
        continuation: None,
    })
}

fn read_file(
    path: &Path,
    bytes: &[u8],
    contract: &Contract,
    districts: &Districts,
) -> Result<(RecordBatch, Vec<Reject>), IngestError> {
    let (mut reader, header) = super::rows::open_csv(path, bytes)?;
    let malformed = |e: csv::Error| super::rows::malformed(path, e);
    let mut at = [0usize; 8];
    for (i, name) in HEADER.iter().enumerate() {
        at[i] =
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| IngestError::MissingColumn {
                    path: path.to_path_buf(),
                    column: name.to_string(),
                    suggestion: crate::common::did_you_mean(
                        name,
                        header.iter().map(String::as_str),
                    )
                    .map(str::to_string),
                })?;
    }
    let (mut crime_id, mut month, mut reported_by, mut falls_within) = (
        StringBuilder::new(),
        Date32Builder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
    );
    let (mut lsoa_code, mut lsoa_name, mut district, mut crime_type, mut outcome, mut is_asb) = (
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
        StringBuilder::new(),
        BooleanBuilder::new(),
    );
    let mut in_force_area = BooleanBuilder::new();
    let mut rejects = Vec::new();
    let optional = |b: &mut StringBuilder, v: &str| {
        if v.trim().is_empty() {
            b.append_null()
        } else {
            b.append_value(v.trim())
        }
    };
    for record in reader.records() {
        let record = record.map_err(malformed)?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(at[i]).unwrap_or("");
        let reject = |column: &str, value: &str, rule: &str| Reject {
            file: path.to_path_buf(),
            line,
            column: column.to_string(),
            value: value.to_string(),
            rule: rule.to_string(),
        };
        let Some(first_day) = crate::period::Month::parse(field(1)).map(|m| m.first_day()) else {
            rejects.push(reject(
                "Month",
                field(1),
                "expected a month written YYYY-MM",
            ));
            continue;
        };
        if field(6).trim().is_empty() {
            rejects.push(reject("Crime type", "", "a value is required"));
            continue;
        }
        optional(&mut crime_id, field(0));
        month.append_value(
            (first_day - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days()
                as i32,
        );
        reported_by.append_value(field(2).trim());
        falls_within.append_value(field(3).trim());
        optional(&mut lsoa_code, field(4));
        optional(&mut lsoa_name, field(5));
        let (place, in_area) = districts.place_of(field(5));
        district.append_value(place);
        in_force_area.append_value(in_area);
        crime_type.append_value(normalise_enum(field(6)));
        optional(&mut outcome, field(7));
        is_asb.append_value(field(0).trim().is_empty());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(crime_id.finish()),
        Arc::new(month.finish()),
        Arc::new(reported_by.finish()),
        Arc::new(falls_within.finish()),
        Arc::new(lsoa_code.finish()),
        Arc::new(lsoa_name.finish()),
        Arc::new(district.finish()),
        Arc::new(crime_type.finish()),
        Arc::new(outcome.finish()),
        Arc::new(is_asb.finish()),
        Arc::new(in_force_area.finish()),
    ];
    let batch = RecordBatch::try_new(contract.arrow_schema(), columns)
        .expect("columns follow the police.uk contract");
    Ok((batch, rejects))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn districts_come_from_lsoa_names() {
        let force = Force {
            name: "Northshire Police".into(),
            area: "Northshire".into(),
            districts: vec![crate::ingest::District {
                id: "north_vale".into(),
                name: "North Vale".into(),
                ons_code: None,
                aliases: vec!["N Vale".into()],
            }],
        };
        let districts = Districts::of(&force);
        assert_eq!(districts.district_of("North Vale 003B"), "north_vale");
        assert_eq!(districts.district_of("N Vale 012C"), "north_vale");
        assert_eq!(
            districts.district_of("King's Lynn and West Norfolk 001A"),
            "king's_lynn_and_west_norfolk"
        );
        assert_eq!(districts.district_of(""), "unknown_location");
        assert_eq!(area_of("Southby 003I"), Some("Southby"));
    }
}
