//! England and Wales bank holidays, by the rules gov.uk publishes them by
//! (with substitute days for a holiday on a weekend), and the one-off changes
//! of recent years. A schedule's "first working day" must not be one.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// A day moved or added by proclamation, as (month, day); the rules give the rest.
struct OneOff {
    year: i32,
    /// The holiday moved, and the day it moved to.
    moved: Option<((u32, u32), (u32, u32))>,
    added: &'static [(u32, u32)],
}

const ONE_OFF: &[OneOff] = &[
    // VE Day's 75th anniversary: the early May holiday on Friday 8 May.
    OneOff {
        year: 2020,
        moved: Some(((5, 4), (5, 8))),
        added: &[],
    },
    // The Platinum Jubilee: the spring holiday on 2 June, and 3 June added.
    OneOff {
        year: 2022,
        moved: Some(((5, 30), (6, 2))),
        added: &[(6, 3)],
    },
    // The State Funeral of Queen Elizabeth II.
    OneOff {
        year: 2022,
        moved: None,
        added: &[(9, 19)],
    },
    // The Coronation of King Charles III.
    OneOff {
        year: 2023,
        moved: None,
        added: &[(5, 8)],
    },
];

/// Whether `day` is a bank holiday in England and Wales.
pub fn is_bank_holiday(day: NaiveDate) -> bool {
    holidays(day.year()).contains(&day)
}

/// Whether `day` is neither a weekend day nor a bank holiday.
pub fn is_working_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !is_bank_holiday(day)
}

/// The year's bank holidays, in no particular order.
pub fn holidays(year: i32) -> Vec<NaiveDate> {
    let date = |m, d| NaiveDate::from_ymd_opt(year, m, d).expect("a real date");
    let easter = easter_sunday(year);
    let new_year = next_weekday(date(1, 1));
    let mut days = vec![
        new_year,
        easter - Duration::days(2),
        easter + Duration::days(1),
        first_monday(date(5, 1)),
        last_monday(date(5, 31)),
        last_monday(date(8, 31)),
    ];
    // Christmas Day and Boxing Day, each on the next weekday not taken.
    let christmas = next_weekday(date(12, 25));
    let mut boxing = next_weekday(date(12, 26));
    if boxing == christmas {
        boxing = next_weekday(boxing + Duration::days(1));
    }
    days.extend([christmas, boxing]);
    for one_off in ONE_OFF.iter().filter(|o| o.year == year) {
        if let Some(((from_m, from_d), (to_m, to_d))) = one_off.moved {
            days.retain(|d| *d != date(from_m, from_d));
            days.push(date(to_m, to_d));
        }
        days.extend(one_off.added.iter().map(|&(m, d)| date(m, d)));
    }
    days
}

/// `day`, or the Monday after it when it falls on a weekend.
fn next_weekday(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day + Duration::days(2),
        Weekday::Sun => day + Duration::days(1),
        _ => day,
    }
}

fn first_monday(from: NaiveDate) -> NaiveDate {
    let ahead = (7 - from.weekday().num_days_from_monday()) % 7;
    from + Duration::days(ahead.into())
}

fn last_monday(to: NaiveDate) -> NaiveDate {
    to - Duration::days(to.weekday().num_days_from_monday().into())
}

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm).
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a real date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(year: i32) -> Vec<String> {
        let mut days: Vec<String> = holidays(year).iter().map(|d| d.to_string()).collect();
        days.sort();
        days
    }

    /// As gov.uk/bank-holidays lists them for England and Wales.
    #[test]
    fn the_published_bank_holidays() {
        assert_eq!(
            days(2022),
            [
                "2022-01-03",
                "2022-04-15",
                "2022-04-18",
                "2022-05-02",
                "2022-06-02",
                "2022-06-03",
                "2022-08-29",
                "2022-09-19",
                "2022-12-26",
                "2022-12-27"
            ]
        );
        assert_eq!(
            days(2023),
            [
                "2023-01-02",
                "2023-04-07",
                "2023-04-10",
                "2023-05-01",
                "2023-05-08",
                "2023-05-29",
                "2023-08-28",
                "2023-12-25",
                "2023-12-26"
            ]
        );
        assert_eq!(
            days(2026),
            [
                "2026-01-01",
                "2026-04-03",
                "2026-04-06",
                "2026-05-04",
                "2026-05-25",
                "2026-08-31",
                "2026-12-25",
                "2026-12-28"
            ]
        );
        assert_eq!(
            days(2027),
            [
                "2027-01-01",
                "2027-03-26",
                "2027-03-29",
                "2027-05-03",
                "2027-05-31",
                "2027-08-30",
                "2027-12-27",
                "2027-12-28"
            ]
        );
    }

    #[test]
    fn weekends_and_holidays_are_not_working_days() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(
            !is_working_day(day("2027-01-01")),
            "New Year's Day, a Friday"
        );
        assert!(!is_working_day(day("2027-01-02")), "a Saturday");
        assert!(is_working_day(day("2027-01-04")));
    }
}
