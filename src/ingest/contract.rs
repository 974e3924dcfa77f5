//! The extract contracts of `shared/spec/extracts.md`: every column's name, type,
//! nullability and allowed values, and the rules that tie columns together.

use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use std::sync::Arc;

/// The six community safety partnership areas.
pub const DISTRICTS: &[&str] = &[
    "cambridge",
    "east_cambridgeshire",
    "fenland",
    "huntingdonshire",
    "peterborough",
    "south_cambridgeshire",
];

/// The offence groups; the first ten are victim-based crime.
pub const OFFENCE_GROUPS: &[&str] = &[
    "violence_against_the_person",
    "sexual_offences",
    "robbery",
    "burglary",
    "vehicle_offences",
    "theft_from_person",
    "bicycle_theft",
    "shoplifting",
    "other_theft",
    "criminal_damage_arson",
    "drug_offences",
    "possession_of_weapons",
    "public_order_offences",
    "miscellaneous_crimes_against_society",
];

/// The five monitored hate crime strands.
pub const STRANDS: &[&str] = &[
    "race",
    "religion",
    "sexual_orientation",
    "disability",
    "transgender",
];
pub const SURVEY_GROUPS: &[&str] = &["burglary", "vehicle_crime", "violent_crime", "hate_crime"];
pub const ETHNIC_GROUPS: &[&str] = &["white", "bme", "not_stated"];
pub const REFERRAL_CATEGORIES: &[&str] = &["domestic_abuse", "hate", "cse", "asb", "other"];
pub const RISK_LEVELS: &[&str] = &["standard", "medium", "high"];
pub const CONTACT_TYPES: &[&str] = &[
    "s136_detention",
    "s135_warrant",
    "street_triage",
    "concern_for_welfare",
    "missing_person",
];
pub const PLACES_OF_SAFETY: &[&str] = &["health_based", "custody", "emergency_department", "other"];

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
    /// One of a fixed set of values, matched case-insensitively, spaces read as underscores.
    Enum(&'static [&'static str]),
    /// A `;`-separated, non-empty set of values from a fixed set.
    EnumSet(&'static [&'static str]),
}

impl ColumnType {
    /// How the column is held in Arrow. An enum is a dictionary of its allowed
    /// values (a byte a row, not the text), and an integer takes the narrowest
    /// type that holds its range: at national volumes these are most of the memory.
    pub fn arrow_type(self) -> DataType {
        match self {
            ColumnType::Text | ColumnType::EnumSet(_) => DataType::Utf8,
            ColumnType::Enum(_) => {
                DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8))
            }
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
            ColumnType::Enum(values) | ColumnType::EnumSet(values) => Some(values),
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
            ColumnType::Enum(values) => format!("one of {}", values.join(", ")),
            ColumnType::EnumSet(values) => format!("a `;`-separated list of {}", values.join(", ")),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
    /// No two rows may share a value (a reference number).
    pub unique: bool,
}

/// A rule between columns of one row.
#[derive(Debug, Clone, Copy)]
pub enum RowRule {
    /// `column` is present exactly when `when` is present.
    PresentIffPresent {
        column: &'static str,
        when: &'static str,
    },
    /// `column` is present exactly when the boolean `when` is true.
    PresentIffTrue {
        column: &'static str,
        when: &'static str,
    },
    /// `column` is present exactly when `when` takes one of `values`.
    PresentIffOneOf {
        column: &'static str,
        when: &'static str,
        values: &'static [&'static str],
    },
    /// `column` may be present only when the boolean `when` is true.
    OnlyWhenTrue {
        column: &'static str,
        when: &'static str,
    },
    /// The date `column`, when present, is not before the date `earlier`.
    NotBefore {
        column: &'static str,
        earlier: &'static str,
    },
}

