//! HTML pages, rendered from the snapshot in memory. No script inline, no
//! external asset; every figure comes from the engine's (suppressed) points.

use super::auth::{COOKIE, SESSION_HOURS, SignIn, Viewer};
use super::{AppState, Snapshot, Viewing};
use crate::common::period::Month;
use crate::definition::{Access, Measure};
use crate::engine::{MeasureResult, Series};
use crate::presentation::chart::{self, format_value};
use crate::presentation::reading::{Reading, Variation};
pub use crate::presentation::{esc, humanise};
use crate::stats::change::Change;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::fmt::Write;
use std::sync::Arc;

fn date(d: chrono::NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

pub fn can_see(viewer: &Viewer, measure: &Measure) -> bool {
    measure.access == Access::Public || viewer.is_analyst()
}

/// The page frame: header, navigation, freshness, analyst notices.
fn layout(
    state: &AppState,
    snapshot: &Snapshot,
    viewer: &Viewer,
    title: &str,
    body: &str,
) -> Html<String> {
    let data_to = snapshot
        .evaluation
        .extracts
        .iter()
        .filter_map(|e| e.data_to)
        .max()
        .map(date)
        .unwrap_or_default();
    let loaded = snapshot.evaluation.loaded_at().format("%-d %b %Y");
    let mut nav = String::from(r#"<a href="/">Home</a>"#);
    for o in &snapshot.plan.objectives {
        let _ = write!(
            nav,
            r#"<a href="/objectives/{n}">Objective {n}</a>"#,
            n = o.number
        );
    }
    if snapshot
        .measures
        .measures
        .iter()
        .any(|m| m.priority.is_some())
    {
        nav.push_str(r#"<a href="/priorities">People's Priorities</a>"#);
    }
    nav.push_str(r#"<a href="/api">Data &amp; API</a>"#);
    let account = match viewer {
        Viewer::Analyst(name) => format!(
            r#"<form method="post" action="/logout" class="account"><span>Signed in as {}</span> <button type="submit">Sign out</button></form>"#,
            esc(name)
        ),
        Viewer::Public => r#"<a class="account" href="/login">Analyst sign-in</a>"#.to_string(),
    };
    let schedule_notices: String = if viewer.is_analyst() {
        state
            .failed_schedules()
            .iter()
            .map(|run| {
                format!(
                    r#"<div class="notice" role="alert"><strong>The scheduled pack “{}” failed at {}; earlier packs are untouched.</strong><pre>{}</pre></div>"#,
                    esc(&run.schedule),
                    run.at.format("%-d %b %Y %H:%M UTC"),
                    esc(run.outcome.as_ref().err().map_or("", String::as_str))
                )
            })
            .collect()
    } else {
        String::new()
    };
    let notice = match (viewer.is_analyst(), state.failure()) {
        (true, Some(f)) => format!(
            r#"<div class="notice" role="alert"><strong>Re-evaluation failed at {}; the figures shown are the last good results.</strong><pre>{}</pre></div>"#,
            f.at.format("%-d %b %Y %H:%M UTC"),
            esc(&f.message)
        ),
        _ => String::new(),
    };
    Html(format!(
        r##"<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Measures of Success</title><link rel="stylesheet" href="/assets/style.css"><link rel="icon" href="/assets/favicon.svg"><script src="/assets/app.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header class="masthead"><div class="wrap"><a class="brand" href="/"><span class="area">{area}</span><span class="product">Measures of Success</span></a>{account}</div>
<nav class="wrap" aria-label="Objectives">{nav}</nav></header>
<main id="main" class="wrap">{notice}{schedule_notices}{body}</main>
<footer class="wrap"><p>Data to {data_to}, loaded {loaded}. Figures are aggregates; small numbers are suppressed where a measure says so. Variation and assurance icons follow NHS England's <em>Making Data Count</em>.</p></footer>
</body></html>"##,
        title = esc(title),
        area = esc(&snapshot.plan.area),
    ))
}

fn page(
    state: &AppState,
    snapshot: &Snapshot,
    viewer: &Viewer,
    status: StatusCode,
    title: &str,
    body: &str,
) -> Response {
    (status, layout(state, snapshot, viewer, title, body)).into_response()
}

/// The People's Priorities: what residents asked for, neighbourhood by
/// neighbourhood, each read before and after it was raised.
pub async fn priorities(
    Viewing {
        state,
        snapshot,
        viewer,
    }: Viewing,
) -> Response {
    let results: Vec<&MeasureResult> = snapshot
        .evaluation
        .results
        .iter()
        .filter(|r| r.measure.priority.is_some() && can_see(&viewer, &r.measure))
        .collect();
    let body = format!(
        r#"<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Home</a> › People's Priorities</nav><h1>People's Priorities</h1><p class="lede">Priorities people who live and work in {area} set for policing their own neighbourhood, at public meetings, through the Commissioner's engagement outreach workers and online. Each is read against the months before it was raised: a change is called a change only when the SPC chart shows one.</p>{section}"#,
        area = esc(&snapshot.plan.area),
        section = crate::presentation::priority::section(
            &results,
            snapshot.measures.catalog.force(),
            true
        ),
    );
    page(
        &state,
        &snapshot,
        &viewer,
        StatusCode::OK,
        "People's Priorities",
        &body,
    )
}

pub async fn home(
    Viewing {
        state,
        snapshot,
        viewer,
    }: Viewing,
) -> Response {
    let mut body = format!(
        r#"<h1>{}</h1><p class="lede">How the {} is going: each measure read with statistics, so that only real changes are called changes.</p>"#,
        esc(&snapshot.plan.plan),
        esc(&snapshot.plan.plan)
    );
    // Exceptions first, across the Plan.
    let everything = snapshot
        .plan
        .objectives
        .iter()
        .flat_map(|o| o.measure_ids());
    body.push_str(&crate::presentation::grade::exceptions(
        &snapshot.graded_rows(everything, &viewer),
    ));
    body.push_str(r#"<div class="objectives">"#);
    for objective in &snapshot.plan.objectives {
        let ids: Vec<&str> = objective.measure_ids().collect();
        let visible: Vec<(&Measure, &Reading)> = ids
            .iter()
            .filter_map(|id| Some((snapshot.measures.get(id)?, snapshot.readings.get(*id)?)))
            .filter(|(m, _)| can_see(&viewer, m))
            .collect();
        let hidden = ids.len() - visible.len();
        let count = |v: Variation| visible.iter().filter(|(_, r)| r.variation == v).count();
        let assured = |a: crate::presentation::reading::Assurance| {
            visible
                .iter()
                .filter(|(_, r)| r.assurance == Some(a))
                .count()
        };
        let mut stats = String::new();
        if !visible.is_empty() {
            let _ = write!(
                stats,
                r#"<dl class="tally"><div class="improvement"><dt>Improvement</dt><dd>{}</dd></div><div class="concern"><dt>Concern</dt><dd>{}</dd></div><div class="common"><dt>No significant change</dt><dd>{}</dd></div><div class="neutral"><dt>Change, neither better nor worse</dt><dd>{}</dd></div></dl>"#,
                count(Variation::Improvement),
                count(Variation::Concern),
                count(Variation::CommonCause),
                count(Variation::NeutralChange)
            );
            let with_target = visible
                .iter()
                .filter(|(_, r)| r.assurance.is_some())
                .count();
            if with_target > 0 {
                let _ = write!(
                    stats,
                    r#"<p class="targets">Targets: <strong>{}</strong> consistently met, <strong>{}</strong> consistently missed, <strong>{}</strong> hit and miss.</p>"#,
                    assured(crate::presentation::reading::Assurance::ConsistentlyMet),
                    assured(crate::presentation::reading::Assurance::ConsistentlyMissed),
                    assured(crate::presentation::reading::Assurance::HitAndMiss)
                );
            }
        }
        let note = match (visible.len(), hidden) {
            (0, 0) => "<p class=\"muted\">No measures yet.</p>".to_string(),
            (_, 0) => String::new(),
            (_, h) => format!(
                r#"<p class="muted">{h} restricted measure{} not shown: <a href="/login">sign in</a> to see them.</p>"#,
                if h == 1 { " is" } else { "s are" }
            ),
        };
        let _ = write!(
            body,
            r#"<section class="objective-card"><h2><a href="/objectives/{n}">Objective {n}: {title}</a></h2><p>{summary}</p><p class="muted">{total} measure{s}</p>{stats}{note}</section>"#,
            n = objective.number,
            title = esc(&objective.title),
            summary = esc(&objective.summary),
            total = ids.len(),
            s = if ids.len() == 1 { "" } else { "s" },
        );
    }
    body.push_str("</div>");
    page(
        &state,
        &snapshot,
        &viewer,
        StatusCode::OK,
        &snapshot.plan.plan,
        &body,
    )
}

pub async fn objective(
    Viewing {
        state,
        snapshot,
        viewer,
    }: Viewing,
    Path(number): Path<String>,
) -> Response {
    let Some(objective) = number
        .parse::<u8>()
        .ok()
        .and_then(|n| snapshot.plan.objectives.iter().find(|o| o.number == n))
    else {
        return not_found_page(&state, &snapshot, &viewer);
    };
    let mut body = format!(
        r#"<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Home</a> › Objective {n}</nav><h1>Objective {n}: {}</h1><p class="lede">{}</p>"#,
        esc(&objective.title),
        esc(&objective.summary),
        n = objective.number
    );
    let rows = snapshot.graded_rows(objective.measure_ids(), &viewer);
    if !rows.is_empty() {
        body.push_str(&crate::presentation::grade::exceptions(&rows));
        let _ = write!(
            body,
            r#"<section class="summary"><h2>Summary</h2>{}</section>"#,
            crate::presentation::grade::summary_matrix(&rows)
        );
    }
    for theme in &objective.themes {
        let _ = write!(
            body,
            r#"<section class="theme"><h2>{}</h2><div class="cards">"#,
            theme.title()
        );
        for id in &theme.measures {
            if let (Some(result), Some(reading)) = (snapshot.result(id), snapshot.readings.get(id))
            {
                body.push_str(&card(&viewer, result, reading));
            }
        }
        body.push_str("</div></section>");
    }
    if objective.themes.is_empty() {
        body.push_str(r#"<p class="muted">No measures are defined for this objective yet.</p>"#);
    }
    page(
        &state,
        &snapshot,
        &viewer,
        StatusCode::OK,
        &format!("Objective {}", objective.number),
        &body,
    )
}

/// The headline of a reading: latest value, interval and period.
fn headline(measure: &Measure, reading: &Reading) -> (String, String, String) {
    let Some(point) = &reading.latest else {
        return ("–".into(), String::new(), String::new());
    };
    let period = measure.period_label(point.period);
    match point
        .figures
        .as_ref()
        .and_then(|f| f.value.map(|v| (v, f.interval)))
    {
        None if point.suppressed => ("Suppressed".into(), "small number withheld".into(), period),
        None => ("No data".into(), String::new(), period),
        Some((v, ci)) => (
            format_value(measure, v),
            ci.map(|i| {
                format!(
                    "95% CI {} to {}",
                    format_value(measure, i.lower),
                    format_value(measure, i.upper)
                )
            })
            .unwrap_or_default(),
            period,
        ),
    }
}

/// The change on a year earlier, in words that never claim more than the statistics.
pub fn change_text(measure: &Measure, reading: &Reading) -> String {
    let Some(y) = reading.year_on_year else {
        return "No comparison with a year earlier.".into();
    };
    let size = match measure.kind {
        crate::definition::MeasureKind::Proportion { .. } => {
            format!("{:.1} points", (y.difference * 100.0).abs())
        }
        _ => format_value(measure, y.difference.abs()),
    };
    let from = format_value(measure, y.earlier_value);
    match y.change {
        Change::SignificantRise => {
            format!("Up {size} on a year earlier ({from}): a significant rise.")
        }
        Change::SignificantFall => {
            format!("Down {size} on a year earlier ({from}): a significant fall.")
        }
        Change::NoSignificantChange => format!("No significant change on a year earlier ({from})."),
    }
}

use crate::presentation::reading::above_mean;

fn card(viewer: &Viewer, result: &MeasureResult, reading: &Reading) -> String {
    let m = &result.measure;
    if !can_see(viewer, m) {
        return format!(
            r#"<article class="card restricted"><h3>{}</h3><p class="muted">Restricted: <a href="/login">sign in</a> to see this measure.</p></article>"#,
            esc(&m.title)
        );
    }
    let (value, interval, period) = headline(m, reading);
    format!(
        r#"<article class="card"><h3><a href="/measures/{id}">{title}</a></h3><div class="headline"><div><p class="value">{value}</p><p class="interval">{interval}</p><p class="period">{period}</p></div><div class="icons">{variation}{assurance}</div></div>{spark}<p class="change">{change}</p>{target}</article>"#,
        id = esc(&m.id),
        title = esc(&m.title),
        variation = chart::variation_icon(reading.variation, above_mean(result, reading)),
        assurance = chart::assurance_icon(reading.assurance),
        spark = chart::sparkline(result.total()),
        change = esc(&change_text(m, reading)),
        target = m
            .target
            .map(|t| format!(r#"<p class="muted">Target {}</p>"#, format_value(m, t)))
            .unwrap_or_default(),
    )
}

#[derive(serde::Deserialize, Default)]
pub struct SeriesQuery {
    breakdown: Option<String>,
    group: Option<String>,
    /// The period (`YYYY-MM`, its last month) a funnel plot is drawn at.
    funnel: Option<String>,
}

/// Why a page is not shown: the one error of the page handlers, rendered as a
/// page of the dashboard for the viewer who asked.
pub struct PageError {
    viewing: Viewing,
    why: Refusal,
}

enum Refusal {
    NotFound,
    /// A restricted measure, by title, asked for without signing in.
    Restricted(String),
    /// Something that should not fail did (a workbook not written).
    Failed(String),
    /// For signed-in analysts only (writing commentary).
    AnalystsOnly,
    /// A form posted without its session's token.
    Forged,
}

impl PageError {
    fn new(viewing: &Viewing, why: Refusal) -> PageError {
        PageError {
            viewing: viewing.clone(),
            why,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let Viewing {
            state,
            snapshot,
            viewer,
        } = &self.viewing;
        match self.why {
            Refusal::NotFound => not_found_page(state, snapshot, viewer),
            Refusal::Restricted(title) => page(
                state,
                snapshot,
                viewer,
                StatusCode::UNAUTHORIZED,
                "Restricted",
                &format!(
                    r#"<h1>Restricted measure</h1><p>“{}” is restricted to signed-in analysts.</p><p><a class="button" href="/login">Sign in</a></p>"#,
                    esc(&title)
                ),
            ),
            Refusal::Failed(message) => {
                (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
            }
            Refusal::AnalystsOnly => page(
                state,
                snapshot,
                viewer,
                StatusCode::UNAUTHORIZED,
                "Sign in",
                r#"<h1>For signed-in analysts</h1><p>Commentary is written by analysts: <a class="button" href="/login">Sign in</a> in this browser.</p>"#,
            ),
            Refusal::Forged => (
                StatusCode::FORBIDDEN,
                "the form's token does not match this session: reload the form and save again",
            )
                .into_response(),
        }
    }
}

/// The measure a request may see, or why not.
fn visible_measure<'a>(viewing: &'a Viewing, id: &str) -> Result<&'a MeasureResult, PageError> {
    let Some(result) = viewing.snapshot.result(id) else {
        return Err(PageError::new(viewing, Refusal::NotFound));
    };
    if !can_see(&viewing.viewer, &result.measure) {
        return Err(PageError::new(
            viewing,
            Refusal::Restricted(result.measure.title.clone()),
        ));
    }
    Ok(result)
}

fn selected_series<'a>(result: &'a MeasureResult, query: &SeriesQuery) -> Option<&'a Series> {
    match (&query.breakdown, &query.group) {
        (Some(b), Some(g)) => result
            .series
            .iter()
            .find(|s| s.breakdown.as_ref() == Some(b) && s.group.as_ref() == Some(g)),
        _ => Some(result.total()),
    }
}

fn series_name(series: &Series) -> String {
    match &series.group {
        Some(g) => humanise(g),
        None => "All".into(),
    }
}

pub async fn measure(
    viewing: Viewing,
    Path(id): Path<String>,
    Query(query): Query<SeriesQuery>,
) -> Result<Response, PageError> {
    let result = visible_measure(&viewing, &id)?;
    let Viewing {
        state,
        snapshot,
        viewer,
    } = &viewing;
    // Measure pages are the same for everyone allowed to see them: render once per snapshot.
    // Only real series are cached, so arbitrary query strings cannot grow the cache.
    let funnel_month = query.funnel.as_deref().and_then(Month::parse);
    let real_series = match (&query.breakdown, &query.group) {
        _ if query.funnel.is_some()
            && !funnel_month
                .is_some_and(|m| result.total().points.iter().any(|p| p.period.last == m)) =>
        {
            false
        }
        (None, None) => true,
        (Some(b), None) => result.breakdown_names().contains(&b.as_str()),
        (Some(_), Some(_)) => selected_series(result, &query).is_some(),
        (None, Some(_)) => false,
    };
    let body: std::sync::Arc<str> = if real_series {
        let key = format!(
            "measure:{id}?{:?}&{:?}&{:?}",
            query.breakdown, query.group, funnel_month
        );
        snapshot.rendered(key, || measure_body(state, snapshot, result, &query))
    } else {
        measure_body(state, snapshot, result, &query).into()
    };
    // Analysts write the commentary from here (the cached body is everyone's).
    let body = if viewer.is_analyst() {
        format!(
            r#"{body}<p><a class="button" href="/measures/{}/commentary">Write commentary on the latest period</a></p>"#,
            esc(&result.measure.id)
        )
    } else {
        body.to_string()
    };
    Ok(page(
        state,
        snapshot,
        viewer,
        StatusCode::OK,
        &result.measure.title,
        &body,
    ))
}

fn measure_body(
    state: &AppState,
    snapshot: &Snapshot,
    result: &MeasureResult,
    query: &SeriesQuery,
) -> String {
    let m = &result.measure;
    let reading = &snapshot.readings[&m.id];
    let (value, interval, period) = headline(m, reading);
    let mut body = format!(
        r#"{crumbs}
<h1>{title}</h1><p class="lede">{description}</p>{priority}
<div class="headline big"><div><p class="value">{value}</p><p class="interval">{interval}</p><p class="period">{period}</p><p class="change">{change}</p></div><div class="icons">{variation}{assurance}</div></div>
{said}<p class="freshness">{freshness}</p>{peers}"#,
        // The reading in words, as the pack says it.
        said = match crate::presentation::words::judgement(m, reading) {
            text if text.is_empty() => String::new(),
            text => format!(r#"<p class="reading">{}</p>"#, esc(&text)),
        },
        freshness = freshness(snapshot, m),
        peers = match crate::presentation::words::peers(result) {
            text if text.is_empty() => String::new(),
            text => format!(
                r#"<p class="peers"><strong>Compared with peers:</strong> {}</p>"#,
                esc(&text)
            ),
        },
        crumbs = match &m.priority {
            Some(_) => r#"<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Home</a> › <a href="/priorities">People's Priorities</a></nav>"#.to_string(),
            None => format!(
                r#"<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Home</a> › <a href="/objectives/{o}">Objective {o}</a> › {theme}</nav>"#,
                o = m.objective,
                theme = m.theme.map_or("", |t| t.title()),
            ),
        },
        // A priority: who raised it and when, and what has happened since.
        priority = match &m.priority {
            Some(p) => format!(
                r#"<p class="priority-meta">A People's Priority for {area}, raised{by} on {date}{closed}.</p><p class="reading">{since}</p>"#,
                area = esc(&p.area),
                by = if p.raised_by.is_empty() { String::new() } else { format!(" by {}", esc(&p.raised_by)) },
                date = p.raised.format("%-d %B %Y"),
                closed = if p.status == crate::definition::PriorityStatus::Closed { "; now closed" } else { "" },
                since = esc(&crate::presentation::priority::before_after(result)
                    .map(|f| crate::presentation::priority::sentence(m, &f))
                    .unwrap_or_default()),
            ),
            None => String::new(),
        },
        title = esc(&m.title),
        description = esc(&m.description),
        change = esc(&change_text(m, reading)),
        variation = chart::variation_icon(reading.variation, above_mean(result, reading)),
        assurance = chart::assurance_icon(reading.assurance),
    );

    // Series tabs: the total, then each breakdown.
    let mut tabs = format!(
        r#"<nav class="tabs" aria-label="Series"><a href="/measures/{}"{}>All</a>"#,
        esc(&m.id),
        if query.breakdown.is_none() {
            r#" aria-current="page""#
        } else {
            ""
        }
    );
    for b in result.breakdown_names() {
        let current = query.breakdown.as_deref() == Some(b);
        let _ = write!(
            tabs,
            r#"<a href="/measures/{}?breakdown={}"{}>By {}</a>"#,
            esc(&m.id),
            esc(b),
            if current {
                r#" aria-current="page""#
            } else {
                ""
            },
            esc(&b.replace('_', " "))
        );
    }
    tabs.push_str("</nav>");
    body.push_str(&tabs);

    let selected = match (&query.breakdown, &query.group) {
        (Some(b), None) if result.breakdown_names().contains(&b.as_str()) => {
            // Small multiples: every group of the breakdown, each linking to its own page.
            body.push_str(r#"<div class="multiples">"#);
            for s in result.breakdown(b) {
                let g = s.group.as_deref().unwrap_or_default();
                let _ = write!(
                    body,
                    r#"<figure><a href="/measures/{id}?breakdown={b}&amp;group={g}" aria-label="{name}: open chart">{svg}</a><figcaption>{name}</figcaption></figure>"#,
                    id = esc(&m.id),
                    b = esc(b),
                    g = esc(g),
                    name = esc(&series_name(s)),
                    svg = chart::trend_chart(m, s, &series_name(s), (420, 240)),
                );
            }
            body.push_str("</div>");
            None
        }
        _ => selected_series(result, query),
    };
    if let Some(series) = selected {
        let name = series_name(series);
        let chart_title = if series.group.is_some() {
            format!("{} – {}", m.title, name)
        } else {
            m.title.clone()
        };
        let _ = write!(
            body,
            r#"<figure class="chart" role="group" aria-labelledby="chart-caption">{}<figcaption id="chart-caption">{} {}</figcaption></figure>"#,
            if m.peer_group.is_some() && series.breakdown.is_none() {
                chart::peer_chart(result, &chart_title, (960, 420))
            } else {
                chart::trend_chart(m, series, &chart_title, (960, 420))
            },
            esc(&chart_caption(m, series)),
            esc(&crate::presentation::words::breaks(m, series)),
        );
        body.push_str(&crate::presentation::annotations_list(m, &series.points));
        if let Some(latest) = series.points.last() {
            body.push_str(&crate::presentation::commentary_section(m, latest));
        }
        if series.breakdown.is_none() {
            let at = query.funnel.as_deref().and_then(Month::parse);
            if let Some(funnel) = crate::presentation::funnel::funnel(result, at) {
                let periods: Vec<_> = series
                    .points
                    .iter()
                    .filter(|p| p.value().is_some())
                    .map(|p| p.period)
                    .collect();
                body.push_str(&crate::presentation::funnel::section(
                    m,
                    &funnel,
                    &periods,
                    snapshot.measures.catalog.force(),
                ));
            }
        }
        body.push_str(&figures_table(m, series));
    } else if query.group.is_some()
        || query
            .breakdown
            .as_ref()
            .is_some_and(|b| !result.breakdown_names().contains(&b.as_str()))
    {
        body.push_str(r#"<p class="muted">There is no such series for this measure.</p>"#);
    }

    let series_query = match (&query.breakdown, &query.group) {
        (Some(b), Some(g)) => format!("?breakdown={}&amp;group={}", esc(b), esc(g)),
        _ => String::new(),
    };
    let _ = write!(
        body,
        r#"<section class="downloads"><h2>Downloads</h2><ul><li><a href="/measures/{id}/data.csv" download>All figures (CSV)</a></li><li><a href="/measures/{id}/figures.xlsx" download>All figures (Excel)</a></li><li><a href="/measures/{id}/chart.svg{q}" download>This chart (SVG)</a></li><li><a href="/measures/{id}/chart.png{q}" download>This chart (PNG)</a></li><li><a href="/api/measures/{id}">All figures (JSON)</a></li></ul></section>"#,
        id = esc(&m.id),
        q = series_query
    );
    body.push_str(&as_published_section(state, snapshot, result));
    body.push_str(&definition_section(m));
    body.push_str(&provenance_section(snapshot, m));
    body
}

/// "Data to 31 Mar 2026, loaded 3 Apr 2026 (snapshot …)": how fresh the figures are.
fn freshness(snapshot: &Snapshot, m: &Measure) -> String {
    let evaluation = &snapshot.evaluation;
    // A table without a period column of its own (the Home Office's, dated by
    // a derived column) is fresh to the end of the measure's last period.
    let data_to = evaluation
        .extract(&m.source)
        .and_then(|e| e.data_to)
        .or_else(|| {
            let last = snapshot.result(&m.id)?.total().points.last()?.period;
            Some(last.end_date())
        })
        .map_or_else(|| "–".to_string(), date);
    let mut text = format!(
        "Data to {data_to}, loaded {}",
        evaluation.loaded_at().format("%-d %b %Y")
    );
    if let Some(s) = &evaluation.snapshot {
        let _ = write!(text, " (snapshot {})", s.id);
    }
    esc(&text)
}

/// The figures the board last saw (the latest board pack's snapshot) beside the
/// latest ones, where recorded figures have since been restated.
fn as_published_section(state: &AppState, snapshot: &Snapshot, result: &MeasureResult) -> String {
    let (Some(dir), Some(current)) = (&state.config.snapshots, &snapshot.evaluation.snapshot)
    else {
        return String::new();
    };
    let history = crate::evaluation::history::History::new(dir);
    let Some(publication) = history
        .publications()
        .ok()
        .and_then(|p| p.into_iter().last())
    else {
        return String::new();
    };
    let m = &result.measure;
    let published = format!(
        "{} on {}",
        publication.pack,
        chrono::NaiveDate::parse_from_str(&publication.published_on, "%Y-%m-%d")
            .map_or(publication.published_on.clone(), date)
    );
    if publication.snapshot == current.id {
        return format!(
            r#"<section class="published"><h2>As published</h2><p>These are the figures published in {}.</p></section>"#,
            esc(&published)
        );
    }
    let Ok(stored) = history.points(&publication.snapshot, &m.id) else {
        return String::new();
    };
    let mut rows = String::new();
    let mut restated = 0;
    for point in &result.total().points {
        let start = point.period.start_date().to_string();
        let Some(then) = stored.iter().find(|s| {
            s.breakdown.is_empty()
                && s.period_start == start
                && s.period_end == point.period.end_date().to_string()
        }) else {
            continue;
        };
        let now = point.value();
        if then.value == now {
            continue;
        }
        restated += 1;
        let shown = |v: Option<f64>, suppressed: bool| match v {
            Some(v) => chart::format_value(m, v),
            None if suppressed => "suppressed".into(),
            None => "–".into(),
        };
        let difference = match (then.value, now) {
            (Some(a), Some(b)) => {
                let d = b - a;
                format!(
                    "{}{}",
                    if d > 0.0 { "+" } else { "−" },
                    chart::format_value(m, d.abs())
                )
            }
            _ => String::new(),
        };
        let _ = write!(
            rows,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            esc(&m.period_label(point.period)),
            shown(then.value, then.suppressed),
            shown(now, point.suppressed),
            difference
        );
    }
    if restated == 0 {
        return format!(
            r#"<section class="published"><h2>As published and latest</h2><p>No figure has changed since those published in {}.</p></section>"#,
            esc(&published)
        );
    }
    format!(
        r#"<section class="published"><h2>As published and latest</h2><p>{restated} figure{s} changed since those published in {pub_} (data loaded {loaded}), as records were updated or reclassified:</p><div class="table-wrap"><table><thead><tr><th scope="col">Period</th><th scope="col">As published</th><th scope="col">Latest</th><th scope="col">Difference</th></tr></thead><tbody>{rows}</tbody></table></div></section>"#,
        s = if restated == 1 { "" } else { "s" },
        pub_ = esc(&published),
        loaded = history
            .get(&publication.snapshot)
            .ok()
            .and_then(|s| s.loaded_at())
            .map_or_else(String::new, |t| t.format("%-d %b %Y").to_string()),
    )
}

fn chart_caption(m: &Measure, series: &Series) -> String {
    let mut text = String::from("The line is the measure; ");
    if series
        .points
        .iter()
        .any(|p| p.figures.as_ref().is_some_and(|f| f.interval.is_some()))
    {
        text.push_str("the shaded band its 95% confidence interval; ");
    }
    if !series.spc.is_empty() {
        text.push_str("the grey line is the mean and the dashed grey lines the process limits (XmR); coloured points are special causes (blue improvement, orange concern, purple neither); ");
    }
    if m.peer_group.is_some() && series.breakdown.is_none() {
        text.push_str("the dashed purple line is the peer group's rate; ");
    }
    if series.spc.len() > 1 {
        text.push_str("a vertical dotted line marks a break, where the process changed and the limits were computed afresh; ");
    }
    if m.target.is_some() {
        text.push_str("the red dashed line is the target; ");
    }
    text.push_str("the table below gives every figure.");
    text
}

fn figures_table(m: &Measure, series: &Series) -> String {
    let denominator_title = m
        .denominator_heading()
        .map_or(String::new(), |h| format!("<th scope=\"col\">{h}</th>"));
    let mut rows = String::new();
    for p in series.points.iter().rev() {
        let f = p.figures.as_ref();
        let cell = |v: Option<String>| {
            v.unwrap_or_else(|| {
                if p.suppressed {
                    "suppressed".into()
                } else {
                    "–".into()
                }
            })
        };
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&m.period_label(p.period)),
            cell(f.map(|f| f.numerator.to_string())),
            if denominator_title.is_empty() {
                String::new()
            } else {
                format!(
                    "<td>{}</td>",
                    cell(f.and_then(|f| f.denominator).map(|d| d.to_string()))
                )
            },
            cell(f.and_then(|f| f.value).map(|v| format_value(m, v))),
            cell(f.and_then(|f| f.interval).map(|i| format!(
                "{} to {}",
                format_value(m, i.lower),
                format_value(m, i.upper)
            ))),
            p.signal.map_or(String::new(), |s| humanise(s.as_str())),
        );
    }
    format!(
        r#"<details class="figures" open><summary>Figures</summary><div class="table-wrap"><table><caption>{} – every point{}</caption><thead><tr><th scope="col">Period</th><th scope="col">{}</th>{denominator_title}<th scope="col">Value</th><th scope="col">95% CI</th><th scope="col">SPC signal</th></tr></thead><tbody>{rows}</tbody></table></div></details>"#,
        esc(&m.title),
        series
            .group
            .as_deref()
            .map(|g| format!(" ({})", esc(&humanise(g))))
            .unwrap_or_default(),
        m.numerator_heading(),
    )
}

fn definition_section(m: &Measure) -> String {
    let mut sql = crate::engine::sql::repeat_note(m)
        .map(|note| format!("{note}\n\n"))
        .unwrap_or_default();
    let _ = write!(sql, "-- total\n{}", crate::engine::sql::query(m, None));
    for b in &m.breakdowns {
        let _ = write!(
            sql,
            "\n\n-- by {}\n{}",
            b.name,
            crate::engine::sql::query(m, Some(b))
        );
    }
    format!(
        r#"<section class="definition"><h2>Definition</h2><details><summary>As written in {file}</summary><pre><code>{text}</code></pre></details><details><summary>What it compiles to (DataFusion SQL, by month and group)</summary><pre><code>{sql}</code></pre></details></section>"#,
        file = esc(&m
            .origin
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()),
        text = esc(&m.origin.text),
        sql = esc(&sql)
    )
}

fn provenance_section(snapshot: &Snapshot, m: &Measure) -> String {
    let mut rows = String::new();
    let sources = [
        m.source.as_str(),
        if matches!(m.kind, crate::definition::MeasureKind::Rate { .. }) {
            "population"
        } else {
            ""
        },
    ];
    for e in snapshot
        .evaluation
        .extracts
        .iter()
        .filter(|e| sources.contains(&e.source.as_str()))
    {
        for file in &e.files {
            let _ = write!(
                rows,
                r#"<tr><th scope="row">{}</th><td>{}</td><td><code title="{hash}">{short}…</code></td><td>{}</td></tr>"#,
                esc(&e.source),
                esc(&file
                    .path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default()),
                file.rows,
                hash = esc(&file.sha256),
                short = esc(&file.sha256[..12.min(file.sha256.len())]),
            );
        }
        if e.rows_rejected > 0 {
            let _ = write!(
                rows,
                r#"<tr><td></td><td colspan="3" class="muted">{} of {} rows of `{}` were rejected and not counted</td></tr>"#,
                e.rows_rejected,
                e.rows_loaded + e.rows_rejected,
                esc(&e.source)
            );
        }
    }
    format!(
        r#"<section class="provenance"><h2>Provenance</h2><p>Evaluated {at} from definition <code title="{dhash}">{dshort}…</code> ({file}) and these extracts:</p><div class="table-wrap"><table><thead><tr><th scope="col">Source</th><th scope="col">File</th><th scope="col">SHA-256</th><th scope="col">Rows</th></tr></thead><tbody>{rows}</tbody></table></div></section>"#,
        at = snapshot
            .evaluation
            .evaluated_at
            .format("%-d %b %Y %H:%M UTC"),
        dhash = esc(&m.origin.sha256),
        dshort = esc(&m.origin.sha256[..12]),
        file = esc(&m
            .origin
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()),
    )
}

pub async fn chart_svg(
    viewing: Viewing,
    Path(id): Path<String>,
    Query(query): Query<SeriesQuery>,
) -> Result<Response, PageError> {
    let chart = chart_document(&viewing, &id, &query)?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml")],
        Body::from(Bytes::from_owner(chart.svg)),
    )
        .into_response())
}

/// The chart as PNG, rasterised once per snapshot and series (it is the
/// slowest thing the dashboard draws).
pub async fn chart_png(
    viewing: Viewing,
    Path(id): Path<String>,
    Query(query): Query<SeriesQuery>,
) -> Result<Response, PageError> {
    let DrawnChart { key, svg } = chart_document(&viewing, &id, &query)?;
    let key = format!("{key} png");
    let snapshot = viewing.snapshot.clone();
    let png = match snapshot.chart(&key) {
        Some(png) => Some(png),
        None => tokio::task::spawn_blocking(move || {
            let svg = std::str::from_utf8(&svg).ok()?;
            Some(snapshot.keep_chart(key, chart::svg_to_png(svg)?))
        })
        .await
        .ok()
        .flatten(),
    };
    let png = png.ok_or_else(|| {
        PageError::new(
            &viewing,
            Refusal::Failed("the chart could not be rasterised".into()),
        )
    })?;
    Ok((
        [(header::CONTENT_TYPE, "image/png")],
        Body::from(Bytes::from_owner(png)),
    )
        .into_response())
}

/// A series' chart as drawn for a snapshot.
struct DrawnChart {
    /// The series' key in the snapshot's chart cache.
    key: String,
    svg: Arc<[u8]>,
}

/// The SVG of the requested series' chart (drawn once per snapshot), or why
/// it is not shown.
fn chart_document(
    viewing: &Viewing,
    id: &str,
    query: &SeriesQuery,
) -> Result<DrawnChart, PageError> {
    let result = visible_measure(viewing, id)?;
    let Some(series) = selected_series(result, query) else {
        return Err(PageError::new(viewing, Refusal::NotFound));
    };
    let key = format!(
        "{id} {} {}",
        series.breakdown.as_deref().unwrap_or_default(),
        series.group.as_deref().unwrap_or_default()
    );
    let svg = match viewing.snapshot.chart(&key) {
        Some(svg) => svg,
        None => {
            let title = match &series.group {
                Some(_) => format!("{} – {}", result.measure.title, series_name(series)),
                None => result.measure.title.clone(),
            };
            let svg = chart::trend_chart(&result.measure, series, &title, (960, 420));
            viewing.snapshot.keep_chart(key.clone(), svg.into_bytes())
        }
    };
    Ok(DrawnChart { key, svg })
}

pub async fn data_csv(viewing: Viewing, Path(id): Path<String>) -> Result<Response, PageError> {
    let result = visible_measure(&viewing, &id)?;
    let rows = crate::evaluation::results::measure_rows(result);
    let disposition = format!("attachment; filename=\"{}.csv\"", result.measure.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        crate::evaluation::results::to_csv(&rows),
    )
        .into_response())
}

pub async fn data_xlsx(viewing: Viewing, Path(id): Path<String>) -> Result<Response, PageError> {
    let result = visible_measure(&viewing, &id)?;
    let snapshot = &viewing.snapshot;
    let results = std::slice::from_ref(result);
    let workbook = crate::report::xlsx::workbook(
        results,
        &result.measure.title,
        &crate::report::freshness(&snapshot.evaluation, results),
        snapshot.evaluation.loaded_at().date_naive(),
    );
    let bytes = workbook.map_err(|e| {
        PageError::new(
            &viewing,
            Refusal::Failed(format!("cannot write the workbook: {e}")),
        )
    })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.xlsx\"", result.measure.id),
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn login_form(
    Viewing {
        state,
        snapshot,
        viewer,
    }: Viewing,
) -> Response {
    page(
        &state,
        &snapshot,
        &viewer,
        StatusCode::OK,
        "Sign in",
        &login_body(""),
    )
}

fn login_body(error: &str) -> String {
    format!(
        r#"<h1>Analyst sign-in</h1><p>Restricted measures and analyst views need an access token.</p>{error}<form method="post" action="/login" class="login"><label for="token">Access token</label><input id="token" name="token" type="password" autocomplete="current-password" required><button type="submit">Sign in</button></form>"#
    )
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    token: String,
}

pub async fn login(
    Viewing {
        state,
        snapshot,
        viewer,
    }: Viewing,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    // Behind a reverse proxy every client is the proxy: then the throttle is
    // shared, which still stops a guessing run.
    let client = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or("unknown".to_string(), |c| c.0.ip().to_string());
    let refusal = match state.tokens.sign_in(&form.token, &client) {
        SignIn::Started(id) => {
            let cookie = format!(
                "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
                SESSION_HOURS * 3600,
                if over_tls(&headers) { "; Secure" } else { "" }
            );
            return ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response();
        }
        SignIn::Refused => (
            StatusCode::UNAUTHORIZED,
            "That token is not recognised.".to_string(),
            None,
        ),
        SignIn::Throttled(wait) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed sign-ins from here: try again in {} seconds.",
                wait.as_secs().max(1)
            ),
            Some(wait.as_secs().max(1)),
        ),
    };
    let (status, message, retry_after) = refusal;
    let mut response = page(
        &state,
        &snapshot,
        &viewer,
        status,
        "Sign in",
        &login_body(&format!(
            r#"<p class="error" role="alert">{}</p>"#,
            esc(&message)
        )),
    );
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, seconds.into());
    }
    response
}

