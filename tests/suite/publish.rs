//! `mos publish`: the public dashboard as a static site. Published from the
//! demo, it is checked as a web host and a reader would meet it: every link
//! resolves inside the folder, nothing of a restricted measure is anywhere
//! in it, the same inputs give the same bytes (as the manifest lists them),
//! every CSV meets its CSV on the Web metadata (by the `csvw` Python
//! implementation), every page passes axe-core served by a plain static file
//! server, and every chart is an image with words, its values in a table,
//! its marks told apart by more than colour and drawn at 3:1 contrast.

use crate::common::{Server, free_port, ok, root};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The demo's site, published once for the tests here (under cargo's
/// scratch folder for tests).
fn site() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| publish("site"))
}

fn scratch() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("publish-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `mos publish --out NAME` on the demo, in the project's root, its
/// snapshots kept beside the site: the path of the site.
fn publish(name: &str) -> PathBuf {
    let scratch = scratch();
    let out = scratch.join(name);
    let output = ok(Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["publish", "--out", out.to_str().unwrap()])
        .args(["--snapshots", scratch.join("snapshots").to_str().unwrap()])
        .current_dir(root())
        .output()
        .unwrap());
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("published the public site to"), "{said}");
    out
}

/// Every file of the site, by its path in it.
fn files_of(site: &Path) -> BTreeMap<String, Vec<u8>> {
    fn visit(dir: &Path, site: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, site, out);
            } else {
                let name = path
                    .strip_prefix(site)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    visit(site, site, &mut out);
    out
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

/// The values of every `name="…"` attribute in `html`, `&amp;` read as `&`.
fn attributes(html: &str, name: &str) -> Vec<String> {
    html.split(&format!(" {name}=\""))
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].replace("&amp;", "&"))
        .collect()
}

/// The restricted measures, as declared: id, title, and a sentence of the
/// description of each.
fn restricted() -> Vec<(String, String, String)> {
    let set = mos::pipeline::load_measures(&root().join("measures")).unwrap();
    set.measures
        .iter()
        .filter(|m| m.access == mos::definition::Access::Restricted)
        .map(|m| {
            let description = m.description.split(['.', '\n']).next().unwrap_or("").trim();
            (m.id.clone(), m.title.clone(), description.to_string())
        })
        .collect()
}

/// The public measures the demo has figures for: by their declarations,
/// and by what `mos run` evaluates on the same data.
fn public_ids() -> BTreeSet<String> {
    static IDS: OnceLock<BTreeSet<String>> = OnceLock::new();
    IDS.get_or_init(|| {
        let scratch = scratch();
        let results = scratch.join("results.csv");
        ok(Command::new(env!("CARGO_BIN_EXE_mos"))
            .args(["run", "--out", results.to_str().unwrap()])
            .args([
                "--snapshots",
                scratch.join("run-snapshots").to_str().unwrap(),
            ])
            .current_dir(root())
            .output()
            .unwrap());
        let evaluated: BTreeSet<String> = crate::common::results_csv(&results)
            .into_iter()
            .map(|row| row["measure_id"].clone())
            .collect();
        let set = mos::pipeline::load_measures(&root().join("measures")).unwrap();
        set.measures
            .iter()
            .filter(|m| m.access == mos::definition::Access::Public && evaluated.contains(&m.id))
            .map(|m| m.id.clone())
            .collect()
    })
    .clone()
}

/// `id` in `text` as a whole word (not inside a longer id).
fn names(text: &str, id: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(id).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(word)
            && !text[at + id.len()..].chars().next().is_some_and(word)
    })
}

