//! The measure language: what an analyst writes in `measures/*.toml`, parsed with
//! positions, validated once (every error collected), then handed on as
//! `Measure`s that cannot be invalid.

pub mod commentary;
pub mod dashboards;
pub mod kind;
pub mod plan;
mod raw;
mod validate;

pub use crate::common::sql::columns_named;
pub use crate::common::{Diagnostic, SourceText, did_you_mean, hex, sha256_hex};
pub use kind::{Base, MeasureKind};
pub use plan::{Objectives, Theme};
pub use raw::{Access, Grain, Kind, PriorityStatus, RawMeasure};
pub use validate::REPEAT_COLUMN;
pub(crate) use validate::literal_prefix;

use crate::common::period::{Month, Period};
use crate::stats::Polarity;
use std::path::{Path, PathBuf};

/// A validated measure.
#[derive(Debug, Clone)]
pub struct Measure {
    pub id: String,
    pub title: String,
    pub description: String,
    /// The Welsh forms of the title and description, where declared.
    pub title_cy: Option<String>,
    pub description_cy: Option<String>,
    pub objective: u8,
    pub theme: Option<Theme>,
    pub access: Access,
    /// The source extract's name.
    pub source: String,
    /// The date column that places a row in a period.
    pub date_column: String,
    pub kind: MeasureKind,
    /// SQL conditions, checked against the source's schema.
    pub filter: Option<String>,
    pub periods: Periods,
    pub breakdowns: Vec<Breakdown>,
    pub polarity: Polarity,
    pub suppress_below: Option<u64>,
    /// The peer group (of `peer_groups.toml`) a force's rate is compared with.
    pub peer_group: Option<String>,
    /// Published counts are rounded to the nearest multiple of this.
    pub round_to: Option<u64>,
    /// What the figures are read against, in the order declared (`target = x`
    /// is one named "Target"); one of them grades the measure.
    pub targets: Vec<Target>,
    pub repeat: Option<RepeatRule>,
    /// The unit a distribution's values are in ("minutes"), shown beside them.
    pub unit: Option<String>,
    /// Whether the measure's groups are drawn on a funnel plot around the
    /// total (proportions and rates with a breakdown).
    pub funnel: bool,
    /// The funnel's limits allow for overdispersion (`funnel = "adjusted"`).
    pub funnel_adjusted: bool,
    /// The column whose value each row counts as (a source of aggregate
    /// rows, `counts_as` in its declaration); each row counts once without.
    pub row_weight: Option<String>,
    /// How many months from its date each row of the source stands for (3
    /// for a table of quarters): the span reaches that far past the last date.
    pub row_months: u32,
    /// The source's column naming each row's force, for a peer comparison.
    pub force_column: Option<String>,
    /// For a People's Priority: who raised it, where and when.
    pub priority: Option<Priority>,
    pub origin: Origin,
    /// Dated events drawn on the chart and listed in packs, in date order.
    pub annotations: Vec<Annotation>,
    /// The analysts' commentary, by period (see [`commentary`]), in month order.
    pub commentary: Vec<commentary::Commentary>,
    /// The commentary written in Welsh (`<id>.cy.md`), in month order.
    pub commentary_cy: Vec<commentary::Commentary>,
    /// The names `data/force.toml` declares for groups that are its districts
    /// and neighbourhoods, by id: "Hinckley and Bosworth" for
    /// `hinckley_and_bosworth`, never a name rebuilt from the id.
    pub group_names: std::collections::BTreeMap<String, String>,
}

