//! People's Priorities and neighbourhoods: the issue's priority as written on
//! the real police.uk files (`../shared/data/real`), neighbourhood counts
//! checked against a count over the raw rows here, the before-and-after
//! reading on rows made to change, the page, the pack and the API, and what
//! `mos check` refuses.

use crate::common;

use common::{mos_in, ok, root};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tower::ServiceExt;

const FILES: [(&str, &str); 2] = [
    ("2019-08", "2019-08-cambridgeshire-street.csv"),
    ("2021-01", "2021-01-cambridgeshire-street.csv"),
];

/// The real files laid out as a police.uk download: a folder per month.
fn police_uk(dir: &Path) -> PathBuf {
    let real = root().join("../shared/data/real");
    let out = dir.join("police-uk");
    for (month, file) in FILES {
        assert!(
            real.join(file).is_file(),
            "the real police.uk file {file} is expected in {}",
            real.display()
        );
        std::fs::create_dir_all(out.join(month)).unwrap();
        std::fs::copy(real.join(file), out.join(month).join(file)).unwrap();
    }
    out
}

/// Rows of the real files: (month, LSOA name, crime ID is blank).
fn raw_rows() -> Vec<(String, String, bool)> {
    let mut rows = Vec::new();
    for (month, file) in FILES {
        let mut reader =
            csv::Reader::from_path(root().join("../shared/data/real").join(file)).unwrap();
        let header = reader.headers().unwrap().clone();
        let at = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (id, lsoa) = (at("Crime ID"), at("LSOA name"));
        for record in reader.records() {
            let record = record.unwrap();
            rows.push((
                month.to_string(),
                record[lsoa].trim().to_string(),
                record[id].trim().is_empty(),
            ));
        }
    }
    rows
}

type Row = BTreeMap<String, String>;

fn results(path: &Path) -> Vec<Row> {
    common::results_csv(path)
}

/// The issue's priority, as the README shows it (and the issue wrote it).
fn readme_priority() -> String {
    common::readme_block("toml", "the priority example", |b| {
        b.starts_with("# measures/priorities/wisbech_asb.toml")
    })
}

