//! National standards and the Plan's own targets: several targets and
//! targets that change, each read against the process limits; the Plan's SPC
//! run length and a baseline of the first points; and the shipped attendance
//! and 101 measures on the demo's rows. Every figure is checked against a
//! plain loop over the rows written here.

use crate::common;

use common::{mos_in, ok, results_csv};
use std::collections::BTreeMap;
use std::path::Path;

/// 999 calls a month from January 2023, `answered[m]` of 100 within 10
/// seconds in month m (the rest in 30), in the shipped `calls_for_service` form.
fn calls_csv(answered: &[u32]) -> String {
    let mut csv = String::from("call_ref,call_time,line,district,answer_seconds,abandoned,grade\n");
    for (m, &within) in answered.iter().enumerate() {
        let (year, month) = (2023 + m / 12, 1 + m % 12);
        for i in 0..100u32 {
            let seconds = if i < within { 4 } else { 30 };
            csv.push_str(&format!(
                "C{m}-{i},{year}-{month:02}-{:02}T12:00:00,999,cambridge,{seconds},false,emergency\n",
                1 + i % 28
            ));
        }
    }
    csv
}

/// A project with these measures, calls and (where given) its own Plan.
fn project(measures: &[(&str, &str)], answered: &[u32], plan: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for folder in ["measures", "extracts", "dashboards"] {
        std::fs::create_dir_all(p.join(folder)).unwrap();
    }
    for (id, text) in measures {
        std::fs::write(p.join(format!("measures/{id}.toml")), text).unwrap();
    }
    std::fs::write(
        p.join("extracts/calls_for_service.csv"),
        calls_csv(answered),
    )
    .unwrap();
    if let Some(plan) = plan {
        std::fs::write(p.join("dashboards/plan.toml"), plan).unwrap();
    }
    dir
}

/// The total series of `id` in a results CSV, in period order.
fn total(rows: &[BTreeMap<String, String>], id: &str) -> Vec<BTreeMap<String, String>> {
    rows.iter()
        .filter(|r| r["measure_id"] == id && r["breakdown"].is_empty())
        .cloned()
        .collect()
}

/// XmR limits (mean, lower, upper) of `values` worked out here: 2.66 times
/// the mean moving range either side of the mean.
fn xmr(values: &[f64]) -> (f64, f64, f64) {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let mut moving = 0.0;
    for pair in values.windows(2) {
        moving += (pair[1] - pair[0]).abs();
    }
    let moving = moving / (values.len() - 1) as f64;
    (mean, mean - 2.66 * moving, mean + 2.66 * moving)
}

const ANSWERED: &str = r#"id = "answered"
title = "999 calls answered within 10 seconds"
objective = 3
source = "calls_for_service"
kind = "proportion"
filter = "line = '999' AND NOT abandoned"
numerator = "answer_seconds <= 10"
grain = "month"
polarity = "higher_is_better"
spc = true

[[targets]]
name = "National standard"
value = 0.9

[[targets]]
name = "Local target"
value = 0.7

[[targets]]
name = "Local target"
value = 0.75
from = "2024-04"
"#;

/// Two years of answering a little under 80%, steady: well short of the
/// national 90%, well over the local 70% and then 75%.
const STEADY: [u32; 24] = [
    79, 81, 80, 80, 79, 81, 80, 79, 81, 80, 80, 79, 81, 80, 79, 81, 80, 80, 79, 81, 80, 79, 81, 80,
];

fn plan(extra: &str) -> String {
    format!(
        "plan = \"Police and Crime Plan\"\n{extra}\n[[objective]]\nnumber = 3\ntitle = \"Communities\"\n"
    )
}

/// The pack of Objective 3 for December 2024 (HTML and workbook) made in `p`.
fn pack(p: &Path) -> (String, std::path::PathBuf) {
    ok(mos_in(
        p,
        &[
            "report",
            "--data",
            "extracts",
            "--objective",
            "3",
            "--out",
            "packs",
            "--as-of",
            "2025-01-10",
        ],
    ));
    let folder = p.join("packs/objective-3-2024-12");
    let html = std::fs::read_to_string(folder.join("report.html")).unwrap();
    (html, folder.join("figures.xlsx"))
}

fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    // A tag's edge is a space, but for one before punctuation.
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" :", ":")
        .replace(" .", ".")
        .replace(" ,", ",")
}