/// Whether the request reached us over TLS: directly, or (as deployed) through
/// a reverse proxy that says so.
fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub async fn logout(Viewing { state, .. }: Viewing, headers: HeaderMap) -> Response {
    state.tokens.sign_out(&headers);
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to("/"),
    )
        .into_response()
}

pub async fn api_docs(
    Viewing {
        state,
        snapshot,
        viewer,
    }: Viewing,
) -> Response {
    let body = r#"<h1>Data and API</h1>
<p class="lede">Every figure on the dashboard is available as CSV, SVG and JSON. Only aggregates are served: no extract row or identifier. Suppressed figures are withheld everywhere. Restricted measures need an access token, sent as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<table><thead><tr><th scope="col">Request</th><th scope="col">Returns</th></tr></thead><tbody>
<tr><td><code>GET /api/measures</code></td><td>Every measure you may see: id, title, objective, theme, kind, polarity, target, and its reading (latest point, change on a year earlier, variation, assurance).</td></tr>
<tr><td><code>GET /api/measures/{id}</code></td><td>One measure with every series (the total and each group of each breakdown), each point with numerator, denominator, value, 95% interval, suppression and SPC signal, and the series' SPC mean and limits as segments (each with its dates and, after a break, the reason for it).</td></tr>
<tr><td><code>GET /api/status</code></td><td>When the figures were evaluated, the extract files used (hashes, rows loaded and rejected) and, for analysts, the last failed re-evaluation.</td></tr>
<tr><td><code>POST /api/reload</code></td><td>Analysts: re-evaluate now. The new results replace the old only if the evaluation succeeds.</td></tr>
<tr><td><code>GET /measures/{id}/data.csv</code></td><td>Every point of a measure in the results contract's columns.</td></tr><tr><td><code>GET /measures/{id}/figures.xlsx</code></td><td>The same as an Excel workbook: a contents sheet and the measure's sheet, with intervals and SPC signals.</td></tr>
<tr><td><code>GET /measures/{id}/chart.svg[?breakdown=B&amp;group=G]</code></td><td>The trend chart of the total or of one group, as SVG; <code>chart.png</code> gives the same as PNG.</td></tr>
</tbody></table>
<h2>Results columns</h2><p><code>measure_id, period_start, period_end, breakdown, group, numerator, denominator, value, ci_lower, ci_upper, suppressed, spc_mean, spc_lower, spc_upper, spc_signal</code>. Proportions are fractions from 0 to 1; rates are per 1,000 people.</p>"#;
    page(
        &state,
        &snapshot,
        &viewer,
        StatusCode::OK,
        "Data and API",
        body,
    )
}