#[test]
fn the_issues_priority_works_as_written_on_the_real_police_uk_files() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    let data = police_uk(p);
    std::fs::create_dir_all(p.join("measures/priorities")).unwrap();
    let text = readme_priority();
    assert_eq!(
        text,
        std::fs::read_to_string(root().join("measures/priorities/wisbech_asb.toml")).unwrap(),
        "the README's example is the shipped priority"
    );
    std::fs::write(p.join("measures/priorities/wisbech_asb.toml"), &text).unwrap();
    // A neighbourhood breakdown, withheld below 3, at every level.
    std::fs::write(
        p.join("measures/priorities/by_neighbourhood.toml"),
        r#"
id = "crime_by_neighbourhood"
title = "Crime by neighbourhood"
source = "police_uk"
kind = "count"
filter = "NOT is_asb"
breakdowns = ["neighbourhood"]
polarity = "neutral"
suppress_below = 3
[priority]
raised = "2020-06-01"
area = "Every neighbourhood"
"#,
    )
    .unwrap();
    ok(mos_in(p, &["check"]));
    ok(mos_in(
        p,
        &[
            "run",
            "--police-uk",
            data.to_str().unwrap(),
            "--out",
            "results.csv",
        ],
    ));
    let rows = results(&p.join("results.csv"));
    let raw = raw_rows();

    // The issue's priority: ASB in LSOAs named "Fenland 003…", month by month.
    for (month, _) in FILES {
        let expected = raw
            .iter()
            .filter(|(m, lsoa, asb)| m == month && *asb && lsoa.starts_with("Fenland 003"))
            .count();
        let row = rows
            .iter()
            .find(|r| {
                r["measure_id"] == "wisbech_asb"
                    && r["period_start"] == format!("{month}-01")
                    && r["group"].is_empty()
            })
            .unwrap_or_else(|| panic!("wisbech_asb {month}"));
        assert_eq!(row["numerator"], expected.to_string(), "{month}");
        assert!(expected > 0);
    }

    // Neighbourhoods: an LSOA lies in the MSOA its name less the last letter
    // spells; Fenland 003 is data/force.toml's Wisbech town centre, any
    // other MSOA is its own neighbourhood, as named.
    let neighbourhood = |lsoa: &str| -> String {
        let msoa = &lsoa[..lsoa.len() - 1];
        match msoa {
            "Fenland 003" => "wisbech_town_centre".into(),
            "Peterborough 014" => "peterborough_city_centre".into(),
            "Fenland 010" | "Fenland 011" => "whittlesey".into(),
            _ => msoa.to_string(),
        }
    };
    let mut expected: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (month, lsoa, asb) in &raw {
        if *asb {
            continue;
        }
        let group = if lsoa.is_empty() {
            "unknown_location".to_string()
        } else {
            neighbourhood(lsoa)
        };
        *expected.entry((month.clone(), group)).or_default() += 1;
    }
    let mut checked = 0;
    for row in rows.iter().filter(|r| {
        r["measure_id"] == "crime_by_neighbourhood" && r["breakdown"] == "neighbourhood"
    }) {
        let month = row["period_start"][..7].to_string();
        if !FILES.iter().any(|(m, _)| *m == month) {
            assert!(
                row["numerator"].is_empty(),
                "a month police.uk did not publish has no figures"
            );
            continue;
        }
        let count = expected
            .get(&(month.clone(), row["group"].clone()))
            .copied()
            .unwrap_or(0);
        if row["suppressed"] == "true" {
            assert!(row["numerator"].is_empty() && row["value"].is_empty());
            continue;
        }
        assert!(count >= 3, "{row:?} is published under the threshold");
        assert_eq!(row["numerator"], count.to_string(), "{row:?}");
        checked += 1;
    }
    assert!(checked > 100, "{checked} neighbourhood points checked");
    for group in [
        "wisbech_town_centre",
        "peterborough_city_centre",
        "Cambridge 001",
    ] {
        assert!(
            rows.iter()
                .any(|r| r["group"] == group && r["suppressed"] == "false"),
            "{group} is published"
        );
    }
    // Every withheld group of a month sums, with the others withheld, to 3 or more:
    // no single small count can be worked out from the total.
    for (month, _) in FILES {
        let start = format!("{month}-01");
        let of_month: Vec<&Row> = rows
            .iter()
            .filter(|r| r["measure_id"] == "crime_by_neighbourhood" && r["period_start"] == start)
            .collect();
        let total: u64 = of_month.iter().find(|r| r["group"].is_empty()).unwrap()["numerator"]
            .parse()
            .unwrap();
        let published: u64 = of_month
            .iter()
            .filter(|r| !r["group"].is_empty() && r["suppressed"] == "false")
            .map(|r| r["numerator"].parse::<u64>().unwrap())
            .sum();
        let hidden = of_month
            .iter()
            .filter(|r| r["suppressed"] == "true")
            .count();
        if hidden > 0 {
            assert!(
                hidden >= 2 && total - published >= 3,
                "{month}: {hidden} withheld, {} hidden",
                total - published
            );
        }
    }
}

/// An `asb_incidents` extract in which one neighbourhood's incidents fall
/// from 20 a month to 6 from the month `raised`, and one that carries on.
fn incidents(project: &Path, months: u32, raised_after: u32) {
    let mut csv = String::from("incident_ref,reported_time,district,lsoa_name,category\n");
    let mut n = 0;
    for m in 0..months {
        let (year, month) = (2024 + m / 12, 1 + m % 12);
        let falling = if m < raised_after { 20 } else { 6 };
        for (lsoa, count) in [("Fenland 003C", falling), ("Peterborough 014A", 15 + m % 3)] {
            for i in 0..count {
                n += 1;
                csv.push_str(&format!(
                    "ASB{n},{year}-{month:02}-{:02}T12:00:00,{},{lsoa},nuisance\n",
                    1 + i % 27,
                    if lsoa.starts_with("Fenland") {
                        "fenland"
                    } else {
                        "peterborough"
                    }
                ));
            }
        }
    }
    std::fs::create_dir_all(project.join("extracts")).unwrap();
    std::fs::write(project.join("extracts/asb_incidents.csv"), csv).unwrap();
}

fn priority(id: &str, neighbourhood: &str, raised: &str, status: &str) -> String {
    format!(
        r#"id = "{id}"
title = "ASB in {neighbourhood}"
source = "asb_incidents"
kind = "count"
filter = "neighbourhood = '{neighbourhood}'"
grain = "month"
polarity = "lower_is_better"
spc = true

[priority]
raised = "{raised}"
raised_by = "Public meeting"
area = "{neighbourhood}"
status = "{status}"
"#
    )
}

const TOKEN: &str = "analyst-token-for-tests-0123456789";

