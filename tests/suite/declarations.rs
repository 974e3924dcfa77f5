//! Sources and forces declared in files, as an analyst uses them: the README's
//! examples as written, a source no Rust code knows, a force with another
//! number of districts, `mos init`, and the mistakes `mos check` points at.
//! Figures are checked against counts over the rows written here.

use crate::common;

use common::{mos_in, ok, root};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

/// `mos run` from the repository's root (its shipped measures) on `data`,
/// keeping snapshots in `snapshots`; it must succeed.
fn run_in_repo(data: &Path, out: &Path, snapshots: &Path) -> Output {
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let (data, out, snapshots) = (path(data), path(out), path(snapshots));
    ok(mos_in(
        root(),
        &[
            "run",
            "--data",
            &data,
            "--out",
            &out,
            "--snapshots",
            &snapshots,
        ],
    ))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The README's ```toml block whose text contains `marker`, as written.
fn readme_toml(marker: &str) -> String {
    let blocks: Vec<String> = common::readme_blocks("toml")
        .into_iter()
        .filter(|b| b.contains(marker))
        .collect();
    assert_eq!(blocks.len(), 1, "one README block holds {marker:?}");
    blocks[0].clone()
}

/// One row of a results CSV, by column name.
type Row = BTreeMap<String, String>;

fn results(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The total series of a measure by its first month: numerator and denominator.
fn proportions_by_month(rows: &[Row], measure: &str) -> BTreeMap<String, (u64, u64)> {
    rows.iter()
        .filter(|r| r["measure_id"] == measure && r["breakdown"].is_empty())
        .map(|r| {
            let number = |name: &str| r[name].parse::<u64>().unwrap_or(0);
            (
                r["period_start"][..7].to_string(),
                (number("numerator"), number("denominator")),
            )
        })
        .collect()
}

/// The total series of a count by its first month.
fn counts_by_month(rows: &[Row], measure: &str) -> BTreeMap<String, u64> {
    proportions_by_month(rows, measure)
        .into_iter()
        .map(|(month, (n, _))| (month, n))
        .collect()
}

/// A small deterministic stream of numbers for the tests' rows.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn the_readme_sources_toml_example_is_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    ok(mos_in(
        root(),
        &[
            "generate",
            "--out",
            plain.to_str().unwrap(),
            "--years",
            "2",
            "--scale",
            "0.05",
            "--seed",
            "8",
        ],
    ));
    // The same crimes as a force's export the README describes: its own file
    // name, day-first dates, "DA" for true, its own name for the reference.
    let force = dir.path().join("force");
    std::fs::create_dir_all(&force).unwrap();
    for entry in std::fs::read_dir(&plain).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "crimes.csv" {
            std::fs::copy(&path, force.join(path.file_name().unwrap())).unwrap();
        }
    }
    let crimes = std::fs::read_to_string(plain.join("crimes.csv")).unwrap();
    let day_first = |iso: &str| match iso.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    };
    let mut export = String::new();
    let mut domestic_by_month: BTreeMap<String, u64> = BTreeMap::new();
    for (i, line) in crimes.lines().enumerate() {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if i == 0 {
            assert_eq!(cells[0], "crime_ref");
            cells[0] = "Crime Reference".into();
        } else {
            if cells[6] == "true" {
                *domestic_by_month
                    .entry(cells[1][..7].to_string())
                    .or_default() += 1;
                cells[6] = "DA".into();
            }
            cells[1] = day_first(&cells[1]);
            cells[9] = day_first(&cells[9]);
        }
        export.push_str(&cells.join(","));
        export.push('\n');
    }
    std::fs::write(force.join("CrimeExport_2024-11.csv"), export).unwrap();
    std::fs::write(
        force.join("sources.toml"),
        readme_toml("max_reject_share = 0.02"),
    )
    .unwrap();

    let run = |data: &Path, out: &Path| run_in_repo(data, out, &dir.path().join("snapshots"));
    let (from_export, from_plain) = (dir.path().join("export.csv"), dir.path().join("plain.csv"));
    let output = run(&force, &from_export);
    assert!(
        stderr(&output).contains("CrimeExport_2024-11.csv"),
        "{}",
        stderr(&output)
    );
    run(&plain, &from_plain);
    assert_eq!(
        std::fs::read(&from_export).unwrap(),
        std::fs::read(&from_plain).unwrap(),
        "the export, read as sources.toml describes it, gives the figures of the contract's file"
    );
    let rows = results(&from_export);
    let counted: BTreeMap<String, u64> = counts_by_month(&rows, "domestic_abuse_crimes");
    assert_eq!(counted, domestic_by_month);
}

