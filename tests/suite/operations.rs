//! `mos` as a force's IT team runs it, and as careless hands feed it: the real
//! binary serving on a local port, stopped the way systemd and Docker stop a
//! service; extracts cut short or half-copied, refused before anything is
//! written.

use crate::common;

use common::{Server, free_port, http_get};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// A project made by `mos init`, with a year of generated extracts in its
/// `extracts/`, and a tokens file beside it: what a force's IT team deploys.
fn deployed_project(tmp: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let project = tmp.join("project");
    let init = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["init", "project", "--force", "Leicestershire Police"])
        .args(["--district", "Leicester", "--district", "Melton"])
        .current_dir(tmp)
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", text(&init));
    let generate = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args([
            "generate", "--out", "extracts", "--years", "1", "--scale", "0.2",
        ])
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(generate.status.success(), "{}", text(&generate));
    let tokens = tmp.join("tokens");
    std::fs::write(
        &tokens,
        format!(
            "jo {}\n",
            mos::web::auth::hash_token("a-token-for-the-deployment-test-0001")
        ),
    )
    .unwrap();
    (project, tokens)
}

/// A deployment file's command line as it runs here: the installed paths
/// mapped to the test's, and the port to a free one.
fn as_here(words: &[&str], project: &Path, tokens: &Path, port: u16) -> Vec<String> {
    words
        .iter()
        .map(|w| match *w {
            "/usr/bin/mos" | "mos" => env!("CARGO_BIN_EXE_mos").to_string(),
            "/etc/mos/tokens" => tokens.display().to_string(),
            "127.0.0.1:8080" | "0.0.0.0:8080" => format!("127.0.0.1:{port}"),
            w => w.replace("/srv/mos", &project.display().to_string()),
        })
        .collect()
}

/// Starts `command` in `dir` as the service would, and waits for it to answer;
/// what it says goes to `log`.
fn start_service(command: &[String], dir: &Path, log: &Path, port: u16) -> Server {
    let child = Command::new(&command[0])
        .args(&command[1..])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let started = Instant::now();
    while http_get(port, "/health", "").is_none() {
        if let Some(status) = server.0.try_wait().unwrap() {
            panic!(
                "the service ended ({status}): {}",
                std::fs::read_to_string(log).unwrap()
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the service never answered"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    server
}

/// The unit and the container serve the force's own project (its force, its
/// districts), from the project folder; every folder `mos` writes there is
/// one the unit lets it write and makes before it starts, and what it keeps
/// stays in the project.
#[test]
fn the_unit_and_the_container_serve_the_forces_own_project() {
    let tmp = tempfile::tempdir().unwrap();
    let (project, tokens) = deployed_project(tmp.path());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let unit = std::fs::read_to_string(root.join("deploy/mos.service")).unwrap();
    let setting = |key: &str| -> Vec<&str> {
        unit.lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("the unit has {key}"))
            .split_whitespace()
            .collect()
    };
    assert_eq!(setting("WorkingDirectory="), ["/srv/mos"]);
    let exec = setting("ExecStart=");
    let writable = setting("ReadWritePaths=");
    let made = setting("ExecStartPre=");
    // The folders mos writes in the project: snapshots, each schedule's
    // packs, and commentary saved on the web.
    let snapshots = exec[exec.iter().position(|w| *w == "--snapshots").unwrap() + 1];
    let schedules: toml::Value = toml::from_str(
        &std::fs::read_to_string(project.join("dashboards/schedules.toml")).unwrap(),
    )
    .unwrap();
    let mut written: Vec<String> = vec![snapshots.to_string(), "commentary".to_string()];
    for schedule in schedules["schedule"].as_array().unwrap() {
        written.push(schedule["out"].as_str().unwrap().to_string());
    }
    for folder in &written {
        let path = format!("/srv/mos/{folder}");
        assert!(
            writable.contains(&path.as_str()),
            "{path} is not in ReadWritePaths"
        );
        assert!(
            made.contains(&path.as_str()),
            "{path} is not made before the start"
        );
    }
    assert!(made[0].starts_with("+/usr/bin/install") && made.contains(&"mos"));

    // The container: its command line, in its working folder, where the
    // project is mounted.
    let docker = std::fs::read_to_string(root.join("deploy/Dockerfile")).unwrap();
    assert!(
        docker.contains("VOLUME [\"/srv/mos\"]"),
        "the project is the volume"
    );
    let workdir = docker
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("WORKDIR "))
        .unwrap();
    assert_eq!(workdir, "/srv/mos");
    let cmd = docker.lines().find_map(|l| l.strip_prefix("CMD ")).unwrap();
    let cmd: Vec<String> = serde_json::from_str(cmd).unwrap();
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();

    for (name, command) in [("unit", exec.clone()), ("container", cmd)] {
        let port = free_port();
        let command = as_here(&command, &project, &tokens, port);
        let log = tmp.path().join(format!("{name}.log"));
        let server = start_service(&command, &project, &log, port);
        let page = String::from_utf8_lossy(&http_get(port, "/", "").unwrap()).into_owned();
        assert!(page.contains("Leicestershire"), "{name}: {page}");
        assert!(
            !page.contains("Cambridgeshire"),
            "{name} serves the built-in force"
        );
        drop(server);
        let said = std::fs::read_to_string(&log).unwrap();
        assert!(!said.contains("no project found"), "{name}: {said}");
        let kept = std::fs::read_dir(project.join(snapshots)).unwrap().count();
        assert!(kept > 0, "{name}: the snapshots are kept in the project");
    }
}

/// `mos ARGS` in `dir`, without a Chromium (packs without a PDF): whether
/// it succeeded, and what it said.
fn mos_at(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(args)
        .current_dir(dir)
        .env("PATH", "/nonexistent")
        .env_remove("MOS_CHROMIUM")
        .output()
        .unwrap();
    (out.status.success(), text(&out))
}

/// Every file under `dir` with its bytes, by path inside it (of the kept
/// work, only the installation's key: the rest is rebuilt).
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                if !name.contains(".kept-work/") || name.ends_with(".person-key") {
                    files.insert(name, std::fs::read(&path).unwrap());
                }
            }
        }
    }
    files
}

