//! End to end: the real `mos serve` binary on a local port, driven by headless
//! Chromium (Debian's `chromium`, installed by `.ci/run`) through home →
//! objective → measure, with no console messages (CSP violations included),
//! the chart drawn, and a restricted measure refused without a token.

use crate::common;

use common::{Server, free_port, http_get};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

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
    while http_get(port, "/", "").is_none_or(|r| !r.starts_with(b"HTTP/1.1 200")) {
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

/// axe-core's browser build: `AXE_CORE` names it, or `.ci/run` installs it
/// under `target/axe` (`npm install --prefix target/axe axe-core`).
fn axe_core() -> Option<PathBuf> {
    std::env::var_os("AXE_CORE").map(PathBuf::from).or_else(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/axe/node_modules/axe-core/axe.min.js");
        path.exists().then_some(path)
    })
}

/// A page's HTML, with a bearer token or none; `None` for anything not HTML.
fn page_with(port: u16, path: &str, token: Option<&str>) -> Option<String> {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let response = String::from_utf8(http_get(port, path, &auth)?).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    head.to_ascii_lowercase()
        .contains("content-type: text/html")
        .then(|| body.to_string())
}

/// The WCAG 2.2 AA violations axe-core finds on `html` in headless Chromium
/// (its links and styles from `base`): "rule: element" lines.
fn axe_violations(html: &str, base: &str, axe: &Path, dir: &Path, name: &str) -> Vec<String> {
    let runner = format!(
        r#"<script src="file://{}"></script><script>
axe.run(document, {{ runOnly: {{ type: "tag", values: {tags} }} }}).then(function (r) {{
  var out = document.createElement("pre"); out.id = "axe-results";
  out.textContent = r.violations.map(function (v) {{
    return v.nodes.map(function (n) {{ return v.id + ": " + n.html.slice(0, 160); }}).join("\n");
  }}).join("\n") + "\nAXE-DONE";
  document.body.appendChild(out);
}});
</script>"#,
        axe.display(),
        // The rule sets the accessibility statement says are checked.
        tags = serde_json::to_string(&mos::web::accessibility::AXE_RULE_TAGS).unwrap()
    );
    let page = html
        .replacen("<head>", &format!("<head><base href=\"{base}/\">"), 1)
        .replacen("</body>", &format!("{runner}</body>"), 1);
    let file = dir.join(format!("{name}.html"));
    std::fs::write(&file, page).unwrap();
    let output = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--allow-file-access-from-files",
            "--virtual-time-budget=30000",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.join(format!("profile-{name}")).display()
        ))
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    let results = dom
        .split("<pre id=\"axe-results\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("axe ran on {name}: {dom}"));
    let results = results
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(results.ends_with("AXE-DONE"), "{results}");
    results
        .lines()
        .filter(|l| !l.is_empty() && *l != "AXE-DONE")
        .map(str::to_string)
        .collect()
}

/// Every page of the dashboard, as the public and as a signed-in analyst
/// sees it, has no WCAG 2.2 AA violation axe-core can find (in the headless
/// Chromium the other tests use). The crawl follows every link from the home
/// page, one group page per breakdown.
#[test]
fn every_page_passes_axe_for_the_public_and_for_analysts() {
    if !Path::new(CHROMIUM).exists() || axe_core().is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs chromium and axe-core (.ci/run): they must be there"
        );
        eprintln!(
            "skipped: needs {CHROMIUM} and axe-core (npm install --prefix target/axe axe-core)"
        );
        return;
    }
    let axe = axe_core().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The harness finds what it should: an image without a text alternative.
    let bad = axe_violations(
        "<!doctype html><html lang=\"en\"><head><title>t</title></head><body><main><img src=\"x.png\"></main></body></html>",
        "http://127.0.0.1:9",
        &axe,
        dir.path(),
        "detector",
    );
    assert!(bad.iter().any(|v| v.starts_with("image-alt")), "{bad:?}");

    let data = dir.path().join("data");
    let mos = env!("CARGO_BIN_EXE_mos");
    assert!(
        Command::new(mos)
            .args([
                "generate",
                "--out",
                data.to_str().unwrap(),
                "--years",
                "2",
                "--scale",
                "0.2",
                "--seed",
                "4"
            ])
            .status()
            .unwrap()
            .success()
    );
    let token = "axe-analyst-token-0123456789";
    let tokens = dir.path().join("tokens");
    std::fs::write(
        &tokens,
        format!("analyst {}\n", mos::web::auth::hash_token(token)),
    )
    .unwrap();
    let port = free_port();
    let _server = Server(
        Command::new(mos)
            .args([
                "serve",
                "--data",
                data.to_str().unwrap(),
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["--tokens", tokens.to_str().unwrap()])
            .args([
                "--snapshots",
                dir.path().join("snapshots").to_str().unwrap(),
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while page_with(port, "/", None).is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let base = format!("http://127.0.0.1:{port}");
    let mut pages: Vec<(String, String)> = Vec::new();
    for (viewer, token) in [("public", None), ("analyst", Some(token))] {
        let mut queue = vec!["/".to_string()];
        let mut seen = std::collections::BTreeSet::new();
        let mut grouped = std::collections::BTreeSet::new();
        while let Some(path) = queue.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let Some(html) = page_with(port, &path, token) else {
                continue;
            };
            for link in html.split("href=\"").skip(1) {
                let link = link[..link.find('"').unwrap()].replace("&amp;", "&");
                let file = link.split('?').next().unwrap();
                let download = [".csv", ".xlsx", ".svg", ".png", ".json"]
                    .iter()
                    .any(|e| file.ends_with(e));
                if !link.starts_with('/')
                    || link.starts_with("/assets")
                    || link.starts_with("/api")
                    || download
                    || link.contains("funnel=")
                {
                    continue;
                }
                // One group's page per breakdown of a measure is enough.
                if let Some((measure, _)) = link.split_once("&group=")
                    && !grouped.insert(measure.to_string())
                {
                    continue;
                }
                queue.push(link);
            }
            pages.push((format!("{viewer} {path}"), html));
        }
    }
    assert!(pages.len() >= 60, "{} pages crawled", pages.len());
    // An embed, which no page links to: it is in the office's own pages.
    let embed = "/embed/measures/calls_999_answered_within_10_seconds";
    pages.push((
        format!("public {embed}"),
        page_with(port, embed, None).expect("the embed"),
    ));
    // The accessibility statement is linked from every page, and says what
    // this test checks.
    let statement = &pages
        .iter()
        .find(|(page, _)| page == "public /accessibility")
        .expect("the statement is linked from the pages")
        .1;
    for tag in mos::web::accessibility::AXE_RULE_TAGS {
        assert!(statement.contains(&format!("<code>{tag}</code>")), "{tag}");
    }
    assert!(statement.contains("Enforcement procedure") && statement.contains("Compliance status"));
    // Two Chromiums at a time, one per core.
    let violations: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = pages
            .chunks(pages.len().div_ceil(2))
            .enumerate()
            .map(|(worker, chunk)| {
                let (base, axe, dir) = (&base, &axe, dir.path());
                scope.spawn(move || {
                    let mut found = Vec::new();
                    for (i, (page, html)) in chunk.iter().enumerate() {
                        for v in axe_violations(html, base, axe, dir, &format!("{worker}-{i}")) {
                            found.push(format!("{page}: {v}"));
                        }
                    }
                    found
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
