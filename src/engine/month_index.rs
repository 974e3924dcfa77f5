//! `month_index(date)`: the month a date or timestamp falls in, as
//! `year * 12 + month - 1`, the key every measure's counts are grouped by.
//! Written as `date_part` twice, it cost each query a calendar conversion a row
//! for each of year and month; here it is integer arithmetic on the day number.

use datafusion::arrow::array::{Array, AsArray, Date32Array, Int64Array};
use datafusion::arrow::compute::{cast, max, min};
use datafusion::arrow::datatypes::{DataType, Date32Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

/// The function, to register with a session.
pub fn udf() -> ScalarUDF {
    ScalarUDF::from(MonthIndex {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

/// The month index of a day counted from 1970-01-01 (negative before it), by
/// Howard Hinnant's `civil_from_days`.
pub fn of_day(days: i32) -> i64 {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March, so that a leap day ends the year.
    let march_based = (5 * day_of_year + 2) / 153;
    let month = if march_based < 10 {
        march_based + 3
    } else {
        march_based - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    year * 12 + month - 1
}

/// The month index of every day of `days`. A batch's days usually span a few
/// months (extracts come in date order), so each day of its range is worked
/// out once, into a table, and every row is a look-up in it.
fn of_days(days: &Date32Array) -> Int64Array {
    const MOST_DAYS_IN_A_TABLE: i64 = 1 << 16;
    let (Some(first), Some(last)) = (min(days), max(days)) else {
        return days.unary(of_day);
    };
    if i64::from(last) - i64::from(first) >= MOST_DAYS_IN_A_TABLE {
        return days.unary(of_day);
    }
    let table: Vec<i64> = (first..=last).map(of_day).collect();
    // Null slots hold any day, maybe outside the range: clamp to stay in the table.
    days.unary(|day| table[(day.clamp(first, last) - first) as usize])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct MonthIndex {
    signature: Signature,
}

impl ScalarUDFImpl for MonthIndex {
    fn name(&self) -> &str {
        "month_index"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match args {
            [DataType::Date32 | DataType::Date64 | DataType::Timestamp(..)] => Ok(DataType::Int64),
            other => plan_err!("month_index takes one date or timestamp, not {other:?}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return plan_err!("month_index takes one argument");
        };
        let is_scalar = matches!(value, ColumnarValue::Scalar(_));
        let days = cast(&value.to_array(args.number_rows)?, &DataType::Date32)?;
        let months = of_days(days.as_primitive::<Date32Type>());
        Ok(if is_scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&months, 0)?)
        } else {
            ColumnarValue::Array(Arc::new(months) as Arc<dyn Array>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate};

    #[test]
    fn agrees_with_the_calendar() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        // From 1600 to 2400 a day at a time: leap centuries, and days before 1970.
        let first = (NaiveDate::from_ymd_opt(1600, 1, 1).unwrap() - epoch).num_days() as i32;
        let last = (NaiveDate::from_ymd_opt(2400, 12, 31).unwrap() - epoch).num_days() as i32;
        for days in first..=last {
            let date = epoch + chrono::Duration::days(days.into());
            let expected = i64::from(date.year()) * 12 + i64::from(date.month0());
            assert_eq!(of_day(days), expected, "{date}");
        }
    }

    #[test]
    fn a_batch_gives_each_day_its_month_by_table_or_not() {
        // Days in no order with nulls; a narrow range (by table) and a wide one.
        for spread in [400, 200_000] {
            let days: Date32Array = (0..5_000)
                .map(|i: i32| (i % 7 != 3).then(|| (i * 7_919) % spread - spread / 2))
                .collect();
            let months = of_days(&days);
            for row in 0..days.len() {
                assert_eq!(months.is_valid(row), days.is_valid(row));
                if days.is_valid(row) {
                    assert_eq!(months.value(row), of_day(days.value(row)), "row {row}");
                }
            }
        }
    }

    #[tokio::test]
    async fn reads_dates_and_timestamps_in_sql() {
        let ctx = datafusion::prelude::SessionContext::new();
        ctx.register_udf(udf());
        let batches = ctx
            .sql(
                "SELECT month_index(DATE '2024-02-29'), \
                        month_index(CAST('1969-12-31T23:59:59' AS TIMESTAMP)), \
                        month_index(CAST(NULL AS DATE))",
            )
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let row: Vec<Option<i64>> = batches[0]
            .columns()
            .iter()
            .map(|c| {
                let c = c.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
                c.is_valid(0).then(|| c.value(0))
            })
            .collect();
        assert_eq!(row, vec![Some(2024 * 12 + 1), Some(1969 * 12 + 11), None]);
    }
}
