//! Small-number suppression, primary and secondary, for disclosure control.

/// Whether a point is suppressed in its own right: any of its counts is below
/// the threshold.
pub fn below_threshold(counts: &[u64], threshold: u64) -> bool {
    counts.iter().any(|&count| count < threshold)
}

/// Secondary suppression across the groups of one breakdown in one period:
/// where exactly one group is suppressed, the smallest other group is
/// suppressed too, so the hidden figure cannot be recovered from the total.
/// Ties go to the first group in domain order.
pub fn apply_secondary(suppressed: &mut [bool], sizes: &[u64]) {
    if suppressed.iter().filter(|&&s| s).count() != 1 {
        return;
    }
    let smallest = (0..sizes.len())
        .filter(|&i| !suppressed[i])
        .min_by_key(|&i| (sizes[i], i));
    if let Some(i) = smallest {
        suppressed[i] = true;
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

    #[test]
    fn one_suppressed_group_takes_the_smallest_other_with_it() {
        let mut suppressed = [false, true, false, false];
        apply_secondary(&mut suppressed, &[9, 2, 7, 7]);
        assert_eq!(suppressed, [false, true, true, false]);
    }

    #[test]
    fn two_suppressed_groups_need_nothing_more() {
        let mut suppressed = [true, true, false];
        apply_secondary(&mut suppressed, &[1, 2, 30]);
        assert_eq!(suppressed, [true, true, false]);
        let mut none = [false, false];
        apply_secondary(&mut none, &[10, 20]);
        assert_eq!(none, [false, false]);
    }
}
