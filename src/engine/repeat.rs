//! The repeat rule (`repeat = { person, within_days }`): whether a row's person
//! has another row, passing the measure's filter, on an earlier day at most
//! `within_days` before it. Found in one pass over the rows grouped by person
//! and sorted by day rather than by a self-join in SQL: at national volumes the
//! join (distinct person-days, a window, a join back) was most of a run's time
//! and memory.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DFSchema;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use std::sync::Arc;

use crate::common::bits::{present, true_rows};
use crate::definition::{Measure, REPEAT_COLUMN, RepeatRule};

/// For each of the rows, given in consecutive stretches (`stretches`, each a
/// maker of an iterator over its rows: the person and day, or `None` for a row
/// the rule does not look at), whether the same person has a row on an earlier
/// day at most `within_days` before. A row on the same day does not count.
///
/// People are told apart by a 128-bit hash of their identifier, so that the
/// rows need not be read again: at ten million people, the chance that two
/// share one is about 10^-25.
pub fn repeat_flags<'a, I>(
    stretches: &[impl Fn() -> I + Sync],
    within_days: u32,
    key: &PersonKey,
) -> Vec<bool>
where
    I: Iterator<Item = Option<(&'a str, i32)>>,
{
    flags_by(stretches, within_days, |person| key.hash(person))
}

/// The secret a person's identifier is hashed with, so that neither the
/// look-back nor what is kept of it holds identifiers, and no one can match
/// the kept hashes by hashing every ID of a known format: made at random for
/// an evaluation, or once per installation and kept (0600) with the kept work,
/// whose hashes must stay comparable from one evaluation to the next.
#[derive(Clone, Copy)]
pub struct PersonKey {
    seeds: [u64; 2],
}

/// The file of the kept work that holds its person key.
const KEY_FILE: &str = ".person-key";

impl PersonKey {
    pub fn random() -> PersonKey {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the system's random numbers");
        PersonKey::from_bytes(bytes)
    }

    /// The key kept in `dir`, made there if there is none yet.
    pub fn kept_in(dir: &std::path::Path) -> Result<PersonKey, crate::common::atomic::WriteError> {
        let path = dir.join(KEY_FILE);
        if let Ok(bytes) = std::fs::read(&path)
            && let Ok(bytes) = <[u8; 16]>::try_from(bytes.as_slice())
        {
            return Ok(PersonKey::from_bytes(bytes));
        }
        let key = PersonKey::random();
        crate::common::atomic::create_private_dir(dir)?;
        let bytes: Vec<u8> = key.seeds.iter().flat_map(|s| s.to_le_bytes()).collect();
        crate::common::atomic::write_file(&path, &bytes)?;
        Ok(key)
    }

    fn from_bytes(bytes: [u8; 16]) -> PersonKey {
        let half = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        PersonKey {
            seeds: [half(0), half(8)],
        }
    }

    /// A digest of the key that tells keys apart without giving them away.
    pub fn id(&self) -> String {
        let bytes: Vec<u8> = self.seeds.iter().flat_map(|s| s.to_le_bytes()).collect();
        crate::common::sha256_hex(&bytes)[..16].to_string()
    }

    /// A person's 128-bit hash: at ten million people, the chance that two
    /// share one is about 10^-25.
    pub fn hash(&self, person: &str) -> (u64, u64) {
        use std::hash::BuildHasher;
        let [a, b] = self.seeds;
        (
            foldhash::fast::FixedState::with_seed(a).hash_one(person),
            foldhash::fast::FixedState::with_seed(b).hash_one(person),
        )
    }
}

/// A row looked at: its person's hash (two halves), its day, and its place.
type Keyed = (u64, u64, i32, u32);

fn flags_by<'a, I>(
    stretches: &[impl Fn() -> I + Sync],
    within_days: u32,
    hash: impl Fn(&str) -> (u64, u64) + Sync,
) -> Vec<bool>
where
    I: Iterator<Item = Option<(&'a str, i32)>>,
{
    let (mut keyed, rows) = keyed_on_every_core(stretches, &hash);
    // Sorted, a person's rows lie together in order of day.
    crate::common::hash_sort::sort_by_hash(&mut keyed, |k| k.0);

    let mut flags = vec![false; rows];
    let within = i64::from(within_days);
    for one_person in keyed.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        // The latest day of this person's before the current row's day.
        let mut previous_day: Option<i32> = None;
        let mut current_day = one_person[0].2;
        for &(_, _, day, r) in one_person {
            if day != current_day {
                previous_day = Some(current_day);
                current_day = day;
            }
            flags[r as usize] =
                previous_day.is_some_and(|p| i64::from(day) - i64::from(p) <= within);
        }
    }
    flags
}