#[test]
fn the_readme_force_and_source_examples_work_as_written() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("data/sources")).unwrap();
    std::fs::write(p.join("data/force.toml"), readme_toml("# data/force.toml")).unwrap();
    std::fs::write(
        p.join("data/sources/calls_for_service.toml"),
        readme_toml("# data/sources/calls_for_service.toml"),
    )
    .unwrap();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::copy(
        root().join("measures/calls_999_answered_within_10_seconds.toml"),
        p.join("measures/calls_999_answered_within_10_seconds.toml"),
    )
    .unwrap();
    // Calls in the README force's one district, spelt as exports do; one breaks the rule.
    let mut rng = Lcg(7);
    let mut csv = String::from("call_ref,call_time,line,district,answer_seconds,abandoned,grade\n");
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for i in 0..400 {
        let month = 1 + rng.below(3);
        let line = if rng.below(3) == 0 { "101" } else { "999" };
        let district =
            ["east_cambridgeshire", "East Cambs", "EAST CAMBRIDGESHIRE"][rng.below(3) as usize];
        let abandoned = rng.below(20) == 0;
        let seconds = rng.below(25);
        let answer = if abandoned {
            String::new()
        } else {
            seconds.to_string()
        };
        csv.push_str(&format!(
            "C{i},2025-0{month}-1{} 10:00:00,{line},{district},{answer},{abandoned},\n",
            rng.below(9)
        ));
        if line == "999" && !abandoned {
            let e = expected.entry(format!("2025-0{month}")).or_default();
            e.1 += 1;
            e.0 += u64::from(seconds <= 10);
        }
    }
    // Line 402: answered, but no answer time.
    csv.push_str("C-bad,2025-02-10 10:00:00,999,East Cambs,,false,emergency\n");
    let data = p.join("extracts");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("calls_for_service.csv"), csv).unwrap();

    ok(mos_in(p, &["check"]));
    let out = p.join("results.csv");
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", out.to_str().unwrap()],
    ));
    let counted: BTreeMap<String, (u64, u64)> =
        proportions_by_month(&results(&out), "calls_999_answered_within_10_seconds");
    assert_eq!(counted, expected);
    let rejects = std::fs::read_to_string(p.join("results.rejects.csv")).unwrap();
    let rejected: Vec<&str> = rejects.lines().skip(1).collect();
    assert_eq!(rejected.len(), 1, "{rejects}");
    assert!(
        rejected[0].contains(",402,")
            && rejected[0].contains("an answered call has an answer time")
            && rejected[0].contains("abandoned OR answer_seconds IS NOT NULL"),
        "the reject names the line, the rule and its reason: {}",
        rejected[0]
    );
}

/// A source no Rust code knows: a custody record, with a date-time, a
/// decimal, an enum with an alias, a set, districts of a force of its own, and
/// a rule between two columns.
const CUSTODY: &str = r#"
title = "Custody detentions, one row per detention"
period_column = "detained_at"

[columns]
detention_ref = { type = "text", unique = true, from = "Custody Number" }
detained_at   = { type = "datetime" }
district      = { type = "district" }
hours         = { type = "decimal" }
reason        = { type = "enum", values = ["arrest", "mental_health", "warrant"], aliases = { "s136" = "mental_health" } }
needs         = { type = "enum_set", values = ["interpreter", "appropriate_adult", "medical"], nullable = true }
released_at   = { type = "datetime", nullable = true }

[[rules]]
check = "released_at >= detained_at"
reason = "a detainee is released after being detained"
"#;

const RIVERSHIRE: &str = r#"
name = "Rivershire Police"
area = "Rivershire"

[[districts]]
id = "upper_vale"
name = "Upper Vale"

[[districts]]
id = "lower_vale"
name = "Lower Vale"
aliases = ["L. Vale"]
"#;

