//! Alerts, tried against a local SMTP sink and a local HTTP receiver that the
//! test starts itself: a grade change goes to the channels that asked for it,
//! a restricted measure's never to a channel not marked restricted, and each
//! alert once, not twice, across a restart.

// Its own binary: it sets the environment (SMTP settings), which no other
// test's thread may be reading at the time.
#[path = "suite/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Messages received, by a sink that speaks just enough SMTP.
fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            stream.write_all(b"220 sink\r\n").unwrap();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                let command = line.trim_end().to_ascii_uppercase();
                if command.starts_with("DATA") {
                    stream.write_all(b"354 go on\r\n").unwrap();
                    let mut message = String::new();
                    loop {
                        let mut data = String::new();
                        if reader.read_line(&mut data).unwrap_or(0) == 0 || data == ".\r\n" {
                            break;
                        }
                        message.push_str(&data);
                    }
                    store.lock().unwrap().push(message);
                    stream.write_all(b"250 kept\r\n").unwrap();
                } else if command.starts_with("QUIT") {
                    stream.write_all(b"221 bye\r\n").unwrap();
                    break;
                } else {
                    stream.write_all(b"250 sink\r\n").unwrap();
                }
                line.clear();
            }
        }
    });
    (port, received)
}

/// Bodies received, by a receiver that answers every POST with 200.
fn http_receiver() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                line.clear();
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            store.lock().unwrap().push(String::from_utf8(body).unwrap());
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .unwrap();
        }
    });
    (port, received)
}

#[test]
fn a_grade_change_is_sent_once_to_the_channels_that_may_hear_it_across_a_restart() {
    let (smtp, emails) = smtp_sink();
    let (http, posts) = http_receiver();
    // The only test in this binary that reads the environment.
    unsafe {
        std::env::set_var("MOS_SMTP_HOST", "127.0.0.1");
        std::env::set_var("MOS_SMTP_PORT", smtp.to_string());
        std::env::set_var("MOS_SMTP_TLS", "none");
        std::env::set_var("MOS_SMTP_FROM", "mos@force.example");
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let generated = std::process::Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["generate", "--out"])
        .arg(p.join("extracts"))
        .args(["--years", "3", "--scale", "0.1", "--seed", "4"])
        .output()
        .unwrap();
    assert!(generated.status.success());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(p.join("dashboards")).unwrap();
    std::fs::copy(
        root.join("dashboards/plan.toml"),
        p.join("dashboards/plan.toml"),
    )
    .unwrap();
    std::fs::write(
        p.join("dashboards/alerts.toml"),
        format!(
            "[[channel]]\nname = \"Team\"\nemail = [\"team@force.example\"]\nrestricted = true\nevents = [\"grade_change\", \"pack_failed\"]\n\n\
             [[channel]]\nname = \"Signals\"\nemail = [\"signals@force.example\"]\nrestricted = true\nevents = [\"special_cause\"]\n\n\
             [[channel]]\nname = \"Board\"\nwebhook = \"http://127.0.0.1:{http}/hook\"\nformat = \"generic\"\nevents = [\"grade_change\"]\n"
        ),
    )
    .unwrap();
    std::fs::create_dir_all(p.join("commentary/2024-03")).unwrap();
    // A schedule that cannot write its pack (a file where its folder would be).
    std::fs::write(p.join("blocked"), "a file").unwrap();
    std::fs::write(
        p.join("dashboards/schedules.toml"),
        format!(
            "[[schedule]]\nname = \"Board\"\ncron = \"0 6 1 * *\"\nobjectives = [4]\nout = \"{}\"\npdf = false\n",
            p.join("blocked/inside").display()
        ),
    )
    .unwrap();
    let start = || async {
        let config = mos::web::ServeConfig {
            data: Some(p.join("extracts")),
            snapshots: Some(p.join("snapshots")),
            measures: root.join("measures"),
            dashboards: p.join("dashboards"),
            max_reject_share: None,
        };
        let options = mos::web::ServeOptions {
            commentary: Some(p.join("commentary")),
            ..Default::default()
        };
        mos::web::AppState::with_options(config, mos::web::auth::TokenStore::default(), options)
            .await
            .unwrap()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let state = start().await;
        // A special cause at a latest point is told at once, one email each.
        let signalled = state
            .snapshot()
            .evaluation
            .results
            .iter()
            .filter(|r| r.total().points.last().is_some_and(|p| p.signal.is_some()))
            .count();
        let to_signals = emails
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.contains("To: signals@force.example"))
            .count();
        assert!(
            signalled > 0,
            "the data has special causes at latest points"
        );
        assert_eq!(to_signals, signalled);
        // The grades, at first, are only recorded.
        emails.lock().unwrap().clear();
        // An analyst grades two measures otherwise: one restricted, one public.
        let other = |id: &str| {
            let now = state.snapshot().grades[id].grade;
            let grade = if now == mos::definition::commentary::Grade::Content {
                "requires_scrutiny"
            } else {
                "content"
            };
            format!("---\ngrade: {grade}\nreason: the board asked to follow it\n---\nNoted.\n")
        };
        for id in [
            "domestic_abuse_crimes",
            "victim_satisfaction_whole_experience",
        ] {
            std::fs::write(p.join(format!("commentary/2024-03/{id}.md")), other(id)).unwrap();
        }
        state.reload().await.unwrap();
        let sent = emails.lock().unwrap().clone();
        assert_eq!(sent.len(), 2, "both grade changes by email: {sent:?}");
        assert!(sent.iter().any(|m| m.contains("Domestic abuse crimes")));
        assert!(sent.iter().all(|m| m.contains("To: team@force.example")));
        let hooked = posts.lock().unwrap().clone();
        assert_eq!(
            hooked.len(),
            1,
            "only the public measure to the board: {hooked:?}"
        );
        let hook: serde_json::Value = serde_json::from_str(&hooked[0]).unwrap();
        assert_eq!(hook["event"], "grade_change");
        assert_eq!(hook["measure"], "victim_satisfaction_whole_experience");
        // The same evaluation again: nothing new.
        state.reload().await.unwrap();
        assert_eq!(emails.lock().unwrap().len(), 2);
        // A scheduled pack that fails: the team hears, the board (not asked) does not.
        assert!(state.run_schedule(&state.schedules[0]).await.is_err());
        let sent = emails.lock().unwrap().clone();
        assert_eq!(sent.len(), 3, "{sent:?}");
        assert!(
            sent[2].contains("The scheduled pack `Board` failed"),
            "{}",
            sent[2]
        );
        assert_eq!(posts.lock().unwrap().len(), 1);
    });
    // A restart: what was sent is remembered.
    runtime.block_on(async {
        let _state = start().await;
        assert_eq!(
            emails.lock().unwrap().len(),
            3,
            "not twice across a restart"
        );
        assert_eq!(posts.lock().unwrap().len(), 1);
    });
    assert!(p.join("snapshots/alerts.json").exists());
}

/// The README's alerts example is read as written.
#[test]
fn the_readme_alerts_example_is_read_as_written() {
    let block = common::readme_block("toml", "the alerts example", |b| b.contains("[[channel]]"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("alerts.toml"), block).unwrap();
    let channels = mos::web::alerts::load(dir.path()).unwrap();
    assert_eq!(channels.len(), 2);
    assert!(channels[0].restricted && !channels[1].restricted);
    assert_eq!(channels[1].format, mos::web::alerts::Format::Teams);
    // And the shipped file, all comments, sets none up.
    assert!(
        mos::web::alerts::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards"))
            .unwrap()
            .is_empty()
    );
}
