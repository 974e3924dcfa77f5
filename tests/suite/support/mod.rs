//! An independent computation of the reference measures, written from
//! `shared/spec/measures.md` with plain loops over CSV rows: no DataFusion, no
//! code of the engine's except the interval formulas, which are checked
//! against published values in their own unit tests.

#![allow(dead_code)]

use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const DISTRICTS: [&str; 6] = [
    "cambridge",
    "east_cambridgeshire",
    "fenland",
    "huntingdonshire",
    "peterborough",
    "south_cambridgeshire",
];
pub const STRANDS: [&str; 5] = [
    "race",
    "religion",
    "sexual_orientation",
    "disability",
    "transgender",
];
pub const SURVEY_GROUPS: [&str; 4] = ["burglary", "vehicle_crime", "violent_crime", "hate_crime"];
const VICTIM_BASED: [&str; 10] = [
    "violence_against_the_person",
    "sexual_offences",
    "robbery",
    "burglary",
    "vehicle_offences",
    "theft_from_person",
    "bicycle_theft",
    "shoplifting",
    "other_theft",
    "criminal_damage_arson",
];

pub type Row = HashMap<String, String>;

/// Reads a CSV into rows keyed by column, values as written.
pub fn read_rows(path: &Path) -> Vec<Row> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn norm(value: &str) -> String {
    value.trim().to_lowercase().replace(' ', "_")
}

fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_lowercase().as_str(),
        "true" | "y" | "yes" | "1"
    )
}

fn int(value: &str) -> Option<i64> {
    value.trim().parse().ok()
}

fn date(value: &str) -> NaiveDate {
    NaiveDate::parse_from_str(&value.trim()[..10], "%Y-%m-%d").unwrap()
}

fn month_of(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

fn first_day(m: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(m.div_euclid(12), m.rem_euclid(12) as u32 + 1, 1).unwrap()
}

fn last_day(m: i32) -> NaiveDate {
    first_day(m + 1).pred_opt().unwrap()
}

/// One expected point of the results contract.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub measure_id: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub breakdown: String,
    pub group: String,
    pub numerator: Option<u64>,
    pub denominator: Option<u64>,
    pub value: Option<f64>,
    pub suppressed: bool,
    pub spc: bool,
    /// First days of the SPC segments after the first.
    pub spc_breaks: Vec<NaiveDate>,
}

enum Kind {
    Count,
    Proportion,
    Rate,
}

enum Periods {
    Month,
    /// Calendar or financial: both start in January, April, July and October.
    Quarter,
    Rolling12,
    /// April of the month's financial year to the month.
    FinancialYearToDate,
}

/// A counted row: its date, groups per breakdown, and whether it is in the numerator / denominator.
struct Event {
    day: NaiveDate,
    groups: Vec<(String, Vec<String>)>,
    numerator: bool,
    denominator: bool,
}