#[test]
fn the_public_site_is_whole_the_same_twice_and_says_nothing_restricted() {
    let site = site();
    let files = files_of(site);
    for page in [
        "index.html",
        "data.html",
        "accessibility.html",
        "priorities.html",
        "objectives/4.html",
    ] {
        assert!(files.contains_key(page), "{page} is published");
    }
    // Every public measure: its page, its embed, its open data.
    let public = public_ids();
    for id in &public {
        for file in [
            format!("measures/{id}.html"),
            format!("embed/{id}.html"),
            format!("data/{id}.csv"),
            format!("data/{id}.csv-metadata.json"),
            format!("measures/{id}/figures.xlsx"),
        ] {
            assert!(files.contains_key(&file), "{file} is published");
        }
    }

    // Every link and source is relative and resolves to a file of the site.
    let mut checked = 0;
    for (path, bytes) in files
        .iter()
        .filter(|(p, _)| p.ends_with(".html") || p.ends_with(".svg"))
    {
        let html = text(bytes);
        for link in attributes(html, "href")
            .into_iter()
            .chain(attributes(html, "src"))
        {
            if link.starts_with('#') || link.starts_with("mailto:") {
                continue;
            }
            assert!(
                !link.starts_with('/') && !link.contains("://"),
                "{path} links to {link}, outside the folder"
            );
            let target = link.split('#').next().unwrap();
            let mut parts: Vec<&str> = path.split('/').collect();
            parts.pop();
            for part in target.split('/') {
                match part {
                    ".." => assert!(parts.pop().is_some(), "{path}: {link} leaves the folder"),
                    "." | "" => {}
                    part => parts.push(part),
                }
            }
            let resolved = parts.join("/");
            assert!(
                files.contains_key(&resolved),
                "{path} links to {link}: no {resolved}"
            );
            checked += 1;
        }
        // Nothing needs the server, and nothing runs but the page's own script.
        assert!(
            !html.contains("login") && !html.contains("/api"),
            "{path} points at the server"
        );
        for script in html.split("<script").skip(1) {
            let tag = &script[..script.find('>').unwrap()];
            assert!(
                tag.contains("type=\"application/ld+json\"") || tag.contains("assets/app.js"),
                "{path}: <script{tag}>"
            );
        }
    }
    assert!(checked > 3_000, "{checked} links");

    // Nothing of a restricted measure: its id, title or description, in
    // any file or any file's name.
    let restricted = restricted();
    assert!(restricted.len() >= 10, "{restricted:?}");
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for (id, title, description) in &restricted {
            assert!(!names(path, id) && !names(&text, id), "{path} names {id}");
            assert!(
                !text.contains(title.as_str()),
                "{path} has the title {title}"
            );
            assert!(
                description.len() < 20 || !text.contains(description.as_str()),
                "{path} has {description}"
            );
        }
    }

    // The manifest lists every other file, with its SHA-256, and the snapshot.
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let listed: BTreeMap<String, String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(listed.len(), files.len() - 1);
    for (path, bytes) in files.iter().filter(|(p, _)| *p != "manifest.json") {
        use sha2::Digest;
        let sha = sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        assert_eq!(listed.get(path), Some(&sha), "{path}");
    }
    let snapshot = manifest["snapshot"].as_str().unwrap();
    let kept = scratch().join("snapshots").join(snapshot);
    assert!(
        kept.is_dir(),
        "snapshot {snapshot} is kept in {}",
        kept.display()
    );

    // The same inputs, the same bytes: published again elsewhere, in a
    // later minute than the first (pages write times to the minute).
    let published = std::fs::metadata(site.join("manifest.json"))
        .unwrap()
        .modified()
        .unwrap();
    let minute =
        |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 60;
    while minute(std::time::SystemTime::now()) == minute(published) {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let again = files_of(&publish("site-again"));
    assert_eq!(
        again.keys().collect::<Vec<_>>(),
        files.keys().collect::<Vec<_>>()
    );
    let differ: Vec<&String> = files
        .iter()
        .filter(|(path, bytes)| again[*path] != **bytes)
        .map(|(path, _)| path)
        .collect();
    assert!(
        differ.is_empty(),
        "{} files differ between two publications: {differ:?}",
        differ.len()
    );
    // Readable by the web server that serves it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(site.join("index.html"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o044, 0o044, "{mode:o}");
    }
}

