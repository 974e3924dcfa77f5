//! `mos`: the command line. Parses arguments, calls the library, prints errors.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use mos::demo::{DemoOptions, Format};
use mos::period::Month;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mos",
    version,
    about = "Measures of Success: a Police and Crime Plan's performance framework, read with statistics"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write realistic demo extracts (a file for each declared source), the same for the same seed.
    Generate {
        /// Folder to write into.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = DemoOptions::default().seed)]
        seed: u64,
        /// Years of data, from April 2021.
        #[arg(long, default_value_t = DemoOptions::default().years)]
        years: u32,
        /// Volume multiplier: 1 is a typical force's rate, about 67 crimes a year per
        /// 1,000 people of its districts (60,000 for the demo force), 100 national.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Also write a family of forces for peer comparison into OUT/police_uk
        /// (police.uk files of the home force and six peers, their populations,
        /// and peer_groups.toml): serve it with `--police-uk OUT/police_uk`.
        #[arg(long)]
        force_family: bool,
    },
    /// Start a project for a force: its declarations (data/), measures and
    /// dashboards, which `mos check` accepts and `mos serve` shows on demo data.
    Init {
        /// The folder to write the project into (created if missing).
        dir: PathBuf,
        /// The force's name, as police.uk's "Falls within" spells it.
        #[arg(long)]
        force: String,
        /// The area named on every page (default: the force's name).
        #[arg(long)]
        area: Option<String>,
        /// A district's name (repeat for each); edit data/force.toml later for more.
        #[arg(long = "district")]
        districts: Vec<String>,
    },
    /// Check every measure definition, the dashboards (plan, schedules, alerts)
    /// and, with --data, that every extract there meets its contract.
    #[command(mut_arg("data", |a| a.help(
        "Folder of extracts to check against their contracts (without it, only the declarations are checked)"
    )))]
    Check {
        #[command(flatten)]
        inputs: Inputs,
        /// Folder of dashboard layout (plan.toml), report schedules
        /// (schedules.toml) and alert channels (alerts.toml).
        #[arg(long, default_value = "dashboards")]
        dashboards: PathBuf,
        /// Also evaluate the measures (on --data, or the demo data) and report
        /// the disclosure audit: which figures were withheld beyond each
        /// measure's own suppression, and what publishing them would give away.
        #[arg(long)]
        disclosure: bool,
    },
    /// Check every measure test in MEASURES/tests: expected figures on small fixture extracts.
    Test {
        /// Folder of measure definitions; its `tests` folder holds the tests.
        #[arg(long, default_value = "measures")]
        measures: PathBuf,
    },
    /// Evaluate every measure and write the results (.csv, .json or .parquet).
    Run {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        keeping: Keeping,
        /// Results file; its extension picks the format.
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve the dashboard on the evaluated results (re-evaluated when files change).
    Serve {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        keeping: Keeping,
        /// Folder of dashboard layout (plan.toml) and report schedules (schedules.toml).
        #[arg(long, default_value = "dashboards")]
        dashboards: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// File of analysts' token hashes, one `name sha256hex` per line (see `mos token-hash`).
        /// Without it no one can see restricted measures.
        #[arg(long)]
        tokens: Option<PathBuf>,
        /// Seconds the extracts (and declarations) must stay unchanged before a
        /// change is evaluated, so that an export copied in with pauses is never
        /// read half done.
        #[arg(long, default_value_t = 120)]
        settle: u64,
    },
    /// Write a board pack per objective: HTML and PDF report, CSV of its figures, manifest.
    Report {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        keeping: Keeping,
        /// Folder of dashboard layout (plan.toml).
        #[arg(long, default_value = "dashboards")]
        dashboards: PathBuf,
        /// Objectives to report on (repeat for several); all with measures by default.
        #[arg(long = "objective")]
        objectives: Vec<u8>,
        /// The month reported to, YYYY-MM (default: the latest month in the data).
        #[arg(long, value_parser = parse_month)]
        period: Option<Month>,
        /// Production date printed on the pack, YYYY-MM-DD (default today): the
        /// same inputs and date give byte-identical HTML and CSV.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Folder the packs are written into.
        #[arg(long)]
        out: PathBuf,
        /// Record the packs as published (what the board saw, set beside later
        /// figures): without it, only packs written to the project's `packs`
        /// folder or a schedule's folder are.
        #[arg(long)]
        publish: bool,
        /// Write the public version of each pack: public measures only (nothing
        /// of a restricted measure anywhere in it), marked as public, in
        /// `objective-N-YYYY-MM-public`.
        #[arg(long)]
        public: bool,
        /// The language of the packs, `en` or `cy` (Cymraeg): a Welsh pack is
        /// written to `objective-N-YYYY-MM-cy`. By default, each language
        /// `data/force.toml` lists (`languages = ["cy", "en"]` for both).
        #[arg(long)]
        language: Option<mos::common::language::Language>,
    },
    /// Write the public dashboard as a static site for the office's website:
    /// its pages, charts, embeds and open data (public measures only), with
    /// relative links and no script needed, and a manifest of every file.
    Publish {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        keeping: Keeping,
        /// Folder of dashboard layout (plan.toml).
        #[arg(long, default_value = "dashboards")]
        dashboards: PathBuf,
        /// Folder the site is written into: staged beside it and swapped in whole.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the line to put in a tokens file for an analyst's access token.
    /// The token is read from standard input (so that it is never in `ps` or
    /// a shell's history) or, where none is given, made here and shown once.
    TokenHash {
        /// Who the token is for (shown when they sign in).
        name: String,
        /// The token itself, a long random secret (better given on standard input).
        token: Option<String>,
    },
    /// Write the office's record (declarations, commentary, snapshots with the
    /// packs published, the packs, the tokens file and the installation's key)
    /// as one archive, run in the project's folder. Kept work, the demo and the
    /// extracts are left out: the next run rebuilds the first two, and the
    /// force's systems hold the extracts.
    Backup {
        #[command(flatten)]
        record: Record,
        /// The archive to write (a zip, readable by you alone).
        #[arg(long)]
        out: PathBuf,
    },
    /// Put back the record `mos backup` wrote, in the project's folder: every
    /// file is checked against the archive's list first, and none that differs
    /// is written over unless --overwrite says so.
    Restore {
        /// The archive `mos backup` wrote.
        archive: PathBuf,
        #[command(flatten)]
        record: Record,
        /// Put the backup's copy in place of a file that differs from it.
        #[arg(long)]
        overwrite: bool,
    },
    /// Print the JSON Schema of measure definition files (or of source or force
    /// declarations), for editors.
    Schema {
        /// Which files: `measure` (measures/*.toml), `source` (data/sources/*.toml)
        /// or `force` (data/force.toml).
        #[arg(long = "for", value_enum, default_value_t = SchemaFor::Measure)]
        of: SchemaFor,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SchemaFor {
    Measure,
    Source,
    Force,
}

/// Where the measures and extracts come from: the same for every command.
#[derive(clap::Args)]
struct Inputs {
    /// Folder of extracts (default: the embedded demo data).
    #[arg(long)]
    data: Option<PathBuf>,
    /// A folder of police.uk street-level files: the police.uk measures on them
    /// (the same as `--data DIR --measures measures/police_uk`).
    #[arg(long, conflicts_with = "data")]
    police_uk: Option<PathBuf>,
    /// Folder of measure definitions.
    #[arg(long, default_value = "measures")]
    measures: PathBuf,
    /// Largest share of an extract's rows that may be rejected (default 0.01, or sources.toml).
    #[arg(long)]
    max_reject_share: Option<f64>,
    /// Folder of the analysts' commentary, `<YYYY-MM>/<measure id>.md`
    /// (default: `commentary/` in the project's root).
    #[arg(long)]
    commentary: Option<PathBuf>,
}

/// Where the office's record is kept, as `serve` is given it.
#[derive(clap::Args)]
struct Record {
    /// Folder of snapshots (with the record of packs published, and the
    /// installation's key in `.kept-work/`).
    #[arg(long, default_value = "snapshots")]
    snapshots: PathBuf,
    /// Folder of the analysts' commentary.
    #[arg(long, default_value = "commentary")]
    commentary: PathBuf,
    /// Folder of dashboard layout and report schedules (whose folders hold packs).
    #[arg(long, default_value = "dashboards")]
    dashboards: PathBuf,
    /// Folder of measure definitions.
    #[arg(long, default_value = "measures")]
    measures: PathBuf,
    /// The extracts' folder: its settings (sources.toml, peer_groups.toml) are
    /// kept, never its extracts.
    #[arg(long)]
    data: Option<PathBuf>,
    /// The tokens file (`serve --tokens`).
    #[arg(long)]
    tokens: Option<PathBuf>,
}

impl Record {
    /// The places, with the folders packs are published to: `packs/` and each
    /// schedule's, where they are in the project.
    fn places(&self) -> Result<mos::operations::backup::Places> {
        let mut packs = vec![PathBuf::from("packs")];
        if self.dashboards.join("schedules.toml").is_file() {
            for schedule in mos::report::schedule::load(&self.dashboards)? {
                let out = schedule.spec.out;
                if out.is_relative() {
                    packs.push(out);
                } else {
                    eprintln!(
                        "warning: the packs in {} are outside the project: back that folder up too",
                        out.display()
                    );
                }
            }
        }
        Ok(mos::operations::backup::Places {
            project: PathBuf::from("."),
            measures: self.measures.clone(),
            dashboards: self.dashboards.clone(),
            snapshots: self.snapshots.clone(),
            commentary: self.commentary.clone(),
            packs,
            data: self.data.clone(),
            tokens: self.tokens.clone(),
        })
    }
}

/// What an evaluation keeps for the next: its snapshot and its work.
#[derive(clap::Args)]
struct Keeping {
    /// Folder where every evaluation is kept as a snapshot (extract and definition
    /// hashes, results), for "as published" figures and freshness.
    #[arg(long, default_value = "snapshots")]
    snapshots: PathBuf,
    /// Accept this source's extract though it has lost rows or months since
    /// the last snapshot (held back otherwise, as cut short); repeat for more.
    #[arg(long, value_name = "SOURCE")]
    accept_smaller: Vec<String>,
}

impl Inputs {
    /// `--police-uk DIR` is `--data DIR` with the police.uk measure set (unless
    /// another measures folder is named).
    fn resolved(self) -> Inputs {
        match self.police_uk {
            Some(dir) => Inputs {
                data: Some(dir),
                police_uk: None,
                measures: if self.measures == Path::new("measures") {
                    self.measures.join("police_uk")
                } else {
                    self.measures
                },
                ..self
            },
            None => self,
        }
    }

    /// The measures, with the commentary of `--commentary` where given.
    fn measure_set(&self) -> Result<mos::definition::MeasureSet> {
        Ok(match &self.commentary {
            Some(dir) => mos::pipeline::load_definitions(&self.measures)?.with_commentary(dir)?,
            None => mos::pipeline::load_measures(&self.measures)?,
        })
    }

    /// The extracts' folder: `--data`, or demo data made for this run (the
    /// folder lives as long as the guard returned with it).
    fn data_folder(
        &self,
        set: &mos::definition::MeasureSet,
    ) -> Result<(Option<tempfile::TempDir>, PathBuf)> {
        Ok(match &self.data {
            Some(dir) => (None, dir.clone()),
            None => {
                let demo = tokio::task::block_in_place(|| {
                    mos::pipeline::demo_data(&set.catalog.declarations())
                })?;
                let dir = demo.path().to_path_buf();
                (Some(demo), dir)
            }
        })
    }

    /// Loads the measures and evaluates them on the given extracts, or on demo data made for this run.
    async fn evaluate(
        &self,
        keeping: &Keeping,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<(
        mos::definition::MeasureSet,
        mos::Evaluation,
        Vec<mos::ingest::Extract>,
    )> {
        let set = self.measure_set()?;
        let (_demo, data_dir) = self.data_folder(&set)?;
        let (mut evaluation, extracts) = {
            // Demo data is made afresh for each run: there is no work worth keeping.
            let kept_work = self
                .data
                .as_ref()
                .map(|_| mos::history::History::kept_work_dir(&keeping.snapshots));
            let printed = mos::history::History::new(&keeping.snapshots).printed()?;
            mos::pipeline::evaluate(
                &set,
                &data_dir,
                self.max_reject_share,
                kept_work.as_deref(),
                &printed,
                progress,
            )
            .await
            .map_err(nothing_written)?
        };
        for e in &extracts {
            report_extract(e);
        }
        for warning in &evaluation.warnings {
            eprintln!("warning: {warning}");
        }
        let withheld: usize = evaluation.results.iter().map(|r| r.withheld.len()).sum();
        if withheld > 0 {
            eprintln!(
                "disclosure audit: {withheld} more figure{} withheld, so that no withheld figure can be worked out, or narrowed to fewer values than its threshold, from what is published (see mos check --disclosure)",
                if withheld == 1 { "" } else { "s" }
            );
        }
        if evaluation.from_kept_work {
            match evaluation.rows_appended {
                0 => eprintln!(
                    "nothing was appended to the extracts since the last evaluation: its counts were used as they were"
                ),
                n => eprintln!(
                    "only the {n} rows appended since the last evaluation were read, and added to its counts"
                ),
            }
        }
        let history = mos::history::History::new(&keeping.snapshots);
        // An extract cut short is held back before anything is written.
        history
            .check_not_shrunk(&evaluation, &keeping.accept_smaller)
            .map_err(nothing_written)?;
        // Keeping the snapshot must not stand in the way of the results themselves.
        match evaluation.record_in(&history) {
            Ok(()) => {
                if let Some(snapshot) = &evaluation.snapshot {
                    eprintln!(
                        "results kept as snapshot {} in {}",
                        snapshot.id,
                        keeping.snapshots.display()
                    );
                }
            }
            Err(e) => eprintln!("warning: {e}; the results are not kept as a snapshot"),
        }
        Ok((set, evaluation, extracts))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Not for the commands that talk to a browser or a printing Chromium,
    // where a closed pipe is an error to handle, not a reason to stop.
    if !matches!(cli.command, Command::Serve { .. } | Command::Report { .. }) {
        quiet_on_a_closed_pipe();
    }
    start_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Library errors already read as sentences with file and position, and
            // most name their cause: add only the causes not already said.
            let mut message = error.to_string();
            for cause in error.chain().skip(1) {
                let cause = cause.to_string();
                if !message.contains(&cause) {
                    message = format!("{message}: {cause}");
                }
            }
            eprintln!("{}", message.trim_end());
            ExitCode::FAILURE
        }
    }
}

/// An evaluation refused before anything was written: what was there stays.
fn nothing_written(error: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{error}; nothing was written, and the last good results stay live")
}

/// Says, where the working folder is not a project, which declarations are
/// in use: an analyst in the wrong folder must not be handed another force's
/// sources and measures in silence.
fn say_if_no_project(measures: &Path, serving: bool) {
    if Path::new(mos::ingest::declared::FORCE_FILE).exists() {
        return;
    }
    let here = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| ".".into());
    let force = mos::ingest::Declarations::load(Path::new("."))
        .map(|d| d.force.name.clone())
        .unwrap_or_default();
    let measures = if measures.exists() {
        format!("the measures in {}", measures.display())
    } else {
        "the built-in measures".to_string()
    };
    let said = format!(
        "no project found in {here} (no {}): using the built-in declarations of the demo force, {force}, and {measures}. Run mos in a project's folder, or start one with mos init",
        mos::ingest::declared::FORCE_FILE
    );
    if serving {
        // A service is read in its log, among many lines: said as a warning,
        // in the log's own format too.
        eprintln!("WARNING: the dashboard is not serving a force's project: {said}");
        tracing::warn!("{said}");
    } else {
        eprintln!("note: {said}");
    }
}

/// `--police-uk DIR` must name a folder that holds police.uk's street-level
/// files; else the analyst would read of sources missing, not of the folder.
fn check_police_uk_folder(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        bail!(
            "--police-uk {}: there is no such folder; name the folder you downloaded from data.police.uk/data",
            dir.display()
        );
    }
    if mos::ingest::police_uk::street_files(dir).is_empty() {
        bail!(
            "--police-uk {}: the folder holds no police.uk street-level files (`*-street.csv`, in it or in its YYYY-MM folders); download them from data.police.uk/data",
            dir.display()
        );
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Check { inputs, .. }
        | Command::Run { inputs, .. }
        | Command::Serve { inputs, .. }
        | Command::Report { inputs, .. }
        | Command::Publish { inputs, .. } => {
            if let Some(dir) = &inputs.police_uk {
                check_police_uk_folder(dir)?;
            }
        }
        _ => {}
    }
    match &cli.command {
        Command::Check { inputs, .. }
        | Command::Run { inputs, .. }
        | Command::Serve { inputs, .. }
        | Command::Report { inputs, .. }
        | Command::Publish { inputs, .. }
            if inputs.police_uk.is_none() =>
        {
            say_if_no_project(
                &inputs.measures,
                matches!(cli.command, Command::Serve { .. }),
            )
        }
        _ => {}
    }
    match cli.command {
        Command::Generate {
            out,
            seed,
            years,
            scale,
            format,
            force_family,
        } => {
            if years == 0 || scale.is_nan() || scale <= 0.0 {
                bail!("--years must be at least 1 and --scale above 0");
            }
            let declarations = mos::ingest::Declarations::load(Path::new("."))?;
            let options = DemoOptions {
                seed,
                years,
                scale,
                format,
                first_month: Month::new(2021, 4),
                ..DemoOptions::for_project(&declarations)
            };
            let files = tokio::task::block_in_place(|| mos::demo::generate(&out, &options))?;
            for file in files {
                println!("wrote {}", file.display());
            }
            if force_family {
                let dir = out.join("police_uk");
                let files =
                    tokio::task::block_in_place(|| mos::demo::forces::generate(&dir, &options))?;
                println!(
                    "wrote {} police.uk-format files of {} forces to {} (serve them with --police-uk {})",
                    files.len(),
                    mos::demo::forces::FORCES.len(),
                    dir.display(),
                    dir.display()
                );
            }
            Ok(())
        }
        Command::Init {
            dir,
            force,
            area,
            districts,
        } => {
            let project = mos::project::NewProject {
                force,
                area,
                districts,
            };
            let files = mos::project::init(&dir, &project)?;
            println!(
                "wrote {} files of a project for {} in {}",
                files.len(),
                project.force,
                dir.display()
            );
            if project.districts.is_empty() {
                println!(
                    "its districts are placeholders: list the force's own in {}",
                    dir.join(mos::ingest::declared::FORCE_FILE).display()
                );
            }
            println!(
                "next: cd {} && mos check && mos serve (on demo data for its districts)",
                dir.display()
            );
            Ok(())
        }
        Command::Check {
            inputs,
            dashboards,
            disclosure,
        } => {
            let inputs = inputs.resolved();
            let set = inputs.measure_set()?;
            if inputs.measures.exists() {
                println!(
                    "{} measures in {} are valid",
                    set.measures.len(),
                    inputs.measures.display()
                );
            } else {
                println!(
                    "{} built-in measures are valid (there is no {} folder here)",
                    set.measures.len(),
                    inputs.measures.display()
                );
            }
            if let Some(data) = &inputs.data {
                // Every extract there is checked, whether or not a measure uses
                // it; as in `run`, a source with no extract leaves its measures out.
                let known = set.catalog.contracts();
                let used = set.contracts();
                let (contracts, absent): (Vec<_>, Vec<_>) = known
                    .iter()
                    .copied()
                    .partition(|c| mos::ingest::extract_present(data, c, known));
                for c in absent
                    .iter()
                    .filter(|c| used.iter().any(|u| u.name == c.name))
                {
                    eprintln!(
                        "warning: no extract for `{}` in {}: its measures are left out",
                        c.name,
                        data.display()
                    );
                }
                let extracts = tokio::task::block_in_place(|| {
                    mos::ingest::load_extracts(
                        data,
                        &contracts,
                        set.catalog.contracts(),
                        inputs.max_reject_share,
                    )
                })?;
                for e in &extracts {
                    report_extract(e);
                }
                check_against_data_span(&set, &extracts)?;
            }
            check_dashboards(&dashboards, &set)?;
            if disclosure {
                report_disclosure(&inputs, &set).await?;
            }
            check_welsh(&dashboards, &set)
        }
        Command::Test { measures } => {
            let set = mos::pipeline::load_measures(&measures)?;
            let tests = measures.join("tests");
            let outcomes = mos::fixture::run_all(&tests, &set).await?;
            if outcomes.is_empty() {
                bail!(
                    "no measure tests in {}: write one (see the README)",
                    tests.display()
                );
            }
            let mut failed = 0;
            let mut checked = 0;
            for outcome in &outcomes {
                checked += outcome.checked;
                let name = outcome.path.display();
                if outcome.failures.is_empty() {
                    println!("ok     {name} ({}: {})", outcome.measure, outcome.about);
                } else {
                    failed += 1;
                    println!("FAILED {name} ({})", outcome.measure);
                    for failure in &outcome.failures {
                        println!("{failure}");
                    }
                }
            }
            println!(
                "{} measure tests, {checked} expected figures: {} passed, {failed} failed",
                outcomes.len(),
                outcomes.len() - failed
            );
            if failed > 0 {
                bail!("{failed} measure test(s) failed");
            }
            Ok(())
        }
        Command::Run {
            inputs,
            keeping,
            out,
        } => {
            // A results file no format fits is refused before any work.
            mos::results::format_of(&out)?;
            let progress = Progress::new();
            let evaluated = inputs
                .resolved()
                .evaluate(&keeping, &|s| progress.step(s))
                .await;
            progress.finish();
            let (_, evaluation, extracts) = evaluated?;
            let rows = mos::results::rows(&evaluation.results);
            mos::results::write(&out, &rows, Some(evaluation.results_csv()))?;
            let rejected: usize = extracts.iter().map(|e| e.rejects.len()).sum();
            if rejected > 0 {
                let path = rejects_path(&out);
                mos::ingest::write_rejects(&path, &extracts)
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!(
                    "{rejected} rejected rows, with their reasons, are in {}",
                    path.display()
                );
            }
            println!(
                "wrote {} rows for {} measures to {}",
                rows.len(),
                evaluation.results.len(),
                out.display()
            );
            Ok(())
        }
        Command::Serve {
            inputs,
            keeping,
            dashboards,
            addr,
            tokens,
            settle,
        } => {
            let inputs = inputs.resolved();
            let tokens = match tokens {
                Some(path) => mos::web::auth::TokenStore::read(&path)?,
                // The demo data is synthetic: a token for this run lets a new user see
                // every measure. Real data stays closed without a tokens file.
                None if inputs.data.is_none() => {
                    let token = one_off_token();
                    eprintln!(
                        "demo data: to see the restricted measures, sign in at http://{addr}/login with the token {token}"
                    );
                    mos::web::auth::TokenStore::from_hashes(vec![(
                        "demo analyst".into(),
                        mos::web::auth::hash_token(&token),
                    )])
                }
                None => {
                    eprintln!("no --tokens file: restricted measures are hidden from everyone");
                    mos::web::auth::TokenStore::default()
                }
            };
            let (config, options) = dashboard_of(
                inputs,
                keeping,
                dashboards,
                std::time::Duration::from_secs(settle),
            );
            let state = mos::web::AppState::with_options(config, tokens, options)
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{e}; mos serve has no good results to show, so it does not start: mend this and start it again"
                    )
                })?;
            mos::web::serve(state, addr)
                .await
                .with_context(|| format!("serving on {addr}"))?;
            Ok(())
        }
        Command::Report {
            inputs,
            keeping,
            dashboards,
            objectives,
            period,
            as_of,
            out,
            publish,
            public,
            language,
        } => {
            let inputs = inputs.resolved();
            let (set, evaluation, _) = inputs.evaluate(&keeping, &|_| {}).await?;
            let languages = match language {
                Some(language) => vec![language],
                None => set.catalog.force().languages.clone(),
            };
            let plan = mos::dashboards::load_plan(&dashboards, &set)?;
            let pdf_with = mos::report::pdf::chromium();
            if pdf_with.is_none() {
                eprintln!(
                    "no Chromium found (apt-get install chromium, or set MOS_CHROMIUM): packs are written without a PDF"
                );
            }
            let options = mos::report::PackOptions {
                objectives,
                period,
                as_of,
                pdf_with,
                pdf_timeout: None,
                public,
                language: Default::default(),
            };
            let mut packs = Vec::new();
            for language in languages {
                let options = mos::report::PackOptions {
                    language,
                    ..options.clone()
                };
                packs.extend(tokio::task::block_in_place(|| {
                    mos::report::write_packs(&evaluation, &plan, &out, &options)
                })?);
            }
            let published = publish || is_publishing_folder(&out, &dashboards);
            let history = mos::history::History::new(&keeping.snapshots);
            for pack in &packs {
                if published {
                    mos::report::record_publication(&history, &evaluation, pack, options.as_of)?;
                }
                println!("wrote {}", pack.display());
            }
            if !published && !packs.is_empty() {
                println!(
                    "not recorded as published: {} is neither the project's packs folder nor a schedule's (add --publish to record them)",
                    out.display()
                );
            }
            Ok(())
        }
        Command::Publish {
            inputs,
            keeping,
            dashboards,
            out,
        } => {
            let inputs = inputs.resolved();
            let (config, options) =
                dashboard_of(inputs, keeping, dashboards, std::time::Duration::ZERO);
            // No tokens: the site is the public's.
            let state = mos::web::AppState::with_options(
                config,
                mos::web::auth::TokenStore::default(),
                options,
            )
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "{e}; nothing was published, and the site already there stays as it was"
                )
            })?;
            let manifest = mos::web::publish::publish(state, &out).await?;
            println!(
                "published the public site to {}: {} files{}, listed with their SHA-256 in {}",
                out.display(),
                manifest.files.len(),
                manifest
                    .snapshot
                    .as_deref()
                    .map_or(String::new(), |s| format!(" from snapshot {s}")),
                out.join(mos::web::publish::MANIFEST).display()
            );
            Ok(())
        }
        Command::TokenHash { name, token } => {
            let given = match token {
                Some(token) => Some(token),
                None if !std::io::stdin().is_terminal() => {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                        .context("reading the token from standard input")?;
                    Some(text.trim().to_string()).filter(|t| !t.is_empty())
                }
                None => None,
            };
            let token = match given {
                Some(token) => token,
                None => {
                    let token = one_off_token();
                    eprintln!(
                        "the token for {name} (give it to them safely; it is not kept, and not shown again): {token}"
                    );
                    token
                }
            };
            if let Err(problem) = mos::web::auth::check_token_text(&token) {
                bail!(problem);
            }
            println!("{name} {}", mos::web::auth::hash_token(&token));
            Ok(())
        }
        Command::Backup { record, out } => {
            let manifest = mos::operations::backup::write(&record.places()?, &out)?;
            let parts = |prefix: &str| {
                manifest
                    .files
                    .iter()
                    .filter(|f| f.name.starts_with(prefix))
                    .count()
            };
            println!(
                "backed up {} files to {} (readable by you alone): {} of the project's declarations and packs, {} of snapshots, {} of commentary{}{}",
                manifest.files.len(),
                out.display(),
                parts("project/") + parts("measures/") + parts("dashboards/"),
                parts("snapshots/"),
                parts("commentary/"),
                if parts("settings/") > 0 {
                    ", the extracts' settings"
                } else {
                    ""
                },
                if parts("tokens") > 0 {
                    ", the tokens file"
                } else {
                    ""
                },
            );
            if record.tokens.is_none() {
                eprintln!("note: no --tokens file given: the backup holds no tokens");
            }
            Ok(())
        }
        Command::Restore {
            archive,
            record,
            overwrite,
        } => {
            let written = mos::operations::backup::restore(&archive, &record.places()?, overwrite)?;
            println!(
                "restored {} files from {} (those already there and the same were left as they were)",
                written.len(),
                archive.display()
            );
            Ok(())
        }
        Command::Schema { of } => {
            let schema = match of {
                SchemaFor::Measure => mos::definition::json_schema(),
                SchemaFor::Source => mos::ingest::declared::json_schemas()["source"].clone(),
                SchemaFor::Force => mos::ingest::declared::json_schemas()["force"].clone(),
            };
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(())
        }
    }
}

