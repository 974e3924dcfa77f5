//! A family of forces for peer comparison: police.uk-format street files for
//! the home force and six fictional peers, each force's population, and the
//! peer group that ties them. Rates differ by force (one peer markedly higher)
//! so that "above", "below" and "in line" all have something to find.

use super::{DemoError, DemoOptions, rng::Rng};
use crate::common::period::Month;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Force, population, and crimes per 1,000 people a year. The first is the
/// home force: its files are written under the name `data/force.toml` gives,
/// with the districts' population.
pub const FORCES: [(&str, u64, f64); 7] = [
    ("Cambridgeshire Constabulary", 870_000, 62.0),
    ("Northmoor Police", 640_000, 58.0),
    ("Westvale Constabulary", 1_120_000, 60.0),
    ("Eastholme Police", 760_000, 55.0),
    ("Southdown Constabulary", 930_000, 66.0),
    ("Midcastle Police", 580_000, 84.0),
    ("Fenmarsh Constabulary", 700_000, 61.0),
];

/// police.uk crime types and their shares of crime; ASB comes on top.
const CRIME_TYPES: [(&str, f64); 13] = [
    ("Violence and sexual offences", 0.36),
    ("Criminal damage and arson", 0.10),
    ("Other theft", 0.09),
    ("Vehicle crime", 0.08),
    ("Burglary", 0.07),
    ("Shoplifting", 0.07),
    ("Public order", 0.08),
    ("Bicycle theft", 0.03),
    ("Drugs", 0.03),
    ("Theft from the person", 0.02),
    ("Robbery", 0.01),
    ("Possession of weapons", 0.01),
    ("Other crime", 0.01),
];

const OUTCOMES: [(&str, f64); 5] = [
    ("Investigation complete; no suspect identified", 0.45),
    ("Unable to prosecute suspect", 0.25),
    ("Under investigation", 0.12),
    ("Awaiting court outcome", 0.10),
    ("Offender given a caution", 0.08),
];

/// Months of police.uk files: the last 30 of the demo span (19 rolling-12
/// points, and two years and more of months for a priority's before and after).
pub const MONTHS: i32 = 30;

/// Writes the family into `dir`: `YYYY-MM/YYYY-MM-<force>-street.csv`,
/// `force_population.csv`, `population.csv` (the home force's districts, for
/// its rate per 1,000) and `peer_groups.toml`.
pub fn generate(dir: &Path, options: &DemoOptions) -> Result<Vec<PathBuf>, DemoError> {
    let mut rng = Rng::new(options.seed ^ 0x5eed_f0ce);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source: std::io::Error| DemoError::Io { path, source }
    };
    let last = options.first_month + (options.years as i32 * 12 - 1);
    let first = (last - (MONTHS - 1)).max(options.first_month);
    let mut written = Vec::new();
    let mut next_id = 0u64;
    // The home force's LSOAs are named after its districts, as police.uk's
    // are ("Fenland 003B"), each district's share in proportion to its people.
    let declared = options.declarations.force;
    let home_areas: Vec<String> = options
        .districts
        .iter()
        .map(|(id, _)| {
            declared
                .districts
                .iter()
                .find(|d| d.id == *id)
                .map_or_else(|| slug_title(id), |d| d.name.clone())
        })
        .collect();
    let home_weights: Vec<f64> = options.districts.iter().map(|(_, p)| *p as f64).collect();
    let home_population: u64 = options.districts.iter().map(|(_, p)| *p).sum();
    let forces: Vec<(&str, u64, f64)> =
        std::iter::once((declared.name.as_str(), home_population, FORCES[0].2))
            .chain(FORCES[1..].iter().copied())
            .collect();
    for m in first.0..=last.0 {
        let month = Month(m);
        let folder = dir.join(month.to_string());
        std::fs::create_dir_all(&folder).map_err(io(&folder))?;
        for (i, &(force, population, rate)) in forces.iter().enumerate() {
            let slug = force
                .split_whitespace()
                .next()
                .unwrap_or(force)
                .to_lowercase();
            let path = folder.join(format!("{month}-{slug}-street.csv"));
            let mut w = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io(&path))?);
            writeln!(
                w,
                "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context"
            )
            .map_err(io(&path))?;
            let expected = options.scale * rate / 12.0 * population as f64 / 1000.0;
            let crimes = rng.poisson(expected);
            let asb = rng.poisson(expected * 0.3);
            let shares: Vec<f64> = CRIME_TYPES.iter().map(|(_, s)| *s).collect();
            let outcome_shares: Vec<f64> = OUTCOMES.iter().map(|(_, s)| *s).collect();
            let home = i == 0;
            for i in 0..crimes + asb {
                let lsoa = rng.below(400);
                let (id, crime_type, outcome) = if i < crimes {
                    next_id += 1;
                    (
                        format!("{:064x}", next_id.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
                        CRIME_TYPES[rng.weighted(&shares)].0,
                        OUTCOMES[rng.weighted(&outcome_shares)].0,
                    )
                } else {
                    (String::new(), "Anti-social behaviour", "")
                };
                let lsoa_name = if home {
                    // A fifth in the district's centre (MSOA 003; Peterborough's 014).
                    let area = &home_areas[rng.weighted(&home_weights)];
                    let centre = if area == "Peterborough" { 14 } else { 3 };
                    let msoa = if rng.below(5) == 0 {
                        centre
                    } else {
                        1 + rng.below(14)
                    };
                    // Wisbech town centre's anti-social behaviour falls by 40%
                    // from July 2024, after residents raised it in June.
                    if crime_type == "Anti-social behaviour"
                        && area == "Fenland"
                        && msoa == 3
                        && month >= Month::new(2024, 7)
                        && rng.below(10) < 4
                    {
                        continue;
                    }
                    format!("{area} {msoa:03}{}", (b'A' + rng.below(5) as u8) as char)
                } else {
                    format!("{} {:03}A", slug_title(&slug), lsoa % 100)
                };
                writeln!(
                    w,
                    "{id},{month},{force},{force},0.0,52.0,On or near a street,E0{lsoa:07},{lsoa_name},{crime_type},{outcome},"
                )
                .map_err(io(&path))?;
            }
            w.flush().map_err(io(&path))?;
            written.push(path);
        }
    }
    let path = dir.join("force_population.csv");
    let mut text = String::from("force,year,population\n");
    for year in first.year()..=last.year() {
        for (force, population, _) in &forces {
            text += &format!("{force},{year},{population}\n");
        }
    }
    std::fs::write(&path, text).map_err(io(&path))?;
    written.push(path);
    let path = dir.join("population.csv");
    let mut text = String::from("district,year,population\n");
    for year in first.year()..=last.year() {
        for (district, population) in &options.districts {
            text += &format!("{district},{year},{population}\n");
        }
    }
    std::fs::write(&path, text).map_err(io(&path))?;
    written.push(path);
    let path = dir.join(crate::ingest::peers::FILE);
    let peers: Vec<String> = FORCES[1..]
        .iter()
        .map(|(f, _, _)| format!("\"{f}\""))
        .collect();
    std::fs::write(
        &path,
        format!(
            "# Demo peer group: the home force and six fictional forces.\nforce = {}\n\n[groups.most_similar]\ntitle = \"Most similar group\"\nforces = [{}]\n",
            toml_string(&declared.name),
            peers.join(", ")
        ),
    )
    .map_err(io(&path))?;
    written.push(path);
    Ok(written)
}

fn slug_title(slug: &str) -> String {
    let mut chars = slug.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// A TOML basic string of `text`, its quotes and backslashes escaped.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}
