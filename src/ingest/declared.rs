//! Sources and the force, declared in files: `data/force.toml` (the force, its
//! area and its districts) and `data/sources/<name>.toml` (one source each: its
//! columns, their types and allowed values, and the rules between them). Read
//! like measures: parsed with positions, every mistake collected with its
//! file, line and column, then handed on as [`Contract`]s that cannot be
//! invalid. The shipped files are built into the binary; a project's own
//! `data/` folder replaces the force and adds or replaces sources by name.

use super::SourceConfig;
use super::contract::{ColumnSpec, ColumnType, Contract, Format, RowRule, Vocabulary};
use crate::common::{Diagnostic, SourceText, did_you_mean, sha256_hex};
use datafusion::common::DFSchema;
use datafusion::logical_expr::ExprSchemable;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use toml::Spanned;

/// Where a project keeps its force file, below its root.
pub const FORCE_FILE: &str = "data/force.toml";
/// Where a project keeps its source declarations, below its root.
pub const SOURCES_DIR: &str = "data/sources";

/// The force whose Plan is measured.
#[derive(Debug, PartialEq, Eq)]
pub struct Force {
    /// As police.uk's "Falls within" spells it: "Northshire Police".
    pub name: String,
    /// Shown on every page and pack: "Northshire and Eastby".
    pub area: String,
    pub districts: Vec<District>,
    /// Other names the force goes by in national tables: "Cambridgeshire"
    /// in the Home Office's recorded crime by force area.
    pub aliases: Vec<String>,
    /// Named neighbourhoods below the districts, each a set of MSOAs.
    pub neighbourhoods: Vec<Neighbourhood>,
    /// Who publishes the figures: named as the open data's publisher.
    pub publisher: Publisher,
    /// The languages its pages and packs are written in (`languages`): English
    /// alone unless it names Welsh too.
    pub languages: Vec<crate::common::language::Language>,
    /// The area's name in Welsh.
    pub area_cy: Option<String>,
}

/// The body that publishes a Plan's figures (the Commissioner's office).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    pub name: String,
    /// Its website, where it has one: `https://www.northshire-pcc.gov.uk`.
    pub url: Option<String>,
}

impl Publisher {
    /// The office of a Police and Crime Commissioner for `area`, where
    /// `data/force.toml` names no publisher.
    pub fn commissioner_for(area: &str) -> Publisher {
        Publisher {
            name: format!("Office of the Police and Crime Commissioner for {area}"),
            url: None,
        }
    }
}

/// A neighbourhood of a district, as residents name it ("Wisbech town
/// centre"): one or more MSOAs (an LSOA lies in the MSOA its name less the
/// last letter spells: `Fenland 003I` in `Fenland 003`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbourhood {
    /// As measures and results write it: `wisbech_town_centre`.
    pub id: String,
    pub name: String,
    /// The id of the district it lies in.
    pub district: String,
    /// MSOA names, as police.uk's LSOA names spell them: "Fenland 003".
    pub msoas: Vec<String>,
}

/// A community safety partnership area of the force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    /// As measures, results and breakdowns write it: `north_vale`.
    pub id: String,
    /// As people read it: "North Vale".
    pub name: String,
    pub ons_code: Option<String>,
    /// Other spellings in the force's exports: "East Cambs".
    pub aliases: Vec<String>,
}

impl Force {
    /// The district ids, in declared order.
    /// Whether a national table's name for a force is this force's.
    pub fn is_named(&self, name: &str) -> bool {
        name == self.name || self.aliases.iter().any(|a| a == name)
    }

    pub fn district_ids(&self) -> Vec<&str> {
        self.districts.iter().map(|d| d.id.as_str()).collect()
    }
}

/// The force and every source, as declared.
#[derive(Debug, Clone)]
pub struct Declarations {
    pub force: &'static Force,
    /// In name order.
    pub sources: Vec<&'static Contract>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeclarationError {
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("{}", render(.0))]
    Invalid(Vec<Diagnostic>),
}

impl DeclarationError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            DeclarationError::Invalid(d) => d,
            DeclarationError::Io { .. } | DeclarationError::Unreadable { .. } => &[],
        }
    }
}

fn render(diagnostics: &[Diagnostic]) -> String {
    crate::common::render_all(diagnostics, "source or force declarations")
}

