//! `mos` as a force's IT team runs it, and as careless hands feed it: the real
//! binary serving on a local port, stopped the way systemd and Docker stop a
//! service; extracts cut short or half-copied, refused before anything is
//! written.

mod common;

use common::{Server, free_port};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The whole response to `GET path` with extra request headers, once the server answers.
fn http_get(port: u16, path: &str, headers: &str) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    Some(response)
}

/// `mos serve` on the demo data, with its temporary folders in `tmp` and its
/// log (JSON lines) in `tmp/serve.log`, once it answers.
fn serve_demo(tmp: &Path) -> (Server, u16) {
    let port = free_port();
    let log = std::fs::File::create(tmp.join("serve.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--snapshots")
        .arg(tmp.join("snapshots"))
        .env("TMPDIR", tmp)
        .env("MOS_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let server = Server(child);
    let started = Instant::now();
    while http_get(port, "/", "").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the server never answered"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    (server, port)
}

fn demo_folders(tmp: &Path) -> usize {
    std::fs::read_dir(tmp)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("mos-demo-")
        })
        .count()
}

/// The head and body of an HTTP/1.1 response.
fn split(response: &[u8]) -> (String, &[u8]) {
    let end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8_lossy(&response[..end]).to_ascii_lowercase(),
        &response[end + 4..],
    )
}

/// A chunked body, joined.
fn unchunked(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
        body = &body[line_end + 2 + size + 2..];
    }
}

#[test]
fn the_service_has_a_health_check_compression_logs_and_stops_cleanly_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut server, port) = serve_demo(tmp.path());
    assert_eq!(demo_folders(tmp.path()), 1, "the demo data is made");

    let (head, body) = {
        let response = http_get(port, "/health", "").unwrap();
        let (head, body) = split(&response);
        (head, body.to_vec())
    };
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert!(health["evaluated_at"].is_string());

    // Pages are compressed for a client that asks.
    let response = http_get(port, "/", "Accept-Encoding: gzip\r\n").unwrap();
    let (head, body) = split(&response);
    assert!(head.contains("content-encoding: gzip"), "{head}");
    let body = if head.contains("transfer-encoding: chunked") {
        unchunked(body)
    } else {
        body.to_vec()
    };
    let mut page = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut page).unwrap();
    assert!(page.contains("<!doctype html>") || page.contains("<!DOCTYPE html>"));

    // A token sent in a header is never written to the log.
    let secret = "Bearer secret-in-a-header-0123456789";
    http_get(
        port,
        "/api/status?x=1",
        &format!("Authorization: {secret}\r\n"),
    )
    .unwrap();

    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "SIGTERM did not stop the server"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
    assert_eq!(demo_folders(tmp.path()), 0, "the demo folder is removed");

    // The log: a JSON object per line, with each request and the evaluation.
    let log = std::fs::read_to_string(tmp.path().join("serve.log")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let request = lines
        .iter()
        .find(|l| l["span"]["path"] == "/health")
        .unwrap_or_else(|| panic!("a request line for /health in {log}"));
    assert_eq!(request["fields"]["status"], 200);
    assert_eq!(request["span"]["method"], "GET");
    let evaluated = lines
        .iter()
        .find(|l| l["fields"]["message"] == "evaluated")
        .unwrap_or_else(|| panic!("an evaluation line in {log}"));
    assert!(evaluated["fields"]["measures"].as_u64().unwrap() > 20);
    assert!(!log.contains("secret-in-a-header"), "no token in the log");
    assert!(!log.contains("x=1"), "no query in the log");
    assert!(lines.iter().any(|l| {
        l["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("shutting down"))
    }));
}

/// `mos ARGS`, from the repository (its shipped measures).
fn mos(args: &[&str]) -> std::process::Output {
    common::mos_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout)
}

/// A small generated data folder, and `mos run` on it into `out` with
/// snapshots in `snapshots` (plus `extra` arguments).
struct Project {
    _dir: tempfile::TempDir,
    data: std::path::PathBuf,
    out: std::path::PathBuf,
    snapshots: std::path::PathBuf,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let generated = mos(&[
            "generate",
            "--out",
            data.to_str().unwrap(),
            "--years",
            "2",
            "--scale",
            "0.05",
            "--seed",
            "3",
        ]);
        assert!(generated.status.success(), "{}", text(&generated));
        Project {
            out: dir.path().join("results.csv"),
            snapshots: dir.path().join("snapshots"),
            data,
            _dir: dir,
        }
    }

    fn run(&self, extra: &[&str]) -> std::process::Output {
        let mut args = vec![
            "run",
            "--data",
            self.data.to_str().unwrap(),
            "--out",
            self.out.to_str().unwrap(),
            "--snapshots",
            self.snapshots.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        mos(&args)
    }
}