/// How a measure's points are cut from the months of its span. SPC is only
/// possible on discrete periods: rolling windows overlap, so their points are not
/// independent.
#[derive(Debug, Clone, PartialEq)]
pub enum Periods {
    Discrete {
        grain: Grain,
        spc: Option<SpcSpec>,
    },
    Rolling {
        months: u32,
    },
    /// Each month's point covers April (the financial year's start) to that month;
    /// compared with the same point of the year before.
    FinancialYearToDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpcSpec {
    /// The points that fix the limits of each segment; every point of each
    /// segment when `None`.
    pub baseline: Option<Baseline>,
    /// Points in a run on one side of the mean, or in a trend, that make a
    /// signal: the Plan's `spc_run_length` (7, NHS England's, unless it says 6).
    pub run_length: usize,
    pub chart: SpcChart,
    /// Where the process changed, in month order: each starts a segment with its
    /// own limits.
    pub breaks: Vec<SpcBreak>,
}

/// A figure a measure is read against: the Plan's own target or a national
/// standard, perhaps changing over time (a trajectory).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// "National standard", or "Target" for a measure's single `target`.
    pub name: String,
    /// Each value and the first month it holds from (`None`: from the
    /// first figures), in month order.
    pub steps: Vec<(Option<Month>, f64)>,
    /// Whether assurance icons and grades read against it: the one the
    /// Plan's `[grading] target` names, else the measure's first.
    pub grades: bool,
}

impl Target {
    /// The step (its first month, and value) in force for a period ending in
    /// `month`, if any yet.
    pub fn step_at(&self, month: Month) -> Option<(Option<Month>, f64)> {
        self.steps
            .iter()
            .rev()
            .find(|(from, _)| from.is_none_or(|f| f <= month))
            .copied()
    }

    /// The value in force for a period ending in `month`, if any yet.
    pub fn value_at(&self, month: Month) -> Option<f64> {
        self.step_at(month).map(|(_, value)| value)
    }

    /// Whether its value changes over time.
    pub fn is_trajectory(&self) -> bool {
        self.steps.len() > 1
    }
}

/// Which SPC chart a measure is read on (`spc_chart`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum SpcChart {
    /// An XmR chart of the values: Making Data Count's, for any measure.
    #[default]
    #[serde(rename = "xmr")]
    Xmr,
    /// Laney's p′: a proportion's limits from its denominators and the
    /// moving range of its z-scores.
    #[serde(rename = "p'")]
    PPrime,
    /// Laney's u′, for a rate.
    #[serde(rename = "u'")]
    UPrime,
    /// Rare events: the days between them (a count's rows), on an
    /// individuals chart of the days to the power 1/3.6.
    #[serde(rename = "t")]
    T,
    /// Rare events: the opportunities between them (a proportion's
    /// denominator rows between its numerator rows), on geometric limits.
    #[serde(rename = "g")]
    G,
}

impl SpcChart {
    pub fn name(self) -> &'static str {
        match self {
            SpcChart::Xmr => "XmR",
            SpcChart::PPrime => "p′",
            SpcChart::UPrime => "u′",
            SpcChart::T => "t",
            SpcChart::G => "g",
        }
    }

    /// Whether the chart reads the time or chances between events rather
    /// than the monthly figures.
    pub fn between_events(self) -> bool {
        matches!(self, SpcChart::T | SpcChart::G)
    }
}

/// Which points fix an SPC chart's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Baseline {
    /// The points of these months (`spc_baseline = { from, to }`), in the
    /// segment that holds them.
    Months(Month, Month),
    /// The first N points of each segment (`spc_baseline = N`).
    FirstPoints(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpcBreak {
    /// The first month of the new segment.
    pub month: Month,
    pub reason: String,
}

/// A People's Priority: what residents asked the police to tackle, where, and
/// when they raised it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Priority {
    pub raised: chrono::NaiveDate,
    /// Where the measure's file writes `raised`, for a diagnostic to point at.
    #[serde(skip)]
    pub raised_at: std::ops::Range<usize>,
    pub raised_by: String,
    pub area: String,
    /// The Welsh forms of the channel and the place, where declared.
    #[serde(skip)]
    pub raised_by_cy: Option<String>,
    #[serde(skip)]
    pub area_cy: Option<String>,
    pub status: PriorityStatus,
    /// The district it lies in, where one is given or can be told.
    pub district: Option<String>,
    /// When it was last reviewed with residents (`None`: not since raised).
    pub reviewed: Option<chrono::NaiveDate>,
}

/// Why an SPC segment starts in the month a priority was raised.
pub const PRIORITY_RAISED: &str = "priority raised";

