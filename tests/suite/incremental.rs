//! An evaluation that goes on from the work kept by the one before must give
//! exactly what a full evaluation of the same files gives: figures, rejects
//! (with their lines) and provenance. Whenever the kept work no longer holds
//! (an earlier row changed, a new row repeats a kept unique value or reaches
//! back before a kept look-back), the evaluation must be full.

use crate::common;

use mos::pipeline::Evaluation;
use std::path::{Path, PathBuf};

fn measures() -> mos::definition::MeasureSet {
    mos::pipeline::load_measures(&Path::new(env!("CARGO_MANIFEST_DIR")).join("measures"))
        .expect("reference measures are valid")
}

/// Evaluates `data`, keeping work in (and going on from) `kept` when given.
fn evaluate(data: &Path, kept: Option<&Path>) -> (Evaluation, Vec<mos::ingest::Reject>) {
    let (evaluation, extracts) =
        common::evaluate(&measures(), data, kept).expect("evaluation succeeds");
    let rejects = extracts.into_iter().flat_map(|e| e.rejects).collect();
    (evaluation, rejects)
}

/// Everything a reader sees of an evaluation: figures, rejects, provenance.
fn seen(evaluation: &Evaluation, rejects: &[mos::ingest::Reject]) -> Vec<String> {
    let rows = mos::results::rows(&evaluation.results);
    let rows = rows.iter().map(|r| format!("{r:?}"));
    // A t or g chart's every event, which the rows do not carry.
    let events = evaluation
        .results
        .iter()
        .filter_map(|r| r.events.as_ref().map(|e| format!("{} {e:?}", r.measure.id)));
    let rejects = rejects.iter().map(|r| format!("{r:?}"));
    let extracts = evaluation
        .extracts
        .iter()
        .map(|e| serde_json::to_string(e).unwrap());
    rows.chain(events).chain(rejects).chain(extracts).collect()
}

/// Asserts two evaluations are seen alike, naming the first difference.
fn assert_seen_alike(left: &[String], right: &[String]) {
    let first = left.iter().zip(right).position(|(a, b)| a != b);
    if let Some(i) = first {
        panic!("line {i} differs:\n  {}\n  {}", left[i], right[i]);
    }
    assert_eq!(left.len(), right.len());
}

/// Demo extracts with their last month taken off each file with a period
/// column; returns the folder and, per file, the bytes taken off (a month of
/// rows, to append).
fn demo_without_last_month(scale: f64) -> (tempfile::TempDir, Vec<(PathBuf, Vec<u8>)>) {
    let dir = tempfile::tempdir().unwrap();
    let options = mos::demo::DemoOptions {
        scale,
        years: 3,
        ..Default::default()
    };
    mos::demo::generate(dir.path(), &options).unwrap();
    let mut months = Vec::new();
    for contract in &mos::ingest::Declarations::shipped().sources {
        let (Some(period), path) = (
            contract.period_column,
            dir.path().join(format!("{}.csv", contract.name)),
        ) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let header = text.lines().next().unwrap();
        // The period column as the file names it (police.uk's own names).
        let named = contract
            .reading
            .columns
            .get(period)
            .map_or(period, String::as_str);
        let at = header.split(',').position(|c| c == named).unwrap();
        let month_of = |line: &str| line.split(',').nth(at).unwrap()[..7].to_string();
        let last = text.lines().skip(1).map(month_of).max().unwrap();
        let cut = text
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .find(|&i| i < text.len() && month_of(&text[i..]) == last)
            .unwrap();
        assert!(
            text[cut..].lines().all(|l| month_of(l) == last),
            "{}: the generator writes rows in date order",
            contract.name
        );
        std::fs::write(&path, &text[..cut]).unwrap();
        months.push((path, text.as_bytes()[cut..].to_vec()));
    }
    assert!(months.len() >= 5, "every extract has a month taken off");
    (dir, months)
}

/// The monthly load: demo extracts without their last month evaluated, keeping
/// work, then the month appended to each file. Returns the data and kept work.
fn evaluated_then_month_appended(scale: f64) -> (tempfile::TempDir, tempfile::TempDir) {
    let (data, months) = demo_without_last_month(scale);
    let kept = tempfile::tempdir().unwrap();
    evaluate(data.path(), Some(kept.path()));
    append_all(&months);
    (data, kept)
}

fn append(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(bytes).unwrap();
}

fn append_all(months: &[(PathBuf, Vec<u8>)]) {
    for (path, bytes) in months {
        append(path, bytes);
    }
}

/// Evaluates the data as it is now in full (no kept work) and from `kept`,
/// asserts both are seen alike, and returns whether the kept work was used.
fn same_as_full(data: &Path, kept: &Path) -> bool {
    rows_appended_read(data, kept).is_some()
}

/// As `same_as_full`, with the rows the evaluation said were appended, when
/// it went on from the kept work.
fn rows_appended_read(data: &Path, kept: &Path) -> Option<u64> {
    let (full, full_rejects) = evaluate(data, None);
    let (brought, rejects) = evaluate(data, Some(kept));
    assert!(!full.from_kept_work);
    assert_seen_alike(&seen(&brought, &rejects), &seen(&full, &full_rejects));
    brought.from_kept_work.then_some(brought.rows_appended)
}

fn crimes(dir: &Path) -> PathBuf {
    dir.join("crimes.csv")
}

