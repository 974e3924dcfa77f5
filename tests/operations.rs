//! `mos serve` as a force's IT team runs it: the real binary on a local port,
//! stopped the way systemd and Docker stop a service.

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
