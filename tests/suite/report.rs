//! Board packs: figures are those of `mos run`, sentences follow the
//! statistics, suppression holds in every format, a failed write leaves the
//! previous pack intact, and the same inputs give the same bytes.

use crate::common;

use mos::report::{PackOptions, write_packs};
use std::path::Path;

struct Fixture {
    _dir: tempfile::TempDir,
    evaluation: mos::Evaluation,
    plan: mos::dashboards::Plan,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let options = mos::demo::DemoOptions {
        seed: 21,
        years: 3,
        scale: 0.2,
        ..Default::default()
    };
    mos::demo::generate(dir.path(), &options).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let all = mos::pipeline::load_measures(&root.join("measures")).unwrap();
    // The packs under test are Objective 4's: its measures are all evaluated.
    let measures = all.with_measures(
        all.measures
            .iter()
            .filter(|m| m.objective == 4)
            .cloned()
            .collect(),
    );
    let plan = mos::dashboards::load_plan(&root.join("dashboards"), &measures).unwrap();
    let (evaluation, _) = common::evaluate(&measures, dir.path(), None).unwrap();
    Fixture {
        _dir: dir,
        evaluation,
        plan,
    }
}

fn options() -> PackOptions {
    PackOptions {
        objectives: vec![4],
        period: None,
        as_of: Some(chrono::NaiveDate::from_ymd_opt(2026, 4, 7).unwrap()),
        pdf_with: None,
        pdf_timeout: None,
        public: false,
        language: Default::default(),
    }
}

#[test]
fn a_pack_carries_the_figures_of_mos_run_with_sentences_that_follow_the_statistics() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let packs = write_packs(&f.evaluation, &f.plan, out.path(), &options()).unwrap();
    assert_eq!(packs.len(), 1);
    let pack = &packs[0];
    let csv = std::fs::read_to_string(pack.join("figures.csv")).unwrap();
    let run = String::from_utf8(mos::results::to_csv(&mos::results::rows(
        &f.evaluation.results,
    )))
    .unwrap();
    assert_eq!(
        csv, run,
        "the pack reports to the latest month, so it carries every figure of the run"
    );

    let html = std::fs::read_to_string(pack.join("report.html")).unwrap();
    assert!(
        !html.contains("<script") && !html.contains("<link") && !html.contains("src=\"http"),
        "self-contained"
    );
    assert!(html.contains("<h2>Contents</h2>") && html.contains("counter(page)"));
    for result in &f.evaluation.results {
        let reading = mos::reading::read(result);
        let sentence = mos::presentation::words::headline(&result.measure, &reading);
        let escaped = sentence.replace('&', "&amp;");
        assert!(html.contains(&escaped), "{sentence}");
        use mos::stats::change::Change;
        match reading.year_on_year.map(|y| y.change) {
            Some(Change::SignificantRise) => assert!(
                sentence.contains("the rise is statistically significant")
                    && !sentence.contains("fall")
            ),
            Some(Change::SignificantFall) => assert!(
                sentence.contains("the fall is statistically significant")
                    && !sentence.contains("rise")
            ),
            Some(Change::NoSignificantChange) => assert!(
                sentence.contains("no significant change")
                    && !sentence.contains("statistically significant")
            ),
            None => assert!(!sentence.contains("significant")),
        }
    }

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["objective"], 4);
    // A definition for each shipped measure of Objective 4, counted from the files.
    let objective_4 = std::fs::read_dir(common::root().join("measures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .any(|l| l == "objective = 4")
        })
        .count();
    assert_eq!(
        manifest["definitions"].as_array().unwrap().len(),
        objective_4
    );
    for output in manifest["outputs"].as_array().unwrap() {
        let bytes = std::fs::read(pack.join(output["file"].as_str().unwrap())).unwrap();
        assert_eq!(output["sha256"], mos::definition::sha256_hex(&bytes));
    }
    assert!(
        manifest["extracts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["files"][0]["sha256"].as_str().unwrap().len() == 64)
    );
}

