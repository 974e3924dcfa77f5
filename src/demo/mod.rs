//! The deterministic demo generator: realistic extracts for a force's
//! districts (by default the demo force's six, Cambridgeshire's), the same for
//! the same seed on every machine. The one place that knows the shipped
//! sources' columns and vocabularies by name: it writes what they declare.
//!
//! Volumes are weighted by population (at scale 1, about 67 crimes a year per
//! 1,000 people: 60,000 for the demo force's 894,000),
//! with seasonality, a slow trend, repeat victims, multi-strand hate incidents
//! and a few genuine special causes: a month when custody is used as a place of
//! safety far more often, a step down in victim satisfaction, and a change in
//! recording practice that lifts recorded hate incidents.

pub mod forces;
mod rng;

use crate::common::period::Month;
use chrono::{NaiveDate, NaiveDateTime};
use rng::Rng;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// The demo force's districts with their mid-2021 populations (ONS
/// estimates, rounded).
pub const DEMO_DISTRICTS: [(&str, u64); 6] = [
    ("cambridge", 145_700),
    ("east_cambridgeshire", 87_700),
    ("fenland", 102_500),
    ("huntingdonshire", 180_800),
    ("peterborough", 215_700),
    ("south_cambridgeshire", 162_000),
];

/// Districts whose populations the demo knows: the demo force's (above) and
/// those of Leicestershire and of the four Welsh forces, by their ids as
/// `mos init` makes them, with their Census 2021 usual residents (ONS, rounded
/// to hundreds).
pub const KNOWN_DISTRICTS: [(&str, u64); 31] = [
    // Leicestershire Police
    ("leicester", 368_600),
    ("blaby", 102_900),
    ("charnwood", 183_900),
    ("harborough", 97_600),
    ("hinckley_and_bosworth", 113_600),
    ("melton", 51_800),
    ("north_west_leicestershire", 104_700),
    ("oadby_and_wigston", 57_800),
    ("rutland", 41_000),
    // North Wales Police
    ("isle_of_anglesey", 68_900),
    ("gwynedd", 117_400),
    ("conwy", 114_800),
    ("denbighshire", 95_800),
    ("flintshire", 155_000),
    ("wrexham", 135_100),
    // Dyfed-Powys Police
    ("powys", 133_200),
    ("ceredigion", 71_500),
    ("pembrokeshire", 123_400),
    ("carmarthenshire", 187_900),
    // South Wales Police
    ("swansea", 238_500),
    ("neath_port_talbot", 142_300),
    ("bridgend", 145_500),
    ("vale_of_glamorgan", 131_800),
    ("cardiff", 362_400),
    ("rhondda_cynon_taf", 237_700),
    ("merthyr_tydfil", 58_800),
    // Gwent Police
    ("caerphilly", 175_900),
    ("blaenau_gwent", 66_900),
    ("torfaen", 92_300),
    ("monmouthshire", 93_000),
    ("newport", 159_600),
];

