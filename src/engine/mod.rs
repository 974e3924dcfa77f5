//! The engine: measure definitions compiled to DataFusion queries over the
//! ingested Arrow extracts, then turned into series of points with statistics.

pub mod disclosure;
pub mod events;
mod month_index;
pub mod repeat;
mod series;
pub mod sql;
pub mod tally;

pub use repeat::PersonKey;
pub use series::Population;

use crate::common::period::{Month, Period};
use crate::definition::{Measure, MeasureSet};
use crate::ingest::Extract;
use crate::stats::{Interval, Signal, XmrLimits, suppression};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use series::{MonthlyCounts, PopulationOf};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use tally::{GroupCounts, GroupValues, Tally};

/// The figures of one point, present only where not suppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// The count of events (for a proportion, of numerator rows).
    pub numerator: u64,
    /// A proportion's base, or a rate's population.
    pub denominator: Option<u64>,
    /// The count, the fraction 0..1, or the rate; `None` for a proportion of nothing.
    pub value: Option<f64>,
    pub interval: Option<Interval>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub period: Period,
    pub suppressed: bool,
    /// `None` when suppressed: withheld figures never leave the engine.
    pub figures: Option<Figures>,
    pub signal: Option<Signal>,
}

impl Point {
    pub fn value(&self) -> Option<f64> {
        self.figures.as_ref().and_then(|f| f.value)
    }
}

/// One line of a measure: the total, or one group of a breakdown.
#[derive(Debug, Clone)]
pub struct Series {
    pub breakdown: Option<String>,
    pub group: Option<String>,
    pub points: Vec<Point>,
    /// XmR limits, one segment per stretch between the measure's break points;
    /// empty without SPC (or with too few points for a moving range).
    pub spc: Vec<SpcSegment>,
}

/// The points (by index) one set of XmR limits covers.
#[derive(Debug, Clone, PartialEq)]
pub struct SpcSegment {
    pub points: std::ops::Range<usize>,
    /// The limits (of a p′ or u′ chart, those at the baseline's mean size).
    pub limits: XmrLimits,
    /// Each point's own limits where they vary with its size (p′ and u′
    /// charts), by its place in `points`; empty on an XmR chart.
    pub point_limits: Vec<Option<XmrLimits>>,
    /// How many points the limits were computed from (the baseline's, or the
    /// segment's published points).
    pub points_in_limits: usize,
    /// Why the process changed where this segment starts; `None` for the first.
    pub break_reason: Option<String>,
}

impl SpcSegment {
    /// Limits resting on fewer points than NHS England's guidance asks for
    /// are trial limits: shown, and said to be trial ones.
    pub fn trial(&self) -> bool {
        self.points_in_limits < crate::stats::spc::POINTS_FOR_FIRM_LIMITS
    }
}

impl Series {
    /// The limits in force at point `index`.
    pub fn limits_at(&self, index: usize) -> Option<XmrLimits> {
        self.spc
            .iter()
            .find(|s| s.points.contains(&index))
            .map(|s| {
                s.point_limits
                    .get(index - s.points.start)
                    .copied()
                    .flatten()
                    .unwrap_or(s.limits)
            })
    }

    /// The segment of the latest point's limits.
    pub fn latest_segment(&self) -> Option<&SpcSegment> {
        let last = self.points.len().checked_sub(1)?;
        self.spc.iter().find(|s| s.points.contains(&last))
    }

    /// The limits in force at the latest point.
    pub fn latest_limits(&self) -> Option<XmrLimits> {
        self.limits_at(self.points.len().checked_sub(1)?)
    }
}

/// Everything evaluated for one measure: the total series first, then each
/// breakdown's groups.
#[derive(Debug, Clone)]
pub struct MeasureResult {
    pub measure: Measure,
    pub series: Vec<Series>,
    /// Figures withheld by the disclosure audit beyond the measure's own
    /// suppression, and why (see [`disclosure`]).
    pub withheld: Vec<disclosure::Withheld>,
    /// A t or g chart's events, read between them; its signals are on the
    /// total's points.
    pub events: Option<events::EventChart>,
}

