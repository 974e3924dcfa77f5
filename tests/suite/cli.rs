//! The `mos` binary as an analyst uses it: real folders, real files, the
//! messages they read, and what is (not) written when something is wrong.

use crate::common;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn measures_copy(dir: &Path) -> PathBuf {
    let measures = dir.join("measures");
    std::fs::create_dir_all(&measures).unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("measures")).unwrap()
    {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, measures.join(path.file_name().unwrap())).unwrap();
        }
    }
    measures
}

fn small_data(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let out = mos(&[
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
    assert!(out.status.success(), "{}", stderr(&out));
    data
}

#[test]
fn the_shipped_measures_check_clean() {
    let out = mos(&["check", "--measures", "measures"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Every file of the folder, and the People's Priorities beside them.
    let files = |dir: &str| common::toml_files(&common::root().join(dir));
    let all = files("measures") + files("measures/priorities");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("{all} measures in measures are valid")),
        "{said}"
    );
}

#[test]
fn a_misspelt_column_is_shown_where_it_is_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let measures = measures_copy(dir.path());
    let file = measures.join("domestic_abuse_crimes.toml");
    let text = std::fs::read_to_string(&file).unwrap().replace(
        "filter = \"domestic_abuse\"",
        "filter = \"domestic_abuze AND cse\"",
    );
    std::fs::write(&file, &text).unwrap();
    let line = text.lines().position(|l| l.starts_with("filter")).unwrap() + 1;
    let out = mos(&["check", "--measures", measures.to_str().unwrap()]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("error: unknown column `domestic_abuze` in source `crimes`"),
        "{message}"
    );
    assert!(
        message.contains(&format!("domestic_abuse_crimes.toml:{line}:11")),
        "{message}"
    );
    assert!(
        message.contains("^^^^^^^^^^^^^^ did you mean `domestic_abuse`?"),
        "{message}"
    );
}

#[test]
fn every_error_of_every_file_is_reported_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let measures = measures_copy(dir.path());
    let edit = |name: &str, from: &str, to: &str| {
        let file = measures.join(name);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(from), "{name} has {from}");
        std::fs::write(&file, text.replace(from, to)).unwrap();
    };
    edit(
        "young_victims.toml",
        "spc = true",
        "spc = true\nwindow = \"rolling_12_months\"",
    );
    edit(
        "hate_incidents.toml",
        "kind = \"count\"",
        "kind = \"count\"\nfitler = \"is_crime\"",
    );
    edit("s136_detentions.toml", "objective = 4", "objective = 7");
    edit(
        "hate_crimes_by_financial_quarter.toml",
        "reason = \"new crime recording system flags hate crime automatically\"",
        "reason = \" \"",
    );
    edit(
        "domestic_abuse_crimes.toml",
        "spc = true",
        "spc = true\nspc_baseline = { from = \"2021-04\", to = \"2022-03\" }\n\
         spc_breaks = [{ month = \"2022-01\", reason = \"new system\" }]",
    );
    let out = mos(&["check", "--measures", measures.to_str().unwrap()]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("SPC cannot be used on a window of months"),
        "{message}"
    );
    assert!(message.contains("are not independent"), "{message}");
    assert!(
        message.contains("unknown field `fitler`") && message.contains("did you mean `filter`?"),
        "{message}"
    );
    assert!(
        message.contains("objective 7 is not in the Police and Crime Plan"),
        "{message}"
    );
    assert!(message.contains("a break needs a reason"), "{message}");
    assert!(
        message.contains("the SPC baseline 2021-04 to 2022-03 spans this break"),
        "{message}"
    );
    assert!(
        message.contains("5 errors in measure definitions"),
        "{message}"
    );
}

