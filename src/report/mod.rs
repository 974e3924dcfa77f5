//! Board packs: for each objective, a self-contained HTML report (charts inline
//! as SVG, A4 print styles), a CSV of every figure in it, and a manifest of what
//! produced it. A pack is written to a temporary folder and renamed into place,
//! so a reader never sees half a pack and a failure never replaces a good one.

pub mod bank_holidays;
pub mod pdf;
pub mod schedule;
pub mod xlsx;

// By its earlier path, for the library's users.
pub use crate::presentation::words;

use crate::common::atomic::{self, StagedFolder, WriteError};
use crate::common::period::Month;
use crate::definition::dashboards::{ObjectiveLayout, Plan};
use crate::definition::{Access, SpcChart};
use crate::engine::MeasureResult;
use crate::evaluation::pipeline::Evaluation;
use crate::presentation::chart;
use crate::presentation::reading::Reading;
use crate::t;
use maud::{Markup, PreEscaped, html};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct PackOptions {
    /// Objectives to report on; every objective with measures when empty.
    pub objectives: Vec<u8>,
    /// The month reported to; the latest month in the data when `None`.
    pub period: Option<Month>,
    /// The production date printed on the pack; today when `None`. Give it to
    /// regenerate a pack byte for byte.
    pub as_of: Option<chrono::NaiveDate>,
    /// Print the report to PDF with this Chromium (see `pdf::chromium`).
    pub pdf_with: Option<PathBuf>,
    /// How long Chromium may take; `MOS_PDF_TIMEOUT` seconds (or two
    /// minutes) when `None`.
    pub pdf_timeout: Option<std::time::Duration>,
    /// The public version: public measures only (nothing of a restricted
    /// one anywhere in it), marked as public, in `objective-N-YYYY-MM-public`.
    pub public: bool,
    /// The language the pack is written in: a Welsh pack is in
    /// `objective-N-YYYY-MM-cy` (`…-public-cy`), beside the English one.
    pub language: crate::common::language::Language,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the pack: {0}")]
    Io(#[from] WriteError),
    #[error("objective {0} has no measures to report")]
    NoMeasures(u8),
    #[error("the Plan has no objective {number}: its objectives are {known}")]
    UnknownObjective { number: u8, known: String },
    #[error("there are no figures to report")]
    NoFigures,
    #[error(
        "there are no figures for {}: the data runs from {} to {}; give a --period in that span",
        .period.long_name(), .first.long_name(), .last.long_name()
    )]
    PeriodOutsideData {
        period: Month,
        first: Month,
        last: Month,
    },
    #[error(
        "a pack to {} cannot be produced on {as_of}, before that month has ended; give a later --as-of",
        .period.long_name()
    )]
    ProducedTooEarly {
        period: Month,
        as_of: chrono::NaiveDate,
    },
    #[error("cannot print the pack's PDF: {0}")]
    Pdf(#[from] pdf::PrintError),
    #[error("cannot write the pack's PDF: {0}")]
    PdfFile(#[source] std::io::Error),
    #[error("cannot write the workbook: {0}")]
    Workbook(#[from] rust_xlsxwriter::XlsxError),
}

/// Writes one pack per objective under `out`; returns the pack folders.
pub fn write_packs(
    evaluation: &Evaluation,
    plan: &Plan,
    out: &Path,
    options: &PackOptions,
) -> Result<Vec<PathBuf>, ReportError> {
    use crate::common::language::{Language, in_language};
    match options.language {
        Language::English => write_packs_in_language(evaluation, plan, out, options),
        // The same figures, each measure and the Plan with their declared
        // text in the pack's language, every word from its catalogue.
        language => in_language(language, || {
            let mut evaluation = evaluation.clone();
            for result in &mut evaluation.results {
                result.measure = result.measure.in_language(language);
            }
            write_packs_in_language(&evaluation, &plan.in_language(language), out, options)
        }),
    }
}

fn write_packs_in_language(
    evaluation: &Evaluation,
    plan: &Plan,
    out: &Path,
    options: &PackOptions,
) -> Result<Vec<PathBuf>, ReportError> {
    let ends = || {
        evaluation
            .results
            .iter()
            .flat_map(|r| r.total().points.iter().map(|p| p.period.last))
    };
    let (Some(first), Some(last)) = (ends().min(), ends().max()) else {
        return Err(ReportError::NoFigures);
    };
    let period = options.period.unwrap_or(last);
    if period < first || period > last {
        return Err(ReportError::PeriodOutsideData {
            period,
            first,
            last,
        });
    }
    let as_of = options
        .as_of
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    // A period asked for must have ended by the production date (by default
    // the latest month may still be running: its figures are as they stand).
    if options.period.is_some() && as_of <= period.last_day() {
        return Err(ReportError::ProducedTooEarly { period, as_of });
    }
    if let Some(&number) = options
        .objectives
        .iter()
        .find(|&&n| !plan.objectives.iter().any(|o| o.number == n))
    {
        let known: Vec<String> = plan
            .objectives
            .iter()
            .map(|o| o.number.to_string())
            .collect();
        return Err(ReportError::UnknownObjective {
            number,
            known: known.join(", "),
        });
    }
    let objectives: Vec<&ObjectiveLayout> = plan
        .objectives
        .iter()
        .filter(|o| {
            if options.objectives.is_empty() {
                o.measure_ids().next().is_some()
            } else {
                options.objectives.contains(&o.number)
            }
        })
        .collect();
    // The public version holds nothing of a restricted measure: those are
    // left out before anything is read from them.
    let shown = |r: &&MeasureResult| !options.public || r.measure.access == Access::Public;
    // Every pack carries the People's Priorities, for the Commissioner and
    // the Chief Constable: a section of the report, and their figures.
    let priorities: Vec<MeasureResult> = evaluation
        .results
        .iter()
        .filter(|r| r.measure.priority.is_some())
        .filter(shown)
        .map(|r| r.up_to(period))
        .collect();
    let mut written = Vec::new();
    for objective in objectives {
        let results: Vec<MeasureResult> = objective
            .measure_ids()
            .filter_map(|id| evaluation.results.iter().find(|r| r.measure.id == id))
            .filter(shown)
            .map(|r| r.up_to(period))
            .collect();
        if results.is_empty() {
            // Every objective asked for by name must have something to show.
            if options.objectives.is_empty() && options.public {
                continue;
            }
            return Err(ReportError::NoMeasures(objective.number));
        }
        let name = format!(
            "objective-{}-{}{}{}",
            objective.number,
            period,
            if options.public { "-public" } else { "" },
            match options.language {
                crate::common::language::Language::English => "",
                crate::common::language::Language::Welsh => "-cy",
            }
        );
        let title = pack_title(objective, period);
        let marking = marking_of(plan, &results, &priorities);
        let html = html(
            evaluation,
            plan,
            objective,
            &results,
            &priorities,
            period,
            as_of,
        );
        let results: Vec<MeasureResult> = results
            .into_iter()
            .chain(priorities.iter().cloned())
            .collect();
        let csv = crate::evaluation::results::to_csv(&crate::evaluation::results::rows(&results));
        let workbook = xlsx::workbook(
            &results,
            &title,
            &freshness(evaluation, &results, Some(period)),
            as_of,
            marking,
        )?;
        let dir = out.join(&name);
        // Everything, the PDF's printing included, happens in the pack's own
        // private stage: nothing of a restricted pack lands anywhere else.
        let stage = StagedFolder::begin(&dir)?;
        let mut files = vec![
            ("report.html".to_string(), html.into_bytes()),
            ("figures.csv".to_string(), csv),
            ("figures.xlsx".to_string(), workbook),
        ];
        if let Some(chromium) = &options.pdf_with {
            let timeout = options.pdf_timeout.unwrap_or_else(pdf::timeout);
            let pdf = print_pdf(chromium, &files[0].1, &title, &stage, timeout)?;
            files.push(("report.pdf".to_string(), pdf));
        }
        let manifest = manifest(
            evaluation,
            &results,
            objective.number,
            period,
            as_of,
            marking,
            &files,
        );
        files.push(("manifest.json".to_string(), manifest));
        for (file, bytes) in &files {
            stage.write(file, bytes)?;
        }
        stage.publish()?;
        written.push(dir);
    }
    Ok(written)
}

/// What the pack's figures rest on (see [`crate::presentation::freshness`]):
/// the latest data any of `results` reads, to the end of the month `to` that
/// a pack for a past month reports to.
pub fn freshness(evaluation: &Evaluation, results: &[MeasureResult], to: Option<Month>) -> String {
    freshness_of(evaluation, results, to, evaluation.snapshot_id())
}

/// [`freshness`], naming the snapshot only where `snapshot` is given: a
/// pack's cover says how fresh, its provenance section which snapshot.
fn freshness_of(
    evaluation: &Evaluation,
    results: &[MeasureResult],
    to: Option<Month>,
    snapshot: Option<&str>,
) -> String {
    let data_to = evaluation.data_to(results);
    let data_to = match to {
        Some(month) => data_to.map(|d| d.min(month.last_day())),
        None => data_to,
    };
    crate::presentation::freshness(data_to, evaluation.loaded_at(), snapshot)
}

/// Records in the snapshots that `pack` published the evaluation's figures.
pub fn record_publication(
    history: &crate::evaluation::history::History,
    evaluation: &Evaluation,
    pack: &Path,
    as_of: Option<chrono::NaiveDate>,
) -> Result<(), crate::evaluation::history::HistoryError> {
    let Some(snapshot) = &evaluation.snapshot else {
        return Ok(());
    };
    let name = pack
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    history.publish(
        &snapshot.id,
        &name,
        as_of.unwrap_or_else(|| chrono::Utc::now().date_naive()),
        carried_measures(pack),
    )
}

/// The measures a pack carries, as its manifest lists their definitions.
fn carried_measures(pack: &Path) -> Vec<String> {
    let manifest: serde_json::Value = std::fs::read(pack.join("manifest.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    manifest["definitions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["measure"].as_str().map(str::to_string))
        .collect()
}

/// The report's HTML printed to PDF, in a private scratch folder of the
/// pack's stage (removed on every path, a kill's by the next report).
fn print_pdf(
    chromium: &Path,
    html: &[u8],
    title: &str,
    stage: &StagedFolder,
    timeout: std::time::Duration,
) -> Result<Vec<u8>, ReportError> {
    let scratch = stage.scratch()?;
    let (html_path, pdf_path, profile) = (
        scratch.path().join("report.html"),
        scratch.path().join("report.pdf"),
        scratch.path().join("profile"),
    );
    let mut file = atomic::create_private_file(&html_path)?;
    std::io::Write::write_all(&mut file, html).map_err(ReportError::PdfFile)?;
    drop(file);
    atomic::create_private_dir(&profile)?;
    pdf::print(chromium, &html_path, title, &pdf_path, &profile, timeout)?;
    std::fs::read(&pdf_path).map_err(ReportError::PdfFile)
}

/// A pack's title: its report's `<title>`, its workbook's, and its PDF's.
fn pack_title(objective: &ObjectiveLayout, period: Month) -> String {
    t!(
        "pack-title",
        number = objective.number,
        title = objective.title.as_str(),
        period = period.long_name()
    )
}

fn manifest(
    evaluation: &Evaluation,
    results: &[MeasureResult],
    objective: u8,
    period: Month,
    as_of: chrono::NaiveDate,
    marking: &str,
    files: &[(String, Vec<u8>)],
) -> Vec<u8> {
    let sources: Vec<&str> = results
        .iter()
        .map(|r| r.measure.source.as_str())
        .chain(["population"])
        .collect();
    let manifest = serde_json::json!({
        "engine": crate::common::digest::engine_version(),
        "objective": objective,
        "period": period.to_string(),
        "produced": as_of.to_string(),
        "marking": marking,
        "snapshot": evaluation.snapshot.as_ref().map(|s| serde_json::json!({
            "id": s.id,
            "loaded_at": s.loaded_at,
            "inputs_sha256": s.inputs_sha256,
        })),
        "extracts": evaluation.extracts.iter().filter(|e| sources.contains(&e.source.as_str())).map(|e| serde_json::json!({
            "source": e.source,
            "files": e.files.iter().map(|f| serde_json::json!({
                "name": f.path.file_name().map(|n| n.to_string_lossy().into_owned()),
                "sha256": f.sha256,
                "rows": f.rows,
            })).collect::<Vec<_>>(),
            "rows_loaded": e.rows_loaded,
            "rows_rejected": e.rows_rejected,
            "data_to": e.data_to.map(|d| d.to_string()),
        })).collect::<Vec<_>>(),
        "definitions": results.iter().map(|r| serde_json::json!({
            "measure": r.measure.id,
            "file": r.measure.origin.path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "sha256": r.measure.origin.sha256,
        })).collect::<Vec<_>>(),
        "outputs": files.iter().map(|(name, bytes)| serde_json::json!({
            "file": name,
            "sha256": crate::definition::sha256_hex(bytes),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_vec_pretty(&manifest).expect("manifest serialises")
}

/// Writes `files` as the pack folder `dir`, swapped in whole (see
/// [`StagedFolder`]).
pub fn write_atomically(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), ReportError> {
    Ok(atomic::write_folder(dir, files)?)
}

/// A pack's protective marking: the Plan's words for what it holds.
fn marking_of<'a>(
    plan: &'a Plan,
    results: &[MeasureResult],
    priorities: &[MeasureResult],
) -> &'a str {
    let measures = results.iter().chain(priorities).map(|r| &r.measure);
    plan.marking.of(measures)
}

/// The page margin boxes that mark every printed page with `marking`, as a
/// CSS string (quotes and backslashes escaped).
fn marking_css(marking: &str) -> String {
    let quoted: String = marking
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            '<' => "\\3c ".chars().collect(),
            c => vec![c],
        })
        .collect();
    format!(
        "@page {{ @top-center {{ content: \"{quoted}\"; font-weight: 700; font-size: 10pt; }} @bottom-center {{ content: \"{quoted}\"; font-weight: 700; font-size: 10pt; }} }}"
    )
}

/// "Page 3 of 12" at the foot of each printed page, in the pack's language:
/// the message's words as CSS strings around the page counters.
fn page_numbers_css() -> String {
    let words = t!(
        "pack-page-of",
        page = "\" counter(page) \"",
        pages = "\" counter(pages) \""
    );
    format!("@page {{ @bottom-right {{ content: \"{words}\"; font-size: 9pt; color: #4c6272; }} }}")
}

const PRINT_CSS: &str = r#"
@page { size: A4; margin: 16mm 14mm 18mm; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #212b32; line-height: 1.4; max-width: 190mm; margin: 0 auto; padding: 0 4mm; }
header.cover { border-bottom: 4px solid #003087; padding: 8mm 0 4mm; margin-bottom: 6mm; }
.cover .area { color: #4c6272; margin: 0; }
h1 { font-size: 22pt; margin: 2mm 0; color: #003087; }
h2 { font-size: 14pt; margin: 0 0 2mm; color: #003087; }
.produced { color: #4c6272; font-size: 10pt; }
nav ol { columns: 2; column-gap: 12mm; font-size: 10pt; }
nav li { break-inside: avoid; }
section.measure { break-inside: avoid; page-break-inside: avoid; border-top: 1px solid #d8dde0; padding-top: 4mm; margin-top: 5mm; }
.headline { font-size: 11pt; }
.judgement { font-size: 10pt; color: #4c6272; }
.commentary { border-left: 3pt solid #005eb8; background: #f0f4f5; padding: 1mm 4mm; margin: 3mm 0; font-size: 10pt; break-inside: avoid; }
.commentary h3 { font-size: 10.5pt; margin: 1mm 0; }
.commentary .byline { color: #4c6272; font-size: 9pt; }
.matrix { width: 100%; } .matrix .icon { width: 28px; height: 28px; } .grade.scrutiny { color: #9a4b00; font-weight: 700; } .grade.improving { color: #005eb8; font-weight: 700; } .overridden { color: #4c6272; font-size: 9pt; }
/* A heading stays with what follows it; a table's header row repeats on each page it runs over. */
h1, h2, h3 { break-after: avoid-page; page-break-after: avoid; }
h2 + p, h3 + table, h3 + p { break-before: avoid-page; }
thead { display: table-header-group; } tr, svg { break-inside: avoid; }
h3 { font-size: 11pt; margin: 3mm 0 1mm; color: #003087; }
.cover .headline { font-size: 12pt; font-weight: 600; }
.exceptions { margin-top: 6mm; } .exceptions article { break-inside: avoid; border-top: 1px solid #d8dde0; }
.grade-statement { font-size: 10pt; }
section.provenance { font-size: 9.5pt; color: #4c6272; break-inside: avoid; break-before: avoid-page; }
footer { break-before: avoid-page; }
.annotations { font-size: 9.5pt; color: #4c6272; } .annotations p { margin: 1mm 0; } .annotations ol { margin: 0; }
svg { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; }
th, td { text-align: left; padding: 1.2mm 2mm; border-bottom: 1px solid #d8dde0; }
td { font-variant-numeric: tabular-nums; }
footer { font-size: 8.5pt; color: #4c6272; border-top: 1px solid #d8dde0; margin-top: 8mm; padding-top: 3mm; }
.marking { text-align: center; font-weight: 700; letter-spacing: 0.05em; margin: 2mm 0; }
@media print { .marking { display: none; } }
"#;

fn html(
    evaluation: &Evaluation,
    plan: &Plan,
    objective: &ObjectiveLayout,
    results: &[MeasureResult],
    priorities: &[MeasureResult],
    period: Month,
    as_of: chrono::NaiveDate,
) -> String {
    let marking = marking_of(plan, results, priorities);
    // The board's summary and exceptions lead, graded by the Plan's rules as
    // the dashboard grades them.
    // The priorities are graded too: one requiring scrutiny is an exception.
    let readings: Vec<_> = results
        .iter()
        .chain(priorities)
        .map(crate::presentation::reading::read)
        .collect();
    let grades: Vec<_> = results
        .iter()
        .chain(priorities)
        .zip(&readings)
        .map(|(r, reading)| crate::presentation::grade::grade(r, reading, &plan.grading))
        .collect();
    let graded_rows: Vec<crate::presentation::grade::Row> = results
        .iter()
        .chain(priorities)
        .zip(&readings)
        .zip(&grades)
        .map(
            |((result, reading), graded)| crate::presentation::grade::Row {
                result,
                reading,
                graded,
                href: format!("#{}", result.measure.id),
            },
        )
        .collect();
    let (rows, priority_rows) = graded_rows.split_at(results.len());
    let measure_section = |result: &MeasureResult, reading: &Reading, graded| -> Markup {
        let m = &result.measure;
        let chart = if m.peer_group.is_some() {
            chart::peer_chart(result, &m.title, (900, 360))
        } else {
            chart::trend_chart(m, result.total(), &m.title, (900, 360))
        };
        html! {
            section.measure id=(m.id) {
                h2 { (m.title) }
                p.headline { (words::headline(m, reading)) }
                p.judgement { (words::judgement(m, reading)) }
                @if let Some(targets) = words::targets_declared(m) { p.judgement { (targets) } }
                (crate::presentation::grade::statement(graded))
                (chart)
                (crate::presentation::annotations_list(m, &result.total().points))
                p.judgement { (words::breaks(m, result.total())) }
                p.judgement { (words::peers(result)) }
                @if let Some(p) = result.total().points.last() { (crate::presentation::commentary_section(m, p)) }
                @if let Some(f) = crate::presentation::funnel::funnel(result, None) {
                    (crate::presentation::funnel::section(m, &f, &[], evaluation.force))
                }
                @if let Some(e) = &result.events { (crate::presentation::events::section(m, e)) }
                h3 { (t!("figures-by-period")) }
                table {
                    thead { tr { th { (t!("period")) } th { (t!("value")) } th { (t!("ci-95")) } th { (t!("spc-signal")) } } }
                    tbody {
                        @for p in result.total().points.iter().rev().take(13) {
                            @let f = p.figures.as_ref();
                            tr {
                                td { (m.period_label(p.period)) }
                                td { @match (f.and_then(|f| f.value), p.suppressed) {
                                    (Some(v), _) => (m.format_value(v)),
                                    (None, true) => (t!("suppressed-lower")),
                                    (None, false) => "–",
                                } }
                                td { @if let Some(i) = f.and_then(|f| f.interval) { (t!("range", lower = m.format_value(i.lower), upper = m.format_value(i.upper))) } }
                                td { @if let Some(s) = p.signal { (words::signal_name(s)) } }
                            }
                        }
                    }
                }
                div.judgement { (crate::presentation::markdown::to_html(&m.description)) }
            }
        }
    };
    let period_name = period.long_name();
    html! {
        (PreEscaped("<!doctype html>\n"))
        html lang=(crate::common::language::current().html_lang()) {
            head {
                meta charset="utf-8";
                title { (pack_title(objective, period)) }
                style { (PreEscaped(PRINT_CSS)) (PreEscaped(page_numbers_css())) }
                // Every printed page marked, top and bottom (CSS page margin boxes).
                style { (PreEscaped(marking_css(marking))) }
            }
            body {
                p.marking { (marking) }
                header.cover {
                    p.area { (plan.area) " · " (plan.plan) }
                    h1 { (t!("objective-titled", number = objective.number, title = objective.title.as_str())) }
                    p.produced {
                        (t!("pack-produced", period = period_name, on = words::long_date(as_of), version = crate::common::digest::VERSION))
                    }
                    p.produced { (freshness_of(evaluation, results, Some(period), None)) "." }
                    p.headline { (crate::presentation::grade::headline(rows)) }
                }
                section.summary { h2 { (t!("summary")) } (crate::presentation::grade::summary_matrix(rows)) }
                (crate::presentation::grade::exceptions(&[rows, priority_rows].concat()))
                nav {
                    h2 { (t!("contents")) }
                    ol {
                        @if !priorities.is_empty() { li { a href="#peoples-priorities" { (t!("peoples-priorities")) } } }
                        @for result in results { li { a href={ "#" (result.measure.id) } { (result.measure.title) } } }
                    }
                }
                @for ((result, reading), graded) in results.iter().zip(&readings).zip(&grades) { (measure_section(result, reading, graded)) }
                @if !priorities.is_empty() {
                    section.priorities id="peoples-priorities" {
                        h2 { (t!("peoples-priorities")) }
                        p.judgement { (t!("pack-priorities-lede")) }
                        (crate::presentation::priority::section(&priorities.iter().collect::<Vec<_>>(), evaluation.force, &plan.grading, false))
                    }
                }
                // Provenance and methods close the pack as one block, so the
                // last page never holds the methods' footnote alone.
                section.provenance {
                    h2 { (t!("provenance-and-methods")) }
                    p {
                        @if let Some(id) = evaluation.snapshot_id() {
                            (t!("pack-snapshot", snapshot = id, loaded = crate::presentation::date(evaluation.loaded_at().date_naive()))) " "
                        }
                        (t!("pack-manifest"))
                    }
                    footer { (methods(results)) }
                }
                p.marking { (marking) }
            }
        }
    }
    .into_string()
}

/// What every pack says of its figures and methods, last.
fn methods(results: &[MeasureResult]) -> String {
    let run_length = results
        .iter()
        .find_map(|r| r.measure.spc())
        .map_or(crate::stats::spc::MDC_RUN_LENGTH, |s| s.run_length);
    let charts: Vec<SpcChart> = results
        .iter()
        .filter_map(|r| r.measure.spc().map(|s| s.chart))
        .collect();
    let prime = charts
        .iter()
        .any(|c| matches!(c, SpcChart::PPrime | SpcChart::UPrime));
    let events = charts.iter().any(|c| c.between_events());
    t!(
        "pack-methods",
        run_length = if run_length == crate::stats::spc::MDC_RUN_LENGTH {
            0
        } else {
            run_length
        },
        prime = if prime { "yes" } else { "no" },
        events = if events { "yes" } else { "no" }
    )
}
