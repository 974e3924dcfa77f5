//! Calendar months as the engine counts them: a month is an index
//! (`year * 12 + month - 1`), so windows and spans are integer ranges.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// The day `days` after 1 January 1970 (before it, where negative), as Arrow's
/// Date32 counts them; `None` beyond the calendar's range.
pub fn date_of_day(days: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub i32);

impl Month {
    pub fn new(year: i32, month: u32) -> Month {
        Month(year * 12 + month as i32 - 1)
    }

    pub fn of(date: NaiveDate) -> Month {
        Month::new(date.year(), date.month())
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// 1..=12
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).expect("valid month")
    }

    pub fn last_day(self) -> NaiveDate {
        (self + 1).first_day().pred_opt().expect("valid date")
    }

    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.trim().split_once('-')?;
        let (year, month) = (year.parse::<i32>().ok()?, month.parse::<u32>().ok()?);
        (year.to_string().len() == 4 && (1..=12).contains(&month)).then(|| Month::new(year, month))
    }

    /// The calendar quarter's first month (January, April, July or October).
    pub fn quarter_start(self) -> Month {
        Month(self.0 - self.0.rem_euclid(3))
    }

    /// The first month (April) of the financial year this month is in.
    pub fn financial_year_start(self) -> Month {
        let april = Month::new(self.year(), 4);
        if self >= april { april } else { april - 12 }
    }

    /// "2014/15": the financial year, April to March, as board papers write it.
    pub fn financial_year_label(self) -> String {
        let start = self.financial_year_start().year();
        format!("{start}/{:02}", (start + 1).rem_euclid(100))
    }

    /// 1..=4, April to June being the first quarter.
    pub fn financial_quarter(self) -> u32 {
        (self.0 - self.financial_year_start().0) as u32 / 3 + 1
    }

    /// "Nov 2014"
    pub fn short_name(self) -> String {
        format!(
            "{} {}",
            super::language::month_abbreviation(self.month()),
            self.year()
        )
    }

    /// "November 2014"
    pub fn long_name(self) -> String {
        format!(
            "{} {}",
            super::language::month_name(self.month()),
            self.year()
        )
    }
}

impl std::ops::Add<i32> for Month {
    type Output = Month;
    fn add(self, months: i32) -> Month {
        Month(self.0 + months)
    }
}

impl std::ops::Sub<i32> for Month {
    type Output = Month;
    fn sub(self, months: i32) -> Month {
        Month(self.0 - months)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// The months a point covers, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub first: Month,
    pub last: Month,
}

impl Period {
    pub fn start_date(self) -> NaiveDate {
        self.first.first_day()
    }

    pub fn end_date(self) -> NaiveDate {
        self.last.last_day()
    }

    pub fn months(self) -> i32 {
        self.last.0 - self.first.0 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_arithmetic_crosses_years() {
        let m = Month::new(2024, 1);
        assert_eq!((m - 11).to_string(), "2023-02");
        assert_eq!(
            (m - 1).last_day(),
            NaiveDate::from_ymd_opt(2023, 12, 31).unwrap()
        );
        assert_eq!(
            Month::new(2024, 2).last_day(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(Month::new(2024, 8).quarter_start(), Month::new(2024, 7));
        assert_eq!(Month::parse("2021-03"), Some(Month::new(2021, 3)));
        assert_eq!(Month::parse("2021-13"), None);
        assert_eq!(Month::parse("21-03"), None);
        assert_eq!(Month::new(2015, 3).financial_year_label(), "2014/15");
        assert_eq!(Month::new(2015, 4).financial_year_label(), "2015/16");
        assert_eq!(Month::new(1999, 5).financial_year_label(), "1999/00");
        assert_eq!(Month::new(2014, 12).financial_quarter(), 3);
        assert_eq!(Month::new(2015, 1).financial_quarter(), 4);
        assert_eq!(Month::new(2014, 4).financial_quarter(), 1);
    }
}
