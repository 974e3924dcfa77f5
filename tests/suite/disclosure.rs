//! Disclosure control, tried as someone working a withheld figure back out of
//! what is published would: from SPC's mean and limits, from a total less the
//! published groups, and by formulas planted in data that a spreadsheet runs.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;

/// `mos ARGS` in `dir`, which must succeed.
fn mos_in(dir: &Path, args: &[&str]) -> Output {
    common::ok(common::mos_in(dir, args))
}

type Row = BTreeMap<String, String>;

fn results(path: &Path) -> Vec<Row> {
    common::results_csv(path)
}

fn number(row: &Row, column: &str) -> Option<f64> {
    row[column].parse().ok()
}

const DISTRICTS: [&str; 6] = [
    "cambridge",
    "east_cambridgeshire",
    "fenland",
    "huntingdonshire",
    "peterborough",
    "south_cambridgeshire",
];

/// `cse_crimes` as an analyst might copy it: by month, small numbers withheld,
/// with SPC.
const CSE_MONTHLY: &str = r#"
id = "cse_monthly"
title = "Child sexual exploitation crimes, by month"
objective = 4
theme = "child_sexual_exploitation"
source = "crimes"
kind = "count"
filter = "cse"
grain = "month"
polarity = "neutral"
suppress_below = 4
spc = true
"#;

const CSE_BY_DISTRICT: &str = r#"
id = "cse_by_district"
title = "Child sexual exploitation crimes by district, by month"
objective = 4
theme = "child_sexual_exploitation"
source = "crimes"
kind = "count"
filter = "cse"
grain = "month"
breakdowns = ["district"]
polarity = "neutral"
suppress_below = 5
"#;

/// A project with the two measures above, run on a crimes extract of 2024
/// with `per_month[m]` CSE crimes in month m+1 (and `by_district` for the
/// district measure, in January), whose results are returned.
fn run(per_month: [u64; 12], by_district: [u64; 6]) -> Vec<Row> {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::create_dir_all(p.join("extracts")).unwrap();
    std::fs::write(p.join("measures/cse_monthly.toml"), CSE_MONTHLY).unwrap();
    std::fs::write(p.join("measures/cse_by_district.toml"), CSE_BY_DISTRICT).unwrap();
    let mut crimes = String::from(
        "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n",
    );
    let mut n = 0;
    let mut crime = |month: usize, district: &str, crimes: &mut String| {
        n += 1;
        crimes.push_str(&format!(
            "C{n},2024-{:02}-{:02},sexual_offences,{district},V{n},14,false,true,,\n",
            month + 1,
            1 + n % 28
        ));
    };
    for (month, &count) in per_month.iter().enumerate().skip(1) {
        for i in 0..count {
            crime(month, DISTRICTS[i as usize % 6], &mut crimes);
        }
    }
    for (d, &count) in by_district.iter().enumerate() {
        for _ in 0..count {
            crime(0, DISTRICTS[d], &mut crimes);
        }
    }
    std::fs::write(p.join("extracts/crimes.csv"), crimes).unwrap();
    mos_in(p, &["run", "--data", "extracts", "--out", "results.csv"]);
    results(&p.join("results.csv"))
}

fn of(rows: &[Row], measure: &str) -> Vec<Row> {
    rows.iter()
        .filter(|r| r["measure_id"] == measure)
        .cloned()
        .collect()
}

/// January's districts as published for `run`: 1 + 2 + 6 + 7 + 8 + 9 = 33.
const JANUARY: [u64; 6] = [1, 2, 6, 7, 8, 9];

#[test]
fn spc_gives_no_withheld_count_away() {
    // April (2) is withheld; January's total is 33.
    let counts = |april| [33, 7, 8, april, 10, 6, 9, 11, 7, 8, 12, 9];
    let rows = of(&run(counts(2), JANUARY), "cse_monthly");
    assert_eq!(rows.len(), 12);
    let april = &rows[3];
    assert_eq!(april["suppressed"], "true");
    assert!(april["numerator"].is_empty() && april["spc_signal"].is_empty());

    // The centre line and limits come from the eleven published months only,
    // computed here: their mean, and 2.66 times their mean moving range.
    let published: Vec<f64> = rows.iter().filter_map(|r| number(r, "value")).collect();
    assert_eq!(published.len(), 11);
    let mean = published.iter().sum::<f64>() / 11.0;
    let moving_range = published
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .sum::<f64>()
        / 10.0;
    for r in &rows {
        assert!((number(r, "spc_mean").unwrap() - mean).abs() < 1e-9);
        assert!((number(r, "spc_upper").unwrap() - (mean + 2.66 * moving_range)).abs() < 1e-9);
    }
    // The attack: mean × 12 less the published counts would be April's count.
    let attack = number(&rows[0], "spc_mean").unwrap() * 12.0 - published.iter().sum::<f64>();
    assert!(
        (attack - 2.0).abs() > 0.5,
        "the mean gives April away: {attack}"
    );

    // And nothing published depends on the withheld count: April as 1 or 3
    // gives the same figures, byte for byte.
    for other in [1, 3] {
        assert_eq!(of(&run(counts(other), JANUARY), "cse_monthly"), rows);
    }
}