#[test]
fn suppressed_figures_stay_withheld_in_the_pack() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let pack = &write_packs(&f.evaluation, &f.plan, out.path(), &options()).unwrap()[0];
    let csv = std::fs::read_to_string(pack.join("figures.csv")).unwrap();
    let suppressed: Vec<&str> = csv
        .lines()
        .filter(|l| l.starts_with("cse_crimes,") && l.contains(",true,"))
        .collect();
    assert!(!suppressed.is_empty());
    for line in suppressed {
        let cells: Vec<&str> = line.split(',').collect();
        assert!(cells[5..10].iter().all(|c| c.is_empty()), "{line}");
    }
    let html = std::fs::read_to_string(pack.join("report.html")).unwrap();
    let cse = &html[html.find("id=\"cse_crimes\"").unwrap()..];
    let cse = &cse[..cse.find("</section>").unwrap()];
    let result = f
        .evaluation
        .results
        .iter()
        .find(|r| r.measure.id == "cse_crimes")
        .unwrap();
    for p in result.total().points.iter().rev().take(13) {
        let label = result.measure.period_label(p.period);
        let row = &cse[cse.find(&format!("<td>{label}</td>")).unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert_eq!(p.suppressed, row.contains("suppressed"), "{row}");
    }
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let f = fixture();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let pa = &write_packs(&f.evaluation, &f.plan, a.path(), &options()).unwrap()[0];
    let pb = &write_packs(&f.evaluation, &f.plan, b.path(), &options()).unwrap()[0];
    for file in ["report.html", "figures.csv", "manifest.json"] {
        assert_eq!(
            std::fs::read(pa.join(file)).unwrap(),
            std::fs::read(pb.join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_failed_write_leaves_the_previous_pack_intact() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("objective-4-2026-03");
    let good = vec![("report.html".to_string(), b"good".to_vec())];
    mos::common::atomic::write_folder(&dir, &good).unwrap();
    // The second file cannot be written (its folder does not exist): the write fails midway.
    let broken = vec![
        ("report.html".to_string(), b"new".to_vec()),
        ("missing/figures.csv".to_string(), b"x".to_vec()),
    ];
    assert!(mos::common::atomic::write_folder(&dir, &broken).is_err());
    assert_eq!(std::fs::read(dir.join("report.html")).unwrap(), b"good");
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("objective-4-2026-03")],
        "no staging left behind"
    );
    // And a good write replaces it whole.
    mos::common::atomic::write_folder(&dir, &[("report.html".to_string(), b"newer".to_vec())])
        .unwrap();
    assert_eq!(std::fs::read(dir.join("report.html")).unwrap(), b"newer");
}

/// Pages of a PDF: its `/Type /Page` objects (not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let marker = b"/Type /Page";
    pdf.windows(marker.len() + 1)
        .filter(|w| &w[..marker.len()] == marker && w[marker.len()] != b's')
        .count()
}

#[test]
fn the_pdf_is_printed_when_chromium_is_installed() {
    let Some(chromium) = mos::report::pdf::chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs chromium (.ci/run): it must be there"
        );
        eprintln!("skipped: no chromium to print the PDF with");
        return;
    };
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    // A folder name a URL would read otherwise: `#` starts a fragment, `?` a
    // query, `%20` an escape. Chromium must still be given this very page.
    let out = out.path().join("board #4? 100%20");
    let with_pdf = PackOptions {
        pdf_with: Some(chromium),
        ..options()
    };
    let pack = &write_packs(&f.evaluation, &f.plan, &out, &with_pdf).unwrap()[0];
    let pdf = std::fs::read(pack.join("report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    assert!(
        !text.contains("ERR_FILE_NOT_FOUND"),
        "Chromium's error page"
    );
    // The cover and contents, then a page or more per measure.
    assert!(pdf_pages(&pdf) > 14, "{} pages", pdf_pages(&pdf));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("manifest.json")).unwrap()).unwrap();
    assert!(
        manifest["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["file"] == "report.pdf")
    );
}

