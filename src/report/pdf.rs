//! The pack's PDF: the report's HTML printed by headless Chromium (Debian's
//! `chromium`), which keeps the charts as vectors and honours the report's A4
//! `@page` rules (margins, page numbers). Where no Chromium is installed, packs
//! are written without a PDF and the caller is told.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium to print with: `MOS_CHROMIUM`, else the first of the usual names on PATH.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MOS_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|candidate| candidate.is_file())
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("cannot run {}: {source}", .chromium.display())]
    Run {
        chromium: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} did not print the PDF: {said}", .chromium.display())]
    NoPdf { chromium: PathBuf, said: String },
}

/// Prints `html` to `pdf`, with Chromium's profile in `profile`; the error
/// says what Chromium said.
pub fn print(chromium: &Path, html: &Path, pdf: &Path, profile: &Path) -> Result<(), PrintError> {
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .map_err(|source| PrintError::Run {
            chromium: chromium.to_path_buf(),
            source,
        })?;
    match std::fs::metadata(pdf) {
        Ok(m) if m.len() > 0 && output.status.success() => Ok(()),
        _ => Err(PrintError::NoPdf {
            chromium: chromium.to_path_buf(),
            said: String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or_default()
                .to_string(),
        }),
    }
}
