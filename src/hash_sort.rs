//! Sorting records that lead with a hash (the repeat look-back's rows keyed by
//! person): the records are moved into buckets by the hash's top bits, then
//! each bucket, small enough to stay in cache, is sorted on its own, with the
//! buckets shared among the cores. At millions of rows this is several times
//! quicker than one sort over the whole, and needs no hash table.

/// Sorts `items` ascending. `hash` must give the item's leading sort key, a hash
/// spread evenly over `u64`: the buckets are ranges of it, in order.
pub fn sort_by_hash<T, H>(items: &mut [T], hash: H)
where
    T: Copy + Ord + Send,
    H: Fn(&T) -> u64,
{
    const PER_BUCKET: usize = 16 * 1024;
    if items.len() <= PER_BUCKET {
        items.sort_unstable();
        return;
    }
    // At least two buckets: a shift by all 64 bits is not defined.
    let bits = (items.len() / PER_BUCKET)
        .next_power_of_two()
        .trailing_zeros()
        .max(1);
    let bucket = |item: &T| (hash(item) >> (64 - bits)) as usize;
    let mut start = vec![0usize; (1 << bits) + 1];
    for item in items.iter() {
        start[bucket(item) + 1] += 1;
    }
    for b in 0..1 << bits {
        start[b + 1] += start[b];
    }
    // Move every item into its bucket in place (American flag sort): no second
    // buffer, whose fresh pages would cost more than the moves.
    let mut next = start.clone();
    for b in 0..1 << bits {
        while next[b] < start[b + 1] {
            let mut item = items[next[b]];
            let mut home = bucket(&item);
            while home != b {
                std::mem::swap(&mut item, &mut items[next[home]]);
                next[home] += 1;
                home = bucket(&item);
            }
            items[next[b]] = item;
            next[b] += 1;
        }
    }

    // Share the buckets among the cores in contiguous stretches of about equal size.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut rest: &mut [T] = items;
    let mut done = 0;
    std::thread::scope(|scope| {
        for core in 1..=cores {
            let target = start[start.len() - 1] * core / cores;
            let end = start[start.partition_point(|&s| s < target).min(start.len() - 1)];
            let (mine, others) = std::mem::take(&mut rest).split_at_mut(end - done);
            let bounds: Vec<usize> = start
                .iter()
                .filter(|&&s| s >= done && s <= end)
                .map(|s| s - done)
                .collect();
            scope.spawn(move || {
                for pair in bounds.windows(2) {
                    mine[pair[0]..pair[1]].sort_unstable();
                }
            });
            rest = others;
            done = end;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::sort_by_hash;

    #[test]
    fn sorts_like_a_plain_sort() {
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            state
        };
        for n in [0, 1, 5, 20_000, 100_003] {
            // Few distinct hashes too, so that equal hashes order by what follows.
            let mut items: Vec<(u64, u32)> = (0..n)
                .map(|i| {
                    let h = next();
                    (
                        if i % 3 == 0 {
                            h
                        } else {
                            h & 0xF000_0000_0000_0000
                        },
                        i as u32,
                    )
                })
                .collect();
            let mut expected = items.clone();
            expected.sort();
            sort_by_hash(&mut items, |&(h, _)| h);
            assert_eq!(items, expected, "{n} items");
        }
    }
}