impl MeasureResult {
    pub fn total(&self) -> &Series {
        &self.series[0]
    }

    /// The result as it stood when `last` was the latest month: its points
    /// to then, with SPC charted from those alone.
    pub fn up_to(&self, last: Month) -> MeasureResult {
        let mut series: Vec<Series> = self
            .series
            .iter()
            .map(|s| series::up_to(&self.measure, s, last))
            .collect();
        let events = self.events.as_ref().map(|e| {
            let then = e.up_to(&self.measure, last);
            then.mark(&mut series[0]);
            then
        });
        MeasureResult {
            measure: self.measure.clone(),
            series,
            withheld: self
                .withheld
                .iter()
                .filter(|w| w.period.last <= last)
                .cloned()
                .collect(),
            events,
        }
    }

    /// The breakdowns the series have, in order: the measure's own, or for a
    /// peer comparison `force` and `peer_group`.
    pub fn breakdown_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for name in self.series.iter().filter_map(|s| s.breakdown.as_deref()) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    pub fn breakdown(&self, name: &str) -> impl Iterator<Item = &Series> {
        self.series
            .iter()
            .filter(move |s| s.breakdown.as_deref() == Some(name))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("measure `{measure}`: the query failed: {source}")]
    Query {
        measure: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },
    #[error("measure `{measure}`: the query's groups cannot be read as text: {source}")]
    Groups {
        measure: String,
        #[source]
        source: datafusion::arrow::error::ArrowError,
    },
    #[error(
        "measure `{measure}`: the `{source_name}` extract has no dates, so there is no period to count in"
    )]
    NoDates {
        measure: String,
        source_name: String,
    },
    #[error(
        "measure `{measure}`: no population for {district} in {year} or the ten years before; add it to the population extract"
    )]
    MissingPopulation {
        measure: String,
        district: String,
        year: i32,
    },
    #[error("measure `{measure}` needs the `{source_name}` extract, which was not loaded")]
    MissingSource {
        measure: String,
        source_name: String,
    },
    #[error("measure `{measure}`: cannot compare with peers: {message}")]
    Peers { measure: String, message: String },
    #[error("cannot register the `{source_name}` extract with the query engine: {source}")]
    Register {
        source_name: String,
        #[source]
        source: datafusion::error::DataFusionError,
    },
}

/// A measure's tally and, for a repeat rule, the look-back its next rows need:
/// what is kept of an evaluation so that rows added later can be counted alone.
#[derive(Debug, Clone)]
pub struct Counted {
    pub tally: Tally,
    pub look_back: Option<repeat::LookBack>,
}

/// Evaluates every measure over the loaded extracts; also returns what each
/// counted, in the measures' order. Each measure's own suppression is
/// applied; the audit of everything published together is
/// [`disclosure::protect`]'s, given these tallies.
pub async fn evaluate(
    measures: &MeasureSet,
    extracts: &[Extract],
    peers: Option<&crate::ingest::peers::PeerGroups>,
    person_key: PersonKey,
) -> Result<(Vec<MeasureResult>, Vec<Counted>), EngineError> {
    let evaluated = evaluate_adding(measures, extracts, peers, person_key, None).await?;
    Ok(evaluated.expect("with nothing kept, nothing is out of date"))
}