#[test]
fn a_declared_source_no_rust_code_knows_gives_the_figures_of_a_count_over_its_rows() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("data/sources")).unwrap();
    std::fs::write(p.join("data/force.toml"), RIVERSHIRE).unwrap();
    std::fs::write(p.join("data/sources/custody.toml"), CUSTODY).unwrap();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::write(
        p.join("measures/long_mental_health_detentions.toml"),
        r#"
id = "long_mental_health_detentions"
title = "Mental health detentions held over 12 hours"
objective = 4
theme = "mental_health"
source = "custody"
kind = "proportion"
filter = "reason = 'mental_health'"
numerator = "hours > 12.5"
grain = "month"
breakdowns = ["district"]
polarity = "lower_is_better"
"#,
    )
    .unwrap();
    std::fs::write(
        p.join("measures/detentions_needing_an_interpreter.toml"),
        r#"
id = "detentions_needing_an_interpreter"
title = "Detentions needing an interpreter"
objective = 2
source = "custody"
kind = "count"
filter = "needs LIKE '%interpreter%'"
grain = "month"
breakdowns = ["needs"]
polarity = "neutral"
"#,
    )
    .unwrap();

    let mut rng = Lcg(11);
    let mut csv =
        String::from("Custody Number,detained_at,district,hours,reason,needs,released_at\n");
    // Month → (long, mental health) and month → interpreter, over good rows only.
    let mut proportion: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut by_district: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    let mut interpreter: BTreeMap<String, u64> = BTreeMap::new();
    let mut bad_lines = Vec::new();
    for i in 0..600u64 {
        let month = 1 + rng.below(6);
        let day = 1 + rng.below(28);
        let hour = rng.below(20);
        let (district, id) = [
            ("Upper Vale", "upper_vale"),
            ("L. Vale", "lower_vale"),
            ("lower_vale", "lower_vale"),
        ][rng.below(3) as usize];
        let hours = rng.below(480) as f64 / 20.0;
        let reason = ["arrest", "mental_health", "S136", "warrant"][rng.below(4) as usize];
        let needs = [
            "",
            "interpreter",
            "medical;Interpreter",
            "appropriate_adult",
        ][rng.below(4) as usize];
        // Every 50th row is released before it was detained: rejected by the rule.
        let breaks_rule = i % 50 == 49;
        let released = if breaks_rule {
            format!("2025-{month:02}-{day:02}T00:00:00")
        } else if rng.below(10) == 0 {
            String::new()
        } else {
            format!("2025-{month:02}-{day:02}T23:00:00")
        };
        let line = i + 2;
        csv.push_str(&format!(
            "CN{i},2025-{month:02}-{day:02}T{:02}:30:00,{district},{hours},{reason},\"{needs}\",{released}\n",
            hour + 1,
        ));
        if breaks_rule {
            bad_lines.push(line);
            continue;
        }
        let key = format!("2025-{month:02}");
        if reason == "mental_health" || reason == "S136" {
            let long = u64::from(hours > 12.5);
            let total = proportion.entry(key.clone()).or_default();
            total.0 += long;
            total.1 += 1;
            let group = by_district
                .entry((id.to_string(), key.clone()))
                .or_default();
            group.0 += long;
            group.1 += 1;
        }
        if needs.to_lowercase().contains("interpreter") {
            *interpreter.entry(key).or_default() += 1;
        }
    }
    let data = p.join("extracts");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("custody.csv"), &csv).unwrap();
    // 2% of the rows break the rule: more than the default bound of 1%.
    std::fs::write(data.join("sources.toml"), "max_reject_share = 0.05\n").unwrap();

    ok(mos_in(p, &["check", "--data", "extracts"]));
    let out = p.join("results.csv");
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", out.to_str().unwrap()],
    ));
    let rows = results(&out);
    let counted: BTreeMap<String, (u64, u64)> =
        proportions_by_month(&rows, "long_mental_health_detentions");
    assert_eq!(counted, proportion);
    for row in rows.iter().filter(|r| {
        r["measure_id"] == "long_mental_health_detentions" && r["breakdown"] == "district"
    }) {
        let key = (row["group"].clone(), row["period_start"][..7].to_string());
        let (n, d) = by_district.get(&key).copied().unwrap_or_default();
        assert_eq!(
            (row["numerator"].as_str(), row["denominator"].as_str()),
            (n.to_string().as_str(), d.to_string().as_str()),
            "{key:?}"
        );
    }
    let districts: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r["breakdown"] == "district")
        .map(|r| r["group"].as_str())
        .collect();
    assert_eq!(districts, ["lower_vale", "upper_vale"].into());
    let counted: BTreeMap<String, u64> =
        counts_by_month(&rows, "detentions_needing_an_interpreter");
    assert_eq!(counted, interpreter);
    let rejects = std::fs::read_to_string(p.join("results.rejects.csv")).unwrap();
    let lines: Vec<u64> = rejects
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(lines, bad_lines);
    assert!(
        rejects.contains("released_at")
            && rejects.contains("a detainee is released after being detained")
    );
}

#[test]
fn the_shipped_measures_run_for_a_force_of_three_districts() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("data")).unwrap();
    std::fs::write(
        p.join("data/force.toml"),
        r#"
name = "Tri-County Police"
area = "Three Counties"
[[districts]]
id = "north_riding"
name = "North Riding"
[[districts]]
id = "south_riding"
name = "South Riding"
[[districts]]
id = "west_riding"
name = "West Riding"
"#,
    )
    .unwrap();
    let data = p.join("extracts");
    ok(mos_in(
        p,
        &[
            "generate", "--out", "extracts", "--years", "2", "--scale", "0.05", "--seed", "9",
        ],
    ));
    // The shipped measures without the demo force's People's Priorities,
    // whose filters name its neighbourhoods (as `mos init` writes them).
    let measures = p.join("measures");
    copy_without(&root().join("measures"), &measures, "priorities");
    let out = p.join("results.csv");
    ok(mos_in(
        p,
        &[
            "run",
            "--data",
            "extracts",
            "--measures",
            measures.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let rows = results(&out);
    let groups: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r["breakdown"] == "district")
        .map(|r| r["group"].as_str())
        .collect();
    assert_eq!(
        groups,
        ["north_riding", "south_riding", "west_riding"].into()
    );

    // Domestic abuse crimes by district and month, counted over the rows.
    let crimes = std::fs::read_to_string(data.join("crimes.csv")).unwrap();
    let mut counted: BTreeMap<(String, String), u64> = BTreeMap::new();
    for line in crimes.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[6] == "true" {
            *counted
                .entry((cells[3].to_string(), cells[1][..7].to_string()))
                .or_default() += 1;
        }
    }
    let mut seen = 0;
    for row in rows
        .iter()
        .filter(|r| r["measure_id"] == "domestic_abuse_crimes" && r["breakdown"] == "district")
    {
        let key = (row["group"].clone(), row["period_start"][..7].to_string());
        assert_eq!(
            row["numerator"],
            counted.get(&key).copied().unwrap_or(0).to_string(),
            "{key:?}"
        );
        seen += 1;
    }
    assert_eq!(seen, 3 * 24, "every district, every month, zero-filled");

    // The force-wide rate divides by the three districts' population.
    let population = std::fs::read_to_string(data.join("population.csv")).unwrap();
    let people: u64 = population
        .lines()
        .skip(1)
        .filter(|l| l.contains(",2023,"))
        .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    let last = rows
        .iter()
        .rfind(|r| r["measure_id"] == "victim_based_crime_rate" && r["breakdown"].is_empty())
        .unwrap();
    assert_eq!(last["period_end"], "2023-03-31");
    assert_eq!(last["denominator"], people.to_string());
}