#[test]
fn withheld_groups_never_add_up_to_a_small_number() {
    let rows = of(
        &run([33, 7, 8, 9, 10, 6, 9, 11, 7, 8, 12, 9], JANUARY),
        "cse_by_district",
    );
    let january: Vec<&Row> = rows
        .iter()
        .filter(|r| r["period_start"] == "2024-01-01")
        .collect();
    let hidden: Vec<&str> = january
        .iter()
        .filter(|r| r["suppressed"] == "true")
        .map(|r| r["group"].as_str())
        .collect();
    // Cambridge (1) and East Cambridgeshire (2) sum to 3, below 5: Fenland
    // (6), the smallest other, is withheld with them.
    assert_eq!(hidden, ["cambridge", "east_cambridgeshire", "fenland"]);
    assert_withheld_groups_are_safe(&rows, 5);
}

/// For every period of a measure's district breakdown: where any group is
/// withheld, at least two are, and the total less the published groups is at
/// least the threshold.
fn assert_withheld_groups_are_safe(rows: &[Row], threshold: u64) {
    let mut periods: BTreeMap<&str, (Option<u64>, u64, usize)> = BTreeMap::new();
    for r in rows {
        let entry = periods.entry(&r["period_start"]).or_default();
        let count = r["numerator"].parse::<u64>().ok();
        if r["breakdown"].is_empty() {
            entry.0 = count;
        } else if r["breakdown"] == "district" {
            match count {
                Some(n) => entry.1 += n,
                None => entry.2 += 1,
            }
        }
    }
    for (period, (total, published, hidden)) in periods {
        let Some(total) = total else { continue };
        if hidden > 0 {
            assert!(hidden >= 2, "{period}: one group withheld alone");
            assert!(
                total - published >= threshold,
                "{period}: the withheld groups add up to {}",
                total - published
            );
        }
    }
}

#[test]
fn the_demo_cse_crimes_withhold_no_small_sum() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results.csv");
    mos_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "run",
            "--out",
            out.to_str().unwrap(),
            "--snapshots",
            dir.path().join("snapshots").to_str().unwrap(),
        ],
    );
    let rows = of(&results(&out), "cse_crimes");
    assert!(rows.iter().any(|r| r["suppressed"] == "true"));
    assert_withheld_groups_are_safe(&rows, 5);
}

/// Whether a spreadsheet opening this CSV text would run a cell as a formula.
fn has_formula_cell(path: &Path) -> Option<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    reader
        .records()
        .flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .find(|cell| {
            cell.starts_with(['=', '+', '@', '\t', '\r'])
                || (cell.starts_with('-') && cell.parse::<f64>().is_err())
        })
}