/// Evaluates every measure over the rows of `extracts` added to the rows
/// `kept` counted before (one per measure, in order). `None` when the new rows
/// reach back before a kept look-back, so that the kept counts no longer hold
/// and only a full evaluation is right.
pub async fn evaluate_adding(
    measures: &MeasureSet,
    extracts: &[Extract],
    peers: Option<&crate::ingest::peers::PeerGroups>,
    person_key: PersonKey,
    kept: Option<Vec<Counted>>,
) -> Result<Option<(Vec<MeasureResult>, Vec<Counted>)>, EngineError> {
    let mut engine = Engine::new(extracts, person_key)?;
    engine.peers = peers.cloned();
    let engine = Arc::new(engine);
    let mut kept: Vec<Option<Counted>> = match kept {
        Some(kept) => kept.into_iter().map(Some).collect(),
        None => vec![None; measures.measures.len()],
    };
    // Measures are counted side by side, as many at a time as there are cores:
    // most of a small query's time is planning it, on one core.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut counting = tokio::task::JoinSet::new();
    let mut all_counted: Vec<Option<Counted>> = vec![None; measures.measures.len()];
    // The longest first, so that no core is left alone with one at the end: a
    // repeat rule (a sort of its source's people) before plain counts, and
    // bigger sources before smaller.
    let mut order: Vec<usize> = (0..measures.measures.len()).collect();
    order.sort_by_key(|&m| {
        let measure = &measures.measures[m];
        let rows = engine
            .tables
            .get(&measure.source)
            .map_or(0, |(_, batches)| {
                batches.iter().map(|b| b.num_rows()).sum::<usize>()
            });
        std::cmp::Reverse((measure.repeat.is_some(), rows))
    });
    let mut order = order.into_iter();
    loop {
        while counting.len() < cores {
            let Some(at) = order.next() else { break };
            let (engine, measure) = (engine.clone(), measures.measures[at].clone());
            let earlier = kept[at].take();
            counting.spawn(async move {
                let (tally, look_back) =
                    earlier.map_or((None, None), |e| (Some(e.tally), e.look_back));
                let counted = engine.count(&measure, look_back).await?;
                Ok::<_, EngineError>((at, tally, counted))
            });
        }
        let Some(joined) = counting.join_next().await else {
            break;
        };
        let (at, earlier, counted) =
            joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
        let Some(mut counted) = counted else {
            return Ok(None);
        };
        if let Some(mut tally) = earlier {
            tally.add(&counted.tally);
            counted.tally = tally;
        }
        all_counted[at] = Some(counted);
    }
    let all_counted: Vec<Counted> = all_counted
        .into_iter()
        .map(|c| c.expect("every measure counted"))
        .collect();
    let results: Vec<MeasureResult> = measures
        .measures
        .iter()
        .zip(&all_counted)
        .map(|(measure, counted)| engine.finish(measure, &counted.tally))
        .collect::<Result<_, _>>()?;
    Ok(Some((results, all_counted)))
}

/// First and last day (since 1970) of a date column.
type Days = (i32, i32);

struct Engine {
    ctx: SessionContext,
    population: Option<Population>,
    force_population: Option<Population>,
    peers: Option<crate::ingest::peers::PeerGroups>,
    person_key: PersonKey,
    /// Every extract loaded, by name: a measure's source must be one, and its
    /// batches serve the steps done outside SQL.
    tables: HashMap<String, (SchemaRef, Vec<RecordBatch>)>,
    /// Spans already found, by source and date column: several measures share one.
    spans: std::sync::Mutex<HashMap<(String, String), Option<Days>>>,
    /// The sources whose months without rows are unpublished, not empty.
    published_by_month: std::collections::HashSet<String>,
}

impl Engine {
    fn new(extracts: &[Extract], person_key: PersonKey) -> Result<Self, EngineError> {
        let partitions = std::thread::available_parallelism().map_or(2, |n| n.get());
        let ctx = SessionContext::new_with_config(
            SessionConfig::new().with_target_partitions(partitions),
        );
        ctx.register_udf(month_index::udf());
        let (mut population, mut force_population) = (None, None);
        for extract in extracts {
            use crate::ingest::contract::PopulationOf;
            match extract.contract.population_of {
                Some(PopulationOf::District) => {
                    population = Some(read_population(extract, PopulationOf::District));
                    continue;
                }
                Some(PopulationOf::Force) => {
                    force_population = Some(read_population(extract, PopulationOf::Force));
                    continue;
                }
                None => {}
            }
            register(
                &ctx,
                &extract.name,
                extract.schema.clone(),
                &extract.batches,
            )?;
        }
        Ok(Engine {
            ctx,
            population,
            force_population,
            peers: None,
            person_key,
            tables: extracts
                .iter()
                .map(|e| (e.name.clone(), (e.schema.clone(), e.batches.clone())))
                .collect(),
            spans: Default::default(),
            published_by_month: extracts
                .iter()
                .filter(|e| e.contract.months_without_rows_are_unpublished())
                .map(|e| e.name.clone())
                .collect(),
        })
    }

