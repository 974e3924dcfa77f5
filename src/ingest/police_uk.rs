//! police.uk street-level crime files (Open Government Licence): one or more
//! `*-street.csv` files, in a folder as police.uk's download lays them out
//! (`YYYY-MM/` folders included), read one by one as tables against the
//! source's declaration (`data/sources/police_uk.toml`, `format =
//! "police_uk_street"`), which also derives its columns (district, crime type,
//! whether a row is anti-social behaviour) as SQL. Nothing of the format's
//! columns is written here.

use super::contract::Contract;
use super::{Extract, IngestError, SourceConfig};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

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

/// Every street file of `dir`, each read as the declaration says, as one extract.
pub fn load(
    dir: &Path,
    contract: &'static Contract,
    config: &SourceConfig,
    keep: Option<&BTreeSet<String>>,
) -> Result<Extract, IngestError> {
    let files = street_files(dir);
    if files.is_empty() {
        return Err(IngestError::MissingFile {
            source_name: contract.name.to_string(),
            dir: dir.to_path_buf(),
        });
    }
    let mut whole: Option<Extract> = None;
    for path in files {
        let part = super::load_file(&path, contract, config, keep)?;
        let Some(whole) = &mut whole else {
            whole = Some(part);
            continue;
        };
        whole.batches.extend(part.batches);
        whole.files.extend(part.files);
        whole.rows_loaded += part.rows_loaded;
        whole.rejects.extend(part.rejects);
        for column in part.ignored_columns {
            if !whole.ignored_columns.contains(&column) {
                whole.ignored_columns.push(column);
            }
        }
    }
    let mut whole = whole.expect("a file at least");
    // The folder is read whole each time: nothing is appended to a month's file.
    whole.continuation = None;
    Ok(whole)
}