/// A dated event beside a measure's figures ("Operation Encompass starts").
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub date: chrono::NaiveDate,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    /// Name in results (`district`, `strand`).
    pub name: String,
    pub column: String,
    /// Multi-valued column: a row counts once in each of its values.
    pub separator: Option<String>,
    /// Every group, for zero-filling; `None` where the column has no fixed values
    /// (then the groups are those seen in the data).
    pub domain: Option<Vec<String>>,
}

/// A row is a repeat when the same person has another row passing the measure's
/// filter with `date - within_days <= earlier date < date`.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatRule {
    pub person: String,
    pub within_days: u32,
}

/// Where a definition came from: shown on the dashboard and recorded in manifests.
#[derive(Debug, Clone)]
pub struct Origin {
    pub path: PathBuf,
    pub text: String,
    pub sha256: String,
}

impl Measure {
    pub fn spc(&self) -> Option<&SpcSpec> {
        match &self.periods {
            Periods::Discrete { spc, .. } => spc.as_ref(),
            Periods::Rolling { .. } | Periods::FinancialYearToDate => None,
        }
    }

    /// The target its assurance icon and grade read against.
    pub fn graded_target(&self) -> Option<&Target> {
        self.targets.iter().find(|t| t.grades)
    }

    /// A public measure of victim satisfaction with the given kind and periods.
    #[cfg(test)]
    pub fn for_tests(kind: MeasureKind, periods: Periods) -> Measure {
        Measure {
            id: "m".into(),
            title: "Victim satisfaction with the whole experience".into(),
            description: String::new(),
            objective: 4,
            theme: None,
            access: Access::Public,
            source: "victim_satisfaction".into(),
            date_column: "interview_date".into(),
            kind,
            filter: None,
            periods,
            breakdowns: vec![],
            polarity: Polarity::HigherIsBetter,
            suppress_below: None,
            round_to: None,
            peer_group: None,
            targets: Vec::new(),
            repeat: None,
            unit: None,
            funnel: false,
            funnel_adjusted: false,
            row_weight: None,
            row_months: 1,
            force_column: None,
            priority: None,
            origin: Origin {
                path: "m.toml".into(),
                text: String::new(),
                sha256: "0".repeat(64),
            },
            annotations: Vec::new(),
            commentary: Vec::new(),
            commentary_cy: Vec::new(),
            group_names: Default::default(),
            title_cy: None,
            description_cy: None,
        }
    }

    /// The measure as a page or pack in `language` shows it: its declared
    /// text in that language where given (else as declared), the same figures.
    pub fn in_language(&self, language: crate::common::language::Language) -> Measure {
        let mut measure = self.clone();
        if language == crate::common::language::Language::Welsh {
            let welsh = crate::common::language::put_welsh;
            welsh(&mut measure.title, &self.title_cy);
            welsh(&mut measure.description, &self.description_cy);
            if let (Some(p), Some(declared)) = (&mut measure.priority, &self.priority) {
                welsh(&mut p.area, &declared.area_cy);
                welsh(&mut p.raised_by, &declared.raised_by_cy);
            }
            // Welsh commentary where written, the English where not: the
            // board's words are never dropped from a page.
            for cy in &self.commentary_cy {
                match measure.commentary.iter_mut().find(|c| c.month == cy.month) {
                    // The grade is the board's, whichever language says why.
                    Some(english) => {
                        let grade = cy.grade.clone().or(english.grade.take());
                        *english = commentary::Commentary {
                            grade,
                            ..cy.clone()
                        };
                    }
                    None => measure.commentary.push(cy.clone()),
                }
            }
            measure.commentary.sort_by_key(|c| c.month);
        }
        measure
    }

    /// The keys of the Welsh text a force that writes in Welsh has not yet
    /// given: `title_cy`, `description_cy`.
    pub fn missing_welsh(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.title_cy.is_none() {
            missing.push("title_cy");
        }
        if !self.description.is_empty() && self.description_cy.is_none() {
            missing.push("description_cy");
        }
        missing
    }

    /// Whether `month` is the last month of one of the measure's periods (a
    /// quarter's third, a financial year's March; any month of a rolling or
    /// year-to-date measure).
    pub fn ends_a_period(&self, month: crate::common::period::Month) -> bool {
        match &self.periods {
            Periods::Discrete { grain, .. } => grain.starts_at(month - (grain.months() - 1)),
            Periods::Rolling { .. } | Periods::FinancialYearToDate => true,
        }
    }