    /// Whether the measure's source leaves a month without rows unpublished, not empty.
    fn publishes_by_month(&self, measure: &Measure) -> bool {
        self.published_by_month.contains(&measure.source)
    }

    async fn query(
        &self,
        measure: &Measure,
        sql: &str,
    ) -> Result<Vec<datafusion::arrow::record_batch::RecordBatch>, EngineError> {
        let error = |source| EngineError::Query {
            measure: measure.id.clone(),
            source,
        };
        self.ctx
            .sql(sql)
            .await
            .map_err(error)?
            .collect()
            .await
            .map_err(error)
    }

    /// Counts one measure over the loaded rows; for a repeat rule, with the
    /// look-back kept from earlier rows (`None` when the new rows reach back
    /// before it, so that the kept counts no longer hold).
    async fn count(
        &self,
        measure: &Measure,
        earlier: Option<repeat::LookBack>,
    ) -> Result<Option<Counted>, EngineError> {
        let (Some(rule), Some((schema, batches))) =
            (&measure.repeat, self.tables.get(&measure.source))
        else {
            let tally = self.tally(measure).await?;
            return Ok(Some(Counted {
                tally,
                look_back: None,
            }));
        };
        // The source with the measure's own `is_repeat`, for as long as the measure needs it.
        let error = |source| EngineError::Query {
            measure: measure.id.clone(),
            source,
        };
        let Some((schema, batches, look_back)) = repeat::with_repeat_column(
            &self.ctx,
            &self.person_key,
            measure,
            rule,
            schema,
            batches,
            earlier,
        )
        .map_err(error)?
        else {
            return Ok(None);
        };
        let table = sql::source_table(measure);
        register(&self.ctx, &table, schema, &batches)?;
        drop(batches);
        let tally = self.tally(measure).await;
        self.ctx.deregister_table(table.as_str()).map_err(error)?;
        Ok(Some(Counted {
            tally: tally?,
            look_back: Some(look_back),
        }))
    }

    /// The measure's counts by group and month over the loaded rows.
    async fn tally(&self, measure: &Measure) -> Result<Tally, EngineError> {
        if !self.tables.contains_key(&measure.source) {
            return Err(EngineError::MissingSource {
                measure: measure.id.clone(),
                source_name: measure.source.clone(),
            });
        }
        let mut tally = Tally {
            days: self.days(measure).await?,
            months: self.months_with_rows(measure).await?,
            ..Tally::default()
        };
        if measure.peer_group.is_some() {
            let by_force = crate::definition::Breakdown {
                name: "force".into(),
                column: measure
                    .force_column
                    .clone()
                    .unwrap_or_else(|| "falls_within".into()),
                separator: None,
                domain: None,
            };
            tally
                .breakdowns
                .push(self.group_counts(measure, Some(&by_force)).await?);
            return Ok(tally);
        }
        for breakdown in &measure.breakdowns {
            let (counts, values) = self.counts_and_values(measure, Some(breakdown)).await?;
            tally.breakdowns.push(counts);
            tally.breakdown_values.extend(values);
        }
        // Every row is in exactly one group of a single-valued breakdown (a missing
        // value counts as `unknown`), so its groups sum to the total: one scan of
        // the source fewer.
        if !measure.breakdowns.iter().any(|b| b.separator.is_none()) {
            let (counts, values) = self.counts_and_values(measure, None).await?;
            tally.total = Some(counts);
            tally.total_values = values;
        }
        if measure.spc().is_some_and(|s| s.chart.between_events()) {
            let events = self
                .values_by_group(measure, &sql::events_query(measure))
                .await?;
            tally.events = Some(events);
        }
        Ok(tally)
    }