/// A district's population for the demo: its real one where known, else one
/// drawn (by a hash of its id, so the same every time) from a log-normal
/// spread like that of the 300-odd English and Welsh districts: a median of
/// 140,000, two in three between 90,000 and 220,000, none below 40,000 or above
/// 600,000 (rounded to hundreds).
pub fn district_population(id: &str) -> u64 {
    if let Some((_, people)) = DEMO_DISTRICTS
        .iter()
        .chain(&KNOWN_DISTRICTS)
        .find(|(known, _)| *known == id)
    {
        return *people;
    }
    use statrs::distribution::ContinuousCDF;
    let fnv = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    // SplitMix64's finaliser: names that differ in a last letter land far apart.
    let mut hash = (fnv ^ (fnv >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    let hash = hash ^ (hash >> 31);
    // A uniform in (0, 1) from the hash's top 53 bits, then its normal quantile.
    let u = ((hash >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let z = statrs::distribution::Normal::standard().inverse_cdf(u);
    let people = (140_000.0 * (0.45 * z).exp()).clamp(40_000.0, 600_000.0);
    (people / 100.0).round() as u64 * 100
}

/// The offence groups of `crimes`; the first ten are victim-based crime.
const OFFENCE_GROUPS: [&str; 14] = [
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
    "drug_offences",
    "possession_of_weapons",
    "public_order_offences",
    "miscellaneous_crimes_against_society",
];
const STRANDS: [&str; 5] = [
    "race",
    "religion",
    "sexual_orientation",
    "disability",
    "transgender",
];
const SURVEY_GROUPS: [&str; 4] = ["burglary", "vehicle_crime", "violent_crime", "hate_crime"];
const ETHNIC_GROUPS: [&str; 3] = ["white", "bme", "not_stated"];
const REFERRAL_CATEGORIES: [&str; 5] = ["domestic_abuse", "hate", "cse", "asb", "other"];
const RISK_LEVELS: [&str; 3] = ["standard", "medium", "high"];
const CONTACT_TYPES: [&str; 5] = [
    "s136_detention",
    "s135_warrant",
    "street_triage",
    "concern_for_welfare",
    "missing_person",
];
const PLACES_OF_SAFETY: [&str; 4] = ["health_based", "custody", "emergency_department", "other"];

/// Each extract's header, as `data/sources/` declares it.
const HEADERS: [(&str, &[&str]); 13] = [
    (
        "crimes",
        &[
            "crime_ref",
            "recorded_date",
            "offence_group",
            "district",
            "victim_id",
            "victim_age",
            "domestic_abuse",
            "cse",
            "outcome_type",
            "outcome_date",
            "robbery_of",
            "retail_worker_victim",
        ],
    ),
    (
        "victim_satisfaction",
        &[
            "response_id",
            "crime_ref",
            "interview_date",
            "survey_group",
            "district",
            "whole_experience",
            "ease_of_contact",
            "actions_taken",
            "kept_informed",
            "treatment",
            "ethnic_group",
        ],
    ),
    (
        "victim_contacts",
        &[
            "referral_id",
            "victim_id",
            "referral_date",
            "category",
            "risk_level",
            "district",
            "marac",
        ],
    ),
    (
        "hate_incidents",
        &[
            "incident_ref",
            "reported_date",
            "district",
            "strands",
            "is_crime",
            "crime_ref",
            "victim_id",
            "outcome_type",
        ],
    ),
    (
        "mental_health_contacts",
        &[
            "contact_ref",
            "contact_time",
            "district",
            "contact_type",
            "place_of_safety",
            "age",
            "minutes_in_police_care",
        ],
    ),
    ("population", &["district", "year", "population"]),
    (
        "calls_for_service",
        &[
            "call_ref",
            "call_time",
            "line",
            "district",
            "answer_seconds",
            "abandoned",
            "grade",
        ],
    ),
    (
        "restorative_justice_referrals",
        &[
            "referral_ref",
            "referral_date",
            "district",
            "referred_by",
            "outcome",
            "closed_date",
        ],
    ),
    (
        "mash_referrals",
        &[
            "referral_ref",
            "referral_date",
            "district",
            "subject",
            "referred_by",
            "outcome",
        ],
    ),
    (
        "arrests",
        &[
            "arrest_ref",
            "arrest_time",
            "district",
            "offence_group",
            "age",
            "outcome",
        ],
    ),
    (
        "asb_incidents",
        &[
            "incident_ref",
            "reported_time",
            "district",
            "lsoa_name",
            "category",
        ],
    ),
    (
        "incidents",
        &[
            "incident_ref",
            "received_time",
            "arrived_time",
            "grade",
            "district",
            "urban_rural",
        ],
    ),
    // As police.uk publishes it (the declaration maps its names).
    (
        "stop_and_search",
        &[
            "Type",
            "Date",
            "Part of a policing operation",
            "Policing operation",
            "Latitude",
            "Longitude",
            "Gender",
            "Age range",
            "Self-defined ethnicity",
            "Officer-defined ethnicity",
            "Legislation",
            "Object of search",
            "Outcome",
            "Outcome linked to object of search",
            "Removal of more than just outer clothing",
        ],
    ),
];

fn header(name: &str) -> &'static [&'static str] {
    HEADERS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, h)| *h)
        .expect("a generated extract")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Parquet,
}

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub years: u32,
    /// Multiplies every volume: 1 is a county force, 100 national volumes.
    pub scale: f64,
    pub format: Format,
    pub first_month: Month,
    /// The districts to generate for, with their populations.
    pub districts: Vec<(String, u64)>,
    /// What the extracts are declared as (for reading them back as Parquet).
    pub declarations: crate::ingest::Declarations,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 2017,
            years: 5,
            scale: 1.0,
            format: Format::Csv,
            first_month: Month::new(2021, 4),
            districts: DEMO_DISTRICTS
                .iter()
                .map(|(d, p)| (d.to_string(), *p))
                .collect(),
            declarations: crate::ingest::Declarations::shipped().clone(),
        }
    }
}

impl DemoOptions {
    /// Options for the districts of the project's force, each with a
    /// plausible population: its Census 2021 figure where [`KNOWN_DISTRICTS`]
    /// has it, else one from the spread of English and Welsh districts' sizes
    /// (the same for the same id), so that any force's demo looks like a county's.
    pub fn for_project(declarations: &crate::ingest::Declarations) -> Self {
        let districts = declarations
            .force
            .districts
            .iter()
            .map(|d| (d.id.clone(), district_population(&d.id)))
            .collect();
        DemoOptions {
            districts,
            declarations: declarations.clone(),
            ..Default::default()
        }
    }

    fn months(&self) -> impl Iterator<Item = Month> + use<> {
        let first = self.first_month;
        (0..self.years as i32 * 12).map(move |i| first + i)
    }

    fn last_month(&self) -> Month {
        self.first_month + (self.years as i32 * 12 - 1)
    }

    /// The month when custody detentions spike (a special cause to find).
    pub fn custody_spike(&self) -> Month {
        self.first_month + (self.years as i32 * 12 * 11 / 20)
    }

    /// The first month of the new crime recording system, which flags hate
    /// incidents for itself: recorded hate incidents rise by a third from here, a
    /// change in recording practice rather than in crime (an SPC break point).
    pub fn recording_break(&self) -> Month {
        let april = Month::new(self.first_month.year() + 2, 4);
        april.min(self.last_month())
    }