/// The pages a reader would compare, from the project's service.
fn pages(project: &Path, tokens: &Path, log: &Path) -> Vec<String> {
    let port = free_port();
    let command = as_here(
        &[
            "/usr/bin/mos",
            "serve",
            "--addr",
            "127.0.0.1:8080",
            "--data",
            "extracts",
            "--snapshots",
            "snapshots",
            "--tokens",
            "/etc/mos/tokens",
        ],
        project,
        tokens,
        port,
    );
    let _server = start_service(&command, project, log, port);
    [
        "/",
        "/measures/hate_incidents",
        "/api/measures/hate_incidents",
    ]
    .iter()
    .map(|path| {
        let response = http_get(port, path, "").unwrap();
        let (head, body) = split(&response);
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        let body = if head.contains("transfer-encoding: chunked") {
            unchunked(body)
        } else {
            body.to_vec()
        };
        String::from_utf8(body).unwrap()
    })
    .collect()
}

/// Back up, lose everything but the extracts, restore: the same files, and the
/// same pages (commentary, as published, freshness); a damaged archive or a
/// file that differs stops a restore before it writes anything.
#[test]
fn a_backup_restores_the_offices_record_and_its_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let (project, tokens) = deployed_project(tmp.path());
    let mos = |args: &[&str]| mos_at(&project, args);
    let (ok, said) = mos(&[
        "report",
        "--data",
        "extracts",
        "--objective",
        "4",
        "--out",
        "packs",
    ]);
    assert!(ok, "{said}");
    std::fs::create_dir_all(project.join("commentary/2022-03")).unwrap();
    std::fs::write(
        project.join("commentary/2022-03/hate_incidents.md"),
        "---\nauthor: Jo Analyst\ndate: 2022-04-07\n---\nThird-party reporting centres opened.\n",
    )
    .unwrap();
    let before = pages(&project, &tokens, &tmp.path().join("before.log"));
    assert!(before[1].contains("Third-party reporting centres opened."));
    let record = [
        "data",
        "measures",
        "dashboards",
        "commentary",
        "snapshots",
        "packs",
    ];
    let kept: Vec<_> = record.iter().map(|f| tree(&project.join(f))).collect();
    let key = project.join("snapshots/.kept-work/.person-key");
    assert!(key.is_file(), "the installation's key is made");

    let archive = tmp.path().join("mos-backup.zip");
    let tokens_arg = tokens.to_str().unwrap();
    let (ok, said) = mos(&[
        "backup",
        "--out",
        archive.to_str().unwrap(),
        "--data",
        "extracts",
        "--tokens",
        tokens_arg,
    ]);
    assert!(ok, "{said}");
    assert!(said.contains("backed up"), "{said}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the archive is private");
    }
    // No extract is in it: rows have no place in a backup of figures.
    let listing = String::from_utf8_lossy(&std::fs::read(&archive).unwrap()).into_owned();
    assert!(
        !listing.contains("crimes.csv"),
        "an extract is in the backup"
    );
    assert!(
        !listing.contains("kept-work/manifest"),
        "kept work is in the backup"
    );

    // Lost: everything but the extracts.
    for folder in record {
        std::fs::remove_dir_all(project.join(folder)).unwrap();
    }
    let token_line = std::fs::read(&tokens).unwrap();
    std::fs::remove_file(&tokens).unwrap();

    // A damaged archive restores nothing.
    let mut damaged = std::fs::read(&archive).unwrap();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    let bad = tmp.path().join("damaged.zip");
    std::fs::write(&bad, damaged).unwrap();
    let (ok, said) = mos(&[
        "restore",
        bad.to_str().unwrap(),
        "--data",
        "extracts",
        "--tokens",
        tokens_arg,
    ]);
    assert!(!ok && said.contains("damaged.zip"), "{said}");
    assert!(
        !project.join("data").exists(),
        "nothing restored from a damaged archive"
    );

    let (ok, said) = mos(&[
        "restore",
        archive.to_str().unwrap(),
        "--data",
        "extracts",
        "--tokens",
        tokens_arg,
    ]);
    assert!(ok, "{said}");
    for (folder, files) in record.iter().zip(&kept) {
        assert_eq!(
            &tree(&project.join(folder)),
            files,
            "{folder} restored as it was"
        );
    }
    assert_eq!(std::fs::read(&tokens).unwrap(), token_line);
    let after = pages(&project, &tokens, &tmp.path().join("after.log"));
    assert_eq!(before, after, "the same pages after the restore");

    // A file changed since is not written over unless asked.
    std::fs::write(
        project.join("commentary/2022-03/hate_incidents.md"),
        "Rewritten.\n",
    )
    .unwrap();
    let (ok, said) = mos(&[
        "restore",
        archive.to_str().unwrap(),
        "--data",
        "extracts",
        "--tokens",
        tokens_arg,
    ]);
    assert!(
        !ok && said.contains("differs from the backup's copy"),
        "{said}"
    );
    let (ok, said) = mos(&[
        "restore",
        archive.to_str().unwrap(),
        "--data",
        "extracts",
        "--tokens",
        tokens_arg,
        "--overwrite",
    ]);
    assert!(ok, "{said}");
    assert!(
        std::fs::read_to_string(project.join("commentary/2022-03/hate_incidents.md"))
            .unwrap()
            .contains("Third-party")
    );
}

