//! Funnel plots: the national comparison on the Home Office's real recorded
//! crime by force area (shipped in `examples/national`), checked against SOURCES.md's
//! facts, a count over the raw rows written here, and PHE's funnel limits
//! computed here from their published formula; and a district funnel of the
//! demo data through the page, the API and the workbook.

use crate::common;
use common::root;

use std::collections::BTreeMap;
use std::path::PathBuf;
use tower::ServiceExt;

const TOKEN: &str = "analyst-token-for-tests-0123456789";
const FILE: &str = "prc-pfa-201718_new.csv";
const NOT_FORCES: [&str; 5] = [
    "Action Fraud",
    "CIFAS",
    "UK Finance",
    "Financial Fraud Action UK",
    "British Transport Police",
];

fn real_file() -> PathBuf {
    let path = root().join("examples/national").join(FILE);
    assert!(
        path.is_file(),
        "the Home Office's recorded crime by force area is shipped at {}",
        path.display()
    );
    path
}

/// The shipped copy is the file as SOURCES.md describes it: its size and rows.
#[test]
fn the_shipped_home_office_table_is_the_published_one() {
    let bytes = std::fs::read(real_file()).unwrap();
    assert_eq!(bytes.len(), 3_000_234);
    let rows = csv::Reader::from_reader(&bytes[..]).records().count();
    assert_eq!(rows, 23_068);
}

/// Offences by force (territorial forces only) over 2017/18: all, and
/// violence against the person, by a plain loop over the file's rows.
fn offences_by_force() -> BTreeMap<String, (i64, i64)> {
    let mut reader = csv::Reader::from_path(real_file()).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (force, group, number) = (
        at("Force_Name"),
        at("Offence_Group"),
        at("Number_of_Offences"),
    );
    let mut by_force: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        if NOT_FORCES.contains(&&record[force]) {
            continue;
        }
        let n: i64 = record[number].parse().unwrap();
        let slot = by_force.entry(record[force].to_string()).or_default();
        slot.1 += n;
        if &record[group] == "Violence against the person" {
            slot.0 += n;
        }
    }
    by_force
}

/// PHE's funnel limits for a proportion (`sigma_adjustment` of
/// PHEindicatormethods), written out here on their own.
fn phe_limit(z: f64, n: f64, average: f64, high: bool) -> f64 {
    let z2 = z * z;
    let first = average * (n / z2 + 1.0);
    let adj = ((-8.0 * average * (n / z2 + 1.0)).powi(2)
        - 64.0
            * (1.0 / z2 + 1.0 / n)
            * average
            * (n * (average * (n / z2 + 2.0) - 1.0) + z2 * (average - 1.0)))
        .sqrt();
    let last = 1.0 / z2 + 1.0 / n;
    let sign = if high { 1.0 } else { -1.0 };
    (first + sign * adj / 8.0) / last / n
}

/// qnorm(0.975) and qnorm(0.999).
const Z_95: f64 = 1.959_963_984_540_054;
const Z_998: f64 = 3.090_232_306_167_813_5;

async fn state(
    data: PathBuf,
    measures: PathBuf,
    snapshots: PathBuf,
) -> std::sync::Arc<mos::web::AppState> {
    let config = mos::web::ServeConfig {
        data: Some(data),
        snapshots: Some(snapshots),
        measures,
        dashboards: root().join("dashboards"),
        max_reject_share: None,
    };
    let tokens = mos::web::auth::TokenStore::from_hashes(vec![(
        "Analyst".into(),
        mos::web::auth::hash_token(TOKEN),
    )]);
    mos::web::AppState::new(config, tokens).await.unwrap()
}