/// The pack's workbook, read back with an independent reader: a contents sheet
/// naming every measure, and per measure every row of figures.csv with the
/// same numbers, suppressed figures absent.
#[test]
fn the_pack_workbook_holds_the_figures_with_suppression_applied() {
    use calamine::{Data, Reader, Xlsx};
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let pack = &write_packs(&f.evaluation, &f.plan, out.path(), &options()).unwrap()[0];
    let mut book: Xlsx<_> = calamine::open_workbook(pack.join("figures.xlsx")).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[0], "Contents");
    assert_eq!(names.len(), 1 + f.evaluation.results.len());
    let contents = book.worksheet_range("Contents").unwrap();
    let listed: Vec<String> = contents.rows().skip(4).map(|r| r[0].to_string()).collect();
    for result in &f.evaluation.results {
        assert!(
            listed.contains(&result.measure.title),
            "{}",
            result.measure.title
        );
    }

    // figures.csv, read here, keyed by measure: (start, end, value, suppressed) in order.
    let csv = std::fs::read_to_string(pack.join("figures.csv")).unwrap();
    let mut expected: std::collections::BTreeMap<String, Vec<(String, String, String, String)>> =
        Default::default();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        expected.entry(c[0].to_string()).or_default().push((
            c[1].to_string(),
            c[2].to_string(),
            c[7].to_string(),
            c[10].to_string(),
        ));
    }
    assert_eq!(names.len() - 1, expected.len());
    for sheet_name in &names[1..] {
        // Sheets are named by measure id, cut to Excel's 31 characters.
        let measure_id = expected
            .keys()
            .find(|id| id.starts_with(sheet_name.as_str()))
            .unwrap_or_else(|| panic!("no measure for sheet {sheet_name}"));
        let range = book.worksheet_range(sheet_name).unwrap();
        let mut got: Vec<(String, String, String, String)> = range
            .rows()
            .skip(5)
            .map(|r| {
                let value = match &r[6] {
                    Data::Float(v) => v.to_string(),
                    Data::Empty => String::new(),
                    other => panic!("value cell {other:?}"),
                };
                let suppressed = match &r[9] {
                    Data::Bool(b) => b.to_string(),
                    other => panic!("suppressed cell {other:?}"),
                };
                (r[2].to_string(), r[3].to_string(), value, suppressed)
            })
            .collect();
        // figures.csv is sorted by breakdown and group; the sheet goes total first, then by breakdown.
        let mut want = expected[measure_id].clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{measure_id}");
        if measure_id == "cse_crimes" {
            assert!(got.iter().any(|r| r.3 == "true" && r.2.is_empty()));
        }
    }
}

/// The PDF's text, by poppler's `pdftotext` where it is installed (else its
/// raw bytes, which still hold Chromium's error page's title).
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        _ => String::from_utf8_lossy(pdf).into_owned(),
    }
}