/// The service's log, on stderr: requests and evaluations at `info` (aggregates
/// only, never a row or an identifier). `MOS_LOG` filters it as `RUST_LOG`
/// would (`warn`, `mos=debug`, ...); `MOS_LOG_FORMAT=json` writes a JSON object
/// per line, for a log collector.
fn start_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MOS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("MOS_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().try_init()
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
}

/// What the dashboard's app is built from, for `serve` and for `publish`.
fn dashboard_of(
    inputs: Inputs,
    keeping: Keeping,
    dashboards: PathBuf,
    settle: std::time::Duration,
) -> (mos::web::ServeConfig, mos::web::ServeOptions) {
    let config = mos::web::ServeConfig {
        data: inputs.data,
        snapshots: Some(keeping.snapshots),
        measures: inputs.measures,
        dashboards,
        max_reject_share: inputs.max_reject_share,
    };
    let options = mos::web::ServeOptions {
        accept_smaller: keeping.accept_smaller,
        commentary: inputs.commentary,
        settle,
    };
    (config, options)
}

/// Whether packs written to `out` are published ones: the project's `packs`
/// folder, or a schedule's; a scratch folder's never are.
fn is_publishing_folder(out: &Path, dashboards: &Path) -> bool {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let schedules = mos::report::schedule::load(dashboards).unwrap_or_default();
    same(out, Path::new("packs")) || schedules.iter().any(|s| same(out, &s.spec.out))
}

