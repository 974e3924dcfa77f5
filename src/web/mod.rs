//! The dashboard: an axum app over results held in memory. Pages render from
//! the current snapshot (no query per request); a background task re-evaluates
//! when definitions or extracts change and swaps the snapshot in atomically,
//! keeping the last good one when an evaluation fails.

pub mod accessibility;
pub mod alerts;
mod api;
pub mod auth;
mod cache;
pub mod pages;
pub mod publish;

// By its earlier path, for the library's users.
pub use crate::presentation::chart;

use crate::common::language::Language;
use crate::definition::MeasureSet;
use crate::definition::dashboards::Plan;
use crate::evaluation::pipeline::Evaluation;
use crate::presentation::reading::Reading;
use auth::{TokenStore, Viewer};
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// Where the app reads from.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Extracts folder; `None` for the embedded demo data.
    pub data: Option<PathBuf>,
    /// Snapshots folder: every evaluation kept there, and "as published" read from it.
    pub snapshots: Option<PathBuf>,
    pub measures: PathBuf,
    pub dashboards: PathBuf,
    pub max_reject_share: Option<f64>,
}

/// What `mos serve` is asked beyond its folders.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Sources whose extracts may have lost rows or months since the last
    /// snapshot (see [`crate::evaluation::history::History::check_not_shrunk`]).
    pub accept_smaller: Vec<String>,
    /// The commentary folder, where not `commentary/` in the project's root.
    pub commentary: Option<PathBuf>,
    /// How long the watched files must stay unchanged before a change is
    /// evaluated: an export copied in with pauses is never read half done.
    pub settle: std::time::Duration,
}

/// One complete evaluation, with everything pages need.
pub struct Snapshot {
    pub measures: MeasureSet,
    pub evaluation: Evaluation,
    pub readings: HashMap<String, Reading>,
    /// Each measure's grade, by the Plan's rules (see [`crate::presentation::grade`]).
    pub grades: HashMap<String, crate::presentation::grade::Graded>,
    pub plan: Plan,
    /// The language its pages are written in.
    pub language: Language,
    /// The languages the force writes in (`data/force.toml`).
    pub languages: Vec<Language>,
    /// The same snapshot in Welsh: the same figures, with the measures'
    /// Welsh text, made on the first Welsh request.
    welsh: std::sync::OnceLock<Arc<Snapshot>>,
    /// Rendered page bodies, by page: a snapshot never changes, so neither do they.
    rendered: cache::Cache<Arc<str>>,
    /// Charts as SVG and PNG, and workbooks, for the same reason.
    charts: cache::Cache<Arc<[u8]>>,
}

/// What a snapshot keeps of its pages, and of its charts and workbooks: with
/// a funnel month, a breakdown and a group in each measure page's address,
/// there are far more than are ever asked for.
const PAGE_CACHE_BYTES: usize = 64 << 20;
const CHART_CACHE_BYTES: usize = 96 << 20;

impl Snapshot {
    /// A snapshot of `evaluation`, read and graded in `language`.
    fn new(
        measures: MeasureSet,
        evaluation: Evaluation,
        plan: Plan,
        language: Language,
    ) -> Snapshot {
        crate::common::language::in_language(language, || {
            let readings: HashMap<String, Reading> = evaluation
                .results
                .iter()
                .map(|r| (r.measure.id.clone(), crate::presentation::reading::read(r)))
                .collect();
            let grades = evaluation
                .results
                .iter()
                .map(|r| {
                    let graded = crate::presentation::grade::grade(
                        r,
                        &readings[&r.measure.id],
                        &plan.grading,
                    );
                    (r.measure.id.clone(), graded)
                })
                .collect();
            Snapshot {
                languages: measures.catalog.force().languages.clone(),
                measures,
                evaluation,
                readings,
                grades,
                plan,
                language,
                welsh: std::sync::OnceLock::new(),
                rendered: cache::Cache::new(PAGE_CACHE_BYTES),
                charts: cache::Cache::new(CHART_CACHE_BYTES),
            }
        })
    }

    /// This snapshot in `language`: itself in English, its Welsh twin (the
    /// same results, each measure with its Welsh text) in Welsh.
    pub fn in_language(self: &Arc<Self>, language: Language) -> Arc<Snapshot> {
        if language == self.language {
            return self.clone();
        }
        self.welsh
            .get_or_init(|| {
                let measures = self.measures.with_measures(
                    self.measures
                        .measures
                        .iter()
                        .map(|m| m.in_language(language))
                        .collect(),
                );
                let mut evaluation = self.evaluation.clone();
                for result in &mut evaluation.results {
                    result.measure = result.measure.in_language(language);
                }
                Arc::new(Snapshot::new(
                    measures,
                    evaluation,
                    self.plan.in_language(language),
                    language,
                ))
            })
            .clone()
    }