    /// The commentary on the period that ends in `month`.
    pub fn commentary_for(
        &self,
        month: crate::common::period::Month,
    ) -> Option<&commentary::Commentary> {
        self.commentary.iter().find(|c| c.month == month)
    }

    /// How many points lie between a point and the one a year before it.
    pub fn points_per_year(&self) -> usize {
        match self.periods {
            Periods::Discrete { grain, .. } => (12 / grain.months()) as usize,
            Periods::Rolling { .. } | Periods::FinancialYearToDate => 12,
        }
    }

    /// A point's period as board papers write it: "Apr 2024", "Jan–Mar 2024",
    /// "2014/15 Q3", "2014/15", "2014/15 to Dec", "Apr 2023 – Mar 2024".
    pub fn period_label(&self, period: Period) -> String {
        let (first, last) = (period.first, period.last);
        match self.periods {
            Periods::Discrete { grain, .. } => match grain {
                Grain::Month => first.short_name(),
                Grain::Quarter => format!(
                    "{}–{}",
                    crate::common::language::month_abbreviation(first.month()),
                    last.short_name()
                ),
                Grain::FinancialQuarter => crate::t!(
                    "financial-quarter-label",
                    year = first.financial_year_label(),
                    quarter = first.financial_quarter()
                ),
                Grain::FinancialYear => first.financial_year_label(),
            },
            Periods::FinancialYearToDate => crate::t!(
                "year-to-date-label",
                year = first.financial_year_label(),
                to = crate::common::language::month_abbreviation(last.month())
            ),
            Periods::Rolling { .. } => format!("{} – {}", first.short_name(), last.short_name()),
        }
    }

    /// A value as the board reads it, in the measure's unit.
    pub fn format_value(&self, value: f64) -> String {
        self.kind.format(value, self.unit.as_deref())
    }

    pub fn is_proportion(&self) -> bool {
        self.kind.base() == Base::Denominator
    }

    /// A group as a reader knows it: a district's or neighbourhood's declared
    /// name, else the value with its underscores as spaces ("Unknown location").
    pub fn group_name(&self, group: &str) -> String {
        self.group_names
            .get(group)
            .cloned()
            .unwrap_or_else(|| crate::common::humanise(group))
    }
}

/// Every measure of a folder, in id order, with the sources they were checked against.
#[derive(Debug, Clone, Default)]
pub struct MeasureSet {
    pub measures: Vec<Measure>,
    pub catalog: crate::ingest::SourceCatalog,
    /// The Plan's objectives and themes they were checked against.
    pub objectives: &'static Objectives,
}

impl MeasureSet {
    /// The same measures with the commentary of `dir` (in place of any they
    /// had): each file's measure must be one of these, and its month must end
    /// one of the measure's periods, not be still to come.
    pub fn with_commentary(self, dir: &Path) -> Result<MeasureSet, DefinitionError> {
        self.with_commentary_on(dir, true)
    }

