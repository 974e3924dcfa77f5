//! Means, medians and percentiles of a numeric column, from the definition
//! to the results, checked against plain loops over the rows written here;
//! and the definitions `mos check` refuses for them and for funnels.

use crate::common;

use common::{mos_in, ok};
use std::collections::BTreeMap;
use std::path::Path;

type Row = BTreeMap<String, String>;

fn results(path: &Path) -> Vec<Row> {
    common::results_csv(path)
}

const DISTRICTS: [&str; 3] = ["cambridge", "fenland", "peterborough"];

fn measure(id: &str, kind: &str, extra: &str) -> String {
    format!(
        r#"
id = "{id}"
title = "Time in police care"
objective = 4
theme = "mental_health"
source = "mental_health_contacts"
kind = "{kind}"
of = "minutes_in_police_care"
unit = "minutes"
breakdowns = ["district"]
polarity = "lower_is_better"
spc = true
{extra}
"#
    )
}

/// Minutes in police care by month (Jan–Jun 2024) and district, made by a
/// small generator: month m has 10 + 3m contacts with a time, in turn by
/// district, and a few with none (which have no value).
fn minutes() -> Vec<(usize, &'static str, Option<u64>)> {
    let mut state: u64 = 42;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let mut rows = Vec::new();
    for month in 0..6 {
        for i in 0..(10 + 3 * month) {
            rows.push((month, DISTRICTS[i % 3], Some(30 + next(400))));
        }
        rows.push((month, DISTRICTS[month % 3], None));
    }
    rows
}

fn project(measures: &[(&str, String)]) -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::create_dir_all(p.join("extracts")).unwrap();
    for (id, text) in measures {
        std::fs::write(p.join(format!("measures/{id}.toml")), text).unwrap();
    }
    let mut csv = String::from(
        "contact_ref,contact_time,district,contact_type,place_of_safety,age,minutes_in_police_care\n",
    );
    for (n, (month, district, minutes)) in minutes().into_iter().enumerate() {
        let minutes = minutes.map_or(String::new(), |m| m.to_string());
        csv.push_str(&format!(
            "M{n},2024-{:02}-{:02}T10:00:00,{district},s136_detention,health_based,30,{minutes}\n",
            month + 1,
            1 + n % 28
        ));
    }
    std::fs::write(p.join("extracts/mental_health_contacts.csv"), csv).unwrap();
    project
}

fn values(month: usize, district: Option<&str>) -> Vec<f64> {
    let mut v: Vec<f64> = minutes()
        .into_iter()
        .filter(|(m, d, _)| *m == month && district.is_none_or(|want| want == *d))
        .filter_map(|(_, _, minutes)| minutes.map(|m| m as f64))
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

fn number(row: &Row, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} of {row:?}"))
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} is not {b}");
}

