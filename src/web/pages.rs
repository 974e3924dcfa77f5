//! HTML pages, rendered from the snapshot in memory. No script inline, no
//! external asset; every figure comes from the engine's (suppressed) points.

use super::auth::{COOKIE, SESSION_HOURS, SignIn, Viewer};
use super::{AppState, Snapshot, Viewing};
use crate::common::period::Month;
use crate::definition::{Access, Measure};
use crate::engine::{MeasureResult, Series};
pub use crate::presentation::humanise;
use crate::presentation::reading::Reading;
use crate::presentation::{chart, date, open_data};
use crate::stats::change::Change;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use std::fmt::Write;
use std::sync::Arc;

pub fn can_see(viewer: &Viewer, measure: &Measure) -> bool {
    measure.access == Access::Public || viewer.is_analyst()
}

/// The page frame: header, navigation, freshness, analyst notices.
fn layout(viewing: &Viewing, title: &str, body: Markup) -> Markup {
    let Viewing {
        state,
        snapshot,
        viewer,
        static_site,
    } = viewing;
    let evaluation = &snapshot.evaluation;
    let freshness = crate::presentation::freshness(
        evaluation.data_to(
            evaluation
                .results
                .iter()
                .filter(|r| can_see(viewer, &r.measure)),
        ),
        evaluation.loaded_at(),
        evaluation.snapshot_id(),
    );
    let has_priorities = snapshot
        .measures
        .measures
        .iter()
        .any(|m| m.priority.is_some());
    let failed_schedules = if viewer.is_analyst() {
        state.failed_schedules()
    } else {
        Vec::new()
    };
    let failure = state.failure().filter(|_| viewer.is_analyst());
    html! {
        (PreEscaped("<!doctype html>\n"))
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Measures of Success" }
                link rel="stylesheet" href="/assets/style.css";
                link rel="icon" href="/assets/favicon.svg";
                script src="/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.masthead {
                    div.wrap {
                        a.brand href="/" {
                            span.area { (snapshot.plan.area) }
                            span.product { "Measures of Success" }
                        }
                        @match viewer {
                            Viewer::Analyst(name) => form method="post" action="/logout" class="account" {
                                span { "Signed in as " (name) } " " button type="submit" { "Sign out" }
                            },
                            // The static site has no one to sign in to.
                            Viewer::Public if *static_site => {},
                            Viewer::Public => a.account href="/login" { "Analyst sign-in" },
                        }
                    }
                    nav.wrap aria-label="Objectives" {
                        a href="/" { "Home" }
                        @for o in &snapshot.plan.objectives {
                            a href={ "/objectives/" (o.number) } { "Objective " (o.number) }
                        }
                        @if has_priorities { a href="/priorities" { "People's Priorities" } }
                        a href="/data" { "Open data" }
                        @if !static_site { a href="/api" { "API" } }
                    }
                }
                main #main .wrap {
                    @if let Some(f) = failure {
                        div.notice role="alert" {
                            strong { "Re-evaluation failed at " (f.at.format("%-d %b %Y %H:%M UTC")) "; the figures shown are the last good results." }
                            pre { (f.message) }
                        }
                    }
                    @for run in &failed_schedules {
                        div.notice role="alert" {
                            strong { "The scheduled pack “" (run.schedule) "” failed at " (run.at.format("%-d %b %Y %H:%M UTC")) "; earlier packs are untouched." }
                            pre { (run.outcome.as_ref().err().map_or("", String::as_str)) }
                        }
                    }
                    (body)
                }
                footer.wrap {
                    p {
                        (freshness) ". Figures are aggregates; small numbers are suppressed where a measure says so. Variation and assurance icons follow NHS England's "
                        em { "Making Data Count" } "."
                    }
                    p { a href="/accessibility" { "Accessibility statement" } }
                }
            }
        }
    }
}

fn page(viewing: &Viewing, status: StatusCode, title: &str, body: Markup) -> Response {
    (status, layout(viewing, title, body)).into_response()
}

/// The People's Priorities: what residents asked for, neighbourhood by
/// neighbourhood, each read before and after it was raised.
pub async fn priorities(viewing: Viewing) -> Response {
    let Viewing {
        snapshot, viewer, ..
    } = &viewing;
    let results: Vec<&MeasureResult> = snapshot
        .evaluation
        .results
        .iter()
        .filter(|r| r.measure.priority.is_some() && can_see(viewer, &r.measure))
        .collect();
    let body = html! {
        (crumbs(&[("/", "Home")], Some("People's Priorities")))
        h1 { "People's Priorities" }
        p.lede {
            "Priorities people who live and work in " (snapshot.plan.area)
            " set for policing their own neighbourhood, at public meetings, through the Commissioner's engagement outreach workers and online. Each is read against the months before it was raised: a change is called a change only when the SPC chart shows one."
        }
        (crate::presentation::priority::section(&results, snapshot.measures.catalog.force(), &snapshot.plan.grading, true))
    };
    page(&viewing, StatusCode::OK, "People's Priorities", body)
}

/// The accessibility statement, in the government's model format.
pub async fn accessibility(viewing: Viewing) -> Response {
    let body = html! {
        (crumbs(&[("/", "Home")], Some("Accessibility statement")))
        (super::accessibility::statement(&viewing.snapshot.plan))
    };
    page(&viewing, StatusCode::OK, "Accessibility statement", body)
}

