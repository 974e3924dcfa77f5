//! A measure compiled to SQL for DataFusion: one query per series set (the
//! total, then each breakdown) that counts numerator and denominator rows by
//! month and group. Windows, quarters and statistics are applied afterwards to
//! these small aggregates.

use crate::definition::{Breakdown, Measure, MeasureKind};

/// The column name a repeat rule adds.
pub use crate::definition::REPEAT_COLUMN;

/// Double-quotes an identifier for DataFusion's SQL.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn condition(sql: Option<&str>) -> String {
    sql.map_or_else(|| "TRUE".to_string(), |s| format!("({s})"))
}

/// The rows a measure counts: its source filtered, with `is_repeat` derived
/// when the measure has a repeat rule. The look-back covers every filtered row
/// of the extract, so repeats reach back before the first window.
pub fn base_relation(measure: &Measure) -> String {
    let source = ident(&measure.source);
    let filter = condition(measure.filter.as_deref());
    let Some(rule) = &measure.repeat else {
        return format!("SELECT * FROM {source} WHERE {filter}");
    };
    let person = ident(&rule.person);
    let date = ident(&measure.date_column);
    // An earlier row on the same day does not count, so look back over distinct
    // days per person: the previous distinct day is the latest earlier one.
    format!(
        "WITH base AS (SELECT *, CAST({date} AS DATE) AS __day FROM {source} WHERE {filter}), \
         days AS (SELECT DISTINCT {person} AS __person, __day FROM base WHERE {person} IS NOT NULL), \
         previous AS (SELECT __person, __day, \
             LAG(__day) OVER (PARTITION BY __person ORDER BY __day) AS __previous_day FROM days) \
         SELECT base.*, COALESCE(CAST(base.__day AS INT) - CAST(previous.__previous_day AS INT) <= {days}, FALSE) \
             AS {repeat} \
         FROM base LEFT JOIN previous ON base.{person} = previous.__person AND base.__day = previous.__day",
        days = rule.within_days,
        repeat = ident(REPEAT_COLUMN),
    )
}

/// Month index (`year * 12 + month - 1`) of a date or timestamp column.
pub fn month_index(column: &str) -> String {
    let c = ident(column);
    format!(
        "(CAST(date_part('year', {c}) AS BIGINT) * 12 + CAST(date_part('month', {c}) AS BIGINT) - 1)"
    )
}

/// First and last month of a source's date column: the measure's span.
pub fn span_query(source: &str, date_column: &str) -> String {
    let m = month_index(date_column);
    format!(
        "SELECT MIN({m}) AS first_month, MAX({m}) AS last_month FROM {}",
        ident(source)
    )
}

/// Counts by month and group for the total (`breakdown` None) or one breakdown.
/// Columns: `month_index` BIGINT, `grp` VARCHAR, `num` BIGINT, `den` BIGINT.
pub fn aggregate_query(measure: &Measure, breakdown: Option<&Breakdown>) -> String {
    let month = month_index(&measure.date_column);
    let (num, den) = match &measure.kind {
        MeasureKind::Proportion {
            numerator,
            denominator,
        } => {
            let den = condition(denominator.as_deref());
            (
                format!("CAST(SUM(CASE WHEN {den} AND ({numerator}) THEN 1 ELSE 0 END) AS BIGINT)"),
                format!("CAST(SUM(CASE WHEN {den} THEN 1 ELSE 0 END) AS BIGINT)"),
            )
        }
        MeasureKind::Count | MeasureKind::Rate { .. } => {
            ("COUNT(*)".to_string(), "COUNT(*)".to_string())
        }
    };
    let base = base_relation(measure);
    let (relation, group) = match breakdown {
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
    };
    format!(
        "SELECT {month} AS month_index, {group} AS grp, {num} AS num, {den} AS den FROM {relation} GROUP BY 1, 2"
    )
}