#[test]
fn run_writes_every_format_and_a_broken_input_never_replaces_good_results() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path());
    let measures = measures_copy(dir.path());
    let (data_arg, measures_arg) = (data.to_str().unwrap(), measures.to_str().unwrap());
    let csv = dir.path().join("results.csv");
    let out = mos(&[
        "run",
        "--data",
        data_arg,
        "--measures",
        measures_arg,
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let good = std::fs::read(&csv).unwrap();
    assert!(good.starts_with(b"measure_id,period_start,period_end,breakdown,group,numerator,denominator,value,ci_lower,ci_upper,suppressed,spc_mean,spc_lower,spc_upper,spc_signal\n"));
    for ext in ["json", "parquet"] {
        let path = dir.path().join(format!("results.{ext}"));
        let out = mos(&[
            "run",
            "--data",
            data_arg,
            "--measures",
            measures_arg,
            "--out",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("results.json")).unwrap()).unwrap();
    assert_eq!(
        json.as_array().unwrap().len(),
        String::from_utf8_lossy(&good).lines().count() - 1
    );

    // Corrupt 5% of the crimes: the extract is refused, and the results stay as they were.
    let crimes = data.join("crimes.csv");
    let text = std::fs::read_to_string(&crimes).unwrap();
    let broken: String = text
        .lines()
        .enumerate()
        .map(|(i, line)| if i > 0 && i % 20 == 0 { line.replacen(",20", ",19x", 1) } else { line.to_string() } + "\n")
        .collect();
    std::fs::write(&crimes, broken).unwrap();
    let out = mos(&[
        "run",
        "--data",
        data_arg,
        "--measures",
        measures_arg,
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("crimes.csv") && message.contains("more than the 1.00% allowed"),
        "{message}"
    );
    assert!(
        message.contains("the last good results stay live"),
        "{message}"
    );
    // The row is named by its place and rule; its value stays out of an
    // error that also reaches the server's log and banner.
    assert!(
        message.contains("column `recorded_date`: expected a date"),
        "{message}"
    );
    assert!(!message.contains("value `19x"), "{message}");
    assert_eq!(std::fs::read(&csv).unwrap(), good, "results unchanged");

    // With a looser bound the extract loads, and the rejects are written for the analyst.
    let out = mos(&[
        "run",
        "--data",
        data_arg,
        "--measures",
        measures_arg,
        "--out",
        csv.to_str().unwrap(),
        "--max-reject-share",
        "0.1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rejects = std::fs::read_to_string(dir.path().join("results.rejects.csv")).unwrap();
    assert!(rejects.starts_with("source,file,line,column,value,rule\n"));
    assert!(
        rejects
            .lines()
            .nth(1)
            .unwrap()
            .contains(",recorded_date,19x"),
        "{rejects}"
    );
}

#[test]
fn schema_describes_the_measure_files() {
    let out = mos(&["schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let properties = schema["properties"].as_object().unwrap();
    for field in [
        "id",
        "source",
        "kind",
        "filter",
        "numerator",
        "window",
        "breakdowns",
        "spc",
        "suppress_below",
        "repeat",
    ] {
        assert!(properties.contains_key(field), "{field}");
    }
}

#[test]
fn generate_is_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    for d in [&a, &b] {
        let out = mos(&[
            "generate",
            "--out",
            d.to_str().unwrap(),
            "--years",
            "1",
            "--scale",
            "0.05",
            "--seed",
            "11",
        ]);
        assert!(out.status.success());
    }
    for name in ["crimes.csv", "victim_contacts.csv", "hate_incidents.csv"] {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name}"
        );
    }
}

/// The demo a new user first sees is plausible: 999 and 101 calls in
/// proportion to the demo force's 894,000 people (ONS mid-2021), 999
/// answering that swings gently with the seasons rather than falling to 80%
/// every winter, and few months flagged by SPC. Counted here, row by row.
#[test]
fn the_demo_calls_are_those_of_a_county_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    assert!(
        mos(&["generate", "--out", out.to_str().unwrap()])
            .status
            .success()
    );
    let people = 145_700.0 + 87_700.0 + 102_500.0 + 180_800.0 + 215_700.0 + 162_000.0;
    let mut reader = csv::Reader::from_path(out.join("calls_for_service.csv")).unwrap();
    // Month → (999 calls, 999 answered, within 10 s, 101 calls).
    let mut months: std::collections::BTreeMap<String, [u64; 4]> = Default::default();
    for record in reader.records() {
        let r = record.unwrap();
        let slot = months.entry(r[1][..7].to_string()).or_default();
        let answered = &r[5] == "false";
        if &r[2] == "999" {
            slot[0] += 1;
            if answered {
                slot[1] += 1;
                slot[2] += u64::from(r[4].parse::<u64>().unwrap() <= 10);
            }
        } else {
            slot[3] += 1;
        }
    }
    assert_eq!(months.len(), 60);
    for (month, [calls_999, answered, within, calls_101]) in &months {
        // A county force's calls a month per 1,000 people: about 9 999 calls
        // and 12 101 calls (national volumes over England and Wales).
        let per_1000 = |n: u64| n as f64 / people * 1000.0;
        assert!(
            (7.0..11.0).contains(&per_1000(*calls_999)),
            "{month}: {calls_999}"
        );
        assert!(
            (9.0..14.0).contains(&per_1000(*calls_101)),
            "{month}: {calls_101}"
        );
        let share = *within as f64 / *answered as f64;
        assert!((0.85..0.96).contains(&share), "{month}: {share}");
    }
    // SPC flags few months of 999 answering: no square wave of winters.
    let results = dir.path().join("results.csv");
    let run = mos(&[
        "run",
        "--data",
        out.to_str().unwrap(),
        "--snapshots",
        dir.path().join("snapshots").to_str().unwrap(),
        "--out",
        results.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let rows = common::results_csv(&results);
    let flagged = rows
        .iter()
        .filter(|r| {
            r["measure_id"] == "calls_999_answered_within_10_seconds" && r["breakdown"].is_empty()
        })
        .filter(|r| !r["spc_signal"].is_empty())
        .count();
    assert!(flagged <= 15, "{flagged} of 60 months flagged");
}

#[test]
fn parquet_extracts_give_the_same_results_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for format in ["csv", "parquet"] {
        let data = dir.path().join(format);
        let out = mos(&[
            "generate",
            "--out",
            data.to_str().unwrap(),
            "--years",
            "2",
            "--scale",
            "0.05",
            "--seed",
            "4",
            "--format",
            format,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(data.join(format!("crimes.{format}")).is_file());
        let results = dir.path().join(format!("results-{format}.csv"));
        let out = mos(&[
            "run",
            "--data",
            data.to_str().unwrap(),
            "--out",
            results.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        outputs.push(std::fs::read(results).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);
}

fn copy_tests(measures: &Path) -> PathBuf {
    let tests = measures.join("tests");
    std::fs::create_dir_all(&tests).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("measures/tests");
    for entry in std::fs::read_dir(shipped).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, tests.join(path.file_name().unwrap())).unwrap();
    }
    tests
}

#[test]
fn the_shipped_measure_tests_pass() {
    let out = mos(&["test"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", stderr(&out));
    assert!(stdout.contains("0 failed"), "{stdout}");
    assert!(!stdout.contains("FAILED"), "{stdout}");
}

#[test]
fn a_definition_change_that_alters_a_figure_fails_its_measure_test() {
    let dir = tempfile::tempdir().unwrap();
    let measures = measures_copy(dir.path());
    let tests = copy_tests(&measures);
    let file = measures.join("domestic_abuse_repeat_referrals.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("within_days = 365"));
    std::fs::write(
        &file,
        text.replace("within_days = 365", "within_days = 364"),
    )
    .unwrap();
    let out = mos(&["test", "--measures", measures.to_str().unwrap()]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("FAILED") && stdout.contains("domestic_abuse_repeat_referrals.toml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("value 0.4 expected, got 0.2; numerator 2 expected, got 1"),
        "{stdout}"
    );
    // The message points at the expectation in the test file.
    let test_text =
        std::fs::read_to_string(tests.join("domestic_abuse_repeat_referrals.toml")).unwrap();
    let line = test_text.lines().position(|l| l == "[[expect]]").unwrap() + 1;
    assert!(
        stdout.contains(&format!("domestic_abuse_repeat_referrals.toml:{line}:1")),
        "{stdout}"
    );
    assert!(stdout.contains("4 passed, 1 failed"), "{stdout}");

    // A fixture row the contract refuses is named by its line in the test file.
    let file = tests.join("domestic_abuse_crimes.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("2024-12-31,cambridge", "2024-12-31,cambrige"),
    )
    .unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("2024-12-31,cambridge"))
        .unwrap()
        + 1;
    let out = mos(&["test", "--measures", measures.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("this fixture row is rejected: `district` = \"cambrige\"")
            && stdout.contains(&format!("domestic_abuse_crimes.toml:{line}:1")),
        "{stdout}"
    );
}

#[test]
fn token_hash_refuses_a_token_that_could_never_sign_in_and_serve_refuses_raw_tokens() {
    let refused = mos(&["token-hash", "analyst", "pässwörd-pässwörd-1"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("printable ASCII"),
        "{}",
        stderr(&refused)
    );
    let made = mos(&["token-hash", "analyst", "Good-Token_0123456789"]);
    assert!(made.status.success());
    assert!(String::from_utf8_lossy(&made.stdout).starts_with("analyst "));
    // A tokens file holding the token itself, not its hash, is an error naming the line.
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.txt");
    std::fs::write(&tokens, "Good-Token_0123456789\n").unwrap();
    let serve = mos(&[
        "serve",
        "--tokens",
        tokens.to_str().unwrap(),
        "--addr",
        "127.0.0.1:1",
    ]);
    assert!(!serve.status.success());
    let message = stderr(&serve);
    assert!(
        message.contains("tokens.txt:1: this looks like a token itself"),
        "{message}"
    );
}

/// `mos report --period` for a past month, as the issue that found it
/// panicking ran it: the pack of that month is written.
#[test]
fn report_for_a_past_period_writes_that_months_pack() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path());
    let out = dir.path().join("packs");
    let report = mos(&[
        "report",
        "--data",
        data.to_str().unwrap(),
        "--period",
        "2022-06",
        "--objective",
        "4",
        "--as-of",
        "2022-07-10",
        "--out",
        out.to_str().unwrap(),
        "--snapshots",
        dir.path().join("snapshots").to_str().unwrap(),
    ]);
    assert!(report.status.success(), "{}", stderr(&report));
    let html = std::fs::read_to_string(out.join("objective-4-2022-06/report.html")).unwrap();
    assert!(
        html.contains("Performance to June 2022"),
        "the pack of June 2022"
    );
}

/// `mos report ARGS --out OUT` on the demo data, without a Chromium (no PDF).
fn report(args: &[&str], out: &Path) -> Output {
    let snapshots = out.with_extension("snapshots");
    let mut all = vec!["report", "--out", out.to_str().unwrap()];
    all.extend(["--snapshots", snapshots.to_str().unwrap()]);
    all.extend(args);
    Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(&all)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", "/nonexistent")
        .env_remove("MOS_CHROMIUM")
        .output()
        .unwrap()
}

#[test]
fn packs_that_cannot_be_are_refused_and_a_past_month_is_as_of_then() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("packs");
    // The demo's data runs from April 2021 to March 2026.
    for (args, said) in [
        (
            vec!["--period", "2030-01", "--objective", "4"],
            "there are no figures for January 2030: the data runs from",
        ),
        (
            vec!["--objective", "9"],
            "the Plan has no objective 9: its objectives are 1, 2, 3, 4",
        ),
        (
            vec![
                "--period",
                "2025-12",
                "--as-of",
                "2025-12-20",
                "--objective",
                "4",
            ],
            "a pack to December 2025 cannot be produced on 2025-12-20",
        ),
    ] {
        let output = report(&args, &out);
        assert!(!output.status.success(), "{args:?} written");
        assert!(
            stderr(&output).contains(said),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!out.join("objective-4-2030-01").exists());
    }
    let output = report(
        &[
            "--period",
            "2025-12",
            "--as-of",
            "2026-01-10",
            "--objective",
            "4",
        ],
        &out,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let html = std::fs::read_to_string(out.join("objective-4-2025-12/report.html")).unwrap();
    assert!(
        html.contains("Data to 31 Dec 2025"),
        "the pack is as of its month"
    );
    assert!(!html.contains("Data to 31 Mar 2026"));
}

#[test]
fn an_unknown_results_format_is_refused_before_any_work() {
    // The missing data folder would be the error if the evaluation ran first.
    let output = mos(&[
        "run",
        "--data",
        "/nonexistent/extracts",
        "--out",
        "results.xlsx",
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output)
            .contains("cannot tell the format of results.xlsx: name it .csv, .json or .parquet"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn outside_a_project_mos_says_which_declarations_it_uses() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mos"))
        .arg("check")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("no project found in")
            && stderr(&output).contains(
                "using the built-in declarations of the demo force, Cambridgeshire Constabulary"
            ),
        "{}",
        stderr(&output)
    );
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("built-in measures are valid (there is no measures folder here)"),
        "{said}"
    );
    // In the project itself, no such note.
    let output = mos(&["check"]);
    assert!(
        !stderr(&output).contains("no project found"),
        "{}",
        stderr(&output)
    );
}

/// Each subcommand's help says what it takes and only that: `check` has no
/// snapshots to keep and reads the dashboards; `--data` is said per command.
#[test]
fn help_says_what_each_command_takes() {
    let help = |command: &str| {
        let out = mos(&[command, "--help"]);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let check = help("check");
    assert!(check.contains("--dashboards"), "{check}");
    assert!(!check.contains("--snapshots"), "{check}");
    assert!(!check.contains("--accept-smaller"), "{check}");
    assert!(
        check.contains("without it, only the declarations are checked"),
        "{check}"
    );
    for command in ["run", "serve", "report"] {
        let text = help(command);
        assert!(text.contains("--snapshots"), "{command}: {text}");
        assert!(text.contains("--accept-smaller"), "{command}: {text}");
        assert!(!text.contains("checks extracts"), "{command}: {text}");
    }
    assert!(help("serve").contains("--settle"));
    let generate = help("generate");
    assert!(!generate.contains("the six contract files"), "{generate}");
    assert!(
        generate.contains("a file for each declared source"),
        "{generate}"
    );
    // `check` refuses what it does not take.
    let refused = mos(&["check", "--snapshots", "elsewhere"]);
    assert!(!refused.status.success());
}

/// `check` reads the dashboards folder as `serve` does: a mistake in a
/// schedule is found before the service starts.
#[test]
fn check_reads_the_plan_schedules_and_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let dashboards = dir.path().join("dashboards");
    std::fs::create_dir_all(&dashboards).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("dashboards/plan.toml"),
        dashboards.join("plan.toml"),
    )
    .unwrap();
    let check = || mos(&["check", "--dashboards", dashboards.to_str().unwrap()]);
    let out = check();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 report schedules, 0 alert channels"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::fs::write(
        dashboards.join("schedules.toml"),
        "[[schedule]]\nname = \"Board\"\ncron = \"every month\"\nobjectives = [4]\nout = \"packs\"\n",
    )
    .unwrap();
    let out = check();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("schedule `Board`: `every month` is not a cron pattern"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(dashboards.join("schedules.toml")).unwrap();
    std::fs::write(
        dashboards.join("alerts.toml"),
        "[[channel]]\nname = \"Board\"\nevents = [\"special_cause\"]\n",
    )
    .unwrap();
    let out = check();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("channel `Board` has neither `email` nor `webhook`"),
        "{}",
        stderr(&out)
    );
    for (channel, said) in [
        (
            "events = [\"special_cause\"]\nwebhook = \"gopher://hooks.example.org/x\"",
            "the webhook is not an http(s) address",
        ),
        (
            "events = [\"special_cause\"]\nemail = [\"board at example.org\"]",
            "`board at example.org` is not an email address",
        ),
    ] {
        std::fs::write(
            dashboards.join("alerts.toml"),
            format!("[[channel]]\nname = \"Board\"\n{channel}\n"),
        )
        .unwrap();
        let out = check();
        assert!(!out.status.success(), "{channel} accepted");
        assert!(stderr(&out).contains(said), "{}", stderr(&out));
    }
    std::fs::write(
        dashboards.join("alerts.toml"),
        "[[channel]]\nname = \"Board\"\nevents = [\"special_cause\"]\nemail = [\"board@example.org\"]\nwebhook = \"https://hooks.example.org/x\"\n",
    )
    .unwrap();
    let out = check();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 alert channel"));
}

/// `check --data` checks every extract in the folder against its contract,
/// whether or not a measure counts it.
#[test]
fn check_with_data_checks_every_extract_present() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path());
    let measures = dir.path().join("measures");
    std::fs::create_dir_all(&measures).unwrap();
    // One measure, of crimes alone.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(
        root.join("measures/domestic_abuse_crimes.toml"),
        measures.join("domestic_abuse_crimes.toml"),
    )
    .unwrap();
    let check = || {
        mos(&[
            "check",
            "--measures",
            measures.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
    };
    let out = check();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("arrests: "), "{}", stderr(&out));
    // An extract no measure counts, broken: still found.
    std::fs::write(data.join("arrests.csv"), "what,is,this\n1,2,3\n").unwrap();
    let out = check();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("arrests.csv"), "{}", stderr(&out));
}

/// `--police-uk` names the folder's own problem, and a download of a file a
/// month is summarised, not listed.
#[test]
fn police_uk_folders_are_named_and_their_files_summarised() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let out = mos(&["check", "--police-uk", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("there is no such folder"),
        "{}",
        stderr(&out)
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = mos(&["check", "--police-uk", empty.to_str().unwrap()]);
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.contains("holds no police.uk street-level files"),
        "{said}"
    );
    assert!(!said.contains("no extract for"), "{said}");

    let out = mos(&[
        "generate",
        "--out",
        dir.path().join("family").to_str().unwrap(),
        "--years",
        "1",
        "--scale",
        "0.02",
        "--force-family",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("family/police_uk");
    let files = mos::ingest::police_uk::street_files(&folder);
    assert!(files.len() > 3);
    let out = mos(&[
        "run",
        "--police-uk",
        folder.to_str().unwrap(),
        "--snapshots",
        dir.path().join("snapshots").to_str().unwrap(),
        "--out",
        dir.path().join("results.csv").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(
        said.contains(&format!(
            "({} files, {} to {})",
            files.len(),
            files[0].display(),
            files.last().unwrap().display()
        )),
        "{said}"
    );
    assert_eq!(said.matches("-street.csv").count(), 2, "{said}");
}

/// Published packs are the project's: a pack written to a scratch folder is
/// not what the board saw, unless `--publish` says it is; each publication
/// records the measures its pack carried.
#[test]
fn only_packs_of_the_projects_folder_or_publish_are_recorded_as_published() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path());
    let published = dir.path().join("snapshots/published.json");
    let report = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "report",
            "--data",
            data.to_str().unwrap(),
            "--objective",
            "4",
            "--out",
            out,
        ];
        args.extend(extra);
        let output = Command::new(env!("CARGO_BIN_EXE_mos"))
            .args(&args)
            .current_dir(dir.path())
            .env("PATH", "/nonexistent")
            .env_remove("MOS_CHROMIUM")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let said = report("scratch", &[]);
    assert!(said.contains("not recorded as published"), "{said}");
    assert!(!published.exists(), "a scratch pack is not published");

    std::fs::create_dir_all(dir.path().join("packs")).unwrap();
    let said = report("packs", &[]);
    assert!(!said.contains("not recorded"), "{said}");
    let records: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&published).unwrap()).unwrap();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 1);
    let carried: Vec<&str> = records[0]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(carried.contains(&"domestic_abuse_crimes"), "{carried:?}");
    assert!(
        !carried.contains(&"calls_101_abandoned"),
        "Objective 4's pack does not carry another objective's measures: {carried:?}"
    );

    report("elsewhere", &["--publish", "--period", "2022-06"]);
    let records: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&published).unwrap()).unwrap();
    assert_eq!(records.as_array().unwrap().len(), 2, "--publish records it");
}

/// The README's token example, as written (but for starting the server):
/// it shows the token it makes, once, and the line it writes lets that
/// token in; a token of one's own is read from standard input.
#[test]
fn the_readme_token_example_shows_the_token_it_lets_in() {
    let block = readme_block_with("mos token-hash \"Jo Analyst\"");
    let script: String = block
        .lines()
        .filter(|l| !l.contains("cargo run"))
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mos"), bin.join("mos")).unwrap();
    let output = Command::new("sh")
        .args(["-euc", &script])
        .current_dir(dir.path())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let said = stderr(&output);
    let token = said
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_else(|| panic!("the token is shown: {said}"));
    assert!(said.contains("the token for Jo Analyst"), "{said}");
    assert_eq!(token.len(), 48, "{said}");
    let written = std::fs::read_to_string(dir.path().join("tokens.txt")).unwrap();
    assert!(!written.contains(token), "only its hash is kept");
    let tokens = mos::web::auth::TokenStore::read(&dir.path().join("tokens.txt")).unwrap();
    assert_eq!(
        tokens.check(token),
        mos::web::auth::Viewer::Analyst("Jo Analyst".into())
    );

    // A token of one's own, on standard input: nothing is shown.
    let mut child = Command::new(env!("CARGO_BIN_EXE_mos"))
        .args(["token-hash", "Sam Analyst"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Sams-own-token-0123456789\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!(
            "Sam Analyst {}",
            mos::web::auth::hash_token("Sams-own-token-0123456789")
        )
    );
}

fn readme_block_with(text: &str) -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    readme
        .split("```sh\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_string())
        .find(|block| block.contains(text))
        .unwrap_or_else(|| panic!("no README sh block with {text}"))
}

/// A `file` in `sources.toml` names a file in the data folder, never one
/// outside it: `../../etc/passwd` is refused at its line, and nothing is read.
#[test]
fn a_sources_file_outside_the_data_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path());
    for file in ["../../etc/passwd", "/etc/passwd"] {
        std::fs::write(
            data.join("sources.toml"),
            format!("max_reject_share = 0.02\n[crimes]\nfile = \"{file}\"\n"),
        )
        .unwrap();
        let out = mos(&["check", "--data", data.to_str().unwrap()]);
        assert!(!out.status.success(), "{file} accepted");
        let said = stderr(&out);
        assert!(said.contains("is outside the data folder"), "{said}");
        assert!(said.contains("sources.toml:2:"), "{said}");
        assert!(!said.contains("root:"), "nothing of it is read: {said}");
    }
    // A file in a folder of the data folder is fine.
    std::fs::create_dir_all(data.join("exports")).unwrap();
    std::fs::rename(data.join("crimes.csv"), data.join("exports/crimes.csv")).unwrap();
    std::fs::write(
        data.join("sources.toml"),
        "[crimes]\nfile = \"exports/crimes.csv\"\n",
    )
    .unwrap();
    let results = dir.path().join("results.csv");
    let out = mos(&[
        "run",
        "--data",
        data.to_str().unwrap(),
        "--snapshots",
        dir.path().join("snapshots").to_str().unwrap(),
        "--out",
        results.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("exports/crimes.csv"),
        "{}",
        stderr(&out)
    );
}

/// The README's public pack, as written: with the Plan's `[marking]` block
/// as the README gives it, `mos report ... --public` writes the public
/// version, marked OFFICIAL, with no restricted measure in it; the full pack
/// is marked with the Plan's own words.
#[test]
fn the_readme_public_pack_is_written_as_the_readme_says() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mos"))
            .args(args)
            .current_dir(p)
            .env("PATH", "/nonexistent")
            .env_remove("MOS_CHROMIUM")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    run(&[
        "generate", "--out", "extracts", "--years", "2", "--scale", "0.1",
    ]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let plan = std::fs::read_to_string(root.join("dashboards/plan.toml")).unwrap();
    let marking = common::readme_block("toml", "the marking example", |b| b.contains("[marking]"));
    let start = plan
        .find("[marking]")
        .expect("the shipped plan has a [marking]");
    let end = plan[start..].find("\n\n").map_or(plan.len(), |e| start + e);
    std::fs::create_dir_all(p.join("dashboards")).unwrap();
    let with = |words: &str| format!("{}{}{}", &plan[..start], words, &plan[end..]);
    std::fs::write(p.join("dashboards/plan.toml"), with(marking.trim_end())).unwrap();
    let command = readme_block_with("--public");
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[..2], ["mos", "report"]);
    run(&words[1..]);
    let packs: Vec<_> = std::fs::read_dir(p.join("packs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(packs.len(), 1, "{packs:?}");
    assert!(packs[0].to_string_lossy().ends_with("-public"), "{packs:?}");
    let html = std::fs::read_to_string(packs[0].join("report.html")).unwrap();
    assert!(html.contains("OFFICIAL") && !html.contains("SENSITIVE"));
    for restricted in [
        "Domestic abuse",
        "domestic_abuse",
        "cse_crimes",
        "Child sexual exploitation",
    ] {
        assert!(
            !html.contains(restricted),
            "{restricted} in the public pack"
        );
    }
    // The Plan's own words for a restricted pack.
    let own = marking.replace("\"OFFICIAL-SENSITIVE\"", "\"OFFICIAL-SENSITIVE PERSONAL\"");
    std::fs::write(p.join("dashboards/plan.toml"), with(own.trim_end())).unwrap();
    run(&[
        "report",
        "--data",
        "extracts",
        "--objective",
        "4",
        "--out",
        "full",
    ]);
    let pack = std::fs::read_dir(p.join("full"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let html = std::fs::read_to_string(pack.join("report.html")).unwrap();
    assert!(
        html.contains("OFFICIAL-SENSITIVE PERSONAL"),
        "the Plan's marking"
    );
}