pub async fn home(viewing: Viewing) -> Response {
    let Viewing {
        snapshot, viewer, ..
    } = &viewing;
    // Exceptions first, across the Plan and the People's Priorities.
    let priorities = snapshot
        .evaluation
        .results
        .iter()
        .filter(|r| r.measure.priority.is_some())
        .map(|r| r.measure.id.as_str());
    let everything = snapshot
        .plan
        .objectives
        .iter()
        .flat_map(|o| o.measure_ids())
        .chain(priorities);
    let exceptions =
        crate::presentation::grade::exceptions(&snapshot.graded_rows(everything, viewer));
    let body = html! {
        h1 { (snapshot.plan.plan) }
        p.lede { "How the " (snapshot.plan.plan) " is going: each measure read with statistics, so that only real changes are called changes." }
        (exceptions)
        div.objectives {
            @for objective in &snapshot.plan.objectives { (objective_card(&viewing, objective)) }
        }
    };
    page(&viewing, StatusCode::OK, &snapshot.plan.plan, body)
}

/// An objective on the home page: its measures' tally by grade (the same
/// grades, from the same points, as its exceptions and summary), targets by
/// assurance, and how many are restricted from this viewer.
fn objective_card(
    viewing: &Viewing,
    objective: &crate::definition::dashboards::ObjectiveLayout,
) -> Markup {
    let Viewing {
        snapshot,
        viewer,
        static_site,
        ..
    } = viewing;
    use crate::definition::commentary::Grade;
    use crate::presentation::reading::Assurance;
    let ids: Vec<&str> = objective.measure_ids().collect();
    let visible = snapshot.graded_rows(ids.iter().copied(), viewer);
    // Not shown for one of two causes, each said as it is: the viewer may not
    // see a restricted measure, or a measure has no figures (no extract).
    let evaluated = ids
        .iter()
        .filter(|id| snapshot.measures.get(id).is_some() && snapshot.readings.contains_key(**id))
        .count();
    let hidden = evaluated - visible.len();
    let without_figures = ids.len() - evaluated;
    let count = |g: Grade| visible.iter().filter(|r| r.graded.grade == g).count();
    let assured = |a: Option<Assurance>| {
        visible
            .iter()
            .filter(|r| {
                a.map_or(r.reading.assurance.is_some(), |a| {
                    r.reading.assurance == Some(a)
                })
            })
            .count()
    };
    html! {
        section.objective-card {
            h2 { a href={ "/objectives/" (objective.number) } { "Objective " (objective.number) ": " (objective.title) } }
            p { (objective.summary) }
            p.muted { (ids.len()) " measure" @if ids.len() != 1 { "s" } }
            @if !visible.is_empty() {
                dl.tally {
                    div.concern { dt { (Grade::RequiresScrutiny.label()) } dd { (count(Grade::RequiresScrutiny)) } }
                    div.improvement { dt { (Grade::Improving.label()) } dd { (count(Grade::Improving)) } }
                    div.common { dt { (Grade::Content.label()) } dd { (count(Grade::Content)) } }
                }
                @if assured(None) > 0 {
                    p.targets {
                        "Targets: " strong { (assured(Some(Assurance::ConsistentlyMet))) } " consistently met, "
                        strong { (assured(Some(Assurance::ConsistentlyMissed))) } " consistently missed, "
                        strong { (assured(Some(Assurance::HitAndMiss))) } " hit and miss."
                    }
                }
            }
            @if visible.is_empty() && hidden == 0 && without_figures == 0 {
                p.muted { "No measures yet." }
            }
            @if hidden > 0 {
                p.muted {
                    (hidden) " restricted measure" @if hidden == 1 { " is" } @else { "s are" } " not shown"
                    @if *static_site { "." } @else { ": " a href="/login" { "sign in" } " to see them." }
                }
            }
            @if without_figures > 0 {
                p.muted {
                    (without_figures) " measure" @if without_figures == 1 { " has" } @else { "s have" }
                    " no figures: " @if without_figures == 1 { "its extract is" } @else { "their extracts are" }
                    " not in the data folder."
                }
            }
        }
    }
}

