//! Spreadsheets as sources (`.xlsx`, `.xlsm`, `.xls`, `.ods`; read with
//! calamine): one sheet, its first row the header, read through the same
//! row-by-row checks as a CSV file. A reject's line is the sheet's row number.

use super::contract::{ColumnType, Contract};
use super::rows::{self, CellParser, Input, Layout, Parsed, TableBuilder};
use super::{IngestError, SourceConfig};
use calamine::{Data, Reader};
use std::path::Path;

/// The file endings read as spreadsheets.
const ENDINGS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

pub fn is_spreadsheet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| ENDINGS.iter().any(|s| e.eq_ignore_ascii_case(s)))
}

/// Reads the sheet `config.sheet` (default: the first) of the workbook at `path`.
pub(super) fn read(
    path: &Path,
    contract: &Contract,
    config: &SourceConfig,
    layout: &Layout,
) -> Result<Parsed, IngestError> {
    let error = |message: String| IngestError::Spreadsheet {
        path: path.to_path_buf(),
        message,
    };
    let mut workbook = calamine::open_workbook_auto(path)
        .map_err(|e| error(format!("not a readable workbook: {e}")))?;
    let names = workbook.sheet_names();
    let sheet = match &config.sheet {
        Some(wanted) => names
            .iter()
            .find(|n| *n == wanted)
            .cloned()
            .ok_or_else(|| {
                let close = crate::common::did_you_mean(wanted, names.iter().map(String::as_str));
                error(format!(
                    "has no sheet `{wanted}`{}; its sheets are {}",
                    close
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default(),
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| error("has no sheets".into()))?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| error(format!("sheet `{sheet}` cannot be read: {e}")))?;
    // The sheet's row number of the range's first row (rows count from 1).
    let first_row = u64::from(range.start().map_or(0, |(row, _)| row)) + 1;
    let mut rows_of_sheet = range.rows();
    let header: Vec<String> = rows_of_sheet
        .next()
        .map(|row| row.iter().map(|c| text(c, None, config)).collect())
        .unwrap_or_default();
    let (positions, ignored) = rows::locate_columns(path, &header, contract, config)?;
    let parser = CellParser::new(config);
    let mut table = TableBuilder::new(contract, layout, path, first_row + 1);
    for (i, row) in rows_of_sheet.enumerate() {
        if row.iter().all(|c| matches!(c, Data::Empty)) {
            continue; // a blank row
        }
        let line = first_row + 1 + i as u64;
        let cells: Vec<String> = positions
            .iter()
            .zip(contract.columns)
            .map(|(&at, spec)| {
                at.and_then(|at| row.get(at))
                    .map_or_else(String::new, |c| text(c, Some(spec.ty), config))
            })
            .collect();
        table.row(line, &parser, |i| Input::Text(&cells[i]));
    }
    Ok(rows::assemble(
        contract,
        layout,
        path,
        vec![table.finish()],
        ignored,
        false,
    ))
}

/// A cell as the text a CSV file would hold: a date as the column's format
/// writes it, a whole number without a fraction, an error as its code (which
/// no check accepts).
fn text(cell: &Data, ty: Option<ColumnType>, config: &SourceConfig) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
        Data::Float(x) => x.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::Error(e) => format!("#{e:?}"),
        Data::DateTime(when) => match when.as_datetime() {
            Some(at) => match ty {
                Some(ColumnType::DateTime) => at
                    .format(
                        config
                            .datetime_format
                            .as_deref()
                            .unwrap_or("%Y-%m-%dT%H:%M:%S"),
                    )
                    .to_string(),
                _ => at
                    .date()
                    .format(config.date_format.as_deref().unwrap_or("%Y-%m-%d"))
                    .to_string(),
            },
            None => when.as_f64().to_string(),
        },
    }
}