    /// The measure's series from its tally: periods, figures, suppression and SPC.
    fn finish(&self, measure: &Measure, tally: &Tally) -> Result<MeasureResult, EngineError> {
        let (first, months) = months_of(measure, tally).ok_or_else(|| EngineError::NoDates {
            measure: measure.id.clone(),
            source_name: measure.source.clone(),
        })?;
        let periods = series::periods(measure, first, first + (months as i32 - 1));
        let unpublished =
            unpublished_periods(self.publishes_by_month(measure), &periods, &tally.months);
        if let Some(group) = &measure.peer_group {
            let counts = tally.breakdowns[0]
                .iter()
                .map(|(force, c)| (force.clone(), tally::monthly(c, None, first, months)))
                .collect();
            let span = (first, months);
            return self.peer_comparison(measure, group, counts, span, &periods, &unpublished);
        }

        let LaidOut {
            total: total_counts,
            breakdowns: by_breakdown,
        } = lay_out(measure, tally, first, months);
        let population = self.population.as_ref();
        let figures = series::figures(
            measure,
            first,
            &periods,
            &total_counts,
            population.map(|p| (p, PopulationOf::AllDistricts)),
        )?;
        let suppressed = series::primary_suppression(measure, &figures);
        let mut all_series = vec![series::assemble(
            measure,
            None,
            None,
            &periods,
            figures,
            &suppressed,
            &unpublished,
        )];

        for (breakdown, groups) in measure.breakdowns.iter().zip(by_breakdown) {
            let mut group_figures = Vec::with_capacity(groups.len());
            for (group, c) in &groups {
                let of = population.map(|p| (p, PopulationOf::Group(group)));
                group_figures.push(series::figures(measure, first, &periods, c, of)?);
            }
            let groups: Vec<String> = groups.into_iter().map(|(g, _)| g).collect();
            let mut suppressed: Vec<Vec<bool>> = group_figures
                .iter()
                .map(|f| series::primary_suppression(measure, f))
                .collect();
            if let Some(threshold) = measure.suppress_below {
                for period in 0..periods.len() {
                    let mut column: Vec<bool> = suppressed.iter().map(|s| s[period]).collect();
                    let counts: Vec<Vec<u64>> = group_figures
                        .iter()
                        .map(|f| series::disclosive_counts(measure, &f[period]))
                        .collect();
                    suppression::apply_secondary(&mut column, &counts, threshold);
                    for (g, hidden) in column.into_iter().enumerate() {
                        suppressed[g][period] = hidden;
                    }
                }
            }
            for ((group, figures), hidden) in groups.iter().zip(group_figures).zip(suppressed) {
                all_series.push(series::assemble(
                    measure,
                    Some(&breakdown.name),
                    Some(group),
                    &periods,
                    figures,
                    &hidden,
                    &unpublished,
                ));
            }
        }
        let events = events::from_tally(measure, tally.events.as_ref());
        if let Some(e) = &events {
            e.mark(&mut all_series[0]);
        }
        Ok(MeasureResult {
            measure: measure.clone(),
            series: all_series,
            withheld: Vec::new(),
            events,
        })
    }