#[test]
fn several_targets_and_a_trajectory_are_read_against_the_limits_and_graded_as_the_plan_says() {
    let dir = project(&[("answered", ANSWERED)], &STEADY, Some(&plan("")));
    let p = dir.path();
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", "results.csv"],
    ));
    let rows = total(&results_csv(&p.join("results.csv")), "answered");
    assert_eq!(rows.len(), 24);
    // The figures and limits, worked out here from the calls written.
    let values: Vec<f64> = STEADY.iter().map(|&k| f64::from(k) / 100.0).collect();
    let (mean, lower, upper) = xmr(&values);
    for (row, value) in rows.iter().zip(&values) {
        assert!((row["value"].parse::<f64>().unwrap() - value).abs() < 1e-12);
        assert!((row["spc_upper"].parse::<f64>().unwrap() - upper).abs() < 1e-9);
    }
    // The whole process lies below 90% and above 75%: the national standard is
    // missed consistently, the local target (75% from April 2024) met.
    assert!(
        upper < 0.9 && lower > 0.75,
        "{lower} to {upper} around {mean}"
    );

    let (html, workbook) = pack(p);
    let text = text_of(&html);
    for said in [
        "It consistently misses the national standard of 90.0% and consistently meets the local target of 75.0% (from April 2024).",
        "Targets: national standard 90.0%; local target 70.0% to March 2024, 75.0% from April 2024.",
        // The first target grades it, the Plan naming none.
        "Requires scrutiny: the national standard is being missed consistently",
    ] {
        assert!(text.contains(said), "{said:?} is not in the pack: {text}");
    }
    // Each target is drawn, and told apart by more than colour under the chart.
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(&workbook).unwrap();
    let sheet = book.worksheet_range_at(1).unwrap().unwrap();
    let notes = sheet.get_value((2, 0)).unwrap().to_string();
    assert!(
        notes.contains("Targets: national standard 90.0%; local target 70.0% to March 2024, 75.0% from April 2024.")
            && notes.contains("consistently misses the national standard of 90.0%"),
        "{notes}"
    );

    // The Plan grades on the local target instead (the README's `[grading]`,
    // as written): met, so content.
    let grading = common::readme_block("toml", "the grading target", |b| {
        b.starts_with("[grading]\ntarget = ")
    });
    std::fs::write(p.join("dashboards/plan.toml"), plan(&grading)).unwrap();
    let (html, _) = pack(p);
    let text = text_of(&html);
    assert!(
        text.contains("Content: no special cause, no target missed"),
        "{text}"
    );
    assert!(!text.contains("Requires scrutiny: the"), "{text}");
}

/// The README's `[[targets]]` are the shipped 999 measure's, as written.
#[test]
fn the_readme_targets_are_the_shipped_999_measures() {
    let block = common::readme_block("toml", "several targets", |b| b.starts_with("[[targets]]"));
    let shipped = std::fs::read_to_string(
        common::root().join("measures/calls_999_answered_within_10_seconds.toml"),
    )
    .unwrap();
    assert!(shipped.contains(&block), "{block}");
}