    /// The cached rendering of `key`, made by `render` the first time.
    pub fn rendered(
        &self,
        key: String,
        render: impl FnOnce() -> maud::Markup,
    ) -> maud::PreEscaped<Arc<str>> {
        let body = self
            .rendered
            .get_or_make(&key, || Some(render().0.into()))
            .expect("a page always renders");
        maud::PreEscaped(body)
    }

    /// The chart (or workbook) kept under `key`, if it has been made.
    pub fn chart(&self, key: &str) -> Option<Arc<[u8]>> {
        self.charts.get(key)
    }

    /// The chart (or workbook) under `key`, made by `make` once: requests
    /// that come while it is made wait for it. Slow makers run on a
    /// blocking thread.
    pub fn chart_or_make(
        &self,
        key: &str,
        make: impl FnOnce() -> Option<Vec<u8>>,
    ) -> Option<Arc<[u8]>> {
        self.charts.get_or_make(key, || make().map(Into::into))
    }

    /// As [`Snapshot::chart_or_make`], for what is slow to make (a PNG, a
    /// workbook): made on a blocking thread, never the server's.
    pub async fn made_off_thread(
        self: &Arc<Self>,
        key: String,
        make: impl FnOnce(&Snapshot) -> Option<Vec<u8>> + Send + 'static,
    ) -> Option<Arc<[u8]>> {
        if let Some(made) = self.chart(&key) {
            return Some(made);
        }
        let snapshot = self.clone();
        tokio::task::spawn_blocking(move || snapshot.chart_or_make(&key, || make(&snapshot)))
            .await
            .ok()
            .flatten()
    }

    pub fn result(&self, id: &str) -> Option<&crate::engine::MeasureResult> {
        self.evaluation.results.iter().find(|r| r.measure.id == id)
    }

    /// The board's rows for the measures `ids` that `viewer` may see, in order.
    pub fn graded_rows<'a>(
        &'a self,
        ids: impl Iterator<Item = &'a str>,
        viewer: &Viewer,
    ) -> Vec<crate::presentation::grade::Row<'a>> {
        ids.filter_map(|id| {
            let result = self.result(id)?;
            if !pages::can_see(viewer, &result.measure) {
                return None;
            }
            Some(crate::presentation::grade::Row {
                result,
                reading: self.readings.get(id)?,
                graded: self.grades.get(id)?,
                href: format!("/measures/{id}"),
            })
        })
        .collect()
    }
}

/// What every handler starts from: the app, the snapshot it answers from
/// (taken once, so a reload during the request changes nothing), and who is
/// asking (by bearer token or session).
#[derive(Clone)]
pub struct Viewing {
    pub state: Arc<AppState>,
    pub snapshot: Arc<Snapshot>,
    pub viewer: Viewer,
    /// The page is for the static site `mos publish` writes: the public's
    /// pages, with nothing that needs the server (sign-in, the API, forms).
    pub static_site: bool,
    /// The address of the same page in English (its path and query), from
    /// which the page links to its twin in the other language.
    pub english_address: String,
}

impl Viewing {
    /// The address of this page in the other language: `/cy/…` for an English
    /// page, the English one for a Welsh page.
    pub fn twin_address(&self) -> String {
        match self.snapshot.language {
            Language::English => format!("/cy{}", self.english_address),
            Language::Welsh => self.english_address.clone(),
        }
    }
}

/// Marks a request `mos publish` makes of the app in-process for a page of
/// the static site, with the snapshot every page of the site is drawn from
/// (a reload while it is written changes none of them). A client's request
/// cannot carry it: extensions are set only in the process.
#[derive(Clone)]
pub struct StaticSite(pub Arc<Snapshot>);

impl axum::extract::FromRequestParts<Arc<AppState>> for Viewing {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        // Bearer tokens are throttled as sign-ins are: five wrong in a minute
        // from a client, and it waits.
        let client = client_of(&parts.extensions);
        let viewer = state
            .tokens
            .viewer_of(&parts.headers, &client)
            .map_err(|wait| {
                let seconds = wait.as_secs().max(1);
                (
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    [(axum::http::header::RETRY_AFTER, seconds.to_string())],
                    format!("Too many wrong tokens from here: try again in {seconds} seconds.\n"),
                )
                    .into_response()
            })?;
        let site = parts.extensions.get::<StaticSite>();
        let static_site = site.is_some();
        let language = parts
            .extensions
            .get::<Language>()
            .copied()
            .unwrap_or_default();
        let english_address = parts
            .uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string());
        Ok(Viewing {
            state: state.clone(),
            snapshot: site
                .map_or_else(|| state.snapshot(), |s| s.0.clone())
                .in_language(language),
            english_address,
            // The static site is the public's, whoever publishes it.
            viewer: if static_site { Viewer::Public } else { viewer },
            static_site,
        })
    }
}

