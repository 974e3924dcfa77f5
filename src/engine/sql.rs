//! A measure compiled to SQL for DataFusion: one query per series set (the
//! total, then each breakdown) that counts numerator and denominator rows by
//! month and group. Windows, quarters and statistics are applied afterwards to
//! these small aggregates.

use crate::definition::{Breakdown, Measure, MeasureKind};

/// The column name a repeat rule adds.
pub use crate::definition::REPEAT_COLUMN;

pub use crate::common::sql::ident;

fn condition(sql: Option<&str>) -> String {
    sql.map_or_else(|| "TRUE".to_string(), |s| format!("({s})"))
}

/// The table a measure reads: its source, or for a measure with a repeat rule
/// the source with `is_repeat` added (see [`super::repeat`]).
pub fn source_table(measure: &Measure) -> String {
    match &measure.repeat {
        None => measure.source.clone(),
        Some(_) => format!("{}_with_{REPEAT_COLUMN}_for_{}", measure.source, measure.id),
    }
}

/// The rows a measure counts: its source, filtered.
pub fn base_relation(measure: &Measure) -> String {
    format!(
        "SELECT * FROM {} WHERE {}",
        ident(&source_table(measure)),
        condition(measure.filter.as_deref())
    )
}

/// What `is_repeat` means for a measure with a repeat rule, as an SQL comment
/// for readers of the compiled query.
pub fn repeat_note(measure: &Measure) -> Option<String> {
    let rule = measure.repeat.as_ref()?;
    Some(format!(
        "-- {table}: the rows of {source} with {REPEAT_COLUMN}, true where the same {person} has\n\
         -- another row passing the filter on an earlier day at most {days} days before\n\
         -- (found in one pass over the filtered rows sorted by {person} and day)",
        table = source_table(measure),
        source = measure.source,
        person = rule.person,
        days = rule.within_days,
    ))
}

/// Month index (`year * 12 + month - 1`) of a date or timestamp column, by the
/// engine's own function (see `engine::month_index`).
pub fn month_index(column: &str) -> String {
    format!("month_index({})", ident(column))
}

/// First and last day of a source's date column (as DATE), whose months are the
/// measure's span: the months of the two ends, not of every row.
pub fn span_query(source: &str, date_column: &str) -> String {
    let day = format!("CAST({} AS DATE)", ident(date_column));
    format!(
        "SELECT MIN({day}) AS first_day, MAX({day}) AS last_day FROM {}",
        ident(source)
    )
}

/// The query the engine runs for the total (`breakdown` None) or one
/// breakdown: counts by month and group, or for a mean, median or
/// percentile the values themselves (whose counts are how many there are).
pub fn query(measure: &Measure, breakdown: Option<&Breakdown>) -> String {
    match measure.kind.values_of() {
        Some(of) => values_query(measure, of, breakdown),
        None => counts_query(measure, breakdown),
    }
}

/// For a t or g chart, when each event (and, for a g chart, each other row
/// of the denominator: an opportunity) happened, by month. Columns as
/// `values_query`'s: `grp` is `event` or `opportunity`, and `v` the time in
/// days since 1970 (a t chart's whole days: its gaps are counted in
/// midnights, and nothing finer than an event's date is published).
pub fn events_query(measure: &Measure) -> String {
    let month = month_index(&measure.date_column);
    let column = ident(&measure.date_column);
    let base = base_relation(measure);
    let (day, group, rows) = match &measure.kind {
        MeasureKind::Proportion {
            numerator,
            denominator,
        } => (
            format!("CAST(date_part('epoch', CAST({column} AS TIMESTAMP)) AS DOUBLE) / 86400.0"),
            format!("CASE WHEN ({numerator}) THEN 'event' ELSE 'opportunity' END"),
            condition(denominator.as_deref()),
        ),
        _ => (
            format!(
                "CAST(date_part('epoch', CAST(CAST({column} AS DATE) AS TIMESTAMP)) AS DOUBLE) / 86400.0"
            ),
            "'event'".to_string(),
            "TRUE".to_string(),
        ),
    };
    format!(
        "SELECT {month} AS month_index, {group} AS grp, {day} AS v FROM ({base}) AS b WHERE {column} IS NOT NULL AND {rows}"
    )
}

/// Counts by month and group. Columns: `month_index` BIGINT, `grp` VARCHAR,
/// `num` BIGINT, `den` BIGINT. A row counts once, or as its `counts_as`
/// column for a source of aggregate rows.
fn counts_query(measure: &Measure, breakdown: Option<&Breakdown>) -> String {
    let month = month_index(&measure.date_column);
    let weight = measure.row_weight.as_deref().map_or_else(
        || "1".to_string(),
        |w| format!("CAST({} AS BIGINT)", ident(w)),
    );
    let (num, den) = match &measure.kind {
        MeasureKind::Proportion {
            numerator,
            denominator,
        } => {
            let den = condition(denominator.as_deref());
            (
                format!(
                    "CAST(SUM(CASE WHEN {den} AND ({numerator}) THEN {weight} ELSE 0 END) AS BIGINT)"
                ),
                format!("CAST(SUM(CASE WHEN {den} THEN {weight} ELSE 0 END) AS BIGINT)"),
            )
        }
        // A count or a rate (a distribution's query is `values_query`).
        _ => {
            let count = match measure.row_weight {
                None => "COUNT(*)".to_string(),
                Some(_) => format!("CAST(COALESCE(SUM({weight}), 0) AS BIGINT)"),
            };
            (count.clone(), count)
        }
    };
    let (relation, group) = grouped_relation(measure, breakdown);
    format!(
        "SELECT {month} AS month_index, {group} AS grp, {num} AS num, {den} AS den FROM {relation} GROUP BY 1, 2"
    )
}

/// The values a mean, median or percentile is of, by month and group (nulls
/// left out). Columns: `month_index` BIGINT, `grp` VARCHAR, `v` DOUBLE.
fn values_query(measure: &Measure, of: &str, breakdown: Option<&Breakdown>) -> String {
    let month = month_index(&measure.date_column);
    let (relation, group) = grouped_relation(measure, breakdown);
    format!(
        "SELECT {month} AS month_index, {group} AS grp, CAST(({of}) AS DOUBLE) AS v FROM {relation} WHERE ({of}) IS NOT NULL"
    )
}

/// The filtered rows, and the SQL of each row's group: '' for the total, the
/// breakdown column's value, or for a multi-valued column one row per value.
fn grouped_relation(measure: &Measure, breakdown: Option<&Breakdown>) -> (String, String) {
    let base = base_relation(measure);
    match breakdown {
        None => (format!("({base}) AS b"), "''".to_string()),
        Some(b) => match &b.separator {
            None => (
                format!("({base}) AS b"),
                format!("COALESCE(CAST({} AS VARCHAR), 'unknown')", ident(&b.column)),
            ),
            // A multi-valued column: one row per value, so a row counts in each of its groups.
            Some(separator) => (
                format!(
                    "(SELECT *, unnest(string_to_array({}, '{}')) AS __group FROM ({base}) AS b0) AS b",
                    ident(&b.column),
                    separator.replace('\'', "''")
                ),
                "COALESCE(trim(__group), 'unknown')".to_string(),
            ),
        },
    }
}
