//! Errors in an analyst's file, rendered the way rustc renders them: what is
//! wrong, where (file, line, column), the offending text underlined, and a fix.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A file's text, kept so that errors can quote it.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub path: PathBuf,
    pub text: String,
}

/// One error in a definition file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based line and column (in characters) of the start of the span.
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The text of the line the error starts on.
    pub line_text: String,
    /// Characters to underline, from `column`.
    pub width: usize,
    /// A short note under the underline.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error over the bytes `span` of `source`.
    pub fn at(source: &SourceText, span: Range<usize>, message: impl Into<String>) -> Self {
        let text = &source.text;
        let start = span.start.min(text.len());
        let end = span.end.clamp(start, text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let width = text[start..end.min(line_end)].chars().count().max(1);
        Diagnostic {
            path: source.path.clone(),
            line,
            column,
            message: message.into(),
            line_text: text[line_start..line_end]
                .trim_end_matches('\r')
                .to_string(),
            width,
            label: None,
            help: None,
        }
    }

    /// A TOML parse error of `source`, where the parser says it is.
    pub fn of_toml(source: &SourceText, error: &toml::de::Error) -> Self {
        Diagnostic::at(source, error.span().unwrap_or(0..0), error.message().trim())
    }

    /// An error about a whole file, with no position inside it.
    pub fn whole_file(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            line_text: String::new(),
            width: 0,
            label: None,
            help: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if self.line == 0 {
            writeln!(f, "  --> {}", self.path.display())?;
        } else {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            writeln!(
                f,
                "{pad}--> {}:{}:{}",
                self.path.display(),
                self.line,
                self.column
            )?;
            writeln!(f, "{pad} |")?;
            writeln!(f, "{number} | {}", self.line_text)?;
            let marks = format!("{}{}", " ".repeat(self.column - 1), "^".repeat(self.width));
            match &self.label {
                Some(label) => writeln!(f, "{pad} | {marks} {label}")?,
                None => writeln!(f, "{pad} | {marks}")?,
            }
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// The closest of `candidates` to a misspelt `word`, if any is close enough to suggest.
/// Every diagnostic, then how many there were in `what`: "2 errors in measure definitions".
pub fn render_all(diagnostics: &[Diagnostic], what: &str) -> String {
    let mut text: String = diagnostics.iter().map(|d| format!("{d}\n")).collect();
    let n = diagnostics.len();
    text.push_str(&format!(
        "{n} error{} in {what}",
        if n == 1 { "" } else { "s" }
    ));
    text
}

pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // Case is no part of a likeness: `Cals` is near `Calls`, `DISTRICT` near `district`.
    let word = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, &c.to_ascii_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_column_and_underline() {
        let source = SourceText {
            path: "measures/da.toml".into(),
            text: "id = \"da\"\nfilter = \"domestic_abuze\"\n".into(),
        };
        let start = source.text.find("domestic_abuze").unwrap();
        let d = Diagnostic::at(
            &source,
            start..start + 14,
            "unknown column `domestic_abuze` in source `crimes`",
        )
        .with_label("did you mean `domestic_abuse`?");
        assert_eq!((d.line, d.column, d.width), (2, 11, 14));
        let text = d.to_string();
        assert!(text.contains("--> measures/da.toml:2:11"), "{text}");
        assert!(text.contains("2 | filter = \"domestic_abuze\""), "{text}");
        assert!(
            text.contains("  |           ^^^^^^^^^^^^^^ did you mean"),
            "{text}"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        let columns = ["domestic_abuse", "district", "cse"];
        assert_eq!(
            did_you_mean("domestic_abuze", columns),
            Some("domestic_abuse")
        );
        assert_eq!(did_you_mean("postcode", columns), None);
    }
}