/// The JSON the dashboard's API gives at `path` for the project in `p`
/// (its extracts in `extracts/`), as the public reads it.
fn api(p: &Path, path: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let body = runtime.block_on(async {
        let config = mos::web::ServeConfig {
            data: Some(p.join("extracts")),
            snapshots: Some(p.join("snapshots")),
            measures: p.join("measures"),
            dashboards: p.join("dashboards"),
            max_reject_share: None,
        };
        let state = mos::web::AppState::with_options(
            config,
            mos::web::auth::TokenStore::default(),
            mos::web::ServeOptions::default(),
        )
        .await
        .unwrap();
        use tower::ServiceExt;
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let response = mos::web::app(state).oneshot(request).await.unwrap();
        axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap()
    });
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn the_api_gives_each_target_its_values_over_time_and_its_reading() {
    let dir = project(&[("answered", ANSWERED)], &STEADY, None);
    let p = dir.path();
    let measure = &api(p, "/api/measures/answered");
    assert_eq!(measure["target"], 0.9, "{measure}");
    let targets = measure["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0]["name"], "National standard");
    assert_eq!(targets[0]["grades"], true);
    assert_eq!(
        targets[1]["values"],
        serde_json::json!([{ "from": null, "value": 0.7 }, { "from": "2024-04", "value": 0.75 }])
    );
    let read = measure["reading"]["targets"].as_array().unwrap();
    assert_eq!(read[0]["assurance"], "consistently_missed");
    assert_eq!(read[1]["assurance"], "consistently_met");
    assert_eq!(read[1]["value"], 0.75);
    assert_eq!(read[1]["from"], "2024-04");
    assert_eq!(measure["reading"]["assurance"], "consistently_missed");
}

#[test]
fn check_refuses_targets_that_make_no_sense() {
    // What `mos check` says of the measure written `text`, which it must refuse.
    let refused = |text: String| {
        let dir = project(&[("answered", &text)], &STEADY, None);
        let output = mos_in(dir.path(), &["check"]);
        assert!(!output.status.success(), "{text} was accepted");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let both = refused(format!("target = 0.9\n{ANSWERED}"));
    assert!(
        both.contains("a measure has `target` or `[[targets]]`, not both"),
        "{both}"
    );
    let month = refused(format!(
        "{ANSWERED}\n[[targets]]\nname = \"Local target\"\nvalue = 0.8\nfrom = \"April 2025\"\n"
    ));
    assert!(
        month.contains("a target's `from` must be a month written `YYYY-MM`")
            && month.contains("answered.toml:28:"),
        "{month}"
    );
    let twice = refused(format!(
        "{ANSWERED}\n[[targets]]\nname = \"Local target\"\nvalue = 0.8\nfrom = \"2024-04\"\n"
    ));
    assert!(
        twice.contains("the Local target is given twice from 2024-04")
            && twice.contains("answered.toml:25:"),
        "{twice}"
    );
    let percent = refused(format!(
        "{ANSWERED}\n[[targets]]\nname = \"Stretch\"\nvalue = 95\n"
    ));
    assert!(
        percent.contains("target 95 is not a proportion")
            && percent.contains("answered.toml:27:")
            && percent.contains("write 85% as 0.85"),
        "{percent}"
    );
}

/// Monthly 999 calls answered within 10 seconds: a count, so that the run
/// rules read the numbers written here.
const COUNTED: &str = r#"id = "counted"
title = "999 calls answered within 10 seconds, counted"
objective = 3
source = "calls_for_service"
kind = "count"
filter = "line = '999' AND answer_seconds <= 10"
grain = "month"
polarity = "higher_is_better"
spc = true
"#;

/// The months (from 0) flagged in `id`'s total series.
fn flagged(p: &Path, id: &str) -> Vec<usize> {
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", "results.csv"],
    ));
    total(&results_csv(&p.join("results.csv")), id)
        .iter()
        .enumerate()
        .filter(|(_, r)| !r["spc_signal"].is_empty())
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn the_plan_reads_a_run_of_six_when_it_says_so() {
    // Alternating about 80, then six months a little above the mean, then
    // alternating again: a run of six, no trend, nothing near the limits.
    let mut answered: Vec<u32> = (0..10).map(|i| if i % 2 == 0 { 82 } else { 78 }).collect();
    answered.extend([81, 82, 81, 82, 81, 82]);
    answered.extend((0..8).map(|i| if i % 2 == 0 { 78 } else { 82 }));
    let values: Vec<f64> = answered.iter().map(|&k| f64::from(k)).collect();
    let (mean, lower, upper) = xmr(&values);
    // Worked out here: months 10 to 15 are the only six in a row on one side.
    let above: Vec<bool> = values.iter().map(|&v| v > mean).collect();
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=above.len() {
        if i == above.len() || above[i] != above[start] {
            runs.push((start, i - start));
            start = i;
        }
    }
    assert_eq!(runs.iter().map(|r| r.1).max(), Some(6), "{runs:?}");
    assert!(values.iter().all(|&v| v > lower && v < upper));

    let dir = project(&[("counted", COUNTED)], &answered, Some(&plan("")));
    let p = dir.path();
    assert_eq!(
        flagged(p, "counted"),
        Vec::<usize>::new(),
        "seven is the default"
    );
    std::fs::write(p.join("dashboards/plan.toml"), plan("spc_run_length = 6")).unwrap();
    assert_eq!(flagged(p, "counted"), (10..16).collect::<Vec<_>>());

    std::fs::write(p.join("dashboards/plan.toml"), plan("spc_run_length = 5")).unwrap();
    let output = mos_in(p, &["check"]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        said.contains("plan.toml:2:")
            && said.contains("an SPC run of 5 points is not one the guidance uses")
            && said.contains("`spc_run_length = 7`"),
        "{said}"
    );
}

#[test]
fn the_readme_baseline_of_the_first_points_fixes_the_limits() {
    let line = common::readme_block("toml", "the first-points baseline", |b| {
        b.starts_with("spc_baseline = 12")
    });
    // A year at about 80, then a year at about 90: read against the first
    // year's limits, the second year is beyond them.
    let mut answered: Vec<u32> = (0..12).map(|i| [79, 81, 80, 82][i % 4]).collect();
    answered.extend((0..12).map(|i| [89, 91, 90, 92][i % 4]));
    let measure = format!("{COUNTED}{line}");
    let dir = project(&[("counted", &measure)], &answered, None);
    let p = dir.path();
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", "results.csv"],
    ));
    let rows = total(&results_csv(&p.join("results.csv")), "counted");
    let values: Vec<f64> = answered.iter().map(|&k| f64::from(k)).collect();
    let (mean, lower, upper) = xmr(&values[..12]);
    for row in &rows {
        let limit = |column: &str| row[column].parse::<f64>().unwrap();
        assert!((limit("spc_mean") - mean).abs() < 1e-9, "{row:?}");
        assert!((limit("spc_lower") - lower).abs() < 1e-9);
        assert!((limit("spc_upper") - upper).abs() < 1e-9);
    }
    for (i, row) in rows.iter().enumerate().skip(12) {
        assert!(values[i] > upper);
        assert_eq!(row["spc_signal"], "improvement", "month {i}");
    }

    let one = format!("{COUNTED}spc_baseline = 1\n");
    let dir = project(&[("counted", &one)], &answered, None);
    let output = mos_in(dir.path(), &["check"]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        said.contains("an SPC baseline of 1 points cannot fix limits")
            && said.contains("counted.toml:10:"),
        "{said}"
    );
}

/// A date-time the demo writes, as seconds from the start of its day count.
fn seconds(text: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .unwrap()
        .and_utc()
        .timestamp()
}