/// One extract's contract.
#[derive(Debug)]
pub struct Contract {
    pub name: &'static str,
    pub columns: &'static [ColumnSpec],
    /// The date column periods are keyed on by default.
    pub period_column: Option<&'static str>,
    pub row_rules: &'static [RowRule],
    pub description: &'static str,
}

impl Contract {
    /// Whether a month with no rows is a month not published (police.uk's files
    /// come a month at a time) rather than a month in which nothing happened.
    pub fn months_without_rows_are_unpublished(&self) -> bool {
        self.name == POLICE_UK.name
    }

    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// A column's place among the contract's columns.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn arrow_schema(&self) -> Arc<Schema> {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(c.name, c.ty.arrow_type(), c.nullable))
            .collect();
        Arc::new(Schema::new(fields))
    }
}

const fn col(name: &'static str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec {
        name,
        ty,
        nullable: false,
        unique: false,
    }
}
const fn nullable(name: &'static str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec {
        name,
        ty,
        nullable: true,
        unique: false,
    }
}
const fn key(name: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        ty: ColumnType::Text,
        nullable: false,
        unique: true,
    }
}

const DISTRICT: ColumnSpec = col("district", ColumnType::Enum(DISTRICTS));
const AGE: ColumnType = ColumnType::Int { min: 0, max: 120 };
const OUTCOME: ColumnType = ColumnType::Int { min: 1, max: 22 };
const SCALE_1_TO_7: ColumnType = ColumnType::Int { min: 1, max: 7 };

pub const CRIMES: Contract = Contract {
    name: "crimes",
    description: "recorded crime, one row per crime",
    columns: &[
        key("crime_ref"),
        col("recorded_date", ColumnType::Date),
        col("offence_group", ColumnType::Enum(OFFENCE_GROUPS)),
        DISTRICT,
        nullable("victim_id", ColumnType::Text),
        nullable("victim_age", AGE),
        col("domestic_abuse", ColumnType::Bool),
        col("cse", ColumnType::Bool),
        nullable("outcome_type", OUTCOME),
        nullable("outcome_date", ColumnType::Date),
    ],
    period_column: Some("recorded_date"),
    row_rules: &[
        RowRule::PresentIffPresent {
            column: "outcome_date",
            when: "outcome_type",
        },
        RowRule::NotBefore {
            column: "outcome_date",
            earlier: "recorded_date",
        },
    ],
};

pub const VICTIM_SATISFACTION: Contract = Contract {
    name: "victim_satisfaction",
    description: "victim satisfaction survey, one row per interview",
    columns: &[
        key("response_id"),
        col("crime_ref", ColumnType::Text),
        col("interview_date", ColumnType::Date),
        col("survey_group", ColumnType::Enum(SURVEY_GROUPS)),
        DISTRICT,
        nullable("whole_experience", SCALE_1_TO_7),
        nullable("ease_of_contact", SCALE_1_TO_7),
        nullable("actions_taken", SCALE_1_TO_7),
        nullable("kept_informed", SCALE_1_TO_7),
        nullable("treatment", SCALE_1_TO_7),
        col("ethnic_group", ColumnType::Enum(ETHNIC_GROUPS)),
    ],
    period_column: Some("interview_date"),
    row_rules: &[],
};

pub const VICTIM_CONTACTS: Contract = Contract {
    name: "victim_contacts",
    description: "referrals to the victims' hub and safeguarding partners, one row per referral",
    columns: &[
        key("referral_id"),
        col("victim_id", ColumnType::Text),
        col("referral_date", ColumnType::Date),
        col("category", ColumnType::Enum(REFERRAL_CATEGORIES)),
        nullable("risk_level", ColumnType::Enum(RISK_LEVELS)),
        DISTRICT,
        col("marac", ColumnType::Bool),
    ],
    period_column: Some("referral_date"),
    row_rules: &[],
};

