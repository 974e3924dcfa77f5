//! One pass over a parsed measure file that collects every error, with its
//! position, and builds the validated `Measure`.

use super::raw::{Access, FunnelSetting, Grain, Kind, RawBaseline, RawBreakdown, RawMeasure};
use super::{
    Baseline, Breakdown, Diagnostic, Measure, MeasureKind, Origin, Periods, RepeatRule, SourceText,
    SpcBreak, SpcChart, SpcSpec, Target, did_you_mean,
};
use crate::common::period::Month;
use crate::ingest::contract::ColumnType;
use crate::ingest::{SourceCatalog, SourceSchema};
use datafusion::common::DFSchema;
use datafusion::logical_expr::ExprSchemable;
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{Expr as SqlExpr, Ident, visit_expressions};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;
use std::ops::{ControlFlow, Range};
use toml::Spanned;

/// The column a repeat rule adds to its measure's source.
pub const REPEAT_COLUMN: &str = "is_repeat";

const FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "objective",
    "theme",
    "access",
    "source",
    "date",
    "kind",
    "filter",
    "numerator",
    "denominator",
    "per",
    "grain",
    "window",
    "breakdowns",
    "polarity",
    "spc",
    "spc_chart",
    "spc_baseline",
    "spc_breaks",
    "annotations",
    "suppress_below",
    "round_to",
    "peer_group",
    "target",
    "targets",
    "repeat",
];

/// Validates one file; on success returns the measure and the span of its id.
pub fn measure(
    file: &SourceText,
    catalog: &SourceCatalog,
    objectives: &super::Objectives,
) -> Result<(Measure, Range<usize>), Vec<Diagnostic>> {
    let raw: RawMeasure = toml::from_str(&file.text).map_err(|e| vec![toml_error(file, &e)])?;
    let mut v = Validator {
        file,
        errors: Vec::new(),
        ctx: None,
        force: catalog.force(),
    };
    let measure = v.measure(raw, catalog, objectives);
    match measure {
        Some(m) if v.errors.is_empty() => Ok(m),
        _ => Err(v.errors),
    }
}

fn toml_error(file: &SourceText, error: &toml::de::Error) -> Diagnostic {
    let span = error.span().unwrap_or(0..0);
    let message = error.message().trim().to_string();
    let mut d = Diagnostic::at(file, span, format!("in measure definition: {message}"));
    if let Some(field) = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
    {
        d = match did_you_mean(field, FIELDS.iter().copied()) {
            Some(close) => d.with_label(format!("did you mean `{close}`?")),
            None => d.with_help(format!(
                "the fields a measure may have are: {}",
                FIELDS.join(", ")
            )),
        };
    } else if message.starts_with("missing field") {
        d = d.with_help("see the README or `mos schema` for every field of a measure");
    }
    d
}

struct Validator<'a> {
    file: &'a SourceText,
    errors: Vec<Diagnostic>,
    ctx: Option<SessionContext>,
    /// The force of `data/force.toml`: the districts and neighbourhoods a
    /// filter may name.
    force: &'a crate::ingest::Force,
}