    /// [`MeasureSet::with_commentary`]; where these are only some of the
    /// project's measures (another `--measures` folder, the police.uk set),
    /// `all_measures` is false and commentary on the others is left aside.
    pub fn with_commentary_on(
        mut self,
        dir: &Path,
        all_measures: bool,
    ) -> Result<MeasureSet, DefinitionError> {
        // Every mistake of every file at once, as for measures.
        let (found, mut problems) = commentary::read_dir(dir);
        let ids: Vec<&str> = self.measures.iter().map(|m| m.id.as_str()).collect();
        let this_month = crate::common::period::Month::of(chrono::Utc::now().date_naive());
        let mut placed: Vec<(usize, commentary::Commentary)> = Vec::new();
        for (id, entry) in found {
            let Some(at) = ids.iter().position(|m| *m == id) else {
                if !all_measures {
                    continue;
                }
                let mut d = Diagnostic::whole_file(
                    &entry.path,
                    format!("commentary for `{id}`, which is not a measure of this project"),
                );
                d.help = Some(match did_you_mean(&id, ids.iter().copied()) {
                    Some(like) => {
                        format!("did you mean `{like}`? The file is named for the measure's id")
                    }
                    None => "name the file for the measure's id: commentary/YYYY-MM/<id>.md".into(),
                });
                problems.push(d);
                continue;
            };
            let measure = &self.measures[at];
            if entry.month > this_month || !measure.ends_a_period(entry.month) {
                let mut d = Diagnostic::whole_file(
                    &entry.path,
                    format!(
                        "commentary for {}, which is no period of `{id}`: it has no figures for it",
                        entry.month
                    ),
                );
                d.help = Some(
                    "put it in the folder of the period's last month (for a quarter, its third month), and not a month still to come".into(),
                );
                problems.push(d);
                continue;
            }
            placed.push((at, entry));
        }
        if !problems.is_empty() {
            return Err(DefinitionError::Commentary(problems));
        }
        for measure in &mut self.measures {
            measure.commentary.clear();
            measure.commentary_cy.clear();
        }
        for (at, entry) in placed {
            let measure = &mut self.measures[at];
            match entry.language {
                crate::common::language::Language::Welsh => measure.commentary_cy.push(entry),
                crate::common::language::Language::English => measure.commentary.push(entry),
            }
        }
        for measure in &mut self.measures {
            measure.commentary.sort_by_key(|c| c.month);
            measure.commentary_cy.sort_by_key(|c| c.month);
        }
        Ok(self)
    }

    /// For a force that writes in Welsh (`languages` of `data/force.toml`
    /// lists `cy`): each measure whose title or description has no Welsh
    /// form, pointed at its `title` line. None for any other force.
    pub fn missing_welsh(&self) -> Vec<Diagnostic> {
        use crate::common::language::Language;
        if !self.catalog.force().languages.contains(&Language::Welsh) {
            return Vec::new();
        }
        self.measures
            .iter()
            .filter_map(|m| {
                let missing = m.missing_welsh();
                if missing.is_empty() {
                    return None;
                }
                let source = SourceText {
                    path: m.origin.path.clone(),
                    text: m.origin.text.clone(),
                };
                let title = source
                    .text
                    .match_indices("title")
                    .map(|(at, _)| at)
                    .find(|&at| at == 0 || source.text[..at].ends_with('\n'))
                    .unwrap_or(0);
                let keys: Vec<String> = missing.iter().map(|k| format!("`{k}`")).collect();
                Some(
                    Diagnostic::at(
                        &source,
                        title..title + 5,
                        format!(
                            "`{}` has no Welsh text ({}), and data/force.toml says the force writes in Welsh",
                            m.id,
                            keys.join(" and ")
                        ),
                    )
                    .with_help(format!(
                        "add {} beside `title` and `description`: the /cy/ pages and Welsh packs show them",
                        missing
                            .iter()
                            .map(|k| format!("`{k} = \"…\"`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    )),
                )
            })
            .collect()
    }

    /// The same sources, with other measures.
    pub fn with_measures(&self, measures: Vec<Measure>) -> MeasureSet {
        MeasureSet {
            measures,
            catalog: self.catalog.clone(),
            objectives: self.objectives,
        }
    }

    /// The contracts of the sources the measures read.
    pub fn contracts(&self) -> Vec<&'static crate::ingest::contract::Contract> {
        self.sources()
            .into_iter()
            .filter_map(|name| self.catalog.contract(name))
            .collect()
    }

    pub fn get(&self, id: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.id == id)
    }

    /// The sources the measures read.
    pub fn sources(&self) -> Vec<&str> {
        self.sources_read_by(|_| true)
    }

    /// The sources that the measures `chosen` picks read (a rate's population
    /// table included).
    pub fn sources_read_by(&self, chosen: impl Fn(&Measure) -> bool) -> Vec<&str> {
        let measures = || self.measures.iter().filter(|m| chosen(m));
        let mut sources: Vec<&str> = measures().map(|m| m.source.as_str()).collect();
        for m in measures().filter(|m| m.kind.needs_population()) {
            use crate::ingest::contract::PopulationOf;
            let of = match m.peer_group {
                Some(_) => PopulationOf::Force,
                None => PopulationOf::District,
            };
            sources.extend(self.catalog.population_table(of).map(|t| t.name));
        }
        sources.sort_unstable();
        sources.dedup();
        sources
    }

    /// The columns of `source` some measure reads, or `None` when that cannot be
    /// told (then every column is needed).
    pub fn columns_read(&self, source: &str) -> Option<std::collections::BTreeSet<String>> {
        let mut columns = std::collections::BTreeSet::new();
        for m in self.measures.iter().filter(|m| m.source == source) {
            columns.insert(m.date_column.clone());
            columns.extend(m.breakdowns.iter().map(|b| b.column.clone()));
            columns.extend(m.repeat.iter().map(|r| r.person.clone()));
            columns.extend(m.row_weight.clone());
            // A peer comparison groups the rows by the force they fall within.
            if m.peer_group.is_some() {
                columns.extend(m.force_column.clone());
            }
            for sql in m.kind.sql_read().into_iter().chain(m.filter.as_deref()) {
                columns.extend(columns_named(sql)?);
            }
        }
        Some(columns)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("cannot read measure definitions in {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no measure definitions (*.toml) in {0}; write one, or point --measures at the folder that has them"
    )]
    NoMeasures(PathBuf),
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
    #[error("{}", crate::common::render_all(.0, "commentary"))]
    Commentary(Vec<Diagnostic>),
}

impl DefinitionError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            DefinitionError::Invalid(d) | DefinitionError::Commentary(d) => d,
            _ => &[],
        }
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    crate::common::render_all(diagnostics, "measure definitions")
}

