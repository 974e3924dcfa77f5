//! Disclosure control across everything published together, as statistical
//! offices audit linked tables (tau-Argus, sdcTable): every published figure
//! of every measure (each window, breakdown, group and total) is a sum of
//! underlying cells, a measure's count by group and month; a withheld figure
//! whose value those sums determine is given away, however it was withheld.
//!
//! The audit runs on the counts after each measure's own suppression and
//! withholds more until nothing withheld is determined:
//! - for everyone, no count below a measure's `suppress_below` (a point's, or
//!   a single month's of a longer window) may follow from published figures,
//!   including a proportion's complement (denominator less numerator);
//! - for the public, no figure of a restricted measure may follow from the
//!   public measures;
//! - nor may any of them be confined to fewer values than its threshold
//!   (a hidden sum under it), which is found by propagating limits.
//!
//! Figures a board pack printed earlier stay in readers' hands whatever is
//! restated since: each one whose cells still add up to what it printed is
//! a sum known for good (it cannot be withheld now), so a restated month
//! cannot give away a group withheld beside groups that did not change.
//!
//! Measures are tied to each other where their counts are the same cells:
//! two series (of different measures) whose counts agree month by month over
//! their span are taken to count the same rows, as an attacker reading both
//! definitions would. Linear algebra is exact, over the integers mod a large
//! prime (2^61 − 1), in which a system of 0/1 sums has the same rank as over
//! the rationals but for a vanishing chance.

use super::{MeasureResult, Point, series};
use crate::common::period::{Month, Period};
use crate::definition::{Access, Base, Measure};
use std::collections::{BTreeSet, HashMap};

/// A figure the audit withheld beyond the measure's own suppression, and why.
/// Kept for the analysts (`mos check --disclosure`): it may name the
/// restricted measure a public figure was withheld for, so it is never served.
#[derive(Debug, Clone, PartialEq)]
pub struct Withheld {
    pub breakdown: Option<String>,
    pub group: Option<String>,
    pub period: Period,
    /// What publishing it would have given away, in words.
    pub protects: String,
    /// Whose view needed it: everyone's (a small number) or the public's (a
    /// restricted measure's figure).
    pub view: View,
}

/// A figure an earlier pack printed, as its snapshot holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Printed {
    pub measure: String,
    pub breakdown: Option<String>,
    pub group: Option<String>,
    pub period: Period,
    /// The count (a proportion's numerator, a rate's events).
    pub numerator: u64,
    /// The denominator, where whole: a proportion's is a sum of cells.
    pub denominator: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Everyone who reads a figure: small numbers are withheld from analysts too.
    Everyone,
    /// The public: restricted measures are withheld from it whole.
    Public,
}

/// Withholds, in `results` (with the tallies they were counted from, in the
/// same order), every further figure needed so that nothing withheld can be
/// worked out from what is published; each measure's `withheld` says which
/// and why, and SPC is charted again from the points left published.
/// `printed` are the figures earlier packs printed.
pub fn protect(results: &mut [MeasureResult], tallies: &[&super::Tally], printed: &[Printed]) {
    let layouts = Layouts::new(results, tallies);
    if layouts.cells.is_empty() {
        return;
    }
    let mut withheld: Vec<Vec<Vec<bool>>> = results
        .iter()
        .map(|r| {
            r.series
                .iter()
                .map(|s| s.points.iter().map(|p| p.figures.is_none()).collect())
                .collect()
        })
        .collect();
    let mut found: Vec<Vec<(usize, usize, String, View)>> = vec![Vec::new(); results.len()];
    for view in [View::Everyone, View::Public] {
        audit(results, &layouts, printed, view, &mut withheld, &mut found);
    }
    for (r, found) in found.into_iter().enumerate() {
        if found.is_empty() {
            continue;
        }
        let result = &mut results[r];
        let mut touched = BTreeSet::new();
        for (s, i, protects, view) in found {
            let series = &mut result.series[s];
            let point = &mut series.points[i];
            *point = Point {
                suppressed: true,
                figures: None,
                signal: None,
                ..point.clone()
            };
            result.withheld.push(Withheld {
                breakdown: series.breakdown.clone(),
                group: series.group.clone(),
                period: point.period,
                protects,
                view,
            });
            touched.insert(s);
        }
        // An event chart dates every event, so it would give a withheld
        // total away: it goes with it.
        if touched.contains(&0) {
            result.events = None;
        }
        // SPC reads published points only, as for the measure's own suppression.
        for s in touched {
            let series = &result.series[s];
            if let Some(last) = series.points.last().map(|p| p.period.last) {
                result.series[s] = series::up_to(&result.measure, series, last);
            }
        }
    }
}

