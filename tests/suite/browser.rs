//! End to end: the real `mos serve` binary on a local port, driven by headless
//! Chromium (Debian's `chromium`, installed by `.ci/run`) through home →
//! objective → measure, with no console messages (CSP violations included),
//! the chart drawn, and a restricted measure refused without a token.

use crate::common;

use common::{Server, free_port};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

/// Loads a page in headless Chromium; returns the DOM after scripts ran, and the console lines.
fn browse(url: &str, profile: &Path, window: Option<(&Path, &str)>) -> (String, Vec<String>) {
    let mut command = Command::new(CHROMIUM);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--hide-scrollbars",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    match window {
        Some((png, size)) => command.args([
            format!("--screenshot={}", png.display()),
            format!("--window-size={size}"),
        ]),
        None => command.args(["--dump-dom".to_string()]),
    };
    let output = command.arg(url).output().expect("chromium runs");
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    )
}

/// Serves `html` to the first request on a local port, from a thread of the
/// test's own; returns the page's URL.
fn serve_once(html: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        // Chromium may open a second connection (a favicon): answer each the page.
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                html.len()
            );
        }
    });
    format!("http://127.0.0.1:{port}/")
}

fn first_link(dom: &str, prefix: &str) -> Option<String> {
    let start = dom.find(&format!("href=\"{prefix}"))? + 6;
    let end = start + dom[start..].find('"')?;
    Some(dom[start..end].replace("&amp;", "&"))
}

#[test]
fn a_board_member_reads_the_dashboard_in_a_browser() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs chromium (.ci/run): it must be there"
        );
        eprintln!("skipped: {CHROMIUM} is not installed (apt-get install chromium)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    // The detector works: a page that logs is caught. Served over http by the
    // test itself, since current Chromium neither renders nor logs a `data:` URL
    // with --dump-dom.
    let detector = serve_once("<!doctype html><script>console.error('detector')</script>");
    let (_, console) = browse(&detector, &profile, None);
    assert!(
        console.iter().any(|l| l.contains("detector")),
        "console capture works: {console:?}"
    );

    let data = dir.path().join("data");
    let mos = env!("CARGO_BIN_EXE_mos");
    let status = Command::new(mos)
        .args([
            "generate",
            "--out",
            data.to_str().unwrap(),
            "--years",
            "2",
            "--scale",
            "0.1",
            "--seed",
            "9",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let port = free_port();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let _server = Server(
        Command::new(mos)
            .args([
                "serve",
                "--data",
                data.to_str().unwrap(),
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .current_dir(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while http_get(port, "/").is_none_or(|r| !r.starts_with("HTTP/1.1 200")) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let base = format!("http://127.0.0.1:{port}");

    let (home, console) = browse(&format!("{base}/"), &profile, None);
    assert!(console.is_empty(), "console on home: {console:?}");
    assert!(home.contains("Keeping people safe"));
    let objective = first_link(&home, "/objectives/4").expect("home links the objective");

    let (objective_page, console) = browse(&format!("{base}{objective}"), &profile, None);
    assert!(console.is_empty(), "console on objective: {console:?}");
    assert!(objective_page.contains("class=\"card\""));
    let measure = first_link(&objective_page, "/measures/").expect("objective links a measure");

    let (measure_page, console) = browse(&format!("{base}{measure}"), &profile, None);
    assert!(console.is_empty(), "console on measure: {console:?}");
    let chart_start = measure_page
        .find("<figure class=\"chart\"")
        .expect("chart figure");
    let chart = &measure_page[chart_start..];
    assert!(
        chart.contains("<svg") && (chart.contains("<polyline") || chart.contains("<path")),
        "chart drawn"
    );
    assert!(chart.contains("<circle"), "points drawn");
    assert!(measure_page.contains("<table>"), "figures as a table too");
    // The page script ran (so it was served and allowed by the CSP).
    assert!(measure_page.contains("<body class=\"js\">"), "app.js ran");

    let (restricted, console) = browse(
        &format!("{base}/measures/domestic_abuse_crimes"),
        &profile,
        None,
    );
    assert!(
        console.is_empty() || console.iter().all(|l| l.contains("401")),
        "console on restricted: {console:?}"
    );
    assert!(restricted.contains("Restricted measure"));
    assert!(
        !restricted.contains("<figure class=\"chart\""),
        "no chart without a token"
    );

    // A screenshot for people to look at (kept when MOS_SCREENSHOTS names a folder).
    if let Some(out) = std::env::var_os("MOS_SCREENSHOTS") {
        let out = PathBuf::from(out);
        std::fs::create_dir_all(&out).unwrap();
        for (name, path) in [
            ("home", "/"),
            ("objective", objective.as_str()),
            ("measure", measure.as_str()),
        ] {
            browse(
                &format!("{base}{path}"),
                &profile,
                Some((&out.join(format!("{name}.png")), "1280,1400")),
            );
        }
    }
}