    /// A force's rate beside its peers': the total is the home force, then each
    /// peer (breakdown `force`) and the group's pooled rate (breakdown `peer_group`).
    fn peer_comparison(
        &self,
        measure: &Measure,
        group_name: &str,
        mut counts: BTreeMap<String, MonthlyCounts>,
        (first, months): (Month, usize),
        periods: &[Period],
        unpublished: &[bool],
    ) -> Result<MeasureResult, EngineError> {
        let unknown = |message: String| EngineError::Peers {
            measure: measure.id.clone(),
            message,
        };
        let peers = self
            .peers
            .as_ref()
            .ok_or_else(|| unknown(format!("there is no {}", crate::ingest::peers::FILE)))?;
        let group = peers.groups.get(group_name).ok_or_else(|| {
            unknown(format!(
                "{} has no group `{group_name}` (it has {})",
                crate::ingest::peers::FILE,
                peers.groups.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })?;
        // A rate is per head of each force's population; a proportion needs none.
        let population = if measure.kind.needs_population() {
            Some(
                self.force_population
                    .as_ref()
                    .ok_or_else(|| EngineError::MissingSource {
                        measure: measure.id.clone(),
                        source_name: "a population table by force (`population_of = \"force\"`)"
                            .into(),
                    })?,
            )
        } else {
            None
        };
        let mut take = |force: &str| {
            counts
                .remove(force)
                .unwrap_or_else(|| MonthlyCounts::zeros(months))
        };
        let series_of = |breakdown: Option<&str>,
                         name: Option<&str>,
                         c: &MonthlyCounts,
                         of: PopulationOf|
         -> Result<Series, EngineError> {
            let figures = series::figures(measure, first, periods, c, population.map(|p| (p, of)))?;
            let suppressed = series::primary_suppression(measure, &figures);
            Ok(series::assemble(
                measure,
                breakdown,
                name,
                periods,
                figures,
                &suppressed,
                unpublished,
            ))
        };
        let home = take(&peers.force);
        let mut all_series = vec![series_of(
            None,
            None,
            &home,
            PopulationOf::Group(&peers.force),
        )?];
        let mut pooled = MonthlyCounts::zeros(months);
        for force in &group.forces {
            let c = take(force);
            pooled.add(&c);
            all_series.push(series_of(
                Some("force"),
                Some(force),
                &c,
                PopulationOf::Group(force),
            )?);
        }
        all_series.push(series_of(
            Some("peer_group"),
            Some(&group.title),
            &pooled,
            PopulationOf::Sum(&group.forces),
        )?);
        Ok(MeasureResult {
            measure: measure.clone(),
            series: all_series,
            withheld: Vec::new(),
            events: None,
        })
    }

    /// Months the source has rows in, for a source whose months without rows are
    /// unpublished rather than empty (empty for any other source).
    async fn months_with_rows(&self, measure: &Measure) -> Result<BTreeSet<i32>, EngineError> {
        let mut published = BTreeSet::new();
        if !self.publishes_by_month(measure) {
            return Ok(published);
        }
        let sql = format!(
            "SELECT DISTINCT {} AS m FROM {}",
            sql::month_index(&measure.date_column),
            sql::ident(&measure.source)
        );
        for batch in self.query(measure, &sql).await? {
            let months = batch.column(0).as_primitive::<Int64Type>();
            published.extend(months.iter().flatten().map(|m| m as i32));
        }
        Ok(published)
    }

    /// First and last day (since 1970) of the measure's date column in its
    /// source; `None` when the source has no rows with a date.
    async fn days(&self, measure: &Measure) -> Result<Option<Days>, EngineError> {
        let key = (measure.source.clone(), measure.date_column.clone());
        if let Some(days) = self.spans.lock().expect("span cache").get(&key) {
            return Ok(*days);
        }
        let batches = self
            .query(
                measure,
                &sql::span_query(&measure.source, &measure.date_column),
            )
            .await?;
        let batch = batches.first().filter(|b| b.num_rows() > 0);
        let day = |column: usize| {
            batch
                .map(|b| b.column(column).as_primitive::<Date32Type>())
                .filter(|a| !a.is_null(0))
                .map(|a| a.value(0))
        };
        let days = day(0).zip(day(1));
        self.spans.lock().expect("span cache").insert(key, days);
        Ok(days)
    }

    /// A set of groups' counts and, for a mean, median or percentile, their
    /// values: one scan either way, a distribution's counts being how many
    /// values each group has in each month.
    async fn counts_and_values(
        &self,
        measure: &Measure,
        breakdown: Option<&crate::definition::Breakdown>,
    ) -> Result<(GroupCounts, Option<GroupValues>), EngineError> {
        if measure.kind.values_of().is_none() {
            return Ok((self.group_counts(measure, breakdown).await?, None));
        }
        let values = self.group_values(measure, breakdown).await?;
        let counts = values
            .iter()
            .map(|(group, months)| {
                let counts = months
                    .iter()
                    .map(|(month, v)| (*month, [v.len() as u64; 2]))
                    .collect();
                (group.clone(), counts)
            })
            .collect();
        Ok((counts, Some(values)))
    }

    /// The values of a distribution by group ("" for the total) and month.
    async fn group_values(
        &self,
        measure: &Measure,
        breakdown: Option<&crate::definition::Breakdown>,
    ) -> Result<GroupValues, EngineError> {
        self.values_by_group(measure, &sql::query(measure, breakdown))
            .await
    }

    /// The values `sql` gives (columns `month_index`, `grp`, `v`) by group and month.
    async fn values_by_group(
        &self,
        measure: &Measure,
        sql: &str,
    ) -> Result<GroupValues, EngineError> {
        let batches = self.query(measure, sql).await?;
        let mut values = GroupValues::new();
        for batch in &batches {
            let month = batch.column(0).as_primitive::<Int64Type>();
            let group = datafusion::arrow::compute::cast(batch.column(1), &DataType::Utf8)
                .map_err(|source| EngineError::Groups {
                    measure: measure.id.clone(),
                    source,
                })?;
            let group = group.as_string::<i32>();
            let value = batch
                .column(2)
                .as_primitive::<datafusion::arrow::datatypes::Float64Type>();
            for row in 0..batch.num_rows() {
                if month.is_null(row) || value.is_null(row) {
                    continue;
                }
                values
                    .entry(group.value(row).to_string())
                    .or_default()
                    .entry(month.value(row) as i32)
                    .or_default()
                    .push(value.value(row));
            }
        }
        Ok(values)
    }

    /// Numerator and denominator counts by group ("" for the total) and month.
    async fn group_counts(
        &self,
        measure: &Measure,
        breakdown: Option<&crate::definition::Breakdown>,
    ) -> Result<GroupCounts, EngineError> {
        let batches = self.query(measure, &sql::query(measure, breakdown)).await?;
        let mut counts = GroupCounts::new();
        for batch in &batches {
            let month = batch.column(0).as_primitive::<Int64Type>();
            let group = datafusion::arrow::compute::cast(
                batch.column(1),
                &datafusion::arrow::datatypes::DataType::Utf8,
            )
            .map_err(|source| EngineError::Groups {
                measure: measure.id.clone(),
                source,
            })?;
            let group = group.as_string::<i32>();
            let num = batch.column(2).as_primitive::<Int64Type>();
            let den = batch.column(3).as_primitive::<Int64Type>();
            for row in 0..batch.num_rows() {
                // A row without a date is in no month.
                if month.is_null(row) {
                    continue;
                }
                let slot = counts
                    .entry(group.value(row).to_string())
                    .or_default()
                    .entry(month.value(row) as i32)
                    .or_insert([0, 0]);
                // A sum of counts with adjustments (a published table's
                // negative rows) is never taken below none.
                slot[0] += num.value(row).max(0) as u64;
                slot[1] += den.value(row).max(0) as u64;
            }
        }
        Ok(counts)
    }
}

/// Periods that include a month the source did not publish (for sources whose
/// months without rows are unpublished, not empty): they have no figures.
fn unpublished_periods(by_month: bool, periods: &[Period], published: &BTreeSet<i32>) -> Vec<bool> {
    periods
        .iter()
        .map(|p| by_month && (p.first.0..=p.last.0).any(|m| !published.contains(&m)))
        .collect()
}

/// Registers batches as a table, spread over partitions so DataFusion scans them in parallel.
fn register(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    batches: &[RecordBatch],
) -> Result<(), EngineError> {
    let partitions = ctx.copied_config().target_partitions();
    let mut parts = vec![Vec::new(); partitions];
    for (i, batch) in batches.iter().enumerate() {
        parts[i % partitions].push(batch.clone());
    }
    let error = |source| EngineError::Register {
        source_name: name.to_string(),
        source,
    };
    let table = MemTable::try_new(schema, parts).map_err(error)?;
    ctx.register_table(name, Arc::new(table)).map_err(error)?;
    Ok(())
}

fn read_population(extract: &Extract, of: crate::ingest::contract::PopulationOf) -> Population {
    let mut by_district_year = HashMap::new();
    for batch in &extract.batches {
        // Held as a dictionary and narrow integers (see `ColumnType::arrow_type`).
        let column = |name: &str, ty: &DataType| {
            let at = batch
                .schema()
                .index_of(name)
                .expect("a population table's columns are declared");
            datafusion::arrow::compute::cast(batch.column(at), ty)
                .expect("population columns are text and integers")
        };
        let (district, year, people) = (
            column(of.column(), &DataType::Utf8),
            column("year", &DataType::Int64),
            column("population", &DataType::Int64),
        );
        let district = district.as_string::<i32>();
        let year = year.as_primitive::<Int64Type>();
        let people = people.as_primitive::<Int64Type>();
        for row in 0..batch.num_rows() {
            *by_district_year
                .entry((district.value(row).to_string(), year.value(row) as i32))
                .or_insert(0) += people.value(row) as u64;
        }
    }
    Population {
        by_district_year,
        districts: extract
            .contract
            .force
            .district_ids()
            .into_iter()
            .map(String::from)
            .collect(),
    }
}

/// The first month of a measure's span and how many months it has: to a
/// quarterly table's last row's quarter's end (a row dated in January
/// stands for January to March). `None` without dates.
pub(crate) fn months_of(measure: &Measure, tally: &Tally) -> Option<(Month, usize)> {
    let (first, last) = tally.span()?;
    let last = last + (measure.row_months as i32 - 1);
    Some((first, (last.0 - first.0 + 1) as usize))
}

/// A measure's counts month by month over its span (`months` from `first`):
/// the total's, and each breakdown's groups in the order of their series
/// (the domain's groups, zero-filled, then the others seen, sorted).
pub(crate) struct LaidOut {
    pub total: MonthlyCounts,
    pub breakdowns: Vec<Vec<(String, MonthlyCounts)>>,
}

pub(crate) fn lay_out(measure: &Measure, tally: &Tally, first: Month, months: usize) -> LaidOut {
    let laid_out = |counts: &GroupCounts, values: Option<&GroupValues>| {
        counts
            .iter()
            .map(|(group, c)| {
                let v = values.and_then(|v| v.get(group));
                (group.clone(), tally::monthly(c, v, first, months))
            })
            .collect::<BTreeMap<String, MonthlyCounts>>()
    };
    let mut by_breakdown: Vec<BTreeMap<String, MonthlyCounts>> = tally
        .breakdowns
        .iter()
        .enumerate()
        .map(|(i, counts)| laid_out(counts, tally.breakdown_values.get(i)))
        .collect();
    let single_valued = measure
        .breakdowns
        .iter()
        .position(|b| b.separator.is_none());
    let total = match (&tally.total, single_valued) {
        (Some(total), _) => laid_out(total, tally.total_values.as_ref())
            .remove("")
            .unwrap_or_else(|| MonthlyCounts::zeros(months)),
        (None, Some(i)) => {
            let mut total = MonthlyCounts::zeros(months);
            for counts in by_breakdown[i].values() {
                total.add(counts);
            }
            total
        }
        (None, None) => MonthlyCounts::zeros(months),
    };
    let breakdowns = measure
        .breakdowns
        .iter()
        .zip(by_breakdown.iter_mut())
        .map(|(breakdown, counts)| {
            // Zero-fill: every group of the domain has a series, whether or not it occurs.
            let mut groups: Vec<String> = breakdown.domain.clone().unwrap_or_default();
            let mut observed: Vec<String> = counts
                .keys()
                .filter(|g| !groups.contains(g))
                .cloned()
                .collect();
            observed.sort();
            groups.extend(observed);
            groups
                .into_iter()
                .map(|group| {
                    let c = counts
                        .remove(&group)
                        .unwrap_or_else(|| MonthlyCounts::zeros(months));
                    (group, c)
                })
                .collect()
        })
        .collect();
    LaidOut { total, breakdowns }
}