/// P(B <= k) for B ~ Binomial(n, p), by a plain sum.
fn binomial_cdf(n: usize, p: f64, k: usize) -> f64 {
    let mut total = 0.0;
    for i in 0..=k {
        let ln_choose: f64 = (1..=i).map(|j| ((n - i + j) as f64 / j as f64).ln()).sum();
        total += (ln_choose + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp();
    }
    total
}

/// The 1-based ranks of the order-statistic interval, as the issue defines it.
fn interval_ranks(n: usize, p: f64) -> (usize, usize) {
    let smallest = |target: f64| (0..=n).find(|&k| binomial_cdf(n, p, k) >= target).unwrap();
    (smallest(0.025).max(1), (smallest(0.975) + 1).min(n))
}

#[test]
fn medians_percentiles_and_means_agree_with_loops_over_the_rows() {
    let project = project(&[
        ("median_minutes", measure("median_minutes", "median", "")),
        (
            "p90_minutes",
            measure("p90_minutes", "percentile", "percentile = 0.9"),
        ),
        ("mean_minutes", measure("mean_minutes", "mean", "")),
    ]);
    let p = project.path();
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", "results.csv"],
    ));
    let rows = results(&p.join("results.csv"));
    let find = |id: &str, month: usize, group: &str| -> Row {
        let start = format!("2024-{:02}-01", month + 1);
        rows.iter()
            .find(|r| r["measure_id"] == id && r["period_start"] == start && r["group"] == group)
            .unwrap_or_else(|| panic!("{id} {start} {group}"))
            .clone()
    };
    for month in 0..6 {
        for district in [
            None,
            Some("cambridge"),
            Some("fenland"),
            Some("peterborough"),
        ] {
            let v = values(month, district);
            let n = v.len();
            let group = district.unwrap_or("");

            let median = find("median_minutes", month, group);
            assert_eq!(number(&median, "numerator") as usize, n);
            let middle = if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            };
            close(number(&median, "value"), middle);
            let (l, u) = interval_ranks(n, 0.5);
            close(number(&median, "ci_lower"), v[l - 1]);
            close(number(&median, "ci_upper"), v[u - 1]);

            // Nearest rank: the smallest value with at least 90% at or below it.
            let p90 = find("p90_minutes", month, group);
            let rank = (1..=n).find(|&r| r as f64 / n as f64 >= 0.9).unwrap();
            close(number(&p90, "value"), v[rank - 1]);
            let (l, u) = interval_ranks(n, 0.9);
            close(number(&p90, "ci_lower"), v[l - 1]);
            close(number(&p90, "ci_upper"), v[u - 1]);

            let mean = find("mean_minutes", month, group);
            let m = v.iter().sum::<f64>() / n as f64;
            close(number(&mean, "value"), m);
            let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            let half = number(&mean, "ci_upper") - m;
            close(m - number(&mean, "ci_lower"), half);
            // t(0.975, n − 1) for the total's months (R's qt): 10, 13, ... values.
            let t = match (district, n) {
                (None, 10) => Some(2.262_157_162_798_205),
                (None, 13) => Some(2.178_812_829_667_228),
                (None, 16) => Some(2.131_449_545_559_323),
                _ => None,
            };
            if let Some(t) = t {
                assert!((half - t * s / (n as f64).sqrt()).abs() < 1e-6);
            }
        }
    }
    // SPC over the monthly medians: the centre is their mean.
    let medians: Vec<f64> = (0..6)
        .map(|m| number(&find("median_minutes", m, ""), "value"))
        .collect();
    let centre = medians.iter().sum::<f64>() / 6.0;
    close(number(&find("median_minutes", 0, ""), "spc_mean"), centre);
}

#[test]
fn too_few_values_are_withheld_and_the_dashboard_shows_the_unit() {
    let project = project(&[(
        "median_minutes",
        measure("median_minutes", "median", "suppress_below = 5"),
    )]);
    let p = project.path();
    ok(mos_in(
        p,
        &["run", "--data", "extracts", "--out", "results.csv"],
    ));
    let rows = results(&p.join("results.csv"));
    // January: 10 values, 3 or 4 a district, all under 5: withheld, value and count.
    let january: Vec<&Row> = rows
        .iter()
        .filter(|r| r["period_start"] == "2024-01-01" && DISTRICTS.contains(&r["group"].as_str()))
        .collect();
    assert_eq!(january.len(), 3);
    for row in january {
        assert_eq!(row["suppressed"], "true", "{row:?}");
        assert!(row["value"].is_empty() && row["numerator"].is_empty());
    }
    // June: 25 values, 8 or 9 a district. The three districts without contacts
    // are withheld (0 is under 5), and, as they sum to less than 5, the
    // smallest of the others with them; the two others are published.
    let june: Vec<&Row> = rows
        .iter()
        .filter(|r| r["period_start"] == "2024-06-01" && DISTRICTS.contains(&r["group"].as_str()))
        .collect();
    let published = june.iter().filter(|r| r["suppressed"] == "false").count();
    assert_eq!(published, 2, "{june:?}");
    // The page names the statistic's unit with each figure.
    let (page, api) = measure_page(p, "median_minutes");
    assert_eq!(api["kind"], "median");
    assert_eq!(api["unit"], "minutes");
    let v = values(5, None);
    assert_eq!(v.len(), 25);
    let median = v[12];
    let shown = if median.fract() == 0.0 {
        format!("{median:.0} minutes")
    } else {
        format!("{median:.1} minutes")
    };
    assert!(page.contains(&shown), "{shown} not on the page");
    assert!(page.contains("<th scope=\"col\">Values</th>"));
}