/// A part of a point's counts: the numerator, a proportion's complement
/// (the denominator less the numerator), or its denominator (both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Part {
    Numerator,
    Complement,
    Denominator,
}

impl Part {
    fn parts(self) -> &'static [usize] {
        match self {
            Part::Numerator => &[0],
            Part::Complement => &[1],
            Part::Denominator => &[0, 1],
        }
    }

    fn words(self, measure: &Measure) -> &'static str {
        match (self, measure.kind.base()) {
            (Part::Numerator, Base::Denominator) => "numerator",
            (Part::Numerator, _) => "count",
            (Part::Complement, _) => "denominator less numerator",
            (Part::Denominator, _) => "denominator",
        }
    }
}

/// How one measure's cells are numbered: `slots` lines of cells (a group of
/// a breakdown, or the total where no breakdown partitions it), each with a
/// cell per month and part.
struct Cells {
    result: usize,
    first: Month,
    months: usize,
    /// 2 for a proportion (numerator, complement), else 1.
    parts: usize,
    base: usize,
    /// For each series of the result, the slots whose sum it is.
    series_slots: Vec<Vec<usize>>,
    /// Each cell's count, by variable less `base`.
    values: Vec<u64>,
    /// Sums that must agree: each further single-valued breakdown's groups
    /// with the first's, month by month.
    identities: Vec<(Vec<usize>, Vec<usize>)>,
}

impl Cells {
    fn var(&self, slot: usize, month: usize, part: usize) -> usize {
        self.base + (slot * self.months + month) * self.parts + part
    }

    fn part_list(&self) -> &'static [Part] {
        if self.parts == 2 {
            &[Part::Numerator, Part::Complement, Part::Denominator]
        } else {
            &[Part::Numerator]
        }
    }

    /// The variables of a series' `part` over months `from..=to` (offsets in the span).
    fn sum(&self, series: usize, from: usize, to: usize, part: Part) -> Vec<usize> {
        let mut vars = Vec::new();
        for &slot in &self.series_slots[series] {
            for month in from..=to {
                for &p in part.parts() {
                    vars.push(self.var(slot, month, p));
                }
            }
        }
        vars
    }

    fn value(&self, vars: &[usize]) -> u64 {
        vars.iter().map(|&v| self.values[v - self.base]).sum()
    }

    /// A point's months as offsets in the span, if the span holds them.
    fn months_of(&self, period: Period) -> Option<(usize, usize)> {
        let from = period.first.0 - self.first.0;
        let to = period.last.0 - self.first.0;
        (from >= 0 && to < self.months as i32).then_some((from as usize, to as usize))
    }
}

struct Layouts {
    cells: Vec<Cells>,
    variables: usize,
}

impl Layouts {
    /// One cell's count.
    fn value(&self, var: usize) -> u64 {
        // Layouts are numbered in order: the last to start at or before it.
        let c = &self.cells[self.cells.partition_point(|c| c.base <= var) - 1];
        c.values[var - c.base]
    }

    fn new(results: &[MeasureResult], tallies: &[&super::Tally]) -> Layouts {
        let mut cells = Vec::new();
        let mut base = 0;
        for (r, (result, tally)) in results.iter().zip(tallies).enumerate() {
            let measure = &result.measure;
            if measure.peer_group.is_some() {
                continue;
            }
            let Some((first, months)) = super::months_of(measure, tally) else {
                continue;
            };
            let laid = super::lay_out(measure, tally, first, months);
            let parts = if measure.kind.base() == Base::Denominator {
                2
            } else {
                1
            };
            let groups: usize = laid.breakdowns.iter().map(Vec::len).sum();
            if result.series.len() != 1 + groups {
                continue;
            }
            let partitions: Vec<usize> = (0..measure.breakdowns.len())
                .filter(|&b| measure.breakdowns[b].separator.is_none())
                .collect();
            let mut lines: Vec<&series::MonthlyCounts> = Vec::new();
            let mut series_slots = vec![Vec::new()];
            let mut by_breakdown: Vec<Vec<usize>> = Vec::new();
            if partitions.is_empty() {
                lines.push(&laid.total);
                series_slots[0].push(0);
            }
            for (b, groups) in laid.breakdowns.iter().enumerate() {
                let mut slots = Vec::new();
                for (_, counts) in groups {
                    slots.push(lines.len());
                    series_slots.push(vec![lines.len()]);
                    lines.push(counts);
                }
                if Some(&b) == partitions.first() {
                    series_slots[0] = slots.clone();
                }
                by_breakdown.push(slots);
            }
            let identities = partitions
                .iter()
                .skip(1)
                .map(|&b| (by_breakdown[b].clone(), series_slots[0].clone()))
                .collect();
            let mut values = Vec::with_capacity(lines.len() * months * parts);
            for counts in &lines {
                for m in 0..months {
                    let n = counts.numerator[m];
                    values.push(n);
                    if parts == 2 {
                        values.push(counts.denominator[m].saturating_sub(n));
                    }
                }
            }
            let layout = Cells {
                result: r,
                first,
                months,
                parts,
                base,
                series_slots,
                values,
                identities,
            };
            base += lines.len() * months * parts;
            cells.push(layout);
        }
        Layouts {
            cells,
            variables: base,
        }
    }

