//! HTML pages, rendered from the snapshot in memory. No script inline, no
//! external asset; every figure comes from the engine's (suppressed) points.

use super::auth::{COOKIE, SESSION_HOURS, SignIn, Viewer};
use super::{AppState, Snapshot, Viewing};
use crate::common::language::Language;
use crate::common::period::Month;
use crate::definition::{Access, Measure};
use crate::engine::{MeasureResult, Series};
pub use crate::presentation::humanise;
use crate::presentation::reading::Reading;
use crate::presentation::{chart, date, date_time, open_data};
use crate::stats::change::Change;
use crate::t;
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
        ..
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
    let language = snapshot.language;
    let twin = twin_language(viewing);
    html! {
        (PreEscaped("<!doctype html>\n"))
        html lang=(language.html_lang()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t!("product-name")) }
                @if let Some(other) = twin {
                    link rel="alternate" hreflang=(other.code()) href=(viewing.twin_address());
                }
                link rel="stylesheet" href="/assets/style.css";
                link rel="icon" href="/assets/favicon.svg";
                script src="/assets/app.js" defer {}
            }
            body {
                a.skip href="#main" { (t!("skip-to-content")) }
                header.masthead {
                    div.wrap {
                        a.brand href="/" {
                            span.area { (snapshot.plan.area) }
                            span.product { (t!("product-name")) }
                        }
                        @if let Some(other) = twin {
                            a.language href=(viewing.twin_address()) hreflang=(other.code()) lang=(other.html_lang()) { (other.own_name()) }
                        }
                        @match viewer {
                            Viewer::Analyst(name) => form method="post" action="/logout" class="account" {
                                span { (t!("signed-in-as", name = name.as_str())) } " " button type="submit" { (t!("sign-out")) }
                            },
                            // The static site has no one to sign in to.
                            Viewer::Public if *static_site => {},
                            Viewer::Public => a.account href="/login" { (t!("analyst-sign-in")) },
                        }
                    }
                    nav.wrap aria-label=(t!("nav-label")) {
                        a href="/" { (t!("home")) }
                        @for o in &snapshot.plan.objectives {
                            a href={ "/objectives/" (o.number) } { (t!("objective-number", number = o.number)) }
                        }
                        @if has_priorities { a href="/priorities" { (t!("peoples-priorities")) } }
                        a href="/data" { (t!("open-data")) }
                        @if !static_site { a href="/api" { (t!("api")) } }
                    }
                }
                main #main .wrap {
                    @if let Some(f) = failure {
                        div.notice role="alert" {
                            strong { (t!("reevaluation-failed", at = date_time(f.at))) }
                            pre { (f.message) }
                        }
                    }
                    @for run in &failed_schedules {
                        div.notice role="alert" {
                            strong { (t!("schedule-failed", schedule = run.schedule.as_str(), at = date_time(run.at))) }
                            pre { (run.outcome.as_ref().err().map_or("", String::as_str)) }
                        }
                    }
                    (body)
                }
                footer.wrap {
                    p { (freshness) ". " (t!("footer-aggregates")) }
                    p { a href="/accessibility" { (t!("accessibility-statement")) } }
                }
            }
        }
    }
}

/// The language of the page's twin, where the force writes in both (a Welsh
/// page always links to its English twin).
fn twin_language(viewing: &Viewing) -> Option<Language> {
    let snapshot = &viewing.snapshot;
    let language = snapshot.language;
    (language == Language::Welsh || snapshot.languages.contains(&Language::Welsh))
        .then(|| language.other())
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
        (crumbs(&[("/", &t!("home"))], Some(&t!("peoples-priorities"))))
        h1 { (t!("peoples-priorities")) }
        p.lede { (t!("priorities-lede", area = snapshot.plan.area.as_str())) }
        (crate::presentation::priority::section(&results, snapshot.measures.catalog.force(), &snapshot.plan.grading, true))
    };
    page(&viewing, StatusCode::OK, &t!("peoples-priorities"), body)
}