#[test]
fn init_writes_a_project_that_checks_and_runs_on_demo_data_for_its_districts() {
    let dir = tempfile::tempdir().unwrap();
    // The README's command, as written (its `mos` the binary under test).
    let block = common::readme_block("sh", "`mos init`", |b| b.starts_with("mos init"));
    let init = block.replace("\\\n", " ");
    let init = init.lines().next().unwrap();
    let output = ok(Command::new("sh")
        .arg("-c")
        .arg(init.replacen("mos ", &format!("{} ", env!("CARGO_BIN_EXE_mos")), 1))
        .current_dir(dir.path())
        .output()
        .unwrap());
    let project = dir.path().join("leicestershire");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Leicestershire Police"));
    let force = std::fs::read_to_string(project.join("data/force.toml")).unwrap();
    assert!(
        force.contains("id = \"melton\"")
            && force.contains("area = \"Leicester, Leicestershire and Rutland\""),
        "{force}"
    );
    ok(mos_in(&project, &["check"]));
    let out = project.join("results.csv");
    ok(mos_in(&project, &["run", "--out", out.to_str().unwrap()]));
    let rows = results(&out);
    let groups: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r["breakdown"] == "district")
        .map(|r| r["group"].as_str())
        .collect();
    assert_eq!(groups, ["charnwood", "leicester", "melton"].into());
    // Each district's demo population is its own (Census 2021: Leicester
    // 368,600, Charnwood 183,900, Melton 51,800), not one size for all.
    let population = |district: &str| -> f64 {
        rows.iter()
            .find(|r| {
                r["measure_id"] == "victim_based_crime_rate"
                    && r["breakdown"] == "district"
                    && r["group"] == district
            })
            .unwrap()["denominator"]
            .parse()
            .unwrap()
    };
    let leicester = population("leicester");
    for (district, census) in [("charnwood", 183_900.0), ("melton", 51_800.0)] {
        let ratio = leicester / population(district);
        assert!(
            (ratio - 368_600.0 / census).abs() < 0.01,
            "{district}: {ratio}"
        );
    }
    // The project is not written over.
    let again = mos_in(
        dir.path(),
        &["init", project.to_str().unwrap(), "--force", "Other Police"],
    );
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already holds a project"),
        "{}",
        stderr(&again)
    );
    // Without districts, three placeholders to edit, and a word saying so.
    let placeholder = dir.path().join("placeholder");
    let output = ok(mos_in(
        dir.path(),
        &[
            "init",
            placeholder.to_str().unwrap(),
            "--force",
            "Somewhere Police",
        ],
    ));
    assert!(String::from_utf8_lossy(&output.stdout).contains("placeholders"));
    ok(mos_in(&placeholder, &["check"]));
}