/// Reads and validates every `*.toml` measure file directly in `dir` (sub-folders
/// hold other measure sets and are not read), against the sources of `catalog`.
pub fn load_dir(
    dir: &Path,
    catalog: &crate::ingest::SourceCatalog,
    objectives: &'static Objectives,
) -> Result<MeasureSet, DefinitionError> {
    let sources = files_in(dir)?;
    if sources.is_empty() {
        return Err(DefinitionError::NoMeasures(dir.to_path_buf()));
    }
    parse_all(&sources, catalog, objectives)
}

/// The `*.toml` files directly in `dir`, in path order.
pub fn files_in(dir: &Path) -> Result<Vec<SourceText>, DefinitionError> {
    let io = |source| DefinitionError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut sources = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| DefinitionError::Io {
            path: path.clone(),
            source,
        })?;
        sources.push(SourceText { path, text });
    }
    Ok(sources)
}

/// Validates measure files given as text (the files of a folder, or fixtures in tests).
pub fn parse_all(
    files: &[SourceText],
    catalog: &crate::ingest::SourceCatalog,
    objectives: &'static Objectives,
) -> Result<MeasureSet, DefinitionError> {
    let mut diagnostics = Vec::new();
    let mut measures: Vec<(Measure, std::ops::Range<usize>, &SourceText)> = Vec::new();
    for file in files {
        match validate::measure(file, catalog, objectives) {
            Ok((measure, id_span)) => measures.push((measure, id_span, file)),
            Err(mut errors) => diagnostics.append(&mut errors),
        }
    }
    for (i, (measure, span, file)) in measures.iter().enumerate() {
        if let Some((first, _, first_file)) =
            measures[..i].iter().find(|(m, _, _)| m.id == measure.id)
        {
            diagnostics.push(
                Diagnostic::at(
                    file,
                    span.clone(),
                    format!("measure id `{}` is used twice", first.id),
                )
                .with_help(format!(
                    "{} already defines it; ids must be unique",
                    first_file.path.display()
                )),
            );
        }
    }
    if !diagnostics.is_empty() {
        return Err(DefinitionError::Invalid(diagnostics));
    }
    let mut measures: Vec<Measure> = measures.into_iter().map(|(m, _, _)| m).collect();
    measures.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(MeasureSet {
        measures,
        catalog: catalog.clone(),
        objectives,
    })
}

/// The JSON Schema of measure files, for editors.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(RawMeasure)).expect("schema serialises")
}