/// Who a request comes from, for throttling: its peer's address (behind a
/// reverse proxy, the proxy's, so the throttle is shared, which still stops
/// a guessing run).
pub fn client_of(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or("unknown".to_string(), |c| c.0.ip().to_string())
}

/// Why the dashboard could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The first evaluation failed: there is nothing to show.
    #[error(transparent)]
    Evaluation(#[from] crate::Error),
    #[error(transparent)]
    Schedule(#[from] crate::report::schedule::ScheduleError),
    #[error(transparent)]
    Alerts(#[from] alerts::AlertsError),
}

/// A failed evaluation, shown to analysts while the last good results stay up.
#[derive(Debug, Clone)]
pub struct Failure {
    pub at: chrono::DateTime<chrono::Utc>,
    pub message: String,
}

/// The outcome of a scheduled pack, shown to analysts when it failed.
#[derive(Debug, Clone)]
pub struct ScheduleRun {
    pub schedule: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub outcome: Result<Vec<PathBuf>, String>,
}

pub struct AppState {
    pub config: ServeConfig,
    pub options: ServeOptions,
    /// Who hears about what (`dashboards/alerts.toml`).
    pub alerts: alerts::Alerts,
    pub schedules: Vec<crate::report::schedule::Schedule>,
    schedule_runs: RwLock<Vec<ScheduleRun>>,
    snapshot: RwLock<Arc<Snapshot>>,
    failure: RwLock<Option<Failure>>,
    pub tokens: TokenStore,
    reloading: tokio::sync::Mutex<()>,
    /// The watched files as they were just before the current results were
    /// evaluated: a change made during an evaluation still counts as a change.
    evaluated_files: std::sync::Mutex<Vec<WatchedFile>>,
    /// Keeps the demo data folder alive while the app runs.
    _demo: Option<tempfile::TempDir>,
}

impl AppState {
    /// Evaluates once; fails if the first evaluation fails (there is nothing to show).
    pub async fn new(config: ServeConfig, tokens: TokenStore) -> Result<Arc<AppState>, StartError> {
        AppState::with_options(config, tokens, ServeOptions::default()).await
    }

    /// [`AppState::new`], with options.
    pub async fn with_options(
        config: ServeConfig,
        tokens: TokenStore,
        options: ServeOptions,
    ) -> Result<Arc<AppState>, StartError> {
        let demo = match config.data {
            None => {
                let declarations = crate::ingest::Declarations::load(std::path::Path::new("."))
                    .map_err(crate::Error::from)?;
                Some(tokio::task::block_in_place(|| {
                    crate::evaluation::pipeline::demo_data(&declarations)
                })?)
            }
            Some(_) => None,
        };
        let config = ServeConfig {
            data: Some(
                config
                    .data
                    .clone()
                    .unwrap_or_else(|| demo.as_ref().expect("demo").path().to_path_buf()),
            ),
            ..config
        };
        let files = watched_files(&config, &options);
        let snapshot = build_snapshot(&config, &options).await?;
        let schedules = crate::report::schedule::load(&config.dashboards)?;
        let alerts = alerts::Alerts::new(
            alerts::load(&config.dashboards)?,
            config.snapshots.as_deref(),
        );
        let state = Arc::new(AppState {
            alerts,
            schedules,
            schedule_runs: RwLock::new(Vec::new()),
            config,
            options,
            snapshot: RwLock::new(Arc::new(snapshot)),
            failure: RwLock::new(None),
            tokens,
            reloading: tokio::sync::Mutex::new(()),
            evaluated_files: std::sync::Mutex::new(files),
            _demo: demo,
        });
        state.alert_on(&state.snapshot()).await;
        Ok(state)
    }

    /// Tells the alert channels of what the evaluation in `snapshot` brought.
    async fn alert_on(&self, snapshot: &Snapshot) {
        let events = self.alerts.events_of(snapshot);
        self.alerts.send(events).await;
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().expect("snapshot lock").clone()
    }

    pub fn failure(&self) -> Option<Failure> {
        self.failure.read().expect("failure lock").clone()
    }

    /// Re-evaluates and swaps the results in; on failure keeps them and records why.
    pub async fn reload(self: &Arc<Self>) -> Result<(), crate::Error> {
        let _one_at_a_time = self.reloading.lock().await;
        *self.evaluated_files.lock().expect("watched files lock") =
            watched_files(&self.config, &self.options);
        match build_snapshot(&self.config, &self.options).await {
            Ok(snapshot) => {
                let snapshot = Arc::new(snapshot);
                *self.snapshot.write().expect("snapshot lock") = snapshot.clone();
                *self.failure.write().expect("failure lock") = None;
                self.alert_on(&snapshot).await;
                // The public site follows each load where a schedule says so.
                for (i, schedule) in self.schedules.iter().enumerate() {
                    if schedule.spec.after_load {
                        let state = self.clone();
                        tokio::spawn(async move {
                            let _ = state.run_schedule(&state.schedules[i]).await;
                        });
                    }
                }
                Ok(())
            }
            Err(error) => {
                *self.failure.write().expect("failure lock") = Some(Failure {
                    at: chrono::Utc::now(),
                    message: error.to_string(),
                });
                Err(error)
            }
        }
    }

    /// The last run of each schedule that failed (and has not succeeded since).
    pub fn failed_schedules(&self) -> Vec<ScheduleRun> {
        let runs = self.schedule_runs.read().expect("schedule runs lock");
        let mut latest: Vec<ScheduleRun> = Vec::new();
        for run in runs.iter() {
            latest.retain(|r| r.schedule != run.schedule);
            latest.push(run.clone());
        }
        latest.into_iter().filter(|r| r.outcome.is_err()).collect()
    }

    /// Writes a schedule's packs (or its static site) from the current
    /// results, and records how it went.
    pub async fn run_schedule(
        self: &Arc<Self>,
        schedule: &crate::report::schedule::Schedule,
    ) -> Result<Vec<PathBuf>, String> {
        let outcome = if schedule.spec.site {
            publish::publish(self.clone(), &schedule.spec.out)
                .await
                .map(|_| vec![schedule.spec.out.clone()])
                .map_err(|e| e.to_string())
        } else {
            self.write_packs(schedule).await
        };
        self.record_run(schedule, outcome).await
    }

    async fn write_packs(
        &self,
        schedule: &crate::report::schedule::Schedule,
    ) -> Result<Vec<PathBuf>, String> {
        let snapshot = self.snapshot();
        let options = crate::report::PackOptions {
            objectives: schedule.spec.objectives.clone(),
            period: None,
            as_of: None,
            pdf_with: if schedule.spec.pdf {
                crate::report::pdf::chromium()
            } else {
                None
            },
            pdf_timeout: None,
            public: schedule.spec.public,
            language: Language::English,
        };
        let out = schedule.spec.out.clone();
        let history = self
            .config
            .snapshots
            .clone()
            .map(crate::evaluation::history::History::new);
        tokio::task::spawn_blocking(move || {
            // A pack in each language the force writes in.
            let mut packs = Vec::new();
            for &language in &snapshot.languages {
                let options = crate::report::PackOptions {
                    language,
                    ..options.clone()
                };
                packs.extend(
                    crate::report::write_packs(
                        &snapshot.evaluation,
                        &snapshot.plan,
                        &out,
                        &options,
                    )
                    .map_err(|e| e.to_string())?,
                );
            }
            if let Some(history) = &history {
                for pack in &packs {
                    crate::report::record_publication(history, &snapshot.evaluation, pack, None)
                        .map_err(|e| e.to_string())?;
                }
            }
            Ok(packs)
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
    }

    /// Logs a schedule's run, alerts on its failure, and keeps it for the
    /// analysts' notices.
    async fn record_run(
        &self,
        schedule: &crate::report::schedule::Schedule,
        outcome: Result<Vec<PathBuf>, String>,
    ) -> Result<Vec<PathBuf>, String> {
        match &outcome {
            Ok(packs) => tracing::info!(
                schedule = %schedule.spec.name,
                packs = packs.len(),
                "scheduled packs written"
            ),
            Err(e) => {
                tracing::error!(
                    schedule = %schedule.spec.name,
                    error = %e,
                    "scheduled pack failed; earlier packs are untouched"
                );
                let event = alerts::pack_failed(&schedule.spec.name, chrono::Utc::now(), e);
                self.alerts.send(vec![event]).await;
            }
        }
        self.schedule_runs
            .write()
            .expect("schedule runs lock")
            .push(ScheduleRun {
                schedule: schedule.spec.name.clone(),
                at: chrono::Utc::now(),
                outcome: outcome.clone(),
            });
        outcome
    }
}

/// Evaluates the measures over `config.data`, which is resolved by then.
async fn build_snapshot(
    config: &ServeConfig,
    options: &ServeOptions,
) -> Result<Snapshot, crate::Error> {
    let data_dir = config.data.as_deref().expect("resolved at start");
    let measures = match &options.commentary {
        Some(dir) => crate::evaluation::pipeline::load_definitions(&config.measures)?
            .with_commentary(dir)
            .map_err(crate::Error::from)?,
        None => crate::evaluation::pipeline::load_measures(&config.measures)?,
    };
    let plan =
        crate::definition::dashboards::load_plan(&config.dashboards, &measures).map_err(|e| {
            crate::Error::Definition(crate::definition::DefinitionError::Invalid(vec![
                crate::definition::Diagnostic::whole_file(
                    &config.dashboards.join("plan.toml"),
                    e.to_string(),
                ),
            ]))
        })?;
    let started = std::time::Instant::now();
    let (mut evaluation, _) = {
        let kept_work = config
            .snapshots
            .as_deref()
            .map(crate::evaluation::history::History::kept_work_dir);
        let printed = match &config.snapshots {
            Some(dir) => crate::evaluation::history::History::new(dir)
                .printed()
                .map_err(crate::evaluation::pipeline::Error::from)?,
            None => Vec::new(),
        };
        crate::evaluation::pipeline::evaluate(
            &measures,
            data_dir,
            config.max_reject_share,
            kept_work.as_deref(),
            &printed,
            &|_| {},
        )
        .await?
    };
    if let Some(dir) = &config.snapshots {
        let history = crate::evaluation::history::History::new(dir);
        // An extract cut short is held back: the last good results stay live.
        history
            .check_not_shrunk(&evaluation, &options.accept_smaller)
            .map_err(crate::evaluation::pipeline::Error::from)?;
        // The dashboard still shows new figures when they cannot be kept; analysts are told.
        if let Err(e) = evaluation.record_in(&history) {
            evaluation.warnings.push(e.to_string());
        }
    }
    // What was evaluated, in aggregate: never a row or an identifier.
    tracing::info!(
        measures = evaluation.results.len(),
        extracts = evaluation.extracts.len(),
        rows = evaluation
            .extracts
            .iter()
            .map(|e| e.rows_loaded)
            .sum::<u64>(),
        rejected = evaluation
            .extracts
            .iter()
            .map(|e| e.rows_rejected)
            .sum::<u64>(),
        from_kept_work = evaluation.from_kept_work,
        snapshot = evaluation.snapshot_id().unwrap_or_default(),
        millis = started.elapsed().as_millis() as u64,
        "evaluated"
    );
    for warning in &evaluation.warnings {
        tracing::warn!(warning = %warning, "evaluation");
    }
    Ok(Snapshot::new(measures, evaluation, plan, Language::English))
}

/// A watched file: its path, size and time of last change.
type WatchedFile = (PathBuf, u64, Option<SystemTime>);

/// Every file under the watched folders (and their sub-folders, as police.uk's
/// `YYYY-MM/` ones) with its size and time: any difference, a file added,
/// changed or removed, means reload.
fn watched_files(config: &ServeConfig, options: &ServeOptions) -> Vec<WatchedFile> {
    fn visit(dir: &std::path::Path, depth: u8, files: &mut Vec<WatchedFile>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() && depth > 0 {
                visit(&entry.path(), depth - 1, files);
            } else if meta.is_file() {
                files.push((entry.path(), meta.len(), meta.modified().ok()));
            }
        }
    }
    let mut files = Vec::new();
    // A board pack published (by `mos report` or a schedule) changes what
    // measure pages show as "as published".
    if let Some(published) = config.snapshots.as_ref().map(|d| d.join("published.json"))
        && let Ok(meta) = std::fs::metadata(&published)
    {
        files.push((published, meta.len(), meta.modified().ok()));
    }
    // The project's declarations of its force and sources, and the commentary.
    let declared = std::path::PathBuf::from("data");
    let commentary = options
        .commentary
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::definition::commentary::DIR));
    for dir in [
        config.data.as_ref(),
        Some(&config.measures),
        Some(&config.dashboards),
        Some(&declared),
        Some(&commentary),
    ]
    .into_iter()
    .flatten()
    {
        visit(dir, 1, &mut files);
    }
    files.sort();
    files
}

/// Whether to reload: the files differ from what the current results were
/// evaluated from, and have settled (the same at two polls, and for at least
/// the settle time), so that a file still being copied is never read half-way.
fn ready_to_reload(
    now: &[WatchedFile],
    last_poll: Option<&[WatchedFile]>,
    evaluated: &[WatchedFile],
    unchanged_for: std::time::Duration,
    settle: std::time::Duration,
) -> bool {
    now != evaluated && last_poll == Some(now) && unchanged_for >= settle
}

/// The longest a poll of the files may take (a tokens file or a folder on a
/// hung network share): the server goes on answering, and the poll is skipped.
const POLL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Polls the folders every `every` and reloads once they differ from what the
/// current results were evaluated from and have stopped changing for the
/// settle time. The files are read on a blocking thread, never the server's.
pub fn spawn_watcher(state: Arc<AppState>, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut last_poll: Option<Vec<WatchedFile>> = None;
        let mut changed_at = std::time::Instant::now();
        loop {
            tokio::time::sleep(every).await;
            let polling = {
                let state = state.clone();
                tokio::task::spawn_blocking(move || {
                    (
                        state.tokens.reread_if_changed(),
                        watched_files(&state.config, &state.options),
                    )
                })
            };
            let (tokens, now) = match tokio::time::timeout(POLL_TIMEOUT, polling).await {
                Ok(Ok(polled)) => polled,
                Ok(Err(error)) => {
                    tracing::error!(%error, "polling the files failed");
                    continue;
                }
                Err(_) => {
                    tracing::error!("polling the files took longer than {POLL_TIMEOUT:?}: skipped");
                    continue;
                }
            };
            match tokens {
                Some(Ok(())) => tracing::info!("tokens file read again: its tokens hold from now"),
                Some(Err(e)) => {
                    tracing::error!(error = %e, "tokens file not read: no analyst token works until it is mended")
                }
                None => {}
            }
            if last_poll.as_deref() != Some(&now[..]) {
                changed_at = std::time::Instant::now();
            }
            let ready = ready_to_reload(
                &now,
                last_poll.as_deref(),
                &state.evaluated_files.lock().expect("watched files lock"),
                changed_at.elapsed(),
                state.options.settle,
            );
            last_poll = Some(now);
            if ready {
                // A failed evaluation records the files too, so it is not retried
                // until something changes again.
                if let Err(error) = state.reload().await {
                    tracing::error!(%error, "re-evaluation failed; the last good results stay live");
                } else {
                    tracing::info!("re-evaluated after a change on disk");
                }
            }
        }
    });
}