#[test]
fn mistakes_in_declarations_are_shown_where_they_are_with_a_fix() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("data/sources")).unwrap();
    std::fs::write(
        p.join("data/sources/custody.toml"),
        CUSTODY
            .replace("type = \"decimal\"", "type = \"decimel\"")
            .replace("nullable = true, from", "nulable = true, from"),
    )
    .unwrap();
    let out = mos_in(
        p,
        &[
            "check",
            "--measures",
            root().join("measures").to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(message.contains("custody.toml:"), "{message}");
    assert!(message.contains("did you mean `decimal`?"), "{message}");

    // A misspelt type is the root cause: its bounds are not out of place.
    std::fs::write(
        p.join("data/sources/custody.toml"),
        CUSTODY.replace(
            "needs         = { type = \"enum_set\", values = [\"interpreter\", \"appropriate_adult\", \"medical\"], nullable = true }",
            "needs         = { type = \"integer\", min = 0, max = 9 }",
        ),
    )
    .unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("unknown column type `integer`")
            && message.contains("did you mean `int`?"),
        "{message}"
    );
    assert!(!message.contains("does not apply"), "{message}");

    // A misspelt key, then a rule naming a column the source lacks.
    std::fs::write(
        p.join("data/sources/custody.toml"),
        CUSTODY.replace("needs         = { type = \"enum_set\", values = [\"interpreter\", \"appropriate_adult\", \"medical\"], nullable = true }",
            "needs         = { type = \"enum_set\", values = [\"interpreter\"], nulable = true }"),
    )
    .unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("unknown field `nulable`") && message.contains("did you mean `nullable`?"),
        "{message}"
    );
    let line = CUSTODY
        .lines()
        .position(|l| l.starts_with("needs"))
        .unwrap()
        + 1;
    assert!(
        message.contains(&format!("custody.toml:{line}:")),
        "{message}"
    );

    std::fs::write(
        p.join("data/sources/custody.toml"),
        CUSTODY.replace("released_at >= detained_at", "released_at >= detained_on"),
    )
    .unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("unknown column `detained_on`")
            && message.contains("did you mean `detained_at`?"),
        "{message}"
    );
    // A derived column made of a column the source lacks.
    std::fs::write(
        p.join("data/sources/custody.toml"),
        format!("{CUSTODY}\n").replace(
            "[[rules]]",
            "long = { type = \"bool\", derive = \"hour > 24\" }\n\n[[rules]]",
        ),
    )
    .unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("unknown column `hour` in the expression of `long`")
            && message.contains("did you mean `hours`?"),
        "{message}"
    );

    // An optional column must be nullable: a file without it reads it as empty.
    std::fs::write(
        p.join("data/sources/custody.toml"),
        CUSTODY.replace(
            "needs         = { type = \"enum_set\", values = [\"interpreter\", \"appropriate_adult\", \"medical\"], nullable = true }",
            "needs         = { type = \"enum_set\", values = [\"interpreter\"], optional = true }",
        ),
    )
    .unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains(&format!("custody.toml:{line}:"))
            && message.contains("`needs` is optional but not nullable")
            && message.contains("add `nullable = true`"),
        "{message}"
    );

    // A district spelt wrong in the force file's ids, and a measure comparing an
    // enum with a value its source does not declare.
    std::fs::write(p.join("data/sources/custody.toml"), CUSTODY).unwrap();
    std::fs::write(
        p.join("data/force.toml"),
        RIVERSHIRE.replace("\"upper_vale\"", "\"Upper Vale\""),
    )
    .unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("force.toml:") && message.contains("is not a district id"),
        "{message}"
    );
    std::fs::write(p.join("data/force.toml"), RIVERSHIRE).unwrap();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::write(
        p.join("measures/m.toml"),
        "id = \"m\"\ntitle = \"M\"\nobjective = 2\nsource = \"custody\"\nkind = \"count\"\nfilter = \"district = 'uper_vale'\"\npolarity = \"neutral\"\n",
    )
    .unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("measures/m.toml:6:")
            && message.contains("`uper_vale` is not a value of `district`")
            && message.contains("did you mean `upper_vale`?"),
        "{message}"
    );
}

#[test]
fn schemas_describe_source_and_force_files() {
    let source: serde_json::Value =
        serde_json::from_slice(&ok(mos_in(root(), &["schema", "--for", "source"])).stdout).unwrap();
    assert!(source["properties"]["columns"].is_object(), "{source}");
    assert!(source["properties"]["rules"].is_object());
    let force: serde_json::Value =
        serde_json::from_slice(&ok(mos_in(root(), &["schema", "--for", "force"])).stdout).unwrap();
    assert!(force["properties"]["districts"].is_object(), "{force}");
    let measure: serde_json::Value =
        serde_json::from_slice(&ok(mos_in(root(), &["schema", "--for", "measure"])).stdout)
            .unwrap();
    assert!(measure["properties"]["numerator"].is_object());
}

/// police.uk's stop and search file as published, read through its declaration.
#[test]
fn the_real_stop_and_search_file_gives_the_published_facts() {
    let real = root().join("../shared/data/real/2016-11-cambridgeshire-stop-and-search.csv");
    assert!(
        real.is_file(),
        "the real file is in ../shared/data/real: {}",
        real.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        &real,
        data.join("2016-11-cambridgeshire-stop-and-search.csv"),
    )
    .unwrap();
    std::fs::write(
        data.join("sources.toml"),
        "[stop_and_search]\nfile = \"2016-11-cambridgeshire-stop-and-search.csv\"\n",
    )
    .unwrap();
    let out = dir.path().join("results.csv");
    let output = run_in_repo(&data, &out, &dir.path().join("snapshots"));
    let said = stderr(&output);
    assert!(
        said.contains("stop_and_search: 81 rows loaded, 0 rejected"),
        "{said}"
    );
    assert!(
        said.contains("no extract for `crimes`"),
        "the other sources are left out: {said}"
    );
    // An independent count over the raw rows: outcomes other than nothing found.
    let mut reader = csv::Reader::from_path(&real).unwrap();
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "Outcome")
        .unwrap();
    let (mut found, mut all) = (0, 0);
    for record in reader.records() {
        all += 1;
        found += u64::from(&record.unwrap()[at] != "Nothing found - no further action");
    }
    assert_eq!((found, all), (32, 81), "SOURCES.md: 49 of 81 found nothing");
    let rows = results(&out);
    let total: Vec<&Row> = rows
        .iter()
        .filter(|r| r["measure_id"] == "stop_and_search_find_rate" && r["breakdown"].is_empty())
        .collect();
    assert_eq!(total.len(), 1);
    assert_eq!(
        (
            total[0]["numerator"].as_str(),
            total[0]["denominator"].as_str()
        ),
        ("32", "81")
    );
    // SOURCES.md: the Wilson 95% interval for 32/81 is 0.295681 to 0.503945.
    let bound = |name: &str| total[0][name].parse::<f64>().unwrap();
    assert!(
        (bound("ci_lower") - 0.295681).abs() < 5e-7,
        "{}",
        bound("ci_lower")
    );
    assert!(
        (bound("ci_upper") - 0.503945).abs() < 5e-7,
        "{}",
        bound("ci_upper")
    );
    let types: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| {
            r["measure_id"] == "stop_and_search_find_rate" && r["breakdown"] == "search_type"
        })
        .map(|r| r["group"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "person_and_vehicle_search",
            "person_search",
            "vehicle_search"
        ]
        .into()
    );
}