impl Declarations {
    /// The declarations shipped with `mos` (the demo force and its sources).
    pub fn shipped() -> &'static Declarations {
        static SHIPPED: OnceLock<Declarations> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            let (force, sources) = shipped_texts();
            Declarations::from_texts(&force, &sources)
                .unwrap_or_else(|e| panic!("the shipped declarations are valid: {e}"))
        })
    }

    /// The declarations of the project at `root`: its `data/force.toml` (else the
    /// shipped force) and the shipped sources, with those of its
    /// `data/sources/*.toml` added, or in place of a shipped one of the same name.
    pub fn load(root: &Path) -> Result<Declarations, DeclarationError> {
        let (mut force, shipped_sources) = shipped_texts();
        let force_path = root.join(FORCE_FILE);
        if force_path.exists() {
            force = read(&force_path)?;
        }
        let mut sources: BTreeMap<String, SourceText> = shipped_sources
            .into_iter()
            .map(|s| (source_name(&s.path), s))
            .collect();
        let dir = root.join(SOURCES_DIR);
        if dir.is_dir() {
            let io = |source| DeclarationError::Io {
                path: dir.clone(),
                source,
            };
            let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                let text = read(&path)?;
                sources.insert(source_name(&path), text);
            }
        }
        let sources: Vec<SourceText> = sources.into_values().collect();
        Declarations::from_texts(&force, &sources)
    }

    /// Validates a force file and source files given as text.
    pub fn from_texts(
        force: &SourceText,
        sources: &[SourceText],
    ) -> Result<Declarations, DeclarationError> {
        let mut errors = Vec::new();
        let force = match parse_force(force) {
            Ok(f) => Some(interned_force(f)),
            Err(mut e) => {
                errors.append(&mut e);
                None
            }
        };
        let mut contracts = Vec::new();
        if let Some(force) = force {
            for file in sources {
                match contract_of(file, force) {
                    Ok(c) => contracts.push(c),
                    Err(mut e) => errors.append(&mut e),
                }
            }
        }
        // A rate divides by one table of population: two would be a guess.
        for of in [
            super::contract::PopulationOf::District,
            super::contract::PopulationOf::Force,
        ] {
            let tables: Vec<&str> = contracts
                .iter()
                .filter(|c| c.population_of == Some(of))
                .map(|c| c.name)
                .collect();
            if let [first, second, ..] = tables[..] {
                let file = sources
                    .iter()
                    .find(|s| source_name(&s.path) == second)
                    .expect("a declared source has its file");
                errors.push(
                    Diagnostic::whole_file(
                        &file.path,
                        format!(
                            "`{first}` and `{second}` are both population tables by {}",
                            of.column()
                        ),
                    )
                    .with_help(format!(
                        "declare one: to use your own, name its file {first}.toml (it then takes the shipped one's place)"
                    )),
                );
            }
        }
        if !errors.is_empty() {
            return Err(DeclarationError::Invalid(errors));
        }
        contracts.sort_by_key(|c| c.name);
        Ok(Declarations {
            force: force.expect("no errors, so a force"),
            sources: contracts,
        })
    }

    pub fn source(&self, name: &str) -> Option<&'static Contract> {
        self.sources.iter().copied().find(|c| c.name == name)
    }
}

/// A declaration's text: a regular file (a pipe in its place would block for
/// good), in UTF-8.
fn read(path: &Path) -> Result<SourceText, DeclarationError> {
    let unreadable = |message: String| DeclarationError::Unreadable {
        path: path.to_path_buf(),
        message,
    };
    let bytes = super::read_file(path).map_err(|e| unreadable(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        unreadable(format!(
            "{} is not UTF-8 text (byte {} is not); save it as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to() + 1
        ))
    })?;
    Ok(SourceText {
        path: path.to_path_buf(),
        text,
    })
}

