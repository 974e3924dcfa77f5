//! The pack's PDF: the report's HTML printed by headless Chromium (Debian's
//! `chromium`), which keeps the charts as vectors and honours the report's A4
//! `@page` rules (margins, page numbers). Where no Chromium is installed, packs
//! are written without a PDF and the caller is told.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    #[error("{} printed a page other than the report (its title is not the report's): the PDF is not kept", .chromium.display())]
    NotTheReport { chromium: PathBuf },
    #[error("{} had not printed the PDF after {} seconds, and was stopped (set MOS_PDF_TIMEOUT to wait longer)", .chromium.display(), .seconds)]
    TimedOut { chromium: PathBuf, seconds: u64 },
}

/// How long Chromium may take to print a pack: `MOS_PDF_TIMEOUT` seconds, or two minutes.
pub fn timeout() -> Duration {
    timeout_of(std::env::var("MOS_PDF_TIMEOUT").ok().as_deref())
}

/// The timeout a `MOS_PDF_TIMEOUT` setting gives: two minutes without one
/// (or with one that is not a whole number of seconds).
fn timeout_of(setting: Option<&str>) -> Duration {
    Duration::from_secs(setting.and_then(|s| s.trim().parse().ok()).unwrap_or(120))
}

/// Prints `html` (whose `<title>` is `title`) to `pdf`, with Chromium's
/// profile in `profile`. The PDF is accepted only if it is the report's own
/// (Chromium prints its error page when it cannot open a page); a Chromium
/// that hangs is stopped, its helpers with it.
pub fn print(
    chromium: &Path,
    html: &Path,
    title: &str,
    pdf: &Path,
    profile: &Path,
    limit: Duration,
) -> Result<(), PrintError> {
    let mut command = Command::new(chromium);
    command
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
        .arg(file_url(html))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // Its own process group: on a timeout, Chromium's helpers are stopped too.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let run_error = |source| PrintError::Run {
        chromium: chromium.to_path_buf(),
        source,
    };
    let mut child = command.spawn().map_err(run_error)?;
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let said = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(run_error)? {
            break status;
        }
        if started.elapsed() >= limit {
            stop_group(&mut child);
            return Err(PrintError::TimedOut {
                chromium: chromium.to_path_buf(),
                seconds: limit.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let said = said.join().unwrap_or_default();
    let bytes = std::fs::read(pdf).unwrap_or_default();
    if bytes.is_empty() || !status.success() {
        return Err(PrintError::NoPdf {
            chromium: chromium.to_path_buf(),
            said: said.lines().last().unwrap_or_default().to_string(),
        });
    }
    if !has_title(&bytes, title) {
        return Err(PrintError::NotTheReport {
            chromium: chromium.to_path_buf(),
        });
    }
    Ok(())
}

/// Kills `child` and every process of its group.
fn stop_group(child: &mut std::process::Child) {
    #[cfg(target_os = "linux")]
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `path` as a `file://` URL, each byte but the unreserved ones and `/`
/// percent-encoded: a `#`, `?` or `%` in a folder's name is part of the path.
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            url.push(byte as char);
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// Whether the PDF's document title is `title`, as Chromium writes it: a
/// literal string, or UTF-16 in hex where it is not plain ASCII.
fn has_title(pdf: &[u8], title: &str) -> bool {
    let literal: String = title
        .chars()
        .flat_map(|c| match c {
            '(' | ')' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let hex: String = std::iter::once(0xFEFF)
        .chain(title.encode_utf16())
        .map(|unit| format!("{unit:04X}"))
        .collect();
    let contains = |needle: &str| {
        pdf.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    contains(&format!("/Title ({literal})")) || contains(&format!("/Title <{hex}>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_is_read_from_its_setting() {
        assert_eq!(timeout_of(None), Duration::from_secs(120));
        assert_eq!(timeout_of(Some("300")), Duration::from_secs(300));
        assert_eq!(timeout_of(Some("two minutes")), Duration::from_secs(120));
    }

    #[test]
    fn a_path_with_hash_question_and_percent_is_one_file_url() {
        assert_eq!(
            file_url(Path::new("/tmp/packs #1?%20/report.html")),
            "file:///tmp/packs%20%231%3F%2520/report.html"
        );
    }

    /// As Chromium 148 wrote them: the report's title in UTF-16, and its
    /// error page's (the URL) as a literal string.
    #[test]
    fn the_report_is_told_from_chromiums_error_page() {
        let title = "Objective 4: Keeping people safe – March 2026";
        let report = b"<</Title <FEFF004F0062006A00650063007400690076006500200034003A0020004B0065006500700069006E0067002000700065006F0070006C006500200073006100660065002020130020004D006100720063006800200032003000320036>";
        assert!(has_title(report, title));
        let error_page = b"<</Title (file:///tmp/pdft/a%20b#c.html)";
        assert!(!has_title(error_page, title));
        assert!(has_title(
            b"<</Title (Objective 1: A \\(B\\))",
            "Objective 1: A (B)"
        ));
    }
}