/// An analyst's workbook as a source: a sheet named in sources.toml, date-times
/// as Excel keeps them, and a reject on the sheet's own row number.
#[test]
fn a_spreadsheet_sheet_is_read_as_a_source_with_its_row_numbers() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut workbook = Workbook::new();
    workbook
        .add_worksheet()
        .set_name("Notes")
        .unwrap()
        .write_string(0, 0, "Exported from the call handling system")
        .unwrap();
    let sheet = workbook.add_worksheet().set_name("Calls").unwrap();
    let when = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    for (c, name) in [
        "call_ref",
        "call_time",
        "line",
        "district",
        "answer_seconds",
        "abandoned",
        "grade",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    let mut rng = Lcg(5);
    let mut expected: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut row = 1u32;
    for i in 0..120 {
        let month = 1 + rng.below(2) as u8;
        let seconds = rng.below(20);
        let line = if i % 4 == 0 { "101" } else { "999" };
        let at = ExcelDateTime::from_ymd(2025, month, 1 + rng.below(27) as u8)
            .unwrap()
            .and_hms(9, 30, 0)
            .unwrap();
        sheet.write_string(row, 0, format!("C{i}")).unwrap();
        sheet
            .write_datetime_with_format(row, 1, &at, &when)
            .unwrap();
        // 999 as a number, as a spreadsheet keeps it; 101 as text.
        if line == "999" {
            sheet.write_number(row, 2, 999.0).unwrap();
        } else {
            sheet.write_string(row, 2, line).unwrap();
        }
        sheet.write_string(row, 3, "Fenland").unwrap();
        sheet.write_number(row, 4, seconds as f64).unwrap();
        sheet.write_boolean(row, 5, false).unwrap();
        if line == "999" {
            let e = expected.entry(format!("2025-0{month}")).or_default();
            e.0 += u64::from(seconds <= 10);
            e.1 += 1;
        }
        row += 1;
    }
    // Sheet row 122 (1-based): answered, with no answer time.
    sheet.write_string(row, 0, "C-bad").unwrap();
    sheet
        .write_datetime_with_format(row, 1, ExcelDateTime::from_ymd(2025, 1, 5).unwrap(), &when)
        .unwrap();
    sheet.write_number(row, 2, 999.0).unwrap();
    sheet.write_string(row, 3, "Fenland").unwrap();
    sheet.write_boolean(row, 5, false).unwrap();
    workbook.save(data.join("Calls November.xlsx")).unwrap();
    std::fs::write(data.join("sources.toml"), readme_toml("sheet = \"Calls\"")).unwrap();
    let out = dir.path().join("results.csv");
    let output = run_in_repo(&data, &out, &dir.path().join("snapshots"));
    assert!(
        stderr(&output).contains("calls_for_service: 120 rows loaded, 1 rejected"),
        "{}",
        stderr(&output)
    );
    let counted: BTreeMap<String, (u64, u64)> =
        proportions_by_month(&results(&out), "calls_999_answered_within_10_seconds");
    assert_eq!(counted, expected);
    let rejects = std::fs::read_to_string(dir.path().join("results.rejects.csv")).unwrap();
    assert!(rejects.contains("Calls November.xlsx,122,"), "{rejects}");

    // A sheet that is not there is named, with the sheets that are.
    std::fs::write(
        data.join("sources.toml"),
        "[calls_for_service]\nfile = \"Calls November.xlsx\"\nsheet = \"Cals\"\n",
    )
    .unwrap();
    let output = mos_in(root(), &["check", "--data", data.to_str().unwrap()]);
    assert!(!output.status.success());
    let said = stderr(&output);
    assert!(
        said.contains("has no sheet `Cals`") && said.contains("did you mean `Calls`?"),
        "{said}"
    );
}