#[test]
fn formulas_planted_in_police_uk_values_are_written_inert() {
    let dir = tempfile::tempdir().unwrap();
    let month = dir.path().join("files/2024-01");
    std::fs::create_dir_all(&month).unwrap();
    let mut street = String::from(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n",
    );
    for i in 0..150 {
        let (lsoa, crime_type) = match i % 3 {
            0 => (
                "=cmd|' /C calc'!A0 001A",
                "=HYPERLINK(\"\"http://x.example\"\")",
            ),
            1 => ("@SUM(A1) 002B", "+Burglary"),
            _ => ("Fenland 003I", "-Robbery"),
        };
        street.push_str(&format!(
            "c{i},2024-01,Cambridgeshire Constabulary,Cambridgeshire Constabulary,0.1,52.6,On or near X,E0100{i},\"{lsoa}\",\"{crime_type}\",Under investigation,\n"
        ));
    }
    // And one row whose bad month is written back in the rejects file.
    street.push_str(
        "bad,=1+1,Cambridgeshire Constabulary,Cambridgeshire Constabulary,,,,,,Burglary,,\n",
    );
    std::fs::write(month.join("2024-01-cambridgeshire-street.csv"), street).unwrap();
    let out = dir.path().join("results.csv");
    mos_in(
        dir.path(),
        &[
            "run",
            "--police-uk",
            "files",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let rows = results(&out);
    assert!(
        rows.iter()
            .any(|r| r["group"] == "'=hyperlink(\"http://x.example\")"),
        "the crime type is kept, quoted"
    );
    assert_eq!(has_formula_cell(&out), None);
    let rejects = dir.path().join("results.rejects.csv");
    assert!(std::fs::read_to_string(&rejects).unwrap().contains("'=1+1"));
    assert_eq!(has_formula_cell(&rejects), None);
}

/// Mode bits of a file or folder.
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Snapshots, kept work (with its person key) and rejects hold restricted
/// figures, hashes of people and rejected values: this user's alone. And a
/// snapshot is of the settings too: a changed mapping is a new snapshot.
#[cfg(unix)]
#[test]
fn what_is_kept_is_private_and_keyed_on_every_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = p.join("data");
    let path = |p: &Path| p.to_str().unwrap().to_string();
    mos_in(
        repo,
        &[
            "generate",
            "--out",
            &path(&data),
            "--years",
            "2",
            "--scale",
            "0.05",
            "--seed",
            "3",
        ],
    );
    // One bad row, for a rejects file.
    let crimes = data.join("crimes.csv");
    let mut text = std::fs::read_to_string(&crimes).unwrap();
    text.push_str("X1,2099-13-01,burglary,cambridge,,,false,false,,\n");
    std::fs::write(&crimes, text).unwrap();
    let snapshots = p.join("snapshots");
    let out = p.join("out/results.csv");
    let run = || {
        mos_in(
            repo,
            &[
                "run",
                "--data",
                &path(&data),
                "--out",
                &path(&out),
                "--snapshots",
                &path(&snapshots),
            ],
        )
    };
    run();
    assert_eq!(mode(&snapshots), 0o700);
    let recorded: Vec<std::path::PathBuf> = std::fs::read_dir(&snapshots)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(recorded.len(), 1);
    assert_eq!(mode(&recorded[0]), 0o700);
    assert_eq!(mode(&recorded[0].join("results.csv")), 0o600);
    let kept = snapshots.join(".kept-work");
    assert_eq!(mode(&kept), 0o700);
    for entry in std::fs::read_dir(&kept).unwrap() {
        let file = entry.unwrap().path();
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    let key = std::fs::read(kept.join(".person-key")).unwrap();
    assert_eq!(key.len(), 16, "a key of this installation's own");
    assert_ne!(key, [0u8; 16]);
    assert_eq!(mode(&p.join("out/results.rejects.csv")), 0o600);

    // The same inputs are the same snapshot; a peer_groups.toml, or a
    // sources.toml, changes what is counted and makes a new one.
    let count = || {
        std::fs::read_dir(&snapshots)
            .unwrap()
            .filter(|e| {
                let e = e.as_ref().unwrap();
                e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.')
            })
            .count()
    };
    run();
    assert_eq!(count(), 1);
    std::fs::write(data.join("sources.toml"), "max_reject_share = 0.05\n").unwrap();
    run();
    assert_eq!(count(), 2, "a new sources.toml is a new snapshot");
    std::fs::write(
        data.join("peer_groups.toml"),
        "force = \"Cambridgeshire Constabulary\"\n[groups.similar]\ntitle = \"Similar\"\nforces = [\"Norfolk Constabulary\"]\n",
    )
    .unwrap();
    run();
    assert_eq!(count(), 3, "a new peer_groups.toml is a new snapshot");
}

// Disclosure across outputs: figures that overlap a withheld count (a year to
// date, a quarter, a rolling year, a public measure equal to a restricted
// one, a proportion's complement) must not give it back, however combined.

/// CSE crimes by month, April 2023 to March 2025: six months below 5.
const CSE_BY_MONTH: [u64; 24] = [
    8, 3, 9, 7, 2, 10, 6, 11, 4, 9, 12, 7, 6, 9, 1, 8, 10, 3, 7, 9, 11, 2, 8, 10,
];

/// A measure of CSE crimes, force-wide, over `periods` (a TOML line).
fn cse_measure(id: &str, periods: &str, suppress: bool) -> String {
    format!(
        "id = \"{id}\"\ntitle = \"CSE crimes ({id})\"\nobjective = 4\ntheme = \"child_sexual_exploitation\"\nsource = \"crimes\"\nkind = \"count\"\nfilter = \"cse\"\n{periods}\npolarity = \"neutral\"\n{}",
        if suppress { "suppress_below = 5\n" } else { "" }
    )
}

/// A project of `measures` (id, TOML) on CSE crimes of `CSE_BY_MONTH`, run;
/// returns the project and its results.
fn run_project(measures: &[(&str, String)]) -> (tempfile::TempDir, Vec<Row>) {
    run_project_on(measures, &CSE_BY_MONTH)
}

/// The same on `by_month` CSE crimes from April 2023.
fn run_project_on(measures: &[(&str, String)], by_month: &[u64]) -> (tempfile::TempDir, Vec<Row>) {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::create_dir_all(p.join("extracts")).unwrap();
    for (id, text) in measures {
        std::fs::write(p.join(format!("measures/{id}.toml")), text).unwrap();
    }
    let mut crimes = String::from(
        "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n",
    );
    let mut n = 0;
    for (i, &count) in by_month.iter().enumerate() {
        let (year, month) = (2023 + (i as i32 + 3) / 12, (i + 3) % 12 + 1);
        for _ in 0..count {
            n += 1;
            crimes.push_str(&format!(
                "C{n},{year}-{month:02}-{:02},sexual_offences,{},V{n},14,false,true,,\n",
                1 + n % 28,
                DISTRICTS[n % 6]
            ));
        }
    }
    std::fs::write(p.join("extracts/crimes.csv"), crimes).unwrap();
    mos_in(p, &["run", "--data", "extracts", "--out", "results.csv"]);
    let rows = results(&p.join("results.csv"));
    (project, rows)
}

/// Month index (0 = April 2023) of a results date.
fn month_of(date: &str) -> usize {
    let year: usize = date[..4].parse().unwrap();
    let month: usize = date[5..7].parse().unwrap();
    (year - 2023) * 12 + month - 4
}

/// The published force-wide figures as sums of months: (first, last, count).
fn published_sums(rows: &[Row]) -> Vec<(usize, usize, f64)> {
    rows.iter()
        .filter(|r| r["breakdown"].is_empty())
        .filter_map(|r| {
            let n = number(r, "numerator")?;
            Some((month_of(&r["period_start"]), month_of(&r["period_end"]), n))
        })
        .collect()
}

/// The attacker: which months' counts the published sums determine, by
/// Gaussian elimination of the sums over the 24 monthly counts.
fn determined_months(sums: &[(usize, usize, f64)]) -> Vec<usize> {
    let rank = |rows: &[Vec<f64>]| {
        let mut m: Vec<Vec<f64>> = rows.to_vec();
        let mut rank = 0;
        for col in 0..24 {
            let Some(pivot) = (rank..m.len())
                .max_by(|&a, &b| m[a][col].abs().partial_cmp(&m[b][col].abs()).unwrap())
            else {
                break;
            };
            if m[pivot][col].abs() < 1e-9 {
                continue;
            }
            m.swap(rank, pivot);
            let pivot_row = m[rank].clone();
            for (r, row) in m.iter_mut().enumerate() {
                if r != rank {
                    let f = row[col] / pivot_row[col];
                    for (cell, p) in row.iter_mut().zip(&pivot_row) {
                        *cell -= f * p;
                    }
                }
            }
            rank += 1;
        }
        rank
    };
    let rows: Vec<Vec<f64>> = sums
        .iter()
        .map(|&(a, b, _)| {
            (0..24)
                .map(|m| if (a..=b).contains(&m) { 1.0 } else { 0.0 })
                .collect()
        })
        .collect();
    let base = rank(&rows);
    (0..24)
        .filter(|&m| {
            let mut with = rows.clone();
            with.push((0..24).map(|c| if c == m { 1.0 } else { 0.0 }).collect());
            rank(&with) == base
        })
        .collect()
}

/// The months below 5: withheld by the monthly measure.
fn small_months() -> Vec<usize> {
    (0..24).filter(|&m| CSE_BY_MONTH[m] < 5).collect()
}

/// Each window's sums as they would be published without the audit: every
/// month of at least 5, and every window whole.
fn unaudited(windows: &[(usize, usize)]) -> Vec<(usize, usize, f64)> {
    let mut sums: Vec<(usize, usize, f64)> = (0..24)
        .filter(|&m| CSE_BY_MONTH[m] >= 5)
        .map(|m| (m, m, CSE_BY_MONTH[m] as f64))
        .collect();
    for &(a, b) in windows {
        sums.push((a, b, CSE_BY_MONTH[a..=b].iter().sum::<u64>() as f64));
    }
    sums
}

/// The attack on a copy of the monthly measure beside `windowed`, whose
/// windows (as month ranges) are `windows`: it works on the figures as they
/// were published before the audit, and finds nothing after it.
fn assert_windows_give_nothing_away(windowed: (&str, String), windows: &[(usize, usize)]) {
    let leaked = determined_months(&unaudited(windows));
    assert!(
        small_months().iter().any(|m| leaked.contains(m)),
        "the attack works on unaudited figures"
    );
    let monthly = (
        "cse_monthly",
        cse_measure("cse_monthly", "grain = \"month\"", true),
    );
    let (_project, rows) = run_project(&[monthly, windowed.clone()]);
    // The figures are right where published: counted here from the months.
    let sums = published_sums(&rows);
    for &(a, b, n) in &sums {
        assert_eq!(n, CSE_BY_MONTH[a..=b].iter().sum::<u64>() as f64);
    }
    let derivable: Vec<usize> = determined_months(&sums)
        .into_iter()
        .filter(|m| small_months().contains(m))
        .collect();
    assert!(
        derivable.is_empty(),
        "{}: months {derivable:?} can be worked out",
        windowed.0
    );
    let window_rows: Vec<&Row> = rows
        .iter()
        .filter(|r| r["measure_id"] == windowed.0)
        .collect();
    assert!(
        window_rows.iter().any(|r| !r["numerator"].is_empty()),
        "{} still publishes",
        windowed.0
    );
}

#[test]
fn a_year_to_date_less_its_previous_month_gives_no_withheld_month_away() {
    let windows: Vec<(usize, usize)> = (0..24).map(|m| (m / 12 * 12, m)).collect();
    let ytd = cse_measure("cse_ytd", "window = \"financial_year_to_date\"", false);
    assert_windows_give_nothing_away(("cse_ytd", ytd), &windows);
}

#[test]
fn a_quarter_less_its_published_months_gives_no_withheld_month_away() {
    let windows: Vec<(usize, usize)> = (0..8).map(|q| (q * 3, q * 3 + 2)).collect();
    let quarterly = cse_measure("cse_quarterly", "grain = \"quarter\"", false);
    assert_windows_give_nothing_away(("cse_quarterly", quarterly), &windows);
}

#[test]
fn a_rolling_year_differenced_gives_no_withheld_month_away() {
    let windows: Vec<(usize, usize)> = (11..24).map(|m| (m - 11, m)).collect();
    let rolling = cse_measure("cse_rolling", "window = \"rolling_12_months\"", false);
    assert_windows_give_nothing_away(("cse_rolling", rolling), &windows);
}

#[test]
fn check_disclosure_says_what_was_withheld_and_why() {
    let project = tempfile::tempdir().unwrap();
    let (made, _) = run_project(&[
        (
            "cse_monthly",
            cse_measure("cse_monthly", "grain = \"month\"", true),
        ),
        (
            "cse_ytd",
            cse_measure("cse_ytd", "window = \"financial_year_to_date\"", false),
        ),
    ]);
    let p = made.path();
    let out = mos_in(p, &["check", "--data", "extracts", "--disclosure"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("disclosure audit:"), "{said}");
    assert!(
        said.lines()
            .any(|l| l.contains("cse_ytd") && l.contains("gives away the count of cse_monthly")),
        "{said}"
    );
    // A project with nothing to protect says so.
    std::fs::create_dir_all(project.path().join("measures")).unwrap();
    std::fs::write(
        project.path().join("measures/cse_ytd.toml"),
        cse_measure("cse_ytd", "window = \"financial_year_to_date\"", false),
    )
    .unwrap();
    std::fs::create_dir_all(project.path().join("extracts")).unwrap();
    std::fs::copy(
        p.join("extracts/crimes.csv"),
        project.path().join("extracts/crimes.csv"),
    )
    .unwrap();
    let out = mos_in(
        project.path(),
        &["check", "--data", "extracts", "--disclosure"],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing withheld can be worked out"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_proportion_withholds_a_small_complement() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::create_dir_all(p.join("extracts")).unwrap();
    std::fs::write(
        p.join("measures/cse_charged.toml"),
        "id = \"cse_charged\"\ntitle = \"CSE crimes charged\"\nobjective = 4\ntheme = \"child_sexual_exploitation\"\nsource = \"crimes\"\nkind = \"proportion\"\nfilter = \"cse\"\nnumerator = \"outcome_type = 1\"\ngrain = \"month\"\npolarity = \"higher_is_better\"\nsuppress_below = 5\n",
    )
    .unwrap();
    let mut crimes = String::from(
        "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n",
    );
    // February: 5 of 7 charged, so 2 were not. March: 12 of 20.
    for (month, all, charged) in [(2, 7, 5), (3, 20, 12)] {
        for i in 0..all {
            let outcome = if i < charged { "1,2024-05-01" } else { "," };
            crimes.push_str(&format!(
                "C{month}-{i},2024-{month:02}-10,sexual_offences,fenland,V{i},14,false,true,{outcome}\n"
            ));
        }
    }
    std::fs::write(p.join("extracts/crimes.csv"), crimes).unwrap();
    mos_in(p, &["run", "--data", "extracts", "--out", "results.csv"]);
    let rows = of(&results(&p.join("results.csv")), "cse_charged");
    let total = |start: &str| {
        rows.iter()
            .find(|r| r["breakdown"].is_empty() && r["period_start"] == start)
            .unwrap()
            .clone()
    };
    let february = total("2024-02-01");
    assert_eq!(
        february["suppressed"], "true",
        "5 of 7 tells that 2 were not charged"
    );
    assert!(february["numerator"].is_empty() && february["denominator"].is_empty());
    let march = total("2024-03-01");
    assert_eq!(
        (march["numerator"].as_str(), march["denominator"].as_str()),
        ("12", "20")
    );
}

/// The shipped public `victims_hub_referrals` by category: its domestic abuse
/// referrals, month by month, add up to the restricted
/// `domestic_abuse_repeat_referrals` denominator. The public must not be able
/// to add them up.
#[test]
fn a_public_measure_never_adds_up_to_a_restricted_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = |p: &Path| p.to_str().unwrap().to_string();
    mos_in(
        repo,
        &[
            "generate",
            "--out",
            &path(&data),
            "--years",
            "2",
            "--seed",
            "5",
        ],
    );
    let out = dir.path().join("results.csv");
    mos_in(
        repo,
        &[
            "run",
            "--data",
            &path(&data),
            "--out",
            &path(&out),
            "--snapshots",
            &path(&dir.path().join("snapshots")),
        ],
    );
    let rows = results(&out);
    // The premise, counted here: domestic abuse referrals by month.
    let mut by_month: BTreeMap<String, u64> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(data.join("victim_contacts.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (date, category) = (at("referral_date"), at("category"));
    for record in reader.records() {
        let record = record.unwrap();
        if &record[category] == "domestic_abuse" {
            *by_month.entry(record[date][..7].to_string()).or_default() += 1;
        }
    }
    let restricted: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            r["measure_id"] == "domestic_abuse_repeat_referrals" && r["breakdown"].is_empty()
        })
        .collect();
    assert!(!restricted.is_empty());
    for r in &restricted {
        let from = &r["period_start"][..7];
        let to = &r["period_end"][..7];
        let sum: u64 = by_month
            .range(from.to_string()..=to.to_string())
            .map(|(_, n)| n)
            .sum();
        assert_eq!(
            r["denominator"],
            sum.to_string(),
            "the denominator is the months' sum"
        );
    }
    // So no month's domestic abuse referrals are public, directly or as the
    // total less the other categories.
    let public: Vec<&Row> = rows
        .iter()
        .filter(|r| r["measure_id"] == "victims_hub_referrals")
        .collect();
    let mut withheld_by_month: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &public {
        if r["breakdown"] == "category" && r["suppressed"] == "true" {
            *withheld_by_month.entry(&r["period_start"]).or_default() += 1;
        }
        if r["group"] == "domestic_abuse" {
            assert_eq!(
                r["suppressed"], "true",
                "{}: domestic abuse referrals published",
                r["period_start"]
            );
        }
    }
    let months: BTreeSet<&str> = public.iter().map(|r| r["period_start"].as_str()).collect();
    for month in months {
        assert!(
            withheld_by_month.get(month).copied().unwrap_or(0) >= 2,
            "{month}: the total less the published categories is domestic abuse's"
        );
    }
}

/// `mos check` in a project of one measure, `text`: its output.
fn check_measure(text: &str) -> Output {
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("measures")).unwrap();
    std::fs::write(project.path().join("measures/by_person.toml"), text).unwrap();
    common::mos_in(project.path(), &["check"])
}

#[test]
fn identifiers_are_never_groups_or_single_values() {
    let measure = |line: &str| {
        format!(
            "id = \"by_person\"\ntitle = \"CSE crimes\"\nobjective = 4\ntheme = \"child_sexual_exploitation\"\nsource = \"crimes\"\nkind = \"count\"\ngrain = \"month\"\npolarity = \"neutral\"\n{line}\n"
        )
    };
    // A declared identifier, a unique reference, and one value of each.
    for (line, column, at) in [
        (
            "breakdowns = [\"victim_id\"]",
            "victim_id",
            "measures/by_person.toml:9:15",
        ),
        (
            "breakdowns = [\"crime_ref\"]",
            "crime_ref",
            "measures/by_person.toml:9:15",
        ),
        (
            "filter = \"cse AND victim_id = 'V12'\"",
            "victim_id",
            "measures/by_person.toml:9:31",
        ),
        (
            "filter = \"crime_ref IN ('C1', 'C2')\"",
            "crime_ref",
            "measures/by_person.toml:9:25",
        ),
    ] {
        let out = check_measure(&measure(line));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{line}: accepted");
        assert!(
            said.contains(&format!("`{column}` identifies a person or a record")),
            "{line}: {said}"
        );
        assert!(said.contains(at), "{line}: not pointed at {at}: {said}");
    }
    // Keying a repeat rule, or asking whether it is there, publishes no value.
    let out = check_measure(&measure(
        "filter = \"victim_id IS NOT NULL\"\nrepeat = { person = \"victim_id\", within_days = 365 }",
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Demo extracts are row-level, as a force's are: private to their user.
#[cfg(unix)]
#[test]
fn generated_extracts_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    mos_in(
        repo,
        &[
            "generate",
            "--out",
            out.to_str().unwrap(),
            "--years",
            "1",
            "--scale",
            "0.05",
        ],
    );
    assert_eq!(mode(&out), 0o700);
    for file in [
        "crimes.csv",
        "victim_contacts.csv",
        "mental_health_contacts.csv",
    ] {
        assert_eq!(mode(&out.join(file)), 0o600, "{file}");
    }
}

/// A value planted in an extract reaches the analyst's terminal escaped, and
/// a refused extract's error (which reaches logs and the dashboard's banner)
/// names the row without its value.
#[test]
fn rejected_values_are_escaped_and_refusals_carry_no_value() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::create_dir_all(p.join("extracts")).unwrap();
    std::fs::write(p.join("measures/cse_monthly.toml"), CSE_MONTHLY).unwrap();
    let header = "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n";
    let mut crimes = String::from(header);
    for n in 0..200 {
        crimes.push_str(&format!(
            "C{n},2024-01-10,sexual_offences,fenland,V{n},14,false,true,,\n"
        ));
    }
    crimes.push_str(
        "BAD,2024-01-10,sexual_offences,\u{1b}]0;owned\u{7}\u{1b}[2J,V9,14,false,true,,\n",
    );
    std::fs::write(p.join("extracts/crimes.csv"), &crimes).unwrap();
    let out = mos_in(p, &["run", "--data", "extracts", "--out", "results.csv"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("rejected"), "{said}");
    assert!(
        !said.contains('\u{1b}') && !said.contains('\u{7}'),
        "raw escapes: {said:?}"
    );
    assert!(said.contains("\\u{1b}[2J"), "{said}");

    // Now too many: the extract is refused, naming the row but not its value.
    let mut crimes = String::from(header);
    for n in 0..20 {
        crimes.push_str(&format!(
            "C{n},2024-01-10,sexual_offences,fenland,V{n},14,false,true,,\n"
        ));
    }
    crimes.push_str("BAD,2024-01-10,sexual_offences,SECRET-PLACE-NAME,V9,14,false,true,,\n");
    std::fs::write(p.join("extracts/crimes.csv"), &crimes).unwrap();
    let out = common::mos_in(
        p,
        &[
            "run",
            "--data",
            "extracts",
            "--out",
            "results.csv",
            "--snapshots",
            "other",
        ],
    );
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    let refusal = said
        .lines()
        .find(|l| l.contains("so the extract is refused"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        refusal.contains("crimes.csv:22: column `district`"),
        "{refusal}"
    );
    assert!(!refusal.contains("SECRET-PLACE-NAME"), "{refusal}");
}

/// January 2024's figures of `cse_by_district`: the total, and each
/// district's count where published.
fn january_by_district(rows: &[Row]) -> (Option<f64>, BTreeMap<String, Option<f64>>) {
    let january: Vec<&Row> = rows
        .iter()
        .filter(|r| r["measure_id"] == "cse_by_district" && r["period_start"] == "2024-01-01")
        .collect();
    let total = january
        .iter()
        .find(|r| r["breakdown"].is_empty())
        .and_then(|r| number(r, "numerator"));
    let districts = january
        .iter()
        .filter(|r| r["breakdown"] == "district")
        .map(|r| (r["group"].clone(), number(r, "numerator")))
        .collect();
    (total, districts)
}

/// The attacker with a published pack: a district withheld now is the total
/// less the districts published now, less the others withheld now as the
/// pack printed them (taken as unchanged). Returns the districts so worked out.
fn restatement_attack(
    pack: &BTreeMap<String, Option<f64>>,
    total: Option<f64>,
    now: &BTreeMap<String, Option<f64>>,
) -> BTreeMap<String, f64> {
    let mut found = BTreeMap::new();
    let Some(total) = total else {
        return found;
    };
    let published: f64 = now.values().flatten().sum();
    for (district, figure) in now {
        if figure.is_some() {
            continue;
        }
        let others: Option<f64> = now
            .iter()
            .filter(|(d, f)| *d != district && f.is_none())
            .map(|(d, _)| pack.get(d).copied().flatten())
            .sum();
        if let Some(others) = others {
            found.insert(district.clone(), total - published - others);
        }
    }
    found
}

/// A pack printed January's districts; then a crime in one district is
/// restated (no longer CSE), taking it below 5: the district is withheld, and
/// the pack's figures for the districts that did not change must not give it
/// back through the new total.
#[test]
fn a_restated_month_gives_no_withheld_district_away_against_the_published_pack() {
    const JANUARY: [u64; 6] = [5, 6, 7, 8, 9, 10];
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::create_dir_all(p.join("extracts")).unwrap();
    std::fs::create_dir_all(p.join("packs")).unwrap();
    std::fs::write(p.join("measures/cse_by_district.toml"), CSE_BY_DISTRICT).unwrap();
    // January by district, then February and March with 6 in each district.
    let crimes = |restated: bool| {
        let mut text = String::from(
            "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n",
        );
        let mut n = 0;
        let months = [JANUARY, [6; 6], [6; 6]];
        for (m, by_district) in months.iter().enumerate() {
            for (d, &count) in by_district.iter().enumerate() {
                for i in 0..count {
                    n += 1;
                    // The restated crime: Cambridge's first in January.
                    let cse = !(restated && m == 0 && d == 0 && i == 0);
                    text.push_str(&format!(
                        "C{n},2024-{:02}-{:02},sexual_offences,{},V{n},14,false,{cse},,\n",
                        m + 1,
                        1 + i,
                        DISTRICTS[d]
                    ));
                }
            }
        }
        text
    };
    std::fs::write(p.join("extracts/crimes.csv"), crimes(false)).unwrap();
    mos_in(p, &["run", "--data", "extracts", "--out", "printed.csv"]);
    let report = common::mos_in(
        p,
        &[
            "report",
            "--data",
            "extracts",
            "--objective",
            "4",
            "--out",
            "packs",
        ],
    );
    common::ok(report);
    let (_, pack) = january_by_district(&results(&p.join("printed.csv")));
    for (d, &count) in JANUARY.iter().enumerate() {
        assert_eq!(
            pack[DISTRICTS[d]],
            Some(count as f64),
            "the pack printed every district"
        );
    }

    std::fs::write(p.join("extracts/crimes.csv"), crimes(true)).unwrap();
    mos_in(p, &["run", "--data", "extracts", "--out", "results.csv"]);
    let rows = results(&p.join("results.csv"));
    let (total, now) = january_by_district(&rows);
    let mut counts = JANUARY;
    counts[0] -= 1;

    // The attack works on what each measure's own suppression publishes:
    // Cambridge (4) withheld, East Cambridgeshire (6) beside it, the total shown.
    let unaudited: BTreeMap<String, Option<f64>> = DISTRICTS
        .iter()
        .enumerate()
        .map(|(d, name)| (name.to_string(), (d > 1).then_some(counts[d] as f64)))
        .collect();
    let total_now = counts.iter().sum::<u64>() as f64;
    assert_eq!(
        restatement_attack(&pack, Some(total_now), &unaudited)["cambridge"],
        4.0,
        "the attack works on unaudited figures"
    );

    assert_eq!(now["cambridge"], None, "4 is withheld");
    let found = restatement_attack(&pack, total, &now);
    for (district, value) in &found {
        let d = DISTRICTS.iter().position(|n| n == district).unwrap();
        assert_ne!(
            *value, counts[d] as f64,
            "{district}'s withheld count is worked out from the pack: {now:?}"
        );
    }
    // What is still published is right, and the unchanged districts stay.
    for (d, name) in DISTRICTS.iter().enumerate() {
        if let Some(n) = now[*name] {
            assert_eq!(n, counts[d] as f64, "{name}");
        }
    }
    assert!(
        DISTRICTS[2..].iter().all(|d| now[*d].is_some()),
        "only what the restatement needs is withheld: {now:?}"
    );
    if let Some(total) = total {
        assert_eq!(total, total_now);
    }
    // mos check --disclosure reads the packs published from the project too.
    let out = mos_in(p, &["check", "--data", "extracts", "--disclosure"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("figures packs printed before"), "{said}");
    assert!(
        said.contains("cse_by_district, Jan 2024: withheld"),
        "{said}"
    );
}

/// The attacker's range for each month, by trying every count each withheld
/// month could have: months are at least 0, and each published quarter is
/// the sum of its months. `published` holds each month's count where shown;
/// `quarters` each quarter's (by its first month) where shown.
fn month_ranges(
    published: &[Option<u64>],
    quarters: &BTreeMap<usize, u64>,
) -> Vec<Option<(u64, u64)>> {
    let mut ranges = vec![None; published.len()];
    for q in (0..published.len()).step_by(3) {
        let months: Vec<usize> = (q..q + 3).filter(|&m| published[m].is_none()).collect();
        let Some(&total) = quarters.get(&q) else {
            continue; // an unpublished quarter bounds nothing
        };
        let shown: u64 = (q..q + 3).filter_map(|m| published[m]).sum();
        let hidden = total - shown;
        // Every split of the hidden sum over the withheld months.
        let mut low = [u64::MAX; 3];
        let mut high = [0; 3];
        let mut split = vec![0u64; months.len()];
        loop {
            if split.iter().sum::<u64>() == hidden {
                for (k, &n) in split.iter().enumerate() {
                    low[k] = low[k].min(n);
                    high[k] = high[k].max(n);
                }
            }
            let Some(k) = (0..split.len()).find(|&k| split[k] < hidden) else {
                break;
            };
            split[k] += 1;
            for earlier in split.iter_mut().take(k) {
                *earlier = 0;
            }
        }
        for (k, &m) in months.iter().enumerate() {
            ranges[m] = Some((low[k], high[k]));
        }
    }
    ranges
}

/// A quarter beside its months: January 3 and February 1 are withheld, March
/// 8 shown, and the quarter's 12 says January and February add up to 4. Not
/// one of them is worked out, but each is pinned to 0 to 4: a hidden sum
/// under the threshold, which secondary suppression prevents within a
/// measure, and the audit across measures.
#[test]
fn no_withheld_month_is_pinned_within_fewer_values_than_the_threshold() {
    // January to June 2024, after nine months of 6 from April 2023.
    let mut by_month = vec![6; 9];
    by_month.extend([3, 1, 8, 6, 7, 9]);
    let monthly = (
        "cse_monthly",
        cse_measure("cse_monthly", "grain = \"month\"", true),
    );
    let quarterly = (
        "cse_quarterly",
        cse_measure("cse_quarterly", "grain = \"quarter\"", false),
    );
    let quarters_of = |rows: &[Row]| -> BTreeMap<usize, u64> {
        of(rows, "cse_quarterly")
            .iter()
            .filter(|r| r["breakdown"].is_empty())
            .filter_map(|r| Some((month_of(&r["period_start"]), number(r, "numerator")? as u64)))
            .collect()
    };
    // The attack on what each measure's own suppression publishes.
    let unaudited: Vec<Option<u64>> = by_month.iter().map(|&n| (n >= 5).then_some(n)).collect();
    let all_quarters: BTreeMap<usize, u64> = (0..by_month.len())
        .step_by(3)
        .map(|q| (q, by_month[q..q + 3].iter().sum()))
        .collect();
    let ranges = month_ranges(&unaudited, &all_quarters);
    assert_eq!(
        ranges[9],
        Some((0, 4)),
        "the attack pins January on unaudited figures"
    );

    let (project, rows) = run_project_on(&[monthly, quarterly], &by_month);
    let out = mos_in(
        project.path(),
        &["check", "--data", "extracts", "--disclosure"],
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(
            "gives away the count of cse_monthly, Jan 2024 to within fewer than 5 values"
        ),
        "{said}"
    );
    let mut published = vec![None; by_month.len()];
    for r in of(&rows, "cse_monthly") {
        if let Some(n) = number(&r, "numerator") {
            let m = month_of(&r["period_start"]);
            assert_eq!(n as u64, by_month[m], "a published month is right");
            published[m] = Some(n as u64);
        }
    }
    let quarters = quarters_of(&rows);
    for (&q, &n) in &quarters {
        assert_eq!(
            n,
            by_month[q..q + 3].iter().sum::<u64>(),
            "a published quarter is right"
        );
    }
    for (m, range) in month_ranges(&published, &quarters).into_iter().enumerate() {
        if let Some((low, high)) = range
            && by_month[m] < 5
        {
            assert!(
                high - low >= 5,
                "month {m} is pinned to {low}..={high}: {published:?} {quarters:?}"
            );
        }
    }
    // Only what the pin needs is withheld: April to June stay whole.
    assert_eq!(quarters.get(&12), Some(&22), "{quarters:?}");
    assert!(published[12..].iter().all(Option::is_some), "{published:?}");
}
