//! police.uk street-level files as a source, on the real Cambridgeshire files
//! in `../shared/data/real` (skipped, with a message, where that folder is
//! absent). Figures are checked against a count over the raw rows written here,
//! and against the published facts in SOURCES.md.

use crate::common;

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

/// The police.uk measures on `dir`; `left_out` names the one measure whose
/// reference table (population, or peer groups) the folder lacks, if any.
fn evaluate(dir: &Path, left_out: Option<&str>) -> Vec<ResultRow> {
    let measures = mos::pipeline::load_measures(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("measures/police_uk"),
    )
    .unwrap();
    // The police.uk measures, and the People's Priorities read with every set.
    assert_eq!(
        measures
            .measures
            .iter()
            .filter(|m| m.priority.is_none())
            .count(),
        6
    );
    let (evaluation, _) = common::evaluate(&measures, dir, None).unwrap();
    match left_out {
        Some(left_out) => {
            assert_eq!(evaluation.warnings.len(), 1, "{:?}", evaluation.warnings);
            assert!(
                evaluation.warnings[0].contains(&format!("left out ({left_out})")),
                "{:?}",
                evaluation.warnings
            );
        }
        None => assert!(evaluation.warnings.is_empty(), "{:?}", evaluation.warnings),
    }
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
    let rows = evaluate(dir.path(), Some("police_uk_crime_rate_peers"));
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
    let rows = evaluate(dir.path(), Some("police_uk_crime_rate_peers"));
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
    let shipped = mos::ingest::Declarations::shipped();
    let police_uk = shipped.source("police_uk").unwrap();
    let err = mos::ingest::load_extracts(dir.path(), &[police_uk], &shipped.sources, None)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("`Falls within` is missing"),
        "{err}"
    );
}

/// The generator's family of forces: each force's rate, and the group's pooled
/// rate, agree with a count over the raw street files and the population file
/// read here; the force is called above, below or in line with the group by
/// whether its interval excludes the group's rate.
#[test]
fn a_force_is_compared_with_its_most_similar_group() {
    let dir = tempfile::tempdir().unwrap();
    let options = mos::demo::DemoOptions {
        seed: 11,
        years: 2,
        scale: 0.03,
        ..Default::default()
    };
    let family = dir.path().join("police_uk");
    mos::demo::forces::generate(&family, &options).unwrap();

    // Crimes (not ASB) by force and month, read from the files.
    let mut crimes: BTreeMap<(String, String), u64> = BTreeMap::new();
    for month_dir in std::fs::read_dir(&family).unwrap() {
        let month_dir = month_dir.unwrap().path();
        if !month_dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&month_dir).unwrap() {
            let mut reader = csv::Reader::from_path(file.unwrap().path()).unwrap();
            for row in reader.records() {
                let row = row.unwrap();
                if !row[0].trim().is_empty() {
                    *crimes
                        .entry((row[3].to_string(), row[1].to_string()))
                        .or_default() += 1;
                }
            }
        }
    }
    let mut population: BTreeMap<(String, i32), u64> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(family.join("force_population.csv")).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        population.insert(
            (row[0].to_string(), row[1].parse().unwrap()),
            row[2].parse().unwrap(),
        );
    }
    let months: Vec<String> = crimes
        .keys()
        .map(|(_, m)| m.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let home = "Cambridgeshire Constabulary";
    let peers: Vec<&str> = mos::demo::forces::FORCES[1..]
        .iter()
        .map(|(f, _, _)| *f)
        .collect();

    let rows = evaluate(&family, None);
    let measure: Vec<&ResultRow> = rows
        .iter()
        .filter(|r| r.measure_id == "police_uk_crime_rate_peers")
        .collect();
    // A rolling twelve months to each month of files from the twelfth on.
    assert!(months.len() > 12, "{} months of files", months.len());
    let windows: Vec<&[String]> = months.windows(12).collect();
    assert_eq!(
        measure.iter().filter(|r| r.breakdown.is_empty()).count(),
        windows.len()
    );
    for window in &windows {
        let end = &window[11];
        let year: i32 = end[..4].parse().unwrap();
        let count = |force: &str| -> u64 {
            window
                .iter()
                .map(|m| {
                    crimes
                        .get(&(force.to_string(), m.clone()))
                        .copied()
                        .unwrap_or(0)
                })
                .sum()
        };
        let row = |breakdown: &str, group: &str| {
            measure
                .iter()
                .find(|r| {
                    r.breakdown == breakdown
                        && r.group == group
                        && r.period_end.starts_with(end.as_str())
                })
                .unwrap_or_else(|| panic!("{breakdown} {group} {end}"))
        };
        let own = row("", "");
        assert_eq!(own.numerator, Some(count(home)), "{end}");
        let rate = 1000.0 * count(home) as f64 / population[&(home.to_string(), year)] as f64;
        assert!((own.value.unwrap() - rate).abs() < 1e-9, "{end}");
        for peer in &peers {
            assert_eq!(
                row("force", peer).numerator,
                Some(count(peer)),
                "{peer} {end}"
            );
        }
        let pooled: u64 = peers.iter().map(|p| count(p)).sum();
        let people: u64 = peers
            .iter()
            .map(|p| population[&(p.to_string(), year)])
            .sum();
        let group = row("peer_group", "Most similar group");
        assert_eq!(group.numerator, Some(pooled));
        assert!((group.value.unwrap() - 1000.0 * pooled as f64 / people as f64).abs() < 1e-9);
    }

    // Every other police.uk measure counts the home force's rows alone: the
    // monthly crimes are the rows the files say fall within it, and no peer
    // force appears as a district.
    for month in &months {
        let total = rows
            .iter()
            .find(|r| {
                r.measure_id == "police_uk_crimes"
                    && r.breakdown.is_empty()
                    && r.period_start.starts_with(month.as_str())
            })
            .unwrap_or_else(|| panic!("police_uk_crimes {month}"));
        let own = crimes
            .get(&(home.to_string(), month.clone()))
            .copied()
            .unwrap_or(0);
        assert_eq!(total.numerator, Some(own), "{month}");
    }
    for peer in &peers {
        let slug = peer.split_whitespace().next().unwrap().to_lowercase();
        assert!(
            !rows.iter().any(|r| r.measure_id.starts_with("police_uk_")
                && r.breakdown == "district"
                && r.group == slug),
            "{peer} counted as a district"
        );
    }

    // The reading: above, below or in line by the force's interval.
    let measures = mos::pipeline::load_measures(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("measures/police_uk"),
    )
    .unwrap();
    let (evaluation, _) = common::evaluate(&measures, &family, None).unwrap();
    let result = evaluation
        .results
        .iter()
        .find(|r| r.measure.id == "police_uk_crime_rate_peers")
        .unwrap();
    let comparison = mos::reading::peer_comparison(result).unwrap();
    let last = measure.iter().rfind(|r| r.breakdown.is_empty()).unwrap();
    let group_rate = measure
        .iter()
        .rfind(|r| r.breakdown == "peer_group")
        .unwrap()
        .value
        .unwrap();
    let expected = if last.ci_lower.unwrap() > group_rate {
        mos::reading::PeerStanding::SignificantlyAbove
    } else if last.ci_upper.unwrap() < group_rate {
        mos::reading::PeerStanding::SignificantlyBelow
    } else {
        mos::reading::PeerStanding::InLine
    };
    assert_eq!(comparison.standing, expected);
    let sentence = mos::presentation::words::peers(result);
    assert!(sentence.contains(expected.words()), "{sentence}");
    assert!(sentence.contains("most similar group"), "{sentence}");
}