/// Checks the dashboards folder as `serve` reads it: the plan, the report
/// schedules and the alert channels.
fn check_dashboards(dir: &Path, set: &mos::definition::MeasureSet) -> Result<()> {
    let plan = mos::dashboards::load_plan(dir, set)?;
    let schedules = mos::report::schedule::load(dir)?;
    let channels = mos::web::alerts::load(dir)?;
    if dir.exists() {
        let counted = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        println!(
            "the dashboards in {} are valid: {}, {}, {}",
            dir.display(),
            counted(plan.objectives.len(), "objective"),
            counted(schedules.len(), "report schedule"),
            counted(channels.len(), "alert channel")
        );
    }
    Ok(())
}

/// For a force that writes in Welsh: every declaration still without its
/// Welsh text, each named with its file and line. A Welsh page must not fall
/// back to English, so this fails the check.
fn check_welsh(dashboards: &Path, set: &mos::definition::MeasureSet) -> Result<()> {
    use mos::common::language::Language;
    if !set.catalog.force().languages.contains(&Language::Welsh) {
        return Ok(());
    }
    let mut problems: Vec<String> = set
        .missing_welsh()
        .iter()
        .map(ToString::to_string)
        .collect();
    let plan = mos::dashboards::load_plan(dashboards, set)?;
    for key in plan.missing_welsh() {
        problems.push(format!(
            "{}: no Welsh {key}: add it beside the English in the Plan",
            dashboards.join("plan.toml").display()
        ));
    }
    for theme in set.objectives.objectives.iter().flat_map(|o| &o.themes) {
        if theme.name_cy.is_none() {
            problems.push(format!(
                "{}: theme `{}` has no Welsh `title_cy`",
                mos::definition::plan::FILE,
                theme.id
            ));
        }
    }
    if problems.is_empty() {
        println!("every measure and the Plan have their Welsh text");
        return Ok(());
    }
    for problem in &problems {
        eprintln!("{problem}");
    }
    anyhow::bail!(
        "{} declarations lack their Welsh text (data/force.toml lists `cy` in `languages`)",
        problems.len()
    )
}

