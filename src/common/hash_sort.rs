//! Sorting records that lead with a hash (the repeat look-back's rows keyed by
//! person): the records are moved into buckets by the hash's top bits (and a
//! bucket into smaller ones by the next bits, while it is too big), then each
//! bucket, small enough to stay in cache, is sorted on its own, with the
//! buckets shared among the cores. At millions of rows this is several times
//! quicker than one sort over the whole, and needs no hash table.

/// Items few enough to sort whole: they stay in cache.
const PER_BUCKET: usize = 16 * 1024;
/// The most bits of the hash one pass splits on. The 256 buckets being filled
/// at once stay in cache and in the TLB; with thousands (tens of millions of
/// rows), every move misses both.
const MAX_BITS: u32 = 8;

/// Sorts `items` ascending. `hash` must give the item's leading sort key, a hash
/// spread evenly over `u64`: the buckets are ranges of it, in order.
pub fn sort_by_hash<T, H>(items: &mut [T], hash: H)
where
    T: Copy + Ord + Send,
    H: Fn(&T) -> u64 + Sync,
{
    if items.len() <= PER_BUCKET {
        items.sort_unstable();
        return;
    }
    let (start, bits) = into_buckets(items, &hash, 0);

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
            let hash = &hash;
            scope.spawn(move || {
                for pair in bounds.windows(2) {
                    sort_bucket(&mut mine[pair[0]..pair[1]], hash, bits);
                }
            });
            rest = others;
            done = end;
        }
    });
}

/// Sorts items whose hashes agree in their first `used` bits: split again on the
/// next bits while there are too many to sort whole.
fn sort_bucket<T: Copy + Ord>(items: &mut [T], hash: &impl Fn(&T) -> u64, used: u32) {
    if items.len() <= PER_BUCKET || used >= 64 {
        items.sort_unstable();
        return;
    }
    let (start, bits) = into_buckets(items, hash, used);
    for pair in start.windows(2) {
        sort_bucket(&mut items[pair[0]..pair[1]], hash, used + bits);
    }
}

/// Moves every item into its bucket by the hash's bits after the first `used`
/// (`used` < 64), in place (American flag sort: no second buffer, whose fresh
/// pages would cost more than the moves). Returns where each bucket starts, with
/// the end last, and how many bits it split on.
fn into_buckets<T: Copy>(
    items: &mut [T],
    hash: &impl Fn(&T) -> u64,
    used: u32,
) -> (Vec<usize>, u32) {
    // At least one bit: a shift by all 64 is not defined.
    let bits = (items.len() / PER_BUCKET)
        .next_power_of_two()
        .trailing_zeros()
        .clamp(1, MAX_BITS)
        .min(64 - used);
    let bucket = |item: &T| ((hash(item) << used) >> (64 - bits)) as usize;
    let mut start = vec![0usize; (1 << bits) + 1];
    for item in items.iter() {
        start[bucket(item) + 1] += 1;
    }
    for b in 0..1 << bits {
        start[b + 1] += start[b];
    }
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
    (start, bits)
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
        for n in [0, 1, 5, 20_000, 100_003, 300_000] {
            // Few distinct hashes too, so that equal hashes order by what follows,
            // and so many share one that their buckets are split again.
            let mut items: Vec<(u64, u32)> = (0..n)
                .map(|i| {
                    let h = next();
                    (
                        if i % 3 == 0 {
                            h
                        } else {
                            h & 0xC000_0000_0000_0000
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