/// Every row looked at, keyed, and how many rows there are in all. The
/// stretches are counted first, so that each core writes the keys of its share
/// of them into its own part of one buffer made to size.
fn keyed_on_every_core<'a, I>(
    stretches: &[impl Fn() -> I + Sync],
    hash: &(impl Fn(&str) -> (u64, u64) + Sync),
) -> (Vec<Keyed>, usize)
where
    I: Iterator<Item = Option<(&'a str, i32)>>,
{
    // Each stretch's rows, and how many of them are looked at.
    let sizes: Vec<(usize, usize)> = stretches
        .iter()
        .map(|rows| {
            rows().fold((0, 0), |(n, k), row| {
                (n + 1, k + usize::from(row.is_some()))
            })
        })
        .collect();
    let total = |sizes: &[(usize, usize)]| {
        sizes
            .iter()
            .fold((0, 0), |(n, k), size| (n + size.0, k + size.1))
    };
    let (rows, looked_at) = total(&sizes);
    let mut keyed: Vec<Keyed> = vec![(0, 0, 0, 0); looked_at];
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        let (mut rest, mut first_row) = (keyed.as_mut_slice(), 0);
        for core in 0..cores {
            let mine = stretches.len() * core / cores..stretches.len() * (core + 1) / cores;
            let (my_rows, my_looked_at) = total(&sizes[mine.clone()]);
            let (slots, others) = std::mem::take(&mut rest).split_at_mut(my_looked_at);
            rest = others;
            let start = first_row;
            first_row += my_rows;
            scope.spawn(move || {
                let looked = stretches[mine]
                    .iter()
                    .flat_map(|rows| rows())
                    .enumerate()
                    .filter_map(|(i, row)| row.map(|(person, day)| (start + i, person, day)));
                for (slot, (row, person, day)) in slots.iter_mut().zip(looked) {
                    let (h1, h2) = hash(person);
                    *slot = (
                        h1,
                        h2,
                        day,
                        u32::try_from(row).expect("fewer than 2^32 rows"),
                    );
                }
            });
        }
    });
    (keyed, rows)
}

/// The rows a repeat rule looks at that the next rows may look back to: those
/// within the rule's days of the latest day seen. Kept between evaluations, so
/// that rows added later are flagged without the rows before them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LookBack {
    /// The latest day (since 1970) of any row the rule looked at.
    pub last_day: Option<i32>,
    /// The rows looked at from `last_day - within_days` on: each person's key
    /// (see [`PersonKey`]) and day, sorted.
    pub rows: Vec<(u64, u64, i32)>,
}