pub async fn objective(
    viewing: Viewing,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let Viewing {
        snapshot,
        viewer,
        static_site,
        ..
    } = &viewing;
    let Some(objective) = number
        .parse::<u8>()
        .ok()
        .and_then(|n| snapshot.plan.objectives.iter().find(|o| o.number == n))
    else {
        return Err(PageError::new(&viewing, Refusal::NotFound));
    };
    let rows = snapshot.graded_rows(objective.measure_ids(), viewer);
    let body = html! {
        (crumbs(&[("/", "Home")], Some(&format!("Objective {}", objective.number))))
        h1 { "Objective " (objective.number) ": " (objective.title) }
        p.lede { (objective.summary) }
        @if !rows.is_empty() {
            (crate::presentation::grade::exceptions(&rows))
            section.summary { h2 { "Summary" } (crate::presentation::grade::summary_matrix(&rows)) }
        }
        @for theme in &objective.themes {
            section.theme {
                h2 { (theme.title()) }
                div.cards {
                    @for id in &theme.measures {
                        @if let (Some(result), Some(reading)) = (snapshot.result(id), snapshot.readings.get(id)) {
                            // The static site says nothing of a restricted measure, not even its title.
                            @if !*static_site || can_see(viewer, &result.measure) {
                                (card(viewer, result, reading))
                            }
                        }
                    }
                }
            }
        }
        @if objective.themes.is_empty() { p.muted { "No measures are defined for this objective yet." } }
    };
    Ok(page(
        &viewing,
        StatusCode::OK,
        &format!("Objective {}", objective.number),
        body,
    ))
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
            measure.format_value(v),
            ci.map(|i| {
                format!(
                    "95% CI {} to {}",
                    measure.format_value(i.lower),
                    measure.format_value(i.upper)
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
    let size = measure
        .kind
        .format_difference(y.difference, measure.unit.as_deref());
    let from = measure.format_value(y.earlier_value);
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

fn card(viewer: &Viewer, result: &MeasureResult, reading: &Reading) -> Markup {
    let m = &result.measure;
    if !can_see(viewer, m) {
        return html! {
            article.card.restricted {
                h3 { (m.title) }
                p.muted { "Restricted: " a href="/login" { "sign in" } " to see this measure." }
            }
        };
    }
    let (value, interval, period) = headline(m, reading);
    html! {
        article.card {
            h3 { a href={ "/measures/" (m.id) } { (m.title) } }
            div.headline {
                div { p.value { (value) } p.interval { (interval) } p.period { (period) } }
                div.icons {
                    (chart::variation_icon(reading.variation, above_mean(result, reading)))
                    (chart::assurance_icon(reading.assurance))
                }
            }
            (chart::sparkline(result.total()))
            p.change { (change_text(m, reading)) }
            @for t in &reading.targets {
                p.muted { (t.name) " " (m.format_value(t.value)) }
            }
        }
    }
}

/// The breadcrumb trail: each `(href, name)` linked, then where the reader is.
fn crumbs(trail: &[(&str, &str)], here: Option<&str>) -> Markup {
    html! {
        nav.crumbs aria-label="Breadcrumb" {
            @for (i, (href, name)) in trail.iter().enumerate() {
                @if i > 0 { " › " }
                a href=(href) { (name) }
            }
            @if let Some(here) = here { " › " (here) }
        }
    }
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
        match self.why {
            Refusal::NotFound => not_found_page(&self.viewing),
            Refusal::Restricted(title) => page(
                &self.viewing,
                StatusCode::UNAUTHORIZED,
                "Restricted",
                html! {
                    h1 { "Restricted measure" }
                    p { "“" (title) "” is restricted to signed-in analysts." }
                    p { a.button href="/login" { "Sign in" } }
                },
            ),
            Refusal::Failed(message) => {
                (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
            }
            Refusal::AnalystsOnly => page(
                &self.viewing,
                StatusCode::UNAUTHORIZED,
                "Sign in",
                html! {
                    h1 { "For signed-in analysts" }
                    p { "Commentary is written by analysts: " a.button href="/login" { "Sign in" } " in this browser." }
                },
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

fn series_name(m: &Measure, series: &Series) -> String {
    match &series.group {
        Some(g) => m.group_name(g),
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
        snapshot, viewer, ..
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
    let body = if real_series {
        let key = format!(
            "measure:{id}?{:?}&{:?}&{:?} static:{}",
            query.breakdown, query.group, funnel_month, viewing.static_site
        );
        snapshot.rendered(key, || measure_body(&viewing, result, &query))
    } else {
        PreEscaped(measure_body(&viewing, result, &query).0.into())
    };
    // Analysts write the commentary from here (the cached body is everyone's).
    let body = html! {
        (body)
        @if viewer.is_analyst() {
            p { a.button href={ "/measures/" (result.measure.id) "/commentary" } { "Write commentary on the latest period" } }
        }
    };
    Ok(page(&viewing, StatusCode::OK, &result.measure.title, body))
}

/// One public measure for an `<iframe>` on the office's own website: its
/// headline, chart and reading, without the site's navigation. It is read
/// as the public reads it, whoever asks (a framed page is another site's),
/// and only the Plan's `[publish] embed_origins` may frame it.
pub async fn embed(viewing: Viewing, Path(id): Path<String>) -> Result<Response, PageError> {
    let snapshot = &viewing.snapshot;
    let Some(result) = snapshot
        .result(&id)
        .filter(|r| can_see(&Viewer::Public, &r.measure))
    else {
        return Err(PageError::new(&viewing, Refusal::NotFound));
    };
    let m = &result.measure;
    let reading = &snapshot.readings[&m.id];
    let (value, interval, period) = headline(m, reading);
    let body = snapshot.rendered(format!("embed:{id}"), || {
        let chart = chart::trend_chart(m, result.total(), &m.title, (720, 320));
        html! {
            (PreEscaped("<!doctype html>\n"))
            html lang="en-GB" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (m.title) " · " (snapshot.plan.area) }
                    link rel="stylesheet" href="/assets/style.css";
                }
                body.embed {
                    main {
                        h1 { a href={ "/measures/" (m.id) } target="_top" { (m.title) } }
                        p.headline {
                            strong { (value) } " " (period)
                            @if !interval.is_empty() { " (" (interval) ")" }
                        }
                        figure.chart role="group" aria-label=(m.title) {
                            (chart)
                            figcaption { (crate::presentation::words::judgement(m, reading)) }
                        }
                        p.muted {
                            (snapshot.plan.area) " · " (snapshot.plan.plan) ". "
                            a href={ "/measures/" (m.id) } target="_top" { "Every figure of " (m.title) }
                        }
                    }
                }
            }
        }
    });
    let mut response = axum::response::Html(body.0.to_string()).into_response();
    response
        .extensions_mut()
        .insert(super::FrameAncestors(snapshot.plan.embed_origins.clone()));
    Ok(response)
}

fn measure_body(viewing: &Viewing, result: &MeasureResult, query: &SeriesQuery) -> Markup {
    let Viewing {
        state,
        snapshot,
        static_site,
        ..
    } = viewing;
    let m = &result.measure;
    let reading = &snapshot.readings[&m.id];
    let (value, interval, period) = headline(m, reading);
    // The reading in words, as the pack says it.
    let said = crate::presentation::words::judgement(m, reading);
    let peers = crate::presentation::words::peers(result);
    let objective = format!("/objectives/{}", m.objective);
    let objective_name = format!("Objective {}", m.objective);
    let multiples = query
        .breakdown
        .as_deref()
        .filter(|b| query.group.is_none() && result.breakdown_names().contains(b));
    let selected = match multiples {
        Some(_) => None,
        None => selected_series(result, query),
    };
    let no_such_series = selected.is_none()
        && multiples.is_none()
        && (query.group.is_some() || query.breakdown.is_some());
    let series_query = match (&query.breakdown, &query.group) {
        (Some(b), Some(g)) => format!("?breakdown={b}&group={g}"),
        _ => String::new(),
    };
    let id = &m.id;
    html! {
        @if m.priority.is_some() {
            (crumbs(&[("/", "Home"), ("/priorities", "People's Priorities")], None))
        } @else {
            (crumbs(&[("/", "Home"), (&objective, &objective_name)], m.theme.map(|t| t.title())))
        }
        h1 { (m.title) }
        // Descriptions are Markdown, as commentary is.
        div.lede { (crate::presentation::markdown::to_html(&m.description)) }
        @if let Some(targets) = crate::presentation::words::targets_declared(m) { p.targets { (targets) } }
        // A priority: who raised it and when, and what has happened since.
        @if let Some(p) = &m.priority {
            p.priority-meta {
                "A People's Priority for " (p.area) ", raised"
                @if !p.raised_by.is_empty() { " by " (p.raised_by) }
                " on " (crate::presentation::words::long_date(p.raised))
                @if p.status == crate::definition::PriorityStatus::Closed { "; now closed" }
                "."
            }
            p.reading {
                @if let Some(f) = crate::presentation::priority::before_after(result) {
                    (crate::presentation::priority::sentence(m, &f))
                }
            }
        }
        div.headline.big {
            div {
                p.value { (value) }
                p.interval { (interval) }
                p.period { (period) }
                p.change { (change_text(m, reading)) }
            }
            div.icons {
                (chart::variation_icon(reading.variation, above_mean(result, reading)))
                (chart::assurance_icon(reading.assurance))
            }
        }
        @if !said.is_empty() { p.reading { (said) } }
        @if let Some(graded) = snapshot.grades.get(&m.id) { (crate::presentation::grade::statement(graded)) }
        p.freshness { (freshness(snapshot, m)) }
        @if !peers.is_empty() { p.peers { strong { "Compared with peers:" } " " (peers) } }
        // Series tabs: the total, then each breakdown.
        nav.tabs aria-label="Series" {
            a href={ "/measures/" (id) } aria-current=[query.breakdown.is_none().then_some("page")] { "All" }
            @for b in result.breakdown_names() {
                a href={ "/measures/" (id) "?breakdown=" (b) }
                    aria-current=[(query.breakdown.as_deref() == Some(b)).then_some("page")] {
                    "By " (b.replace('_', " "))
                }
            }
        }
        @if let Some(b) = multiples {
            // Small multiples: every group of the breakdown, each linking to its own page.
            @let named: Vec<_> = result.breakdown(b).map(|s| (s, series_name(m, s))).collect();
            p.muted { "Every chart below is drawn on the same scale, so the groups can be compared by eye." }
            div.multiples {
                @for ((s, name), svg) in named.iter().zip(chart::small_multiples(m, &named, (420, 240))) {
                    // The caption is the link: its words are its name, so
                    // speech input and screen readers agree (WCAG 2.5.3).
                    figure {
                        (svg)
                        figcaption {
                            a href={ "/measures/" (id) "?breakdown=" (b) "&group=" (s.group.as_deref().unwrap_or_default()) } { (name) }
                        }
                    }
                }
            }
        }
        @if let Some(series) = selected { (series_section(viewing, result, series, query)) }
        @if no_such_series { p.muted { "There is no such series for this measure." } }
        section.downloads {
            h2 { "Downloads" }
            ul {
                li { a href={ "/data/" (open_data::csv_name(id)) } download { "All figures (CSV)" } }
                li {
                    a href={ "/data/" (open_data::metadata_name(id)) } download { "What each column of the CSV holds (CSV on the Web metadata)" }
                }
                li { a href={ "/measures/" (id) "/figures.xlsx" } download { "All figures (Excel)" } }
                li { a href={ "/measures/" (id) "/chart.svg" (series_query) } download { "This chart (SVG)" } }
                // Drawn on request: the static site carries the SVG alone.
                @if !static_site {
                    li { a href={ "/measures/" (id) "/chart.png" (series_query) } download { "This chart (PNG)" } }
                    li { a href={ "/api/measures/" (id) } { "All figures (JSON)" } }
                }
            }
            @if m.access == Access::Public {
                p.muted { "Published under the " a href="/data" { "Open Government Licence v3.0" } "." }
            }
        }
        // For search engines and data catalogues: what this measure's data is.
        @if m.access == Access::Public {
            script type="application/ld+json" {
                (PreEscaped(dataset(snapshot, result).json_ld(
                    &format!("/measures/{id}"),
                    &format!("/data/{}", open_data::csv_name(id)),
                    &format!("/measures/{id}/figures.xlsx"),
                )))
            }
        }
        (as_published_section(state, snapshot, result))
        (definition_section(m))
        (provenance_section(snapshot, m))
    }
}

/// One series on its measure page: its chart, events, commentary, funnel
/// (for the total) and every figure.
fn series_section(
    viewing: &Viewing,
    result: &MeasureResult,
    series: &Series,
    query: &SeriesQuery,
) -> Markup {
    let snapshot = &viewing.snapshot;
    let m = &result.measure;
    let name = series_name(m, series);
    let chart_title = if series.group.is_some() {
        format!("{} – {}", m.title, name)
    } else {
        m.title.clone()
    };
    let svg = if m.peer_group.is_some() && series.breakdown.is_none() {
        chart::peer_chart(result, &chart_title, (960, 420))
    } else {
        chart::trend_chart(m, series, &chart_title, (960, 420))
    };
    let funnel = series
        .breakdown
        .is_none()
        .then(|| {
            crate::presentation::funnel::funnel(
                result,
                query.funnel.as_deref().and_then(Month::parse),
            )
        })
        .flatten();
    // A funnel of another period is asked for with a form: the static site
    // has no server to answer it, and shows the latest.
    let periods: Vec<_> = series
        .points
        .iter()
        .filter(|p| p.value().is_some() && !viewing.static_site)
        .map(|p| p.period)
        .collect();
    html! {
        figure.chart role="group" aria-labelledby="chart-caption" {
            (svg)
            figcaption #chart-caption {
                (chart_caption(m, series)) " " (crate::presentation::words::breaks(m, series))
                " " a href="#figures" { "Every figure of this chart" }
            }
        }
        (crate::presentation::annotations_list(m, &series.points))
        @if let Some(latest) = series.points.last() { (crate::presentation::commentary_section(m, latest)) }
        @if let (None, Some(events)) = (&series.breakdown, &result.events) {
            (crate::presentation::events::section(m, events))
        }
        @if let Some(funnel) = &funnel {
            (crate::presentation::funnel::section(m, funnel, &periods, snapshot.measures.catalog.force()))
        }
        (figures_table(m, series))
    }
}

/// How fresh a measure's figures are.
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
        });
    crate::presentation::freshness(data_to, evaluation.loaded_at(), evaluation.snapshot_id())
}

/// The figures the board last saw (the latest board pack's snapshot) beside the
/// latest ones, where recorded figures have since been restated.
fn as_published_section(state: &AppState, snapshot: &Snapshot, result: &MeasureResult) -> Markup {
    let (Some(dir), Some(current)) = (&state.config.snapshots, &snapshot.evaluation.snapshot)
    else {
        return html! {};
    };
    let history = crate::evaluation::history::History::new(dir);
    let m = &result.measure;
    // The last pack that carried this measure: never one that did not.
    let Some(publication) = history.last_published_of(&m.id).ok().flatten() else {
        return html! {};
    };
    let published = format!(
        "{} on {}",
        publication.pack,
        chrono::NaiveDate::parse_from_str(&publication.published_on, "%Y-%m-%d")
            .map_or(publication.published_on.clone(), date)
    );
    if publication.snapshot == current.id {
        return html! {
            section.published {
                h2 { "As published" }
                p { "These are the figures published in " (published) "." }
            }
        };
    }
    let Ok(stored) = history.points(&publication.snapshot, &m.id) else {
        return html! {};
    };
    // Each period whose figure has changed: (period, as published, latest, difference).
    let shown = |v: Option<f64>, suppressed: bool| match v {
        Some(v) => m.format_value(v),
        None if suppressed => "suppressed".into(),
        None => "–".into(),
    };
    let restated: Vec<[String; 4]> = result
        .total()
        .points
        .iter()
        .filter_map(|point| {
            let start = point.period.start_date().to_string();
            let then = stored.iter().find(|s| {
                s.breakdown.is_empty()
                    && s.period_start == start
                    && s.period_end == point.period.end_date().to_string()
            })?;
            let now = point.value();
            if then.value == now {
                return None;
            }
            let difference = match (then.value, now) {
                (Some(a), Some(b)) => {
                    let d = b - a;
                    format!(
                        "{}{}",
                        if d > 0.0 { "+" } else { "−" },
                        m.format_value(d.abs())
                    )
                }
                _ => String::new(),
            };
            Some([
                m.period_label(point.period),
                shown(then.value, then.suppressed),
                shown(now, point.suppressed),
                difference,
            ])
        })
        .collect();
    if restated.is_empty() {
        return html! {
            section.published {
                h2 { "As published and latest" }
                p { "No figure has changed since those published in " (published) "." }
            }
        };
    }
    let loaded = history
        .get(&publication.snapshot)
        .ok()
        .and_then(|s| s.loaded_at())
        .map_or_else(String::new, |t| t.format("%-d %b %Y").to_string());
    html! {
        section.published {
            h2 { "As published and latest" }
            p {
                (restated.len()) " figure" @if restated.len() != 1 { "s" } " changed since those published in "
                (published) " (data loaded " (loaded) "), as records were updated or reclassified:"
            }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { "Period" } th scope="col" { "As published" }
                    th scope="col" { "Latest" } th scope="col" { "Difference" }
                } }
                tbody {
                    @for [period, then, now, difference] in &restated {
                        tr { th scope="row" { (period) } td { (then) } td { (now) } td { (difference) } }
                    }
                }
            } }
        }
    }
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
        let chart = m
            .spc()
            .map_or(crate::definition::SpcChart::Xmr, |s| s.chart);
        let limits = match chart {
            crate::definition::SpcChart::Xmr => "the process limits (XmR)".to_string(),
            prime => format!(
                "the process limits ({}, Laney's: they step with each period's size)",
                prime.name()
            ),
        };
        text.push_str(&format!(
            "the grey line is the mean and the dashed grey lines {limits}; {}; ",
            chart::MARKS_SAID
        ));
    }
    if m.peer_group.is_some() && series.breakdown.is_none() {
        text.push_str("the dashed purple line is the peer group's rate; ");
    }
    if series.breakdown.is_none() && m.spc().is_some_and(|s| s.chart.between_events()) {
        text.push_str("a marked point is a period with a special cause on the chart of the gaps between events below (a blue triangle improvement, an orange square concern, a purple diamond neither); ");
    }
    if series.spc.len() > 1 {
        text.push_str("a vertical dotted line marks a break, where the process changed and the limits were computed afresh; ");
    }
    for (t, (_, _, looks)) in m.targets.iter().zip(chart::TARGET_STYLES.iter().cycle()) {
        let name = crate::presentation::words::lower_first(&t.name);
        let changes = if t.is_trajectory() {
            ", stepping where its value changes"
        } else {
            ""
        };
        text.push_str(&format!("the {looks} line is the {name}{changes}; "));
    }
    text.push_str("the table below gives every figure.");
    text
}

