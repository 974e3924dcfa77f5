//! Parquet extracts, checked a column at a time: each column is converted to its
//! contract type and checked as a whole array (an enum's dictionary is matched
//! once, not once a row; a range is a pass over the integers). Rows that pass
//! go into the table as slices of those arrays, where the row rules are checked
//! over them as over CSV rows (see `rows`). A row that any check could not accept goes through the
//! row-by-row path of `rows`, which gives its reason exactly as for CSV, so the
//! two formats reject the same rows with the same words.

use super::contract::{ColumnSpec, ColumnType, Contract};
use super::rows::{
    self, Cell, CellParser, ColumnBuilder, Input, Layout, Parsed, Part, TableBuilder,
};
use super::{IngestError, SourceConfig};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBufferBuilder, DictionaryArray, PrimitiveArray, StringArray,
    downcast_dictionary_array, new_null_array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    ArrowDictionaryKeyType, ArrowNativeType, ArrowPrimitiveType, DataType, Date32Type, Int8Type,
    Int16Type, Int64Type, TimeUnit, TimestampMillisecondType,
};
use datafusion::arrow::error::ArrowError;
use std::path::Path;
use std::sync::Arc;

/// Reads a Parquet extract, its row groups on every core, and joins them in order.
pub fn read_parquet(
    path: &Path,
    contract: &Contract,
    config: &SourceConfig,
    layout: &Layout,
) -> Result<Parsed, IngestError> {
    use datafusion::parquet::arrow::ProjectionMask;
    use datafusion::parquet::arrow::arrow_reader::{
        ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    };
    let error = |message: String| IngestError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    // Each reader has a file of its own: clones of one would share its position.
    let open = || {
        std::fs::File::open(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let metadata = ArrowReaderMetadata::load(&open()?, ArrowReaderOptions::default())
        .map_err(|e| error(format!("not a readable Parquet file: {e}")))?;
    let header: Vec<String> = metadata
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let (positions, ignored) = rows::locate_columns(path, &header, contract, config)?;
    // Only the contract's columns are decoded, in the file's order.
    let mut decoded: Vec<usize> = positions.iter().flatten().copied().collect();
    decoded.sort_unstable();
    let mask = ProjectionMask::roots(
        metadata.metadata().file_metadata().schema_descr(),
        decoded.clone(),
    );
    // Each contract column's place in a decoded batch; `None` for an optional
    // column the file leaves out, read as a column of nulls.
    let at: Vec<Option<usize>> = positions
        .iter()
        .map(|p| p.map(|p| decoded.binary_search(&p).expect("a decoded column")))
        .collect();
    let groups = metadata.metadata().row_groups();
    // The row number each group starts after.
    let starts: Vec<u64> = groups
        .iter()
        .scan(0u64, |rows, g| {
            let start = *rows;
            *rows += g.num_rows() as u64;
            Some(start)
        })
        .collect();
    let parser = CellParser::new(config);
    let read_group = |index: usize| -> Result<Part, IngestError> {
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(open()?, metadata.clone())
            .with_row_groups(vec![index])
            .with_projection(mask.clone())
            .with_batch_size(rows::BATCH_ROWS)
            .build()
            .map_err(|e| error(e.to_string()))?;
        let mut table = TableBuilder::new(contract, layout, path, starts[index] + 1);
        table.expect_rows(usize::try_from(groups[index].num_rows()).unwrap_or(0));
        let mut row_number = starts[index];
        for batch in reader {
            let batch = batch.map_err(|e| error(e.to_string()))?;
            let absent = new_null_array(&DataType::Utf8, batch.num_rows());
            let columns: Vec<&ArrayRef> = at
                .iter()
                .map(|i| i.map_or(&absent, |i| batch.column(i)))
                .collect();
            let column_error = |c: usize, e: ArrowError| {
                let name = positions[c].map_or(contract.columns[c].name, |p| &header[p]);
                error(format!("column `{name}`: {e}"))
            };
            let checked =
                check_batch(contract, &parser, &columns).map_err(|(c, e)| column_error(c, e))?;
            // The rows as the row-by-row path reads them, made only if one needs it.
            let mut one_at_a_time: Option<Vec<ParquetColumn>> = None;
            let mut row = 0;
            while row < batch.num_rows() {
                if checked.flagged[row] {
                    if one_at_a_time.is_none() {
                        let inputs = columns
                            .iter()
                            .zip(contract.columns)
                            .enumerate()
                            .map(|(c, (array, spec))| {
                                ParquetColumn::new(spec, array).map_err(|e| column_error(c, e))
                            })
                            .collect::<Result<_, _>>()?;
                        one_at_a_time = Some(inputs);
                    }
                    let inputs = one_at_a_time.as_ref().expect("made above");
                    table.row(row_number + 1, &parser, |i| inputs[i].input(row));
                    row_number += 1;
                    row += 1;
                    continue;
                }
                let end = checked.flagged[row..]
                    .iter()
                    .position(|&f| f)
                    .map_or(batch.num_rows(), |n| row + n);
                let slices: Vec<ArrayRef> = checked
                    .columns
                    .iter()
                    .map(|c| c.slice(row, end - row))
                    .collect();
                table.rows_checked(row_number + 1, &slices);
                row_number += (end - row) as u64;
                row = end;
            }
        }
        Ok(table.finish())
    };
    let mut parts = rows::parse_on_every_core((0..groups.len()).map(Ok), read_group)?;
    if parts.is_empty() {
        parts.push(TableBuilder::new(contract, layout, path, 1).finish());
    }
    // A Parquet file is rewritten, not appended to: no hashes for appended rows.
    Ok(rows::assemble(
        contract, layout, path, parts, ignored, false,
    ))
}

/// A batch's columns in their contract types, and the rows the column checks
/// could not accept (whose values in `columns` mean nothing).
struct CheckedBatch {
    columns: Vec<ArrayRef>,
    flagged: Vec<bool>,
}

/// Checks every contract column of a batch (given in contract order); on a
/// column that cannot be read at all, its place and why.
fn check_batch(
    contract: &Contract,
    parser: &CellParser,
    inputs: &[&ArrayRef],
) -> Result<CheckedBatch, (usize, ArrowError)> {
    let rows = inputs.first().map_or(0, |c| c.len());
    let mut flagged = vec![false; rows];
    let columns = contract
        .columns
        .iter()
        .zip(inputs)
        .enumerate()
        .map(|(c, (spec, array))| {
            check_column(parser, spec, array, &mut flagged).map_err(|e| (c, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CheckedBatch { columns, flagged })
}

/// Converts one column to its contract type, flagging the rows whose value the
/// quick checks do not accept: a value that breaks the contract, and any value
/// the row-by-row path would read differently (untrimmed or empty text).
fn check_column(
    parser: &CellParser,
    spec: &ColumnSpec,
    array: &ArrayRef,
    flagged: &mut [bool],
) -> Result<ArrayRef, ArrowError> {
    let flag_forbidden_nulls = |flagged: &mut [bool]| {
        if !spec.nullable && array.null_count() > 0 {
            for (row, flag) in flagged.iter_mut().enumerate() {
                *flag |= array.is_null(row);
            }
        }
    };
    let is_text = |ty: &DataType| {
        matches!(
            ty,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        )
    };
    match (spec.ty, array.data_type()) {
        (ColumnType::Enum(vocabulary), DataType::Dictionary(_, value_type))
            if is_text(value_type) =>
        {
            let dictionary = array.as_any_dictionary();
            let words = cast(dictionary.values(), &DataType::Utf8)?;
            let words = words.as_string::<i32>();
            // Each word of the file's dictionary matched once, as a CSV cell is.
            let place: Vec<Option<u16>> = (0..words.len())
                .map(|w| match words.is_valid(w).then(|| words.value(w)) {
                    Some(word) => match parser.parse(spec, Input::Text(word)) {
                        Ok(Cell::Enum(i)) => Some(i),
                        _ => None,
                    },
                    None => None,
                })
                .collect();
            let allowed: ArrayRef = Arc::new(StringArray::from(vocabulary.values.to_vec()));
            // Keyed as the contract holds it: a byte a key for most enums.
            if vocabulary.key_type() == DataType::Int8 {
                keyed::<Int8Type>(array, &place, spec.nullable, flagged, allowed)
            } else {
                keyed::<Int16Type>(array, &place, spec.nullable, flagged, allowed)
            }
        }
        (ColumnType::Int { min, max }, ty) if is_exact_in_i64(ty) => {
            use datafusion::arrow::datatypes::{
                Int16Type, Int32Type, UInt8Type, UInt16Type, UInt32Type,
            };
            match ty {
                DataType::Int8 => flag_outside::<Int8Type>(array, min, max, flagged),
                DataType::Int16 => flag_outside::<Int16Type>(array, min, max, flagged),
                DataType::Int32 => flag_outside::<Int32Type>(array, min, max, flagged),
                DataType::Int64 => flag_outside::<Int64Type>(array, min, max, flagged),
                DataType::UInt8 => flag_outside::<UInt8Type>(array, min, max, flagged),
                DataType::UInt16 => flag_outside::<UInt16Type>(array, min, max, flagged),
                DataType::UInt32 => flag_outside::<UInt32Type>(array, min, max, flagged),
                other => unreachable!("{other} is not read as a number"),
            }
            flag_forbidden_nulls(flagged);
            // Out-of-range values become null here (none, when the file's type
            // is the contract's); their rows are flagged.
            cast(array, &spec.ty.arrow_type())
        }
        (ColumnType::Decimal, DataType::Float64 | DataType::Float32) => {
            let numbers = cast(array, &DataType::Float64)?;
            let values = numbers.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
            for (row, flag) in flagged.iter_mut().enumerate() {
                *flag |= values.is_valid(row) && !values.value(row).is_finite();
            }
            flag_forbidden_nulls(flagged);
            Ok(numbers)
        }
        (ColumnType::Date, DataType::Date32) | (ColumnType::Bool, DataType::Boolean) => {
            flag_forbidden_nulls(flagged);
            Ok(array.clone())
        }
        (ColumnType::DateTime, DataType::Timestamp(..)) => {
            flag_forbidden_nulls(flagged);
            cast(array, &DataType::Timestamp(TimeUnit::Millisecond, None))
        }
        (ColumnType::Text, ty) if is_text(ty) => {
            let text = cast(array, &DataType::Utf8)?;
            let strings = text.as_string::<i32>();
            for (row, flag) in flagged.iter_mut().enumerate() {
                // Empty is null and spaces are trimmed: the row-by-row path says how.
                *flag |= strings.is_valid(row) && is_empty_or_untrimmed(strings.value(row));
            }
            flag_forbidden_nulls(flagged);
            Ok(text)
        }
        // Any other pairing (text to parse, a set of strands) a value at a time.
        _ => {
            let column = ParquetColumn::new(spec, array)?;
            let mut builder = ColumnBuilder::new(spec.ty);
            for (row, flag) in flagged.iter_mut().enumerate() {
                match parser.parse(spec, column.input(row)) {
                    Ok(cell) => builder.append(cell),
                    Err(_) => {
                        *flag = true;
                        builder.append(Cell::Null);
                    }
                }
            }
            Ok(builder.finish())
        }
    }
}

/// A file's dictionary column as the contract's dictionary, keyed by `O`
/// into the allowed values (`allowed`); `place` is where each word of the
/// file's dictionary is among them.
fn keyed<O: ArrowDictionaryKeyType>(
    array: &ArrayRef,
    place: &[Option<u16>],
    nullable: bool,
    flagged: &mut [bool],
    allowed: ArrayRef,
) -> Result<ArrayRef, ArrowError> {
    let place: Vec<Option<O::Native>> = place
        .iter()
        .map(|p| p.and_then(|p| O::Native::from_usize(usize::from(p))))
        .collect();
    let array: &dyn Array = array.as_ref();
    let keys = downcast_dictionary_array!(
        array => enum_keys::<_, O>(array, &place, nullable, flagged),
        other => unreachable!("matched a dictionary above, not {other}")
    );
    Ok(Arc::new(DictionaryArray::<O>::try_new(keys, allowed)?))
}

/// The contract's keys (into its allowed values) of a file's dictionary column,
/// given `place`, where each word of the file's dictionary is among them; flags
/// the rows whose word is no allowed value, and the nulls where none may be.
fn enum_keys<K: ArrowDictionaryKeyType, O: ArrowPrimitiveType>(
    dictionary: &DictionaryArray<K>,
    place: &[Option<O::Native>],
    nullable: bool,
    flagged: &mut [bool],
) -> PrimitiveArray<O> {
    let keys = dictionary.keys();
    let mut out = Vec::with_capacity(keys.len());
    let mut valid = BooleanBufferBuilder::new(keys.len());
    for (row, (key, flag)) in keys.values().iter().zip(flagged).enumerate() {
        let present = keys.is_valid(row);
        let found = if present { place[key.as_usize()] } else { None };
        // A null, or a word the dictionary spells that is no allowed value.
        *flag |= found.is_none() && (present || !nullable);
        out.push(found.unwrap_or_default());
        valid.append(found.is_some());
    }
    PrimitiveArray::<O>::new(out.into(), Some(NullBuffer::new(valid.finish())))
}

/// Flags the rows of an integer column of type `T` whose value is outside `min..=max`.
fn flag_outside<T>(array: &ArrayRef, min: i64, max: i64, flagged: &mut [bool])
where
    T: ArrowPrimitiveType,
    T::Native: Into<i64>,
{
    let numbers = array.as_primitive::<T>();
    for (row, (&value, flag)) in numbers.values().iter().zip(flagged).enumerate() {
        *flag |= !(min..=max).contains(&value.into()) && numbers.is_valid(row);
    }
}

/// Whether a text value is one the row-by-row path reads otherwise: empty (a
/// null) or with white space around it (trimmed). Most values start and end
/// with a letter or digit, which is all that is looked at then.
fn is_empty_or_untrimmed(value: &str) -> bool {
    value.is_empty() || super::rows::trimmed(value).len() != value.len()
}

/// Whether Parquet integers of type `ty` are read as numbers: those that fit in
/// an i64 exactly. Anything wider is checked as text.
fn is_exact_in_i64(ty: &DataType) -> bool {
    use DataType::*;
    matches!(ty, Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32)
}

/// A Parquet column for the row-by-row path: read typed where its type is the
/// contract's and as text otherwise, so that both meet the same checks as a CSV cell.
enum ParquetColumn {
    Text(ArrayRef),
    Date(ArrayRef),
    Millis(ArrayRef),
    Int(ArrayRef),
    Bool(ArrayRef),
    Float(ArrayRef),
}

impl ParquetColumn {
    fn new(spec: &ColumnSpec, array: &ArrayRef) -> Result<Self, ArrowError> {
        use DataType::*;
        let as_type = |ty: &DataType| cast(array, ty);
        Ok(match (spec.ty, array.data_type()) {
            (ColumnType::Date, Date32) => ParquetColumn::Date(array.clone()),
            (ColumnType::DateTime, Timestamp(..)) => {
                ParquetColumn::Millis(as_type(&Timestamp(TimeUnit::Millisecond, None))?)
            }
            (ColumnType::Int { .. }, ty) if is_exact_in_i64(ty) => {
                ParquetColumn::Int(as_type(&Int64)?)
            }
            (ColumnType::Bool, Boolean) => ParquetColumn::Bool(array.clone()),
            (ColumnType::Decimal, Float64 | Float32) => ParquetColumn::Float(as_type(&Float64)?),
            _ => ParquetColumn::Text(as_type(&Utf8)?),
        })
    }

    fn input(&self, row: usize) -> Input<'_> {
        let array = match self {
            ParquetColumn::Text(a)
            | ParquetColumn::Date(a)
            | ParquetColumn::Millis(a)
            | ParquetColumn::Int(a)
            | ParquetColumn::Bool(a)
            | ParquetColumn::Float(a) => a,
        };
        if array.is_null(row) {
            return Input::Null;
        }
        match self {
            ParquetColumn::Text(a) => Input::Text(a.as_string::<i32>().value(row)),
            ParquetColumn::Date(a) => Input::Date(a.as_primitive::<Date32Type>().value(row)),
            ParquetColumn::Millis(a) => {
                Input::Millis(a.as_primitive::<TimestampMillisecondType>().value(row))
            }
            ParquetColumn::Int(a) => Input::Int(a.as_primitive::<Int64Type>().value(row)),
            ParquetColumn::Bool(a) => Input::Bool(a.as_boolean().value(row)),
            ParquetColumn::Float(a) => Input::Float(
                a.as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                    .value(row),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::contract::shipped;
    use super::*;
    use datafusion::arrow::datatypes::{Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::file::properties::WriterProperties;

    /// How a test file's columns are typed.
    #[derive(Debug, Clone, Copy)]
    enum Typing {
        /// Every column as text.
        Text,
        /// Each column in its contract's type, but any integer as Int64 (whose
        /// range holds the out-of-range values).
        Contract,
        /// As another tool may write them: integers as Int32, and enums as
        /// dictionaries with Int32 keys.
        Wide,
    }

    /// `csv` written as Parquet, three rows a row group (so several parts), typed
    /// as `typing` says. Empty cells are nulls.
    fn to_parquet(contract: &Contract, csv: &str, typing: Typing) -> tempfile::NamedTempFile {
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for (c, name) in header.iter().enumerate() {
            let text: ArrayRef = Arc::new(StringArray::from(
                rows.iter()
                    .map(|r| Some(r[c]).filter(|v| !v.is_empty()))
                    .collect::<Vec<_>>(),
            ));
            let ty = match (typing, contract.column(name).unwrap().ty) {
                (Typing::Text, _) => DataType::Utf8,
                (Typing::Contract, ColumnType::Int { .. }) => DataType::Int64,
                (Typing::Wide, ColumnType::Int { .. }) => DataType::Int32,
                (Typing::Wide, ColumnType::Enum(_)) => {
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
                }
                (_, ty) => ty.arrow_type(),
            };
            fields.push(Field::new(*name, ty.clone(), true));
            arrays.push(cast(&text, &ty).unwrap());
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap();
        let file = tempfile::NamedTempFile::new().unwrap();
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(3))
            .build();
        let mut writer =
            ArrowWriter::try_new(file.reopen().unwrap(), batch.schema(), Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        file
    }

    /// Reads `csv` as CSV and as every kind of Parquet: the same rejects (a CSV
    /// line is the Parquet row number plus the header's line) and the same columns.
    fn agrees_with_csv(contract: &Contract, csv: &str, expected_rejects: usize) {
        let layout = Layout::new(contract, None);
        let config = SourceConfig::default();
        let from_csv =
            rows::read_csv(Path::new("t"), csv.as_bytes(), contract, &config, &layout).unwrap();
        assert_eq!(
            from_csv.rejects.len(),
            expected_rejects,
            "{:#?}",
            from_csv.rejects
        );
        let concat =
            |p: &Parsed| datafusion::arrow::compute::concat_batches(&p.schema, &p.batches).unwrap();
        for typing in [Typing::Text, Typing::Contract, Typing::Wide] {
            let file = to_parquet(contract, csv, typing);
            let from_parquet = read_parquet(file.path(), contract, &config, &layout).unwrap();
            // A duplicate names the first row's line (CSV) or row number (Parquet).
            let rejects = |p: &Parsed, line_offset: u64| -> Vec<(u64, String, String, String)> {
                p.rejects
                    .iter()
                    .map(|r| {
                        let rule = match r.rule.rsplit_once("on line ") {
                            Some((words, n)) => {
                                format!(
                                    "{words}on line {}",
                                    n.parse::<u64>().unwrap() + line_offset
                                )
                            }
                            None => r.rule.clone(),
                        };
                        (
                            r.line + line_offset,
                            r.column.clone(),
                            r.value.clone(),
                            rule,
                        )
                    })
                    .collect()
            };
            assert_eq!(
                rejects(&from_parquet, 1),
                rejects(&from_csv, 0),
                "{typing:?}"
            );
            assert_eq!(from_parquet.rows_loaded, from_csv.rows_loaded, "{typing:?}");
            assert_eq!(concat(&from_parquet), concat(&from_csv), "{typing:?}");
        }
    }

    #[test]
    fn crimes_read_from_parquet_as_from_csv() {
        let csv = "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n\
                   C1,2024-01-05,burglary,southby,V1,30,true,false,1,2024-02-01\n\
                   C2,2024-01-06,Violence Against The Person,East Marsh,V2,,false,false,,\n\
                   C3,2024-01-05,burglary,atlantis,V1,30,true,false,,\n\
                   C1,2024-01-07,burglary,southby,V3,40,true,false,,\n\
                   C4,2024-01-05,burglary,southby,V1,130,true,false,,\n\
                   C5,2024-01-05,burglary,southby,V1,30,true,false,3,\n\
                   C6,2024-01-05,burglary,southby,V1,30,true,false,3,2023-12-01\n\
                   C7,2024-01-08,shoplifting,westby, V4 ,17,false,true,,\n\
                   C8,,burglary,southby,V1,30,true,false,,\n\
                   C9,2024-01-09,,northby,,,false,false,,\n\
                   C10,2024-01-10,robbery,northby,,,false,false,,\n\
                   C11,2024-01-11,robbery,NORTHBY,V5,5,false,true,2,2024-01-12\n";
        // atlantis, the second C1, age 130, C5's and C6's outcome dates, C8's date, C9's group.
        agrees_with_csv(shipped("crimes"), csv, 7);
    }

    #[test]
    fn hate_incidents_read_from_parquet_as_from_csv() {
        let csv = "incident_ref,reported_date,district,strands,is_crime,crime_ref,victim_id,outcome_type\n\
                   H1,2024-01-01,northby,disability;race,true,C1,,1\n\
                   H2,2024-01-01,northby,race;ginger,false,,,\n\
                   H3,2024-01-01,northby,race,false,,,4\n\
                   H4,2024-01-02,southby,Religion,false,C9,,\n\
                   H5,2024-01-03,southby,race,true,,,\n\
                   H6,2024-01-03,southby,transgender,false,,V1,\n";
        // ginger, H3's outcome, H4's crime_ref, H5's missing crime_ref.
        agrees_with_csv(shipped("hate_incidents"), csv, 4);
    }

    #[test]
    fn mental_health_contacts_read_from_parquet_as_from_csv() {
        let csv = "contact_ref,contact_time,district,contact_type,place_of_safety,age,minutes_in_police_care\n\
                   M1,2024-01-01T10:00:00,northby,s136_detention,custody,30,120\n\
                   M2,2024-01-01T11:30:00,northby,street_triage,custody,30,\n\
                   M3,2024-01-02T09:00:00,southby,s135_warrant,,,\n\
                   M4,2024-01-02T09:15:00,southby,street_triage,,,-5\n\
                   M5,2024-01-03T00:00:00,westby,missing_person,,12,15\n";
        // M2 and M3's place of safety, M4's minutes.
        agrees_with_csv(shipped("mental_health_contacts"), csv, 3);
    }

    /// A source of its own: an enum of 200 codes (more than a byte's keys)
    /// with an alias, a decimal, and a rule between two columns.
    fn offence_codes() -> &'static Contract {
        let codes: Vec<String> = (0..200)
            .map(|i| format!("\"{}{}\"", 100 + i / 2, ["A", "B"][i % 2]))
            .collect();
        let source = crate::common::SourceText {
            path: "offences.toml".into(),
            text: format!(
                "title = \"Offences\"\nperiod_column = \"day\"\n[columns]\nref = {{ type = \"text\", unique = true }}\n\
                 day = {{ type = \"date\" }}\ncode = {{ type = \"enum\", values = [{}], aliases = {{ \"one hundred A\" = \"100A\" }} }}\n\
                 value = {{ type = \"decimal\", nullable = true }}\nlimit = {{ type = \"decimal\", nullable = true }}\n\
                 [[rules]]\ncheck = \"value <= limit\"\nreason = \"a value is within its limit\"\n",
                codes.join(", ")
            ),
        };
        let force = crate::common::SourceText {
            path: "force.toml".into(),
            text: "name = \"T\"\narea = \"T\"\n[[districts]]\nid = \"t\"\nname = \"T\"\n".into(),
        };
        crate::ingest::Declarations::from_texts(&force, &[source])
            .expect("a valid declaration")
            .source("offences")
            .expect("declared")
    }

    #[test]
    fn an_enum_of_hundreds_of_values_and_decimals_read_from_parquet_as_from_csv() {
        let contract = offence_codes();
        assert_eq!(
            contract.columns[2].ty.arrow_type(),
            DataType::Dictionary(Box::new(DataType::Int16), Box::new(DataType::Utf8))
        );
        let csv = "ref,day,code,value,limit\n\
                   R1,2024-01-01,199B,1.5,2\n\
                   R2,2024-01-02,one hundred A,2.25,\n\
                   R3,2024-01-03,150a,3,2.5\n\
                   R4,2024-01-04,300A,1,2\n\
                   R5,2024-01-05,180B,,\n\
                   R6,2024-01-06,100b,-0.5,0\n";
        // R3 breaks the rule; 300A is no code.
        agrees_with_csv(contract, csv, 2);
        let parsed = rows::read_csv(
            Path::new("t"),
            csv.as_bytes(),
            contract,
            contract.reading,
            &Layout::new(contract, None),
        )
        .unwrap();
        let batch =
            datafusion::arrow::compute::concat_batches(&parsed.schema, &parsed.batches).unwrap();
        let codes = cast(batch.column(2), &DataType::Utf8).unwrap();
        let codes: Vec<&str> = codes.as_string::<i32>().iter().flatten().collect();
        assert_eq!(codes, ["199B", "100A", "180B", "100B"]);
        let rule = &parsed.rejects.iter().find(|r| r.line == 4).unwrap().rule;
        assert!(
            rule.contains("a value is within its limit") && rule.contains("value <= limit"),
            "{rule}"
        );
    }
}