async fn get(state: &std::sync::Arc<mos::web::AppState>, uri: &str) -> (u16, Vec<u8>) {
    let request = axum::http::Request::get(uri)
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = mos::web::app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 27)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_forces_funnel_on_real_home_office_data() {
    let counted = offences_by_force();
    // SOURCES.md: Cambridgeshire's quarterly totals are 17,126, 16,988, 17,013 and 15,067.
    assert_eq!(
        counted["Cambridgeshire"].1,
        17_126 + 16_988 + 17_013 + 15_067
    );
    assert_eq!(
        counted.len(),
        43,
        "the 43 territorial forces of England and Wales"
    );

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(real_file(), data.join(FILE)).unwrap();
    std::fs::copy(
        root().join("examples/national/peer_groups.toml"),
        data.join("peer_groups.toml"),
    )
    .unwrap();
    // The plain limits (`funnel = true`), on a copy of the shipped measures.
    let plain_measures = dir.path().join("plain");
    std::fs::create_dir_all(&plain_measures).unwrap();
    for entry in std::fs::read_dir(root().join("measures/national")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let plain = text.replace("funnel = \"adjusted\"", "funnel = true");
        std::fs::write(plain_measures.join(path.file_name().unwrap()), plain).unwrap();
    }
    let plain = state(
        data.clone(),
        plain_measures,
        dir.path().join("plain-snapshots"),
    )
    .await;
    let (status, body) = get(&plain, "/api/measures/violence_share_by_force").await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let funnel = &json["funnel"];
    assert_eq!(funnel["period_start"], "2017-04-01");
    assert_eq!(funnel["period_end"], "2018-03-31");
    let (violence, all) = counted
        .values()
        .fold((0, 0), |(v, a), (fv, fa)| (v + fv, a + fa));
    let average = violence as f64 / all as f64;
    assert!((funnel["centre"].as_f64().unwrap() - average).abs() < 1e-12);
    let groups = funnel["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 43);
    let mut outside = 0;
    for g in groups {
        let name = g["group"].as_str().unwrap();
        let (v, a) = counted[name];
        assert_eq!(g["numerator"].as_i64().unwrap(), v, "{name}");
        assert_eq!(g["denominator"].as_i64().unwrap(), a, "{name}");
        let n = a as f64;
        let limit = |band: &str, side: &str| g["limits"][band][side].as_f64().unwrap();
        for (band, z) in [("inner", Z_95), ("outer", Z_998)] {
            assert!((limit(band, "lower") - phe_limit(z, n, average, false)).abs() < 1e-9);
            assert!((limit(band, "upper") - phe_limit(z, n, average, true)).abs() < 1e-9);
        }
        let value = v as f64 / n;
        let expected = if value > phe_limit(Z_998, n, average, true) {
            "above_outer"
        } else if value < phe_limit(Z_998, n, average, false) {
            "below_outer"
        } else if value > phe_limit(Z_95, n, average, true) {
            "above_inner"
        } else if value < phe_limit(Z_95, n, average, false) {
            "below_inner"
        } else {
            "within"
        };
        assert_eq!(g["placement"], expected, "{name}");
        outside += usize::from(expected != "within");
    }
    // Forces of tens of thousands of crimes: most differ by more than chance.
    assert!(outside > 30, "{outside} forces outside the limits");
    assert!(funnel["overdispersion"].is_null(), "plain limits: no φ");

    // As shipped (`funnel = "adjusted"`): Spiegelhalter's additive
    // adjustment, computed here as the issue spells it out.
    let state = state(
        data,
        root().join("measures/national"),
        dir.path().join("snapshots"),
    )
    .await;
    let (status, body) = get(&state, "/api/measures/violence_share_by_force").await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let funnel = &json["funnel"];
    let centre = average.sqrt().asin();
    let mut z: Vec<f64> = counted
        .values()
        .map(|(v, a)| ((*v as f64 / *a as f64).sqrt().asin() - centre) * 2.0 * (*a as f64).sqrt())
        .collect();
    let mut sorted = z.clone();
    sorted.sort_by(f64::total_cmp);
    // R's type-7 quantile: (k − 1)p, interpolated.
    let quantile = |p: f64| {
        let h = (sorted.len() - 1) as f64 * p;
        let i = h.floor() as usize;
        sorted[i] + (h - i as f64) * (sorted[i + 1] - sorted[i])
    };
    let (low, high) = (quantile(0.1), quantile(0.9));
    for z in &mut z {
        *z = z.clamp(low, high);
    }
    let k = z.len() as f64;
    let phi = z.iter().map(|z| z * z).sum::<f64>() / k;
    let w: Vec<f64> = counted.values().map(|(_, a)| 4.0 * *a as f64).collect();
    let sum: f64 = w.iter().sum();
    let tau2 = (k * phi - (k - 1.0)) / (sum - w.iter().map(|w| w * w).sum::<f64>() / sum);
    assert!(k * phi > k - 1.0, "the forces are overdispersed");
    let od = &funnel["overdispersion"];
    assert!(
        (od["phi"].as_f64().unwrap() - phi).abs() < 1e-9 * phi,
        "{od}"
    );
    assert!(
        (od["tau2"].as_f64().unwrap() - tau2).abs() < 1e-9 * tau2,
        "{od}"
    );
    assert_eq!(od["adjusted"], true);
    let mut outside_adjusted = 0;
    for g in funnel["groups"].as_array().unwrap() {
        let name = g["group"].as_str().unwrap();
        let (v, a) = counted[name];
        let spread = (1.0 / (4.0 * a as f64) + tau2).sqrt();
        let limit = |z: f64, sign: f64| (centre + sign * z * spread).sin().powi(2);
        for (band, z) in [("inner", Z_95), ("outer", Z_998)] {
            let got = |side: &str| g["limits"][band][side].as_f64().unwrap();
            assert!((got("lower") - limit(z, -1.0)).abs() < 1e-9, "{name}");
            assert!((got("upper") - limit(z, 1.0)).abs() < 1e-9, "{name}");
        }
        let value = v as f64 / a as f64;
        let out = value > limit(Z_998, 1.0) || value < limit(Z_998, -1.0);
        assert_eq!(
            g["placement"].as_str().unwrap().ends_with("_outer"),
            out,
            "{name}"
        );
        outside_adjusted += usize::from(out);
    }
    assert!(
        outside_adjusted < 8,
        "{outside_adjusted} forces outside the adjusted 99.8% limits"
    );

    // The page draws the funnel with the demo force marked and read first.
    let (status, page) = get(&state, "/measures/violence_share_by_force").await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    let cambs = counted["Cambridgeshire"];
    let share = format!("{:.1}%", 100.0 * cambs.0 as f64 / cambs.1 as f64);
    assert!(page.contains(r#"<section class="funnel""#));
    assert!(
        page.contains(&format!(
            "<li class=\"home\"><strong>Cambridgeshire: {share}"
        )),
        "the home force's reading leads"
    );
    assert!(page.contains("(marked in blue)"));
    assert!(page.contains("<svg"));
    // The chart says its limits are widened, and by how much.
    let phi_written = format!("{phi:.2}");
    let (whole, decimals) = phi_written.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    assert!(
        page.contains(&format!(
            "dispersion ratio φ = {grouped}.{decimals} over 43 forces"
        )),
        "φ stated"
    );
    assert!(page.contains(&format!("τ² = {tau2:.3e}")), "τ² stated");

    // The same share against the most similar group of peer_groups.toml: the
    // force's Wilson interval against the group's pooled share, computed here.
    let group = ["Bedfordshire", "Hertfordshire", "Thames Valley"];
    let (gv, ga) = group
        .iter()
        .fold((0, 0), |(v, a), f| (v + counted[*f].0, a + counted[*f].1));
    let pooled = gv as f64 / ga as f64;
    let (x, n) = (cambs.0 as f64, cambs.1 as f64);
    let z = Z_95;
    let spread = z * (z * z + 4.0 * x * (1.0 - x / n)).sqrt();
    let (lower, upper) = (
        (2.0 * x + z * z - spread) / (2.0 * (n + z * z)),
        (2.0 * x + z * z + spread) / (2.0 * (n + z * z)),
    );
    let standing = if lower > pooled {
        "significantly above"
    } else if upper < pooled {
        "significantly below"
    } else {
        "in line with"
    };
    let (status, page) = get(&state, "/measures/violence_share_against_most_similar").await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    let said = format!(
        "the force's {share} (95% CI {:.1}% to {:.1}%) was {standing} the most similar group's {:.1}%.",
        100.0 * lower,
        100.0 * upper,
        100.0 * pooled
    );
    assert!(page.contains(&said), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_district_funnel_through_page_api_and_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let options = mos::demo::DemoOptions {
        seed: 9,
        years: 2,
        scale: 0.2,
        ..Default::default()
    };
    mos::demo::generate(&data, &options).unwrap();
    let measures = dir.path().join("measures");
    std::fs::create_dir_all(&measures).unwrap();
    std::fs::copy(
        root().join("measures/calls_101_abandoned.toml"),
        measures.join("calls_101_abandoned.toml"),
    )
    .unwrap();

    // Abandoned 101 calls by district in the latest month, counted here.
    let mut reader = csv::Reader::from_path(data.join("calls_for_service.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (time, line, district, abandoned) =
        (at("call_time"), at("line"), at("district"), at("abandoned"));
    let mut by_month: BTreeMap<String, BTreeMap<String, (u64, u64)>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        if &record[line] != "101" {
            continue;
        }
        let slot = by_month
            .entry(record[time][..7].to_string())
            .or_default()
            .entry(record[district].to_string())
            .or_default();
        slot.1 += 1;
        slot.0 += u64::from(&record[abandoned] == "true");
    }
    let (latest, districts) = by_month.iter().next_back().unwrap();

    let state = state(data, measures.clone(), dir.path().join("snapshots")).await;
    let (_, body) = get(&state, "/api/measures/calls_101_abandoned").await;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let funnel = &json["funnel"];
    assert_eq!(&funnel["period_start"].as_str().unwrap()[..7], latest);
    let (num, den) = districts
        .values()
        .fold((0, 0), |(n, d), (a, b)| (n + a, d + b));
    let average = num as f64 / den as f64;
    assert!((funnel["centre"].as_f64().unwrap() - average).abs() < 1e-12);
    for g in funnel["groups"].as_array().unwrap() {
        let (a, b) = districts[g["group"].as_str().unwrap()];
        assert_eq!(g["numerator"].as_u64().unwrap(), a);
        assert_eq!(g["denominator"].as_u64().unwrap(), b);
        let upper = g["limits"]["outer"]["upper"].as_f64().unwrap();
        assert!((upper - phe_limit(Z_998, b as f64, average, true)).abs() < 1e-9);
    }

    // An earlier month on the page: its own centre, from that month's counts.
    let (earlier, earlier_districts) = by_month.iter().rev().nth(3).unwrap();
    let (status, page) = get(
        &state,
        &format!("/measures/calls_101_abandoned?funnel={earlier}"),
    )
    .await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).unwrap();
    let (n, d) = earlier_districts
        .values()
        .fold((0, 0), |(n, d), (a, b)| (n + a, d + b));
    let centre = format!("the overall {:.1}%", 100.0 * n as f64 / d as f64);
    assert!(page.contains(&centre), "{centre}");
    assert!(page.contains(&format!(r#"<option value="{earlier}" selected>"#)));

    // The workbook has the limits below the measure's table.
    let (status, xlsx) = get(&state, "/measures/calls_101_abandoned/figures.xlsx").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&xlsx));
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("calls_101_abandoned").unwrap();
    let cell = |row: usize, col: usize| {
        sheet
            .get((row, col))
            .map_or(String::new(), |c| c.to_string())
    };
    // Beside the figures (whose rows stay as they were), a heading and a row per district.
    let (row, col) = (0..sheet.height())
        .flat_map(|r| (0..sheet.width()).map(move |c| (r, c)))
        .find(|&(r, c)| cell(r, c).starts_with("Funnel plot"))
        .expect("a funnel table");
    assert!(col > 13, "the funnel is beside the figures, not among them");
    assert_eq!(cell(row + 1, col + 7), "99.8% lower");
    let groups = funnel["groups"].as_array().unwrap();
    for (i, g) in groups.iter().enumerate() {
        let upper: f64 = cell(row + 2 + i, col + 8).parse().unwrap();
        let expected = g["limits"]["outer"]["upper"].as_f64().unwrap();
        assert!((upper - expected).abs() < 1e-12);
    }
    assert!(cell(row + 2 + groups.len(), col).is_empty());

    // The README's `funnel = "adjusted"`, as written: the demo's districts
    // abandon 101 calls alike, so φ is computed (here too) but τ² is 0 only
    // if kφ ≤ k − 1, and the limits are then PHE's.
    let example = common::readme_block("toml", "the adjusted funnel example", |b| {
        b.contains("funnel = \"adjusted\"")
    });
    let file = measures.join("calls_101_abandoned.toml");
    let text: String = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| {
            if l.starts_with("funnel =") {
                example.trim()
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&file, text).unwrap();
    state.reload().await.unwrap();
    let (_, body) = get(&state, "/api/measures/calls_101_abandoned").await;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let od = &json["funnel"]["overdispersion"];
    let centre = average.sqrt().asin();
    let z: Vec<f64> = districts
        .values()
        .map(|(a, b)| ((*a as f64 / *b as f64).sqrt().asin() - centre) * 2.0 * (*b as f64).sqrt())
        .collect();
    // Six districts: the 10th and 90th percentiles (type 7) sit half-way
    // between the two smallest and the two largest.
    let mut sorted = z.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(sorted.len(), 6);
    let (low, high) = (
        sorted[0] + 0.5 * (sorted[1] - sorted[0]),
        sorted[4] + 0.5 * (sorted[5] - sorted[4]),
    );
    let phi = z.iter().map(|z| z.clamp(low, high).powi(2)).sum::<f64>() / 6.0;
    assert!((od["phi"].as_f64().unwrap() - phi).abs() < 1e-9, "{od}");
    assert_eq!(od["adjusted"], od["tau2"].as_f64().unwrap() > 0.0);
    if 6.0 * phi <= 5.0 {
        assert_eq!(od["tau2"], 0.0);
        for g in json["funnel"]["groups"].as_array().unwrap() {
            let (_, b) = districts[g["group"].as_str().unwrap()];
            let upper = g["limits"]["outer"]["upper"].as_f64().unwrap();
            assert!((upper - phe_limit(Z_998, b as f64, average, true)).abs() < 1e-9);
        }
    }
}

/// The README's commands for the national comparison, as written, in a
/// checkout of the repository (its examples and measures).
#[test]
fn the_readme_national_commands_work_as_written() {
    let block = common::readme_block("sh", "the national commands", |b| {
        b.contains("measures/national")
    });
    let mut lines = block.lines();
    let copy = lines.next().unwrap();
    let serve = lines.next().unwrap();
    assert!(copy.starts_with("mkdir national && cp examples/national/"));
    let site = tempfile::tempdir().unwrap();
    let main = site.path().join("main");
    std::fs::create_dir_all(main.join("examples")).unwrap();
    std::os::unix::fs::symlink(
        root().join("examples/national"),
        main.join("examples/national"),
    )
    .unwrap();
    std::os::unix::fs::symlink(root().join("measures"), main.join("measures")).unwrap();
    let status = std::process::Command::new("sh")
        .args(["-c", copy])
        .current_dir(&main)
        .status()
        .unwrap();
    assert!(status.success());
    // `serve`'s flags, given to `run`, which evaluates the same and ends.
    let flags = serve
        .split(" -- serve ")
        .nth(1)
        .expect("cargo run --release -- serve ...");
    let mut args = vec!["run"];
    args.extend(flags.split_whitespace());
    args.extend(["--out", "results.csv"]);
    let output = common::ok(common::mos_in(&main, &args));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!said.contains("left out"), "{said}");
    let results = std::fs::read_to_string(main.join("results.csv")).unwrap();
    assert!(results.contains(
        "violence_share_by_force,2017-04-01,2018-03-31,force,Cambridgeshire,16723,66194,"
    ));
    assert!(results.contains(
        "violence_share_against_most_similar,2017-04-01,2018-03-31,peer_group,Most similar group,"
    ));
}