/// Another force's Plan: its own objectives and themes, from its plan.toml.
#[test]
fn objectives_and_themes_come_from_the_plan() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("dashboards")).unwrap();
    std::fs::write(
        p.join("dashboards/plan.toml"),
        r#"
plan = "Police and Crime Plan 2025-2029"
[[objective]]
number = 1
title = "Preventing crime"
[[objective]]
number = 5
title = "Safer roads"
themes = [
  { id = "speeding", title = "Speeding" },
  { id = "fatal_and_serious_collisions", title = "Fatal and serious collisions", restricted = true },
]
"#,
    )
    .unwrap();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    let measure = |objective: u8, theme: &str| {
        format!(
            "id = \"m\"\ntitle = \"Crimes\"\nobjective = {objective}\n{theme}source = \"crimes\"\nkind = \"count\"\npolarity = \"neutral\"\n"
        )
    };
    std::fs::write(
        p.join("measures/m.toml"),
        measure(5, "theme = \"speding\"\n"),
    )
    .unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("`speding` is not a theme of Objective 5 \"Safer roads\"")
            && message.contains("did you mean `speeding`?"),
        "{message}"
    );
    std::fs::write(p.join("measures/m.toml"), measure(4, "")).unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("objective 4 is not in the Police and Crime Plan")
            && message.contains("the Plan's objectives are 1 and 5"),
        "{message}"
    );
    std::fs::write(p.join("measures/m.toml"), measure(5, "")).unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("a measure of Objective 5 needs a theme"),
        "{message}"
    );
    std::fs::write(
        p.join("measures/m.toml"),
        measure(5, "theme = \"fatal_and_serious_collisions\"\n"),
    )
    .unwrap();
    ok(mos_in(p, &["check"]));
    // A restricted theme's measure is for analysts only; the objective is on the home page.
    let out = p.join("results.csv");
    ok(mos_in(p, &["run", "--out", out.to_str().unwrap()]));
    let measures = mos::pipeline::load_measures_in(p, &p.join("measures")).unwrap();
    assert_eq!(
        measures.measures[0].access,
        mos::definition::Access::Restricted
    );
    let plan = mos::dashboards::load_plan(&p.join("dashboards"), &measures).unwrap();
    let numbers: Vec<u8> = plan.objectives.iter().map(|o| o.number).collect();
    assert_eq!(numbers, [1, 5]);
    assert_eq!(
        plan.objectives[1].themes[0].title(),
        "Fatal and serious collisions"
    );
}

/// `cargo install --path .`, then `mos` in a folder of nothing: the shipped
/// measures, declarations and Plan are built in, as the demo data is.
#[test]
fn mos_works_from_an_empty_folder() {
    let empty = tempfile::tempdir().unwrap();
    let output = ok(mos_in(empty.path(), &["check"]));
    // The shipped measures and People's Priorities, as many as the repository's files.
    let shipped = ["measures", "measures/priorities"]
        .iter()
        .map(|dir| common::toml_files(&common::root().join(dir)))
        .sum::<usize>();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains(&format!("{shipped} built-in measures are valid")),
        "{said}"
    );
    let out = empty.path().join("results.csv");
    ok(mos_in(
        empty.path(),
        &["run", "--out", out.to_str().unwrap()],
    ));
    let measures: std::collections::BTreeSet<String> = results(&out)
        .into_iter()
        .map(|r| r["measure_id"].clone())
        .collect();
    // All but the two People's Priorities on police.uk's data, which the
    // demo data does not have.
    assert_eq!(measures.len(), shipped - 2);
    let packs = empty.path().join("packs");
    ok(mos_in(
        empty.path(),
        &[
            "report",
            "--objective",
            "4",
            "--as-of",
            "2026-04-07",
            "--out",
            packs.to_str().unwrap(),
        ],
    ));
    let pack = std::fs::read_dir(&packs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let html = std::fs::read_to_string(pack.join("report.html")).unwrap();
    assert!(
        html.contains("Cambridgeshire and Peterborough"),
        "the shipped force's area"
    );
    assert!(html.contains("Domestic abuse"), "the shipped Plan's themes");
}

/// `mos schema | head`: a reader that goes away ends the output quietly.
#[test]
fn a_closed_stdout_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["schema"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader is gone before `mos` has written a byte.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(stderr(&output), "", "no panic, no message");
}

