//! The measure file format as written: deserialised from TOML with the position
//! of every value kept, unknown keys refused. `validate` turns it into a `Measure`.

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// A Measure of Success: one figure the Police and Crime Plan is judged by.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMeasure {
    /// Unique identifier: lower case letters, digits and underscores (e.g. `domestic_abuse_crimes`).
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// Title shown on the dashboard and in board packs.
    #[schemars(with = "String")]
    pub title: Spanned<String>,
    /// What the figure means and how to read it, in plain English.
    #[serde(default)]
    pub description: String,
    /// The title in Welsh, for a force that writes in Welsh (`data/force.toml`
    /// `languages = ["cy", "en"]`): shown on the `/cy/` pages and Welsh packs.
    #[serde(default)]
    pub title_cy: Option<String>,
    /// The description in Welsh.
    #[serde(default)]
    pub description_cy: Option<String>,
    /// Objective of the Police and Crime Plan, as `dashboards/plan.toml` numbers them
    /// (not needed by a People's Priority, which has a `[priority]` table).
    #[schemars(with = "Option<u8>")]
    pub objective: Option<Spanned<i64>>,
    /// Theme within the objective, as `dashboards/plan.toml` declares them
    /// (required where the objective has themes, not allowed elsewhere): e.g.
    /// `domestic_abuse` in Objective 4 "Keeping people safe".
    #[schemars(with = "Option<String>")]
    pub theme: Option<Spanned<String>>,
    /// Who may see it: `public`, or `restricted` to signed-in users. Defaults to
    /// `restricted` for the sensitive themes (domestic abuse, child sexual exploitation,
    /// mental health), `public` otherwise.
    #[schemars(with = "Option<Access>")]
    pub access: Option<Spanned<Access>>,
    /// The extract counted: `crimes`, `victim_satisfaction`, `victim_contacts`,
    /// `hate_incidents` or `mental_health_contacts`.
    #[schemars(with = "String")]
    pub source: Spanned<String>,
    /// The date column that places a row in a period (defaults to the source's own).
    #[schemars(with = "Option<String>")]
    pub date: Option<Spanned<String>>,
    /// `count` of rows, `proportion` of a denominator, `rate` per head of population,
    /// or the `mean`, `median` or `percentile` of a numeric column (`of`).
    #[schemars(with = "Kind")]
    pub kind: Spanned<Kind>,
    /// SQL condition on the source's columns: only rows for which it is true are counted.
    #[schemars(with = "Option<String>")]
    pub filter: Option<Spanned<String>>,
    /// Proportions: SQL condition for the rows counted on top (within the denominator).
    #[schemars(with = "Option<String>")]
    pub numerator: Option<Spanned<String>>,
    /// Proportions: SQL condition for the rows counted underneath (all filtered rows if omitted).
    #[schemars(with = "Option<String>")]
    pub denominator: Option<Spanned<String>>,
    /// Means, medians and percentiles: the numeric column or SQL expression whose
    /// values are summarised (rows where it is null have no value).
    #[schemars(with = "Option<String>")]
    pub of: Option<Spanned<String>>,
    /// Percentiles: which, as a fraction between 0 and 1 (0.9 is the 90th).
    #[schemars(with = "Option<f64>")]
    pub percentile: Option<Spanned<f64>>,
    /// The unit of the values (`minutes`, `seconds`, `days`), shown beside them.
    #[schemars(with = "Option<String>")]
    pub unit: Option<Spanned<String>>,
    /// Proportions and rates with a breakdown: draw each group on a funnel plot
    /// around the total, with 95% and 99.8% limits for its size (`true`), or
    /// limits that allow for overdispersion where the groups vary more than
    /// chance explains (`"adjusted"`).
    #[schemars(with = "Option<FunnelSetting>")]
    pub funnel: Option<Spanned<FunnelSetting>>,
    /// Rates: per how many people (default 1000).
    #[schemars(with = "Option<u32>")]
    pub per: Option<Spanned<i64>>,
    /// Period of each point: `month` (default), `quarter` (calendar quarters),
    /// `financial_quarter` (April to June is Q1) or `financial_year` (April to March).
    /// Only complete quarters and years are shown.
    #[schemars(with = "Option<Grain>")]
    pub grain: Option<Spanned<Grain>>,
    /// A window over months: `rolling_12_months` (each point covers the twelve months
    /// to its month), or `financial_year_to_date` (each point covers April to its month).
    #[schemars(with = "Option<String>")]
    pub window: Option<Spanned<String>>,
    /// Series besides the total: a column name (`district`), or a table naming the
    /// breakdown and its column, with `separator` for a multi-valued column
    /// (`{ name = "strand", column = "strands", separator = ";" }`).
    #[serde(default)]
    #[schemars(with = "Vec<RawBreakdown>")]
    pub breakdowns: Vec<Spanned<RawBreakdown>>,
    /// Which direction of change is good news.
    #[schemars(with = "crate::stats::Polarity")]
    pub polarity: Spanned<crate::stats::Polarity>,
    /// Statistical process control (XmR chart and special-cause rules). Discrete periods only.
    #[schemars(with = "Option<bool>")]
    pub spc: Option<Spanned<bool>>,
    /// The SPC chart: `"xmr"` (the default, Making Data Count's), Laney's
    /// `"p'"` for a proportion or `"u'"` for a rate whose denominators are so
    /// large that every month looks special on the plain charts, or for rare
    /// events `"t"` (days between a count's events) and `"g"` (a proportion's
    /// denominator rows between its numerator rows).
    #[schemars(with = "Option<String>")]
    pub spc_chart: Option<Spanned<String>>,
    /// The points that fix the SPC limits: months, e.g. `{ from = "2021-01", to = "2022-12" }`,
    /// or the first N points of each segment, e.g. `12`.
    #[schemars(with = "Option<RawBaseline>")]
    pub spc_baseline: Option<Spanned<RawBaseline>>,
    /// Break points in the SPC chart, each a month from which the process changed and why,
    /// e.g. `[{ month = "2023-04", reason = "New crime recording system" }]`. Limits are
    /// computed per segment and no signal crosses a break.
    #[serde(default)]
    #[schemars(with = "Vec<RawBreak>")]
    pub spc_breaks: Vec<Spanned<RawBreak>>,
    /// Dated events that explain the figures, drawn on the chart and listed in
    /// board packs, e.g. `[{ date = "2023-04-03", text = "Online reporting form goes live" }]`.
    #[serde(default)]
    #[schemars(with = "Vec<RawAnnotation>")]
    pub annotations: Vec<Spanned<RawAnnotation>>,
    /// Suppress any point whose count (or numerator or denominator) is below this.
    #[schemars(with = "Option<u32>")]
    pub suppress_below: Option<Spanned<i64>>,
    /// Rates over several forces' data (police.uk): compare the force with this group of
    /// `peer_groups.toml`, e.g. `peer_group = "most_similar"`. The total is the force's own
    /// rate; each peer and the group's pooled rate are series beside it.
    #[schemars(with = "Option<String>")]
    pub peer_group: Option<Spanned<String>>,
    /// Round published counts to the nearest multiple of this (e.g. 5) in every output,
    /// for disclosure control; values and intervals follow from the rounded counts.
    #[schemars(with = "Option<u32>", range(min = 2, max = 1000))]
    pub round_to: Option<Spanned<i64>>,
    /// The figure aimed for, in the measure's units (a fraction 0..1 for proportions).
    #[schemars(with = "Option<f64>")]
    pub target: Option<Spanned<f64>>,
    /// Several targets, or targets that change (a trajectory), each drawn and read:
    /// `[[targets]] name = "National standard", value = 0.9`, and a local one with
    /// `from = "2026-04"` for the month a new value starts.
    #[serde(default)]
    #[schemars(with = "Vec<RawTarget>")]
    pub targets: Vec<Spanned<RawTarget>>,
    /// Repeat rule: makes the column `is_repeat` true for a row whose person has another
    /// row passing `filter` in the given number of days before it.
    #[schemars(with = "Option<RawRepeat>")]
    pub repeat: Option<Spanned<RawRepeat>>,
    /// A People's Priority: what residents asked for, where and when. A measure
    /// with this table needs no objective or theme; its SPC starts a new
    /// segment in the month it was raised.
    #[schemars(with = "Option<RawPriority>")]
    pub priority: Option<Spanned<RawPriority>>,
}