impl Validator<'_> {
    fn error<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) -> &mut Diagnostic {
        self.errors
            .push(Diagnostic::at(self.file, at.span(), message));
        self.errors.last_mut().expect("just pushed")
    }

    fn measure(
        &mut self,
        raw: RawMeasure,
        catalog: &SourceCatalog,
        objectives: &super::Objectives,
    ) -> Option<(Measure, Range<usize>)> {
        let id = raw.id.get_ref().clone();
        if !crate::common::is_id(&id) {
            self.error(&raw.id, format!("measure id `{id}` is not a valid id"))
                .help = Some(
                "use lower case letters, digits and underscores, starting with a letter".into(),
            );
        }
        let objective = match &raw.objective {
            Some(spanned) => {
                let number = *spanned.get_ref();
                let objective = u8::try_from(number)
                    .ok()
                    .and_then(|n| objectives.objective(n));
                if objective.is_none() {
                    self.error(
                        spanned,
                        format!("objective {number} is not in the Police and Crime Plan"),
                    )
                    .help = Some(format!(
                        "the Plan's objectives are {} (dashboards/plan.toml)",
                        objectives.numbers()
                    ));
                }
                objective.map(|o| (o, spanned))
            }
            // A People's Priority is the residents', not one of the Plan's objectives.
            None if raw.priority.is_some() => None,
            None => {
                self.error(&raw.id, "a measure needs an `objective`").help = Some(format!(
                    "add e.g. `objective = 4` (the Plan's objectives are {}); a People's Priority has a `[priority]` table instead",
                    objectives.numbers()
                ));
                None
            }
        };
        let theme = match (objective, &raw.theme) {
            (Some((o, spanned)), None) if !o.themes.is_empty() => {
                let ids: Vec<&str> = o.themes.iter().map(|t| t.id).collect();
                self.error(
                    spanned,
                    format!("a measure of Objective {} needs a theme", o.number),
                )
                .help = Some(format!(
                    "add e.g. `theme = \"{}\"`; the themes are {}",
                    ids[0],
                    ids.join(", ")
                ));
                None
            }
            (Some((o, _)), Some(t)) => match super::plan::theme_of(o, t.get_ref()) {
                Ok(theme) => Some(theme),
                Err((message, help)) => {
                    let d = self.error(t, message);
                    if help.starts_with("did you mean") {
                        d.label = Some(help);
                    } else {
                        d.help = Some(help);
                    }
                    None
                }
            },
            _ => None,
        };
        let access = raw
            .access
            .as_ref()
            .map(|a| *a.get_ref())
            .unwrap_or(match theme {
                Some(t) if t.is_sensitive() => Access::Restricted,
                _ => Access::Public,
            });

        let source_name = raw.source.get_ref().clone();
        let Some(source) = catalog.get(&source_name) else {
            let names: Vec<&str> = catalog.measure_sources().collect();
            let d = self.error(&raw.source, format!("unknown source `{source_name}`"));
            match did_you_mean(&source_name, names.iter().copied()) {
                Some(close) => d.label = Some(format!("did you mean `{close}`?")),
                None => d.help = Some(format!("the sources are: {}", names.join(", "))),
            }
            return None;
        };

        let date_column = self.date_column(&raw, source);
        let repeat = raw.repeat.as_ref().and_then(|r| self.repeat(r, source));
        let extra: &[&str] = if repeat.is_some() {
            &[REPEAT_COLUMN]
        } else {
            &[]
        };
        let filter = raw
            .filter
            .as_ref()
            .map(|f| self.condition(f, source, extra, "filter"));
        let kind = self.kind(&raw, source, extra);
        if kind.as_ref().is_some_and(MeasureKind::needs_population) {
            use crate::ingest::contract::PopulationOf;
            let of = if raw.peer_group.is_some() {
                PopulationOf::Force
            } else {
                PopulationOf::District
            };
            if catalog.population_table(of).is_none() {
                self.error(
                    &raw.kind,
                    format!(
                        "a rate needs a population table by {}, and no source declares one",
                        of.column()
                    ),
                )
                .help = Some(format!(
                    "declare one in data/sources/ with `population_of = \"{}\"`, or make the measure a count",
                    of.column()
                ));
            }
        }
        let periods = self.periods(&raw, objectives.spc_run_length);
        let breakdowns = self.breakdowns(&raw, source, &kind);
        let suppress_below = raw.suppress_below.as_ref().and_then(|s| {
            let n = *s.get_ref();
            if n < 1 {
                self.error(s, "`suppress_below` must be at least 1").help = Some(
                    "points whose counts are below it are withheld; remove it for no suppression"
                        .into(),
                );
                None
            } else {
                Some(n as u64)
            }
        });
        let round_to = raw.round_to.as_ref().and_then(|r| {
            let n = *r.get_ref();
            if !(2..=1000).contains(&n) {
                self.error(r, "`round_to` must be a whole number from 2 to 1000").help = Some(
                    "published counts are rounded to the nearest multiple of it, e.g. `round_to = 5`"
                        .into(),
                );
                None
            } else {
                Some(n as u64)
            }
        });
        let peer_group = raw.peer_group.as_ref().map(|g| {
            if !matches!(raw.kind.get_ref(), Kind::Rate | Kind::Proportion) {
                self.error(g, "a peer group compares rates or proportions").help =
                    Some("use `kind = \"rate\"` or `\"proportion\"`: forces differ in size, so counts do not compare".into());
            }
            if source.force_column.is_none() {
                self.error(g, format!("source `{}` has no force column", source.name)).help =
                    Some("peer groups need several forces' data: use `source = \"police_uk\"`, whose `falls_within` names the force, or declare the source's `force_column`".into());
            }
            if let Some(b) = raw.breakdowns.first() {
                self.error(b, "a measure compared with peers has no other breakdowns").help =
                    Some("its series are the force, each peer, and the group; remove `breakdowns`".into());
            }
            g.get_ref().trim().to_string()
        });
        let targets = self.targets(&raw, objectives.graded_target.as_deref());
        let annotations = self.annotations(&raw);
        let funnel_adjusted = raw.funnel.as_ref().is_some_and(|f| {
            match f.get_ref() {
                FunnelSetting::Named(name) if name == "adjusted" => true,
                FunnelSetting::Named(name) => {
                    self.error(f, format!("`{name}` is not a kind of funnel")).help = Some(
                        "write `funnel = true` for the plain limits, or `funnel = \"adjusted\"` for limits that allow for overdispersion".into(),
                    );
                    false
                }
                FunnelSetting::Drawn(_) => false,
            }
        });
        let funnel = raw.funnel.as_ref().is_some_and(|f| {
            let wanted = *f.get_ref() != FunnelSetting::Drawn(false);
            if wanted && !matches!(raw.kind.get_ref(), Kind::Proportion | Kind::Rate) {
                self.error(f, format!("a funnel plot needs a denominator, and a {} has none", kind_name(*raw.kind.get_ref()))).help =
                    Some("funnels compare groups of different sizes: use a `proportion` or a `rate`, or remove `funnel`".into());
            } else if wanted && raw.breakdowns.is_empty() {
                self.error(f, "a funnel plot compares groups, and this measure has no breakdown").help =
                    Some("add e.g. `breakdowns = [\"district\"]`, or remove `funnel`".into());
            }
            wanted
        });
        let unit = raw.unit.as_ref().map(|u| u.get_ref().trim().to_string());
        let date_column = date_column?;
        let kind = kind?;
        let priority = raw
            .priority
            .as_ref()
            .and_then(|p| self.priority(p, filter.as_deref(), catalog.force()));
        let mut periods = periods?;
        // Before and after: the SPC of a priority starts afresh in the month it was raised.
        if let (Some(p), Periods::Discrete { spc: Some(spc), .. }) = (&priority, &mut periods) {
            let month = crate::common::period::Month::of(p.raised);
            if !spc.breaks.iter().any(|b| b.month == month) {
                spc.breaks.push(super::SpcBreak {
                    month,
                    reason: super::PRIORITY_RAISED.into(),
                });
                spc.breaks.sort_by_key(|b| b.month);
            }
        }
        // Several forces' rows in one source (a police.uk folder for a peer
        // comparison): a measure counts the home force's alone, unless it
        // compares forces (a peer group, or a breakdown by the force column).
        let filter = match (&source.force_column, &peer_group) {
            (Some(column), None) if !breakdowns.iter().any(|b| &b.column == column) => {
                let home = home_force_condition(column, catalog.force());
                Some(match filter {
                    Some(f) => format!("({f}) AND {home}"),
                    None => home,
                })
            }
            _ => filter,
        };
        let text = &self.file.text;
        Some((
            Measure {
                id,
                title: raw.title.get_ref().trim().to_string(),
                description: raw.description.trim().to_string(),
                title_cy: welsh(&raw.title_cy),
                description_cy: welsh(&raw.description_cy),
                objective: objective.map_or(0, |(o, _)| o.number),
                theme,
                access,
                source: source_name,
                date_column,
                kind,
                filter,
                periods,
                breakdowns,
                polarity: *raw.polarity.get_ref(),
                suppress_below,
                round_to,
                peer_group,
                targets,
                repeat,
                unit,
                funnel,
                funnel_adjusted,
                row_weight: source.counts_as.clone(),
                row_months: source.row_months,
                force_column: source.force_column.clone(),
                priority,
                origin: Origin {
                    path: self.file.path.clone(),
                    text: text.clone(),
                    sha256: super::sha256_hex(text.as_bytes()),
                },
                annotations,
                commentary: Vec::new(),
                commentary_cy: Vec::new(),
                group_names: group_names(catalog.force()),
            },
            raw.id.span(),
        ))
    }

    /// A priority's `[priority]` table: its date must be one, and its district
    /// (given, or told from the filter) one of the force's.
    fn priority(
        &mut self,
        raw: &Spanned<super::raw::RawPriority>,
        filter: Option<&str>,
        force: &crate::ingest::Force,
    ) -> Option<super::Priority> {
        let p = raw.get_ref();
        let Some(raised) = &p.raised else {
            self.error(raw, "a priority needs `raised`, the date residents set it")
                .help = Some("add e.g. `raised = \"2024-06-12\"` to the `[priority]` table".into());
            return None;
        };
        let written = raised.get_ref().text();
        let Ok(date) = chrono::NaiveDate::parse_from_str(&written, "%Y-%m-%d") else {
            self.error(raised, format!("`{written}` is not a date"))
                .help = Some(
                "write the day residents set it as YYYY-MM-DD, e.g. `raised = \"2024-06-12\"`"
                    .into(),
            );
            return None;
        };
        let reviewed = p.reviewed.as_ref().and_then(|r| {
            let written = r.get_ref().text();
            match chrono::NaiveDate::parse_from_str(&written, "%Y-%m-%d") {
                Ok(day) if day < date => {
                    self.error(r, format!("reviewed on {written}, before it was raised on {date}"))
                        .help = Some("`reviewed` is the last review with residents, on or after `raised`".into());
                    None
                }
                Ok(day) => Some(day),
                Err(_) => {
                    self.error(r, format!("`{written}` is not a date")).help = Some(
                        "write the day of the last review as YYYY-MM-DD, e.g. `reviewed = \"2026-02-20\"`".into(),
                    );
                    None
                }
            }
        });
        let district = match &p.district {
            Some(d) if force.districts.iter().any(|known| known.id == *d.get_ref()) => {
                Some(d.get_ref().clone())
            }
            Some(d) => {
                let ids: Vec<&str> = force.districts.iter().map(|d| d.id.as_str()).collect();
                let e = self.error(d, format!("unknown district `{}`", d.get_ref()));
                match did_you_mean(d.get_ref(), ids.iter().copied()) {
                    Some(close) => e.label = Some(format!("did you mean `{close}`?")),
                    None => e.help = Some(format!("the districts are {}", ids.join(", "))),
                }
                None
            }
            None => filter.and_then(|f| district_named_in(f, force)),
        };
        Some(super::Priority {
            raised: date,
            raised_at: raised.span(),
            raised_by: p.raised_by.trim().to_string(),
            area: p.area.trim().to_string(),
            raised_by_cy: welsh(&p.raised_by_cy),
            area_cy: welsh(&p.area_cy),
            status: p
                .status
                .as_ref()
                .map_or(super::PriorityStatus::Open, |s| *s.get_ref()),
            district,
            reviewed,
        })
    }

    fn date_column(&mut self, raw: &RawMeasure, source: &SourceSchema) -> Option<String> {
        match &raw.date {
            Some(date) => {
                let name = date.get_ref();
                match source.column(name).map(|c| c.ty) {
                    Some(ColumnType::Date | ColumnType::DateTime) => Some(name.clone()),
                    Some(_) => {
                        self.error(
                            date,
                            format!("column `{name}` of `{}` is not a date", source.name),
                        )
                        .help = Some(format!(
                            "date columns of `{}`: {}",
                            source.name,
                            source.date_columns().join(", ")
                        ));
                        None
                    }
                    None => {
                        self.unknown_column(date, name, source);
                        None
                    }
                }
            }
            None => match &source.period_column {
                Some(c) => Some(c.clone()),
                None => {
                    self.error(
                        &raw.source,
                        format!("source `{}` has no date to count periods by", source.name),
                    );
                    None
                }
            },
        }
    }

    fn kind(
        &mut self,
        raw: &RawMeasure,
        source: &SourceSchema,
        extra: &[&str],
    ) -> Option<MeasureKind> {
        let numerator = raw
            .numerator
            .as_ref()
            .map(|n| self.condition(n, source, extra, "numerator"));
        let denominator = raw
            .denominator
            .as_ref()
            .map(|d| self.condition(d, source, extra, "denominator"));
        let kind = raw.kind.get_ref();
        if *kind != Kind::Proportion {
            for (field, name) in [
                (&raw.numerator, "numerator"),
                (&raw.denominator, "denominator"),
            ] {
                if let Some(f) = field {
                    self.error(f, format!("a {} measure has no {name}", kind_name(*kind))).help = Some(
                        "put the condition in `filter`, or make the measure `kind = \"proportion\"`".into(),
                    );
                }
            }
        }
        let distribution = matches!(kind, Kind::Mean | Kind::Median | Kind::Percentile);
        if !distribution && let Some(of) = &raw.of {
            self.error(of, format!("a {} measure has no `of`", kind_name(*kind))).help = Some(
                "`of` names the values of a `mean`, `median` or `percentile`; remove it, or change `kind`".into(),
            );
        }
        if *kind != Kind::Percentile
            && let Some(p) = &raw.percentile
        {
            self.error(p, "`percentile` applies only to `kind = \"percentile\"`")
                .help = Some("remove it, or set `kind = \"percentile\"`".into());
        }
        if *kind != Kind::Rate
            && let Some(per) = &raw.per
        {
            self.error(per, "`per` applies only to rates").help =
                Some("remove it, or set `kind = \"rate\"`".into());
        }
        match kind {
            Kind::Count => Some(MeasureKind::Count),
            Kind::Proportion => {
                let numerator = match (numerator, &raw.repeat) {
                    (Some(n), _) => n,
                    (None, Some(_)) => REPEAT_COLUMN.to_string(),
                    (None, None) => {
                        self.error(&raw.kind, "a proportion needs a `numerator`").help = Some(
                            "add e.g. `numerator = \"whole_experience <= 3\"` (counted among the denominator's rows)"
                                .into(),
                        );
                        return None;
                    }
                };
                Some(MeasureKind::Proportion {
                    numerator,
                    denominator,
                })
            }
            Kind::Rate => {
                if source.column("district").is_none() {
                    self.error(
                        &raw.source,
                        format!(
                            "source `{}` has no district for a population rate",
                            source.name
                        ),
                    );
                }
                let per = raw.per.as_ref().map_or(1000, |p| *p.get_ref());
                if !(1..=10_000_000).contains(&per) {
                    self.error(
                        raw.per.as_ref().expect("per given when not default"),
                        "`per` must be a positive whole number",
                    )
                    .help = Some("e.g. `per = 1000` for a rate per 1,000 population".into());
                    return None;
                }
                Some(MeasureKind::Rate { per: per as u32 })
            }
            Kind::Mean | Kind::Median | Kind::Percentile => {
                use crate::stats::distribution::Statistic;
                let statistic = match kind {
                    Kind::Mean => Statistic::Mean,
                    Kind::Median => Statistic::Median,
                    _ => match &raw.percentile {
                        None => {
                            self.error(&raw.kind, "a percentile needs `percentile`")
                                .help =
                                Some("add e.g. `percentile = 0.9` for the 90th percentile".into());
                            return None;
                        }
                        Some(p) if !(*p.get_ref() > 0.0 && *p.get_ref() < 1.0) => {
                            self.error(
                                p,
                                format!("percentile {} is not between 0 and 1", p.get_ref()),
                            )
                            .help = Some(
                                "write it as a fraction: the 90th percentile is `percentile = 0.9`"
                                    .into(),
                            );
                            return None;
                        }
                        Some(p) => Statistic::Percentile(*p.get_ref()),
                    },
                };
                let Some(of) = &raw.of else {
                    self.error(
                        &raw.kind,
                        format!("a {} needs `of`, the values it is of", kind_name(*kind)),
                    )
                    .help = Some(format!(
                        "add e.g. `of = \"{}\"`, a numeric column of `{}` or an SQL expression",
                        source.numeric_columns().first().unwrap_or(&"minutes"),
                        source.name
                    ));
                    return None;
                };
                let of = self.expression(of, source, extra, "of", Wanted::Number);
                Some(MeasureKind::Distribution { of, statistic })
            }
        }
    }

    fn periods(&mut self, raw: &RawMeasure, run_length: usize) -> Option<Periods> {
        let grain = raw.grain.as_ref().map_or(Grain::Month, |g| *g.get_ref());
        let spc = raw.spc.as_ref().is_some_and(|s| *s.get_ref());
        let baseline = raw.spc_baseline.as_ref().and_then(|b| match b.get_ref() {
            RawBaseline::FirstPoints(n) => match usize::try_from(*n) {
                Ok(n) if n >= 2 => Some(Baseline::FirstPoints(n)),
                _ => {
                    self.error(b, format!("an SPC baseline of {n} points cannot fix limits"))
                        .help = Some(
                        "limits need a moving range, so at least 2 points: NHS England's guidance is 12 or more, e.g. `spc_baseline = 12`".into(),
                    );
                    None
                }
            },
            RawBaseline::Months(inner) => {
                match (Month::parse(&inner.from), Month::parse(&inner.to)) {
                    (Some(from), Some(to)) if from <= to => Some(Baseline::Months(from, to)),
                    (Some(_), Some(_)) => {
                        self.error(b, "the SPC baseline ends before it starts").help =
                            Some("`from` is the first month and `to` the last, e.g. { from = \"2021-01\", to = \"2022-12\" }".into());
                        None
                    }
                    _ => {
                        self.error(b, "SPC baseline months must be written `YYYY-MM`").help =
                            Some("e.g. `spc_baseline = { from = \"2021-01\", to = \"2022-12\" }`, or the first N points: `spc_baseline = 12`".into());
                        None
                    }
                }
            }
        });
        if let Some(b) = &raw.spc_baseline
            && !spc
        {
            self.error(b, "an SPC baseline is given but SPC is not asked for")
                .help = Some("add `spc = true`, or remove `spc_baseline`".into());
        }
        let chart = self.spc_chart(raw, spc);
        let breaks = self.spc_breaks(raw, spc, baseline);
        match &raw.window {
            None => Some(Periods::Discrete {
                grain,
                spc: spc.then_some(SpcSpec {
                    baseline,
                    breaks,
                    run_length,
                    chart,
                }),
            }),
            Some(window) => {
                let periods = parse_window(window.get_ref());
                let Some(periods) = periods else {
                    self.error(window, format!("unknown window `{}`", window.get_ref()))
                        .help = Some(
                        "write a rolling window as `rolling_N_months` (e.g. `rolling_12_months`), \
                         or `financial_year_to_date`"
                            .into(),
                    );
                    return None;
                };
                if let Some(g) = raw.grain.as_ref().filter(|g| *g.get_ref() != Grain::Month) {
                    self.error(g, "a window is counted in months").help =
                        Some("remove `grain`, or remove `window` for quarters or years".into());
                }
                if let Some(s) = raw.spc.as_ref().filter(|s| *s.get_ref()) {
                    self.error(s, "SPC cannot be used on a window of months").help = Some(
                        "the points of a window share months, so they are not independent \
                         and the XmR limits and rules would signal falsely; remove `spc`, or remove `window` to \
                         chart discrete months"
                            .into(),
                    );
                }
                Some(periods)
            }
        }
    }

    fn annotations(&mut self, raw: &RawMeasure) -> Vec<super::Annotation> {
        let mut annotations = Vec::new();
        for spanned in &raw.annotations {
            let inner = spanned.get_ref();
            let Ok(date) = chrono::NaiveDate::parse_from_str(inner.date.trim(), "%Y-%m-%d") else {
                self.error(spanned, format!("`{}` is not a date", inner.date))
                    .help = Some(
                    "write an annotation's date as YYYY-MM-DD, e.g. `{ date = \"2023-04-03\", text = \"Online reporting form goes live\" }`"
                        .into(),
                );
                continue;
            };
            if inner.text.trim().is_empty() {
                self.error(spanned, "an annotation needs its text").help =
                    Some("say what happened, in a few words: it is drawn on the chart".into());
                continue;
            }
            annotations.push(super::Annotation {
                date,
                text: inner.text.trim().to_string(),
            });
        }
        annotations.sort_by_key(|a| a.date);
        annotations
    }

    /// `target = x` (one named "Target") or `[[targets]]`, grouped by name in
    /// the order first named, each name's values in month order.
    fn targets(&mut self, raw: &RawMeasure, graded: Option<&str>) -> Vec<Target> {
        let proportion = raw.kind.get_ref() == &Kind::Proportion;
        let in_range = |v: &mut Self, value: f64, at: Range<usize>| {
            if proportion && !(0.0..=1.0).contains(&value) {
                v.errors.push(
                    Diagnostic::at(v.file, at, format!("target {value} is not a proportion"))
                        .with_help("proportions are fractions from 0 to 1: write 85% as 0.85"),
                );
            }
        };
        let mut targets: Vec<Target> = Vec::new();
        if let Some(t) = &raw.target {
            in_range(self, *t.get_ref(), t.span());
            if let Some(first) = raw.targets.first() {
                self.error(first, "a measure has `target` or `[[targets]]`, not both")
                    .help = Some("name the single target as one of the `[[targets]]`, e.g. `name = \"Local target\"`".into());
            }
            targets.push(Target {
                name: "Target".into(),
                steps: vec![(None, *t.get_ref())],
                grades: false,
            });
        }
        for spanned in &raw.targets {
            let inner = spanned.get_ref();
            in_range(self, *inner.value.get_ref(), inner.value.span());
            let name = inner.name.trim();
            if name.is_empty() {
                self.error(spanned, "a target needs a name").help = Some(
                    "say what it is, as the board reads it: `name = \"National standard\"`".into(),
                );
                continue;
            }
            let from = match &inner.from {
                None => None,
                Some(written) => match Month::parse(written.get_ref()) {
                    Some(month) => Some(month),
                    None => {
                        self.error(
                            written,
                            "a target's `from` must be a month written `YYYY-MM`",
                        )
                        .help = Some("e.g. `from = \"2026-04\"`".into());
                        continue;
                    }
                },
            };
            let index = match targets.iter().position(|t| t.name == name) {
                Some(i) => i,
                None => {
                    targets.push(Target {
                        name: name.to_string(),
                        steps: Vec::new(),
                        grades: false,
                    });
                    targets.len() - 1
                }
            };
            let steps = &mut targets[index].steps;
            if steps.iter().any(|(f, _)| *f == from) {
                let when = from.map_or("from the first figures".to_string(), |m| {
                    format!("from {m}")
                });
                self.error(spanned, format!("the {name} is given twice {when}"))
                    .help = Some(
                    "give each value of a target once, with the month it starts (`from`)".into(),
                );
                continue;
            }
            steps.push((from, *inner.value.get_ref()));
            steps.sort_by_key(|(f, _)| *f);
        }
        let graded = graded
            .and_then(|name| targets.iter().position(|t| t.name == name))
            .unwrap_or(0);
        if let Some(t) = targets.get_mut(graded) {
            t.grades = true;
        }
        targets
    }

    fn spc_chart(&mut self, raw: &RawMeasure, spc: bool) -> SpcChart {
        let Some(written) = &raw.spc_chart else {
            return SpcChart::Xmr;
        };
        let kind = *raw.kind.get_ref();
        let chart = match written.get_ref().trim() {
            "xmr" | "XmR" => SpcChart::Xmr,
            "p'" | "p′" if kind == Kind::Proportion => SpcChart::PPrime,
            "u'" | "u′" if kind == Kind::Rate => SpcChart::UPrime,
            "t" if kind == Kind::Count => SpcChart::T,
            "g" if kind == Kind::Proportion => SpcChart::G,
            "p'" | "p′" | "u'" | "u′" | "t" | "g" => {
                self.error(written, format!("a {} chart is not for a {}", written.get_ref().trim(), kind_name(kind)))
                    .help = Some("`spc_chart = \"p'\"` reads a proportion and `spc_chart = \"u'\"` a rate; `\"t\"` reads the days between a count's events and `\"g\"` the denominator rows between a proportion's numerator rows; any measure can have `\"xmr\"`".into());
                return SpcChart::Xmr;
            }
            other => {
                self.error(written, format!("`{other}` is not an SPC chart"))
                    .help = Some("write `\"xmr\"` (the default), `\"p'\"` for a proportion, `\"u'\"` for a rate, or `\"t\"` or `\"g\"` for rare events".into());
                return SpcChart::Xmr;
            }
        };
        if chart.between_events() {
            // Each event's date is on the chart: a count withheld or rounded
            // for small numbers could be read off it.
            for (key, given) in [
                ("suppress_below", raw.suppress_below.is_some()),
                ("round_to", raw.round_to.is_some()),
            ] {
                if given {
                    self.error(
                        written,
                        format!("a {} chart cannot be drawn with `{key}`", chart.name()),
                    )
                    .help = Some(format!(
                        "the chart shows the date of every event, which would give away the counts `{key}` withholds; remove `{key}` where the events are published one by one already (as deaths following police contact are), or chart the monthly counts (`\"xmr\"`)"
                    ));
                }
            }
            if !raw.spc_breaks.is_empty() {
                self.error(written, format!("a {} chart is read without break points", chart.name()))
                    .help = Some("remove `spc_breaks`; `spc_baseline = N` fixes the limits on the first N events".into());
            }
        }
        if !spc {
            self.error(written, "an SPC chart is given but SPC is not asked for")
                .help = Some("add `spc = true`, or remove `spc_chart`".into());
        }
        chart
    }

    fn spc_breaks(
        &mut self,
        raw: &RawMeasure,
        spc: bool,
        baseline: Option<Baseline>,
    ) -> Vec<SpcBreak> {
        let mut breaks: Vec<SpcBreak> = Vec::new();
        for spanned in &raw.spc_breaks {
            let inner = spanned.get_ref();
            if !spc {
                self.error(spanned, "an SPC break is given but SPC is not asked for")
                    .help = Some("add `spc = true`, or remove `spc_breaks`".into());
                return Vec::new();
            }
            let Some(month) = Month::parse(&inner.month) else {
                self.error(spanned, "a break's month must be written `YYYY-MM`")
                    .help = Some(
                    "e.g. `{ month = \"2023-04\", reason = \"New crime recording system\" }`"
                        .into(),
                );
                continue;
            };
            if inner.reason.trim().is_empty() {
                self.error(spanned, "a break needs a reason").help = Some(
                    "say what changed, e.g. `reason = \"Crime recording moved to the new system\"`: \
                     it is shown on the chart and in board packs"
                        .into(),
                );
                continue;
            }
            if breaks.last().is_some_and(|b| b.month >= month) {
                self.error(
                    spanned,
                    "breaks must be listed in month order, each month once",
                );
                continue;
            }
            if let Some(Baseline::Months(from, to)) = baseline
                && from < month
                && month <= to
            {
                self.error(spanned, format!("the SPC baseline {from} to {to} spans this break"))
                    .help = Some("a baseline must lie within one segment: end it before the break or start it after".into());
            }
            breaks.push(SpcBreak {
                month,
                reason: inner.reason.trim().to_string(),
            });
        }
        breaks
    }

    fn breakdowns(
        &mut self,
        raw: &RawMeasure,
        source: &SourceSchema,
        kind: &Option<MeasureKind>,
    ) -> Vec<Breakdown> {
        let mut breakdowns: Vec<Breakdown> = Vec::new();
        for spanned in &raw.breakdowns {
            let (name, column, separator) = match spanned.get_ref() {
                RawBreakdown::Column(c) => (c.clone(), c.clone(), None),
                RawBreakdown::Detailed(d) => {
                    (d.name.clone(), d.column.clone(), d.separator.clone())
                }
            };
            let Some(spec) = source.column(&column) else {
                self.unknown_column(spanned, &column, source);
                continue;
            };
            if breakdowns.iter().any(|b| b.name == name) {
                self.error(spanned, format!("breakdown `{name}` is given twice"));
                continue;
            }
            if spec.identifier {
                self.error(
                    spanned,
                    format!(
                        "column `{column}` identifies a person or a record, so a breakdown by it would publish every value"
                    ),
                )
                .help = Some(
                    "break down by a column of categories, such as `district`; an identifier may only key a repeat rule"
                        .into(),
                );
                continue;
            }
            let multi_valued = matches!(spec.ty, ColumnType::EnumSet(_));
            let separator = match (separator, multi_valued) {
                (None, true) => Some(";".to_string()),
                (Some(s), _) if s.is_empty() => {
                    self.error(spanned, "a breakdown's separator cannot be empty");
                    continue;
                }
                (Some(s), _) if !matches!(spec.ty, ColumnType::Text | ColumnType::EnumSet(_)) => {
                    self.error(
                        spanned,
                        format!(
                            "column `{column}` is not text, so it has no separator to split on"
                        ),
                    )
                    .help = Some(format!("remove `separator = \"{s}\"`"));
                    continue;
                }
                (s, _) => s,
            };
            if !matches!(
                spec.ty,
                ColumnType::Text | ColumnType::Enum(_) | ColumnType::EnumSet(_) | ColumnType::Bool
            ) {
                self.error(
                    spanned,
                    format!(
                        "column `{column}` ({}) cannot be a breakdown",
                        spec.ty.describe()
                    ),
                )
                .help = Some("break down by a column of categories, such as `district`".into());
                continue;
            }
            if kind.as_ref().is_some_and(MeasureKind::needs_population) && column != "district" {
                self.error(spanned, "a population rate can be broken down by district only").help =
                    Some("population is known by district; remove this breakdown or make the measure a count".into());
                continue;
            }
            let domain = match spec.ty {
                ColumnType::Bool => Some(vec!["false".to_string(), "true".to_string()]),
                ty => ty
                    .domain()
                    .map(|d| d.iter().map(|s| s.to_string()).collect()),
            };
            breakdowns.push(Breakdown {
                name,
                column,
                separator,
                domain,
            });
        }
        breakdowns
    }

    fn repeat(
        &mut self,
        raw: &Spanned<super::raw::RawRepeat>,
        source: &SourceSchema,
    ) -> Option<RepeatRule> {
        let rule = raw.get_ref();
        if source.column(&rule.person).is_none() {
            self.unknown_column(raw, &rule.person, source);
            return None;
        }
        if !(1..=3660).contains(&rule.within_days) {
            self.error(raw, "`within_days` must be from 1 to 3660").help =
                Some("e.g. `within_days = 365` for a repeat within a year".into());
            return None;
        }
        Some(RepeatRule {
            person: rule.person.clone(),
            within_days: rule.within_days as u32,
        })
    }

    fn unknown_column<T>(&mut self, at: &Spanned<T>, name: &str, source: &SourceSchema) {
        let columns: Vec<&str> = source.columns.iter().map(|c| c.name.as_str()).collect();
        let d = self.error(
            at,
            format!("unknown column `{name}` in source `{}`", source.name),
        );
        match did_you_mean(name, columns.iter().copied()) {
            Some(close) => d.label = Some(format!("did you mean `{close}`?")),
            None => {
                d.help = Some(format!(
                    "the columns of `{}` are: {}",
                    source.name,
                    columns.join(", ")
                ))
            }
        }
    }

    /// Checks an SQL condition: it parses, names only the source's columns, and is
    /// true or false. Returns the text as written.
    fn condition(
        &mut self,
        spanned: &Spanned<String>,
        source: &SourceSchema,
        extra: &[&str],
        what: &str,
    ) -> String {
        self.expression(spanned, source, extra, what, Wanted::Condition)
    }

    /// An SQL expression over the source's columns, checked to parse, to name
    /// only its columns (and enum values), and to give what is wanted of it.
    fn expression(
        &mut self,
        spanned: &Spanned<String>,
        source: &SourceSchema,
        extra: &[&str],
        what: &str,
        wanted: Wanted,
    ) -> String {
        let noun = match wanted {
            Wanted::Condition => "condition",
            Wanted::Number => "expression",
        };
        let text = spanned.get_ref().clone();
        let literal_start = spanned.span().start + literal_prefix(&self.file.text[spanned.span()]);
        let mut parser = match Parser::new(&GenericDialect {}).try_with_sql(&text) {
            Ok(p) => p,
            Err(e) => {
                self.error(spanned, format!("`{what}` is not a valid SQL {noun}: {e}"));
                return text;
            }
        };
        let expr = match parser.parse_expr() {
            Ok(expr) if parser.peek_token().token == Token::EOF => expr,
            Ok(_) => {
                let rest = parser.peek_token();
                self.error(
                    spanned,
                    format!("`{what}` has unexpected text after the {noun}, at `{rest}`"),
                )
                .help = Some("join conditions with AND or OR".into());
                return text;
            }
            Err(e) => {
                self.error(spanned, format!("`{what}` is not a valid SQL {noun}: {e}"))
                    .help = Some(
                    "write it as a SQL WHERE clause, e.g. `domestic_abuse AND victim_age < 18`"
                        .into(),
                );
                return text;
            }
        };
        let unknown: Vec<Ident> = crate::common::sql::column_idents(&expr)
            .into_iter()
            .filter(|ident| {
                let name = ident.value.to_ascii_lowercase();
                source.column(&name).is_none() && !extra.contains(&name.as_str())
            })
            .collect();
        let mut columns: Vec<&str> = source.columns.iter().map(|c| c.name.as_str()).collect();
        columns.extend_from_slice(extra);
        for ident in &unknown {
            let offset = byte_offset(&text, ident.span.start.line, ident.span.start.column);
            let start = literal_start + offset;
            let mut d = Diagnostic::at(
                self.file,
                start..start + ident.value.len(),
                format!(
                    "unknown column `{}` in source `{}`",
                    ident.value, source.name
                ),
            );
            d = match did_you_mean(&ident.value, columns.iter().copied()) {
                Some(close) => d.with_label(format!("did you mean `{close}`?")),
                None => d.with_help(format!(
                    "the columns of `{}` are: {}",
                    source.name,
                    columns.join(", ")
                )),
            };
            if ident.value == REPEAT_COLUMN {
                d = d.with_help("`is_repeat` exists when the measure declares a `repeat` rule");
            }
            self.errors.push(d);
        }
        if unknown.is_empty() {
            self.check_values(&expr, &text, literal_start, source);
            self.type_check(spanned, &text, source, extra, what, wanted);
        }
        text
    }

    /// A text literal compared with an enum column (`line = '99'`,
    /// `referred_by IN ('victim')`) must be one of its declared values: a
    /// misspelt value would match no row, silently.
    fn check_values(
        &mut self,
        expr: &SqlExpr,
        text: &str,
        literal_start: usize,
        source: &SourceSchema,
    ) {
        use datafusion::sql::sqlparser::ast::{BinaryOperator, Value};
        let mut found: Vec<(Ident, datafusion::sql::sqlparser::ast::ValueWithSpan)> = Vec::new();
        let _ = visit_expressions(expr, |e| {
            let column = |e: &SqlExpr| match e {
                SqlExpr::Identifier(ident) => Some(ident.clone()),
                SqlExpr::CompoundIdentifier(parts) => parts.last().cloned(),
                _ => None,
            };
            let literal = |e: &SqlExpr| match e {
                SqlExpr::Value(v) if matches!(v.value, Value::SingleQuotedString(_)) => {
                    Some(v.clone())
                }
                _ => None,
            };
            match e {
                SqlExpr::BinaryOp {
                    left,
                    op: BinaryOperator::Eq | BinaryOperator::NotEq,
                    right,
                } => {
                    if let (Some(c), Some(v)) = (column(left), literal(right)) {
                        found.push((c, v));
                    } else if let (Some(v), Some(c)) = (literal(left), column(right)) {
                        found.push((c, v));
                    }
                }
                SqlExpr::InList { expr, list, .. } => {
                    if let Some(c) = column(expr) {
                        found.extend(list.iter().filter_map(literal).map(|v| (c.clone(), v)));
                    }
                }
                _ => {}
            }
            ControlFlow::<()>::Continue(())
        });
        for (ident, value) in found {
            let Value::SingleQuotedString(word) = &value.value else {
                continue;
            };
            let Some(spec) = source.column(&ident.value.to_ascii_lowercase()) else {
                continue;
            };
            let offset = byte_offset(text, value.span.start.line, value.span.start.column);
            let start = literal_start + offset;
            let at = start..start + word.len() + 2;
            if spec.identifier {
                self.errors.push(
                    Diagnostic::at(
                        self.file,
                        at,
                        format!(
                            "`{}` identifies a person or a record: a measure of one of its values would publish about them",
                            spec.name
                        ),
                    )
                    .with_help("count categories of rows, never named ones; an identifier may only key a repeat rule"),
                );
                continue;
            }
            if spec.ty == ColumnType::Text {
                if let Some(d) = self.undeclared_place(&spec.name, word, at) {
                    self.errors.push(d);
                }
                continue;
            }
            let ColumnType::Enum(vocabulary) = spec.ty else {
                continue;
            };
            if vocabulary.values.contains(&word.as_str()) {
                continue;
            }
            let mut d = Diagnostic::at(
                self.file,
                at,
                format!(
                    "`{word}` is not a value of `{}` in source `{}`, so no row would match",
                    spec.name, source.name
                ),
            );
            d = match did_you_mean(word, vocabulary.values.iter().copied()) {
                Some(close) => d.with_label(format!("did you mean `{close}`?")),
                None => d.with_help(format!("the values are {}", vocabulary.listed())),
            };
            self.errors.push(d);
        }
    }

    /// A text `neighbourhood` or `district` column (police.uk's, made from the
    /// LSOA) compared with an id the force does not declare: a misspelt place
    /// gives a silently empty measure. A neighbourhood id must be declared; a
    /// district outside the force keeps its own name, so only one close to a
    /// declared district is taken for a misspelling.
    fn undeclared_place(&self, column: &str, word: &str, at: Range<usize>) -> Option<Diagnostic> {
        let id_like = crate::common::is_id(word);
        let (kind, ids): (&str, Vec<&str>) = match column {
            "neighbourhood" => (
                "neighbourhood",
                self.force
                    .neighbourhoods
                    .iter()
                    .map(|n| n.id.as_str())
                    .collect(),
            ),
            "district" => (
                "district",
                self.force.districts.iter().map(|d| d.id.as_str()).collect(),
            ),
            _ => return None,
        };
        if !id_like || word == "unknown_location" || ids.contains(&word) {
            return None;
        }
        let close = did_you_mean(word, ids.iter().copied());
        if kind == "district" && close.is_none() {
            return None;
        }
        let d = Diagnostic::at(
            self.file,
            at,
            format!("`{word}` is not a {kind} of data/force.toml, so no row would match"),
        );
        Some(match close {
            Some(close) => d.with_label(format!("did you mean `{close}`?")),
            None if ids.is_empty() => d.with_help(format!(
                "data/force.toml declares no {kind}s: add `[[neighbourhoods]]` with its id, district and MSOAs"
            )),
            None => d.with_help(format!("the force's {kind}s are {}", ids.join(", "))),
        })
    }

    fn type_check(
        &mut self,
        spanned: &Spanned<String>,
        text: &str,
        source: &SourceSchema,
        extra: &[&str],
        what: &str,
        wanted: Wanted,
    ) {
        use datafusion::arrow::datatypes::DataType;
        let schema = source.arrow_schema_with(extra);
        let df_schema = match DFSchema::try_from(schema.as_ref().clone()) {
            Ok(s) => s,
            Err(e) => {
                self.error(spanned, format!("cannot check `{what}`: {e}"));
                return;
            }
        };
        let ctx = self.ctx.get_or_insert_with(SessionContext::new);
        let parsed = ctx.parse_sql_expr(text, &df_schema);
        // A value compared with a column it cannot be (`answer_seconds <=
        // 'ten'`) would fail only when a run plans the query: found here.
        if let Ok(expr) = &parsed
            && let Some((value, ty)) = mistyped_value(expr, &df_schema)
        {
            self.error(
                spanned,
                format!(
                    "`{what}` compares a column of {} with '{value}', which is not one",
                    type_plural(&ty)
                ),
            )
            .help = Some(
                "compare each column with a value of its type: a number without quotes (`answer_seconds <= 10`), a date as 'YYYY-MM-DD', text in quotes".into(),
            );
            return;
        }
        let result = parsed.and_then(|e| e.get_type(&df_schema));
        match (wanted, result) {
            (Wanted::Condition, Ok(DataType::Boolean | DataType::Null)) => {}
            (Wanted::Number, Ok(ty)) if ty.is_numeric() || ty == DataType::Null => {}
            (Wanted::Number, Ok(other)) => {
                self.error(
                    spanned,
                    format!(
                        "`{what}` must be a number for each row, but it gives {}",
                        type_words(&other)
                    ),
                )
                .help = Some(format!(
                    "name a numeric column of `{}` ({}), or an SQL expression of them",
                    source.name,
                    source.numeric_columns().join(", ")
                ))
            }
            (Wanted::Condition, Ok(other)) => {
                self.error(
                    spanned,
                    format!(
                        "`{what}` must be true or false for each row, but it gives {}",
                        type_words(&other)
                    ),
                )
                .help =
                    Some("compare the value, e.g. `victim_age < 18` or `outcome_type = 1`".into())
            }
            (_, Err(e)) => {
                let message = e.to_string();
                let first = message.lines().next().unwrap_or_default();
                self.error(spanned, format!("`{what}` cannot be evaluated: {first}"));
            }
        }
    }
}