/// The app's routes, for `serve` and for tests (which call it without a socket).
pub fn app(state: Arc<AppState>) -> Router {
    routes(state)
        .layer(tower_http::compression::CompressionLayer::new())
        // One line per request, at `info`: the span, the status and the time taken.
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Millis),
                ),
        )
}

/// The pages and their headers, without the server's compression and
/// request log: what `mos publish` asks for the static site.
pub fn routes(state: Arc<AppState>) -> Router {
    let pages = pages_router();
    // Every page again below `/cy/`, in Welsh.
    Router::new()
        .nest(
            "/cy",
            pages.clone().layer(axum::middleware::from_fn(in_welsh)),
        )
        // The Welsh home page, as its links write it (a nest answers `/cy` alone).
        .route(
            "/cy/",
            get(pages::home).layer(axum::middleware::from_fn(in_welsh)),
        )
        .merge(pages)
        .route(
            "/assets/style.css",
            get(|| async { asset("text/css; charset=utf-8", include_str!("assets/style.css")) }),
        )
        .route(
            "/assets/app.js",
            get(|| async {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("assets/app.js"),
                )
            }),
        )
        .route(
            "/assets/favicon.svg",
            get(|| async { asset("image/svg+xml", include_str!("assets/favicon.svg")) }),
        )
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(same_origin_only))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Answers a request below `/cy/` in Welsh: the page is written in Welsh,
/// and every link and form on it that leads to another page leads to that
/// page's Welsh address, so the language is kept while browsing. A link to
/// the other language (`hreflang`) and the assets are left as they are.
async fn in_welsh(
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    request.extensions_mut().insert(Language::Welsh);
    // The page's English address: a nest has taken `/cy` off already; the
    // home page's own route has not.
    if let Some(english) = request
        .uri()
        .path_and_query()
        .and_then(|p| p.as_str().strip_prefix("/cy"))
        .and_then(|rest| match rest {
            "" | "/" => Some(axum::http::Uri::from_static("/")),
            rest if rest.starts_with('/') => rest.parse().ok(),
            _ => None,
        })
    {
        *request.uri_mut() = english;
    }
    let response =
        crate::common::language::in_language_async(Language::Welsh, next.run(request)).await;
    let (mut parts, body) = response.into_parts();
    if let Some(location) = parts
        .headers
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        && location.starts_with('/')
        && let Ok(welsh) = header::HeaderValue::from_str(&format!("/cy{location}"))
    {
        parts.headers.insert(header::LOCATION, welsh);
    }
    let is_html = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    if !is_html {
        return axum::response::Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = welsh_links(&String::from_utf8_lossy(&bytes));
    parts.headers.remove(header::CONTENT_LENGTH);
    axum::response::Response::from_parts(parts, axum::body::Body::from(page))
}

/// `href="/measures/x"` becomes `href="/cy/measures/x"`, and `action` alike,
/// except in a tag that names its language (`hreflang`: the English twin)
/// and for `/assets/`. maud escapes `"` in text, so a quote and a slash after
/// `href=` opens an address and nothing else.
fn welsh_links(page: &str) -> String {
    let mut out = String::with_capacity(page.len() + 1024);
    let mut done = 0;
    for (at, _) in page.match_indices("=\"/") {
        let value = at + 2;
        let attribute_start = page[..at].rfind(' ').map_or(0, |s| s + 1);
        let attribute = &page[attribute_start..at];
        if !matches!(attribute, "href" | "action") {
            continue;
        }
        let tag_end = at + page[at..].find('>').unwrap_or(page.len() - at);
        let tag = &page[page[..at].rfind('<').unwrap_or(0)..tag_end];
        let rest = &page[value..];
        if tag.contains("hreflang=") || rest.starts_with("/assets/") || rest.starts_with("//") {
            continue;
        }
        out.push_str(&page[done..value]);
        out.push_str("/cy");
        done = value;
    }
    out.push_str(&page[done..]);
    out
}

/// The pages, in whichever language the request is answered in.
fn pages_router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(pages::home))
        .route("/objectives/{number}", get(pages::objective))
        .route("/priorities", get(pages::priorities))
        .route("/accessibility", get(pages::accessibility))
        .route("/measures/{id}", get(pages::measure))
        .route(
            "/measures/{id}/commentary",
            get(pages::commentary_form).post(pages::save_commentary),
        )
        .route("/measures/{id}/chart.svg", get(pages::chart_svg))
        .route("/measures/{id}/chart.png", get(pages::chart_png))
        .route("/measures/{id}/data.csv", get(pages::data_csv))
        .route("/measures/{id}/figures.xlsx", get(pages::data_xlsx))
        .route("/embed/measures/{id}", get(pages::embed))
        .route("/data", get(pages::open_data))
        .route("/data/{file}", get(pages::open_data_file))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/api", get(pages::api_docs))
        .route("/api/measures", get(api::measures))
        .route("/api/measures/{id}", get(api::measure))
        .route("/api/priorities", get(api::priorities))
        .route("/api/status", get(api::status))
        .route("/health", get(api::health))
        .route("/api/reload", post(api::reload))
}