    /// Sums known to be equal whatever the data: a measure's partitions of its
    /// total, and series of two measures that count the same cells.
    fn identities(&self) -> Vec<Vec<(usize, u64)>> {
        let mut identities = Vec::new();
        let difference = |a: Vec<usize>, b: Vec<usize>| -> Vec<(usize, u64)> {
            let mut terms: Vec<(usize, u64)> = a.into_iter().map(|v| (v, 1)).collect();
            terms.extend(b.into_iter().map(|v| (v, P - 1)));
            terms
        };
        for c in &self.cells {
            for (slots, total) in &c.identities {
                for m in 0..c.months {
                    for p in 0..c.parts {
                        let a = slots.iter().map(|&s| c.var(s, m, p)).collect();
                        let b = total.iter().map(|&s| c.var(s, m, p)).collect();
                        identities.push(difference(a, b));
                    }
                }
            }
        }
        // Series counting the same rows: the same counts in every month.
        type Line = (i32, Vec<u64>);
        let mut lines: HashMap<Line, Vec<(usize, usize, Part)>> = HashMap::new();
        for (l, c) in self.cells.iter().enumerate() {
            for s in 0..c.series_slots.len() {
                for &part in c.part_list() {
                    let counts: Vec<u64> = (0..c.months)
                        .map(|m| c.value(&c.sum(s, m, m, part)))
                        .collect();
                    let Some(start) = counts.iter().position(|&n| n > 0) else {
                        continue;
                    };
                    let end = counts.iter().rposition(|&n| n > 0).unwrap_or(start);
                    if counts.iter().filter(|&&n| n > 0).count() < 2 {
                        continue;
                    }
                    let key = (c.first.0 + start as i32, counts[start..=end].to_vec());
                    lines.entry(key).or_default().push((l, s, part));
                }
            }
        }
        let mut keys: Vec<_> = lines.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, same) in keys {
            let (l0, s0, part0) = same[0];
            let a = &self.cells[l0];
            for &(l, s, part) in &same[1..] {
                if l == l0 {
                    continue;
                }
                let b = &self.cells[l];
                // Every month both spans hold, zeros included.
                let from = a.first.0.max(b.first.0);
                let to = (a.first.0 + a.months as i32).min(b.first.0 + b.months as i32);
                for month in from..to {
                    let (ma, mb) = ((month - a.first.0) as usize, (month - b.first.0) as usize);
                    identities.push(difference(a.sum(s0, ma, ma, part0), b.sum(s, mb, mb, part)));
                }
            }
        }
        identities
    }
}

/// A published figure as an equation: the sum of its cells is known.
struct Equation {
    terms: Vec<(usize, u64)>,
    /// The point it publishes (layout, series, point) and how big it is; `None`
    /// for an identity, which holds whatever is withheld, and for a figure
    /// printed earlier, which can no longer be.
    figure: Option<(usize, usize, usize, u64)>,
    /// Whether its sum is a number readers have (a figure, or one printed).
    known: bool,
}

/// A sum of cells that must not be determined.
struct Target {
    vars: Vec<usize>,
    words: String,
    /// The fewest values the published figures may leave it within: the
    /// measure's threshold (a hidden sum under it is as good as shown); 1 for
    /// a figure only its exact value gives away.
    width: u64,
}