/// The source's batches with the `is_repeat` column added for `measure`: the
/// filter is evaluated by DataFusion on each batch, the look-back here. With
/// `earlier`, the batches are rows added after those it was kept from, and are
/// flagged against it too; `None` when a row the rule looks at is earlier than
/// the latest day kept, which may change the flags counted before. Also
/// returns the look-back to keep for rows added after these.
pub fn with_repeat_column(
    ctx: &SessionContext,
    key: &PersonKey,
    measure: &Measure,
    rule: &RepeatRule,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    earlier: Option<LookBack>,
) -> Result<Option<(SchemaRef, Vec<RecordBatch>, LookBack)>, DataFusionError> {
    let df_schema = DFSchema::try_from(schema.as_ref().clone())?;
    let filter = match &measure.filter {
        Some(sql) => {
            Some(ctx.create_physical_expr(ctx.parse_sql_expr(sql, &df_schema)?, &df_schema)?)
        }
        None => None,
    };
    let person_at = schema.index_of(&rule.person)?;
    let day_at = schema.index_of(&measure.date_column)?;

    // Per batch: who, on which day, and whether the row is looked at (it
    // passes the filter, with a person and a day); and the first and last day
    // looked at.
    let mut looked_at: Vec<(ArrayRef, ArrayRef, BooleanBuffer)> = Vec::new();
    let mut new_days: Option<(i32, i32)> = None;
    for batch in batches {
        let people = cast(batch.column(person_at), &DataType::Utf8)?;
        let days = cast(batch.column(day_at), &DataType::Date32)?;
        let mut counted = &present(&people) & &present(&days);
        if let Some(expr) = &filter {
            let passes = expr.evaluate(batch)?.into_array(batch.num_rows())?;
            counted = &counted & &true_rows(passes.as_boolean());
        }
        let day = days.as_primitive::<Date32Type>();
        for i in counted.set_indices() {
            let d = day.value(i);
            new_days = Some(new_days.map_or((d, d), |(lo, hi)| (lo.min(d), hi.max(d))));
        }
        looked_at.push((people, days, counted));
    }
    let stretches: Vec<_> = looked_at
        .iter()
        .map(|(people, days, counted)| {
            move || {
                let people = people.as_string::<i32>();
                let days = days.as_primitive::<Date32Type>();
                (0..people.len())
                    .map(move |i| counted.value(i).then(|| (people.value(i), days.value(i))))
            }
        })
        .collect();
    let kept = earlier.unwrap_or_default();
    // A new row earlier than a kept one could make that kept row a repeat.
    if let (Some(kept_last), Some((first_new, _))) = (kept.last_day, new_days)
        && first_new < kept_last
    {
        return Ok(None);
    }

    // A row is a repeat when the person has an earlier row among these rows or
    // among those kept.
    let within = i64::from(rule.within_days);
    let mut flags = repeat_flags(&stretches, rule.within_days, key);
    let last_day = kept.last_day.max(new_days.map(|d| d.1));
    let from = last_day.map_or(i64::MAX, |last| i64::from(last) - within);
    // The rows' keys, sorted: all of them when there are kept rows to look
    // back to, else only those the next rows may look back to.
    let mut keyed: Vec<(u64, u64, i32, usize)> = Vec::new();
    let mut first_row = 0;
    for (people, days, counted) in &looked_at {
        let (people, days) = (people.as_string::<i32>(), days.as_primitive::<Date32Type>());
        for i in 0..people.len() {
            let day = days.value(i);
            if counted.value(i) && (!kept.rows.is_empty() || i64::from(day) >= from) {
                let (h1, h2) = key.hash(people.value(i));
                keyed.push((h1, h2, day, first_row + i));
            }
        }
        first_row += people.len();
    }
    keyed.sort_unstable();
    // Both sorted by person and day: one walk finds each row's latest kept
    // row of the same person on an earlier day.
    let mut at = 0;
    for &(h1, h2, day, row) in &keyed {
        while kept.rows.get(at).is_some_and(|&r| r < (h1, h2, day)) {
            at += 1;
        }
        if let Some(&(k1, k2, latest)) = at.checked_sub(1).map(|i| &kept.rows[i])
            && (k1, k2) == (h1, h2)
            && i64::from(day) - i64::from(latest) <= within
        {
            flags[row] = true;
        }
    }
    let mut rows = kept.rows;
    merge_into(&mut rows, &keyed, |&(h1, h2, day, _)| (h1, h2, day));
    rows.retain(|&(_, _, day)| i64::from(day) >= from);
    let look_back = LookBack { last_day, rows };

    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(REPEAT_COLUMN, DataType::Boolean, false));
    let with_flag = Arc::new(Schema::new(fields));
    let mut offset = 0;
    let mut out = Vec::with_capacity(batches.len());
    for batch in batches {
        let n = batch.num_rows();
        let flag: ArrayRef = Arc::new(BooleanArray::new(
            BooleanBuffer::collect_bool(n, |i| flags[offset + i]),
            None,
        ));
        offset += n;
        let mut columns = batch.columns().to_vec();
        columns.push(flag);
        out.push(RecordBatch::try_new(with_flag.clone(), columns)?);
    }
    Ok(Some((with_flag, out, look_back)))
}

