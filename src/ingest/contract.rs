//! An extract's contract: every column's name, type, nullability and allowed
//! values, and the rules that tie columns together. Contracts are declared in
//! `data/sources/*.toml` (see [`super::declared`]), not written in Rust; they
//! are made once per declaration and live as long as the process, so that the
//! reading hot path borrows them as plain `&'static` slices.

use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use std::sync::Arc;

/// The type of a contract column, with its allowed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Date,
    DateTime,
    Bool,
    /// An integer within `min..=max`.
    Int {
        min: i64,
        max: i64,
    },
    /// A number with a fractional part.
    Decimal,
    /// One of a fixed set of values, matched case-insensitively, spaces read as
    /// underscores, or by a declared alias.
    Enum(&'static Vocabulary),
    /// A `;`-separated, non-empty set of values from a fixed set.
    EnumSet(&'static Vocabulary),
}

impl ColumnType {
    /// How the column is held in Arrow. An enum is a dictionary of its allowed
    /// values (a byte a row, not the text), and an integer takes the narrowest
    /// type that holds its range: at national volumes these are most of the memory.
    pub fn arrow_type(self) -> DataType {
        match self {
            ColumnType::Text | ColumnType::EnumSet(_) => DataType::Utf8,
            ColumnType::Enum(vocabulary) => {
                DataType::Dictionary(Box::new(vocabulary.key_type()), Box::new(DataType::Utf8))
            }
            ColumnType::Decimal => DataType::Float64,
            ColumnType::Date => DataType::Date32,
            ColumnType::DateTime => DataType::Timestamp(TimeUnit::Millisecond, None),
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Int { min, max } => {
                let fits = |low: i64, high: i64| min >= low && max <= high;
                if fits(i8::MIN.into(), i8::MAX.into()) {
                    DataType::Int8
                } else if fits(i16::MIN.into(), i16::MAX.into()) {
                    DataType::Int16
                } else if fits(i32::MIN.into(), i32::MAX.into()) {
                    DataType::Int32
                } else {
                    DataType::Int64
                }
            }
        }
    }

    /// The values a breakdown over this column ranges over, when fixed.
    pub fn domain(self) -> Option<&'static [&'static str]> {
        match self {
            ColumnType::Enum(vocabulary) | ColumnType::EnumSet(vocabulary) => {
                Some(vocabulary.values)
            }
            _ => None,
        }
    }

    pub fn describe(self) -> String {
        match self {
            ColumnType::Text => "text".into(),
            ColumnType::Date => "a date".into(),
            ColumnType::DateTime => "a date and time".into(),
            ColumnType::Bool => "true/false, Y/N, yes/no or 1/0".into(),
            ColumnType::Int { min, max } if max == i64::MAX => {
                format!("a whole number of at least {min}")
            }
            ColumnType::Int { min, max } => format!("a whole number from {min} to {max}"),
            ColumnType::Decimal => "a number".into(),
            ColumnType::Enum(vocabulary) => format!("one of {}", vocabulary.listed()),
            ColumnType::EnumSet(vocabulary) => {
                format!("a `;`-separated list of {}", vocabulary.listed())
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
    /// The file may leave the column out: every row then reads it as empty.
    pub optional: bool,
    /// No two rows may share a value (a reference number).
    pub unique: bool,
    /// The column identifies a person or a record (declared `identifier`, or
    /// `unique`): no measure may publish one of its values.
    pub identifier: bool,
}

/// A rule between columns of one row: an SQL condition over the row's
/// columns, checked as a SQL `CHECK` constraint is (a row breaks it when the
/// condition is false; unknown, from a null, is not false).
#[derive(Debug, Clone, Copy)]
pub struct RowRule {
    /// The condition, as declared (`outcome_date >= recorded_date`).
    pub check: &'static str,
    /// Why, in the analyst's words: what a rejected row is told.
    pub reason: &'static str,
    /// The columns the condition names, in the order written: a reject names the first.
    pub columns: &'static [&'static str],
}

/// A column made from the others of its row by an SQL expression, once they
/// are read (police.uk's `is_asb` is `crime_id IS NULL`).
#[derive(Debug, Clone, Copy)]
pub struct DerivedColumn {
    pub name: &'static str,
    pub ty: ColumnType,
    /// The expression, as declared.
    pub sql: &'static str,
    /// The read columns it names.
    pub columns: &'static [&'static str],
}

/// How a source's files are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One CSV or Parquet file with a header of column names.
    Table,
    /// police.uk's monthly street-level files, a folder of them (see `police_uk`).
    PoliceUkStreet,
}

/// One extract's contract.
#[derive(Debug)]
pub struct Contract {
    pub name: &'static str,
    pub format: Format,
    pub columns: &'static [ColumnSpec],
    /// The date column periods are keyed on by default.
    pub period_column: Option<&'static str>,
    pub row_rules: &'static [RowRule],
    /// Columns made from the read ones, after them in every extract.
    pub derived: &'static [DerivedColumn],
    /// For a reference table of population (columns: the area, `year`,
    /// `population`), whose population it is.
    pub population_of: Option<PopulationOf>,
    /// The whole-number column each row counts as, for a file of aggregate
    /// rows; each row counts once without.
    pub counts_as: Option<&'static str>,
    /// How many months from its date each row stands for (`row_covers`): 1,
    /// or 3 and 12 for a table of quarters or years.
    pub row_months: u32,
    /// The column naming each row's force, in several forces' data.
    pub force_column: Option<&'static str>,
    pub description: &'static str,
    /// How the declared files are read: file name, date formats, boolean
    /// spellings, and the file's own names of columns (`from`). A data
    /// folder's `sources.toml` says more on top of these.
    pub reading: &'static super::SourceConfig,
    /// The force it was declared for: its districts are a `district` column's values.
    pub force: &'static super::declared::Force,
    /// The SHA-256 of the declaration (with the force's, for its districts):
    /// what results read from this source depend on.
    pub sha256: &'static str,
}