#[test]
fn the_national_standards_on_the_demo_are_those_of_its_rows() {
    // The README's attendance measure is the shipped one, as written.
    let block = common::readme_block("toml", "the attendance standard", |b| {
        b.contains("source = \"incidents\"")
    });
    let shipped = std::fs::read_to_string(
        common::root().join("measures/emergency_attendance_within_standard.toml"),
    )
    .unwrap();
    for line in block.lines() {
        assert!(
            shipped.lines().any(|l| l == line),
            "{line:?} is not shipped"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(mos_in(
        p,
        &[
            "generate", "--out", "extracts", "--years", "2", "--scale", "0.1", "--seed", "9",
        ],
    ));
    ok(mos_in(
        common::root(),
        &[
            "run",
            "--data",
            p.join("extracts").to_str().unwrap(),
            "--out",
            p.join("results.csv").to_str().unwrap(),
            "--snapshots",
            p.join("snapshots").to_str().unwrap(),
        ],
    ));
    let results = results_csv(&p.join("results.csv"));
    let row = |id: &str, month: &str, breakdown: &str, group: &str| {
        results
            .iter()
            .find(|r| {
                r["measure_id"] == id
                    && r["period_start"].starts_with(month)
                    && r["breakdown"] == breakdown
                    && r["group"] == group
            })
            .unwrap_or_else(|| panic!("no {id} {month} {group}"))
            .clone()
    };

    // Emergencies attended, by month and urban or rural, from the rows.
    let mut minutes: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(p.join("extracts/incidents.csv")).unwrap();
    for record in reader.deserialize::<BTreeMap<String, String>>() {
        let r = record.unwrap();
        if r["grade"] != "emergency" || r["arrived_time"].is_empty() {
            continue;
        }
        let taken = (seconds(&r["arrived_time"]) - seconds(&r["received_time"])) as f64 / 60.0;
        let month = r["received_time"][..7].to_string();
        minutes
            .entry((month.clone(), r["urban_rural"].clone()))
            .or_default()
            .push(taken);
        minutes
            .entry((month, String::new()))
            .or_default()
            .push(taken);
    }
    assert_eq!(minutes.len(), 24 * 3, "urban, rural and all, every month");
    let mut shares = Vec::new();
    for ((month, place), mut taken) in minutes {
        let within = taken
            .iter()
            .filter(|&&t| match place.as_str() {
                "urban" => t <= 15.0,
                "rural" => t <= 20.0,
                _ => false,
            })
            .count();
        let breakdown = if place.is_empty() { "" } else { "urban_rural" };
        let standard = row(
            "emergency_attendance_within_standard",
            &month,
            breakdown,
            &place,
        );
        assert_eq!(
            standard["denominator"],
            taken.len().to_string(),
            "{month} {place}"
        );
        if place.is_empty() {
            let urban = row(
                "emergency_attendance_within_standard",
                &month,
                "urban_rural",
                "urban",
            );
            let rural = row(
                "emergency_attendance_within_standard",
                &month,
                "urban_rural",
                "rural",
            );
            let both: u64 = [urban, rural]
                .iter()
                .map(|r| r["numerator"].parse::<u64>().unwrap())
                .sum();
            assert_eq!(standard["numerator"], both.to_string());
            shares.push(both as f64 / taken.len() as f64);
        } else {
            assert_eq!(standard["numerator"], within.to_string(), "{month} {place}");
        }
        // The median (the middle value, or the mean of the middle two) and the
        // 90th percentile (the nearest rank).
        taken.sort_by(f64::total_cmp);
        let n = taken.len();
        let median = if n % 2 == 1 {
            taken[n / 2]
        } else {
            (taken[n / 2 - 1] + taken[n / 2]) / 2.0
        };
        let rank = (0.9 * n as f64).ceil() as usize;
        let median_row = row(
            "emergency_attendance_minutes_median",
            &month,
            breakdown,
            &place,
        );
        let p90_row = row(
            "emergency_attendance_minutes_90th_percentile",
            &month,
            breakdown,
            &place,
        );
        assert!((median_row["value"].parse::<f64>().unwrap() - median).abs() < 1e-6);
        assert!((p90_row["value"].parse::<f64>().unwrap() - taken[rank - 1]).abs() < 1e-6);
    }
    // A plausible force: most emergencies are reached within the standard.
    assert!(
        shares.iter().all(|&s| (0.7..0.95).contains(&s)),
        "{shares:?}"
    );

    // 101's mean wait, from the answered calls.
    let mut waits: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(p.join("extracts/calls_for_service.csv")).unwrap();
    for record in reader.deserialize::<BTreeMap<String, String>>() {
        let r = record.unwrap();
        if r["line"] == "101" && r["abandoned"] == "false" {
            waits
                .entry(r["call_time"][..7].to_string())
                .or_default()
                .push(r["answer_seconds"].parse().unwrap());
        }
    }
    for (month, waits) in waits {
        let mean = waits.iter().sum::<f64>() / waits.len() as f64;
        let r = row("calls_101_average_wait", &month, "", "");
        let (value, low, high) = (
            r["value"].parse::<f64>().unwrap(),
            r["ci_lower"].parse::<f64>().unwrap(),
            r["ci_upper"].parse::<f64>().unwrap(),
        );
        assert!(
            (value - mean).abs() < 1e-9,
            "{month}: {value} against {mean}"
        );
        assert!(low < mean && mean < high);
        assert_eq!(r["numerator"], waits.len().to_string());
    }
}

#[test]
fn the_readme_p_prime_chart_steps_its_limits_with_each_months_size() {
    let line = common::readme_block("toml", "the p' chart", |b| {
        b.starts_with("spc_chart = \"p'\"")
    });
    // Months of 1,000 to 3,000 calls, answered within 10 seconds about 80% of
    // the time with a real wobble from month to month; the last is far worse.
    let sizes: Vec<u32> = (0..24).map(|m| 1000 + (m * 733) % 2000).collect();
    let mut answered: Vec<u32> = sizes
        .iter()
        .enumerate()
        .map(|(m, &n)| n * [78, 82, 80, 79, 83, 81][m % 6] / 100)
        .collect();
    answered[23] = sizes[23] * 60 / 100;
    let mut csv = String::from("call_ref,call_time,line,district,answer_seconds,abandoned,grade\n");
    for (m, (&n, &within)) in sizes.iter().zip(&answered).enumerate() {
        let (year, month) = (2023 + m / 12, 1 + m % 12);
        for i in 0..n {
            let seconds = if i < within { 4 } else { 30 };
            csv.push_str(&format!(
                "C{m}-{i},{year}-{month:02}-{:02}T12:00:00,999,cambridge,{seconds},false,emergency\n",
                1 + i % 28
            ));
        }
    }
    let measure = ANSWERED.replace("spc = true\n", &format!("spc = true\n{line}"));
    let dir = project(&[("answered", &measure)], &[], None);
    let p = dir.path();
    std::fs::write(p.join("extracts/calls_for_service.csv"), csv).unwrap();
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", "results.csv"],
    ));
    let rows = total(&results_csv(&p.join("results.csv")), "answered");
    assert_eq!(rows.len(), 24);

    // Laney's p′, worked out here.
    let (x, n): (Vec<f64>, Vec<f64>) = answered
        .iter()
        .zip(&sizes)
        .map(|(&x, &n)| (f64::from(x), f64::from(n)))
        .unzip();
    let centre = x.iter().sum::<f64>() / n.iter().sum::<f64>();
    let se: Vec<f64> = n
        .iter()
        .map(|n| (centre * (1.0 - centre) / n).sqrt())
        .collect();
    let z: Vec<f64> = (0..24).map(|i| (x[i] / n[i] - centre) / se[i]).collect();
    let mut moving = 0.0;
    for i in 1..24 {
        moving += (z[i] - z[i - 1]).abs();
    }
    let sigma_z = moving / 23.0 / 1.128;
    let mut widths = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let (lower, upper) = (
            centre - 3.0 * se[i] * sigma_z,
            centre + 3.0 * se[i] * sigma_z,
        );
        let got = |c: &str| row[c].parse::<f64>().unwrap();
        assert!((got("spc_mean") - centre).abs() < 1e-12);
        assert!((got("spc_lower") - lower).abs() < 1e-12, "{i}");
        assert!((got("spc_upper") - upper).abs() < 1e-12, "{i}");
        widths.push(upper - lower);
        let outside = x[i] / n[i] < lower || x[i] / n[i] > upper;
        if outside {
            assert_eq!(
                row["spc_signal"],
                if x[i] / n[i] < lower {
                    "concern"
                } else {
                    "improvement"
                }
            );
        }
    }
    // The limits step with the size: the largest month's are the narrowest.
    let largest = (0..24).max_by_key(|&i| sizes[i]).unwrap();
    let narrowest = (0..24)
        .min_by(|&a, &b| widths[a].total_cmp(&widths[b]))
        .unwrap();
    assert_eq!(largest, narrowest);
    assert_eq!(rows[23]["spc_signal"], "concern");
    assert!(
        rows[..23].iter().all(|r| r["spc_signal"].is_empty()),
        "only the last month is special"
    );

    let (html, _) = pack(p);
    let text = text_of(&html);
    assert!(text.contains("Laney's p′ and u′ charts"), "{text}");
}