/// `python3` with the `csvw` package (CSV on the Web, by the CLDF project):
/// `CSVW_PYTHONPATH` names where, or `.ci/run` installs it under `target/csvw`.
fn csvw() -> Option<PathBuf> {
    let dir = std::env::var_os("CSVW_PYTHONPATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/csvw"));
    dir.join("csvw").is_dir().then_some(dir)
}

/// Each metadata file's CSV validated against it by the `csvw` package, in
/// one Python: the files found wanting, with why.
fn csvw_invalid(csvw: &Path, metadata: &[PathBuf]) -> Vec<String> {
    const VALIDATE: &str = r#"
import sys
from csvw import CSVW
for path in sys.argv[1:]:
    try:
        table = CSVW(path, validate=True, strict=True)
        ok, why = table.is_valid, "; ".join(str(w.message) for w in table.warnings)
    except ValueError as e:
        ok, why = False, str(e)
    print(("OK " if ok else "FAIL ") + path + ("" if ok else ": " + why))
"#;
    let output = Command::new("python3")
        .args(["-c", VALIDATE])
        .args(metadata)
        .env("PYTHONPATH", csvw)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(said.lines().count(), metadata.len(), "{said}");
    said.lines()
        .filter(|l| !l.starts_with("OK "))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_csv_of_the_open_data_meets_its_csv_on_the_web_metadata() {
    let site = site();
    let files = files_of(site);
    let force: toml::Value =
        toml::from_str(&std::fs::read_to_string(root().join("data/force.toml")).unwrap()).unwrap();
    let publisher = force["publisher"]["name"].as_str().unwrap();
    let data_page = text(&files["data.html"]);
    let mut csvs = 0;
    for (path, bytes) in files
        .iter()
        .filter(|(p, _)| p.starts_with("data/") && p.ends_with(".csv"))
    {
        csvs += 1;
        let id = path.trim_start_matches("data/").trim_end_matches(".csv");
        let metadata: serde_json::Value =
            serde_json::from_slice(&files[&format!("{path}-metadata.json")]).unwrap();
        assert_eq!(metadata["url"], format!("{id}.csv"));
        assert_eq!(
            metadata["dc:license"]["@id"],
            "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
        );
        assert_eq!(metadata["dc:publisher"]["schema:name"], publisher);
        assert!(metadata["dc:modified"]["@value"].as_str().unwrap().len() == 10);
        assert!(!metadata["dc:description"].as_str().unwrap().is_empty());
        // Coverage: the first and last day of the rows, read here.
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header = reader.headers().unwrap().clone();
        let columns: Vec<&str> = metadata["tableSchema"]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(columns, header.iter().collect::<Vec<_>>());
        let at = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (mut first, mut last) = (String::from("9999"), String::new());
        for row in reader.records() {
            let row = row.unwrap();
            first = first.min(row[at("period_start")].to_string());
            last = last.max(row[at("period_end")].to_string());
            // A suppressed figure is an empty cell, never a number.
            if &row[at("suppressed")] == "true" {
                for column in ["numerator", "denominator", "value", "ci_lower", "ci_upper"] {
                    assert_eq!(&row[at(column)], "", "{path}: {column} of a suppressed row");
                }
            }
            for cell in row.iter() {
                assert!(!cell.starts_with(['=', '+', '@']), "{path}: {cell}");
            }
        }
        assert_eq!(metadata["dc:temporal"], format!("{first}/{last}"), "{path}");
        // The data page lists it, and its measure's page describes it for search engines.
        assert!(
            data_page.contains(&format!("href=\"data/{id}.csv\"")),
            "{id}"
        );
        let page = text(&files[&format!("measures/{id}.html")]);
        let ld = page
            .split("<script type=\"application/ld+json\">")
            .nth(1)
            .and_then(|rest| rest.split("</script>").next())
            .unwrap_or_else(|| panic!("{id}: no JSON-LD"));
        let ld: serde_json::Value = serde_json::from_str(ld).unwrap();
        assert_eq!(ld["@type"], "Dataset");
        assert_eq!(ld["license"], metadata["dc:license"]["@id"]);
        assert_eq!(
            ld["distribution"][0]["contentUrl"],
            format!("../data/{id}.csv")
        );
        assert_eq!(ld["temporalCoverage"], metadata["dc:temporal"]);
    }
    assert_eq!(csvs, public_ids().len());

    let Some(csvw) = csvw() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs the csvw package (.ci/run): it must be there"
        );
        eprintln!("skipped the CSVW validation: needs `pip install --target target/csvw csvw`");
        return;
    };
    // The validator finds what it should: a value that is not a number.
    let bad = scratch().join("bad-open-data");
    std::fs::create_dir_all(&bad).unwrap();
    let csv = text(&files["data/victim_based_crime_rate.csv"]);
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let mut cells: Vec<&str> = lines[1].split(',').collect();
    cells[7] = "about 59";
    lines[1] = cells.join(",");
    std::fs::write(
        bad.join("victim_based_crime_rate.csv"),
        lines.join("\n") + "\n",
    )
    .unwrap();
    std::fs::write(
        bad.join("victim_based_crime_rate.csv-metadata.json"),
        &files["data/victim_based_crime_rate.csv-metadata.json"],
    )
    .unwrap();
    let invalid = csvw_invalid(
        &csvw,
        &[bad.join("victim_based_crime_rate.csv-metadata.json")],
    );
    assert!(
        invalid.len() == 1 && invalid[0].contains("about 59"),
        "{invalid:?}"
    );
    // Every CSV the site publishes meets its metadata.
    let metadata: Vec<PathBuf> = files
        .keys()
        .filter(|p| p.ends_with(".csv-metadata.json"))
        .map(|p| site.join(p))
        .collect();
    let invalid = csvw_invalid(&csvw, &metadata);
    assert!(invalid.is_empty(), "{}", invalid.join("\n"));
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// playwright-core and axe-core, which `.ci/run` installs under `target/axe`.
fn node_modules() -> Option<PathBuf> {
    let dir = root().join("target/axe/node_modules");
    (dir.join("axe-core/axe.min.js").exists() && dir.join("playwright-core").is_dir())
        .then_some(dir)
}

