//! Analysts' commentary on a measure's figures for a period: Markdown files
//! `commentary/<YYYY-MM>/<measure id>.md` at the project's root, the folder
//! named for the period's last month. Front matter may say who wrote it and
//! when:
//!
//! ```text
//! ---
//! author: Jo Analyst
//! date: 2026-04-03
//! ---
//! Reports rose after the **Hate Crime Awareness Week** campaign ...
//! ```
//!
//! Without it, the date is the file's. A file for a measure the project does
//! not have, or for a month that ends none of the measure's periods, is an
//! error with a fix.

use crate::common::Diagnostic;
use crate::common::period::Month;
use std::path::{Path, PathBuf};

/// The folder under the project's root.
pub const DIR: &str = "commentary";

#[derive(Debug, Clone, PartialEq)]
pub struct Commentary {
    /// The last month of the period it is about.
    pub month: Month,
    pub author: Option<String>,
    pub written: Option<chrono::NaiveDate>,
    /// The Markdown as written (rendered by `presentation::markdown`).
    pub text: String,
    pub path: PathBuf,
    /// The analyst's grade for the period, over the one the rules give, and why.
    pub grade: Option<(Grade, String)>,
    /// The language it is written in: `<id>.md` English, `<id>.cy.md` Welsh.
    pub language: crate::common::language::Language,
}

/// How a measure stands for the board, by the Plan's grading rules (or an
/// analyst's override).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    RequiresScrutiny,
    Improving,
    Content,
}

impl Grade {
    pub fn parse(text: &str) -> Option<Grade> {
        match text.trim() {
            "requires_scrutiny" => Some(Grade::RequiresScrutiny),
            "improving" => Some(Grade::Improving),
            "content" => Some(Grade::Content),
            _ => None,
        }
    }

    /// As the board reads it.
    pub fn label(self) -> String {
        crate::t!(match self {
            Grade::RequiresScrutiny => "grade-requires-scrutiny",
            Grade::Improving => "grade-improving",
            Grade::Content => "grade-content",
        })
    }
}

/// Every `<YYYY-MM>/<id>.md` under `dir`, with the measure id it names, and
/// every mistake found in any of them (a file with mistakes is left out).
pub fn read_dir(dir: &Path) -> (Vec<(String, Commentary)>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let Ok(months) = std::fs::read_dir(dir) else {
        return (found, problems);
    };
    let mut months: Vec<PathBuf> = months.flatten().map(|e| e.path()).collect();
    months.sort();
    for folder in months.into_iter().filter(|p| p.is_dir()) {
        let name = folder
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Some(month) = Month::parse(&name) else {
            let mut d = Diagnostic::whole_file(
                &folder,
                format!(
                    "`{name}` is not a month: a commentary folder is named for the period's last month"
                ),
            );
            d.help = Some("name it YYYY-MM, e.g. commentary/2026-03/".into());
            problems.push(d);
            continue;
        };
        let Ok(files) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut files: Vec<PathBuf> = files.flatten().map(|e| e.path()).collect();
        files.sort();
        for path in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
        {
            let stem = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            // `<id>.cy.md` is the same commentary in Welsh.
            let (id, language) = match stem.strip_suffix(".cy") {
                Some(id) => (id.to_string(), crate::common::language::Language::Welsh),
                None => (stem, crate::common::language::Language::English),
            };
            match read_file(&path, month) {
                Ok(commentary) => found.push((
                    id,
                    crate::definition::commentary::Commentary {
                        language,
                        ..commentary
                    },
                )),
                Err(mut mistakes) => problems.append(&mut mistakes),
            }
        }
    }
    (found, problems)
}