#[test]
fn a_file_cut_mid_row_is_refused_and_the_last_results_stay() {
    let p = Project::new();
    assert!(p.run(&[]).status.success());
    let good = std::fs::read(&p.out).unwrap();
    let crimes = p.data.join("crimes.csv");
    let whole = std::fs::read(&crimes).unwrap();
    let lines = whole.iter().filter(|&&b| b == b'\n').count();
    // Cut in the middle of the last row, as a copy in progress leaves it.
    let cut = &whole[..whole.len() - 20];
    std::fs::write(&crimes, cut).unwrap();
    let refused = p.run(&[]);
    assert!(!refused.status.success());
    let message = text(&refused);
    assert!(message.contains("ends in the middle of a row"), "{message}");
    assert!(
        message.contains(&format!("crimes.csv:{lines}:")),
        "{message}"
    );
    assert_eq!(
        std::fs::read(&p.out).unwrap(),
        good,
        "the last results stand"
    );

    // Cut inside its last field, what is left still reads as a row (a date
    // cut to `2023-03-2` is a date): refused all the same.
    let last_line_start = whole[..whole.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let last_line = String::from_utf8_lossy(&whole[last_line_start..]).into_owned();
    let mut cut_in_field = whole[..whole.len() - 1].to_vec();
    // Cut inside the last field: a one-character cut of a whole row.
    cut_in_field.pop();
    std::fs::write(&crimes, &cut_in_field).unwrap();
    let refused = p.run(&[]);
    assert!(!refused.status.success(), "last line {last_line:?} cut");
    assert!(
        text(&refused).contains(&format!("crimes.csv:{lines}:")),
        "{}",
        text(&refused)
    );
    assert_eq!(std::fs::read(&p.out).unwrap(), good);

    // A whole last row with no final newline is taken when the export
    // declares its row count, and refused under another count.
    std::fs::write(&crimes, &whole[..whole.len() - 1]).unwrap();
    let rows = lines - 1;
    std::fs::write(
        p.data.join("sources.toml"),
        format!("[crimes]\nrows = {}\n", rows + 1),
    )
    .unwrap();
    let miscounted = p.run(&[]);
    assert!(!miscounted.status.success());
    assert!(
        text(&miscounted).contains(&format!(
            "holds {rows} rows, but sources.toml declares `rows = {}`",
            rows + 1
        )),
        "{}",
        text(&miscounted)
    );
    std::fs::write(
        p.data.join("sources.toml"),
        format!("[crimes]\nrows = {rows}\n"),
    )
    .unwrap();
    let accepted = p.run(&[]);
    assert!(accepted.status.success(), "{}", text(&accepted));
    assert_eq!(std::fs::read(&p.out).unwrap(), good);
}

#[test]
fn an_extract_that_lost_much_of_its_rows_is_held_back_until_accepted() {
    let p = Project::new();
    assert!(p.run(&[]).status.success());
    let good = std::fs::read(&p.out).unwrap();
    // Half the rows, each whole: a copy stopped half-way at a line's end.
    let crimes = p.data.join("crimes.csv");
    let whole = std::fs::read_to_string(&crimes).unwrap();
    let kept: Vec<&str> = whole.lines().collect();
    let half = kept[..kept.len() / 2].join("\n") + "\n";
    std::fs::write(&crimes, half).unwrap();
    let held = p.run(&[]);
    assert!(!held.status.success());
    let message = text(&held);
    assert!(message.contains("the `crimes` extract has"), "{message}");
    assert!(message.contains("--accept-smaller crimes"), "{message}");
    assert_eq!(std::fs::read(&p.out).unwrap(), good, "nothing is written");
    // Accepted, it is the new last good snapshot.
    let accepted = p.run(&["--accept-smaller", "crimes"]);
    assert!(accepted.status.success(), "{}", text(&accepted));
    assert_ne!(std::fs::read(&p.out).unwrap(), good);
    assert!(
        p.run(&[]).status.success(),
        "and compared with from then on"
    );
}

/// An extract that loses a little at each evaluation (under the share that
/// holds one back) is held back once it has lost too much since the figures
/// the board last saw; accepted once, it is not held back again.
#[test]
fn an_extract_shrinking_a_little_at_a_time_is_held_back_against_the_published_figures() {
    let p = Project::new();
    assert!(p.run(&[]).status.success());
    let report = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["report", "--data", p.data.to_str().unwrap()])
        .args(["--snapshots", p.snapshots.to_str().unwrap()])
        .args(["--objective", "4", "--publish", "--out"])
        .arg(p.snapshots.with_file_name("draft"))
        .env("PATH", "/nonexistent")
        .env_remove("MOS_CHROMIUM")
        .output()
        .unwrap();
    assert!(report.status.success(), "{}", text(&report));
    // Rows taken from every month alike, so that no month is lost.
    let crimes = p.data.join("crimes.csv");
    let whole = std::fs::read_to_string(&crimes).unwrap();
    let without_every = |nth: usize| {
        let mut kept: Vec<&str> = Vec::new();
        for (i, line) in whole.lines().enumerate() {
            if i == 0 || i % nth != 0 {
                kept.push(line);
            }
        }
        kept.join("\n") + "\n"
    };
    // 1 row in 16 gone (6%): within the share, run.
    std::fs::write(&crimes, without_every(16)).unwrap();
    let first = p.run(&[]);
    assert!(first.status.success(), "{}", text(&first));
    // 1 in 8 gone (12.5%): 7% since the last snapshot, 12.5% since the published one.
    std::fs::write(&crimes, without_every(8)).unwrap();
    let held = p.run(&[]);
    assert!(
        !held.status.success(),
        "held back against the published figures"
    );
    let message = text(&held);
    assert!(message.contains("the last published snapshot"), "{message}");
    assert!(message.contains("--accept-smaller crimes"), "{message}");
    let accepted = p.run(&["--accept-smaller", "crimes"]);
    assert!(accepted.status.success(), "{}", text(&accepted));
    let again = p.run(&[]);
    assert!(again.status.success(), "accepted once: {}", text(&again));
}

