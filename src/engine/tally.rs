//! What a measure counts, before periods and statistics: numerator and
//! denominator by group and month, the span of its source's dates, and the
//! months its source has rows in. A tally adds up over rows, so the tally of
//! an extract grown by a month is the kept tally plus the new rows' (see
//! [`crate::evaluation::incremental`]).

use super::series::MonthlyCounts;
use crate::common::period::Month;
use std::collections::{BTreeMap, BTreeSet};

/// Counts by group, then by month index: `[numerator, denominator]`.
pub type GroupCounts = BTreeMap<String, BTreeMap<i32, [u64; 2]>>;

/// The values a mean, median or percentile is of, by group, then by month index.
pub type GroupValues = BTreeMap<String, BTreeMap<i32, Vec<f64>>>;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// The first and last day (days since 1970) of the source's date column.
    pub days: Option<(i32, i32)>,
    /// Months the source has rows in, for a source whose empty months are unpublished.
    pub months: BTreeSet<i32>,
    /// The total's counts, when no single-valued breakdown gives them by sum.
    pub total: Option<GroupCounts>,
    /// Each breakdown's counts, in the measure's order.
    pub breakdowns: Vec<GroupCounts>,
    /// For a mean, median or percentile: the values beside `total`'s counts.
    #[serde(default)]
    pub total_values: Option<GroupValues>,
    /// For a mean, median or percentile: the values beside each breakdown's counts.
    #[serde(default)]
    pub breakdown_values: Vec<GroupValues>,
    /// For a t or g chart: when each event (and opportunity) happened, in
    /// days since 1970 (see [`super::sql::events_query`]).
    #[serde(default)]
    pub events: Option<GroupValues>,
}

impl Tally {
    /// Adds the tally of other rows of the same source.
    pub fn add(&mut self, other: &Tally) {
        self.days = match (self.days, other.days) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
        self.months.extend(&other.months);
        add_optional(&mut self.total, &other.total, add_counts);
        if self.breakdowns.len() < other.breakdowns.len() {
            self.breakdowns
                .resize_with(other.breakdowns.len(), Default::default);
        }
        for (mine, theirs) in self.breakdowns.iter_mut().zip(&other.breakdowns) {
            add_counts(mine, theirs);
        }
        add_optional(&mut self.total_values, &other.total_values, add_values);
        if self.breakdown_values.len() < other.breakdown_values.len() {
            self.breakdown_values
                .resize_with(other.breakdown_values.len(), Default::default);
        }
        for (mine, theirs) in self
            .breakdown_values
            .iter_mut()
            .zip(&other.breakdown_values)
        {
            add_values(mine, theirs);
        }
        add_optional(&mut self.events, &other.events, add_values);
    }

    /// The first and last month of the span.
    pub fn span(&self) -> Option<(Month, Month)> {
        let (first, last) = self.days?;
        let month = |day: i32| Month(super::month_index::of_day(day) as i32);
        Some((month(first), month(last)))
    }
}

/// Adds `theirs` to `mine` where both were counted; takes it where only
/// `theirs` was.
fn add_optional<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>, add: fn(&mut T, &T)) {
    match (mine, theirs) {
        (Some(mine), Some(theirs)) => add(mine, theirs),
        (mine @ None, Some(theirs)) => *mine = Some(theirs.clone()),
        _ => {}
    }
}

fn add_counts(mine: &mut GroupCounts, theirs: &GroupCounts) {
    for (group, months) in theirs {
        let kept = mine.entry(group.clone()).or_default();
        for (month, [num, den]) in months {
            let slot = kept.entry(*month).or_insert([0, 0]);
            slot[0] += num;
            slot[1] += den;
        }
    }
}

fn add_values(mine: &mut GroupValues, theirs: &GroupValues) {
    for (group, months) in theirs {
        let kept = mine.entry(group.clone()).or_default();
        for (month, values) in months {
            kept.entry(*month).or_default().extend_from_slice(values);
        }
    }
}

/// A group's counts (and values, for a distribution) laid out month by month over `months` months from `first`;
/// months outside are left out.
pub fn monthly(
    counts: &BTreeMap<i32, [u64; 2]>,
    values: Option<&BTreeMap<i32, Vec<f64>>>,
    first: Month,
    months: usize,
) -> MonthlyCounts {
    let mut laid_out = MonthlyCounts::zeros(months);
    for (&month, v) in values.into_iter().flatten() {
        if let Ok(offset) = usize::try_from(month - first.0)
            && offset < months
        {
            laid_out.values[offset].extend_from_slice(v);
        }
    }
    for (&month, &[num, den]) in counts {
        let Ok(offset) = usize::try_from(month - first.0) else {
            continue;
        };
        if offset < months {
            laid_out.numerator[offset] += num;
            laid_out.denominator[offset] += den;
        }
    }
    laid_out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(entries: &[(&str, i32, u64, u64)]) -> GroupCounts {
        let mut c = GroupCounts::new();
        for &(group, month, num, den) in entries {
            c.entry(group.into()).or_default().insert(month, [num, den]);
        }
        c
    }

    #[test]
    fn tallies_of_two_stretches_of_rows_add_to_the_tally_of_all() {
        let mut kept = Tally {
            days: Some((100, 400)),
            months: [3, 4].into(),
            total: None,
            breakdowns: vec![counts(&[("a", 3, 1, 2), ("b", 4, 5, 5)])],
            ..Tally::default()
        };
        let new = Tally {
            days: Some((390, 430)),
            months: [4, 5].into(),
            total: None,
            breakdowns: vec![counts(&[("a", 3, 1, 1), ("a", 5, 2, 3), ("c", 5, 1, 1)])],
            ..Tally::default()
        };
        kept.add(&new);
        assert_eq!(kept.days, Some((100, 430)));
        assert_eq!(kept.months, [3, 4, 5].into());
        assert_eq!(
            kept.breakdowns[0],
            counts(&[
                ("a", 3, 2, 3),
                ("a", 5, 2, 3),
                ("b", 4, 5, 5),
                ("c", 5, 1, 1)
            ])
        );
        let laid_out = monthly(&kept.breakdowns[0]["a"], None, Month(4), 2);
        assert_eq!(laid_out.numerator, vec![0, 2]);
        assert_eq!(laid_out.denominator, vec![0, 3]);
    }
}