/// The sums earlier packs printed that the cells still add up to, for
/// `view`: a printed figure whose cells have changed since pins nothing
/// exactly (its old cells are unknowns of their own).
fn printed_sums(
    results: &[MeasureResult],
    layouts: &Layouts,
    printed: &[Printed],
    view: View,
) -> Vec<Equation> {
    let mut sums = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in printed {
        let Some(c) = layouts
            .cells
            .iter()
            .find(|c| results[c.result].measure.id == p.measure)
        else {
            continue;
        };
        let result = &results[c.result];
        let measure = &result.measure;
        if measure.round_to.is_some() || (view == View::Public && measure.access != Access::Public)
        {
            continue;
        }
        let Some(s) = result
            .series
            .iter()
            .position(|s| s.breakdown == p.breakdown && s.group == p.group)
        else {
            continue;
        };
        let Some((from, to)) = c.months_of(p.period) else {
            continue;
        };
        let mut parts = vec![(Part::Numerator, p.numerator)];
        if c.parts == 2
            && let Some(d) = p.denominator
        {
            parts.push((Part::Denominator, d));
        }
        for (part, value) in parts {
            let vars = c.sum(s, from, to, part);
            if c.value(&vars) == value && seen.insert(vars.clone()) {
                sums.push(Equation {
                    terms: vars.into_iter().map(|v| (v, 1)).collect(),
                    figure: None,
                    known: true,
                });
            }
        }
    }
    sums
}