#[test]
fn every_page_of_the_static_site_passes_axe_from_a_plain_file_server() {
    let site = site();
    let pages: Vec<String> = files_of(site)
        .into_keys()
        .filter(|p| p.ends_with(".html"))
        .collect();
    assert!(pages.len() > 100, "{} pages", pages.len());
    if let Some(problems) = axe_problems(site, &pages) {
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

/// What axe-core finds wrong with `pages` of the static site at `site`,
/// each served by a plain file server and loaded in Chromium: a violation,
/// a status other than 200, a request to another host. `None` where the
/// tools are not installed (never in CI, which installs them).
pub fn axe_problems(site: &Path, pages: &[String]) -> Option<Vec<String>> {
    let Some(modules) = node_modules().filter(|_| Path::new(CHROMIUM).exists()) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs chromium, axe-core and playwright-core (.ci/run): they must be there"
        );
        eprintln!("skipped: needs {CHROMIUM}, and axe-core and playwright-core in target/axe");
        return None;
    };
    // A plain static file server: Python's.
    let port = free_port();
    let _server = Server(
        Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(site)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}/");
    let started = std::time::Instant::now();
    while crate::common::http_get(port, &format!("/{}", pages[0]), "").is_none() {
        assert!(
            started.elapsed().as_secs() < 30,
            "the file server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let list = scratch().join(format!("pages-{port}.txt"));
    std::fs::write(&list, pages.join("\n")).unwrap();
    let output = Command::new("node")
        .arg(root().join("tests/suite/axe_pages.js"))
        .arg(&base)
        .arg(&list)
        .arg(modules.join("axe-core/axe.min.js"))
        .arg(serde_json::to_string(&mos::web::accessibility::AXE_RULE_TAGS).unwrap())
        .arg(CHROMIUM)
        .env("NODE_PATH", &modules)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut seen = 0;
    let mut problems = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let page: serde_json::Value = serde_json::from_str(line).unwrap();
        seen += 1;
        let name = page["page"].as_str().unwrap();
        if page["status"] != 200 {
            problems.push(format!("{name}: status {}", page["status"]));
        }
        for host in page["hosts"].as_array().unwrap() {
            if *host != format!("127.0.0.1:{port}") && *host != "data:" {
                problems.push(format!("{name} asked {host} for something"));
            }
        }
        for v in page["violations"].as_array().unwrap() {
            problems.push(format!("{name}: {}", v.as_str().unwrap()));
        }
    }
    assert_eq!(seen, pages.len());
    Some(problems)
}

/// The relative luminance of `#RRGGBB` (WCAG 2).
fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap() as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}

