//! What several test files do alike: one evaluation as `mos run` makes it, on
//! a runtime of its own, from test code that is not async; and the `mos`
//! binary run in a folder. Each test file uses some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The repository's root, where the README and the shipped files are.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The README's fenced blocks of `language`, each as written up to its
/// closing fence (its last newline kept).
pub fn readme_blocks(language: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    readme
        .split(&format!("```{language}\n"))
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_string())
        .collect()
}

/// The first README block of `language` that `chosen` picks, as written;
/// `what` names it when there is none.
pub fn readme_block(language: &str, what: &str, chosen: impl Fn(&str) -> bool) -> String {
    readme_blocks(language)
        .into_iter()
        .find(|block| chosen(block))
        .unwrap_or_else(|| panic!("no README {language} block: {what}"))
}

/// A `mos serve` child process, ended when dropped (a failed test included).
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How many `*.toml` files are directly in `dir` (measures, sources).
pub fn toml_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count()
}

/// A local port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A results CSV (`mos run --out`), each row keyed by column.
pub fn results_csv(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.into(), v.into()))
                .collect()
        })
        .collect()
}

/// `mos ARGS` run in `dir` (a project's root).
pub fn mos_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `output`, which must be of a command that succeeded (else what it said).
pub fn ok(output: Output) -> Output {
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Evaluates `measures` over the extracts in `data`, keeping work in (and
/// going on from) `kept_work` when given.
pub fn evaluate(
    measures: &mos::definition::MeasureSet,
    data: &Path,
    kept_work: Option<&Path>,
) -> Result<(mos::pipeline::Evaluation, Vec<mos::ingest::Extract>), mos::pipeline::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(mos::pipeline::evaluate(
            measures,
            data,
            None,
            kept_work,
            &[],
            &|_| {},
        ))
}

/// The whole response to `GET path` with extra request headers, once the server answers.
pub fn http_get(port: u16, path: &str, headers: &str) -> Option<Vec<u8>> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    Some(response)
}