fn audit(
    results: &[MeasureResult],
    layouts: &Layouts,
    printed: &[Printed],
    view: View,
    withheld: &mut [Vec<Vec<bool>>],
    found: &mut [Vec<(usize, usize, String, View)>],
) {
    let mut equations: Vec<Equation> = layouts
        .identities()
        .into_iter()
        .map(|terms| Equation {
            terms,
            figure: None,
            known: false,
        })
        .collect();
    equations.extend(printed_sums(results, layouts, printed, view));
    let mut targets: Vec<Target> = Vec::new();
    for (l, c) in layouts.cells.iter().enumerate() {
        let result = &results[c.result];
        let measure = &result.measure;
        let published = match view {
            View::Everyone => true,
            View::Public => measure.access == Access::Public,
        };
        // Rounded counts are not exact sums: they pin nothing down exactly.
        let exact = measure.round_to.is_none();
        let width = measure.suppress_below.unwrap_or(1).max(1);
        for (s, series) in result.series.iter().enumerate() {
            for (i, point) in series.points.iter().enumerate() {
                let Some((from, to)) = c.months_of(point.period) else {
                    continue;
                };
                let label = || {
                    format!(
                        "{}{}, {}",
                        measure.id,
                        group_words(&series.group),
                        measure.period_label(point.period)
                    )
                };
                if published && exact && point.figures.is_some() {
                    let size = c.value(&c.sum(s, from, to, *c.part_list().last().unwrap()));
                    for &part in c.part_list() {
                        if part == Part::Complement {
                            continue;
                        }
                        let terms = c.sum(s, from, to, part).into_iter().map(|v| (v, 1));
                        equations.push(Equation {
                            terms: terms.collect(),
                            figure: Some((l, s, i, size)),
                            known: true,
                        });
                    }
                }
                for &part in c.part_list() {
                    let vars = c.sum(s, from, to, part);
                    let sensitive = match view {
                        View::Everyone => {
                            measure.suppress_below.is_some_and(|n| c.value(&vars) < n)
                        }
                        View::Public => measure.access == Access::Restricted,
                    };
                    if sensitive {
                        targets.push(Target {
                            vars,
                            words: format!("the {} of {}", part.words(measure), label()),
                            width,
                        });
                    }
                }
            }
            // A month inside a longer window is a count in its own right, and
            // each month of a restricted measure is withheld from the public.
            let single_months = series
                .points
                .iter()
                .all(|p| p.period.first == p.period.last);
            let threshold = match view {
                View::Everyone if !single_months => measure.suppress_below,
                View::Public if measure.access == Access::Restricted => Some(u64::MAX),
                _ => None,
            };
            let Some(threshold) = threshold else {
                continue;
            };
            for m in 0..c.months {
                for &part in c.part_list() {
                    let vars = c.sum(s, m, m, part);
                    if c.value(&vars) < threshold {
                        targets.push(Target {
                            width,
                            vars,
                            words: format!(
                                "the {} of {}{} in {}",
                                part.words(measure),
                                measure.id,
                                group_words(&series.group),
                                (c.first + m as i32).short_name()
                            ),
                        });
                    }
                }
            }
        }
    }
    // Only what is tied together by some sum can be worked out together: a
    // target is determined when its part in each such component is.
    let mut union = UnionFind::new(layouts.variables);
    for equation in &equations {
        for pair in equation.terms.windows(2) {
            union.join(pair[0].0, pair[1].0);
        }
    }
    let mut components: HashMap<usize, Component> = HashMap::new();
    for (e, equation) in equations.iter().enumerate() {
        if let Some(&(v, _)) = equation.terms.first() {
            components
                .entry(union.find(v))
                .or_default()
                .equations
                .push(e);
        }
    }
    for c in components.values_mut() {
        let mut vars: Vec<usize> = c
            .equations
            .iter()
            .flat_map(|&e| equations[e].terms.iter().map(|t| t.0))
            .collect();
        vars.sort_unstable();
        vars.dedup();
        c.local = vars.iter().enumerate().map(|(i, &v)| (v, i)).collect();
    }
    // A target with a cell in no published sum is never determined. Each
    // target still open: its index, and its cells by component (root, cells).
    type Pieces = Vec<(usize, Vec<usize>)>;
    let mut pending: Vec<(usize, Pieces)> = Vec::new();
    'targets: for (t, target) in targets.iter().enumerate() {
        let mut pieces: Pieces = Vec::new();
        for &v in &target.vars {
            let root = union.find(v);
            let Some(component) = components.get(&root) else {
                continue 'targets;
            };
            if !component.equations.iter().any(|&e| equations[e].known) {
                continue 'targets;
            }
            match pieces.iter_mut().find(|(r, _)| *r == root) {
                Some((_, vars)) => vars.push(v),
                None => pieces.push((root, vec![v])),
            }
        }
        pending.push((t, pieces));
    }
    let is_withheld = |withheld: &[Vec<Vec<bool>>], figure: (usize, usize, usize, u64)| {
        withheld[layouts.cells[figure.0].result][figure.1][figure.2]
    };
    loop {
        let mut chosen: Vec<(usize, usize, usize)> = Vec::new();
        let mut still = Vec::new();
        for (t, pieces) in std::mem::take(&mut pending) {
            // Every published figure some derivation of the target uses, with
            // whether a derivation could do without it.
            let mut used: Vec<((usize, usize, usize, u64), bool)> = Vec::new();
            let mut determined = true;
            for (root, vars) in &pieces {
                let component = components.get_mut(root).expect("a component of the target");
                component.build(&equations, |f| is_withheld(withheld, f));
                let basis = component.cached.as_ref().expect("built");
                let Some(combination) =
                    basis.represent(component.dense(vars.iter().map(|&v| (v, 1))))
                else {
                    determined = false;
                    break;
                };
                for (a, &c) in combination.iter().enumerate() {
                    if c != 0
                        && let Some(figure) = equations[component.active[a]].figure
                    {
                        used.push((figure, basis.dependent[a]));
                    }
                }
            }
            if !determined {
                // Withholding only hides more: an undetermined target stays so.
                continue;
            }
            if used
                .iter()
                .any(|((l, s, i, _), _)| chosen.contains(&(*l, *s, *i)))
            {
                // A figure withheld for another target may already hide this one.
                still.push((t, pieces));
                continue;
            }
            // A figure every derivation needs hides the target alone; else the
            // smallest, as secondary suppression picks.
            let pick = used
                .iter()
                .min_by_key(|((l, s, i, size), dependent)| (*dependent, *size, *l, *s, *i));
            let Some(&((l, s, i, _), _)) = pick else {
                continue;
            };
            chosen.push((l, s, i));
            found[layouts.cells[l].result].push((s, i, targets[t].words.clone(), view));
            still.push((t, pieces));
        }
        if chosen.is_empty() {
            break;
        }
        for &(l, s, i) in &chosen {
            withheld[layouts.cells[l].result][s][i] = true;
        }
        for component in components.values_mut() {
            if component.equations.iter().any(|&e| {
                equations[e]
                    .figure
                    .is_some_and(|(l, s, i, _)| chosen.contains(&(l, s, i)))
            }) {
                component.cached = None;
            }
        }
        pending = still;
    }
    hide_pinned(
        layouts,
        &equations,
        &targets,
        &components,
        &mut union,
        view,
        withheld,
        found,
    );
}