fn not_found_page(state: &AppState, snapshot: &Snapshot, viewer: &Viewer) -> Response {
    page(
        state,
        snapshot,
        viewer,
        StatusCode::NOT_FOUND,
        "Not found",
        r#"<h1>Page not found</h1><p><a href="/">Back to the dashboard</a></p>"#,
    )
}

pub async fn not_found(viewing: Viewing) -> PageError {
    PageError::new(&viewing, Refusal::NotFound)
}

/// The commentary form's fields.
#[derive(serde::Deserialize)]
pub struct CommentaryForm {
    text: String,
    form_token: String,
}

/// The commentary a signed-in analyst may write: the measure's, for its
/// latest period, or why not (restricted measures and the public are
/// refused as elsewhere; the public may never write).
fn commentary_target<'a>(
    viewing: &'a Viewing,
    id: &str,
) -> Result<(&'a MeasureResult, &'a crate::engine::Point), PageError> {
    let result = visible_measure(viewing, id)?;
    if !viewing.viewer.is_analyst() {
        return Err(PageError::new(viewing, Refusal::AnalystsOnly));
    }
    let latest = result
        .total()
        .points
        .last()
        .ok_or_else(|| PageError::new(viewing, Refusal::NotFound))?;
    Ok((result, latest))
}

pub async fn commentary_form(
    viewing: Viewing,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (result, latest) = commentary_target(&viewing, &id)?;
    let m = &result.measure;
    // Forms need a browser's session (a bearer token is for the API).
    let token = viewing
        .state
        .tokens
        .form_token(&headers)
        .ok_or_else(|| PageError::new(&viewing, Refusal::AnalystsOnly))?;
    let text = m
        .commentary_for(latest.period.last)
        .map(|c| c.text.clone())
        .unwrap_or_default();
    let body = format!(
        r#"<nav class="crumbs" aria-label="Breadcrumb"><a href="/">Home</a> › <a href="/measures/{id}">{title}</a> › Commentary</nav>
<h1>Commentary on {period}</h1><p class="lede">{title}. Markdown: paragraphs, *emphasis*, **bold**, lists and links. Saved as <code>{file}</code>; the version before is kept beside it.</p>
<form method="post" action="/measures/{id}/commentary" class="commentary-form"><input type="hidden" name="form_token" value="{token}"><label for="text">Commentary</label><textarea id="text" name="text" rows="14">{text}</textarea><button type="submit">Save</button></form>"#,
        id = esc(&m.id),
        title = esc(&m.title),
        period = esc(&m.period_label(latest.period)),
        file = esc(&commentary_file(&viewing, m, latest.period.last)
            .display()
            .to_string()),
        token = esc(&token),
        text = esc(&text),
    );
    Ok(page(
        &viewing.state,
        &viewing.snapshot,
        &viewing.viewer,
        StatusCode::OK,
        "Commentary",
        &body,
    ))
}