/// The spec's ten crimes columns, then the two optional details.
const CRIME_COLUMNS: [&str; 12] = [
    "crime_ref",
    "recorded_date",
    "offence_group",
    "district",
    "victim_id",
    "victim_age",
    "domestic_abuse",
    "cse",
    "outcome_type",
    "outcome_date",
    "robbery_of",
    "retail_worker_victim",
];

/// 300 crimes over February 2024 to March 2025: every offence group of town-centre
/// crime and some that are not, robberies of either kind (or unsaid),
/// violence against retail workers and others, some with positive outcomes.
fn town_centre_rows() -> Vec<[String; 12]> {
    let groups = [
        "shoplifting",
        "theft_from_person",
        "robbery",
        "violence_against_the_person",
        "burglary",
        "robbery",
        "shoplifting",
    ];
    (0..300)
        .map(|i: usize| {
            let group = groups[i % groups.len()];
            // February 2024 to March 2025: fourteen months.
            let (year, month) = (2024 + (i % 14 + 1) / 12, 1 + (i % 14 + 1) % 12);
            let outcome = [Some(1), Some(12), None, Some(6), None][i % 5];
            let robbery_of = match (group, (i / 14) % 3) {
                ("robbery", 0) => "business_property",
                ("robbery", 1) => "personal_property",
                _ => "",
            };
            let retail = group == "violence_against_the_person" && i % 4 == 1;
            [
                format!("CR{i}"),
                format!("{year}-{month:02}-{:02}", 1 + i % 27),
                group.to_string(),
                "cambridge".to_string(),
                format!("V{i}"),
                "30".to_string(),
                "false".to_string(),
                "false".to_string(),
                outcome.map(|o: u32| o.to_string()).unwrap_or_default(),
                outcome
                    .map(|_| format!("{year}-{month:02}-28"))
                    .unwrap_or_default(),
                robbery_of.to_string(),
                retail.to_string(),
            ]
        })
        .collect()
}

/// What town-centre offence a row is, by the Guarantee's list, worked out
/// here; `with_details` false when the export leaves the optional columns out.
fn town_centre_offence(row: &[String; 12], with_details: bool) -> Option<&'static str> {
    let (robbery_of, retail) = if with_details {
        (row[10].as_str(), row[11] == "true")
    } else {
        ("", false)
    };
    match (row[2].as_str(), robbery_of) {
        ("shoplifting", _) => Some("shop_theft"),
        ("theft_from_person", _) => Some("theft_from_the_person"),
        ("robbery", "business_property") => Some("robbery_of_business_property"),
        ("robbery", "personal_property") => Some("personal_robbery"),
        ("robbery", _) => Some("robbery_of_property_not_recorded"),
        ("violence_against_the_person", _) if retail => Some("assault_on_a_retail_worker"),
        _ => None,
    }
}