/// Withholds more until no target is pinned within fewer values than its
/// width: the hidden sum under the threshold that secondary suppression
/// prevents within a measure's period, prevented across everything.
/// Ranges are found by propagating each known sum's limits cell by cell
/// (each cell at least 0), which gives a range at least as wide as the
/// exact one: a range found narrow is narrow.
#[allow(clippy::too_many_arguments)]
fn hide_pinned(
    layouts: &Layouts,
    equations: &[Equation],
    targets: &[Target],
    components: &HashMap<usize, Component>,
    union: &mut UnionFind,
    view: View,
    withheld: &mut [Vec<Vec<bool>>],
    found: &mut [Vec<(usize, usize, String, View)>],
) {
    let is_withheld = |withheld: &[Vec<Vec<bool>>], figure: (usize, usize, usize, u64)| {
        withheld[layouts.cells[figure.0].result][figure.1][figure.2]
    };
    // A target's component, and the cells it is tied to by identities alone:
    // the figures over those are the ones that can pin it.
    let mut by_var: HashMap<usize, Vec<usize>> = HashMap::new();
    for (e, equation) in equations.iter().enumerate() {
        for &(v, _) in &equation.terms {
            by_var.entry(v).or_default().push(e);
        }
    }
    let near = |target: &Target| -> Vec<usize> {
        let mut seen: std::collections::HashSet<usize> = target.vars.iter().copied().collect();
        let mut queue = target.vars.clone();
        let mut figures = Vec::new();
        while let Some(v) = queue.pop() {
            for &e in by_var.get(&v).into_iter().flatten() {
                let equation = &equations[e];
                if equation.figure.is_some() {
                    figures.push(e);
                } else if !equation.known {
                    for &(w, _) in &equation.terms {
                        if seen.insert(w) {
                            queue.push(w);
                        }
                    }
                }
            }
        }
        figures.sort_unstable();
        figures.dedup();
        figures
    };
    let mut given_up = vec![false; targets.len()];
    loop {
        let mut chosen: Vec<(usize, usize, usize)> = Vec::new();
        // Each component's limits as published at the start of the round.
        let mut limits: HashMap<usize, Limits> = HashMap::new();
        for (t, target) in targets.iter().enumerate() {
            if given_up[t] || target.vars.is_empty() {
                continue;
            }
            let root = union.find(target.vars[0]);
            let Some(component) = components.get(&root) else {
                continue;
            };
            if target.vars.iter().any(|&v| union.find(v) != root) {
                continue; // spread over unlinked components: not handled here
            }
            let is_published = |e: usize| {
                equations[e]
                    .figure
                    .is_none_or(|f| !is_withheld(withheld, f))
            };
            let now = limits.entry(root).or_insert_with(|| {
                let active = component.equations.iter().copied();
                Limits::propagate(layouts, equations, active.filter(|&e| is_published(e)))
            });
            if !now.pins(target) {
                continue;
            }
            let published: Vec<usize> = component
                .equations
                .iter()
                .copied()
                .filter(|&e| is_published(e))
                .collect();
            // Whether it is pinned with the figures of `without` withheld too.
            let pinned = |without: &[usize]| {
                let active = published.iter().copied().filter(|e| !without.contains(e));
                Limits::propagate(layouts, equations, active).pins(target)
            };
            let mut candidates: Vec<(u64, usize)> = near(target)
                .into_iter()
                .filter(|e| published.contains(e))
                .filter_map(|e| equations[e].figure.map(|f| (f.3, e)))
                .collect();
            candidates.sort_unstable();
            if candidates.iter().any(|&(_, e)| {
                let (l, s, i, _) = equations[e].figure.expect("a figure");
                chosen.contains(&(l, s, i))
            }) {
                continue; // a figure chosen this round may free it already
            }
            // Where withholding every figure near it would not free it (an
            // earlier pack pins it), withholding any is in vain.
            let near: Vec<usize> = candidates.iter().map(|&(_, e)| e).collect();
            if near.is_empty() || pinned(&near) {
                given_up[t] = true;
                continue;
            }
            // The smallest figure whose withholding frees it; else the smallest.
            let pick = candidates
                .iter()
                .take(16)
                .find(|&&(_, e)| !pinned(&[e]))
                .or(candidates.first());
            let Some(&(_, e)) = pick else {
                given_up[t] = true;
                continue;
            };
            let (l, s, i, _) = equations[e].figure.expect("a figure");
            chosen.push((l, s, i));
            found[layouts.cells[l].result].push((
                s,
                i,
                format!(
                    "{} to within fewer than {} values",
                    target.words, target.width
                ),
                view,
            ));
        }
        if chosen.is_empty() {
            break;
        }
        for &(l, s, i) in &chosen {
            withheld[layouts.cells[l].result][s][i] = true;
        }
    }
}