/// The measure's dashboard page and API answer, as a signed-in analyst has them.
fn measure_page(project: &Path, id: &str) -> (String, serde_json::Value) {
    use tower::ServiceExt;
    const TOKEN: &str = "analyst-token-for-tests-0123456789";
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = mos::web::ServeConfig {
            data: Some(project.join("extracts")),
            snapshots: Some(project.join("snapshots")),
            measures: project.join("measures"),
            dashboards: Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards"),
            max_reject_share: None,
        };
        let tokens = mos::web::auth::TokenStore::from_hashes(vec![(
            "Analyst".into(),
            mos::web::auth::hash_token(TOKEN),
        )]);
        let state = mos::web::AppState::new(config, tokens).await.unwrap();
        let fetch = |uri: String| {
            let state = state.clone();
            async move {
                let request = axum::http::Request::get(uri)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .body(axum::body::Body::empty())
                    .unwrap();
                let response = mos::web::app(state).oneshot(request).await.unwrap();
                assert_eq!(response.status(), 200);
                let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
                    .await
                    .unwrap();
                String::from_utf8_lossy(&bytes).into_owned()
            }
        };
        let page = fetch(format!("/measures/{id}")).await;
        let api = fetch(format!("/api/measures/{id}")).await;
        (page, serde_json::from_str(&api).unwrap())
    })
}

/// `mos check` on a measure file, which must fail: its message.
fn refused(text: &str) -> String {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::write(p.join("measures/m.toml"), text).unwrap();
    let output = mos_in(p, &["check"]);
    assert!(!output.status.success(), "{text} was accepted");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn line_of(text: &str, starts: &str) -> usize {
    text.lines().position(|l| l.starts_with(starts)).unwrap() + 1
}

#[test]
fn check_refuses_what_makes_no_sense_with_file_line_and_a_fix() {
    let outside = measure("m", "percentile", "percentile = 90");
    let message = refused(&outside);
    assert!(
        message.contains("percentile 90 is not between 0 and 1")
            && message.contains(&format!("m.toml:{}:", line_of(&outside, "percentile")))
            && message.contains("`percentile = 0.9`"),
        "{message}"
    );

    let text_column = measure("m", "median", "")
        .replace("of = \"minutes_in_police_care\"", "of = \"contact_type\"");
    let message = refused(&text_column);
    assert!(
        message.contains("`of` must be a number for each row")
            && message.contains(&format!("m.toml:{}:", line_of(&text_column, "of =")))
            && message.contains("minutes_in_police_care"),
        "{message}"
    );

    let no_of = measure("m", "mean", "").replace("of = \"minutes_in_police_care\"\n", "");
    let message = refused(&no_of);
    assert!(message.contains("a mean needs `of`"), "{message}");

    let funnel_on_count = r#"
id = "m"
title = "Section 136 detentions"
objective = 4
theme = "mental_health"
source = "mental_health_contacts"
kind = "count"
breakdowns = ["district"]
polarity = "lower_is_better"
funnel = true
"#;
    let message = refused(funnel_on_count);
    assert!(
        message.contains("a funnel plot needs a denominator, and a count has none")
            && message.contains(&format!("m.toml:{}:", line_of(funnel_on_count, "funnel")))
            && message.contains("use a `proportion` or a `rate`"),
        "{message}"
    );
}

/// The README's example of a median is the shipped measure's, as written.
#[test]
fn the_readme_median_example_is_the_shipped_measure() {
    let block = common::readme_block("toml", "the median example", |b| {
        b.contains("kind = \"median\"")
    });
    let shipped =
        std::fs::read_to_string(common::root().join("measures/minutes_in_police_care.toml"))
            .unwrap();
    for line in block.lines() {
        assert!(
            shipped.lines().any(|l| l == line),
            "{line:?} is not in the shipped measure"
        );
    }
    let percentile = std::fs::read_to_string(
        common::root().join("measures/calls_101_answer_seconds_90th_percentile.toml"),
    )
    .unwrap();
    assert!(percentile.contains("kind = \"percentile\"\npercentile = 0.9\n"));
}