/// A commentary file, or every mistake in its front matter.
fn read_file(path: &Path, month: Month) -> Result<Commentary, Vec<Diagnostic>> {
    let bytes = crate::ingest::read_file(path)
        .map_err(|e| vec![Diagnostic::whole_file(path, e.to_string())])?;
    let text = String::from_utf8(bytes).map_err(|_| {
        vec![Diagnostic::whole_file(
            path,
            "commentary must be UTF-8 text; save it as UTF-8",
        )]
    })?;
    let written_of_file = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(|t| chrono::DateTime::<chrono::Utc>::from(t).date_naive());
    let mut commentary = Commentary {
        month,
        author: None,
        written: written_of_file,
        text: text.clone(),
        path: path.to_path_buf(),
        grade: None,
        language: Default::default(),
    };
    let Some(rest) = text.strip_prefix("---\n") else {
        return Ok(commentary);
    };
    let Some(end) = rest.find("\n---") else {
        return Err(vec![Diagnostic::whole_file(
            path,
            "the front matter that starts on line 1 has no closing `---` line",
        )]);
    };
    let source = crate::common::SourceText {
        path: path.to_path_buf(),
        text: text.clone(),
    };
    let mut mistakes = Vec::new();
    let mut mistake = |span: std::ops::Range<usize>, message: String, help: &str| {
        let mut d = Diagnostic::at(&source, span, message);
        d.help = Some(help.into());
        mistakes.push(d);
    };
    let mut at = 4;
    let (mut grade, mut reason) = (None, None);
    for line in rest[..end].lines() {
        let span = at..at + line.len();
        at += line.len() + 1;
        let Some((key, value)) = line.split_once(':') else {
            if !line.trim().is_empty() {
                mistake(
                    span,
                    "expected `key: value` in the front matter".into(),
                    "write `author: NAME` or `date: YYYY-MM-DD`",
                );
            }
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "author" => commentary.author = Some(value.to_string()),
            "date" => match chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
                Ok(date) => commentary.written = Some(date),
                Err(_) => mistake(
                    span,
                    format!("`{value}` is not a date"),
                    "write the date as YYYY-MM-DD",
                ),
            },
            "grade" => match Grade::parse(value) {
                Some(parsed) => grade = Some((parsed, span)),
                None => mistake(
                    span,
                    format!("`{value}` is not a grade"),
                    "the grades are `requires_scrutiny`, `improving` and `content`",
                ),
            },
            "reason" => reason = Some(value.to_string()),
            other => mistake(
                span,
                format!("unknown front matter key `{other}`"),
                "the keys are `author`, `date`, `grade` and `reason`",
            ),
        }
    }
    match (grade, reason) {
        (Some((grade, _)), Some(reason)) if !reason.is_empty() => {
            commentary.grade = Some((grade, reason))
        }
        (Some((_, span)), _) => mistake(
            span,
            "a grade set by hand needs its reason".into(),
            "add `reason: ...` to the front matter: the board sees it beside the grade",
        ),
        (None, _) => {}
    }
    if !mistakes.is_empty() {
        return Err(mistakes);
    }
    let body = &rest[end + 4..];
    commentary.text = body.strip_prefix('\n').unwrap_or(body).to_string();
    Ok(commentary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_gives_author_and_date_and_the_rest_is_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let month = dir.path().join("2026-03");
        std::fs::create_dir_all(&month).unwrap();
        std::fs::write(
            month.join("hate_incidents.md"),
            "---\nauthor: Jo Analyst\ndate: 2026-04-03\n---\nReports *rose*.\n",
        )
        .unwrap();
        std::fs::write(month.join("notes.txt"), "not commentary").unwrap();
        let (found, problems) = read_dir(dir.path());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(found.len(), 1);
        let (id, c) = &found[0];
        assert_eq!(id, "hate_incidents");
        assert_eq!(c.month, Month::new(2026, 3));
        assert_eq!(c.author.as_deref(), Some("Jo Analyst"));
        assert_eq!(c.written, chrono::NaiveDate::from_ymd_opt(2026, 4, 3));
        assert_eq!(c.text, "Reports *rose*.\n");
    }

    #[test]
    fn mistakes_are_named_with_a_fix() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("March")).unwrap();
        std::fs::create_dir_all(dir.path().join("2026-03")).unwrap();
        std::fs::write(
            dir.path().join("2026-03/a.md"),
            "---\ndate: 3 April\n---\nx\n",
        )
        .unwrap();
        let (found, problems) = read_dir(dir.path());
        assert!(found.is_empty(), "a file with a mistake is left out");
        let text: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
        assert!(
            text.iter().any(|t| t.contains("`March` is not a month")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("`3 April` is not a date") && t.contains("a.md:2")),
            "{text:?}"
        );
    }
}
