//! Small-number suppression, primary and secondary, for disclosure control.

/// Whether a point is suppressed in its own right: any of its counts is below
/// the threshold.
pub fn below_threshold(counts: &[u64], threshold: u64) -> bool {
    counts.iter().any(|&count| count < threshold)
}

/// Secondary suppression across the groups of one breakdown in one period,
/// each group given by the counts the threshold applies to (`counts[group]`,
/// e.g. a proportion's numerator then denominator). The total less the
/// published groups is the sum of the hidden ones, so more groups are
/// withheld, smallest last count (the group's size) first, ties to the first
/// in domain order, until at least two are hidden and, for each kind of
/// count, the hidden groups' sum is at least `threshold`.
pub fn apply_secondary(suppressed: &mut [bool], counts: &[Vec<u64>], threshold: u64) {
    let size = |i: usize| counts[i].last().copied().unwrap_or(0);
    let exposed = |suppressed: &[bool]| {
        let hidden: Vec<usize> = (0..suppressed.len()).filter(|&i| suppressed[i]).collect();
        let dimensions = counts.first().map_or(0, Vec::len);
        !hidden.is_empty()
            && (hidden.len() == 1
                || (0..dimensions)
                    .any(|d| hidden.iter().map(|&i| counts[i][d]).sum::<u64>() < threshold))
    };
    while exposed(suppressed) {
        let smallest = (0..counts.len())
            .filter(|&i| !suppressed[i])
            .min_by_key(|&i| (size(i), i));
        match smallest {
            Some(i) => suppressed[i] = true,
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_below_the_threshold_is_suppressed() {
        assert!(below_threshold(&[4], 5));
        assert!(below_threshold(&[0], 5));
        assert!(!below_threshold(&[5], 5));
        assert!(below_threshold(&[12, 3], 5));
    }

    fn secondary(suppressed: &mut [bool], sizes: &[u64], threshold: u64) {
        let counts: Vec<Vec<u64>> = sizes.iter().map(|&n| vec![n]).collect();
        apply_secondary(suppressed, &counts, threshold);
    }

    #[test]
    fn one_suppressed_group_takes_the_smallest_other_with_it() {
        let mut suppressed = [false, true, false, false];
        secondary(&mut suppressed, &[9, 2, 7, 7], 5);
        assert_eq!(suppressed, [false, true, true, false]);
    }

    #[test]
    fn two_suppressed_groups_whose_sum_reaches_the_threshold_need_nothing_more() {
        let mut suppressed = [true, true, false];
        secondary(&mut suppressed, &[3, 2, 30], 5);
        assert_eq!(suppressed, [true, true, false]);
        let mut none = [false, false];
        secondary(&mut none, &[10, 20], 5);
        assert_eq!(none, [false, false]);
    }

    #[test]
    fn hidden_groups_that_sum_below_the_threshold_take_more_with_them() {
        // 1 + 2 = 3 would be the total less the published groups.
        let mut suppressed = [true, true, false, false];
        secondary(&mut suppressed, &[1, 2, 40, 30], 5);
        assert_eq!(suppressed, [true, true, false, true]);
        // Two zeros: the published groups would show both are zero.
        let mut zeros = [true, true, false, false];
        secondary(&mut zeros, &[0, 0, 6, 9], 5);
        assert_eq!(zeros, [true, true, true, false]);
    }

    #[test]
    fn a_proportion_sums_its_numerators_and_its_denominators() {
        // Denominators 12 + 15 reach 5; numerators 1 + 2 do not.
        let mut suppressed = [true, true, false];
        let counts = [vec![1, 12], vec![2, 15], vec![30, 90]];
        apply_secondary(&mut suppressed, &counts, 5);
        assert_eq!(suppressed, [true, true, true]);
    }

    #[test]
    fn hiding_everything_is_where_it_stops() {
        let mut suppressed = [true, false];
        secondary(&mut suppressed, &[1, 2], 5);
        assert_eq!(suppressed, [true, true]);
    }
}
