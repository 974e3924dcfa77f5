//! The Police and Crime Plan's objectives and their themes, declared in
//! `dashboards/plan.toml` (not in Rust): a measure names one objective and,
//! where that objective has themes, one of its themes. Another force's Plan
//! has its own. The same file lays the Plan out for the dashboard and packs
//! (see `crate::definition::dashboards`), which reads the keys this module passes over.

use crate::common::{Diagnostic, SourceText, did_you_mean};
use serde::Deserialize;
use std::path::Path;
use std::sync::OnceLock;
use toml::Spanned;

/// Where a project keeps its Plan, below its root.
pub const FILE: &str = "dashboards/plan.toml";

/// A theme of an objective ("Domestic abuse" in "Keeping people safe").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Theme {
    /// As measures name it: `domestic_abuse`.
    pub id: &'static str,
    pub name: &'static str,
    /// Its name in Welsh (`title_cy`), where declared.
    pub name_cy: Option<&'static str>,
    /// Whether its measures are restricted to signed-in analysts unless they
    /// say otherwise: the themes about the most vulnerable victims.
    pub restricted: bool,
}

impl Theme {
    /// Its name in the language being written.
    pub fn title(self) -> &'static str {
        match crate::common::language::current() {
            crate::common::language::Language::Welsh => self.name_cy.unwrap_or(self.name),
            crate::common::language::Language::English => self.name,
        }
    }

    /// Themes whose figures are about the most vulnerable victims.
    pub fn is_sensitive(self) -> bool {
        self.restricted
    }
}

impl serde::Serialize for Theme {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id)
    }
}

/// An objective of the Plan.
#[derive(Debug, PartialEq, Eq)]
pub struct Objective {
    pub number: u8,
    pub title: String,
    /// In the Plan's order; none where the objective is not divided into themes.
    pub themes: Vec<Theme>,
}

/// Every objective of the Plan, in number order.
#[derive(Debug, PartialEq, Eq)]
pub struct Objectives {
    pub objectives: Vec<Objective>,
    /// Points in a run or trend that make an SPC signal (`spc_run_length`):
    /// 7 as NHS England's Making Data Count, or 6 as some forces read them.
    pub spc_run_length: usize,
    /// The name of the target that assurance icons and grades read against
    /// (`[grading] target`), where a measure has it; else a measure's first.
    pub graded_target: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawPlan {
    #[serde(default, rename = "objective")]
    objectives: Vec<RawObjective>,
    spc_run_length: Option<Spanned<i64>>,
    #[serde(default)]
    grading: RawGrading,
}

/// The key of `[grading]` that measures read (the rest is the layout's).
#[derive(Debug, Default, Deserialize)]
struct RawGrading {
    target: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawObjective {
    number: Spanned<i64>,
    title: String,
    #[serde(default)]
    themes: Vec<RawTheme>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    title_cy: Option<String>,
    #[serde(default)]
    restricted: bool,
}

impl Objectives {
    /// The Plan shipped with `mos`.
    pub fn shipped() -> &'static Objectives {
        static SHIPPED: OnceLock<&'static Objectives> = OnceLock::new();
        SHIPPED.get_or_init(|| {
            let text = crate::common::shipped::file(FILE).expect("the plan is shipped");
            let file = SourceText {
                path: FILE.into(),
                text: text.to_string(),
            };
            Objectives::parse(&file).unwrap_or_else(|e| panic!("the shipped plan is valid: {e:?}"))
        })
    }

    /// The Plan of the project at `root` (its `dashboards/plan.toml`, else the shipped one).
    pub fn load(root: &Path) -> Result<&'static Objectives, super::DefinitionError> {
        let path = root.join(FILE);
        if !path.exists() {
            return Ok(Objectives::shipped());
        }
        let text = std::fs::read_to_string(&path).map_err(|source| super::DefinitionError::Io {
            path: path.clone(),
            source,
        })?;
        Objectives::parse(&SourceText { path, text }).map_err(super::DefinitionError::Invalid)
    }