struct Definition {
    id: &'static str,
    kind: Kind,
    periods: Periods,
    spc: bool,
    suppress_below: Option<u64>,
    /// Published counts rounded to the nearest multiple of this.
    round_to: Option<u64>,
    /// SPC break points: first month index of each new segment.
    breaks: Vec<i32>,
    domains: Vec<(&'static str, Vec<String>)>,
}

/// The proportion of rows (by person and day) that have an earlier row of the
/// same person within 365 days before, same-day rows excluded.
fn repeat_flags(rows: &[(String, NaiveDate)]) -> Vec<bool> {
    let mut days: HashMap<&str, Vec<NaiveDate>> = HashMap::new();
    for (person, day) in rows {
        days.entry(person.as_str()).or_default().push(*day);
    }
    rows.iter()
        .map(|(person, day)| {
            days[person.as_str()]
                .iter()
                .any(|earlier| earlier < day && (*day - *earlier).num_days() <= 365)
        })
        .collect()
}

/// Events of a repeat measure: each row counts in the denominator, and in the
/// numerator when its victim has an earlier row within 365 days.
fn repeat_events(rows: &[&Row], date_column: &str) -> Vec<Event> {
    let people: Vec<(String, NaiveDate)> = rows
        .iter()
        .map(|r| (r["victim_id"].trim().to_string(), date(&r[date_column])))
        .collect();
    rows.iter()
        .zip(repeat_flags(&people))
        .map(|(r, repeat)| Event {
            day: date(&r[date_column]),
            groups: vec![("district".to_string(), vec![norm(&r["district"])])],
            numerator: repeat,
            denominator: true,
        })
        .collect()
}

pub fn expected_results(data: &Path) -> Vec<Expected> {
    let crimes = read_rows(&data.join("crimes.csv"));
    let survey = read_rows(&data.join("victim_satisfaction.csv"));
    let contacts = read_rows(&data.join("victim_contacts.csv"));
    let hate = read_rows(&data.join("hate_incidents.csv"));
    let mental = read_rows(&data.join("mental_health_contacts.csv"));
    let population_rows = read_rows(&data.join("population.csv"));
    let mut population: HashMap<(String, i32), u64> = HashMap::new();
    for r in &population_rows {
        population.insert(
            (norm(&r["district"]), int(&r["year"]).unwrap() as i32),
            int(&r["population"]).unwrap() as u64,
        );
    }
    let span = |rows: &[Row], column: &str| {
        let months: Vec<i32> = rows.iter().map(|r| month_of(date(&r[column]))).collect();
        (*months.iter().min().unwrap(), *months.iter().max().unwrap())
    };
    let districts: Vec<String> = DISTRICTS.iter().map(|s| s.to_string()).collect();
    let by_district = |r: &Row| vec![("district".to_string(), vec![norm(&r["district"])])];
    let mut out = Vec::new();

    // Victim satisfaction: answered 1..3 among answered.
    for (id, question, breakdowns) in [
        (
            "victim_satisfaction_whole_experience",
            "whole_experience",
            true,
        ),
        ("victim_satisfaction_kept_informed", "kept_informed", false),
    ] {
        let events = survey
            .iter()
            .map(|r| {
                let answer = int(&r[question]);
                let mut groups = by_district(r);
                if breakdowns {
                    groups.push(("survey_group".into(), vec![norm(&r["survey_group"])]));
                }
                Event {
                    day: date(&r["interview_date"]),
                    groups,
                    numerator: answer.is_some_and(|a| a <= 3),
                    denominator: answer.is_some(),
                }
            })
            .collect();
        let mut domains = vec![("district", districts.clone())];
        if breakdowns {
            domains.push((
                "survey_group",
                SURVEY_GROUPS.iter().map(|s| s.to_string()).collect(),
            ));
        }
        let def = Definition {
            id,
            kind: Kind::Proportion,
            periods: Periods::Rolling12,
            spc: false,
            suppress_below: None,
            round_to: None,
            breaks: vec![],
            domains,
        };
        out.extend(evaluate(
            &def,
            events,
            span(&survey, "interview_date"),
            &population,
        ));
    }

    // Crimes: domestic abuse counts; charge rate; CSE quarters; young victims; victim-based rate; repeat victims.
    let crime_span = span(&crimes, "recorded_date");
    let da: Vec<&Row> = crimes
        .iter()
        .filter(|r| truthy(&r["domestic_abuse"]))
        .collect();
    let count_events = |rows: &[&Row], column: &str, with_district: bool| -> Vec<Event> {
        rows.iter()
            .map(|r| Event {
                day: date(&r[column]),
                groups: if with_district {
                    by_district(r)
                } else {
                    vec![]
                },
                numerator: true,
                denominator: true,
            })
            .collect()
    };
    let district_domain = || vec![("district", districts.clone())];
    let count = |id, periods, spc, suppress_below, domains| Definition {
        id,
        kind: Kind::Count,
        periods,
        spc,
        suppress_below,
        round_to: None,
        breaks: vec![],
        domains,
    };
    out.extend(evaluate(
        &count(
            "domestic_abuse_crimes",
            Periods::Month,
            true,
            None,
            district_domain(),
        ),
        count_events(&da, "recorded_date", true),
        crime_span,
        &population,
    ));
    let def = Definition {
        id: "domestic_abuse_crimes_year_to_date",
        kind: Kind::Count,
        periods: Periods::FinancialYearToDate,
        spc: false,
        suppress_below: None,
        round_to: Some(5),
        breaks: vec![],
        domains: district_domain(),
    };
    out.extend(evaluate(
        &def,
        count_events(&da, "recorded_date", true),
        crime_span,
        &population,
    ));
    let charge = da
        .iter()
        .map(|r| Event {
            day: date(&r["recorded_date"]),
            groups: vec![],
            numerator: int(&r["outcome_type"]) == Some(1),
            denominator: true,
        })
        .collect();
    let def = Definition {
        id: "domestic_abuse_charge_rate",
        kind: Kind::Proportion,
        periods: Periods::Rolling12,
        spc: false,
        suppress_below: None,
        round_to: None,
        breaks: vec![],
        domains: vec![],
    };
    out.extend(evaluate(&def, charge, crime_span, &population));
    let cse: Vec<&Row> = crimes.iter().filter(|r| truthy(&r["cse"])).collect();
    out.extend(evaluate(
        &count(
            "cse_crimes",
            Periods::Quarter,
            false,
            Some(5),
            district_domain(),
        ),
        count_events(&cse, "recorded_date", true),
        crime_span,
        &population,
    ));
    let young: Vec<&Row> = crimes
        .iter()
        .filter(|r| int(&r["victim_age"]).is_some_and(|a| a < 18))
        .collect();
    out.extend(evaluate(
        &count("young_victims", Periods::Month, true, None, vec![]),
        count_events(&young, "recorded_date", false),
        crime_span,
        &population,
    ));
    let victim_based: Vec<&Row> = crimes
        .iter()
        .filter(|r| VICTIM_BASED.contains(&norm(&r["offence_group"]).as_str()))
        .collect();
    let def = Definition {
        id: "victim_based_crime_rate",
        kind: Kind::Rate,
        periods: Periods::Rolling12,
        spc: false,
        suppress_below: None,
        round_to: None,
        breaks: vec![],
        domains: district_domain(),
    };
    out.extend(evaluate(
        &def,
        count_events(&victim_based, "recorded_date", true),
        crime_span,
        &population,
    ));
    let with_victim: Vec<&Row> = crimes
        .iter()
        .filter(|r| !r["victim_id"].trim().is_empty())
        .collect();
    let events = repeat_events(&with_victim, "recorded_date");
    let def = Definition {
        id: "repeat_victims_all_crime",
        kind: Kind::Proportion,
        periods: Periods::Rolling12,
        spc: false,
        suppress_below: None,
        round_to: None,
        breaks: vec![],
        domains: district_domain(),
    };
    out.extend(evaluate(&def, events, crime_span, &population));

    // Domestic abuse repeat referrals.
    let da_referrals: Vec<&Row> = contacts
        .iter()
        .filter(|r| norm(&r["category"]) == "domestic_abuse")
        .collect();
    let events = repeat_events(&da_referrals, "referral_date");
    let def = Definition {
        id: "domestic_abuse_repeat_referrals",
        kind: Kind::Proportion,
        periods: Periods::Rolling12,
        spc: false,
        suppress_below: None,
        round_to: None,
        breaks: vec![],
        domains: district_domain(),
    };
    out.extend(evaluate(
        &def,
        events,
        span(&contacts, "referral_date"),
        &population,
    ));

    // Hate incidents by strand and district; positive outcomes of hate crimes.
    let hate_span = span(&hate, "reported_date");
    let strands_of = |r: &Row| {
        let mut strands: Vec<String> = r["strands"]
            .split(';')
            .map(norm)
            .filter(|s| !s.is_empty())
            .collect();
        strands.sort();
        strands.dedup();
        strands
    };
    let strand_domain = || ("strand", STRANDS.iter().map(|s| s.to_string()).collect());
    let events = hate
        .iter()
        .map(|r| {
            let mut groups = by_district(r);
            groups.push(("strand".into(), strands_of(r)));
            Event {
                day: date(&r["reported_date"]),
                groups,
                numerator: true,
                denominator: true,
            }
        })
        .collect();
    let domains = vec![("district", districts.clone()), strand_domain()];
    out.extend(evaluate(
        &count("hate_incidents", Periods::Month, true, None, domains),
        events,
        hate_span,
        &population,
    ));
    let events = hate
        .iter()
        .filter(|r| truthy(&r["is_crime"]))
        .map(|r| Event {
            day: date(&r["reported_date"]),
            groups: vec![("strand".into(), strands_of(r))],
            numerator: true,
            denominator: true,
        })
        .collect();
    let def = Definition {
        id: "hate_crimes_by_financial_quarter",
        kind: Kind::Count,
        periods: Periods::Quarter,
        spc: true,
        suppress_below: None,
        round_to: None,
        // April 2023: the new recording system.
        breaks: vec![2023 * 12 + 3],
        domains: vec![strand_domain()],
    };
    out.extend(evaluate(&def, events, hate_span, &population));
    let events = hate
        .iter()
        .filter(|r| truthy(&r["is_crime"]))
        .map(|r| Event {
            day: date(&r["reported_date"]),
            groups: vec![],
            numerator: int(&r["outcome_type"]).is_some_and(|o| (1..=8).contains(&o)),
            denominator: true,
        })
        .collect();
    let def = Definition {
        id: "hate_crime_positive_outcomes",
        kind: Kind::Proportion,
        periods: Periods::Rolling12,
        spc: false,
        suppress_below: None,
        round_to: None,
        breaks: vec![],
        domains: vec![],
    };
    out.extend(evaluate(&def, events, hate_span, &population));

    // Mental health contacts.
    let mh_span = span(&mental, "contact_time");
    let of_type = |t: &str| {
        mental
            .iter()
            .filter(|r| norm(&r["contact_type"]) == t)
            .collect::<Vec<_>>()
    };
    let s136 = of_type("s136_detention");
    out.extend(evaluate(
        &count(
            "s136_detentions",
            Periods::Month,
            true,
            None,
            district_domain(),
        ),
        count_events(&s136, "contact_time", true),
        mh_span,
        &population,
    ));
    let custody: Vec<&Row> = s136
        .iter()
        .copied()
        .filter(|r| norm(&r["place_of_safety"]) == "custody")
        .collect();
    out.extend(evaluate(
        &count(
            "s136_custody_detentions",
            Periods::Month,
            true,
            None,
            vec![],
        ),
        count_events(&custody, "contact_time", false),
        mh_span,
        &population,
    ));
    out.extend(evaluate(
        &count("street_triage_contacts", Periods::Month, true, None, vec![]),
        count_events(&of_type("street_triage"), "contact_time", false),
        mh_span,
        &population,
    ));

    out.sort_by(|a, b| {
        (&a.measure_id, &a.breakdown, &a.group, a.period_start).cmp(&(
            &b.measure_id,
            &b.breakdown,
            &b.group,
            b.period_start,
        ))
    });
    out
}

fn evaluate(
    def: &Definition,
    events: Vec<Event>,
    (first, last): (i32, i32),
    population: &HashMap<(String, i32), u64>,
) -> Vec<Expected> {
    // Monthly numerator and denominator per series ("" = total).
    let mut monthly: BTreeMap<(String, String), BTreeMap<i32, (u64, u64)>> = BTreeMap::new();
    for e in &events {
        let m = month_of(e.day);
        let mut keys = vec![(String::new(), String::new())];
        for (breakdown, groups) in &e.groups {
            keys.extend(groups.iter().map(|g| (breakdown.clone(), g.clone())));
        }
        for key in keys {
            let cell = monthly.entry(key).or_default().entry(m).or_default();
            if e.denominator {
                cell.1 += 1;
                if e.numerator {
                    cell.0 += 1;
                }
            }
        }
    }
    let periods: Vec<(i32, i32)> = match def.periods {
        Periods::Month => (first..=last).map(|m| (m, m)).collect(),
        Periods::Rolling12 => (first + 11..=last).map(|m| (m - 11, m)).collect(),
        Periods::Quarter => (first..=last)
            .filter(|m| m % 3 == 0 && m + 2 <= last)
            .map(|m| (m, m + 2))
            .collect(),
        Periods::FinancialYearToDate => (first..=last)
            // April is month index 3 of its year.
            .map(|m| (m - (m.rem_euclid(12) - 3).rem_euclid(12), m))
            .filter(|&(april, _)| april >= first)
            .collect(),
    };
    let mut series: Vec<(String, String)> = vec![(String::new(), String::new())];
    for (breakdown, domain) in &def.domains {
        series.extend(domain.iter().map(|g| (breakdown.to_string(), g.clone())));
    }
    let mut out = Vec::new();
    for (breakdown, group) in &series {
        let months = monthly.get(&(breakdown.clone(), group.clone()));
        for &(from, to) in &periods {
            let (mut num, mut den) = (0u64, 0u64);
            for m in from..=to {
                if let Some(&(n, d)) = months.and_then(|ms| ms.get(&m)) {
                    num += n;
                    den += d;
                }
            }
            let year = to.div_euclid(12);
            // Suppression looks at the true counts; what is published is rounded.
            let suppressed = def
                .suppress_below
                .is_some_and(|t| num < t || matches!(def.kind, Kind::Proportion) && den < t);
            if let Some(step) = def.round_to {
                let round = |n: u64| ((n as f64 / step as f64).round() as u64) * step;
                num = round(num);
                den = round(den);
            }
            let (denominator, value) = match def.kind {
                Kind::Count => (None, Some(num as f64)),
                Kind::Proportion => (Some(den), (den > 0).then(|| num as f64 / den as f64)),
                Kind::Rate => {
                    let people: u64 = if group.is_empty() {
                        DISTRICTS
                            .iter()
                            .map(|d| population[&(d.to_string(), year)])
                            .sum()
                    } else {
                        population[&(group.clone(), year)]
                    };
                    (Some(people), Some(1000.0 * num as f64 / people as f64))
                }
            };
            out.push(Expected {
                measure_id: def.id.to_string(),
                period_start: first_day(from),
                period_end: last_day(to),
                breakdown: breakdown.clone(),
                group: group.clone(),
                numerator: Some(num),
                denominator,
                value,
                suppressed,
                spc: def.spc,
                spc_breaks: def.breaks.iter().map(|&m| first_day(m)).collect(),
            });
        }
    }
    if let Some(threshold) = def.suppress_below {
        secondary_suppression(&mut out, threshold);
    }
    for e in out.iter_mut().filter(|e| e.suppressed) {
        e.numerator = None;
        e.denominator = None;
        e.value = None;
    }
    out
}

/// Where a group of a breakdown is suppressed in a period, suppress the
/// smallest others (the first in domain order on a tie) until two or more are
/// hidden and their counts add up to the threshold: otherwise the total less
/// the published groups would give a small number away.
fn secondary_suppression(points: &mut [Expected], threshold: u64) {
    let mut cells: BTreeMap<(String, NaiveDate), Vec<usize>> = BTreeMap::new();
    for (i, p) in points.iter().enumerate() {
        if !p.breakdown.is_empty() {
            cells
                .entry((p.breakdown.clone(), p.period_start))
                .or_default()
                .push(i);
        }
    }
    for indices in cells.values() {
        loop {
            let mut hidden = 0;
            let mut hidden_sum = 0;
            for &i in indices {
                if points[i].suppressed {
                    hidden += 1;
                    hidden_sum += points[i].numerator.unwrap();
                }
            }
            if hidden == 0 || (hidden >= 2 && hidden_sum >= threshold) {
                break;
            }
            let mut smallest: Option<usize> = None;
            for &i in indices {
                if points[i].suppressed {
                    continue;
                }
                if smallest.is_none_or(|s| points[i].numerator < points[s].numerator) {
                    smallest = Some(i);
                }
            }
            match smallest {
                Some(s) => points[s].suppressed = true,
                None => break,
            }
        }
    }
}