async fn fetch(project: &Path, uris: &[&str]) -> Vec<String> {
    let config = mos::web::ServeConfig {
        data: Some(project.join("extracts")),
        snapshots: Some(project.join("snapshots")),
        measures: project.join("measures"),
        dashboards: root().join("dashboards"),
        max_reject_share: None,
    };
    let tokens = mos::web::auth::TokenStore::from_hashes(vec![(
        "Analyst".into(),
        mos::web::auth::hash_token(TOKEN),
    )]);
    let options = mos::web::ServeOptions {
        commentary: Some(project.join("commentary")),
        ..Default::default()
    };
    let state = mos::web::AppState::with_options(config, tokens, options)
        .await
        .unwrap();
    let mut pages = Vec::new();
    for uri in uris {
        let request = axum::http::Request::get(*uri)
            .header("authorization", format!("Bearer {TOKEN}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = mos::web::app(state.clone()).oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200, "{uri}");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
            .await
            .unwrap();
        pages.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    pages
}

#[tokio::test(flavor = "multi_thread")]
async fn before_and_after_on_the_page_the_api_and_the_pack() {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    // 12 months before Wisbech's was raised, 8 after; Peterborough's was
    // raised three months before the data ends; a closed one.
    incidents(p, 20, 12);
    std::fs::create_dir_all(p.join("measures/priorities")).unwrap();
    // A measure of the Plan on the same extract, for a pack to be of.
    std::fs::write(
        p.join("measures/asb.toml"),
        "id = \"asb\"\ntitle = \"Anti-social behaviour incidents\"\nobjective = 3\nsource = \"asb_incidents\"\nkind = \"count\"\npolarity = \"lower_is_better\"\n",
    )
    .unwrap();
    for (id, text) in [
        (
            "wisbech",
            priority("wisbech", "wisbech_town_centre", "2025-01-09", "open")
                + "reviewed = \"2025-07-01\"\n",
        ),
        // Last reviewed more than three months before the data ends (August 2025).
        (
            "late",
            priority("late", "peterborough_city_centre", "2024-11-01", "open")
                + "reviewed = \"2025-03-15\"\n",
        ),
        (
            "city",
            priority("city", "peterborough_city_centre", "2025-06-02", "open"),
        ),
        ("old", priority("old", "whittlesey", "2024-05-01", "closed")),
    ] {
        std::fs::write(p.join(format!("measures/priorities/{id}.toml")), text).unwrap();
    }
    // The analysts' commentary on Peterborough's latest month, with a grade
    // of their own: both reach the board wherever the priority is read.
    std::fs::create_dir_all(p.join("commentary/2025-08")).unwrap();
    std::fs::write(
        p.join("commentary/2025-08/city.md"),
        "---\nauthor: ASB lead\ngrade: requires_scrutiny\nreason: residents say the nuisance has moved to the station car park\n---\nThe fall is real, but **displacement** is being looked at.\n",
    )
    .unwrap();
    let pages = fetch(
        p,
        &[
            "/priorities",
            "/api/measures/wisbech",
            "/api/priorities",
            "/measures/city",
            "/",
        ],
    )
    .await;
    let (page, wisbech, list, city, home) = (&pages[0], &pages[1], &pages[2], &pages[3], &pages[4]);

    // Grouped by district (found from the neighbourhood the filter names), the closed one apart.
    let fenland = page.find("<h2>Fenland</h2>").expect("a Fenland group");
    let peterborough = page
        .find("<h2>Peterborough</h2>")
        .expect("a Peterborough group");
    let closed = page
        .find("<h2>Closed priorities</h2>")
        .expect("closed ones apart");
    let at = |id: &str| page.find(&format!(r#"id="{id}""#)).unwrap();
    assert!(fenland < at("wisbech") && at("wisbech") < peterborough);
    assert!(peterborough < at("city") && at("city") < closed && closed < at("old"));
    assert!(page.contains("raised by Public meeting on 9 January 2025"));
    assert!(page.contains("<svg"), "a trend chart");
    assert!(home.contains(r#"<a href="/priorities">People's Priorities</a>"#));

    // Wisbech: 20 a month before, 6 after: the mean of the months before, and
    // eight in a row below it.
    assert!(
        page.contains("Since it was raised in January 2025, the level has fallen significantly: an average of 6 a month over 8 months, against 20 before"),
        "{page}"
    );
    assert!(page.contains("This is an improvement."));
    let analysts = [
        "The fall is real, but <strong>displacement</strong> is being looked at.",
        "Requires scrutiny</span>: residents say the nuisance has moved to the station car park (set by an analyst over the Plan's rules).",
    ];
    for said in analysts {
        let city = &page[at("city")..closed];
        assert!(city.contains(said), "{said}: {city}");
    }
    // Wisbech's has no grade of an analyst: the Plan's rules grade it, and
    // tell the same story as its reading.
    assert!(
        page[at("wisbech")..peterborough].contains(
            "Improving</span>: since it was raised in January 2025, the level has fallen significantly."
        ),
        "{page}"
    );
    // Peterborough's: three months since, and no sign of a change: too few to say.
    assert!(
        page.contains("Raised in June 2025: 3 months since"),
        "{page}"
    );
    assert!(page.contains("too few to tell whether the level has changed"));
    assert!(city.contains("too few to tell"));

    // The API: the priority and the reading.
    let wisbech: serde_json::Value = serde_json::from_str(wisbech).unwrap();
    assert_eq!(wisbech["priority"]["raised"], "2025-01-09");
    assert_eq!(wisbech["priority"]["status"], "open");
    assert_eq!(wisbech["priority"]["district"], "fenland");
    assert_eq!(wisbech["since_raised"]["finding"]["finding"], "changed");
    assert_eq!(wisbech["since_raised"]["finding"]["better"], true);
    assert_eq!(wisbech["grade"]["grade"], "improving", "{wisbech}");
    // The SPC break: a segment from the month it was raised.
    let spc = wisbech["series"][0]["spc"].as_array().unwrap();
    assert_eq!(spc[1]["from"], "2025-01-01");
    assert_eq!(spc[1]["break_reason"], "priority raised");
    let list: serde_json::Value = serde_json::from_str(list).unwrap();
    assert_eq!(list["priorities"].as_array().unwrap().len(), 4);
    // Not reviewed for more than three months: flagged, and an exception.
    let overdue = "<strong>Not reviewed since 15 March 2025</strong>: reviews are due at least every 3 months.";
    assert!(page[at("late")..closed].contains(overdue), "{page}");
    assert!(!page[at("wisbech")..peterborough].contains("Not reviewed"));
    assert!(page.contains("last reviewed on 1 July 2025"));
    let exception = "not reviewed since 15 March 2025, and reviews are due at least every 3 months";
    let exceptions = &home[home.find("Exceptions").expect("exceptions on home")..];
    assert!(exceptions.contains(exception), "{home}");

    // The pack carries a People's Priorities section, with the workbook's sheets.
    ok(mos_in(
        p,
        &["report", "--data", "extracts", "--out", "packs"],
    ));
    let pack = std::fs::read_dir(p.join("packs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|d| {
            d.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("objective-3")
        })
        .unwrap();
    let html = std::fs::read_to_string(pack.join("report.html")).unwrap();
    assert!(html.contains(
        r#"<section class="priorities" id="peoples-priorities"><h2>People's Priorities</h2>"#
    ));
    assert!(html.contains("the level has fallen significantly"));
    for said in analysts {
        assert!(html.contains(said), "the pack: {said}");
    }
    assert!(html.contains(overdue), "the pack's priorities flag it");
    let pack_exceptions = &html[html.find("Exceptions: what requires scrutiny").unwrap()..];
    assert!(
        pack_exceptions.contains(&format!("Requires scrutiny: {exception}")),
        "the pack's exceptions"
    );
    use calamine::Reader;
    let book: calamine::Xlsx<_> = calamine::open_workbook(pack.join("figures.xlsx")).unwrap();
    assert!(book.sheet_names().contains(&"wisbech".to_string()));
}

/// `mos check` on a project whose one priority is `text`, with `extra` args.
fn refused(text: &str, extra: &[&str]) -> String {
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    incidents(p, 6, 3);
    std::fs::create_dir_all(p.join("measures/priorities")).unwrap();
    std::fs::write(p.join("measures/priorities/m.toml"), text).unwrap();
    let mut args = vec!["check"];
    args.extend_from_slice(extra);
    let output = mos_in(p, &args);
    assert!(!output.status.success(), "accepted: {text}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn check_refuses_a_priority_without_a_date_or_outside_the_data() {
    let text = priority("m", "wisbech_town_centre", "2024-02-01", "open");
    // A review before it was raised, and one that is not a date.
    for (reviewed, said) in [
        (
            "2024-01-15",
            "reviewed on 2024-01-15, before it was raised on 2024-02-01",
        ),
        ("15 March", "`15 March` is not a date"),
    ] {
        let message = refused(&format!("{text}reviewed = \"{reviewed}\"\n"), &[]);
        assert!(message.contains(said), "{message}");
    }
    let no_date = text.replace("raised = \"2024-02-01\"\n", "");
    let message = refused(&no_date, &[]);
    let line = no_date.lines().position(|l| l == "[priority]").unwrap() + 1;
    assert!(
        message.contains("a priority needs `raised`")
            && message.contains(&format!("m.toml:{line}:"))
            && message.contains("raised = \"2024-06-12\""),
        "{message}"
    );
    // The data runs from January to June 2024.
    let late = text.replace("2024-02-01", "2026-02-01");
    let message = refused(&late, &["--data", "extracts"]);
    let line = late
        .lines()
        .position(|l| l.starts_with("raised ="))
        .unwrap()
        + 1;
    assert!(
        message.contains(
            "priority raised on 2026-02-01, but `asb_incidents` has data from 2024-01-01"
        ) && message.contains(&format!("m.toml:{line}:10")),
        "{message}"
    );
    // Written as a bare TOML date, the same place is pointed at.
    let bare = late.replace("\"2026-02-01\"", "2026-02-01");
    assert_ne!(bare, late);
    let message = refused(&bare, &["--data", "extracts"]);
    assert!(
        message.contains("priority raised on 2026-02-01")
            && message.contains(&format!("m.toml:{line}:10")),
        "{message}"
    );
    // Within the data, it checks clean.
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    incidents(p, 6, 3);
    std::fs::create_dir_all(p.join("measures/priorities")).unwrap();
    // A TOML date unquoted reads as the quoted one.
    let unquoted = text.replace("raised = \"2024-02-01\"", "raised = 2024-02-01");
    assert_ne!(unquoted, text);
    std::fs::write(p.join("measures/priorities/m.toml"), &unquoted).unwrap();
    ok(mos_in(p, &["check", "--data", "extracts"]));
    let bad = text.replace("2024-02-01", "12/02/2024");
    std::fs::write(p.join("measures/priorities/m.toml"), &bad).unwrap();
    let output = mos_in(p, &["check"]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("`12/02/2024` is not a date") && message.contains("YYYY-MM-DD"),
        "{message}"
    );
}

/// The README's `[[neighbourhoods]]` example, as written, after a force's
/// districts: police.uk rows in its MSOA take its id, the rest their MSOA's name.
#[test]
fn the_readme_neighbourhood_example_names_its_msoa_rows() {
    let example = common::readme_block("toml", "the neighbourhood example", |b| {
        b.starts_with("# in data/force.toml, after the districts")
    });
    let shipped = std::fs::read_to_string(root().join("data/force.toml")).unwrap();
    let districts = &shipped[..shipped.find("\n# Neighbourhoods below").unwrap()];
    let project = tempfile::tempdir().unwrap();
    let p = project.path();
    std::fs::create_dir_all(p.join("data")).unwrap();
    std::fs::write(
        p.join("data/force.toml"),
        format!("{districts}\n\n{example}"),
    )
    .unwrap();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    std::fs::write(
        p.join("measures/crime_by_neighbourhood.toml"),
        "id = \"crime_by_neighbourhood\"\ntitle = \"Crime by neighbourhood\"\nobjective = 3\nsource = \"police_uk\"\nkind = \"count\"\nfilter = \"NOT is_asb\"\nbreakdowns = [\"neighbourhood\"]\npolarity = \"neutral\"\n",
    )
    .unwrap();
    let data = police_uk(p);
    ok(mos_in(
        p,
        &[
            "run",
            "--data",
            data.to_str().unwrap(),
            "--measures",
            "measures",
            "--out",
            "results.csv",
        ],
    ));
    let rows = results(&p.join("results.csv"));
    let raw = raw_rows();
    let (month, _) = FILES[1];
    let count = |group: &str| -> String {
        rows.iter()
            .find(|r| r["period_start"] == format!("{month}-01") && r["group"] == group)
            .unwrap_or_else(|| panic!("{group}"))["numerator"]
            .clone()
    };
    let raw_count = |msoa: &str| {
        raw.iter()
            .filter(|(m, lsoa, asb)| {
                m == month && !asb && lsoa.len() > 1 && &lsoa[..lsoa.len() - 1] == msoa
            })
            .count()
            .to_string()
    };
    assert_eq!(count("wisbech_town_centre"), raw_count("Fenland 003"));
    // Not declared here: Peterborough 014 keeps its name.
    assert_eq!(count("Peterborough 014"), raw_count("Peterborough 014"));

    // A misspelt district in a priority is pointed at, with the right one.
    std::fs::create_dir_all(p.join("measures/priorities")).unwrap();
    std::fs::write(
        p.join("measures/priorities/m.toml"),
        priority("m", "wisbech_town_centre", "2021-01-05", "open").replace(
            "status = \"open\"",
            "status = \"open\"\ndistrict = \"fenlnd\"",
        ),
    )
    .unwrap();
    let output = mos_in(p, &["check"]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("unknown district `fenlnd`")
            && message.contains("did you mean `fenland`?"),
        "{message}"
    );
}