/// `mos check --disclosure`: evaluates the measures (nothing is kept) and
/// says what the disclosure audit withheld, measure by measure, and why.
async fn report_disclosure(inputs: &Inputs, set: &mos::definition::MeasureSet) -> Result<()> {
    let (_demo, data_dir) = inputs.data_folder(set)?;
    // The packs published from this folder are in readers' hands.
    let printed = mos::history::History::new("snapshots").printed()?;
    let (evaluation, _) = mos::pipeline::evaluate(
        set,
        &data_dir,
        inputs.max_reject_share,
        None,
        &printed,
        &|_| {},
    )
    .await?;
    let withheld: usize = evaluation.results.iter().map(|r| r.withheld.len()).sum();
    let mut measures = format!("{} measures", evaluation.results.len());
    if !printed.is_empty() {
        measures += &format!(" and the {} figures packs printed before", printed.len());
    }
    if withheld == 0 {
        println!(
            "disclosure audit: nothing withheld can be worked out, or narrowed to fewer values than its threshold, from what is published ({measures}, every window, breakdown and total together)"
        );
        return Ok(());
    }
    println!(
        "disclosure audit: {withheld} figure{} withheld beyond the measures' own suppression, so that nothing withheld can be worked out, or narrowed to fewer values than its threshold, from what is published ({measures})",
        if withheld == 1 { "" } else { "s" }
    );
    for result in &evaluation.results {
        for w in &result.withheld {
            let view = match w.view {
                mos::engine::disclosure::View::Everyone => "",
                mos::engine::disclosure::View::Public => " from the public",
            };
            println!(
                "  {}{}, {}: withheld{view}, else it gives away {}",
                result.measure.id,
                w.group
                    .as_ref()
                    .map(|g| format!(" ({})", mos::common::printable(g)))
                    .unwrap_or_default(),
                result.measure.period_label(w.period),
                w.protects
            );
        }
    }
    Ok(())
}