fn contrast_with_white(hex: &str) -> f64 {
    1.05 / (luminance(hex) + 0.05)
}

#[test]
fn every_chart_is_an_image_in_words_with_its_values_in_a_table_and_marks_not_told_by_colour_alone()
{
    let site = site();
    let files = files_of(site);
    let mut charts = 0;
    let mut special = BTreeMap::<&str, usize>::new();
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = text(bytes);
        for svg in html.split("<svg").skip(1) {
            let svg = &svg[..svg.find("</svg>").unwrap()];
            let tag = &svg[..svg.find('>').unwrap()];
            if tag.contains("aria-hidden=\"true\"") {
                continue;
            }
            assert!(tag.contains("role=\"img\""), "{path}: <svg{tag}>");
            let inside = &svg[tag.len() + 1..];
            assert!(
                inside.starts_with("<title>"),
                "{path}: a chart without a title"
            );
            if tag.contains("class=\"icon\"") {
                continue;
            }
            charts += 1;
            let desc = inside
                .split("<desc>")
                .nth(1)
                .and_then(|d| d.split("</desc>").next())
                .unwrap_or_else(|| panic!("{path}: a chart without a description"));
            assert!(desc.split_whitespace().count() >= 8, "{path}: {desc}");
            // Lines and marks stand out from the white at 3:1 at least (the
            // confidence band and grid are background, read in the table).
            for element in ["<polyline", "<circle", "<polygon", "<rect", "<path"] {
                for shape in svg.split(element).skip(1) {
                    let shape = &shape[..shape.find('>').unwrap()];
                    if shape.contains("opacity=\"0.55\"") || shape.contains("class=\"hover\"") {
                        continue;
                    }
                    for paint in attributes(shape, "stroke")
                        .into_iter()
                        .chain(attributes(shape, "fill"))
                    {
                        if !paint.starts_with('#') || paint == "#FFFFFF" {
                            continue;
                        }
                        assert!(
                            contrast_with_white(&paint) >= 3.0,
                            "{path}: {element} in {paint}, {:.2}:1",
                            contrast_with_white(&paint)
                        );
                    }
                }
            }
            // Special causes are told by shape too: blue, orange and purple
            // marks are never the plain circles of common cause.
            for shape in svg.split("<circle").skip(1) {
                let shape = &shape[..shape.find('>').unwrap()];
                for colour in ["#005EB8", "#C25E00", "#7C2877"] {
                    assert!(
                        !shape.contains(&format!("fill=\"{colour}\"")),
                        "{path}: a special cause drawn as a dot"
                    );
                }
            }
            for (colour, sides) in [
                ("#005EB8", "triangle"),
                ("#C25E00", "square"),
                ("#7C2877", "diamond"),
            ] {
                let marks = svg
                    .split(if sides == "square" {
                        "<rect"
                    } else {
                        "<polygon"
                    })
                    .skip(1)
                    .filter(|s| s[..s.find('>').unwrap()].contains(&format!("fill=\"{colour}\"")))
                    .count();
                *special.entry(sides).or_default() += marks;
            }
        }
        // Every value hovered on a page's trend chart is in its table of
        // figures, which the chart's caption links to.
        if path.starts_with("measures/") && html.contains("id=\"figures\"") {
            assert!(html.contains("href=\"#figures\""), "{path}");
            let table = html.split("id=\"figures\"").nth(1).unwrap();
            let chart = html.split("id=\"chart-caption\"").next().unwrap();
            let chart = chart.rsplit("<svg").next().unwrap();
            let mut found = 0;
            for hover in chart.split("class=\"hover\"><title>").skip(1) {
                let said = &hover[..hover.find("</title>").unwrap()];
                let Some((period, rest)) = said.split_once(": ") else {
                    continue;
                };
                // A point's value: up to its interval, its count or its signal.
                let value = rest.split(" (").next().unwrap().split(", ").next().unwrap();
                // Targets, annotations and breaks are said under the chart.
                let Some(row) = table
                    .split("<tr>")
                    .find(|row| row.contains(&format!("<th scope=\"row\">{period}</th>")))
                else {
                    continue;
                };
                if value.starts_with("suppressed") {
                    assert!(row.contains("suppressed"), "{path}: {said} not in {row}");
                } else {
                    assert!(
                        row.contains(&format!("<td>{value}</td>")),
                        "{path}: {said} not in {row}"
                    );
                }
                found += 1;
            }
            assert!(
                found > 0 || !chart.contains("class=\"hover\""),
                "{path}: no hovered value in the table"
            );
        }
    }
    assert!(charts > 250, "{charts} charts");
    // The demo has special causes of each kind, so each shape was seen.
    for (sides, count) in &special {
        assert!(*count > 0, "no {sides} drawn");
    }
}