#[test]
fn a_month_appended_is_counted_alone_and_gives_the_full_figures() {
    let (data, months) = demo_without_last_month(0.1);
    let kept = tempfile::tempdir().unwrap();
    let (first, _) = evaluate(data.path(), Some(kept.path()));
    assert!(!first.from_kept_work, "nothing was kept before");

    append_all(&months);
    // Counted in the test: a line of the appended bytes is a row.
    let lines: usize = months
        .iter()
        .map(|(_, bytes)| bytes.iter().filter(|b| **b == b'\n').count())
        .sum();
    assert_eq!(
        rows_appended_read(data.path(), kept.path()),
        Some(lines as u64),
        "only the month appended is read"
    );
    // And again with nothing appended: the kept work of the last evaluation
    // holds, and says nothing was appended.
    assert_eq!(rows_appended_read(data.path(), kept.path()), Some(0));
}

/// Makes the victim of the first crime at or after byte `from` with an adult
/// victim (aged 18 to 99) ten years old: the same length, another figure.
fn make_a_victim_young_after(data: &Path, from: usize) {
    let mut text = std::fs::read_to_string(crimes(data)).unwrap();
    let mut row_start = from + text[from - 1..].find('\n').unwrap();
    loop {
        let row_end = row_start + text[row_start..].find('\n').unwrap();
        let row = &text[row_start..row_end];
        // victim_age is the sixth column.
        let age_at = row_start + row.match_indices(',').nth(4).unwrap().0 + 1;
        let age = row.split(',').nth(5).unwrap();
        if age.len() == 2 && age.parse::<u32>().is_ok_and(|a| a >= 18) {
            text.replace_range(age_at..age_at + 2, "10");
            break;
        }
        row_start = row_end + 1;
    }
    std::fs::write(crimes(data), text).unwrap();
}

#[test]
fn an_earlier_row_changed_means_a_full_evaluation() {
    let (data, kept) = evaluated_then_month_appended(0.1);
    // Near the start: the first look at the file's ends sees it.
    let header_end = std::fs::read_to_string(crimes(data.path()))
        .unwrap()
        .find('\n')
        .unwrap();
    make_a_victim_young_after(data.path(), header_end + 2);
    assert!(!same_as_full(data.path(), kept.path()));
}

#[test]
fn a_row_changed_in_the_middle_of_a_long_file_means_a_full_evaluation() {
    // Long enough that the row's MiB is neither the first nor the last: only
    // the whole check, beside the counting of the appended rows, sees it.
    let (data, kept) = evaluated_then_month_appended(0.2);
    // Its marked part, a month (well under a MiB) shorter, is then over 2 MiB.
    let bytes = std::fs::metadata(crimes(data.path())).unwrap().len();
    assert!(bytes > 3 << 20, "crimes.csv is {bytes} bytes");
    make_a_victim_young_after(data.path(), (3 << 20) / 2);
    assert!(!same_as_full(data.path(), kept.path()));
}

#[test]
fn a_new_row_repeating_a_kept_unique_value_means_a_full_evaluation() {
    let (data, kept) = evaluated_then_month_appended(0.1);
    // The first crime sent again: only a full read can say on which line it was first.
    let text = std::fs::read_to_string(crimes(data.path())).unwrap();
    let first_row = text.lines().nth(1).unwrap();
    append(&crimes(data.path()), format!("{first_row}\n").as_bytes());
    assert!(!same_as_full(data.path(), kept.path()));
    let (_, rejects) = evaluate(data.path(), None);
    assert!(
        rejects
            .iter()
            .any(|r| r.rule.contains("the same value is on line 2")),
        "{rejects:?}"
    );
}

#[test]
fn a_new_row_dated_before_the_kept_look_back_means_a_full_evaluation() {
    let (data, kept) = evaluated_then_month_appended(0.1);
    // A crime recorded late, dated a month before the kept rows end, against a
    // victim with another crime: it could make a kept row a repeat.
    let text = std::fs::read_to_string(crimes(data.path())).unwrap();
    let row = text
        .lines()
        .rev()
        .find(|l| !l.split(',').nth(4).unwrap().is_empty())
        .unwrap();
    let mut fields: Vec<String> = row.split(',').map(str::to_string).collect();
    let date = chrono::NaiveDate::parse_from_str(&fields[1], "%Y-%m-%d").unwrap();
    fields[0] = "CR99999999".into();
    fields[1] = (date - chrono::Days::new(45)).to_string();
    fields[9] = String::new(); // no outcome date, which may not precede the recorded date
    fields[8] = String::new();
    append(
        &crimes(data.path()),
        format!("{}\n", fields.join(",")).as_bytes(),
    );
    assert!(!same_as_full(data.path(), kept.path()));
}

#[test]
fn bad_rows_appended_are_rejected_on_their_lines_in_the_file() {
    let (data, kept) = evaluated_then_month_appended(0.1);
    let lines = std::fs::read_to_string(crimes(data.path()))
        .unwrap()
        .lines()
        .count();
    append(
        &crimes(data.path()),
        b"CR99999998,2099-13-01,burglary,fenland,,,false,false,,\nnot,enough,fields\n",
    );
    assert!(same_as_full(data.path(), kept.path()));
    let (_, rejects) = evaluate(data.path(), Some(kept.path()));
    let lines_rejected: Vec<u64> = rejects
        .iter()
        .filter(|r| r.file.ends_with("crimes.csv"))
        .map(|r| r.line)
        .collect();
    let expected = [lines as u64 + 1, lines as u64 + 2];
    assert!(
        expected.iter().all(|l| lines_rejected.contains(l)),
        "{lines_rejected:?} has lines {expected:?}"
    );
}