/// An Arrow type as an analyst would say it.
fn type_words(ty: &datafusion::arrow::datatypes::DataType) -> String {
    use datafusion::arrow::datatypes::DataType;
    match ty {
        DataType::Dictionary(_, value) => type_words(value),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text".into(),
        DataType::Boolean => "true or false".into(),
        DataType::Date32 | DataType::Date64 => "a date".into(),
        DataType::Timestamp(..) => "a date and time".into(),
        ty if ty.is_integer() => "a whole number".into(),
        ty if ty.is_numeric() => "a number".into(),
        other => other.to_string(),
    }
}

/// A column's type in the plural, as in "a column of whole numbers".
fn type_plural(ty: &datafusion::arrow::datatypes::DataType) -> String {
    let words = type_words(ty);
    let one = words.strip_prefix("a ").unwrap_or(&words);
    format!("{one}s")
}

/// A quoted value compared with (`=`, `<`, `IN`, `BETWEEN`) a column of
/// another type that it cannot be read as: the value and the column's type.
fn mistyped_value(
    expr: &datafusion::logical_expr::Expr,
    schema: &DFSchema,
) -> Option<(String, datafusion::arrow::datatypes::DataType)> {
    use datafusion::arrow::datatypes::DataType;
    use datafusion::common::ScalarValue;
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    use datafusion::logical_expr::expr::InList;
    use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator};
    // `value` (when text) against a column's type: readable as one, or not.
    let unreadable = |column: &Expr, value: &Expr| -> Option<(String, _)> {
        let Expr::Literal(ScalarValue::Utf8(Some(text)), _) = value else {
            return None;
        };
        let ty = column.get_type(schema).ok()?;
        // Text (enums and districts among it) takes any quoted value.
        if !(ty.is_numeric() || ty.is_temporal() || ty == DataType::Boolean) {
            return None;
        }
        ScalarValue::Utf8(Some(text.clone()))
            .cast_to(&ty)
            .is_err()
            .then(|| (text.clone(), ty))
    };
    let mut found = None;
    let _ = expr.apply(|node| {
        let pairs: Vec<(&Expr, &Expr)> = match node {
            Expr::BinaryExpr(BinaryExpr {
                left,
                op:
                    Operator::Eq
                    | Operator::NotEq
                    | Operator::Lt
                    | Operator::LtEq
                    | Operator::Gt
                    | Operator::GtEq
                    | Operator::IsDistinctFrom
                    | Operator::IsNotDistinctFrom,
                right,
            }) => {
                vec![(left, right), (right, left)]
            }
            Expr::InList(InList { expr, list, .. }) => {
                list.iter().map(|v| (expr.as_ref(), v)).collect()
            }
            Expr::Between(Between {
                expr, low, high, ..
            }) => {
                vec![
                    (expr.as_ref(), low.as_ref()),
                    (expr.as_ref(), high.as_ref()),
                ]
            }
            _ => Vec::new(),
        };
        found = pairs
            .into_iter()
            .find_map(|(column, value)| unreadable(column, value));
        Ok(if found.is_some() {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    });
    found
}

/// What an SQL expression of a measure must give for each row.
#[derive(Clone, Copy)]
enum Wanted {
    /// True or false: a filter, numerator or denominator.
    Condition,
    /// A number: the values a mean, median or percentile is of.
    Number,
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Count => "count",
        Kind::Proportion => "proportion",
        Kind::Rate => "rate",
        Kind::Mean => "mean",
        Kind::Median => "median",
        Kind::Percentile => "percentile",
    }
}