/// A rate divides by the table a source declares `population_of = "district"`:
/// a force's own, in the shipped one's place; two are refused.
#[test]
fn a_rate_divides_by_the_declared_population_table() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("data/sources")).unwrap();
    std::fs::write(p.join("data/force.toml"), RIVERSHIRE).unwrap();
    let residents = "title = \"Residents\"\npopulation_of = \"district\"\n[columns]\n\
                     district = { type = \"district\", from = \"Area\" }\n\
                     year = { type = \"int\", min = 2000, max = 2100, from = \"Year\" }\n\
                     population = { type = \"int\", min = 1, from = \"Residents\" }\n";
    std::fs::write(p.join("data/sources/residents.toml"), residents).unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("`population` and `residents` are both population tables by district"),
        "{message}"
    );
    std::fs::remove_file(p.join("data/sources/residents.toml")).unwrap();
    std::fs::write(p.join("data/sources/population.toml"), residents).unwrap();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::copy(
        root().join("measures/victim_based_crime_rate.toml"),
        p.join("measures/victim_based_crime_rate.toml"),
    )
    .unwrap();
    let data = p.join("extracts");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("population.csv"),
        "Area,Year,Residents\nUpper Vale,2024,120000\nL. Vale,2024,80000\n",
    )
    .unwrap();
    let mut crimes = String::from(
        "crime_ref,recorded_date,offence_group,district,victim_id,victim_age,domestic_abuse,cse,outcome_type,outcome_date\n",
    );
    for i in 0..300 {
        let district = if i % 3 == 0 {
            "lower_vale"
        } else {
            "upper_vale"
        };
        crimes.push_str(&format!(
            "C{i},2024-{:02}-10,burglary,{district},V{i},40,false,false,,\n",
            1 + i % 12
        ));
    }
    std::fs::write(data.join("crimes.csv"), crimes).unwrap();
    let out = p.join("results.csv");
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", out.to_str().unwrap()],
    ));
    let rows = results(&out);
    let last = rows
        .iter()
        .rfind(|r| r["measure_id"] == "victim_based_crime_rate" && r["breakdown"].is_empty())
        .unwrap();
    // 300 victim-based crimes in the twelve months to December 2024, per 1,000 of 200,000.
    assert_eq!(
        (last["numerator"].as_str(), last["denominator"].as_str()),
        ("300", "200000")
    );
    assert!((last["value"].parse::<f64>().unwrap() - 1.5).abs() < 1e-9);
}

/// A declaration that is not UTF-8, or a pipe in a declaration's place, is an
/// error that names it: never ignored, never a read that blocks.
#[test]
fn an_unreadable_declaration_is_named() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("data/sources")).unwrap();
    std::fs::write(
        p.join("data/sources/custody.toml"),
        b"title = \"Caf\xe9\"\n",
    )
    .unwrap();
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("custody.toml is not UTF-8 text (byte 13 is not)"),
        "{message}"
    );
    std::fs::remove_file(p.join("data/sources/custody.toml")).unwrap();
    let fifo = p.join("data/force.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let message = stderr(&mos_in(p, &["check"]));
    assert!(
        message.contains("force.toml is not a regular file"),
        "{message}"
    );
}

/// Copies the folder `from` to `to`, less its subfolder `skipped`.
fn copy_without(from: &std::path::Path, to: &std::path::Path, skipped: &str) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if path.is_dir() {
            if name != skipped {
                copy_without(&path, &to.join(name), skipped);
            }
        } else {
            std::fs::copy(&path, to.join(name)).unwrap();
        }
    }
}

/// A condition whose value cannot be its column's type fails in `mos check`,
/// at its line, as the analyst wrote it, not in the middle of `mos run`; and
/// a column's type is said in words.
#[test]
fn conditions_are_type_checked_as_a_run_plans_them() {
    let project = tempfile::tempdir().unwrap();
    let measures = project.path().join("measures");
    std::fs::create_dir_all(&measures).unwrap();
    let head = "title = \"Calls\"\nobjective = 1\nsource = \"calls_for_service\"\ngrain = \"month\"\npolarity = \"neutral\"\n";
    std::fs::write(
        measures.join("quick.toml"),
        format!(
            "id = \"quick\"\n{head}kind = \"proportion\"\nnumerator = \"answer_seconds <= 'ten'\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        measures.join("middle.toml"),
        format!("id = \"middle\"\n{head}kind = \"median\"\nof = \"district\"\n"),
    )
    .unwrap();
    let output = common::mos_in(project.path(), &["check"]);
    assert!(!output.status.success());
    let said = stderr(&output);
    assert!(
        said.contains(
            "`numerator` compares a column of whole numbers with 'ten', which is not one"
        ),
        "{said}"
    );
    assert!(said.contains("measures/quick.toml:8:"), "{said}");
    assert!(said.contains("answer_seconds <= 10"), "the fix: {said}");
    assert!(
        said.contains("must be a number for each row, but it gives text"),
        "{said}"
    );
    assert!(!said.contains("Dictionary"), "{said}");
    // The right spelling passes.
    std::fs::write(
        measures.join("quick.toml"),
        format!(
            "id = \"quick\"\n{head}kind = \"proportion\"\nnumerator = \"answer_seconds <= 10\"\n"
        ),
    )
    .unwrap();
    std::fs::remove_file(measures.join("middle.toml")).unwrap();
    let output = common::mos_in(project.path(), &["check"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

/// The README's list of shipped sources names every one of `data/sources/`.
#[test]
fn the_readme_names_every_shipped_source() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let start = readme
        .find("Shipped: the five extracts")
        .expect("the README's list");
    let list: String = readme[start..]
        .split("\n\n")
        .next()
        .unwrap()
        .replace('\n', " ");
    for entry in std::fs::read_dir(common::root().join("data/sources")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let contract = [
            "crimes",
            "victim_satisfaction",
            "victim_contacts",
            "hate_incidents",
            "mental_health_contacts",
        ];
        assert!(
            contract.contains(&name.as_str()) || list.contains(&format!("`{name}`")),
            "the README's list of shipped sources lacks `{name}`: {list}"
        );
    }
}