/// Merges `new` (sorted by `row`) into the sorted `rows`, in place from the
/// back, so that the look-back, far larger than a month's rows, is not copied.
/// On ties the kept row comes first.
fn merge_into<T: Ord + Copy + Default, N>(rows: &mut Vec<T>, new: &[N], row: impl Fn(&N) -> T) {
    let mut kept = rows.len();
    rows.resize(kept + new.len(), T::default());
    let mut fresh = new.len();
    for at in (0..rows.len()).rev() {
        if fresh == 0 {
            break;
        }
        let newest = row(&new[fresh - 1]);
        if kept > 0 && rows[kept - 1] > newest {
            rows[at] = rows[kept - 1];
            kept -= 1;
        } else {
            rows[at] = newest;
            fresh -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PersonKey, flags_by, merge_into, repeat_flags};

    /// The rule as written in the spec, row against every other row.
    fn by_definition(rows: &[Option<(&str, i32)>], within: i32) -> Vec<bool> {
        rows.iter()
            .map(|row| {
                let Some((person, day)) = row else {
                    return false;
                };
                rows.iter().flatten().any(|(other, earlier)| {
                    other == person && day - within <= *earlier && earlier < day
                })
            })
            .collect()
    }

    #[test]
    fn same_day_rows_do_not_count_and_the_look_back_includes_its_last_day() {
        let rows = [
            Some(("a", 100)),
            Some(("a", 100)), // same day as the first: not a repeat
            Some(("a", 465)), // 365 days after: a repeat
            Some(("a", 831)), // 366 days after the last: not
            Some(("b", 465)),
            None,
            Some(("b", 466)),
        ];
        let flags = repeat_flags(&[|| rows.iter().copied()], 365, &PersonKey::random());
        assert_eq!(flags, vec![false, false, true, false, false, false, true]);
        assert_eq!(flags, by_definition(&rows, 365));
    }

    #[test]
    fn agrees_with_the_definition_on_many_people_in_any_order() {
        // A deterministic scatter of people and days, unsorted, with gaps and ties.
        let names: Vec<String> = (0..40).map(|i| format!("v{i}")).collect();
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as i32
        };
        let rows: Vec<Option<(&str, i32)>> = (0..2000)
            .map(|_| {
                let r = next();
                (r % 11 != 0).then(|| (names[(r % 40) as usize].as_str(), next() % 1500))
            })
            .collect();
        // The rows whole, and in uneven stretches shared among the cores.
        let whole = [(0, rows.len())];
        let cut = [(0, 1), (1, 700), (700, 701), (701, 1999), (1999, 2000)];
        for within in [0, 1, 30, 365] {
            let expected = by_definition(&rows, within);
            for ranges in [&whole[..], &cut[..]] {
                let stretches: Vec<_> = ranges
                    .iter()
                    .map(|&(from, to)| {
                        let stretch = &rows[from..to];
                        move || stretch.iter().copied()
                    })
                    .collect();
                assert_eq!(
                    repeat_flags(&stretches, within as u32, &PersonKey::random()),
                    expected,
                    "within {within} days, {} stretches",
                    ranges.len()
                );
                // People whose leading hashes all fall in one bucket, told apart by the second.
                let colliding = |person: &str| {
                    let second = person.bytes().fold(0u64, |h, b| h * 131 + u64::from(b));
                    ((person.len() as u64) << 60, second)
                };
                assert_eq!(
                    flags_by(&stretches, within as u32, colliding),
                    expected,
                    "within {within} days, colliding hashes, {} stretches",
                    ranges.len()
                );
            }
        }
    }

    #[test]
    fn merging_in_place_equals_sorting_both_together() {
        // Deterministic scatters with ties, against each other and within each.
        let scatter = |n: u64, step: u64| -> Vec<u64> { (0..n).map(|i| i * step % 97).collect() };
        for (kept, new) in [
            (scatter(200, 31), scatter(50, 7)),
            (vec![], scatter(10, 3)),
            (scatter(10, 3), vec![]),
            (vec![5, 5, 9], vec![1, 5, 100]),
        ] {
            let (mut kept, mut new) = (kept, new);
            kept.sort_unstable();
            new.sort_unstable();
            let mut expected = [kept.clone(), new.clone()].concat();
            expected.sort_unstable();
            let pairs: Vec<(u64, ())> = new.iter().map(|&n| (n, ())).collect();
            merge_into(&mut kept, &pairs, |&(n, ())| n);
            assert_eq!(kept, expected);
        }
    }
}