/// `[priority]`: a locally-set People's Priority.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPriority {
    /// When residents set it, e.g. `raised = "2024-06-12"` (a TOML date unquoted is read too).
    #[schemars(with = "Option<String>")]
    pub raised: Option<Spanned<RawDate>>,
    /// The channel: "Wisbech public meeting", "online survey".
    #[serde(default)]
    pub raised_by: String,
    /// The place, as residents name it: "Wisbech town centre".
    #[serde(default)]
    pub area: String,
    /// The place in Welsh.
    #[serde(default)]
    pub area_cy: Option<String>,
    /// The channel in Welsh.
    #[serde(default)]
    pub raised_by_cy: Option<String>,
    /// `open` (the default) or `closed`.
    #[schemars(with = "Option<PriorityStatus>")]
    pub status: Option<Spanned<PriorityStatus>>,
    /// When it was last reviewed with residents, e.g. `reviewed = "2026-02-20"`;
    /// an open priority not reviewed for more than three months is flagged.
    #[schemars(with = "Option<String>")]
    pub reviewed: Option<Spanned<RawDate>>,
    /// The district it is in (an id of `data/force.toml`); found from the
    /// measure's filter (a district's or neighbourhood's name) when not given.
    #[schemars(with = "Option<String>")]
    pub district: Option<Spanned<String>>,
}