/// A source's name: its file's name without `.toml`.
fn source_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The shipped source declarations.
/// The declared names (interned) of the columns an SQL expression names,
/// each once, in the order it names them; every one is known (checked before).
fn declared_names(named: &[String], names: &[&'static str]) -> &'static [&'static str] {
    let mut in_order: Vec<&'static str> = Vec::new();
    for n in named {
        let column = *names
            .iter()
            .find(|c| **c == n.as_str())
            .expect("checked above");
        if !in_order.contains(&column) {
            in_order.push(column);
        }
    }
    Box::leak(in_order.into_boxed_slice())
}

#[cfg(test)]
pub(crate) fn shipped_source_texts() -> Vec<SourceText> {
    shipped_texts().1
}

fn shipped_texts() -> (SourceText, Vec<SourceText>) {
    let text = |path: &str, text: &str| SourceText {
        path: PathBuf::from(path),
        text: text.to_string(),
    };
    let force = text(
        FORCE_FILE,
        crate::common::shipped::file(FORCE_FILE).expect("data/force.toml is shipped"),
    );
    let sources = crate::common::shipped::under(SOURCES_DIR)
        .filter(|(path, _)| {
            Path::new(path)
                .parent()
                .is_some_and(|p| p == Path::new(SOURCES_DIR))
        })
        .map(|(path, t)| text(path, t))
        .collect();
    (force, sources)
}

// ---- The files as written -------------------------------------------------

/// `data/force.toml`: the force whose Plan this is.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawForce {
    /// The force's name as police.uk's "Falls within" spells it.
    pub name: String,
    /// The area shown on every page and pack.
    pub area: String,
    /// Other names of the force in national tables (the Home Office's
    /// "Cambridgeshire"): its point is marked on a funnel of the forces.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The force's community safety partnership areas: every `district` column's values.
    pub districts: Vec<RawDistrict>,
    /// Neighbourhoods below the districts, as residents name them: the
    /// `neighbourhood` of police.uk rows whose LSOA lies in one of their MSOAs.
    #[serde(default)]
    pub neighbourhoods: Vec<RawNeighbourhood>,
    /// Who publishes the figures, as the open data names it (default: the
    /// Office of the Police and Crime Commissioner for the area).
    #[serde(default)]
    pub publisher: Option<RawPublisher>,
    /// The languages pages and packs are written in: `["en"]` (the default),
    /// or `["cy", "en"]` for a Welsh force, whose offices publish in both.
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub languages: Option<Spanned<Vec<Spanned<String>>>>,
    /// The area's name in Welsh: "Dyfed-Powys".
    #[serde(default)]
    pub area_cy: Option<String>,
}

/// `[publisher]` of `data/force.toml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPublisher {
    /// "Office of the Police and Crime Commissioner for Northshire".
    pub name: String,
    /// Its website: `https://www.northshire-pcc.gov.uk`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub url: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNeighbourhood {
    /// Lower case letters, digits and underscores: `wisbech_town_centre`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// As people read it: "Wisbech town centre".
    pub name: String,
    /// The id of the district it lies in.
    #[schemars(with = "String")]
    pub district: Spanned<String>,
    /// Its MSOAs, named as an LSOA's name less its last letter: `["Fenland 003"]`.
    #[schemars(with = "Vec<String>")]
    pub msoas: Spanned<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDistrict {
    /// Lower case letters, digits and underscores: `north_vale`.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// As people read it: "North Vale".
    pub name: String,
    /// The ONS code of the local authority, e.g. `E07000009`.
    #[serde(default)]
    pub ons_code: Option<String>,
    /// Other spellings the force's exports use: "East Cambs".
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// `data/sources/<name>.toml`: one source, its columns and rules.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    /// What one row is, in a line: "Calls for service: 999 and 101 calls, one row per call".
    pub title: String,
    /// The date or date-time column periods key off (unless a measure says
    /// otherwise). A source without one is a reference table, such as population.
    #[schemars(with = "Option<String>")]
    pub period_column: Option<Spanned<String>>,
    /// `table` (one CSV or Parquet file, the default) or `police_uk_street`
    /// (police.uk's monthly street-level files).
    #[schemars(with = "Option<String>")]
    pub format: Option<Spanned<String>>,
    /// A reference table of population by year, rather than rows to count:
    /// `district` (the table a rate divides by) or `force` (a peer
    /// comparison's). Its columns are the area (`district` or `force`), `year`
    /// and `population`.
    #[schemars(with = "Option<String>")]
    pub population_of: Option<Spanned<String>>,
    /// For a file of aggregate rows (a published table: one row per force,
    /// offence and quarter with its number of offences): the whole-number
    /// column each row counts as. Measures then count its sum, not rows.
    #[schemars(with = "Option<String>")]
    pub counts_as: Option<Spanned<String>>,
    /// How long the stretch of time each row stands for is, from its date:
    /// `month` (the default for a table of aggregates by month), `quarter` or
    /// `year`. A quarterly table's last row, dated in January, then reaches
    /// to March, so its last quarter (and financial year) is complete.
    #[schemars(with = "Option<String>")]
    pub row_covers: Option<Spanned<String>>,
    /// For several forces' data: the column that names each row's force, by
    /// which a measure with a `peer_group` compares the force with its peers
    /// (default `falls_within`, police.uk's, where the source has it).
    #[schemars(with = "Option<String>")]
    pub force_column: Option<Spanned<String>>,
    /// The file in the data folder (default `<name>.csv`, `.parquet`, `.xlsx` or `.ods`).
    pub file: Option<String>,
    /// A spreadsheet's sheet (default: its first).
    pub sheet: Option<String>,
    /// chrono format of dates, e.g. `%d/%m/%Y` (default ISO `%Y-%m-%d`).
    pub date_format: Option<String>,
    /// chrono format of date-times (default ISO 8601 with `T` or a space).
    pub datetime_format: Option<String>,
    /// Spellings of true beyond true, Y, yes and 1.
    #[serde(default)]
    pub true_values: Vec<String>,
    /// Spellings of false beyond false, N, no and 0.
    #[serde(default)]
    pub false_values: Vec<String>,
    /// Every column, in order: `name = { type = "…", … }`.
    #[schemars(with = "BTreeMap<String, RawColumn>")]
    pub columns: Spanned<Columns>,
    /// Conditions every row must meet, each with the reason a rejected row is given.
    #[serde(default)]
    pub rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    /// text, date, datetime, bool, int, decimal, enum, enum_set or district.
    #[serde(rename = "type")]
    #[schemars(with = "String")]
    pub ty: Spanned<String>,
    /// Whether the column may be empty.
    #[serde(default)]
    pub nullable: bool,
    /// The column may be missing from a force's file (a detail not every
    /// force records): every row then reads it as empty. Needs `nullable`.
    #[serde(default)]
    pub optional: bool,
    /// No two rows may share a value (a reference number); text columns only.
    #[serde(default)]
    pub unique: bool,
    /// The column identifies a person or a record (a victim's id, a crime
    /// reference): a measure may not break down by it or compare it with a
    /// value. Every `unique` column is one too.
    #[serde(default)]
    pub identifier: bool,
    /// int: the smallest value allowed.
    #[schemars(with = "Option<i64>")]
    pub min: Option<Spanned<i64>>,
    /// int: the largest value allowed.
    #[schemars(with = "Option<i64>")]
    pub max: Option<Spanned<i64>>,
    /// enum and enum_set: the allowed values.
    #[schemars(with = "Option<Vec<String>>")]
    pub values: Option<Spanned<Vec<String>>>,
    /// enum and enum_set: other spellings, each naming the value it stands for.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub aliases: Option<Spanned<BTreeMap<String, String>>>,
    /// The column's name in the force's file, where it differs.
    pub from: Option<String>,
    /// An SQL expression over the other (read) columns of the row: the column
    /// is made from them rather than read (`crime_id IS NULL`). Besides
    /// DataFusion's functions, `district_of(text)` gives the force's district
    /// a name, id or alias spells.
    #[schemars(with = "Option<String>")]
    pub derive: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// An SQL condition over the row's columns: `abandoned OR answer_seconds IS NOT NULL`.
    #[schemars(with = "String")]
    pub check: Spanned<String>,
    /// Why, as a rejected row is told: "an answered call has an answer time".
    pub reason: String,
}

/// A source's columns in the order written.
#[derive(Debug)]
pub struct Columns(pub Vec<(String, Spanned<RawColumn>)>);

impl<'de> Deserialize<'de> for Columns {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Columns;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of columns, `name = { type = \"text\" }`")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Columns, A::Error> {
                let mut columns = Vec::new();
                while let Some((name, column)) = map.next_entry()? {
                    columns.push((name, column));
                }
                Ok(Columns(columns))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

/// The JSON Schema of source files and of the force file, for editors.
pub fn json_schemas() -> serde_json::Value {
    serde_json::json!({
        "source": schemars::schema_for!(RawSource),
        "force": schemars::schema_for!(RawForce),
    })
}

// ---- Validation ------------------------------------------------------------

const TYPES: [&str; 9] = [
    "text", "date", "datetime", "bool", "int", "decimal", "enum", "enum_set", "district",
];
const FORMATS: [&str; 2] = ["table", "police_uk_street"];
/// The types a derived column may have.
const DERIVABLE: [&str; 6] = ["text", "bool", "int", "decimal", "date", "datetime"];

fn parse_toml<T: serde::de::DeserializeOwned>(file: &SourceText) -> Result<T, Vec<Diagnostic>> {
    toml::from_str(&file.text).map_err(|e| {
        let message = e.message().trim().to_string();
        let mut d = Diagnostic::at(file, e.span().unwrap_or(0..0), &message);
        if let Some(close) = unknown_field_hint(&message) {
            d = d.with_label(close);
        }
        vec![d]
    })
}

/// "did you mean `nullable`?" for serde's "unknown field `nulable`, expected one of …".
fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(field, candidates).map(|c| format!("did you mean `{c}`?"))
}

fn parse_force(file: &SourceText) -> Result<Force, Vec<Diagnostic>> {
    let raw: RawForce = parse_toml(file)?;
    let mut errors = Vec::new();
    if raw.districts.is_empty() {
        errors.push(
            Diagnostic::whole_file(&file.path, "the force declares no districts")
                .with_help("add a `[[districts]]` table with `id` and `name` for each district"),
        );
    }
    let mut districts: Vec<District> = Vec::new();
    for d in raw.districts {
        let id = d.id.get_ref();
        if !crate::common::is_id(id) {
            errors.push(
                Diagnostic::at(file, d.id.span(), format!("`{id}` is not a district id"))
                    .with_help(
                        "write it in lower case letters, digits and underscores, e.g. `north_vale`",
                    ),
            );
        } else if districts.iter().any(|known| known.id == *id) {
            errors.push(Diagnostic::at(
                file,
                d.id.span(),
                format!("district `{id}` is declared twice"),
            ));
        }
        districts.push(District {
            id: d.id.into_inner(),
            name: d.name,
            ons_code: d.ons_code,
            aliases: d.aliases,
        });
    }
    let mut neighbourhoods: Vec<Neighbourhood> = Vec::new();
    for n in raw.neighbourhoods {
        let id = n.id.get_ref();
        if !crate::common::is_id(id) {
            errors.push(
                Diagnostic::at(file, n.id.span(), format!("`{id}` is not a neighbourhood id"))
                    .with_help("write it in lower case letters, digits and underscores, e.g. `wisbech_town_centre`"),
            );
        } else if neighbourhoods.iter().any(|known| known.id == *id)
            || districts.iter().any(|d| d.id == *id)
        {
            errors.push(Diagnostic::at(
                file,
                n.id.span(),
                format!("`{id}` is declared twice (as a district or a neighbourhood)"),
            ));
        }
        let district = n.district.get_ref();
        if !districts.iter().any(|d| d.id == *district) {
            let mut d = Diagnostic::at(
                file,
                n.district.span(),
                format!("unknown district `{district}`"),
            );
            d = match did_you_mean(district, districts.iter().map(|d| d.id.as_str())) {
                Some(close) => d.with_label(format!("did you mean `{close}`?")),
                None => d.with_help("name the `id` of one of the force's `[[districts]]`"),
            };
            errors.push(d);
        }
        if n.msoas.get_ref().is_empty() {
            errors.push(
                Diagnostic::at(file, n.msoas.span(), "a neighbourhood needs at least one MSOA")
                    .with_help("list them as LSOA names less their last letter, e.g. `msoas = [\"Fenland 003\"]`"),
            );
        }
        for msoa in n.msoas.get_ref() {
            if let Some(other) = neighbourhoods.iter().find(|o| o.msoas.contains(msoa)) {
                errors.push(Diagnostic::at(
                    file,
                    n.msoas.span(),
                    format!("MSOA `{msoa}` is in neighbourhood `{}` already", other.id),
                ));
            }
        }
        neighbourhoods.push(Neighbourhood {
            id: n.id.into_inner(),
            name: n.name,
            district: n.district.into_inner(),
            msoas: n.msoas.into_inner(),
        });
    }
    let publisher = match raw.publisher {
        None => Publisher::commissioner_for(&raw.area),
        Some(p) => {
            if let Some(url) = &p.url
                && !url.get_ref().starts_with("https://")
                && !url.get_ref().starts_with("http://")
            {
                errors.push(
                    Diagnostic::at(file, url.span(), format!("`{}` is not a website's address", url.get_ref()))
                        .with_help("write the office's website as it is typed in a browser: `url = \"https://www.northshire-pcc.gov.uk\"`"),
                );
            }
            Publisher {
                name: p.name,
                url: p.url.map(Spanned::into_inner),
            }
        }
    };
    let mut languages = Vec::new();
    for code in raw.languages.iter().flat_map(|l| l.get_ref()) {
        match code.get_ref().parse::<crate::common::language::Language>() {
            Ok(language) if !languages.contains(&language) => languages.push(language),
            Ok(_) => errors.push(Diagnostic::at(
                file,
                code.span(),
                format!("`{}` is listed twice", code.get_ref()),
            )),
            Err(why) => errors.push(
                Diagnostic::at(file, code.span(), why)
                    .with_help("a Welsh force writes `languages = [\"cy\", \"en\"]`"),
            ),
        }
    }
    if languages.is_empty() {
        languages.push(crate::common::language::Language::English);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Force {
        name: raw.name,
        area: raw.area,
        districts,
        aliases: raw.aliases,
        neighbourhoods,
        publisher,
        languages,
        area_cy: raw.area_cy,
    })
}

fn interned_force(force: Force) -> &'static Force {
    crate::common::interned(format!("{force:?}"), || Ok::<_, ()>(force)).expect("infallible")
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn contract_of(
    file: &SourceText,
    force: &'static Force,
) -> Result<&'static Contract, Vec<Diagnostic>> {
    let key = format!("{}\n{}\n{force:?}", file.path.display(), file.text);
    crate::common::interned(key, || validate_source(file, force))
}