fn figures_table(m: &Measure, series: &Series) -> Markup {
    let denominator = m.kind.denominator_heading();
    html! {
        details.figures #figures open {
            summary { "Figures" }
            div.table-wrap { table {
                caption {
                    (m.title) " – every point"
                    @if let Some(g) = &series.group { " (" (m.group_name(g)) ")" }
                }
                thead { tr {
                    th scope="col" { "Period" }
                    th scope="col" { (m.kind.numerator_heading()) }
                    @if let Some(h) = denominator { th scope="col" { (h) } }
                    th scope="col" { "Value" } th scope="col" { "95% CI" } th scope="col" { "SPC signal" }
                } }
                tbody {
                    @for p in series.points.iter().rev() {
                        @let f = p.figures.as_ref();
                        @let missing = if p.suppressed { "suppressed" } else { "–" };
                        tr {
                            th scope="row" { (m.period_label(p.period)) }
                            td { (f.map_or(missing.to_string(), |f| crate::common::grouped(f.numerator as f64, 0))) }
                            @if denominator.is_some() {
                                td { (f.and_then(|f| f.denominator).map_or(missing.to_string(), |d| crate::common::grouped(d as f64, 0))) }
                            }
                            td { (f.and_then(|f| f.value).map_or(missing.to_string(), |v| m.format_value(v))) }
                            td {
                                @match f.and_then(|f| f.interval) {
                                    Some(i) => { (m.format_value(i.lower)) " to " (m.format_value(i.upper)) },
                                    None => (missing),
                                }
                            }
                            td { @if let Some(s) = p.signal { (humanise(s.as_str())) } }
                        }
                    }
                }
            } }
        }
    }
}