/// The crimes extract, written as `format` (csv, parquet or xlsx), with the
/// first `columns` columns.
fn write_crimes(path: &Path, rows: &[[String; 12]], columns: usize, format: &str) {
    match format {
        "csv" => {
            let mut w = csv::Writer::from_path(path).unwrap();
            w.write_record(&CRIME_COLUMNS[..columns]).unwrap();
            for row in rows {
                w.write_record(&row[..columns]).unwrap();
            }
            w.flush().unwrap();
        }
        "parquet" => {
            use datafusion::arrow::array::{ArrayRef, StringArray};
            use datafusion::arrow::record_batch::RecordBatch;
            let arrays: Vec<(&str, ArrayRef)> = (0..columns)
                .map(|c| {
                    let values: Vec<Option<&str>> = rows
                        .iter()
                        .map(|r| Some(r[c].as_str()).filter(|v| !v.is_empty()))
                        .collect();
                    (
                        CRIME_COLUMNS[c],
                        std::sync::Arc::new(StringArray::from(values)) as ArrayRef,
                    )
                })
                .collect();
            let batch = RecordBatch::try_from_iter(arrays).unwrap();
            let file = std::fs::File::create(path).unwrap();
            let mut writer =
                datafusion::parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None)
                    .unwrap();
            writer.write(&batch).unwrap();
            writer.close().unwrap();
        }
        _ => {
            let mut workbook = rust_xlsxwriter::Workbook::new();
            let sheet = workbook.add_worksheet();
            for (c, name) in CRIME_COLUMNS[..columns].iter().enumerate() {
                sheet.write_string(0, c as u16, *name).unwrap();
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, value) in row[..columns].iter().enumerate() {
                    sheet
                        .write_string(r as u32 + 1, c as u16, value.as_str())
                        .unwrap();
                }
            }
            workbook.save(path).unwrap();
        }
    }
}

/// Town-centre crime from the crimes extract's declared columns: with the
/// optional details, each offence counted as the rows say; from an export of
/// the spec's ten columns alone (CSV, Parquet or a workbook), the same figures
/// but every robbery counted as one whose property is not recorded and no
/// assault as on a retail worker. Checked against a loop over the rows.
#[test]
fn town_centre_crime_is_counted_from_the_optional_details_or_without_them() {
    // The README's optional details are the shipped crimes declaration's.
    let block = common::readme_block("toml", "the optional details", |b| {
        b.starts_with("robbery_of ")
    });
    let shipped = std::fs::read_to_string(common::root().join("data/sources/crimes.toml")).unwrap();
    for line in block.lines() {
        assert!(
            shipped.lines().any(|l| l == line),
            "{line:?} is not shipped"
        );
    }

    let rows = town_centre_rows();
    for (columns, format) in [
        (12, "csv"),
        (10, "csv"),
        (10, "parquet"),
        (10, "xlsx"),
        (12, "parquet"),
    ] {
        let with_details = columns == 12;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir_all(p.join("measures")).unwrap();
        std::fs::create_dir_all(p.join("extracts")).unwrap();
        for id in ["town_centre_crimes", "town_centre_crimes_positive_outcomes"] {
            let file = format!("measures/{id}.toml");
            std::fs::copy(common::root().join(&file), p.join(&file)).unwrap();
        }
        write_crimes(
            &p.join(format!("extracts/crimes.{format}")),
            &rows,
            columns,
            format,
        );
        ok(mos_in(
            p,
            &["run", "--data", "extracts", "--out", "results.csv"],
        ));
        let results = results_csv(&p.join("results.csv"));

        // Each month's crimes by offence, and the positive outcomes of all three.
        let mut counted: BTreeMap<(String, String), u64> = BTreeMap::new();
        let (mut positive, mut all) = (
            BTreeMap::<String, u64>::new(),
            BTreeMap::<String, u64>::new(),
        );
        for row in &rows {
            let Some(offence) = town_centre_offence(row, with_details) else {
                continue;
            };
            let month = row[1][..7].to_string();
            *counted.entry((month.clone(), offence.into())).or_default() += 1;
            *counted.entry((month.clone(), String::new())).or_default() += 1;
            if month.as_str() < "2024-04" {
                continue; // before the twelve months to March 2025
            }
            let good = row[8].parse::<u32>().is_ok_and(|o| (1..=8).contains(&o));
            *positive.entry(offence.into()).or_default() += u64::from(good);
            *all.entry(offence.into()).or_default() += 1;
        }
        let found: BTreeMap<(String, String), u64> = results
            .iter()
            .filter(|r| {
                r["measure_id"] == "town_centre_crimes"
                    && r["breakdown"] != "district"
                    && r["numerator"] != "0"
            })
            .map(|r| {
                (
                    (r["period_start"][..7].to_string(), r["group"].clone()),
                    r["numerator"].parse().unwrap(),
                )
            })
            .collect();
        assert_eq!(found, counted, "{columns} columns as {format}");
        // Robberies the export does not place are counted apart, and only
        // the details say whose property or that an assault was on a retail worker.
        assert!(all.contains_key("robbery_of_property_not_recorded"));
        for detailed in ["assault_on_a_retail_worker", "personal_robbery"] {
            assert_eq!(all.contains_key(detailed), with_details, "{format}");
        }

        // The share with a positive outcome in the twelve months to March.
        for (offence, n) in &all {
            let r = results
                .iter()
                .find(|r| {
                    r["measure_id"] == "town_centre_crimes_positive_outcomes"
                        && r["period_end"] == "2025-03-31"
                        && &r["group"] == offence
                })
                .unwrap_or_else(|| panic!("no positive outcomes for {offence}"));
            assert_eq!(r["numerator"], positive[offence].to_string(), "{offence}");
            assert_eq!(r["denominator"], n.to_string(), "{offence}");
        }
    }
}

