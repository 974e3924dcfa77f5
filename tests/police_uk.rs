//! police.uk street-level files as a source, on the real Cambridgeshire files
//! in `../shared/data/real` (skipped, with a message, where that folder is
//! absent). Figures are checked against a count over the raw rows written here,
//! and against the published facts in SOURCES.md.

use mos::results::ResultRow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FILES: [(&str, &str); 2] = [
    ("2019-08", "2019-08-cambridgeshire-street.csv"),
    ("2021-01", "2021-01-cambridgeshire-street.csv"),
];
const SIX: [&str; 6] = [
    "cambridge",
    "east_cambridgeshire",
    "fenland",
    "huntingdonshire",
    "peterborough",
    "south_cambridgeshire",
];
const CHARGED: [&str; 15] = [
    "Awaiting court outcome",
    "Court result unavailable",
    "Court case unable to proceed",
    "Defendant found not guilty",
    "Defendant sent to Crown Court",
    "Offender given absolute discharge",
    "Offender given conditional discharge",
    "Offender fined",
    "Offender given community sentence",
    "Offender given suspended prison sentence",
    "Offender otherwise dealt with",
    "Offender sent to prison",
    "Offender deprived of property",
    "Offender ordered to pay compensation",
    "Suspect charged as part of another case",
];

fn real_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real");
    let present = FILES.iter().all(|(_, f)| dir.join(f).is_file());
    if !present {
        eprintln!(
            "skipped: the real police.uk files are not in {}",
            dir.display()
        );
    }
    present.then_some(dir)
}

/// The police.uk download's layout: one folder per month; and a population table.
fn lay_out(real: &Path, dir: &Path) {
    for (month, file) in FILES {
        std::fs::create_dir_all(dir.join(month)).unwrap();
        std::fs::copy(real.join(file), dir.join(month).join(file)).unwrap();
    }
    let mut population = String::from("district,year,population\n");
    for year in 2019..=2021 {
        for (i, d) in SIX.iter().enumerate() {
            population += &format!(
                "{d},{year},{}\n",
                90_000 + 25_000 * i + 1_000 * (year - 2019) as usize
            );
        }
    }
    std::fs::write(dir.join("population.csv"), population).unwrap();
}

fn normalise(text: &str) -> String {
    text.trim().to_lowercase().replace([' ', '-'], "_")
}

fn district(lsoa_name: &str) -> String {
    match lsoa_name.trim().rsplit_once(' ') {
        _ if lsoa_name.trim().is_empty() => "unknown_location".into(),
        Some((area, code)) if code.chars().any(|c| c.is_ascii_digit()) => normalise(area),
        _ => normalise(lsoa_name),
    }
}

#[derive(Default)]
struct MonthCounts {
    crimes: u64,
    asb: u64,
    charged: u64,
    by_type: BTreeMap<String, u64>,
    by_district: BTreeMap<String, u64>,
    asb_by_district: BTreeMap<String, u64>,
    violence_by_district: BTreeMap<String, u64>,
    six_by_district: BTreeMap<String, u64>,
}

/// Counts over the raw rows, month by month ("2019-08" → counts).
fn raw_counts(real: &Path) -> BTreeMap<String, MonthCounts> {
    let mut out = BTreeMap::new();
    for (month, file) in FILES {
        let mut counts = MonthCounts::default();
        let mut reader = csv::Reader::from_path(real.join(file)).unwrap();
        for row in reader.records() {
            let row = row.unwrap();
            let (id, lsoa, kind, outcome) = (&row[0], &row[8], &row[9], &row[10]);
            let d = district(lsoa);
            if id.trim().is_empty() {
                counts.asb += 1;
                *counts.asb_by_district.entry(d).or_default() += 1;
                continue;
            }
            counts.crimes += 1;
            counts.charged += u64::from(CHARGED.contains(&outcome));
            *counts.by_type.entry(normalise(kind)).or_default() += 1;
            if kind == "Violence and sexual offences" {
                *counts.violence_by_district.entry(d.clone()).or_default() += 1;
            }
            if SIX.contains(&d.as_str()) {
                *counts.six_by_district.entry(d.clone()).or_default() += 1;
            }
            *counts.by_district.entry(d).or_default() += 1;
        }
        out.insert(month.to_string(), counts);
    }
    out
}

fn evaluate(dir: &Path) -> Vec<ResultRow> {
    let measures = mos::pipeline::load_measures(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("measures/police_uk"),
    )
    .unwrap();
    assert_eq!(measures.measures.len(), 5);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (evaluation, _) = runtime
        .block_on(mos::pipeline::evaluate(&measures, dir, None, &|_| {}))
        .unwrap();
    assert!(evaluation.warnings.is_empty(), "{:?}", evaluation.warnings);
    mos::results::rows(&evaluation.results)
}

fn find<'a>(
    rows: &'a [ResultRow],
    measure: &str,
    breakdown: &str,
    group: &str,
    start: &str,
) -> &'a ResultRow {
    rows.iter()
        .find(|r| {
            r.measure_id == measure
                && r.breakdown == breakdown
                && r.group == group
                && r.period_start == start
        })
        .unwrap_or_else(|| panic!("no point {measure} {breakdown} {group} {start}"))
}