/// Each cell's least and greatest value, as the known sums limit them.
struct Limits {
    local: HashMap<usize, usize>,
    low: Vec<f64>,
    high: Vec<f64>,
}

impl Limits {
    fn propagate(
        layouts: &Layouts,
        equations: &[Equation],
        active: impl Iterator<Item = usize>,
    ) -> Limits {
        // Each sum with its cells' signs (an identity's second side is
        // negative) and its value, which is what the cells add up to.
        let sums: Vec<(Vec<(usize, f64)>, f64)> = active
            .map(|e| {
                let terms: Vec<(usize, f64)> = equations[e]
                    .terms
                    .iter()
                    .map(|&(v, c)| (v, if c == 1 { 1.0 } else { -1.0 }))
                    .collect();
                let value = terms
                    .iter()
                    .map(|&(v, c)| c * layouts.value(v) as f64)
                    .sum();
                (terms, value)
            })
            .collect();
        let mut local = HashMap::new();
        for (terms, _) in &sums {
            for &(v, _) in terms {
                let next = local.len();
                local.entry(v).or_insert(next);
            }
        }
        let mut limits = Limits {
            low: vec![0.0; local.len()],
            high: vec![f64::INFINITY; local.len()],
            local,
        };
        for _round in 0..64 {
            let mut changed = false;
            for (terms, value) in &sums {
                changed |= limits.tighten(terms, *value);
            }
            if !changed {
                break;
            }
        }
        limits
    }

    /// Tightens each cell of `value = Σ sign × cell` from the others' limits.
    fn tighten(&mut self, terms: &[(usize, f64)], value: f64) -> bool {
        // The least and greatest the signed terms can add up to, with the
        // unbounded ones counted apart so that one can be taken out.
        let (mut least, mut greatest, mut unbounded_least, mut unbounded_greatest) =
            (0.0, 0.0, 0, 0);
        let span = |at: usize, sign: f64, limits: &Limits| {
            let (low, high) = (limits.low[at], limits.high[at]);
            if sign > 0.0 {
                (low, high)
            } else {
                (-high, -low)
            }
        };
        let at: Vec<usize> = terms.iter().map(|(v, _)| self.local[v]).collect();
        for (&a, &(_, sign)) in at.iter().zip(terms) {
            let (l, g) = span(a, sign, self);
            if l.is_finite() {
                least += l
            } else {
                unbounded_least += 1
            }
            if g.is_finite() {
                greatest += g
            } else {
                unbounded_greatest += 1
            }
        }
        let mut changed = false;
        for (&a, &(_, sign)) in at.iter().zip(terms) {
            let (l, g) = span(a, sign, self);
            let rest_least = match (unbounded_least, l.is_finite()) {
                (0, _) => least - l,
                (1, false) => least,
                _ => f64::NEG_INFINITY,
            };
            let rest_greatest = match (unbounded_greatest, g.is_finite()) {
                (0, _) => greatest - g,
                (1, false) => greatest,
                _ => f64::INFINITY,
            };
            // sign × cell = value − rest; cells are whole numbers.
            let (from, to) = if sign > 0.0 {
                (value - rest_greatest, value - rest_least)
            } else {
                (rest_least - value, rest_greatest - value)
            };
            if from.ceil() > self.low[a] + 0.5 {
                self.low[a] = from.ceil();
                changed = true;
            }
            if to.floor() < self.high[a] - 0.5 {
                self.high[a] = to.floor();
                changed = true;
            }
        }
        changed
    }

    /// Whether the target is left within fewer values than its width.
    fn pins(&self, target: &Target) -> bool {
        let (mut low, mut high) = (0.0, 0.0);
        for v in &target.vars {
            let Some(&at) = self.local.get(v) else {
                return false;
            };
            low += self.low[at];
            high += self.high[at];
        }
        high.is_finite() && high - low < target.width as f64
    }
}

/// Cells tied together by published sums, with the echelon form of those
/// sums still published (kept until one of them is withheld).
#[derive(Default)]
struct Component {
    equations: Vec<usize>,
    /// Each variable's column.
    local: HashMap<usize, usize>,
    /// The equations the basis was built from, in its order.
    active: Vec<usize>,
    cached: Option<Basis>,
}

impl Component {
    fn dense(&self, terms: impl Iterator<Item = (usize, u64)>) -> Vec<u64> {
        let mut row = vec![0u64; self.local.len()];
        for (v, c) in terms {
            let at = self.local[&v];
            row[at] = add(row[at], c);
        }
        row
    }