/// PowerBI-SPC's test data for its t chart (test/Chart Types/test-t.ts): the
/// days between 68 events.
const T_GAPS: [u32; 67] = [
    16, 20, 5, 13, 1, 26, 46, 12, 12, 5, 19, 4, 3, 15, 14, 9, 8, 15, 21, 6, 3, 1, 56, 117, 1, 33,
    9, 9, 19, 12, 1, 16, 13, 18, 1, 35, 16, 5, 21, 38, 3, 25, 3, 11, 13, 20, 9, 3, 8, 21, 24, 38,
    8, 13, 9, 1, 30, 23, 3, 7, 22, 19, 11, 31, 6, 1, 1,
];

/// And for its g chart (test-g.ts): the opportunities between 68 events.
const G_OPPORTUNITIES: [u32; 67] = [
    23, 39, 15, 34, 1, 49, 98, 29, 27, 13, 45, 7, 10, 27, 24, 14, 20, 38, 44, 11, 10, 3, 113, 183,
    3, 47, 18, 18, 33, 15, 2, 38, 27, 27, 1, 52, 23, 7, 26, 82, 5, 49, 5, 17, 24, 44, 26, 2, 27,
    46, 55, 97, 22, 22, 20, 4, 60, 51, 7, 21, 66, 36, 25, 72, 15, 5, 3,
];