/// A day, as text (`"2024-06-12"`) or as a TOML date (`2024-06-12`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawDate {
    Text(String),
    Date(toml::value::Datetime),
}

impl RawDate {
    /// As written, for messages and parsing.
    pub fn text(&self) -> String {
        match self {
            RawDate::Text(t) => t.trim().to_string(),
            RawDate::Date(d) => d.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityStatus {
    Open,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Count,
    Proportion,
    Rate,
    Mean,
    Median,
    Percentile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Month,
    /// Calendar quarters: January to March, April to June...
    Quarter,
    /// Financial quarters: April to June is Q1, January to March Q4.
    FinancialQuarter,
    /// Financial years, April to March.
    FinancialYear,
}

impl Grain {
    /// Months in one period.
    pub fn months(self) -> i32 {
        match self {
            Grain::Month => 1,
            Grain::Quarter | Grain::FinancialQuarter => 3,
            Grain::FinancialYear => 12,
        }
    }

    /// Whether a period of this grain can start at `month`.
    pub fn starts_at(self, month: crate::common::period::Month) -> bool {
        match self {
            Grain::Month => true,
            // Financial quarters start in April, July, October and January too.
            Grain::Quarter | Grain::FinancialQuarter => month.quarter_start() == month,
            Grain::FinancialYear => month.month() == 4,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    Public,
    Restricted,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawBreakdown {
    /// A column whose values are the groups.
    Column(String),
    Detailed(RawBreakdownSpec),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBreakdownSpec {
    /// Name of the breakdown in results (`strand`).
    pub name: String,
    /// Column holding the groups (`strands`).
    pub column: String,
    /// For a multi-valued column: the separator between values; a row counts once in each of its groups.
    pub separator: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    /// What it is, as the board reads it: "National standard", "Local target".
    pub name: String,
    /// The figure aimed for, in the measure's units (a fraction 0..1 for proportions).
    #[schemars(with = "f64")]
    pub value: Spanned<f64>,
    /// The first month (`YYYY-MM`) this value holds from; the first figures when left out.
    #[schemars(with = "Option<String>")]
    pub from: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawBaseline {
    /// The first N points of each segment.
    FirstPoints(i64),
    Months(RawBaselineMonths),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBaselineMonths {
    /// First month of the baseline, `YYYY-MM`.
    pub from: String,
    /// Last month of the baseline, `YYYY-MM`.
    pub to: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBreak {
    /// First month of the new segment, `YYYY-MM`.
    pub month: String,
    /// Why the process changed (shown on the chart and in board packs).
    pub reason: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAnnotation {
    /// When it happened, `YYYY-MM-DD`.
    pub date: String,
    /// What happened, in a few words.
    pub text: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRepeat {
    /// Column identifying the person (`victim_id`).
    pub person: String,
    /// Look-back in days: an earlier row counts when `date - within_days <= earlier < date`.
    pub within_days: i64,
}

/// `funnel = true`, `false` or `"adjusted"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FunnelSetting {
    Drawn(bool),
    Named(String),
}