fn validate_source(file: &SourceText, force: &'static Force) -> Result<Contract, Vec<Diagnostic>> {
    let raw: RawSource = parse_toml(file)?;
    let name = source_name(&file.path);
    let mut errors = Vec::new();
    if !crate::common::is_id(&name) {
        errors.push(
            Diagnostic::whole_file(&file.path, format!("`{name}` is not a source name"))
                .with_help("name the file in lower case letters, digits and underscores, e.g. `calls_for_service.toml`"),
        );
    }
    let format = match &raw.format {
        None => Format::Table,
        Some(f) => match f.get_ref().as_str() {
            "table" => Format::Table,
            "police_uk_street" => Format::PoliceUkStreet,
            other => {
                let mut d = Diagnostic::at(file, f.span(), format!("unknown format `{other}`"));
                d = match did_you_mean(other, FORMATS) {
                    Some(close) => d.with_label(format!("did you mean `{close}`?")),
                    None => d.with_help(format!("the formats are {}", FORMATS.join(", "))),
                };
                errors.push(d);
                Format::Table
            }
        },
    };
    let mut columns: Vec<ColumnSpec> = Vec::new();
    let mut derived: Vec<(String, ColumnType, &Spanned<String>)> = Vec::new();
    let mut renames = BTreeMap::new();
    for (column, spanned) in &raw.columns.get_ref().0 {
        let at = spanned.span();
        let c = spanned.get_ref();
        if !crate::common::is_id(column) {
            errors.push(
                Diagnostic::at(file, at.clone(), format!("`{column}` is not a column name"))
                    .with_help("write it in lower case letters, digits and underscores; give the file's own name with `from = \"…\"`"),
            );
            continue;
        }
        if let Some(from) = &c.from {
            renames.insert(column.clone(), from.clone());
        }
        let Some(ty) = column_type(file, column, c, force, &mut errors) else {
            continue;
        };
        if let Some(sql) = &c.derive {
            if c.from.is_some() || c.unique || !DERIVABLE.contains(&c.ty.get_ref().as_str()) {
                errors.push(
                    Diagnostic::at(file, sql.span(), format!("`{column}` cannot be derived so"))
                        .with_help(format!(
                            "a derived column is not read (no `from`), not unique, and one of {}",
                            DERIVABLE.join(", ")
                        )),
                );
                continue;
            }
            derived.push((column.clone(), ty, sql));
            continue;
        }
        if c.unique && ty != ColumnType::Text {
            errors.push(
                Diagnostic::at(file, at.clone(), format!("`{column}` cannot be unique"))
                    .with_help("only text columns (reference numbers) are checked for repeats"),
            );
        }
        if c.optional && !c.nullable {
            errors.push(
                Diagnostic::at(
                    file,
                    at.clone(),
                    format!("`{column}` is optional but not nullable"),
                )
                .with_help("a column missing from the file reads as empty: add `nullable = true`"),
            );
        }
        columns.push(ColumnSpec {
            name: leak(column.clone()),
            ty,
            nullable: c.nullable,
            optional: c.optional,
            unique: c.unique,
            identifier: c.identifier || c.unique,
        });
    }
    if raw.columns.get_ref().0.is_empty() {
        errors.push(
            Diagnostic::at(file, raw.columns.span(), "the source declares no columns")
                .with_help("declare each column as `name = { type = \"text\" }`"),
        );
    }
    let names: Vec<&str> = columns.iter().map(|c| c.name).collect();
    let unknown = |errors: &mut Vec<Diagnostic>, what: &Spanned<String>| {
        let mut d = Diagnostic::at(
            file,
            what.span(),
            format!("unknown column `{}` in source `{name}`", what.get_ref()),
        );
        d = match did_you_mean(what.get_ref(), names.iter().copied()) {
            Some(close) => d.with_label(format!("did you mean `{close}`?")),
            None => d.with_help(format!("the columns are {}", names.join(", "))),
        };
        errors.push(d);
    };
    let period_column = match &raw.period_column {
        None => None,
        Some(p) => match columns.iter().find(|c| c.name == p.get_ref()) {
            None => {
                unknown(&mut errors, p);
                None
            }
            Some(c) if !matches!(c.ty, ColumnType::Date | ColumnType::DateTime) => {
                errors.push(
                    Diagnostic::at(
                        file,
                        p.span(),
                        format!("`{}` is not a date, so periods cannot key off it", c.name),
                    )
                    .with_help("name a column of `type = \"date\"` or `\"datetime\"`"),
                );
                None
            }
            Some(c) => Some(c.name),
        },
    };
    let population_of = match &raw.population_of {
        None => None,
        Some(p) => {
            let of = match p.get_ref().as_str() {
                "district" => Some(super::contract::PopulationOf::District),
                "force" => Some(super::contract::PopulationOf::Force),
                _ => None,
            };
            match of {
                None => errors.push(
                    Diagnostic::at(file, p.span(), format!("`{}` is not what a population table can be of", p.get_ref()))
                        .with_help("write `population_of = \"district\"` (for rates) or `\"force\"` (for peer comparisons)"),
                ),
                Some(of) => {
                    for needed in [of.column(), "year", "population"] {
                        let int = |c: &ColumnSpec| matches!(c.ty, ColumnType::Int { .. });
                        let found = columns.iter().find(|c| c.name == needed);
                        if found.is_none() || (needed != of.column() && !found.is_some_and(int)) {
                            errors.push(
                                Diagnostic::at(file, p.span(), format!("a population table needs the column `{needed}`"))
                                    .with_help(format!("declare `{}`, and `year` and `population` as whole numbers", of.column())),
                            );
                        }
                    }
                }
            }
            of
        }
    };
    let counts_as = match &raw.counts_as {
        None => None,
        Some(c) => match columns.iter().find(|col| col.name == c.get_ref()) {
            None => {
                unknown(&mut errors, c);
                None
            }
            // Whole numbers, negatives included: published tables carry adjustments.
            Some(col) if !matches!(col.ty, ColumnType::Int { .. }) => {
                errors.push(
                    Diagnostic::at(
                        file,
                        c.span(),
                        format!(
                            "`{}` is not a whole number, so a row cannot count as it",
                            col.name
                        ),
                    )
                    .with_help("name a column of `type = \"int\"`"),
                );
                None
            }
            Some(col) => Some(col.name),
        },
    };
    let row_months = match raw.row_covers.as_ref().map(|r| (r, r.get_ref().as_str())) {
        None | Some((_, "month")) => 1,
        Some((_, "quarter")) => 3,
        Some((_, "year")) => 12,
        Some((r, other)) => {
            errors.push(
                Diagnostic::at(
                    file,
                    r.span(),
                    format!("`{other}` is not a stretch of time a row can cover"),
                )
                .with_help("write `row_covers = \"month\"`, `\"quarter\"` or `\"year\"`"),
            );
            1
        }
    };
    let force_column = match &raw.force_column {
        None => columns
            .iter()
            .find(|c| c.name == "falls_within")
            .map(|c| c.name),
        Some(f) => match columns.iter().find(|c| c.name == f.get_ref()) {
            None => {
                unknown(&mut errors, f);
                None
            }
            Some(c) => Some(c.name),
        },
    };
    let mut rules = Vec::new();
    let mut derived_columns = Vec::new();
    if errors.is_empty() {
        let schema = super::contract::arrow_schema_of(&columns);
        let df_schema = DFSchema::try_from(schema.as_ref().clone()).expect("distinct column names");
        let ctx = super::derive::context(force);
        for (name, ty, sql) in &derived {
            let Some(named) = crate::common::sql::columns_named(sql.get_ref()) else {
                errors.push(Diagnostic::at(
                    file,
                    sql.span(),
                    format!("`{name}` is not derived by an SQL expression"),
                ));
                continue;
            };
            if let Some(first) = named.iter().find(|n| !names.contains(&n.as_str())) {
                let mut d = Diagnostic::at(
                    file,
                    sql.span(),
                    format!("unknown column `{first}` in the expression of `{name}`"),
                );
                d = match did_you_mean(first, names.iter().copied()) {
                    Some(close) => d.with_label(format!("did you mean `{close}`?")),
                    None => d.with_help(format!(
                        "a derived column is made of read columns: {}",
                        names.join(", ")
                    )),
                };
                errors.push(d);
                continue;
            }
            if let Err(e) = ctx
                .parse_sql_expr(sql.get_ref(), &df_schema)
                .and_then(|e| e.get_type(&df_schema))
            {
                errors.push(Diagnostic::at(
                    file,
                    sql.span(),
                    format!(
                        "the expression of `{name}` cannot be evaluated: {}",
                        e.to_string().lines().next().unwrap_or_default()
                    ),
                ));
                continue;
            }
            derived_columns.push(super::contract::DerivedColumn {
                name: leak(name.clone()),
                ty: *ty,
                sql: leak(sql.get_ref().clone()),
                columns: declared_names(&named, &names),
            });
        }
        for rule in &raw.rules {
            let check = rule.check.get_ref();
            let named = crate::common::sql::columns_named(check);
            let Some(named) = named else {
                errors.push(
                    Diagnostic::at(file, rule.check.span(), "this rule is not an SQL condition")
                        .with_help("write a condition such as `outcome_date >= recorded_date`"),
                );
                continue;
            };
            let missing: Vec<&String> = named
                .iter()
                .filter(|n| !names.contains(&n.as_str()))
                .collect();
            if let Some(first) = missing.first() {
                let mut d = Diagnostic::at(
                    file,
                    rule.check.span(),
                    format!("unknown column `{first}` in this rule of source `{name}`"),
                );
                d = match did_you_mean(first, names.iter().copied()) {
                    Some(close) => d.with_label(format!("did you mean `{close}`?")),
                    None => d.with_help(format!("the columns are {}", names.join(", "))),
                };
                errors.push(d);
                continue;
            }
            let typed = ctx
                .parse_sql_expr(check, &df_schema)
                .and_then(|e| e.get_type(&df_schema));
            match typed {
                Ok(datafusion::arrow::datatypes::DataType::Boolean) => {}
                Ok(other) => errors.push(
                    Diagnostic::at(
                        file,
                        rule.check.span(),
                        format!(
                            "a rule must be true or false for each row, but this gives {other}"
                        ),
                    )
                    .with_help("compare the value, e.g. `answer_seconds >= 0`"),
                ),
                Err(e) => {
                    let message = e.to_string();
                    errors.push(Diagnostic::at(
                        file,
                        rule.check.span(),
                        format!(
                            "this rule cannot be evaluated: {}",
                            message.lines().next().unwrap_or_default()
                        ),
                    ));
                }
            }
            rules.push(RowRule {
                check: leak(check.clone()),
                reason: leak(rule.reason.clone()),
                columns: declared_names(&named, &names),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let reading = SourceConfig {
        file: raw.file,
        sheet: raw.sheet,
        date_format: raw.date_format,
        datetime_format: raw.datetime_format,
        true_values: raw.true_values,
        false_values: raw.false_values,
        columns: renames,
        rows: None,
    };
    Ok(Contract {
        name: leak(name),
        format,
        columns: Box::leak(columns.into_boxed_slice()),
        period_column,
        row_rules: Box::leak(rules.into_boxed_slice()),
        derived: Box::leak(derived_columns.into_boxed_slice()),
        population_of,
        counts_as,
        row_months,
        force_column,
        description: leak(raw.title),
        reading: Box::leak(Box::new(reading)),
        force,
        sha256: leak(sha256_hex(format!("{}\n{force:?}", file.text).as_bytes())),
    })
}

/// A column's type from its declaration, or `None` (with the error said).
fn column_type(
    file: &SourceText,
    column: &str,
    c: &RawColumn,
    force: &'static Force,
    errors: &mut Vec<Diagnostic>,
) -> Option<ColumnType> {
    let ty = c.ty.get_ref().as_str();
    // The root cause first: with the type misspelt (`integer`), its keys are
    // not out of place, and none should be removed.
    if !TYPES.contains(&ty) {
        let mut d = Diagnostic::at(file, c.ty.span(), format!("unknown column type `{ty}`"));
        d = match did_you_mean(ty, TYPES) {
            Some(close) => d.with_label(format!("did you mean `{close}`?")),
            None => d.with_help(format!("the types are {}", TYPES.join(", "))),
        };
        errors.push(d);
        return None;
    }
    let not_here =
        |errors: &mut Vec<Diagnostic>, key: &str, span: std::ops::Range<usize>, types: &str| {
            errors.push(
                Diagnostic::at(
                    file,
                    span,
                    format!("`{key}` does not apply to a column of type `{ty}`"),
                )
                .with_help(format!("`{key}` is for {types} columns; remove it")),
            );
        };
    if ty != "int" {
        for (key, bound) in [("min", &c.min), ("max", &c.max)] {
            if let Some(b) = bound {
                not_here(errors, key, b.span(), "int");
            }
        }
    }
    if !matches!(ty, "enum" | "enum_set") {
        if let Some(v) = &c.values {
            not_here(errors, "values", v.span(), "enum and enum_set");
        }
        if let Some(a) = &c.aliases {
            not_here(errors, "aliases", a.span(), "enum and enum_set");
        }
    }
    Some(match ty {
        "text" => ColumnType::Text,
        "date" => ColumnType::Date,
        "datetime" => ColumnType::DateTime,
        "bool" => ColumnType::Bool,
        "decimal" => ColumnType::Decimal,
        "int" => {
            let min = c.min.as_ref().map_or(i64::MIN, |m| *m.get_ref());
            let max = c.max.as_ref().map_or(i64::MAX, |m| *m.get_ref());
            if min > max {
                let span = c.max.as_ref().map_or(c.ty.span(), |m| m.span());
                errors.push(Diagnostic::at(
                    file,
                    span,
                    format!("`max` ({max}) is below `min` ({min})"),
                ));
                return None;
            }
            ColumnType::Int { min, max }
        }
        "district" => {
            let values: Vec<&'static str> =
                force.districts.iter().map(|d| leak(d.id.clone())).collect();
            let aliases: Vec<(String, u16)> = force
                .districts
                .iter()
                .enumerate()
                .flat_map(|(place, d)| {
                    std::iter::once(d.name.clone())
                        .chain(d.aliases.iter().cloned())
                        .map(move |a| (a, place as u16))
                })
                .collect();
            let vocabulary = Vocabulary::new(Box::leak(values.into_boxed_slice()), &aliases)?;
            ColumnType::Enum(Box::leak(Box::new(vocabulary)))
        }
        "enum" | "enum_set" => {
            let Some(values) = &c.values else {
                errors.push(
                    Diagnostic::at(
                        file,
                        c.ty.span(),
                        format!("the `{ty}` column `{column}` has no values"),
                    )
                    .with_help(format!(
                        "list them: `{column} = {{ type = \"{ty}\", values = [\"a\", \"b\"] }}`"
                    )),
                );
                return None;
            };
            let list = values.get_ref();
            if list.is_empty() {
                errors.push(Diagnostic::at(
                    file,
                    values.span(),
                    "an enum needs at least one value",
                ));
                return None;
            }
            let mut seen: Vec<String> = Vec::new();
            for v in list {
                let spelt = super::contract::normalise_enum(v);
                if v.trim().is_empty() || seen.contains(&spelt) {
                    errors.push(Diagnostic::at(
                        file,
                        values.span(),
                        format!("the value `{v}` is empty or given twice (values match case-insensitively, spaces as underscores)"),
                    ));
                    return None;
                }
                if ty == "enum_set" && v.contains(';') {
                    errors.push(Diagnostic::at(
                        file,
                        values.span(),
                        format!("the value `{v}` holds the set's separator `;`"),
                    ));
                    return None;
                }
                seen.push(spelt);
            }
            let mut aliases = Vec::new();
            if let Some(a) = &c.aliases {
                for (alias, value) in a.get_ref() {
                    match list.iter().position(|v| v == value) {
                        Some(place) => aliases.push((alias.clone(), place as u16)),
                        None => {
                            let mut d = Diagnostic::at(
                                file,
                                a.span(),
                                format!(
                                    "the alias `{alias}` stands for `{value}`, which is not one of the values"
                                ),
                            );
                            if let Some(close) =
                                did_you_mean(value, list.iter().map(String::as_str))
                            {
                                d = d.with_label(format!("did you mean `{close}`?"));
                            }
                            errors.push(d);
                        }
                    }
                }
            }
            let leaked: Vec<&'static str> = list.iter().map(|v| leak(v.clone())).collect();
            let Some(vocabulary) = Vocabulary::new(Box::leak(leaked.into_boxed_slice()), &aliases)
            else {
                errors.push(Diagnostic::at(
                    file,
                    values.span(),
                    "an enum holds at most 32,767 values",
                ));
                return None;
            };
            let vocabulary: &'static Vocabulary = Box::leak(Box::new(vocabulary));
            if ty == "enum" {
                ColumnType::Enum(vocabulary)
            } else {
                ColumnType::EnumSet(vocabulary)
            }
        }
        other => unreachable!("`{other}` is one of TYPES, each matched above"),
    })
}