fn asset(content_type: &'static str, body: &'static str) -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

/// The span of a request's log line: method and path (never the query, nor
/// any header: no token or cookie is logged).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// A request that changes something (sign-in, sign-out, reload) must come
/// from the dashboard's own pages: a browser names the page's origin, and one
/// that is not this host is refused (tools that send no `Origin`, with a
/// bearer token, are not browsers acting for someone else).
async fn same_origin_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let method = request.method();
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        let headers = request.headers();
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_host = headers
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .map(|o| o.split_once("://").map_or(o, |(_, rest)| rest));
        let cross_site = headers
            .get("sec-fetch-site")
            .is_some_and(|v| v == "cross-site");
        let foreign = match origin_host {
            Some(origin) => Some(origin) != host,
            None => false,
        };
        if cross_site || foreign {
            return (
                axum::http::StatusCode::FORBIDDEN,
                "a request from another site is refused",
            )
                .into_response();
        }
    }
    next.run(request).await
}

/// On a response that the office's website may frame (an embed): the
/// origins the Plan allows (`[publish] embed_origins`); none may when empty.
#[derive(Debug, Clone)]
pub struct FrameAncestors(pub Vec<String>);

/// Every response: no inline script, no sniffing, no framing (but an embed
/// by the Plan's origins), no referrer.
/// What is not a static asset differs by viewer (restricted measures, analyst
/// views), so no cache may keep it or hand one viewer's copy to another.
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    let framers = response
        .extensions()
        .get::<FrameAncestors>()
        .map(|f| f.0.join(" "))
        .filter(|origins| !origins.is_empty());
    let headers = response.headers_mut();
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Cookie, Authorization"),
        );
    }
    let policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'";
    // The origins were checked as the Plan was read: nothing in them can end
    // the directive. X-Frame-Options has no list of origins, so an embed
    // that may be framed goes without it.
    let framing = match &framers {
        Some(origins) => {
            HeaderValue::from_str(&format!("{policy}; frame-ancestors {origins}")).ok()
        }
        None => None,
    };
    match framing {
        Some(allowed) => {
            headers.insert(header::CONTENT_SECURITY_POLICY, allowed);
        }
        None => {
            headers.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&format!("{policy}; frame-ancestors 'none'"))
                    .expect("a static policy"),
            );
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Runs each schedule at its times, for as long as the server runs.
pub fn spawn_schedules(state: Arc<AppState>) {
    for (i, schedule) in state.schedules.iter().enumerate() {
        tracing::info!(
            schedule = %schedule.spec.name,
            next = %schedule
                .next_after(&chrono::Local::now())
                .map_or("never".into(), |t| t.to_string()),
            "scheduled pack"
        );
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                let schedule = &state.schedules[i];
                let Some(next) = schedule.next_after(&chrono::Local::now()) else {
                    return;
                };
                let wait = (next - chrono::Local::now()).to_std().unwrap_or_default();
                tokio::time::sleep(wait).await;
                let _ = state.run_schedule(schedule).await;
            }
        });
    }
}