/// `rolling_12_months` → 12 months rolling; `financial_year_to_date`.
fn parse_window(text: &str) -> Option<Periods> {
    if text == "financial_year_to_date" {
        return Some(Periods::FinancialYearToDate);
    }
    let months = text
        .strip_prefix("rolling_")?
        .strip_suffix("_months")?
        .parse::<u32>()
        .ok()?;
    (2..=120)
        .contains(&months)
        .then_some(Periods::Rolling { months })
}

/// Bytes between the start of a TOML string literal and its first character.
pub(crate) fn literal_prefix(raw: &str) -> usize {
    for quotes in ["\"\"\"", "'''"] {
        if let Some(rest) = raw.strip_prefix(quotes) {
            // A newline straight after the opening quotes is not part of the string.
            return 3 + if rest.starts_with("\r\n") {
                2
            } else {
                usize::from(rest.starts_with('\n'))
            };
        }
    }
    usize::from(raw.starts_with('"') || raw.starts_with('\''))
}

/// Byte offset of a 1-based line and character column in `text`.
fn byte_offset(text: &str, line: u64, column: u64) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum();
    let rest = &text[line_start.min(text.len())..];
    line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(rest.len(), |(i, _)| i)
}

/// The declared names of the force's districts and neighbourhoods, by id.
fn group_names(force: &crate::ingest::Force) -> std::collections::BTreeMap<String, String> {
    let districts = force.districts.iter().map(|d| (&d.id, &d.name));
    let neighbourhoods = force.neighbourhoods.iter().map(|n| (&n.id, &n.name));
    districts
        .chain(neighbourhoods)
        .map(|(id, name)| (id.clone(), name.clone()))
        .collect()
}