    /// The objectives and themes of a plan file's text; made once for the life
    /// of the process per text, as declared sources are.
    pub fn parse(file: &SourceText) -> Result<&'static Objectives, Vec<Diagnostic>> {
        crate::common::interned(file.text.clone(), || validate(file))
    }

    pub fn objective(&self, number: u8) -> Option<&Objective> {
        self.objectives.iter().find(|o| o.number == number)
    }

    /// "1, 2, 3 and 4".
    pub fn numbers(&self) -> String {
        let numbers: Vec<String> = self
            .objectives
            .iter()
            .map(|o| o.number.to_string())
            .collect();
        match numbers.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => numbers.join(""),
        }
    }
}

impl Default for &'static Objectives {
    fn default() -> Self {
        Objectives::shipped()
    }
}

fn validate(file: &SourceText) -> Result<Objectives, Vec<Diagnostic>> {
    let raw: RawPlan =
        toml::from_str(&file.text).map_err(|e| vec![Diagnostic::of_toml(file, &e)])?;
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    let mut errors = Vec::new();
    let mut objectives: Vec<Objective> = Vec::new();
    for o in raw.objectives {
        let number = *o.number.get_ref();
        let Ok(number) = u8::try_from(number) else {
            errors.push(Diagnostic::at(
                file,
                o.number.span(),
                format!("objective {number} is not a number from 0 to 255"),
            ));
            continue;
        };
        if objectives.iter().any(|known| known.number == number) {
            errors.push(Diagnostic::at(
                file,
                o.number.span(),
                format!("objective {number} is declared twice"),
            ));
            continue;
        }
        let mut themes: Vec<Theme> = Vec::new();
        for t in o.themes {
            let id = t.id.get_ref();
            if !crate::common::is_id(id) || themes.iter().any(|known| known.id == id) {
                errors.push(
                    Diagnostic::at(
                        file,
                        t.id.span(),
                        format!("`{id}` is not a new theme id"),
                    )
                    .with_help("a theme id is lower case letters, digits and underscores, once per objective"),
                );
                continue;
            }
            themes.push(Theme {
                id: leak(id),
                name: leak(&t.title),
                name_cy: t.title_cy.as_deref().map(leak),
                restricted: t.restricted,
            });
        }
        objectives.push(Objective {
            number,
            title: o.title,
            themes,
        });
    }
    let spc_run_length = match raw.spc_run_length {
        None => crate::stats::spc::MDC_RUN_LENGTH,
        Some(n) => match *n.get_ref() {
            6 => 6,
            7 => 7,
            other => {
                errors.push(
                    Diagnostic::at(file, n.span(), format!("an SPC run of {other} points is not one the guidance uses"))
                        .with_help("write `spc_run_length = 7` (NHS England's Making Data Count) or `spc_run_length = 6`"),
                );
                crate::stats::spc::MDC_RUN_LENGTH
            }
        },
    };
    if objectives.is_empty() && errors.is_empty() {
        errors.push(
            Diagnostic::whole_file(&file.path, "the Plan declares no objectives")
                .with_help("add an `[[objective]]` table with `number` and `title` for each"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    objectives.sort_by_key(|o| o.number);
    Ok(Objectives {
        objectives,
        spc_run_length,
        graded_target: raw.grading.target,
    })
}

/// The theme `id` names among `objective`'s, or why not (with a fix).
pub fn theme_of(objective: &Objective, id: &str) -> Result<Theme, (String, String)> {
    if let Some(theme) = objective.themes.iter().find(|t| t.id == id) {
        return Ok(*theme);
    }
    if objective.themes.is_empty() {
        return Err((
            format!(
                "Objective {} \"{}\" has no themes",
                objective.number, objective.title
            ),
            "remove `theme`, or declare the objective's themes in dashboards/plan.toml".into(),
        ));
    }
    let ids: Vec<&str> = objective.themes.iter().map(|t| t.id).collect();
    Err((
        format!(
            "`{id}` is not a theme of Objective {} \"{}\"",
            objective.number, objective.title
        ),
        match did_you_mean(id, ids.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("its themes are {}", ids.join(", ")),
        },
    ))
}