    /// Builds the echelon form of the sums still published, unless kept.
    fn build(
        &mut self,
        equations: &[Equation],
        withheld: impl Fn((usize, usize, usize, u64)) -> bool,
    ) {
        if self.cached.is_none() {
            self.active = self
                .equations
                .iter()
                .copied()
                .filter(|&e| !equations[e].figure.is_some_and(&withheld))
                .collect();
            let rows = self
                .active
                .iter()
                .map(|&e| self.dense(equations[e].terms.iter().copied()))
                .collect();
            self.cached = Some(Basis::new(rows));
        }
    }
}

fn group_words(group: &Option<String>) -> String {
    group
        .as_ref()
        .map(|g| format!(" ({g})"))
        .unwrap_or_default()
}

const P: u64 = (1 << 61) - 1;

fn add(a: u64, b: u64) -> u64 {
    let s = a + b;
    if s >= P { s - P } else { s }
}

fn mul(a: u64, b: u64) -> u64 {
    ((a as u128 * b as u128) % P as u128) as u64
}

fn inverse(a: u64) -> u64 {
    let (mut base, mut exp, mut acc) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            acc = mul(acc, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    acc
}

/// Row echelon form of the published sums, each row with the combination of
/// the sums it was made from.
struct Basis {
    rows: Vec<(usize, Vec<u64>, Vec<u64>)>,
    /// Whether each sum takes part in a linear dependency among them (so a
    /// derivation could do without it).
    dependent: Vec<bool>,
}

impl Basis {
    fn new(sums: Vec<Vec<u64>>) -> Basis {
        let count = sums.len();
        let mut basis = Basis {
            rows: Vec::new(),
            dependent: vec![false; count],
        };
        for (e, mut row) in sums.into_iter().enumerate() {
            let mut combination = vec![0u64; count];
            combination[e] = 1;
            basis.reduce(&mut row, &mut combination);
            match row.iter().position(|&c| c != 0) {
                Some(pivot) => {
                    let scale = inverse(row[pivot]);
                    row.iter_mut().for_each(|c| *c = mul(*c, scale));
                    combination.iter_mut().for_each(|c| *c = mul(*c, scale));
                    basis.rows.push((pivot, row, combination));
                }
                None => {
                    for (d, &c) in combination.iter().enumerate() {
                        if c != 0 {
                            basis.dependent[d] = true;
                        }
                    }
                }
            }
        }
        basis
    }

    fn reduce(&self, row: &mut [u64], combination: &mut [u64]) {
        for (pivot, basis_row, basis_combination) in &self.rows {
            let factor = row[*pivot];
            if factor == 0 {
                continue;
            }
            let minus = P - factor;
            for (c, &b) in row.iter_mut().zip(basis_row) {
                if b != 0 {
                    *c = add(*c, mul(minus, b));
                }
            }
            for (c, &b) in combination.iter_mut().zip(basis_combination) {
                if b != 0 {
                    *c = add(*c, mul(minus, b));
                }
            }
        }
    }

    /// The sums' combination that gives `target`, if it is determined by them.
    fn represent(&self, mut target: Vec<u64>) -> Option<Vec<u64>> {
        let mut combination = vec![0u64; self.dependent.len()];
        self.reduce(&mut target, &mut combination);
        // Reducing took the sums away from the target: it is their negation.
        let negated = combination.into_iter().map(|c| (P - c) % P).collect();
        target.iter().all(|&c| c == 0).then_some(negated)
    }
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n).collect())
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.0[a.max(b)] = a.min(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_difference_of_two_published_sums_is_determined() {
        // x0 + x1 and x0 published: x1 follows; x0 + x2 alone does not give x2.
        let basis = Basis::new(vec![vec![1, 1, 0], vec![1, 0, 0]]);
        assert!(basis.represent(vec![0, 1, 0]).is_some());
        assert!(basis.represent(vec![0, 0, 1]).is_none());
        let combination = basis.represent(vec![0, 1, 0]).unwrap();
        assert_eq!(combination, vec![1, P - 1]);
        assert_eq!(basis.dependent, vec![false, false]);
    }

    #[test]
    fn a_sum_published_twice_is_dependent() {
        let basis = Basis::new(vec![vec![1, 1], vec![1, 1], vec![0, 1]]);
        assert_eq!(basis.dependent, vec![true, true, false]);
        assert_eq!(mul(inverse(12345), 12345), 1);
    }
}