/// What `mos check --data` finds outside each measure's data: commentary on
/// a month with no figures, and a priority raised before the data starts or
/// after it ends (no before, or no after, to read).
fn check_against_data_span(
    set: &mos::definition::MeasureSet,
    extracts: &[mos::ingest::Extract],
) -> Result<(), mos::definition::DefinitionError> {
    let mut problems = Vec::new();
    for m in &set.measures {
        let Some(span) = extracts
            .iter()
            .find(|e| e.name == m.source)
            .and_then(mos::ingest::data_span)
        else {
            continue;
        };
        let (from, to) = (Month::of(span.0), Month::of(span.1));
        for c in m
            .commentary
            .iter()
            .filter(|c| c.month < from || c.month > to)
        {
            let mut d = mos::common::Diagnostic::whole_file(
                &c.path,
                format!(
                    "commentary for {}, but `{}` has figures from {from} to {to} only",
                    c.month, m.source
                ),
            );
            d.help = Some("move it to the folder of a month within the data, or remove it".into());
            problems.push(d);
        }
        if let Some(priority) = m
            .priority
            .as_ref()
            .filter(|p| !(span.0..=span.1).contains(&p.raised))
        {
            let file = mos::common::SourceText {
                path: m.origin.path.clone(),
                text: m.origin.text.clone(),
            };
            let mut d = mos::common::Diagnostic::at(
                &file,
                priority.raised_at.clone(),
                format!(
                    "priority raised on {}, but `{}` has data from {} to {} only",
                    priority.raised, m.source, span.0, span.1
                ),
            );
            d.help = Some(
                "check the date residents set it; its before and after are read from the data on either side of it"
                    .into(),
            );
            problems.push(d);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(mos::definition::DefinitionError::Invalid(problems))
    }
}

/// `mos schema | head`: when the reader of stdout goes away, end quietly (as
/// ripgrep and other command-line tools do) instead of panicking in `println!`.
fn quiet_on_a_closed_pipe() {
    #[cfg(unix)]
    {
        unsafe extern "C" {
            fn signal(signum: std::ffi::c_int, handler: usize) -> usize;
        }
        const SIGPIPE: std::ffi::c_int = 13;
        const SIG_DFL: usize = 0;
        // SAFETY: restoring the default disposition of SIGPIPE at start, before
        // any thread is made, only changes how a write to a closed pipe ends.
        unsafe {
            signal(SIGPIPE, SIG_DFL);
        }
    }
}

/// A random token for this run only (from the operating system's random source).
fn one_off_token() -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("the system's random numbers");
    mos::common::hex(&bytes)
}

fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).ok_or_else(|| format!("`{text}` is not a month written YYYY-MM"))
}

/// `results.csv` → `results.rejects.csv`
fn rejects_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".into());
    out.with_file_name(format!("{stem}.rejects.csv"))
}

fn report_extract(extract: &mos::ingest::Extract) {
    let paths: Vec<String> = extract
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    // A police.uk download is a file a month: name the first and the last.
    let files = match &paths[..] {
        [first, .., last] if paths.len() > 3 => {
            format!("{} files, {first} to {last}", paths.len())
        }
        _ => paths.join(", "),
    };
    eprintln!(
        "{}: {} rows loaded, {} rejected ({files})",
        extract.name,
        extract.rows_loaded,
        extract.rejects.len(),
    );
    for r in extract.rejects.iter().take(3) {
        eprintln!("  rejected {r}");
    }
    if !extract.ignored_columns.is_empty() {
        eprintln!(
            "  columns not in the contract, ignored: {}",
            extract.ignored_columns.join(", ")
        );
    }
}

/// A spinner on a terminal; silence when output is piped.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new() -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
    }

    fn step(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(message.to_string());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