fn definition_section(m: &Measure) -> Markup {
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
    let file = m
        .origin
        .path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    html! {
        section.definition {
            h2 { "Definition" }
            details { summary { "As written in " (file) } pre { code { (m.origin.text) } } }
            details { summary { "What it compiles to (DataFusion SQL, by month and group)" } pre { code { (sql) } } }
        }
    }
}

fn provenance_section(snapshot: &Snapshot, m: &Measure) -> Markup {
    let sources = [
        m.source.as_str(),
        if m.kind.needs_population() {
            "population"
        } else {
            ""
        },
    ];
    let extracts = snapshot
        .evaluation
        .extracts
        .iter()
        .filter(|e| sources.contains(&e.source.as_str()));
    let file_name = |path: &std::path::Path| {
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    html! {
        section.provenance {
            h2 { "Provenance" }
            p {
                // When these inputs were first evaluated (the snapshot's load), not
                // this evaluation's time: the same inputs give the same page.
                "Loaded " (snapshot.evaluation.loaded_at().format("%-d %b %Y %H:%M UTC")) " from definition "
                code title=(m.origin.sha256) { (m.origin.sha256[..12]) "…" }
                " (" (file_name(&m.origin.path)) ") and these extracts:"
            }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { "Source" } th scope="col" { "File" } th scope="col" { "SHA-256" } th scope="col" { "Rows" }
                } }
                tbody {
                    @for e in extracts {
                        @for file in &e.files {
                            tr {
                                th scope="row" { (e.source) }
                                td { (file_name(&file.path)) }
                                td { code title=(file.sha256) { (file.sha256[..12.min(file.sha256.len())]) "…" } }
                                td { (file.rows) }
                            }
                        }
                        @if e.rows_rejected > 0 {
                            tr {
                                td {}
                                td colspan="3" class="muted" {
                                    (e.rows_rejected) " of " (e.rows_loaded + e.rows_rejected) " rows of `" (e.source) "` were rejected and not counted"
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
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
    let png = viewing
        .snapshot
        .made_off_thread(key, move |_| {
            chart::svg_to_png(std::str::from_utf8(&svg).ok()?)
        })
        .await;
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
    let svg = viewing
        .snapshot
        .chart_or_make(&key, || {
            let title = match &series.group {
                Some(_) => format!(
                    "{} – {}",
                    result.measure.title,
                    series_name(&result.measure, series)
                ),
                None => result.measure.title.clone(),
            };
            let svg = chart::trend_chart(&result.measure, series, &title, (960, 420));
            Some(svg.0.into_bytes())
        })
        .expect("an SVG is always drawn");
    Ok(DrawnChart { key, svg })
}

/// A measure's open data, as the snapshot gives it.
fn dataset<'a>(snapshot: &'a Snapshot, result: &'a MeasureResult) -> open_data::Dataset<'a> {
    open_data::Dataset {
        result,
        publisher: &snapshot.measures.catalog.force().publisher,
        modified: snapshot.evaluation.loaded_at().date_naive(),
        area: &snapshot.plan.area,
    }
}

/// The open data page: every public measure's figures to download, under the
/// Open Government Licence, each CSV with its CSV on the Web metadata.
pub async fn open_data(viewing: Viewing) -> Response {
    let Viewing {
        snapshot,
        static_site,
        ..
    } = &viewing;
    let public: Vec<&MeasureResult> = snapshot
        .evaluation
        .results
        .iter()
        .filter(|r| can_see(&Viewer::Public, &r.measure))
        .collect();
    let publisher = &snapshot.measures.catalog.force().publisher;
    let body = html! {
        (crumbs(&[("/", "Home")], Some("Open data")))
        h1 { "Open data" }
        p.lede {
            "Every published measure's figures, month by month and for each breakdown, as they are read on these pages. "
            "Published by " (publisher.name) " under the "
            // Written out: the licence is read where the figures are used, and the site links nowhere else.
            strong { "Open Government Licence v3.0" } " (" code { (open_data::LICENCE) } ")."
        }
        p {
            "Each CSV has a " em { "CSV on the Web" } " metadata file beside it, saying what each column holds and its type, "
            "as the UK government's guidance on publishing tabular data recommends. A suppressed figure (a small number withheld) "
            "is an empty cell, with " code { "suppressed" } " true: it is never given as a number."
        }
        @if !static_site {
            p { "The same figures, with their readings, are in the " a href="/api" { "API" } "." }
        }
        div.table-wrap tabindex="0" role="region" aria-label="Downloads" { table {
            caption { "Downloads, measure by measure" }
            thead { tr {
                th scope="col" { "Measure" } th scope="col" { "Covers" }
                th scope="col" { "CSV" } th scope="col" { "Metadata" } th scope="col" { "Excel" }
            } }
            tbody {
                @for result in &public {
                    @let m = &result.measure;
                    tr {
                        th scope="row" { a href={ "/measures/" (m.id) } { (m.title) } }
                        td {
                            @if let Some((from, to)) = dataset(snapshot, result).coverage() {
                                (crate::presentation::words::long_date(from)) " to " (crate::presentation::words::long_date(to))
                            }
                        }
                        td { a href={ "/data/" (open_data::csv_name(&m.id)) } download { (open_data::csv_name(&m.id)) } }
                        td { a href={ "/data/" (open_data::metadata_name(&m.id)) } download { "Metadata of " (m.title) } }
                        td { a href={ "/measures/" (m.id) "/figures.xlsx" } download { "Workbook of " (m.title) } }
                    }
                }
            }
        } }
    };
    page(&viewing, StatusCode::OK, "Open data", body)
}

/// `/data/<id>.csv` and `/data/<id>.csv-metadata.json`: a measure's open data.
pub async fn open_data_file(
    viewing: Viewing,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let (id, metadata) = match file.strip_suffix(".csv-metadata.json") {
        Some(id) => (id, true),
        None => match file.strip_suffix(".csv") {
            Some(id) => (id, false),
            None => return Err(PageError::new(&viewing, Refusal::NotFound)),
        },
    };
    let result = visible_measure(&viewing, id)?;
    let disposition = format!("attachment; filename=\"{file}\"");
    if metadata {
        return Ok((
            [
                (header::CONTENT_TYPE, "application/csvm+json".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            dataset(&viewing.snapshot, result).csvw_metadata(),
        )
            .into_response());
    }
    let rows = crate::evaluation::results::measure_rows(result);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        crate::evaluation::results::to_csv(&rows),
    )
        .into_response())
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
    let measure = visible_measure(&viewing, &id)?.measure.id.clone();
    // Written once per snapshot: a workbook is slow to write.
    let workbook = viewing
        .snapshot
        .made_off_thread(format!("{measure} xlsx"), move |snapshot| {
            let result = snapshot.result(&measure)?;
            let results = std::slice::from_ref(result);
            let workbook = crate::report::xlsx::workbook(
                results,
                &result.measure.title,
                &crate::report::freshness(&snapshot.evaluation, results, None),
                snapshot.evaluation.loaded_at().date_naive(),
                snapshot.plan.marking.of(std::iter::once(&result.measure)),
            );
            workbook
                .inspect_err(|e| tracing::error!(error = %e, "cannot write a workbook"))
                .ok()
        })
        .await;
    let bytes = workbook.ok_or_else(|| {
        PageError::new(
            &viewing,
            Refusal::Failed("cannot write the workbook".into()),
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
                // `id` is the measure's, as `visible_measure` found it by.
                format!("attachment; filename=\"{id}.xlsx\""),
            ),
        ],
        Body::from(Bytes::from_owner(bytes)),
    )
        .into_response())
}

pub async fn login_form(viewing: Viewing) -> Response {
    page(&viewing, StatusCode::OK, "Sign in", login_body(None))
}

fn login_body(error: Option<&str>) -> Markup {
    html! {
        h1 { "Analyst sign-in" }
        p { "Restricted measures and analyst views need an access token." }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action="/login" class="login" {
            label for="token" { "Access token" }
            input #token name="token" type="password" autocomplete="current-password" required;
            button type="submit" { "Sign in" }
        }
    }
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    token: String,
}

pub async fn login(
    viewing: Viewing,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let Viewing { state, .. } = &viewing;
    let client = super::client_of(&extensions);
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
    let mut response = page(&viewing, status, "Sign in", login_body(Some(&message)));
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

pub async fn api_docs(viewing: Viewing) -> Response {
    let requests = [
        (
            "GET /api/measures",
            "Every measure you may see: id, title, objective, theme, kind, polarity, target, and its reading (latest point, change on a year earlier, variation, assurance).",
        ),
        (
            "GET /api/measures/{id}",
            "One measure with every series (the total and each group of each breakdown), each point with numerator, denominator, value, 95% interval, suppression and SPC signal, and the series' SPC mean and limits as segments (each with its dates and, after a break, the reason for it).",
        ),
        (
            "GET /api/status",
            "When the figures were evaluated, the extract files used (hashes, rows loaded and rejected) and, for analysts, the last failed re-evaluation.",
        ),
        (
            "POST /api/reload",
            "Analysts: re-evaluate now. The new results replace the old only if the evaluation succeeds.",
        ),
        (
            "GET /measures/{id}/data.csv",
            "Every point of a measure in the results contract's columns.",
        ),
        (
            "GET /measures/{id}/figures.xlsx",
            "The same as an Excel workbook: a contents sheet and the measure's sheet, with intervals and SPC signals.",
        ),
    ];
    let body = html! {
        h1 { "Data and API" }
        p.lede {
            "Every figure on the dashboard is available as CSV, SVG and JSON. Only aggregates are served: no extract row or identifier. Suppressed figures are withheld everywhere. Restricted measures need an access token, sent as "
            code { "Authorization: Bearer <token>" } "."
        }
        table {
            thead { tr { th scope="col" { "Request" } th scope="col" { "Returns" } } }
            tbody {
                @for (request, returns) in requests { tr { td { code { (request) } } td { (returns) } } }
                tr {
                    td { code { "GET /measures/{id}/chart.svg[?breakdown=B&group=G]" } }
                    td { "The trend chart of the total or of one group, as SVG; " code { "chart.png" } " gives the same as PNG." }
                }
            }
        }
        h2 { "Results columns" }
        p {
            code { "measure_id, period_start, period_end, breakdown, group, numerator, denominator, value, ci_lower, ci_upper, suppressed, spc_mean, spc_lower, spc_upper, spc_signal" }
            ". Proportions are fractions from 0 to 1; rates are per 1,000 people."
        }
    };
    page(&viewing, StatusCode::OK, "Data and API", body)
}

fn not_found_page(viewing: &Viewing) -> Response {
    page(
        viewing,
        StatusCode::NOT_FOUND,
        "Not found",
        html! { h1 { "Page not found" } p { a href="/" { "Back to the dashboard" } } },
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
    let href = format!("/measures/{}", m.id);
    let file = commentary_file(&viewing, m, latest.period.last);
    let body = html! {
        (crumbs(&[("/", "Home"), (&href, &m.title)], Some("Commentary")))
        h1 { "Commentary on " (m.period_label(latest.period)) }
        p.lede {
            (m.title) ". Markdown: paragraphs, *emphasis*, **bold**, lists and links. Saved as "
            code { (file.display()) } "; the version before is kept beside it."
        }
        form method="post" action={ (href) "/commentary" } class="commentary-form" {
            input type="hidden" name="form_token" value=(token);
            label for="text" { "Commentary" }
            textarea #text name="text" rows="14" { (text) }
            button type="submit" { "Save" }
        }
    };
    Ok(page(&viewing, StatusCode::OK, "Commentary", body))
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