/// The Debian package, built from this binary, holds the binary and the unit
/// as `deploy/` has them; its postinst makes the service's user, /etc/mos
/// and a tokens file only root and the group mos can read; and the unit's
/// command line, run from the unpacked package, serves a project with that
/// tokens file.
#[cfg(unix)]
#[test]
fn the_debian_package_installs_the_service() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = Command::new("sh")
        .arg(repo.join("deploy/debian/build-deb.sh"))
        .arg(env!("CARGO_BIN_EXE_mos"))
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", text(&built));
    let deb = String::from_utf8(built.stdout).unwrap().trim().to_string();
    let dpkg = |args: &[&str]| {
        let out = Command::new("dpkg-deb").args(args).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(dpkg(&["--field", &deb, "Package"]).trim(), "mos");
    let contents = dpkg(&["--contents", &deb]);
    for path in ["./usr/bin/mos", "./lib/systemd/system/mos.service"] {
        assert!(contents.contains(path), "{contents}");
    }
    // Installed as dpkg unpacks it.
    let root = tmp.path().join("root");
    dpkg(&["-x", &deb, root.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(root.join("lib/systemd/system/mos.service")).unwrap(),
        std::fs::read(repo.join("deploy/mos.service")).unwrap()
    );
    let control = tmp.path().join("control");
    dpkg(&["-e", &deb, control.to_str().unwrap()]);
    // The maintainer script, into that root, with the system's user tools
    // stood in for by ones that say what they were asked.
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = tmp.path().join("calls");
    for (tool, status) in [
        ("getent", 2),
        ("adduser", 0),
        ("chown", 0),
        ("systemctl", 0),
    ] {
        let stub = bin.join(tool);
        std::fs::write(
            &stub,
            format!(
                "#!/bin/sh\necho \"{tool} $*\" >> '{}'\nexit {status}\n",
                calls.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let postinst = Command::new("sh")
        .arg(control.join("postinst"))
        .arg("configure")
        .env("DPKG_ROOT", &root)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .output()
        .unwrap();
    assert!(postinst.status.success(), "{}", text(&postinst));
    let called = std::fs::read_to_string(&calls).unwrap();
    assert!(called.contains("adduser --system --group"), "{called}");
    assert!(
        called.contains(&format!("chown root:mos {}/etc/mos/tokens", root.display())),
        "{called}"
    );
    let mode = |p: &str| {
        std::fs::metadata(root.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("etc/mos"), 0o750);
    assert_eq!(mode("etc/mos/tokens"), 0o640);
    assert!(root.join("srv/mos").is_dir());

    // The unit's command line from the package, in a project at /srv/mos.
    let (project, _) = deployed_project(tmp.path());
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/mos.service")).unwrap();
    let exec: Vec<&str> = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(exec[0], "/usr/bin/mos");
    let port = free_port();
    let mut command = as_here(&exec, &project, &root.join("etc/mos/tokens"), port);
    command[0] = root.join("usr/bin/mos").display().to_string();
    let log = tmp.path().join("deb.log");
    let _server = start_service(&command, &project, &log, port);
    let page = String::from_utf8_lossy(&http_get(port, "/", "").unwrap()).into_owned();
    assert!(page.contains("Leicestershire"), "{page}");
}

/// An upgrade keeps the record: this `mos` reads the snapshots and published
/// packs the last release (and older ones) wrote, kept as a fixture, sets its
/// figures beside theirs, and says how to carry on from a damaged file.
#[test]
fn the_snapshots_of_earlier_releases_are_read_after_an_upgrade() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(project.join("measures")).unwrap();
    for id in ["cse_crimes", "hate_incidents"] {
        std::fs::copy(
            repo.join(format!("measures/{id}.toml")),
            project.join(format!("measures/{id}.toml")),
        )
        .unwrap();
    }
    let fixture = repo.join("tests/fixtures/upgrade/snapshots");
    let snapshots = project.join("snapshots");
    for file in tree(&fixture) {
        let path = snapshots.join(&file.0);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.1).unwrap();
    }
    let mos = |args: &[&str]| mos_at(project, args);
    let (ok, said) = mos(&[
        "generate", "--out", "extracts", "--years", "1", "--scale", "0.1", "--seed", "7",
    ]);
    assert!(ok, "{said}");
    let (ok, said) = mos(&["run", "--data", "extracts", "--out", "results.csv"]);
    assert!(ok, "{said}");
    assert!(!said.contains("damaged"), "{said}");
    // The packs they printed count in the disclosure audit.
    let (ok, said) = mos(&["check", "--data", "extracts", "--disclosure"]);
    assert!(
        ok && said.contains("figures packs printed before"),
        "{said}"
    );

    // The measure page sets today's figures beside the last release's pack.
    let port = free_port();
    let command: Vec<String> = [
        env!("CARGO_BIN_EXE_mos"),
        "serve",
        "--addr",
        &format!("127.0.0.1:{port}"),
        "--data",
        "extracts",
    ]
    .iter()
    .map(|w| w.to_string())
    .collect();
    {
        let _server = start_service(&command, project, &tmp.path().join("serve.log"), port);
        let page =
            String::from_utf8_lossy(&http_get(port, "/measures/hate_incidents", "").unwrap())
                .into_owned();
        assert!(page.contains("As published and latest"), "{page}");
        assert!(page.contains("objective-4-2022-03"), "{page}");
    }

    // A damaged record names the file and what to do.
    std::fs::write(snapshots.join("published.json"), "[{").unwrap();
    let (ok, said) = mos(&["run", "--data", "extracts", "--out", "results.csv"]);
    assert!(!ok, "{said}");
    assert!(
        said.contains("published.json") && said.contains("move it aside"),
        "{said}"
    );
}

/// A service started outside a project says so as a warning, naming the
/// declarations it uses; one whose first evaluation fails says it has nothing
/// good to show, not that the last good results stay.
#[test]
fn a_service_says_when_it_serves_no_project_or_has_nothing_good_to_show() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let command: Vec<String> = [env!("CARGO_BIN_EXE_mos"), "serve", "--addr"]
        .iter()
        .map(|w| w.to_string())
        .chain([format!("127.0.0.1:{port}")])
        .collect();
    let log = tmp.path().join("serve.log");
    drop(start_service(&command, tmp.path(), &log, port));
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(
        said.contains("WARNING: the dashboard is not serving a force's project")
            && said.contains(
                "the built-in declarations of the demo force, Cambridgeshire Constabulary"
            ),
        "{said}"
    );

    let (project, _) = deployed_project(tmp.path());
    std::fs::write(
        project.join("extracts/crimes.csv"),
        "not,a,crimes,extract\n1,2,3,4\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args([
            "serve",
            "--data",
            "extracts",
            "--addr",
            &format!("127.0.0.1:{}", free_port()),
        ])
        .current_dir(&project)
        .output()
        .unwrap();
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("crimes.csv") && said.contains("has no good results to show"),
        "{said}"
    );
    assert!(!said.contains("the last good results stay"), "{said}");
}