    /// The first month of lower victim satisfaction (a step change to find).
    pub fn satisfaction_step(&self) -> Month {
        self.first_month + (self.years as i32 * 12 * 3 / 5)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot write demo data to {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot convert the demo data to Parquet: {0}")]
    Parquet(String),
}

/// Writes every demo extract into `dir`; returns the files written. They are
/// row-level, as a force's extracts are: the folder (when made here) and the
/// files are readable by this user alone.
pub fn generate(dir: &Path, options: &DemoOptions) -> Result<Vec<PathBuf>, DemoError> {
    let private = |e: crate::common::atomic::WriteError| DemoError::Io {
        path: e.path,
        source: e.source,
    };
    crate::common::atomic::create_private_dir(dir).map_err(private)?;
    let mut generator = Generator {
        options: options.clone(),
        rng: Rng::new(options.seed),
        details: Rng::new(options.seed ^ DETAILS_STREAM),
        next_id: 0,
    };
    let mut files = Vec::new();
    type Writer = fn(&mut Generator, &mut csv::Writer<std::fs::File>) -> csv::Result<()>;
    // Each extract draws on the one random stream in this order: a new one
    // comes last, so that the others stay as they were for a seed.
    let extracts: [(&str, Writer); 13] = [
        ("crimes", Generator::crimes),
        ("victim_satisfaction", Generator::satisfaction),
        ("victim_contacts", Generator::contacts),
        ("hate_incidents", Generator::hate),
        ("mental_health_contacts", Generator::mental_health),
        ("population", Generator::population),
        ("calls_for_service", Generator::calls),
        (
            "restorative_justice_referrals",
            Generator::restorative_justice,
        ),
        ("mash_referrals", Generator::mash),
        ("arrests", Generator::arrests),
        ("stop_and_search", Generator::stop_and_search),
        ("asb_incidents", Generator::asb_incidents),
        ("incidents", Generator::incidents),
    ];
    for (name, write) in extracts {
        let path = dir.join(format!("{name}.csv"));
        let io = |e: csv::Error| DemoError::Io {
            path: path.clone(),
            source: e.into(),
        };
        let file = crate::common::atomic::create_private_file(&path).map_err(private)?;
        let mut writer = csv::Writer::from_writer(file);
        write(&mut generator, &mut writer).map_err(io)?;
        writer.flush().map_err(|source| DemoError::Io {
            path: path.clone(),
            source,
        })?;
        drop(writer);
        if options.format == Format::Parquet {
            files.push(to_parquet(dir, &options.declarations, name, &path)?);
        } else {
            files.push(path);
        }
    }
    Ok(files)
}

fn to_parquet(
    dir: &Path,
    declarations: &crate::ingest::Declarations,
    name: &str,
    csv_path: &Path,
) -> Result<PathBuf, DemoError> {
    let contract = declarations
        .source(name)
        .ok_or_else(|| DemoError::Parquet(format!("the project declares no source `{name}`")))?;
    let extract = crate::ingest::load_extract(dir, contract, contract.reading, 0.0, None)
        .map_err(|e| DemoError::Parquet(e.to_string()))?;
    let path = dir.join(format!("{name}.parquet"));
    let file = crate::common::atomic::create_private_file(&path).map_err(|e| DemoError::Io {
        path: e.path,
        source: e.source,
    })?;
    let mut writer =
        datafusion::parquet::arrow::ArrowWriter::try_new(file, extract.schema.clone(), None)
            .map_err(|e| DemoError::Parquet(e.to_string()))?;
    for batch in &extract.batches {
        writer
            .write(batch)
            .map_err(|e| DemoError::Parquet(e.to_string()))?;
    }
    writer
        .close()
        .map_err(|e| DemoError::Parquet(e.to_string()))?;
    std::fs::remove_file(csv_path).map_err(|source| DemoError::Io {
        path: csv_path.to_path_buf(),
        source,
    })?;
    Ok(path)
}

struct Generator {
    options: DemoOptions,
    rng: Rng,
    /// A stream of its own for details added to an extract after its first
    /// version (a crime's optional columns), so adding them left every other
    /// figure of the demo as it was.
    details: Rng,
    next_id: u64,
}

/// Seeds `Generator::details` apart from the main stream.
const DETAILS_STREAM: u64 = 0xD37A_115D_E7A1_1500;

/// Relative frequency of each offence group, in contract order.
const OFFENCE_WEIGHTS: [f64; 14] = [
    0.35, 0.035, 0.01, 0.065, 0.08, 0.015, 0.04, 0.07, 0.09, 0.095, 0.04, 0.01, 0.08, 0.02,
];

impl Generator {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:08}", self.next_id)
    }

    /// Expected monthly events in a district: a yearly rate per 1,000 people,
    /// with seasonality (a summer peak) and a slow upward trend.
    fn expected(&self, per_1000_year: f64, district: usize, month: Month) -> f64 {
        let season =
            1.0 + 0.10 * (2.0 * std::f64::consts::PI * (month.month() as f64 - 4.0) / 12.0).sin();
        let years = (month.0 - self.options.first_month.0) as f64 / 12.0;
        let trend = 1.0 + 0.02 * years;
        self.options.scale * per_1000_year / 12.0 * self.options.districts[district].1 as f64
            / 1000.0
            * season
            * trend
    }

    fn day_in(&mut self, month: Month) -> NaiveDate {
        let days = (month.last_day() - month.first_day()).num_days() as u64 + 1;
        month.first_day() + chrono::Days::new(self.rng.below(days))
    }

    fn end_date(&self) -> NaiveDate {
        self.options.last_month().last_day()
    }

