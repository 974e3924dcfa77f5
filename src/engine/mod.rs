//! The engine: measure definitions compiled to DataFusion queries over the
//! ingested Arrow extracts, then turned into series of points with statistics.

mod month_index;
pub mod repeat;
mod series;
pub mod sql;

pub use series::Population;

use crate::definition::{Measure, MeasureSet};
use crate::ingest::Extract;
use crate::period::{Month, Period};
use crate::stats::{Interval, Signal, XmrLimits, suppression};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Date32Type, Int64Type, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};
use series::{MonthlyCounts, PopulationOf};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

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
    pub limits: XmrLimits,
    /// Why the process changed where this segment starts; `None` for the first.
    pub break_reason: Option<String>,
}

impl Series {
    /// The limits in force at point `index`.
    pub fn limits_at(&self, index: usize) -> Option<XmrLimits> {
        self.spc
            .iter()
            .find(|s| s.points.contains(&index))
            .map(|s| s.limits)
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
}

impl MeasureResult {
    pub fn total(&self) -> &Series {
        &self.series[0]
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
    #[error("measure `{measure}`: the query failed: {message}")]
    Query { measure: String, message: String },
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
    #[error("cannot register the `{source_name}` extract with the query engine: {message}")]
    Register {
        source_name: String,
        message: String,
    },
}

/// Evaluates every measure over the loaded extracts.
pub async fn evaluate(
    measures: &MeasureSet,
    extracts: &[Extract],
    peers: Option<&crate::peers::PeerGroups>,
) -> Result<Vec<MeasureResult>, EngineError> {
    let mut engine = Engine::new(extracts)?;
    engine.peers = peers.cloned();
    let mut results = Vec::with_capacity(measures.measures.len());
    for measure in &measures.measures {
        results.push(engine.measure(measure).await?);
    }
    Ok(results)
}

struct Engine {
    ctx: SessionContext,
    population: Option<Population>,
    force_population: Option<Population>,
    peers: Option<crate::peers::PeerGroups>,
    /// Every extract loaded, by name: a measure's source must be one, and its
    /// batches serve the steps done outside SQL.
    tables: HashMap<String, (SchemaRef, Vec<RecordBatch>)>,
    /// Spans already found, by source and date column: several measures share one.
    spans: std::sync::Mutex<HashMap<(String, String), (Month, Month)>>,
}

impl Engine {
    fn new(extracts: &[Extract]) -> Result<Self, EngineError> {
        let partitions = std::thread::available_parallelism().map_or(2, |n| n.get());
        let ctx = SessionContext::new_with_config(
            SessionConfig::new().with_target_partitions(partitions),
        );
        ctx.register_udf(month_index::udf());
        let (mut population, mut force_population) = (None, None);
        for extract in extracts {
            if extract.name == crate::ingest::contract::POPULATION.name {
                population = Some(read_population(extract));
                continue;
            }
            if extract.name == crate::ingest::contract::FORCE_POPULATION.name {
                force_population = Some(read_population(extract));
                continue;
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
            tables: extracts
                .iter()
                .map(|e| (e.name.clone(), (e.schema.clone(), e.batches.clone())))
                .collect(),
            spans: Default::default(),
        })
    }

    async fn query(
        &self,
        measure: &Measure,
        sql: &str,
    ) -> Result<Vec<datafusion::arrow::record_batch::RecordBatch>, EngineError> {
        let error = |e: datafusion::error::DataFusionError| EngineError::Query {
            measure: measure.id.clone(),
            message: e.to_string(),
        };
        self.ctx
            .sql(sql)
            .await
            .map_err(error)?
            .collect()
            .await
            .map_err(error)
    }

    async fn measure(&self, measure: &Measure) -> Result<MeasureResult, EngineError> {
        let (Some(rule), Some((schema, batches))) =
            (&measure.repeat, self.tables.get(&measure.source))
        else {
            return self.evaluate_measure(measure).await;
        };
        // The source with the measure's own `is_repeat`, for as long as the measure needs it.
        let error = |e: datafusion::error::DataFusionError| EngineError::Query {
            measure: measure.id.clone(),
            message: e.to_string(),
        };
        let (schema, batches) =
            repeat::with_repeat_column(&self.ctx, measure, rule, schema, batches).map_err(error)?;
        let table = sql::source_table(measure);
        register(&self.ctx, &table, schema, &batches)?;
        drop(batches);
        let result = self.evaluate_measure(measure).await;
        self.ctx.deregister_table(table.as_str()).map_err(error)?;
        result
    }