/// Serves the app on `addr` until interrupted.
pub async fn serve(state: Arc<AppState>, addr: std::net::SocketAddr) -> std::io::Result<()> {
    spawn_watcher(state.clone(), std::time::Duration::from_secs(2));
    spawn_schedules(state.clone());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(
        address = %listener.local_addr()?,
        "Measures of Success dashboard on http://{}",
        listener.local_addr()?
    );
    // The client's address throttles its failed sign-ins.
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

/// Ctrl-C, or SIGTERM as systemd and Docker stop a service: requests in flight
/// are answered, then the server ends and its demo folder is removed.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: answering the requests in flight");
}

#[cfg(test)]
mod tests {
    use super::{WatchedFile, ready_to_reload};
    use std::path::PathBuf;
    use std::time::Duration;

    fn listing(bytes: u64) -> Vec<WatchedFile> {
        vec![(PathBuf::from("data/crimes.csv"), bytes, None)]
    }

    #[test]
    fn a_file_still_growing_is_not_read_until_it_settles() {
        let evaluated = listing(100);
        let (settle, seconds) = (Duration::from_secs(120), |s: u64| Duration::from_secs(s));
        // Being copied: a new size at each poll.
        assert!(!ready_to_reload(
            &listing(150),
            Some(&listing(120)),
            &evaluated,
            seconds(0),
            settle
        ));
        assert!(!ready_to_reload(
            &listing(150),
            None,
            &evaluated,
            seconds(0),
            settle
        ));
        // A copy that paused for 8 seconds: the same at two polls, but not settled.
        assert!(!ready_to_reload(
            &listing(150),
            Some(&listing(150)),
            &evaluated,
            seconds(8),
            settle
        ));
        // Settled: unchanged for the settle time, and not what was evaluated.
        assert!(ready_to_reload(
            &listing(150),
            Some(&listing(150)),
            &evaluated,
            seconds(120),
            settle
        ));
        // Unchanged since the evaluation.
        assert!(!ready_to_reload(
            &evaluated,
            Some(&evaluated),
            &evaluated,
            seconds(600),
            settle
        ));
    }

