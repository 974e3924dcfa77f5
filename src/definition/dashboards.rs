//! `dashboards/plan.toml`: how the Police and Crime Plan is laid out for the
//! board: the force's name, each objective's title, and the order of its
//! themes and measures. Measures not placed there follow, by theme.

use crate::definition::{MeasureSet, Theme};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// "Northshire and Eastby" (default: the area of `data/force.toml`)
    pub area: Option<String>,
    /// "Police and Crime Plan 2021-2025"
    pub plan: String,
    /// The Plan's name in Welsh, for a force that writes in Welsh.
    #[serde(default)]
    pub plan_cy: Option<String>,
    /// The area's name in Welsh (default: `area_cy` of `data/force.toml`).
    #[serde(default)]
    pub area_cy: Option<String>,
    #[serde(default, rename = "objective")]
    pub objectives: Vec<ObjectiveFile>,
    /// How each measure is graded for the board: one set of rules for the
    /// dashboard and the packs, so they never disagree.
    #[serde(default)]
    pub grading: Grading,
    /// The protective marking printed on every page of a pack.
    #[serde(default)]
    pub marking: Marking,
    /// Who answers for the site's accessibility, for its statement.
    #[serde(default)]
    pub accessibility: Accessibility,
    /// Read with the objectives (`crate::definition::plan`): the SPC run length.
    #[serde(default)]
    pub spc_run_length: Option<i64>,
    /// How the dashboard is published on the office's own website.
    #[serde(default)]
    pub publish: PublishFile,
}

/// `[publish]`: the websites that may frame a measure's embed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublishFile {
    /// Origins (`https://www.northshire-pcc.gov.uk`) whose pages may show
    /// `/embed/measures/{id}` in an `<iframe>`; no page may be framed by
    /// any other.
    pub embed_origins: Vec<toml::Spanned<String>>,
}

/// Whether `origin` is one a Content-Security-Policy `frame-ancestors` can
/// name, and nothing more: `https://` (or `http://` for this machine), a
/// host (its first label may be `*`), perhaps a port; no path, space, quote,
/// comma or semicolon that could end the directive.
fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let local = matches!(host, "localhost" | "127.0.0.1");
    let host_ok = !host.is_empty()
        && host.split('.').enumerate().all(|(i, label)| {
            (i == 0 && label == "*")
                || (!label.is_empty()
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        });
    (scheme == "https" || (scheme == "http" && local))
        && host_ok
        && port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_origin_is_a_scheme_a_host_and_perhaps_a_port() {
        for origin in [
            "https://www.northshire-pcc.gov.uk",
            "https://*.northshire.gov.uk",
            "https://intranet.northshire.police.uk:8443",
            "http://localhost:8080",
        ] {
            assert!(super::is_origin(origin), "{origin}");
        }
        for origin in [
            "www.northshire-pcc.gov.uk",
            "http://www.northshire-pcc.gov.uk",
            "https://www.northshire-pcc.gov.uk/performance",
            "https://a.org; script-src *",
            "https://a.org 'unsafe-inline'",
            "https://a.org:",
            "https://a..org",
            "*",
            "'self'",
        ] {
            assert!(!super::is_origin(origin), "{origin}");
        }
    }
}

/// What the accessibility statement (`/accessibility`) says of the office
/// that publishes the dashboard, in the government's model format.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Accessibility {
    /// "Office of the Police and Crime Commissioner for Northshire".
    pub organisation: Option<String>,
    /// Where to ask for another format or report a problem: an email
    /// address, or a page's URL.
    pub contact: Option<String>,
    /// Days to reply to a request for another format.
    pub reply_days: Option<u32>,
}

/// Government Security Classifications: the words a pack is marked with on
/// every page, by whether it holds any restricted measure.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Marking {
    /// A pack of public measures only (`mos report --public`, or a plan
    /// with none restricted).
    pub public: String,
    /// A pack holding any restricted measure.
    pub restricted: String,
}

impl Marking {
    /// The marking of a document holding `measures`.
    pub fn of<'a>(
        &self,
        mut measures: impl Iterator<Item = &'a crate::definition::Measure>,
    ) -> &str {
        if measures.any(|m| m.access == crate::definition::Access::Restricted) {
            &self.restricted
        } else {
            &self.public
        }
    }
}