    async fn evaluate_measure(&self, measure: &Measure) -> Result<MeasureResult, EngineError> {
        if !self.tables.contains_key(&measure.source) {
            return Err(EngineError::MissingSource {
                measure: measure.id.clone(),
                source_name: measure.source.clone(),
            });
        }
        let (first, last) = self.span(measure).await?;
        let months = (last.0 - first.0 + 1) as usize;
        let periods = series::periods(measure, first, last);
        let unpublished = self.unpublished_periods(measure, &periods).await?;
        if let Some(group) = &measure.peer_group {
            return self
                .peer_comparison(measure, group, first, months, &periods, &unpublished)
                .await;
        }

        let mut by_breakdown = Vec::with_capacity(measure.breakdowns.len());
        for breakdown in &measure.breakdowns {
            by_breakdown.push(
                self.monthly_counts(measure, Some(breakdown), first, months)
                    .await?,
            );
        }
        // Every row is in exactly one group of a single-valued breakdown (a missing
        // value counts as `unknown`), so its groups sum to the total: one scan of
        // the source (and one repeat look-back) fewer.
        let total_counts = match measure
            .breakdowns
            .iter()
            .position(|b| b.separator.is_none())
        {
            Some(i) => {
                let mut total = MonthlyCounts::zeros(months);
                for counts in by_breakdown[i].values() {
                    total.add(counts);
                }
                total
            }
            None => self
                .monthly_counts(measure, None, first, months)
                .await?
                .remove("")
                .unwrap_or_else(|| MonthlyCounts::zeros(months)),
        };
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

        for (breakdown, mut counts) in measure.breakdowns.iter().zip(by_breakdown) {
            // Zero-fill: every group of the domain has a series, whether or not it occurs.
            let mut groups: Vec<String> = breakdown.domain.clone().unwrap_or_default();
            let mut observed: Vec<String> = counts
                .keys()
                .filter(|g| !groups.contains(g))
                .cloned()
                .collect();
            observed.sort();
            groups.extend(observed);
            let mut group_figures = Vec::with_capacity(groups.len());
            for group in &groups {
                let c = counts
                    .remove(group)
                    .unwrap_or_else(|| MonthlyCounts::zeros(months));
                let of = population.map(|p| (p, PopulationOf::Group(group)));
                group_figures.push(series::figures(measure, first, &periods, &c, of)?);
            }
            let mut suppressed: Vec<Vec<bool>> = group_figures
                .iter()
                .map(|f| series::primary_suppression(measure, f))
                .collect();
            if measure.suppress_below.is_some() {
                for period in 0..periods.len() {
                    let mut column: Vec<bool> = suppressed.iter().map(|s| s[period]).collect();
                    let sizes: Vec<u64> = group_figures
                        .iter()
                        .map(|f| series::suppression_size(measure, &f[period]))
                        .collect();
                    suppression::apply_secondary(&mut column, &sizes);
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
        Ok(MeasureResult {
            measure: measure.clone(),
            series: all_series,
        })
    }

    /// A force's rate beside its peers': the total is the home force, then each
    /// peer (breakdown `force`) and the group's pooled rate (breakdown `peer_group`).
    async fn peer_comparison(
        &self,
        measure: &Measure,
        group_name: &str,
        first: Month,
        months: usize,
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
            .ok_or_else(|| unknown(format!("there is no {}", crate::peers::FILE)))?;
        let group = peers.groups.get(group_name).ok_or_else(|| {
            unknown(format!(
                "{} has no group `{group_name}` (it has {})",
                crate::peers::FILE,
                peers.groups.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })?;
        let population =
            self.force_population
                .as_ref()
                .ok_or_else(|| EngineError::MissingSource {
                    measure: measure.id.clone(),
                    source_name: crate::ingest::contract::FORCE_POPULATION.name.into(),
                })?;
        let by_force = crate::definition::Breakdown {
            name: "force".into(),
            column: "falls_within".into(),
            separator: None,
            domain: None,
        };
        let mut counts = self
            .monthly_counts(measure, Some(&by_force), first, months)
            .await?;
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
            let figures = series::figures(measure, first, periods, c, Some((population, of)))?;
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
        })
    }

    /// Periods that include a month the source did not publish (for sources whose
    /// months without rows are unpublished, not empty): they have no figures.
    async fn unpublished_periods(
        &self,
        measure: &Measure,
        periods: &[Period],
    ) -> Result<Vec<bool>, EngineError> {
        let publishes_by_month = crate::ingest::contract::by_name(&measure.source)
            .is_some_and(|c| c.months_without_rows_are_unpublished());
        if !publishes_by_month {
            return Ok(vec![false; periods.len()]);
        }
        let sql = format!(
            "SELECT DISTINCT {} AS m FROM {}",
            sql::month_index(&measure.date_column),
            sql::ident(&measure.source)
        );
        let mut published = std::collections::HashSet::new();
        for batch in self.query(measure, &sql).await? {
            let months = batch.column(0).as_primitive::<Int64Type>();
            published.extend((0..batch.num_rows()).map(|r| months.value(r) as i32));
        }
        Ok(periods
            .iter()
            .map(|p| (p.first.0..=p.last.0).any(|m| !published.contains(&m)))
            .collect())
    }

    /// First and last month present in the measure's source.
    async fn span(&self, measure: &Measure) -> Result<(Month, Month), EngineError> {
        let key = (measure.source.clone(), measure.date_column.clone());
        if let Some(span) = self.spans.lock().expect("span cache").get(&key) {
            return Ok(*span);
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
                .map(|a| Month(month_index::of_day(a.value(0)) as i32))
        };
        match (day(0), day(1)) {
            (Some(first), Some(last)) => {
                let span = (first, last);
                self.spans.lock().expect("span cache").insert(key, span);
                Ok(span)
            }
            _ => Err(EngineError::Query {
                measure: measure.id.clone(),
                message: format!("the `{}` extract has no dates", measure.source),
            }),
        }
    }

    /// Monthly numerator and denominator counts by group ("" for the total).
    async fn monthly_counts(
        &self,
        measure: &Measure,
        breakdown: Option<&crate::definition::Breakdown>,
        first: Month,
        months: usize,
    ) -> Result<BTreeMap<String, MonthlyCounts>, EngineError> {
        let batches = self
            .query(measure, &sql::aggregate_query(measure, breakdown))
            .await?;
        let mut counts: BTreeMap<String, MonthlyCounts> = BTreeMap::new();
        for batch in &batches {
            let month = batch.column(0).as_primitive::<Int64Type>();
            let group = datafusion::arrow::compute::cast(
                batch.column(1),
                &datafusion::arrow::datatypes::DataType::Utf8,
            )
            .map_err(|e| EngineError::Query {
                measure: measure.id.clone(),
                message: e.to_string(),
            })?;
            let group = group.as_string::<i32>();
            let num = batch.column(2).as_primitive::<Int64Type>();
            let den = batch.column(3).as_primitive::<Int64Type>();
            for row in 0..batch.num_rows() {
                let offset = month.value(row) - first.0 as i64;
                if offset < 0 || offset as usize >= months {
                    continue;
                }
                let entry = counts
                    .entry(group.value(row).to_string())
                    .or_insert_with(|| MonthlyCounts::zeros(months));
                entry.numerator[offset as usize] += num.value(row) as u64;
                entry.denominator[offset as usize] += den.value(row) as u64;
            }
        }
        Ok(counts)
    }
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
    let error = |e: datafusion::error::DataFusionError| EngineError::Register {
        source_name: name.to_string(),
        message: e.to_string(),
    };
    let table = MemTable::try_new(schema, parts).map_err(error)?;
    ctx.register_table(name, Arc::new(table)).map_err(error)?;
    Ok(())
}

fn read_population(extract: &Extract) -> Population {
    let mut by_district_year = HashMap::new();
    for batch in &extract.batches {
        // Held as a dictionary and narrow integers (see `ColumnType::arrow_type`).
        let column = |i: usize, ty: &DataType| {
            datafusion::arrow::compute::cast(batch.column(i), ty)
                .expect("population columns are text and integers")
        };
        let (district, year, people) = (
            column(0, &DataType::Utf8),
            column(1, &DataType::Int64),
            column(2, &DataType::Int64),
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
    Population { by_district_year }
}
