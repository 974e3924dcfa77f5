//! `mos` as a force's IT team runs it, and as careless hands feed it: the real
//! binary serving on a local port, stopped the way systemd and Docker stop a
//! service; extracts cut short or half-copied, refused before anything is
//! written.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

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

/// `mos serve` on the demo data, with its temporary folders in `tmp`, once it answers.
fn serve_demo(tmp: &Path) -> (Server, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--snapshots")
        .arg(tmp.join("snapshots"))
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
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

#[test]
fn sigterm_ends_the_server_cleanly_and_removes_its_demo_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut server, _) = serve_demo(tmp.path());
    assert_eq!(demo_folders(tmp.path()), 1, "the demo data is made");
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
}

/// `mos ARGS`, from the repository (its shipped measures).
fn mos(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
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

    // A whole last row with no final newline is a file saved that way.
    std::fs::write(&crimes, &whole[..whole.len() - 1]).unwrap();
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