pub const HATE_INCIDENTS: Contract = Contract {
    name: "hate_incidents",
    description: "hate crimes and non-crime hate incidents, one row each",
    columns: &[
        key("incident_ref"),
        col("reported_date", ColumnType::Date),
        DISTRICT,
        col("strands", ColumnType::EnumSet(STRANDS)),
        col("is_crime", ColumnType::Bool),
        nullable("crime_ref", ColumnType::Text),
        nullable("victim_id", ColumnType::Text),
        nullable("outcome_type", OUTCOME),
    ],
    period_column: Some("reported_date"),
    row_rules: &[
        RowRule::PresentIffTrue {
            column: "crime_ref",
            when: "is_crime",
        },
        RowRule::OnlyWhenTrue {
            column: "outcome_type",
            when: "is_crime",
        },
    ],
};

pub const MENTAL_HEALTH_CONTACTS: Contract = Contract {
    name: "mental_health_contacts",
    description: "police contacts involving mental health, one row per contact",
    columns: &[
        key("contact_ref"),
        col("contact_time", ColumnType::DateTime),
        DISTRICT,
        col("contact_type", ColumnType::Enum(CONTACT_TYPES)),
        nullable("place_of_safety", ColumnType::Enum(PLACES_OF_SAFETY)),
        nullable("age", AGE),
        nullable(
            "minutes_in_police_care",
            ColumnType::Int {
                min: 0,
                max: i64::MAX,
            },
        ),
    ],
    period_column: Some("contact_time"),
    row_rules: &[RowRule::PresentIffOneOf {
        column: "place_of_safety",
        when: "contact_type",
        values: &["s136_detention", "s135_warrant"],
    }],
};

/// The columns of a population table beside the area's name.
const YEAR: ColumnSpec = col(
    "year",
    ColumnType::Int {
        min: 1900,
        max: 2200,
    },
);
const PEOPLE: ColumnSpec = col(
    "population",
    ColumnType::Int {
        min: 1,
        max: i64::MAX,
    },
);

pub const POPULATION: Contract = Contract {
    name: "population",
    description: "mid-year population estimates by district",
    columns: &[DISTRICT, YEAR, PEOPLE],
    period_column: None,
    row_rules: &[],
};

/// Population of each police force area, for comparing forces with their peers.
pub const FORCE_POPULATION: Contract = Contract {
    name: "force_population",
    description: "mid-year population estimates by police force area (named as police.uk's `Falls within`)",
    columns: &[col("force", ColumnType::Text), YEAR, PEOPLE],
    period_column: None,
    row_rules: &[],
};

/// police.uk street-level crime, read from its published files (see `police_uk`).
pub const POLICE_UK: Contract = Contract {
    name: "police_uk",
    description: "police.uk street-level crime and anti-social behaviour, one row per crime or incident",
    columns: &[
        nullable("crime_id", ColumnType::Text),
        col("month", ColumnType::Date),
        col("reported_by", ColumnType::Text),
        col("falls_within", ColumnType::Text),
        nullable("lsoa_code", ColumnType::Text),
        nullable("lsoa_name", ColumnType::Text),
        col("district", ColumnType::Text),
        col("crime_type", ColumnType::Text),
        nullable("outcome", ColumnType::Text),
        col("is_asb", ColumnType::Bool),
    ],
    period_column: Some("month"),
    row_rules: &[],
};

/// Every contract the engine knows, measure sources first.
pub const ALL: &[&Contract] = &[
    &CRIMES,
    &VICTIM_SATISFACTION,
    &VICTIM_CONTACTS,
    &HATE_INCIDENTS,
    &MENTAL_HEALTH_CONTACTS,
    &POLICE_UK,
    &POPULATION,
    &FORCE_POPULATION,
];

pub fn by_name(name: &str) -> Option<&'static Contract> {
    ALL.iter().copied().find(|c| c.name == name)
}

/// Canonical spelling of an enum value: lower case, spaces and hyphens as underscores.
pub fn normalise_enum(raw: &str) -> String {
    raw.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}