    fn crimes(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("crimes"))?;
        let districts = self.district_ids();
        let mut recent_victims: Vec<VecDeque<String>> = vec![VecDeque::new(); districts.len()];
        for month in self.options.months() {
            for (d, district) in districts.iter().enumerate() {
                let n = self.rng.poisson(self.expected(67.0, d, month));
                for _ in 0..n {
                    let date = self.day_in(month);
                    let group = self.rng.weighted(&OFFENCE_WEIGHTS);
                    let victim_based = group < 10;
                    let victim = if victim_based && self.rng.chance(0.92) {
                        let pool = &mut recent_victims[d];
                        if !pool.is_empty() && self.rng.chance(0.18) {
                            let i = self.rng.below(pool.len() as u64) as usize;
                            Some(pool[i].clone())
                        } else {
                            let id = self.id("V");
                            pool.push_back(id.clone());
                            if pool.len() > (3000.0 * self.options.scale) as usize {
                                pool.pop_front();
                            }
                            Some(id)
                        }
                    } else {
                        None
                    };
                    let age = match victim {
                        Some(_) if self.rng.chance(0.96) => Some(if self.rng.chance(0.09) {
                            4 + self.rng.below(14)
                        } else {
                            18 + self.rng.below(70)
                        }),
                        _ => None,
                    };
                    let child = age.is_some_and(|a| a < 18);
                    let domestic_abuse = victim.is_some()
                        && self.rng.chance(match group {
                            0 => 0.33,
                            1 => 0.2,
                            9 => 0.1,
                            _ => 0.02,
                        });
                    let cse = child
                        && self.rng.chance(match group {
                            1 => 0.35,
                            0 => 0.03,
                            _ => 0.0,
                        });
                    let (outcome, outcome_date) = self.outcome(date, domestic_abuse);
                    let crime_ref = self.id("CR");
                    // About one robbery in eight takes a business's property
                    // (Home Office 34A); about one violent crime in sixty
                    // outside the home is against a retail worker at work.
                    let robbery_of = (OFFENCE_GROUPS[group] == "robbery").then(|| {
                        if self.details.chance(0.12) {
                            "business_property"
                        } else {
                            "personal_property"
                        }
                    });
                    let retail_worker = group == 0
                        && victim.is_some()
                        && !domestic_abuse
                        && self.details.chance(0.017);
                    w.write_record([
                        crime_ref,
                        date.to_string(),
                        OFFENCE_GROUPS[group].to_string(),
                        district.to_string(),
                        victim.unwrap_or_default(),
                        age.map(|a| a.to_string()).unwrap_or_default(),
                        domestic_abuse.to_string(),
                        cse.to_string(),
                        outcome.map(|o| o.to_string()).unwrap_or_default(),
                        outcome_date.map(|d| d.to_string()).unwrap_or_default(),
                        robbery_of.unwrap_or_default().to_string(),
                        retail_worker.to_string(),
                    ])?;
                }
            }
        }
        Ok(())
    }

    /// An outcome is likelier the longer a crime has had; charges are rarer
    /// for domestic abuse, and their share drifts down over the years.
    fn outcome(
        &mut self,
        recorded: NaiveDate,
        domestic_abuse: bool,
    ) -> (Option<u64>, Option<NaiveDate>) {
        let days_open = (self.end_date() - recorded).num_days() as f64;
        if !self.rng.chance(0.85 * (1.0 - (-days_open / 60.0).exp())) {
            return (None, None);
        }
        let years = (recorded - self.options.first_month.first_day()).num_days() as f64 / 365.0;
        let charge = if domestic_abuse {
            0.09 - 0.006 * years
        } else {
            0.11
        };
        let outcome = if self.rng.chance(charge) {
            1
        } else if self.rng.chance(0.08) {
            2 + self.rng.below(7)
        } else {
            9 + self.rng.below(14)
        };
        let delay = (self.rng.exponential(30.0) as i64).min(days_open as i64);
        (
            Some(outcome),
            Some(recorded + chrono::Duration::days(delay)),
        )
    }

    fn district(&mut self) -> usize {
        let weights: Vec<f64> = self
            .options
            .districts
            .iter()
            .map(|(_, p)| *p as f64)
            .collect();
        self.rng.weighted(&weights)
    }

    fn district_ids(&self) -> Vec<String> {
        self.options
            .districts
            .iter()
            .map(|(d, _)| d.clone())
            .collect()
    }

    fn satisfaction(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("victim_satisfaction"))?;
        let step = self.options.satisfaction_step();
        for month in self.options.months() {
            let n = self.rng.poisson(330.0 * self.options.scale);
            for _ in 0..n {
                let date = self.day_in(month);
                let district = self.district();
                let group = self.rng.weighted(&[0.3, 0.25, 0.35, 0.1]);
                let whole = if month >= step { 0.79 } else { 0.85 };
                let answers: Vec<String> = [whole, 0.88, 0.80, 0.72, 0.92]
                    .iter()
                    .map(|&p| {
                        if self.rng.chance(0.02) {
                            String::new()
                        } else {
                            self.answer(p).to_string()
                        }
                    })
                    .collect();
                let response_id = self.id("R");
                let crime_ref = self.id("CR");
                let mut record = vec![
                    response_id,
                    crime_ref,
                    date.to_string(),
                    SURVEY_GROUPS[group].to_string(),
                    self.options.districts[district].0.clone(),
                ];
                record.extend(answers);
                record.push(ETHNIC_GROUPS[self.rng.weighted(&[0.85, 0.12, 0.03])].to_string());
                w.write_record(record)?;
            }
        }
        Ok(())
    }

    /// A 1..7 answer, satisfied (1..3) with probability `p`.
    fn answer(&mut self, p: f64) -> u64 {
        if self.rng.chance(p) {
            1 + self.rng.weighted(&[0.3, 0.4, 0.3]) as u64
        } else {
            4 + self.rng.weighted(&[0.35, 0.3, 0.2, 0.15]) as u64
        }
    }

    fn contacts(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("victim_contacts"))?;
        // Monthly county referrals by category, and how often a victim returns.
        let categories = [
            (520.0, 0.32),
            (30.0, 0.1),
            (10.0, 0.15),
            (120.0, 0.2),
            (200.0, 0.05),
        ];
        let mut pools: Vec<Vec<VecDeque<String>>> =
            vec![vec![VecDeque::new(); self.options.districts.len()]; categories.len()];
        for month in self.options.months() {
            for (c, &(volume, repeat)) in categories.iter().enumerate() {
                let n = self.rng.poisson(volume * self.options.scale);
                for _ in 0..n {
                    let d = self.district();
                    let pool = &mut pools[c][d];
                    let victim = if !pool.is_empty() && self.rng.chance(repeat) {
                        pool[self.rng.below(pool.len() as u64) as usize].clone()
                    } else {
                        let id = self.id("V");
                        let pool = &mut pools[c][d];
                        pool.push_back(id.clone());
                        if pool.len() > (volume * self.options.scale * 2.0) as usize + 10 {
                            pool.pop_front();
                        }
                        id
                    };
                    let risk = (c == 0).then(|| self.rng.weighted(&[0.55, 0.33, 0.12]));
                    let marac = self.rng.chance(if risk == Some(2) { 0.9 } else { 0.02 });
                    let date = self.day_in(month);
                    let referral_id = self.id("REF");
                    w.write_record([
                        referral_id,
                        victim,
                        date.to_string(),
                        REFERRAL_CATEGORIES[c].to_string(),
                        risk.map(|r| RISK_LEVELS[r].to_string()).unwrap_or_default(),
                        self.options.districts[d].0.clone(),
                        if marac { "Y" } else { "N" }.to_string(),
                    ])?;
                }
            }
        }
        Ok(())
    }

    fn hate(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("hate_incidents"))?;
        let strand_weights = [0.68, 0.07, 0.14, 0.08, 0.03];
        let new_system = self.options.recording_break();
        let districts = self.district_ids();
        for month in self.options.months() {
            let recording = if month >= new_system { 1.35 } else { 1.0 };
            for (d, district) in districts.iter().enumerate() {
                let n = self.rng.poisson(recording * self.expected(1.5, d, month));
                for _ in 0..n {
                    let first = self.rng.weighted(&strand_weights);
                    let mut strands = vec![STRANDS[first]];
                    if self.rng.chance(0.09) {
                        let second = self.rng.weighted(&strand_weights);
                        if second != first {
                            strands.push(STRANDS[second]);
                        }
                    }
                    let is_crime = self.rng.chance(0.72);
                    let crime_ref = if is_crime {
                        self.id("CR")
                    } else {
                        String::new()
                    };
                    let victim = if self.rng.chance(0.8) {
                        self.id("V")
                    } else {
                        String::new()
                    };
                    let outcome = (is_crime && self.rng.chance(0.8)).then(|| {
                        if self.rng.chance(0.17) {
                            1 + self.rng.below(8)
                        } else {
                            9 + self.rng.below(14)
                        }
                    });
                    let date = self.day_in(month);
                    let incident_ref = self.id("HI");
                    w.write_record([
                        incident_ref,
                        date.to_string(),
                        district.to_string(),
                        strands.join(";"),
                        is_crime.to_string(),
                        crime_ref,
                        victim,
                        outcome.map(|o| o.to_string()).unwrap_or_default(),
                    ])?;
                }
            }
        }
        Ok(())
    }

    fn mental_health(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("mental_health_contacts"))?;
        let spike = self.options.custody_spike();
        for month in self.options.months() {
            let years = (month.0 - self.options.first_month.0) as f64 / 12.0;
            // County monthly volumes by contact type; street triage grows as the service does.
            let volumes = [38.0, 4.0, 140.0 * (1.0 + 0.06 * years), 260.0, 90.0];
            for (t, &volume) in volumes.iter().enumerate() {
                let n = self.rng.poisson(volume * self.options.scale);
                for _ in 0..n {
                    let d = self.district();
                    let detention = t < 2;
                    let custody = if month == spike { 0.45 } else { 0.08 };
                    let place = detention.then(|| {
                        if self.rng.chance(custody) {
                            1
                        } else {
                            [0, 2, 3][self.rng.weighted(&[0.85, 0.1, 0.05])]
                        }
                    });
                    let time = self.day_in(month).and_hms_opt(
                        self.rng.below(24) as u32,
                        self.rng.below(60) as u32,
                        self.rng.below(60) as u32,
                    );
                    let age = self.rng.chance(0.95).then(|| 12 + self.rng.below(78));
                    let minutes = (detention || self.rng.chance(0.5))
                        .then(|| 30 + self.rng.below(if detention { 900 } else { 240 }));
                    let contact_ref = self.id("MH");
                    w.write_record([
                        contact_ref,
                        time.expect("valid time")
                            .format("%Y-%m-%dT%H:%M:%S")
                            .to_string(),
                        self.options.districts[d].0.clone(),
                        CONTACT_TYPES[t].to_string(),
                        place
                            .map(|p| PLACES_OF_SAFETY[p].to_string())
                            .unwrap_or_default(),
                        age.map(|a| a.to_string()).unwrap_or_default(),
                        minutes.map(|m| m.to_string()).unwrap_or_default(),
                    ])?;
                }
            }
        }
        Ok(())
    }

    fn population(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("population"))?;
        for year in self.options.first_month.year()..=self.options.last_month().year() {
            for (district, population) in &self.options.districts {
                let people = *population as f64 * 1.008_f64.powi(year - 2021);
                w.write_record([
                    district.to_string(),
                    year.to_string(),
                    (people.round() as u64).to_string(),
                ])?;
            }
        }
        Ok(())
    }

    /// A time of day within `month`, to the second.
    fn time_in(&mut self, month: Month) -> String {
        let time = self.day_in(month).and_hms_opt(
            self.rng.below(24) as u32,
            self.rng.below(60) as u32,
            self.rng.below(60) as u32,
        );
        time.expect("valid time")
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    }

    /// 999 and 101 calls, in proportion to the population (about 0.11 999
    /// calls and 0.14 101 calls a person a year, a county force's share of the
    /// national volumes). 999 calls are answered in seconds, most within the
    /// 10-second standard; 101 calls wait minutes, and more are abandoned the
    /// longer the wait. Waits lengthen gently in winter, as demand rises: a
    /// seasonal swing, not a step, so SPC flags few months.
    fn calls(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("calls_for_service"))?;
        let people: f64 = self.options.districts.iter().map(|(_, p)| *p as f64).sum();
        for month in self.options.months() {
            // 1 in January, −1 in July.
            let winter = (2.0 * std::f64::consts::PI * (month.month() as f64 - 1.0) / 12.0).cos();
            for (line, per_person) in [("999", 0.11), ("101", 0.14)] {
                let n = self
                    .rng
                    .poisson(per_person / 12.0 * people * self.options.scale);
                let emergency = line == "999";
                // A month's typical wait: a gentle winter rise, and the
                // month-to-month wobble of staffing and demand that makes a
                // real process vary more than chance alone.
                let typical = if emergency {
                    4.4 * (1.0 + 0.03 * winter)
                } else {
                    260.0 * (1.0 + 0.05 * winter)
                } * (0.05 * self.rng.normal()).exp();
                for _ in 0..n {
                    let d = self.district();
                    let time = self.time_in(month);
                    let wait = self.rng.exponential(typical);
                    let give_up = if emergency {
                        0.01
                    } else {
                        (wait / 3000.0).min(0.5)
                    };
                    let abandoned = self.rng.chance(give_up);
                    let grade = (!abandoned).then(|| {
                        let weights: &[f64] = if emergency {
                            &[0.6, 0.35, 0.05, 0.0]
                        } else {
                            &[0.02, 0.18, 0.5, 0.3]
                        };
                        ["emergency", "priority", "scheduled", "resolution"]
                            [self.rng.weighted(weights)]
                    });
                    let call_ref = self.id("CALL");
                    w.write_record([
                        call_ref,
                        time,
                        line.to_string(),
                        self.options.districts[d].0.clone(),
                        if abandoned {
                            String::new()
                        } else {
                            (wait.round() as u64).to_string()
                        },
                        abandoned.to_string(),
                        grade.unwrap_or_default().to_string(),
                    ])?;
                }
            }
        }
        Ok(())
    }

    /// Referrals to restorative justice: a growing share made by victims
    /// themselves; most close within a few months, a third with a conference.
    fn restorative_justice(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("restorative_justice_referrals"))?;
        let end = self.end_date();
        for month in self.options.months() {
            let years = (month.0 - self.options.first_month.0) as f64 / 12.0;
            let n = self.rng.poisson(45.0 * self.options.scale);
            for _ in 0..n {
                let d = self.district();
                let date = self.day_in(month);
                let victim_share = 0.15 + 0.04 * years;
                let by = self.rng.weighted(&[victim_share, 0.55, 0.15, 0.1, 0.05]);
                let closes = date + chrono::Duration::days(20 + self.rng.exponential(60.0) as i64);
                let (outcome, closed) = if closes <= end {
                    let outcome = [
                        "conference",
                        "indirect_communication",
                        "declined",
                        "not_suitable",
                    ][self.rng.weighted(&[0.33, 0.27, 0.25, 0.15])];
                    (outcome, closes.to_string())
                } else {
                    ("", String::new())
                };
                let referral_ref = self.id("RJ");
                w.write_record([
                    referral_ref,
                    date.to_string(),
                    self.options.districts[d].0.clone(),
                    ["victim", "police", "probation", "youth_justice", "other"][by].to_string(),
                    outcome.to_string(),
                    closed,
                ])?;
            }
        }
        Ok(())
    }

    /// Anti-social behaviour incidents by LSOA, named as police.uk names them
    /// ("Fenland 003B": the district's name, the MSOA's number, a letter).
    /// Each district's centre (MSOA 003; Peterborough's 014) has a fifth of
    /// its incidents. Of the two the demo's People's Priorities are about,
    /// Wisbech town centre (Fenland 003) falls by 40% from July 2025 and
    /// Peterborough city centre carries on as before.
    fn asb_incidents(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("asb_incidents"))?;
        let names: Vec<String> = self
            .options
            .districts
            .iter()
            .map(|(id, _)| {
                self.options
                    .declarations
                    .force
                    .districts
                    .iter()
                    .find(|d| d.id == *id)
                    .map_or_else(|| id.replace('_', " "), |d| d.name.clone())
            })
            .collect();
        let wisbech_from = Month::new(2025, 7);
        for month in self.options.months() {
            let n = self.rng.poisson(1400.0 * self.options.scale);
            for _ in 0..n {
                let d = self.district();
                // MSOA 003 of each district is its busiest (a town centre): a
                // fifth of the district's incidents; the rest spread over 12.
                let name = &names[d];
                let centre = if name == "Peterborough" { 14 } else { 3 };
                let msoa = if self.rng.chance(0.2) {
                    centre
                } else {
                    1 + self.rng.below(14)
                };
                if msoa == 3 && name == "Fenland" && month >= wisbech_from && self.rng.chance(0.4) {
                    continue;
                }
                let lsoa = self.rng.chance(0.97).then(|| {
                    let letter = (b'A' + self.rng.below(5) as u8) as char;
                    format!("{name} {msoa:03}{letter}")
                });
                let category = ["personal", "nuisance", "environmental"]
                    [self.rng.weighted(&[0.25, 0.6, 0.15])];
                let time = self.time_in(month);
                let incident_ref = self.id("ASB");
                w.write_record([
                    incident_ref,
                    time,
                    self.options.districts[d].0.clone(),
                    lsoa.unwrap_or_default(),
                    category.to_string(),
                ])?;
            }
        }
        Ok(())
    }

    /// Incidents the force is called to, about 0.08 a person a year, a
    /// quarter of them emergencies. The demo force's districts are as urban as
    /// they are (Cambridge nearly all, South Cambridgeshire a third); another
    /// force's are the more urban the bigger. Emergencies are reached in a log-normal
    /// time, median about 9 minutes in towns and 13 in the country, so that
    /// about 85% and 82% meet the 15- and 20-minute standards; a gentle winter
    /// slowing and a month-to-month wobble, as with calls. Some incidents
    /// below emergency are resolved without attending.
    fn incidents(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("incidents"))?;
        let urban_share: Vec<f64> = self
            .options
            .districts
            .iter()
            .map(|(id, people)| match id.as_str() {
                "cambridge" => 0.98,
                "peterborough" => 0.9,
                "huntingdonshire" | "fenland" => 0.55,
                "east_cambridgeshire" => 0.45,
                "south_cambridgeshire" => 0.35,
                _ => (*people as f64 / 220_000.0).clamp(0.3, 0.97),
            })
            .collect();
        for month in self.options.months() {
            let winter = (2.0 * std::f64::consts::PI * (month.month() as f64 - 1.0) / 12.0).cos();
            let pace = (1.0 + 0.04 * winter) * (0.04 * self.rng.normal()).exp();
            for (d, &share) in urban_share.iter().enumerate() {
                let n = self.rng.poisson(self.expected(80.0, d, month));
                for _ in 0..n {
                    let grade = ["emergency", "priority", "scheduled", "resolution"]
                        [self.rng.weighted(&[0.25, 0.35, 0.25, 0.15])];
                    let urban = self.rng.chance(share);
                    let received = self.time_in(month);
                    // Median minutes to arrive, and whether anyone attends.
                    let (median, attends) = match grade {
                        "emergency" => (if urban { 9.0 } else { 13.0 }, 0.99),
                        "priority" => (if urban { 45.0 } else { 60.0 }, 0.9),
                        "scheduled" => (24.0 * 60.0, 0.6),
                        _ => (0.0, 0.0),
                    };
                    let arrived = self.rng.chance(attends).then(|| {
                        let minutes = median * pace * (0.5 * self.rng.normal()).exp();
                        let at = NaiveDateTime::parse_from_str(&received, "%Y-%m-%dT%H:%M:%S")
                            .expect("a time the demo wrote");
                        (at + chrono::Duration::seconds((minutes * 60.0).round() as i64))
                            .format("%Y-%m-%dT%H:%M:%S")
                            .to_string()
                    });
                    let incident_ref = self.id("INC");
                    w.write_record([
                        incident_ref,
                        received,
                        arrived.unwrap_or_default(),
                        grade.to_string(),
                        self.options.districts[d].0.clone(),
                        if urban { "urban" } else { "rural" }.to_string(),
                    ])?;
                }
            }
        }
        Ok(())
    }

    /// Referrals to the multi-agency safeguarding hub, children and adults.
    fn mash(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("mash_referrals"))?;
        for month in self.options.months() {
            // Referrals from schools fall away in August.
            let school = if month.month() == 8 { 0.3 } else { 1.0 };
            let n = self.rng.poisson(600.0 * self.options.scale);
            for _ in 0..n {
                let d = self.district();
                let date = self.day_in(month);
                let child = self.rng.chance(0.7);
                let by = self.rng.weighted(&[0.45, 0.2, 0.2 * school, 0.1, 0.05]);
                let outcome = self.rng.chance(0.95).then(|| {
                    ["strategy_discussion", "early_help", "no_further_action"]
                        [self.rng.weighted(&[0.2, 0.35, 0.45])]
                });
                let referral_ref = self.id("MASH");
                w.write_record([
                    referral_ref,
                    date.to_string(),
                    self.options.districts[d].0.clone(),
                    if child { "child" } else { "adult" }.to_string(),
                    ["police", "health", "education", "social_care", "other"][by].to_string(),
                    outcome.unwrap_or_default().to_string(),
                ])?;
            }
        }
        Ok(())
    }

    /// Arrests, by offence group, with the decision once made (recent arrests
    /// are likelier to await one).
    fn arrests(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("arrests"))?;
        let end = self.end_date();
        for month in self.options.months() {
            let n = self.rng.poisson(850.0 * self.options.scale);
            for _ in 0..n {
                let d = self.district();
                let time = self.time_in(month);
                let group = self.rng.weighted(&OFFENCE_WEIGHTS);
                let age = self.rng.chance(0.98).then(|| 12 + self.rng.below(70));
                let days_since = (end - month.last_day()).num_days() as f64;
                let decided = self
                    .rng
                    .chance(0.97 * (1.0 - (-(days_since + 15.0) / 45.0).exp()));
                let outcome = decided.then(|| {
                    [
                        "charged",
                        "caution",
                        "community_resolution",
                        "released_under_investigation",
                        "no_further_action",
                    ][self.rng.weighted(&[0.3, 0.08, 0.1, 0.22, 0.3])]
                });
                let arrest_ref = self.id("AR");
                w.write_record([
                    arrest_ref,
                    time,
                    self.options.districts[d].0.clone(),
                    OFFENCE_GROUPS[group].to_string(),
                    age.map(|a| a.to_string()).unwrap_or_default(),
                    outcome.unwrap_or_default().to_string(),
                ])?;
            }
        }
        Ok(())
    }

    /// Stop and search in police.uk's own layout (its column names, date-times
    /// with an offset, `True`/`False`), as a force downloads it.
    fn stop_and_search(&mut self, w: &mut csv::Writer<std::fs::File>) -> csv::Result<()> {
        w.write_record(header("stop_and_search"))?;
        let outcomes = [
            ("Nothing found - no further action", 0.62),
            ("Suspect arrested", 0.12),
            ("Offender given drugs possession warning", 0.1),
            ("Community resolution", 0.08),
            ("Suspect summonsed to court", 0.04),
            ("Article found - Detailed outcome unavailable", 0.04),
        ];
        let weights: Vec<f64> = outcomes.iter().map(|(_, w)| *w).collect();
        for month in self.options.months() {
            let n = self.rng.poisson(110.0 * self.options.scale);
            for _ in 0..n {
                let kind = self.rng.weighted(&[0.6, 0.3, 0.1]);
                let person = kind < 2;
                let time = self.time_in(month) + "+00:00";
                let outcome = outcomes[self.rng.weighted(&weights)].0;
                let found = outcome != outcomes[0].0;
                let (object, law) = [
                    ("Controlled drugs", "Misuse of Drugs Act 1971 (section 23)"),
                    (
                        "Stolen goods",
                        "Police and Criminal Evidence Act 1984 (section 1)",
                    ),
                    (
                        "Offensive weapons",
                        "Police and Criminal Evidence Act 1984 (section 1)",
                    ),
                ][self.rng.weighted(&[0.6, 0.25, 0.15])];
                let person_field = |s: &str| if person { s.to_string() } else { String::new() };
                let gender = if self.rng.chance(0.88) {
                    "Male"
                } else {
                    "Female"
                };
                let age = ["10-17", "18-24", "25-34", "over 34"]
                    [self.rng.weighted(&[0.2, 0.35, 0.25, 0.2])];
                w.write_record([
                    [
                        "Person search",
                        "Person and Vehicle search",
                        "Vehicle search",
                    ][kind]
                        .to_string(),
                    time,
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    person_field(gender),
                    person_field(age),
                    person_field("Not Stated (NS)"),
                    person_field("White"),
                    law.to_string(),
                    object.to_string(),
                    outcome.to_string(),
                    if found { "True" } else { "" }.to_string(),
                    if person { "False" } else { "" }.to_string(),
                ])?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn districts_have_their_own_census_population_or_a_plausible_one() {
        assert_eq!(district_population("leicester"), 368_600);
        assert_eq!(district_population("rutland"), 41_000);
        assert_eq!(district_population("cambridge"), 145_700);
        // Unknown districts: the same each time, spread like real ones.
        let mut drawn: Vec<u64> = (0..400)
            .map(|i| district_population(&format!("district_{i}")))
            .collect();
        assert_eq!(drawn[7], district_population("district_7"));
        assert!(
            drawn
                .iter()
                .all(|p| (40_000..=600_000).contains(p) && p % 100 == 0)
        );
        drawn.sort_unstable();
        let median = drawn[200] as f64;
        assert!((120_000.0..160_000.0).contains(&median), "{median}");
        assert!(drawn[40] < 100_000 && drawn[360] > 200_000, "{drawn:?}");
    }
}