/// A Chromium that never finishes is stopped at the timeout, with what it
/// started, and the pack is not written; one that prints another page (its
/// error page) is refused.
#[cfg(unix)]
#[test]
fn a_hung_or_lost_chromium_writes_no_pdf() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture();
    let tools = tempfile::tempdir().unwrap();
    let pids = tools.path().join("pids");
    let hung = tools.path().join("hung-chromium");
    std::fs::write(
        &hung,
        format!(
            "#!/bin/sh
sleep 300 &
echo $! > {}
wait
",
            pids.display()
        ),
    )
    .unwrap();
    let lost = tools.path().join("lost-chromium");
    std::fs::write(
        &lost,
        "#!/bin/sh
for arg; do case \"$arg\" in --print-to-pdf=*) pdf=\"${arg#--print-to-pdf=}\" ;; esac; done
printf '%%PDF-1.4 <</Title (file:///nowhere.html)>>' > \"$pdf\"
",
    )
    .unwrap();
    for printer in [&hung, &lost] {
        std::fs::set_permissions(printer, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let refused = write_packs(
        &f.evaluation,
        &f.plan,
        out.path(),
        &PackOptions {
            pdf_with: Some(hung.clone()),
            pdf_timeout: Some(std::time::Duration::from_secs(2)),
            ..options()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(refused.contains("after 2 seconds"), "{refused}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    // The helper it started was stopped with it.
    let helper = std::fs::read_to_string(&pids).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !Path::new(&format!("/proc/{}", helper.trim())).exists()
            || std::fs::read_to_string(format!("/proc/{}/stat", helper.trim()))
                .is_ok_and(|stat| stat.contains(") Z ")),
        "the helper {helper} still runs"
    );
    let refused = write_packs(
        &f.evaluation,
        &f.plan,
        out.path(),
        &PackOptions {
            pdf_with: Some(lost.clone()),
            ..options()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains("printed a page other than the report"),
        "{refused}"
    );
    let left: Vec<_> = std::fs::read_dir(out.path()).unwrap().collect();
    assert!(left.is_empty(), "no pack is written");
}

/// The pack's HTML goes to the printer from a private folder inside the pack's
/// own stage, never the system's temporary folder, and nothing of it is left:
/// a stand-in for Chromium reports where it was given the page and its profile.
#[cfg(unix)]
#[test]
fn the_pdf_is_printed_from_a_private_folder_inside_the_packs_stage() {
    use std::os::unix::fs::PermissionsExt;
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let tools = tempfile::tempdir().unwrap();
    let log = tools.path().join("printed.log");
    let printer = tools.path().join("chromium");
    std::fs::write(
        &printer,
        format!(
            r#"#!/bin/sh
for arg; do
  case "$arg" in
    --print-to-pdf=*) pdf="${{arg#--print-to-pdf=}}" ;;
    --user-data-dir=*) profile="${{arg#--user-data-dir=}}" ;;
    file://*) html="${{arg#file://}}" ;;
  esac
done
page=$(dirname "$html")
echo "$page $(stat -c %a "$page") $(stat -c %a "$html") $profile $(stat -c %a "$profile")" > {}
title=$(grep -o '<title>[^<]*</title>' "$html" | head -n 1 | sed 's:</*title>::g')
printf '%%PDF-1.4 stand-in <</Title (%s)>>' "$title" > "$pdf"
"#,
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&printer, std::fs::Permissions::from_mode(0o755)).unwrap();
    let with_pdf = PackOptions {
        pdf_with: Some(printer),
        ..options()
    };
    let pack = &write_packs(&f.evaluation, &f.plan, out.path(), &with_pdf).unwrap()[0];
    assert!(
        std::fs::read(pack.join("report.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );
    let printed = std::fs::read_to_string(&log).unwrap();
    let fields: Vec<&str> = printed.split_whitespace().collect();
    let (page, page_mode, html_mode, profile, profile_mode) =
        (fields[0], fields[1], fields[2], fields[3], fields[4]);
    let stage = Path::new(page).parent().unwrap();
    assert_eq!(
        stage.parent().unwrap(),
        out.path(),
        "printed beside the pack: {page}"
    );
    assert!(
        stage
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(".stage-objective-4-"),
        "{page}"
    );
    assert_eq!((page_mode, html_mode, profile_mode), ("700", "600", "700"));
    assert!(profile.starts_with(page), "{profile}");
    // Nothing is left but the pack, and the pack holds no scratch.
    let left: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [pack.file_name().unwrap()]);
    assert!(!Path::new(page).exists());
    let in_pack: Vec<String> = std::fs::read_dir(pack)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(in_pack.iter().all(|n| !n.starts_with('.')), "{in_pack:?}");
    assert_eq!(
        std::fs::metadata(pack).unwrap().permissions().mode() & 0o777,
        0o700,
        "the pack is private"
    );
}

/// A pack for a past month is the pack that would have been written then:
/// its SPC limits come from the months up to it alone (computed here from its
/// own published values), not from the months since.
#[test]
fn a_pack_for_a_past_month_charts_only_the_months_to_it() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let past = mos::period::Month::new(2022, 6);
    let options = PackOptions {
        period: Some(past),
        ..options()
    };
    let pack = &write_packs(&f.evaluation, &f.plan, out.path(), &options).unwrap()[0];
    assert!(pack.ends_with("objective-4-2022-06"));
    let mut reader = csv::Reader::from_path(pack.join("figures.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| {
            &r[at("measure_id")] == "domestic_abuse_crimes" && r[at("breakdown")].is_empty()
        })
        .collect();
    assert!(rows.iter().all(|r| &r[at("period_end")] <= "2022-06-30"));
    let values: Vec<f64> = rows
        .iter()
        .map(|r| r[at("value")].parse().unwrap())
        .collect();
    assert!(values.len() >= 12, "{} months", values.len());
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let published_mean: f64 = rows[0][at("spc_mean")].parse().unwrap();
    assert!(
        (published_mean - mean).abs() < 1e-9,
        "{published_mean} vs {mean}"
    );
    // And the later months would have moved it.
    let latest = f
        .evaluation
        .results
        .iter()
        .find(|r| r.measure.id == "domestic_abuse_crimes")
        .unwrap();
    let now = latest.total().spc[0].limits.mean;
    assert!(
        (now - mean).abs() > 1e-6,
        "the data's later months change the mean"
    );
}

/// The text of each page of a PDF, by poppler's `pdftotext` (pages end with a
/// form feed).
fn pdf_page_texts(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by .ci/run)");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split('\u{c}')
        .filter(|page| !page.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// Every printed page of a pack is marked, top and bottom: OFFICIAL-SENSITIVE
/// where it holds a restricted measure. `--public` writes the public version:
/// public measures only, marked OFFICIAL, and nothing of a restricted measure
/// (id, title, description) anywhere in its HTML, PDF, CSV, workbook or
/// manifest.
#[test]
fn packs_are_marked_and_the_public_pack_holds_nothing_restricted() {
    let f = fixture();
    let chromium = mos::report::pdf::chromium();
    assert!(
        chromium.is_some() || std::env::var_os("CI").is_none(),
        "CI installs chromium (.ci/run): it must be there"
    );
    let out = tempfile::tempdir().unwrap();
    let options = PackOptions {
        pdf_with: chromium.clone(),
        ..options()
    };
    let full = &write_packs(&f.evaluation, &f.plan, out.path(), &options).unwrap()[0];
    let public = &write_packs(
        &f.evaluation,
        &f.plan,
        out.path(),
        &PackOptions {
            public: true,
            ..options.clone()
        },
    )
    .unwrap()[0];
    assert!(
        public
            .file_name()
            .unwrap()
            .to_string_lossy()
            .ends_with("-public")
    );
    let restricted: Vec<&mos::definition::Measure> = f
        .evaluation
        .results
        .iter()
        .map(|r| &r.measure)
        .filter(|m| m.access == mos::definition::Access::Restricted)
        .collect();
    assert!(
        restricted.len() >= 3,
        "Objective 4 holds restricted measures"
    );

    let full_html = std::fs::read_to_string(full.join("report.html")).unwrap();
    assert!(full_html.contains("OFFICIAL-SENSITIVE"));
    // Every file of the public pack, as text (the workbook's XML unzipped).
    let mut texts: Vec<(String, String)> = Vec::new();
    for name in ["report.html", "figures.csv", "manifest.json"] {
        texts.push((
            name.into(),
            std::fs::read_to_string(public.join(name)).unwrap(),
        ));
    }
    let mut book =
        zip::ZipArchive::new(std::fs::File::open(public.join("figures.xlsx")).unwrap()).unwrap();
    for i in 0..book.len() {
        let mut part = book.by_index(i).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut part, &mut text).unwrap();
        texts.push((
            format!("figures.xlsx:{}", part.name().unwrap_or_default()),
            text,
        ));
    }
    if chromium.is_some() {
        let pages = pdf_page_texts(&std::fs::read(public.join("report.pdf")).unwrap());
        texts.push(("report.pdf".into(), pages.join("\n")));
        // Every page marked, top and bottom; none ends on a heading whose
        // chart or table is on the next.
        let headings: Vec<&str> = f
            .evaluation
            .results
            .iter()
            .map(|r| r.measure.title.as_str())
            .chain([
                "Figures by period",
                "Summary",
                "Contents",
                "People's Priorities",
            ])
            .collect();
        for (n, page) in pdf_page_texts(&std::fs::read(full.join("report.pdf")).unwrap())
            .iter()
            .enumerate()
        {
            assert_eq!(
                page.matches("OFFICIAL-SENSITIVE").count(),
                2,
                "page {}: {page}",
                n + 1
            );
            let last = page
                .lines()
                .map(str::trim)
                .rfind(|l| !l.is_empty() && *l != "OFFICIAL-SENSITIVE" && !l.starts_with("Page "))
                .unwrap_or_default();
            assert!(
                !headings.contains(&last),
                "page {} ends on the heading {last:?}",
                n + 1
            );
            // No page holds only the footnote: something of the pack comes before it.
            let content: Vec<&str> = page
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && *l != "OFFICIAL-SENSITIVE" && !l.starts_with("Page "))
                .collect();
            assert!(
                !content
                    .first()
                    .is_some_and(|l| l.starts_with("Figures are aggregates")),
                "page {} holds only the footnote: {page}",
                n + 1
            );
            // The summary starts on the cover's page, under its headline.
            if n == 0 {
                let text = content.join(" ");
                assert!(
                    text.contains("require scrutiny") || text.contains("requires scrutiny"),
                    "{text}"
                );
                assert!(content.contains(&"Summary"), "page 1: {text}");
            }
        }
        for (n, page) in pages.iter().enumerate() {
            assert_eq!(
                page.matches("OFFICIAL").count(),
                2,
                "page {}: {page}",
                n + 1
            );
            assert!(!page.contains("SENSITIVE"), "page {}", n + 1);
        }
    }
    let all: String = texts.iter().map(|(_, t)| t.as_str()).collect();
    assert!(all.contains("OFFICIAL") && !all.contains("OFFICIAL-SENSITIVE"));
    for m in &restricted {
        for (name, text) in &texts {
            for said in [m.id.as_str(), m.title.as_str()] {
                assert!(
                    !text.contains(said),
                    "{name} holds `{said}` of restricted {}",
                    m.id
                );
            }
        }
    }
    // The public measures are all there.
    let html = &texts[0].1;
    for r in f.evaluation.results.iter().filter(|r| {
        r.measure.access == mos::definition::Access::Public && r.measure.priority.is_none()
    }) {
        assert!(html.contains(&r.measure.title), "{}", r.measure.id);
    }
}

/// The cover carries the board's headline (how many measures require
/// scrutiny, improve, are content: as many as the summary grades) and no
/// snapshot id, which the provenance section at the end gives; each measure's
/// period table has its own heading.
#[test]
fn the_cover_carries_the_headline_and_the_provenance_comes_last() {
    let f = fixture();
    let out = tempfile::tempdir().unwrap();
    let pack = &write_packs(&f.evaluation, &f.plan, out.path(), &options()).unwrap()[0];
    let html = std::fs::read_to_string(pack.join("report.html")).unwrap();
    let cover = html
        .split("<header class=\"cover\">")
        .nth(1)
        .unwrap()
        .split("</header>")
        .next()
        .unwrap();
    let shown = html.matches("<section class=\"measure\"").count();
    let summary = html
        .split("class=\"summary\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    let (scrutiny, improving, content) = (
        summary.matches("class=\"grade scrutiny\"").count(),
        summary.matches("class=\"grade improving\"").count(),
        summary.matches("class=\"grade content\"").count(),
    );
    assert_eq!(
        scrutiny + improving + content,
        shown,
        "a grade per measure in the summary"
    );
    assert!(
        cover.contains(&format!("Of {shown} measures, {scrutiny} ")),
        "{cover}"
    );
    assert!(
        cover.contains(&format!(", {improving} ")) && cover.contains(&format!("and {content} ")),
        "{cover}"
    );
    assert!(!cover.contains("snapshot"), "{cover}");
    let id = f.evaluation.snapshot_id().map(str::to_string);
    let provenance = html
        .split("class=\"provenance\"")
        .nth(1)
        .expect("a provenance section");
    if let Some(id) = id {
        assert!(provenance.contains(&id));
    }
    assert_eq!(html.matches("<h3>Figures by period</h3>").count(), shown);
}