#[test]
fn counts_on_real_police_uk_files_match_the_raw_rows() {
    let Some(real) = real_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    lay_out(&real, dir.path());
    let rows = evaluate(dir.path());
    let raw = raw_counts(&real);

    // The published facts (SOURCES.md), then every count against the raw rows.
    assert_eq!(raw["2019-08"].crimes, 5822);
    assert_eq!(raw["2019-08"].asb, 1541);
    assert_eq!(raw["2021-01"].crimes, 4317);
    assert_eq!(raw["2021-01"].by_type["violence_and_sexual_offences"], 1972);
    for (month, counts) in &raw {
        let start = format!("{month}-01");
        assert_eq!(
            find(&rows, "police_uk_crimes", "", "", &start).numerator,
            Some(counts.crimes),
            "{month}"
        );
        assert_eq!(
            find(&rows, "police_uk_asb", "", "", &start).numerator,
            Some(counts.asb),
            "{month}"
        );
        for (kind, n) in &counts.by_type {
            assert_eq!(
                find(&rows, "police_uk_crimes", "crime_type", kind, &start).numerator,
                Some(*n),
                "{month} {kind}"
            );
        }
        for (d, n) in &counts.by_district {
            assert_eq!(
                find(&rows, "police_uk_crimes", "district", d, &start).numerator,
                Some(*n),
                "{month} {d}"
            );
        }
        for (d, n) in &counts.asb_by_district {
            assert_eq!(
                find(&rows, "police_uk_asb", "district", d, &start).numerator,
                Some(*n),
                "{month} {d}"
            );
        }
        for (d, n) in &counts.violence_by_district {
            assert_eq!(
                find(
                    &rows,
                    "police_uk_violence_and_sexual_offences",
                    "district",
                    d,
                    &start
                )
                .numerator,
                Some(*n),
                "{month} {d}"
            );
        }
    }
    // Months between the two files were not published: no figures (not zeros), and not "suppressed".
    let gap = find(&rows, "police_uk_crimes", "", "", "2020-03-01");
    assert_eq!(
        (gap.numerator, gap.value, gap.suppressed),
        (None, None, false)
    );
    assert_eq!(
        find(
            &rows,
            "police_uk_crimes",
            "district",
            "fenland",
            "2020-03-01"
        )
        .numerator,
        None
    );
    // Rows with no location are kept as their own group.
    assert!(raw["2019-08"].by_district["unknown_location"] > 0);
    // SPC is computed over the published months only: the mean of the two totals.
    let mean = (raw["2019-08"].crimes + raw["2021-01"].crimes) as f64 / 2.0;
    assert!(
        (find(&rows, "police_uk_crimes", "", "", "2019-08-01")
            .spc_mean
            .unwrap()
            - mean)
            .abs()
            < 1e-9
    );
    // The Wilson interval from SOURCES.md's check value is what the engine uses for proportions.
    let interval = mos::stats::wilson_interval(32, 81).unwrap();
    assert!((interval.lower - 0.295681).abs() < 5e-7 && (interval.upper - 0.503945).abs() < 5e-7);
}

/// Twelve published months from the real rows: August 2019's rows re-stamped as
/// each month from February to December 2020, then January 2021 as published.
#[test]
fn rolling_measures_on_a_year_of_real_rows() {
    let Some(real) = real_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    lay_out(&real, dir.path());
    std::fs::remove_dir_all(dir.path().join("2019-08")).unwrap();
    let august = std::fs::read_to_string(real.join(FILES[0].1)).unwrap();
    for m in 2..=12 {
        let month = format!("2020-{m:02}");
        std::fs::create_dir_all(dir.path().join(&month)).unwrap();
        let restamped = august.replace(",2019-08,", &format!(",{month},"));
        std::fs::write(
            dir.path()
                .join(&month)
                .join(format!("{month}-cambridgeshire-street.csv")),
            restamped,
        )
        .unwrap();
    }
    let rows = evaluate(dir.path());
    let raw = raw_counts(&real);
    let (aug, jan) = (&raw["2019-08"], &raw["2021-01"]);
    let share = rows
        .iter()
        .find(|r| r.measure_id == "police_uk_charged_share" && r.period_end == "2021-01-31")
        .unwrap();
    assert_eq!(share.period_start, "2020-02-01");
    assert_eq!(share.numerator, Some(11 * aug.charged + jan.charged));
    assert_eq!(share.denominator, Some(11 * aug.crimes + jan.crimes));
    let in_six = |c: &MonthCounts| c.six_by_district.values().sum::<u64>();
    let rate = rows
        .iter()
        .find(|r| {
            r.measure_id == "police_uk_crime_rate"
                && r.breakdown.is_empty()
                && r.period_end == "2021-01-31"
        })
        .unwrap();
    let people: usize = (0..6).map(|i| 90_000 + 25_000 * i + 2_000).sum();
    let events = 11 * in_six(aug) + in_six(jan);
    assert_eq!(
        (rate.numerator, rate.denominator),
        (Some(events), Some(people as u64))
    );
    assert!((rate.value.unwrap() - 1000.0 * events as f64 / people as f64).abs() < 1e-9);
    let fenland = rows
        .iter()
        .find(|r| {
            r.measure_id == "police_uk_crime_rate"
                && r.group == "fenland"
                && r.period_end == "2021-01-31"
        })
        .unwrap();
    assert_eq!(
        fenland.numerator,
        Some(11 * aug.six_by_district["fenland"] + jan.six_by_district["fenland"])
    );
}

#[test]
fn a_police_uk_file_without_its_columns_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("2024-01-somewhere-street.csv"),
        "Crime ID,Month,Reported by\nx,2024-01,Force\n",
    )
    .unwrap();
    let err = mos::ingest::load_extracts(dir.path(), &["police_uk"], None)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("`Falls within` is missing"),
        "{err}"
    );
}