    #[test]
    fn a_welsh_page_links_in_welsh_but_to_its_english_twin_and_the_assets() {
        use super::welsh_links;
        let page = concat!(
            r##"<a href="/">Hafan</a><a href="/measures/x?breakdown=d&amp;group=g">x</a>"##,
            r##"<link rel="stylesheet" href="/assets/style.css"><img src="/measures/x/chart.svg">"##,
            r##"<a class="language" href="/measures/x" hreflang="en" lang="en-GB">English</a>"##,
            r##"<form method="post" action="/login"><a href="https://example.org/">o</a>"##,
            r##"<a href="#figures">f</a><a href="//cdn.example">c</a>"##,
        );
        assert_eq!(
            welsh_links(page),
            concat!(
                r##"<a href="/cy/">Hafan</a><a href="/cy/measures/x?breakdown=d&amp;group=g">x</a>"##,
                r##"<link rel="stylesheet" href="/assets/style.css"><img src="/measures/x/chart.svg">"##,
                r##"<a class="language" href="/measures/x" hreflang="en" lang="en-GB">English</a>"##,
                r##"<form method="post" action="/cy/login"><a href="https://example.org/">o</a>"##,
                r##"<a href="#figures">f</a><a href="//cdn.example">c</a>"##,
            )
        );
    }
}