/// The README's publishing examples, as written: the command on extracts of
/// its own, the publisher as `data/force.toml` ships it, the schedule as
/// `mos serve` reads it, and the static embed's address in the site.
#[test]
fn the_readme_publishes_as_it_says() {
    let dir = tempfile::tempdir().unwrap();
    ok(crate::common::mos_in(
        dir.path(),
        &[
            "generate", "--out", "extracts", "--years", "2", "--scale", "0.1",
        ],
    ));
    let command = crate::common::readme_block("sh", "mos publish", |b| b.contains("mos publish"));
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let said = ok(crate::common::mos_in(dir.path(), &args));
    assert!(String::from_utf8_lossy(&said.stdout).contains("published the public site to site"));
    let site = dir.path().join("site");
    for file in [
        "index.html",
        "data.html",
        "manifest.json",
        "data/victim_based_crime_rate.csv",
    ] {
        assert!(site.join(file).is_file(), "{file}");
    }

    let publisher =
        crate::common::readme_block("toml", "[publisher]", |b| b.starts_with("[publisher]"));
    let force = std::fs::read_to_string(root().join("data/force.toml")).unwrap();
    assert!(
        force.contains(&publisher),
        "data/force.toml ships the README's [publisher]"
    );
    let metadata: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.join("data/victim_based_crime_rate.csv-metadata.json")).unwrap(),
    )
    .unwrap();
    let named: toml::Value = toml::from_str(&publisher).unwrap();
    assert_eq!(
        metadata["dc:publisher"]["schema:name"],
        named["publisher"]["name"].as_str().unwrap()
    );
    assert_eq!(
        metadata["dc:publisher"]["schema:url"]["@id"],
        named["publisher"]["url"].as_str().unwrap()
    );

    let schedule =
        crate::common::readme_block("toml", "a site's schedule", |b| b.contains("site = true"));
    let dashboards = dir.path().join("dashboards");
    std::fs::create_dir_all(&dashboards).unwrap();
    std::fs::write(dashboards.join("schedules.toml"), &schedule).unwrap();
    let schedules = mos::report::schedule::load(&dashboards).unwrap();
    assert!(schedules.len() == 1 && schedules[0].spec.site && schedules[0].spec.after_load);
    assert_eq!(schedules[0].spec.out, Path::new("site"));

    let iframe = crate::common::readme_block("html", "a static embed", |b| {
        b.contains("/embed/") && b.contains(".html\"")
    });
    let src = iframe
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let file = src.split("/performance/").nth(1).unwrap();
    let embed = std::fs::read_to_string(site.join(file)).unwrap();
    let title = iframe
        .split("title=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(embed.contains(&format!("<title>{title} ·")), "{embed}");
    assert!(
        embed.contains("role=\"img\"") && !embed.contains("<nav"),
        "{embed}"
    );
}