/// The accessibility statement, in the government's model format.
pub async fn accessibility(viewing: Viewing) -> Response {
    let body = html! {
        (crumbs(&[("/", &t!("home"))], Some(&t!("accessibility-statement"))))
        (super::accessibility::statement(&viewing.snapshot.plan))
    };
    page(
        &viewing,
        StatusCode::OK,
        &t!("accessibility-statement"),
        body,
    )
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
        p.lede { (t!("home-lede", plan = snapshot.plan.plan.as_str())) }
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
            h2 { a href={ "/objectives/" (objective.number) } { (t!("objective-titled", number = objective.number, title = objective.title.as_str())) } }
            p { (objective.summary) }
            p.muted { (t!("measures-count", count = ids.len())) }
            @if !visible.is_empty() {
                dl.tally {
                    div.concern { dt { (Grade::RequiresScrutiny.label()) } dd { (count(Grade::RequiresScrutiny)) } }
                    div.improvement { dt { (Grade::Improving.label()) } dd { (count(Grade::Improving)) } }
                    div.common { dt { (Grade::Content.label()) } dd { (count(Grade::Content)) } }
                }
                @if assured(None) > 0 {
                    p.targets {
                        (t!("targets-tally",
                            met = assured(Some(Assurance::ConsistentlyMet)),
                            missed = assured(Some(Assurance::ConsistentlyMissed)),
                            mixed = assured(Some(Assurance::HitAndMiss))))
                    }
                }
            }
            @if visible.is_empty() && hidden == 0 && without_figures == 0 {
                p.muted { (t!("no-measures-yet")) }
            }
            @if hidden > 0 {
                p.muted {
                    (t!("restricted-not-shown", count = hidden))
                    @if *static_site { "." } @else { ": " a href="/login" { (t!("sign-in-to-see-them")) } }
                }
            }
            @if without_figures > 0 {
                p.muted { (t!("measures-without-figures", count = without_figures)) }
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
        (crumbs(&[("/", &t!("home"))], Some(&t!("objective-number", number = objective.number))))
        h1 { (t!("objective-titled", number = objective.number, title = objective.title.as_str())) }
        p.lede { (objective.summary) }
        @if !rows.is_empty() {
            (crate::presentation::grade::exceptions(&rows))
            section.summary { h2 { (t!("summary")) } (crate::presentation::grade::summary_matrix(&rows)) }
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
        @if objective.themes.is_empty() { p.muted { (t!("objective-no-measures")) } }
    };
    Ok(page(
        &viewing,
        StatusCode::OK,
        &t!("objective-number", number = objective.number),
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
        None if point.suppressed => (t!("suppressed"), t!("small-number-withheld"), period),
        None => (t!("no-data"), String::new(), period),
        Some((v, ci)) => (
            measure.format_value(v),
            ci.map(|i| {
                t!(
                    "interval-95",
                    lower = measure.format_value(i.lower),
                    upper = measure.format_value(i.upper)
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
        return t!("change-no-comparison");
    };
    let size = measure
        .kind
        .format_difference(y.difference, measure.unit.as_deref());
    let from = measure.format_value(y.earlier_value);
    let id = match y.change {
        Change::SignificantRise => "change-significant-rise",
        Change::SignificantFall => "change-significant-fall",
        Change::NoSignificantChange => "change-none",
    };
    t!(id, size = size, from = from)
}

use crate::presentation::reading::above_mean;

fn card(viewer: &Viewer, result: &MeasureResult, reading: &Reading) -> Markup {
    let m = &result.measure;
    if !can_see(viewer, m) {
        return html! {
            article.card.restricted {
                h3 { (m.title) }
                p.muted { (t!("restricted")) ": " a href="/login" { (t!("sign-in-to-see-it")) } }
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
                p.muted { (crate::presentation::words::target_name(&t.name)) " " (m.format_value(t.value)) }
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
                &t!("restricted"),
                html! {
                    h1 { (t!("restricted-measure")) }
                    p { (t!("restricted-measure-is", title = title)) }
                    p { a.button href="/login" { (t!("sign-in")) } }
                },
            ),
            Refusal::Failed(message) => {
                (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
            }
            Refusal::AnalystsOnly => page(
                &self.viewing,
                StatusCode::UNAUTHORIZED,
                &t!("sign-in"),
                html! {
                    h1 { (t!("for-analysts")) }
                    p { (t!("commentary-by-analysts")) " " a.button href="/login" { (t!("sign-in")) } }
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
        None => t!("series-all"),
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
            p { a.button href={ "/measures/" (result.measure.id) "/commentary" } { (t!("write-commentary")) } }
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
            html lang=(snapshot.language.html_lang()) {
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
                            a href={ "/measures/" (m.id) } target="_top" { (t!("every-figure-of", title = m.title.as_str())) }
                            @if let Some(other) = twin_language(&viewing) {
                                " · " a href=(viewing.twin_address()) hreflang=(other.code()) lang=(other.html_lang()) { (other.own_name()) }
                            }
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
    let objective_name = t!("objective-number", number = m.objective);
    let home = t!("home");
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
            (crumbs(&[("/", &home), ("/priorities", &t!("peoples-priorities"))], None))
        } @else {
            (crumbs(&[("/", &home), (&objective, &objective_name)], m.theme.map(|t| t.title())))
        }
        h1 { (m.title) }
        // Descriptions are Markdown, as commentary is.
        div.lede { (crate::presentation::markdown::to_html(&m.description)) }
        @if let Some(targets) = crate::presentation::words::targets_declared(m) { p.targets { (targets) } }
        // A priority: who raised it and when, and what has happened since.
        @if let Some(p) = &m.priority {
            p.priority-meta {
                @let closed = if p.status == crate::definition::PriorityStatus::Closed { "yes" } else { "no" };
                @let on = crate::presentation::words::long_date(p.raised);
                @if p.raised_by.is_empty() {
                    (t!("priority-raised", area = p.area.as_str(), on = on, closed = closed))
                } @else {
                    (t!("priority-raised-by", area = p.area.as_str(), by = p.raised_by.as_str(), on = on, closed = closed))
                }
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
        @if !peers.is_empty() { p.peers { strong { (t!("compared-with-peers")) } " " (peers) } }
        // Series tabs: the total, then each breakdown.
        nav.tabs aria-label=(t!("series")) {
            a href={ "/measures/" (id) } aria-current=[query.breakdown.is_none().then_some("page")] { (t!("series-all")) }
            @for b in result.breakdown_names() {
                a href={ "/measures/" (id) "?breakdown=" (b) }
                    aria-current=[(query.breakdown.as_deref() == Some(b)).then_some("page")] {
                    (t!("by-breakdown", breakdown = b.replace('_', " ")))
                }
            }
        }
        @if let Some(b) = multiples {
            // Small multiples: every group of the breakdown, each linking to its own page.
            @let named: Vec<_> = result.breakdown(b).map(|s| (s, series_name(m, s))).collect();
            p.muted { (t!("same-scale")) }
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
        @if no_such_series { p.muted { (t!("no-such-series")) } }
        section.downloads {
            h2 { (t!("downloads")) }
            ul {
                li { a href={ "/data/" (open_data::csv_name(id)) } download { (t!("download-csv")) } }
                li {
                    a href={ "/data/" (open_data::metadata_name(id)) } download { (t!("download-csvw")) }
                }
                li { a href={ "/measures/" (id) "/figures.xlsx" } download { (t!("download-excel")) } }
                li { a href={ "/measures/" (id) "/chart.svg" (series_query) } download { (t!("download-svg")) } }
                // Drawn on request: the static site carries the SVG alone.
                @if !static_site {
                    li { a href={ "/measures/" (id) "/chart.png" (series_query) } download { (t!("download-png")) } }
                    li { a href={ "/api/measures/" (id) } { (t!("download-json")) } }
                }
            }
            @if m.access == Access::Public {
                p.muted { (t!("published-under")) " " a href="/data" { (t!("ogl")) } "." }
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
                " " a href="#figures" { (t!("every-figure-of-chart")) }
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
    let published = t!(
        "pack-on",
        pack = publication.pack.as_str(),
        on = chrono::NaiveDate::parse_from_str(&publication.published_on, "%Y-%m-%d")
            .map_or(publication.published_on.clone(), date)
    );
    if publication.snapshot == current.id {
        return html! {
            section.published {
                h2 { (t!("as-published")) }
                p { (t!("as-published-same", published = published)) }
            }
        };
    }
    let Ok(stored) = history.points(&publication.snapshot, &m.id) else {
        return html! {};
    };
    // Each period whose figure has changed: (period, as published, latest, difference).
    let shown = |v: Option<f64>, suppressed: bool| match v {
        Some(v) => m.format_value(v),
        None if suppressed => t!("suppressed-lower"),
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
                h2 { (t!("as-published-and-latest")) }
                p { (t!("as-published-unchanged", published = published)) }
            }
        };
    }
    let loaded = history
        .get(&publication.snapshot)
        .ok()
        .and_then(|s| s.loaded_at())
        .map_or_else(String::new, |t| date(t.date_naive()));
    html! {
        section.published {
            h2 { (t!("as-published-and-latest")) }
            p { (t!("as-published-restated", count = restated.len(), published = published, loaded = loaded)) }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (t!("period")) } th scope="col" { (t!("as-published")) }
                    th scope="col" { (t!("latest")) } th scope="col" { (t!("difference")) }
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
    // Each part says what one line or mark of the chart is.
    let mut parts = vec![t!("caption-line")];
    if series
        .points
        .iter()
        .any(|p| p.figures.as_ref().is_some_and(|f| f.interval.is_some()))
    {
        parts.push(t!("caption-band"));
    }
    if !series.spc.is_empty() {
        let chart = m
            .spc()
            .map_or(crate::definition::SpcChart::Xmr, |s| s.chart);
        parts.push(match chart {
            crate::definition::SpcChart::Xmr => t!("caption-limits-xmr"),
            prime => t!("caption-limits-prime", chart = prime.name()),
        });
        parts.push(chart::marks_said());
    }
    if m.peer_group.is_some() && series.breakdown.is_none() {
        parts.push(t!("caption-peer-line"));
    }
    if series.breakdown.is_none() && m.spc().is_some_and(|s| s.chart.between_events()) {
        parts.push(t!("caption-event-marks"));
    }
    if series.spc.len() > 1 {
        parts.push(t!("caption-break"));
    }
    for (i, target) in m.targets.iter().enumerate() {
        parts.push(t!(
            "caption-target",
            style = i % chart::TARGET_STYLES.len(),
            name = crate::presentation::words::lower_first(
                &crate::presentation::words::target_name(&target.name)
            ),
            stepping = if target.is_trajectory() { "yes" } else { "no" }
        ));
    }
    parts.push(t!("caption-table"));
    crate::presentation::words::upper_first(&parts.join("; ")) + "."
}

fn figures_table(m: &Measure, series: &Series) -> Markup {
    let denominator = m.kind.denominator_heading();
    html! {
        details.figures #figures open {
            summary { (t!("figures")) }
            div.table-wrap { table {
                caption {
                    (t!("every-point", title = m.title.as_str()))
                    @if let Some(g) = &series.group { " (" (m.group_name(g)) ")" }
                }
                thead { tr {
                    th scope="col" { (t!("period")) }
                    th scope="col" { (m.kind.numerator_heading()) }
                    @if let Some(h) = &denominator { th scope="col" { (h) } }
                    th scope="col" { (t!("value")) } th scope="col" { (t!("ci-95")) } th scope="col" { (t!("spc-signal")) }
                } }
                tbody {
                    @for p in series.points.iter().rev() {
                        @let f = p.figures.as_ref();
                        @let missing = if p.suppressed { t!("suppressed-lower") } else { "–".to_string() };
                        tr {
                            th scope="row" { (m.period_label(p.period)) }
                            td { (f.map_or(missing.to_string(), |f| crate::common::grouped(f.numerator as f64, 0))) }
                            @if denominator.is_some() {
                                td { (f.and_then(|f| f.denominator).map_or(missing.to_string(), |d| crate::common::grouped(d as f64, 0))) }
                            }
                            td { (f.and_then(|f| f.value).map_or(missing.to_string(), |v| m.format_value(v))) }
                            td {
                                @match f.and_then(|f| f.interval) {
                                    Some(i) => { (t!("range", lower = m.format_value(i.lower), upper = m.format_value(i.upper))) },
                                    None => (missing),
                                }
                            }
                            td { @if let Some(s) = p.signal { (crate::presentation::words::signal_name(s)) } }
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
            h2 { (t!("definition")) }
            details { summary { (t!("as-written-in", file = file)) } pre { code { (m.origin.text) } } }
            details { summary { (t!("compiles-to")) } pre { code { (sql) } } }
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
            h2 { (t!("provenance")) }
            p {
                // When these inputs were first evaluated (the snapshot's load), not
                // this evaluation's time: the same inputs give the same page.
                (t!("provenance-loaded", at = date_time(snapshot.evaluation.loaded_at()))) " "
                code title=(m.origin.sha256) { (m.origin.sha256[..12]) "…" }
                " (" (file_name(&m.origin.path)) ") " (t!("provenance-and-extracts"))
            }
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (t!("source")) } th scope="col" { (t!("file")) } th scope="col" { "SHA-256" } th scope="col" { (t!("rows")) }
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
                                    (t!("rows-rejected", rejected = e.rows_rejected, all = e.rows_loaded + e.rows_rejected, source = e.source.as_str()))
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
        (crumbs(&[("/", &t!("home"))], Some(&t!("open-data"))))
        h1 { (t!("open-data")) }
        p.lede {
            (t!("open-data-lede", publisher = publisher.name.as_str())) " "
            // Written out: the licence is read where the figures are used, and the site links nowhere else.
            strong { (t!("ogl")) } " (" code { (open_data::LICENCE) } ")."
        }
        p { (t!("open-data-csvw")) }
        @if !static_site {
            p { (t!("open-data-api")) " " a href="/api" { (t!("api")) } }
        }
        div.table-wrap tabindex="0" role="region" aria-label=(t!("downloads")) { table {
            caption { (t!("downloads-by-measure")) }
            thead { tr {
                th scope="col" { (t!("measure")) } th scope="col" { (t!("covers")) }
                th scope="col" { "CSV" } th scope="col" { (t!("metadata")) } th scope="col" { "Excel" }
            } }
            tbody {
                @for result in &public {
                    @let m = &result.measure;
                    tr {
                        th scope="row" { a href={ "/measures/" (m.id) } { (m.title) } }
                        td {
                            @if let Some((from, to)) = dataset(snapshot, result).coverage() {
                                (t!("range", lower = crate::presentation::words::long_date(from), upper = crate::presentation::words::long_date(to)))
                            }
                        }
                        td { a href={ "/data/" (open_data::csv_name(&m.id)) } download { (open_data::csv_name(&m.id)) } }
                        td { a href={ "/data/" (open_data::metadata_name(&m.id)) } download { (t!("metadata-of", title = m.title.as_str())) } }
                        td { a href={ "/measures/" (m.id) "/figures.xlsx" } download { (t!("workbook-of", title = m.title.as_str())) } }
                    }
                }
            }
        } }
    };
    page(&viewing, StatusCode::OK, &t!("open-data"), body)
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
    page(&viewing, StatusCode::OK, &t!("sign-in"), login_body(None))
}

fn login_body(error: Option<&str>) -> Markup {
    html! {
        h1 { (t!("analyst-sign-in")) }
        p { (t!("sign-in-needs-token")) }
        @if let Some(error) = error { p.error role="alert" { (error) } }
        form method="post" action="/login" class="login" {
            label for="token" { (t!("access-token")) }
            input #token name="token" type="password" autocomplete="current-password" required;
            button type="submit" { (t!("sign-in")) }
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
        SignIn::Refused => (StatusCode::UNAUTHORIZED, t!("token-not-recognised"), None),
        SignIn::Throttled(wait) => (
            StatusCode::TOO_MANY_REQUESTS,
            t!("too-many-sign-ins", seconds = wait.as_secs().max(1)),
            Some(wait.as_secs().max(1)),
        ),
    };
    let (status, message, retry_after) = refusal;
    let mut response = page(&viewing, status, &t!("sign-in"), login_body(Some(&message)));
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
        ("GET /api/measures", "api-measures"),
        ("GET /api/measures/{id}", "api-measure"),
        ("GET /api/status", "api-status"),
        ("POST /api/reload", "api-reload"),
        ("GET /measures/{id}/data.csv", "api-data-csv"),
        ("GET /measures/{id}/figures.xlsx", "api-figures-xlsx"),
    ];
    let body = html! {
        h1 { (t!("data-and-api")) }
        p.lede { (t!("api-lede")) " " code { "Authorization: Bearer <token>" } "." }
        table {
            thead { tr { th scope="col" { (t!("request")) } th scope="col" { (t!("returns")) } } }
            tbody {
                @for (request, returns) in requests { tr { td { code { (request) } } td { (t!(returns)) } } }
                tr {
                    td { code { "GET /measures/{id}/chart.svg[?breakdown=B&group=G]" } }
                    td { (t!("api-chart")) }
                }
            }
        }
        h2 { (t!("results-columns")) }
        p {
            code { "measure_id, period_start, period_end, breakdown, group, numerator, denominator, value, ci_lower, ci_upper, suppressed, spc_mean, spc_lower, spc_upper, spc_signal" }
            ". " (t!("results-columns-units"))
        }
    };
    page(&viewing, StatusCode::OK, &t!("data-and-api"), body)
}

fn not_found_page(viewing: &Viewing) -> Response {
    page(
        viewing,
        StatusCode::NOT_FOUND,
        &t!("not-found"),
        html! { h1 { (t!("page-not-found")) } p { a href="/" { (t!("back-to-dashboard")) } } },
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
        (crumbs(&[("/", &t!("home")), (&href, &m.title)], Some(&t!("commentary"))))
        h1 { (t!("commentary-on", period = m.period_label(latest.period))) }
        p.lede {
            (m.title) ". " (t!("commentary-markdown")) " "
            code { (file.display()) } "; " (t!("commentary-version-kept"))
        }
        form method="post" action={ (href) "/commentary" } class="commentary-form" {
            input type="hidden" name="form_token" value=(token);
            label for="text" { (t!("commentary")) }
            textarea #text name="text" rows="14" { (text) }
            button type="submit" { (t!("save")) }
        }
    };
    Ok(page(&viewing, StatusCode::OK, &t!("commentary"), body))
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
    // Written from a Welsh page, it is the Welsh commentary.
    let language = match viewing.snapshot.language {
        Language::English => "",
        Language::Welsh => ".cy",
    };
    dir.join(month.to_string())
        .join(format!("{}{language}.md", m.id))
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
