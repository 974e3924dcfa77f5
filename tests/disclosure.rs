//! Disclosure control, tried as someone working a withheld figure back out of
//! what is published would: from SPC's mean and limits, from a total less the
//! published groups, and by formulas planted in data that a spreadsheet runs.

mod common;

use std::collections::BTreeMap;
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