/// `backup` and `restore` take the record's folders where they are: another
/// snapshots folder (its key kept, its kept work not), another commentary
/// folder, and the packs of the schedules in another dashboards folder; a
/// file in `data/` that is not a declaration (an extract put there) stays out.
#[test]
fn backup_and_restore_take_the_folders_where_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    let files = [
        ("data/force.toml", "name = \"x\"\n"),
        ("data/sources/crimes.toml", "# a source\n"),
        ("defs/m.toml", "id = \"m\"\n"),
        ("keep/20260101T000000Z-aaaaaaaa/snapshot.json", "{}"),
        ("keep/published.json", "[]"),
        ("keep/.kept-work/.person-key", "secret"),
        ("notes/2026-01/m.md", "A note.\n"),
        (
            "boards/schedules.toml",
            "[[schedule]]\nname = \"Board\"\ncron = \"0 6 1 * *\"\nobjectives = [4]\nout = \"board-packs\"\n",
        ),
        ("board-packs/objective-4-2026-01/index.html", "<p>pack</p>"),
    ];
    for (name, content) in files {
        std::fs::create_dir_all(p.join(name).parent().unwrap()).unwrap();
        std::fs::write(p.join(name), content).unwrap();
    }
    std::fs::write(p.join("keep/.kept-work/manifest.json"), "{}").unwrap();
    std::fs::write(p.join("data/crimes.csv"), "crime_ref\nC1\n").unwrap();
    let places = [
        "--snapshots",
        "keep",
        "--commentary",
        "notes",
        "--dashboards",
        "boards",
        "--measures",
        "defs",
    ];
    let mos = |args: &[&str]| {
        let (ok, said) = mos_at(p, &[args, &places[..]].concat());
        assert!(ok, "{said}");
    };
    mos(&["backup", "--out", "record.zip"]);
    let archive =
        String::from_utf8_lossy(&std::fs::read(p.join("record.zip")).unwrap()).into_owned();
    assert!(!archive.contains("crimes.csv") && !archive.contains("manifest.json"));
    for folder in ["data", "defs", "keep", "notes", "boards", "board-packs"] {
        std::fs::remove_dir_all(p.join(folder)).unwrap();
    }
    mos(&["restore", "record.zip"]);
    for (name, content) in files {
        assert_eq!(
            std::fs::read_to_string(p.join(name)).ok().as_deref(),
            Some(content),
            "{name}"
        );
    }
    assert!(!p.join("data/crimes.csv").exists());
}