/// Rare events read between them, end to end: section 136 detentions taken
/// to custody whose gaps are PowerBI-SPC's t chart test data, and between
/// them as many taken elsewhere as its g chart test data, in the shipped
/// measures (the README's t chart as written). The limits in the API and the
/// workbook are PowerBI-SPC's published ones; the monthly counts are a loop's
/// over the rows; the signal of the 117-day gap (and of the 183 detentions
/// between) is on its month, and the pack reads it.
#[test]
fn rare_events_are_read_between_them_on_t_and_g_charts() {
    let block = common::readme_block("toml", "the t chart", |b| b.contains("spc_chart = \"t\""));
    let shipped =
        std::fs::read_to_string(common::root().join("measures/s136_custody_days_between.toml"))
            .unwrap();
    for line in block.lines() {
        assert!(
            shipped.lines().any(|l| l == line),
            "{line:?} is not shipped"
        );
    }

    // Custody detentions at noon on days whose gaps are T_GAPS; between each
    // two, G_OPPORTUNITIES[k] detentions to a health-based place of safety.
    let start = chrono::NaiveDate::from_ymd_opt(2021, 1, 4)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let mut custody = vec![start];
    for gap in T_GAPS {
        custody.push(*custody.last().unwrap() + chrono::Duration::days(i64::from(gap)));
    }
    let mut csv = String::from(
        "contact_ref,contact_time,district,contact_type,place_of_safety,age,minutes_in_police_care\n",
    );
    let mut monthly: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut row = |at: chrono::NaiveDateTime, place: &str, csv: &mut String| {
        let n = csv.lines().count();
        csv.push_str(&format!(
            "M{n},{},cambridge,s136_detention,{place},30,\n",
            at.format("%Y-%m-%dT%H:%M:%S")
        ));
        let m = monthly.entry(at.format("%Y-%m").to_string()).or_default();
        m.0 += u64::from(place == "custody");
        m.1 += 1;
    };
    row(custody[0], "custody", &mut csv);
    for (k, &between) in G_OPPORTUNITIES.iter().enumerate() {
        let (from, to) = (custody[k], custody[k + 1]);
        let step = (to - from).num_seconds() / (i64::from(between) + 1);
        for j in 1..=i64::from(between) {
            row(
                from + chrono::Duration::seconds(j * step),
                "health_based",
                &mut csv,
            );
        }
        row(to, "custody", &mut csv);
    }

    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for folder in ["measures", "extracts", "dashboards"] {
        std::fs::create_dir_all(p.join(folder)).unwrap();
    }
    std::fs::write(p.join("extracts/mental_health_contacts.csv"), &csv).unwrap();
    for id in [
        "s136_custody_days_between",
        "s136_detentions_between_custody",
    ] {
        let text =
            std::fs::read_to_string(common::root().join(format!("measures/{id}.toml"))).unwrap();
        // Public, so that the API shows it signed out.
        std::fs::write(
            p.join(format!("measures/{id}.toml")),
            format!("{text}access = \"public\"\n"),
        )
        .unwrap();
    }
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", "results.csv"],
    ));
    let results = results_csv(&p.join("results.csv"));
    for (id, g) in [
        ("s136_custody_days_between", false),
        ("s136_detentions_between_custody", true),
    ] {
        let rows = total(&results, id);
        let counted: BTreeMap<String, (u64, u64)> = rows
            .iter()
            .map(|r| {
                let denominator = if g {
                    r["denominator"].parse().unwrap()
                } else {
                    0
                };
                (
                    r["period_start"][..7].to_string(),
                    (r["numerator"].parse().unwrap(), denominator),
                )
            })
            .collect();
        let expected: BTreeMap<String, (u64, u64)> = monthly
            .iter()
            .map(|(m, &(c, all))| (m.clone(), (c, if g { all } else { 0 })))
            .collect();
        assert_eq!(counted, expected, "{id}");
        // No monthly XmR limits: the gaps are charted instead.
        assert!(rows.iter().all(|r| r["spc_upper"].is_empty()), "{id}");
    }

    // The API: every gap, dated, and PowerBI-SPC's limits.
    let t = api(p, "/api/measures/s136_custody_days_between");
    let events = &t["events"];
    assert_eq!(events["chart"], "t", "{t}");
    assert_eq!(events["unit"], "days");
    assert_eq!(events["first_event"], "2021-01-04");
    let points = events["points"].as_array().unwrap();
    assert_eq!(points.len(), 67);
    for (k, point) in points.iter().enumerate() {
        assert_eq!(point["value"], f64::from(T_GAPS[k]), "{k}");
        assert_eq!(point["date"], custody[k + 1].date().to_string(), "{k}");
    }
    let near = |value: &serde_json::Value, expected: f64| {
        let v = value.as_f64().unwrap();
        assert!((v - expected).abs() < 0.005, "{v} against {expected}");
    };
    near(&events["limits"]["upper"], 97.268);
    near(&events["limits"]["near_upper"], 54.0812);
    near(&events["limits"]["near_lower"], 0.6402);
    near(&events["limits"]["lower"], 0.0221);
    // 117 days is above the upper limit: fewer events, an improvement, on
    // its event and on the month it ends in.
    assert_eq!(points[23]["signal"], "improvement");
    let month = custody[24].format("%Y-%m").to_string();
    let flagged = total(&results, "s136_custody_days_between")
        .into_iter()
        .find(|r| r["period_start"].starts_with(&month))
        .unwrap();
    assert_eq!(flagged["spc_signal"], "improvement");

    let g = api(p, "/api/measures/s136_detentions_between_custody");
    let events = &g["events"];
    assert_eq!(events["chart"], "g", "{g}");
    let values: Vec<f64> = events["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    let expected: Vec<f64> = G_OPPORTUNITIES.iter().map(|&g| f64::from(g)).collect();
    assert_eq!(values, expected);
    near(&events["limits"]["upper"], 128.17);
    near(&events["limits"]["near_upper"], 96.01);
    assert_eq!(events["limits"]["lower"], 0.0);
    assert_eq!(events["points"][23]["signal"], "improvement");

    // The pack of the month of the 117-day gap reads the chart, and the
    // workbook lists every gap beside the figures.
    let period = custody[67].format("%Y-%m").to_string();
    let as_of = (custody[67].date() + chrono::Duration::days(40)).to_string();
    ok(mos_in(
        p,
        &[
            "report",
            "--data",
            "extracts",
            "--objective",
            "4",
            "--out",
            "packs",
            "--period",
            &period,
            "--as-of",
            &as_of,
        ],
    ));
    let folder = p.join(format!("packs/objective-4-{period}"));
    let text = text_of(&std::fs::read_to_string(folder.join("report.html")).unwrap());
    for said in [
        "Days between events (t chart)",
        "Opportunities between events (g chart)",
        &format!(
            "68 events from 4 January 2021 to {}; the latest came 1 day after the one before.",
            custody[67].format("%-d %B %Y")
        ),
        "Gaps from 0 to 97 days are usual (the limits, from 67 gaps), around a centre of 11 days.",
        "rare events that say so are read between them",
    ] {
        assert!(text.contains(said), "{said:?} is not in the pack: {text}");
    }
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(folder.join("figures.xlsx")).unwrap();
    let names = book.sheet_names();
    let sheet = names
        .iter()
        .position(|n| n == "s136_custody_days_between")
        .unwrap();
    let sheet = book.worksheet_range_at(sheet).unwrap().unwrap();
    let cells: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(
        cells
            .iter()
            .any(|c| c.starts_with("Days between events (t chart): 68 events")),
        "{cells:?}"
    );
    assert!(
        cells.iter().any(|c| c == "117"),
        "the 117-day gap: {cells:?}"
    );

    // Each chart reads what it is for, and never what small numbers withhold.
    let refused = |measure: &str| {
        std::fs::write(p.join("measures/m.toml"), measure).unwrap();
        let out = mos_in(p, &["check"]);
        std::fs::remove_file(p.join("measures/m.toml")).unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let base = "id = \"m\"\ntitle = \"M\"\nobjective = 3\nsource = \"mental_health_contacts\"\npolarity = \"lower_is_better\"\nspc = true\n";
    let said = refused(&format!(
        "{base}kind = \"proportion\"\nnumerator = \"age < 18\"\nspc_chart = \"t\"\n"
    ));
    assert!(said.contains("a t chart is not for a proportion"), "{said}");
    let said = refused(&format!("{base}kind = \"count\"\nspc_chart = \"g\"\n"));
    assert!(said.contains("a g chart is not for a count"), "{said}");
    let said = refused(&format!(
        "{base}kind = \"count\"\nspc_chart = \"t\"\nsuppress_below = 5\n"
    ));
    assert!(
        said.contains("m.toml:8:")
            && said.contains("a t chart cannot be drawn with `suppress_below`"),
        "{said}"
    );
}