/// The SQL condition that a row is the home force's: its force column spells
/// the force's name or one of its aliases (in any case).
fn home_force_condition(column: &str, force: &crate::ingest::Force) -> String {
    let names: Vec<String> = std::iter::once(&force.name)
        .chain(&force.aliases)
        .map(|n| format!("'{}'", n.trim().to_lowercase().replace('\'', "''")))
        .collect();
    format!(
        "lower(trim(CAST({} AS VARCHAR))) IN ({})",
        crate::common::sql::ident(column),
        names.join(", ")
    )
}

/// The district a priority's filter names: a neighbourhood's id or name, or a
/// district's id, name or alias, in one of its quoted values
/// (`lsoa_name LIKE 'Fenland 003%'` is in Fenland).
fn district_named_in(filter: &str, force: &crate::ingest::Force) -> Option<String> {
    let normal = |s: &str| s.trim().to_lowercase().replace([' ', '-'], "_");
    filter.split('\'').skip(1).step_by(2).find_map(|literal| {
        let text = literal.trim_matches(|c| c == '%' || c == '_');
        // "Fenland 003I" → "Fenland": the area before its code.
        let area: Vec<&str> = text
            .split_whitespace()
            .take_while(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .collect();
        let area = normal(&area.join(" "));
        force
            .neighbourhoods
            .iter()
            .find(|n| normal(&n.id) == normal(text) || normal(&n.name) == normal(text))
            .map(|n| n.district.clone())
            .or_else(|| {
                force
                    .districts
                    .iter()
                    .find(|d| {
                        std::iter::once(&d.id)
                            .chain(std::iter::once(&d.name))
                            .chain(&d.aliases)
                            .any(|s| normal(s) == area || normal(s) == normal(text))
                    })
                    .map(|d| d.id.clone())
            })
    })
}

/// A declared Welsh form, trimmed; none where it is not given or blank.
fn welsh(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_rolling_months() {
        assert_eq!(
            parse_window("rolling_12_months"),
            Some(Periods::Rolling { months: 12 })
        );
        assert_eq!(
            parse_window("financial_year_to_date"),
            Some(Periods::FinancialYearToDate)
        );
        assert_eq!(parse_window("rolling_1_months"), None);
        assert_eq!(parse_window("12_months"), None);
    }

    #[test]
    fn literal_prefixes() {
        assert_eq!(literal_prefix("\"a\""), 1);
        assert_eq!(literal_prefix("'a'"), 1);
        assert_eq!(literal_prefix("\"\"\"\na\"\"\""), 4);
        assert_eq!(byte_offset("ab\ncd", 2, 2), 4);
    }
}