/// The deployment files in `deploy/` start `mos serve` with flags it has: a
/// Dockerfile or unit left behind by a renamed flag would never start.
#[test]
fn the_deployment_files_start_serve_with_flags_it_has() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let help = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let unit = std::fs::read_to_string(root.join("deploy/mos.service")).unwrap();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("the unit has an ExecStart");
    let docker = std::fs::read_to_string(root.join("deploy/Dockerfile")).unwrap();
    let cmd = docker
        .lines()
        .find_map(|l| l.strip_prefix("CMD "))
        .expect("the Dockerfile has a CMD");
    let cmd: Vec<String> = serde_json::from_str(cmd).unwrap();
    assert_eq!(cmd[..2], ["mos", "serve"]);
    for command in [exec.to_string(), cmd.join(" ")] {
        let flags: Vec<&str> = command
            .split_whitespace()
            .filter(|w| w.starts_with("--"))
            .collect();
        assert!(flags.len() >= 4, "{command}");
        for flag in flags {
            assert!(
                help.contains(&format!("{flag} <")),
                "`mos serve` has no {flag}"
            );
        }
    }
    assert!(unit.contains("KillSignal=SIGTERM") && docker.contains("STOPSIGNAL SIGTERM"));
    assert!(unit.contains("UMask=0077"));
}

/// A pipe in an extract's place is refused by name, never read (a read
/// would wait for a writer for good).
#[cfg(unix)]
#[test]
fn a_pipe_in_place_of_an_extract_is_refused_not_read() {
    let p = Project::new();
    let crimes = p.data.join("crimes.csv");
    std::fs::remove_file(&crimes).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&crimes)
            .status()
            .unwrap()
            .success()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["run", "--data", p.data.to_str().unwrap(), "--out"])
        .arg(&p.out)
        .arg("--snapshots")
        .arg(&p.snapshots)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("mos waited on the pipe");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut message = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut message)
        .unwrap();
    assert!(!status.success());
    assert!(
        message.contains("crimes.csv is not a regular file"),
        "{message}"
    );
}