impl Contract {
    /// Whether a month with no rows is a month not published (police.uk's files
    /// come a month at a time) rather than a month in which nothing happened.
    pub fn months_without_rows_are_unpublished(&self) -> bool {
        self.format == Format::PoliceUkStreet
    }

    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// A column's place among the contract's columns.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn arrow_schema(&self) -> Arc<Schema> {
        arrow_schema_of(self.columns)
    }
}

/// The Arrow schema of a contract's columns, in order.
pub fn arrow_schema_of(columns: &[ColumnSpec]) -> Arc<Schema> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(c.name, c.ty.arrow_type(), c.nullable))
        .collect();
    Arc::new(Schema::new(fields))
}

/// The allowed values of an enum column, and the other spellings that stand for them.
#[derive(Debug, PartialEq, Eq)]
pub struct Vocabulary {
    /// As declared: what the column holds, measures compare with and results show.
    pub values: &'static [&'static str],
    /// Every accepted spelling, normalised (see [`normalise_enum`]): each value's
    /// own, and its aliases; with the value's place.
    spellings: std::collections::HashMap<String, u16>,
    /// Each value as declared, for a long list's quick path.
    exact: std::collections::HashMap<&'static str, u16>,
}

impl Vocabulary {
    /// `values` and `aliases` (alias, value's place); `None` when there are more
    /// values than a dictionary key of 16 bits holds.
    pub fn new(values: &'static [&'static str], aliases: &[(String, u16)]) -> Option<Self> {
        if values.len() > i16::MAX as usize {
            return None;
        }
        let mut spellings = std::collections::HashMap::new();
        for (place, value) in values.iter().enumerate() {
            spellings.insert(normalise_enum(value), place as u16);
        }
        for (alias, place) in aliases {
            spellings.entry(normalise_enum(alias)).or_insert(*place);
        }
        let exact = values
            .iter()
            .enumerate()
            .map(|(place, value)| (*value, place as u16))
            .collect();
        Some(Vocabulary {
            values,
            spellings,
            exact,
        })
    }

    /// The place of the value that `raw` spells, if any.
    pub fn find(&self, raw: &str) -> Option<u16> {
        // Most cells are spelt as declared: a short list is quicker to scan than to hash.
        let spelt_as_declared = if self.values.len() <= 16 {
            self.values.iter().position(|v| *v == raw).map(|p| p as u16)
        } else {
            self.exact.get(raw).copied()
        };
        if spelt_as_declared.is_some() {
            return spelt_as_declared;
        }
        self.spellings.get(&normalise_enum(raw)).copied()
    }

    /// The dictionary key type: a byte a row up to 127 values (most columns).
    pub fn key_type(&self) -> DataType {
        if self.values.len() <= i8::MAX as usize {
            DataType::Int8
        } else {
            DataType::Int16
        }
    }

    /// The values for a message: all of them, or the first few of a long list.
    pub fn listed(&self) -> String {
        const SHOWN: usize = 12;
        if self.values.len() <= SHOWN {
            self.values.join(", ")
        } else {
            format!(
                "{}, … ({} values in all)",
                self.values[..SHOWN].join(", "),
                self.values.len()
            )
        }
    }
}

/// What a reference table of population is the population of: a rate
/// divides by the table of districts; a peer comparison by the table of forces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopulationOf {
    /// By district (and year): the column `district`.
    District,
    /// By police force area (and year): the column `force`, as police.uk's
    /// "Falls within" names them.
    Force,
}

impl PopulationOf {
    /// The column that names the area.
    pub fn column(self) -> &'static str {
        match self {
            PopulationOf::District => "district",
            PopulationOf::Force => "force",
        }
    }
}

/// Canonical spelling of an enum value: lower case, spaces and hyphens as underscores.
pub fn normalise_enum(raw: &str) -> String {
    raw.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

/// A shipped source's contract for a test force, Testshire, whose districts
/// are `northby`, `southby`, `east_marsh` (alias "E Marsh") and `westby`.
#[cfg(test)]
pub fn shipped(name: &str) -> &'static Contract {
    static TESTSHIRE: std::sync::OnceLock<super::Declarations> = std::sync::OnceLock::new();
    let declarations = TESTSHIRE.get_or_init(|| {
        let force = crate::common::SourceText {
            path: "force.toml".into(),
            text: r#"
name = "Testshire Police"
area = "Testshire"
[[districts]]
id = "northby"
name = "Northby"
[[districts]]
id = "southby"
name = "Southby"
[[districts]]
id = "east_marsh"
name = "East Marsh"
aliases = ["E Marsh"]
[[districts]]
id = "westby"
name = "Westby"
"#
            .into(),
        };
        super::Declarations::from_texts(&force, &super::declared::shipped_source_texts())
            .expect("the shipped sources are valid for any force")
    });
    declarations
        .source(name)
        .unwrap_or_else(|| panic!("`{name}` is shipped"))
}