/// Where a measure's commentary on the period ending `month` is kept.
fn commentary_file(
    viewing: &Viewing,
    m: &Measure,
    month: crate::common::period::Month,
) -> std::path::PathBuf {
    let dir = viewing
        .state
        .options
        .commentary
        .clone()
        .unwrap_or_else(|| crate::definition::commentary::DIR.into());
    dir.join(month.to_string()).join(format!("{}.md", m.id))
}

/// Saves a signed-in analyst's commentary as the same file `mos` reads,
/// atomically, keeping the version before it, then re-evaluates so that the
/// page shows it.
pub async fn save_commentary(
    viewing: Viewing,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CommentaryForm>,
) -> Result<Response, PageError> {
    let (result, latest) = commentary_target(&viewing, &id)?;
    if !viewing
        .state
        .tokens
        .form_token_matches(&headers, &form.form_token)
    {
        return Err(PageError::new(&viewing, Refusal::Forged));
    }
    let m = &result.measure;
    let path = commentary_file(&viewing, m, latest.period.last);
    let Viewer::Analyst(author) = &viewing.viewer else {
        return Err(PageError::new(&viewing, Refusal::AnalystsOnly));
    };
    // An analyst's grade for the period stays with the new words.
    let grade = m
        .commentary_for(latest.period.last)
        .and_then(|c| c.grade.clone())
        .map(|(grade, reason)| {
            let key = serde_json::to_value(grade)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!("grade: {key}\nreason: {reason}\n")
        })
        .unwrap_or_default();
    let file = format!(
        "---\nauthor: {}\ndate: {}\n{grade}---\n{}\n",
        author.replace(['\n', '\r'], " "),
        chrono::Utc::now().date_naive(),
        form.text.replace("\r\n", "\n").trim_end()
    );
    let failed = |e: String| PageError::new(&viewing, Refusal::Failed(e));
    if path.exists() {
        let kept = path.with_extension(format!(
            "md.{}.previous",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
        ));
        std::fs::copy(&path, &kept)
            .map_err(|e| failed(format!("cannot keep {}: {e}", kept.display())))?;
    }
    crate::common::atomic::write_file(&path, file.as_bytes()).map_err(|e| failed(e.to_string()))?;
    // Shown at once; a failed evaluation keeps the last good results, as ever.
    let _ = viewing.state.reload().await;
    Ok(Redirect::to(&format!("/measures/{id}")).into_response())
}