impl Default for Marking {
    fn default() -> Self {
        Marking {
            public: "OFFICIAL".into(),
            restricted: "OFFICIAL-SENSITIVE".into(),
        }
    }
}

/// The rules that grade a measure (see `presentation::grade`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Grading {
    /// A special cause of concern (of either direction, for a neutral
    /// measure) among this many latest points requires scrutiny; one of
    /// improvement, there, is improving.
    pub latest_points: usize,
    /// A target consistently missed requires scrutiny.
    pub missed_target: bool,
    /// Which of a measure's targets grades it, by name ("Local target"); a
    /// measure without one by that name is graded on its first. Read with the
    /// objectives (`crate::definition::plan`), as each measure's `grades`.
    pub target: Option<String>,
}

impl Default for Grading {
    fn default() -> Self {
        Grading {
            latest_points: 3,
            missed_target: true,
            target: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveFile {
    pub number: u8,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// The title and summary in Welsh.
    #[serde(default)]
    pub title_cy: Option<String>,
    #[serde(default)]
    pub summary_cy: Option<String>,
    /// Measure ids in the order their cards appear (grouped by theme on the page).
    #[serde(default)]
    pub measures: Vec<String>,
    /// The objective's themes (read by `crate::definition::plan`).
    #[serde(default)]
    pub themes: Vec<toml::Value>,
}

/// The resolved layout: every objective with its themes and measure ids, in order.
#[derive(Debug, Clone)]
pub struct Plan {
    pub area: String,
    pub plan: String,
    /// The Welsh forms of the area and the Plan's name, where declared.
    pub area_cy: Option<String>,
    pub plan_cy: Option<String>,
    pub objectives: Vec<ObjectiveLayout>,
    pub grading: Grading,
    pub marking: Marking,
    pub accessibility: Accessibility,
    /// The origins that may frame an embed (`[publish] embed_origins`).
    pub embed_origins: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ObjectiveLayout {
    pub number: u8,
    pub title: String,
    pub summary: String,
    pub title_cy: Option<String>,
    pub summary_cy: Option<String>,
    pub themes: Vec<ThemeLayout>,
}

#[derive(Debug, Clone)]
pub struct ThemeLayout {
    pub theme: Option<Theme>,
    pub measures: Vec<String>,
}

impl ThemeLayout {
    pub fn title(&self) -> String {
        self.theme
            .map_or_else(|| crate::t!("theme-measures"), |t| t.title().to_string())
    }
}

impl Plan {
    /// The Plan as pages in `language` name it: its Welsh names where declared.
    pub fn in_language(&self, language: crate::common::language::Language) -> Plan {
        let mut plan = self.clone();
        if language == crate::common::language::Language::Welsh {
            let welsh = crate::common::language::put_welsh;
            welsh(&mut plan.area, &self.area_cy);
            welsh(&mut plan.plan, &self.plan_cy);
            for objective in &mut plan.objectives {
                let (title, summary) = (objective.title_cy.clone(), objective.summary_cy.clone());
                welsh(&mut objective.title, &title);
                welsh(&mut objective.summary, &summary);
            }
        }
        plan
    }

    /// What a force that writes in Welsh has not given in Welsh, by key.
    pub fn missing_welsh(&self) -> Vec<String> {
        let mut missing = Vec::new();
        if self.plan_cy.is_none() {
            missing.push("plan_cy".to_string());
        }
        if self.area_cy.is_none() {
            missing.push("area_cy".to_string());
        }
        for o in &self.objectives {
            if o.title_cy.is_none() {
                missing.push(format!("title_cy of objective {}", o.number));
            }
            if !o.summary.is_empty() && o.summary_cy.is_none() {
                missing.push(format!("summary_cy of objective {}", o.number));
            }
        }
        missing
    }
}

impl ObjectiveLayout {
    pub fn measure_ids(&self) -> impl Iterator<Item = &str> {
        self.themes
            .iter()
            .flat_map(|t| t.measures.iter().map(String::as_str))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{}", .0)]
    Invalid(String),
}

/// Reads `dir/plan.toml` and lays out `measures` by it: the shipped plan where
/// the folder is not there (`mos` run from another folder), defaults where
/// the folder has no plan.
pub fn load_plan(dir: &Path, measures: &MeasureSet) -> Result<Plan, PlanError> {
    let path = dir.join("plan.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(_) if !dir.exists() => crate::common::shipped::file(crate::definition::plan::FILE)
            .map(str::to_string)
            .ok_or(()),
        Err(_) => Err(()),
    };
    let file = match &text {
        Ok(text) => toml::from_str::<PlanFile>(text).map_err(|e| {
            let source = crate::definition::SourceText {
                path: path.clone(),
                text: text.clone(),
            };
            PlanError::Invalid(crate::definition::Diagnostic::of_toml(&source, &e).to_string())
        })?,
        Err(_) => PlanFile {
            area: None,
            area_cy: None,
            plan: "Police and Crime Plan".into(),
            plan_cy: None,
            objectives: vec![],
            grading: Grading::default(),
            marking: Marking::default(),
            accessibility: Accessibility::default(),
            spc_run_length: None,
            publish: PublishFile::default(),
        },
    };
    for origin in &file.publish.embed_origins {
        if !is_origin(origin.get_ref()) {
            let source = crate::definition::SourceText {
                path: path.clone(),
                text: text.clone().unwrap_or_default(),
            };
            return Err(PlanError::Invalid(
                crate::definition::Diagnostic::at(
                    &source,
                    origin.span(),
                    format!("`{}` is not a website's origin", origin.get_ref()),
                )
                .with_help("write the scheme and host the office's website is served from, without a path: `embed_origins = [\"https://www.northshire-pcc.gov.uk\"]`")
                .to_string(),
            ));
        }
    }
    for objective in &file.objectives {
        for id in &objective.measures {
            match measures.get(id) {
                // Listed for another measure set (one plan serves them all): left out.
                None => {}
                Some(m) if m.objective != objective.number => {
                    return Err(PlanError::Invalid(format!(
                        "{}: objective {} lists `{id}`, which belongs to objective {}",
                        path.display(),
                        objective.number,
                        m.objective
                    )));
                }
                _ => {}
            }
        }
    }
    let objectives = measures
        .objectives
        .objectives
        .iter()
        .map(|declared| {
            let (number, default_title) = (declared.number, declared.title.as_str());
            let configured = file.objectives.iter().find(|o| o.number == number);
            // The order given, then the objective's other measures by id.
            let mut ids: Vec<String> = configured
                .map(|o| {
                    o.measures
                        .iter()
                        .filter(|id| measures.get(id).is_some())
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            let others: Vec<String> = measures
                .measures
                .iter()
                .filter(|m| m.objective == number && !ids.contains(&m.id))
                .map(|m| m.id.clone())
                .collect();
            ids.extend(others);
            let mut themes: Vec<ThemeLayout> = Vec::new();
            for id in ids {
                let theme = measures.get(&id).and_then(|m| m.theme);
                match themes.iter_mut().find(|t| t.theme == theme) {
                    Some(t) => t.measures.push(id),
                    None => themes.push(ThemeLayout {
                        theme,
                        measures: vec![id],
                    }),
                }
            }
            ObjectiveLayout {
                number,
                title: configured.map_or(default_title.to_string(), |o| o.title.clone()),
                summary: configured.map(|o| o.summary.clone()).unwrap_or_default(),
                title_cy: configured.and_then(|o| o.title_cy.clone()),
                summary_cy: configured.and_then(|o| o.summary_cy.clone()),
                themes,
            }
        })
        .collect();
    Ok(Plan {
        area: file
            .area
            .unwrap_or_else(|| measures.catalog.force().area.clone()),
        plan: file.plan,
        area_cy: file
            .area_cy
            .or_else(|| measures.catalog.force().area_cy.clone()),
        plan_cy: file.plan_cy,
        objectives,
        grading: file.grading,
        marking: file.marking,
        accessibility: file.accessibility,
        embed_origins: file
            .publish
            .embed_origins
            .into_iter()
            .map(toml::Spanned::into_inner)
            .collect(),
    })
}
