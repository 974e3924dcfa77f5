//! The dashboard's handlers, called without a socket: pages, downloads and API
//! give the same figures as `mos run`, restricted measures need a token,
//! suppressed figures and identifiers never appear, and a failed reload keeps
//! the last good results.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use mos::web::auth::{TokenStore, hash_token};
use mos::web::{AppState, ServeConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

const TOKEN: &str = "analyst-token-for-tests-0123456789";

struct Fixture {
    _dir: tempfile::TempDir,
    data: PathBuf,
    measures: PathBuf,
    state: Arc<AppState>,
}

async fn fixture() -> Fixture {
    fixture_with_dashboards(Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards")).await
}

async fn fixture_with_dashboards(dashboards: PathBuf) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let options = mos::demo::DemoOptions {
        seed: 5,
        years: 3,
        scale: 0.2,
        ..Default::default()
    };
    mos::demo::generate(&data, &options).unwrap();
    let measures = dir.path().join("measures");
    std::fs::create_dir_all(&measures).unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("measures")).unwrap()
    {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, measures.join(path.file_name().unwrap())).unwrap();
        }
    }
    let config = ServeConfig {
        data: Some(data.clone()),
        snapshots: Some(dir.path().join("snapshots")),
        measures: measures.clone(),
        dashboards,
        max_reject_share: None,
    };
    let tokens = TokenStore::from_hashes(vec![("Test Analyst".into(), hash_token(TOKEN))]);
    let state = AppState::new(config, tokens).await.unwrap();
    Fixture {
        _dir: dir,
        data,
        measures,
        state,
    }
}

async fn get(
    state: &Arc<AppState>,
    uri: &str,
    token: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    send(state, Request::get(uri), token).await
}

async fn send(
    state: &Arc<AppState>,
    request: axum::http::request::Builder,
    token: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let request = match token {
        Some(t) => request.header("authorization", format!("Bearer {t}")),
        None => request,
    };
    let response = mos::web::app(state.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_render_with_security_headers() {
    let f = fixture().await;
    let (status, headers, home) = get(&f.state, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Objective 4: Keeping people safe"), "{home}");
    assert!(
        home.contains("restricted measures are not shown"),
        "public viewers are told what is hidden"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(!home.contains("<script>"), "no inline script");

    let (status, _, objective) = get(&f.state, "/objectives/4", None).await;
    assert_eq!(status, StatusCode::OK);
    for theme in [
        "Supporting victims",
        "Domestic abuse",
        "Hate crime",
        "Mental health",
        "Young people",
    ] {
        assert!(objective.contains(&format!("<h2>{theme}</h2>")), "{theme}");
    }
    assert!(objective.contains("/measures/victim_satisfaction_whole_experience"));
    assert!(
        !objective.contains("/measures/domestic_abuse_crimes\""),
        "restricted measures are not linked for the public"
    );

    for path in ["/assets/style.css", "/assets/app.js", "/api"] {
        assert_eq!(get(&f.state, path, None).await.0, StatusCode::OK, "{path}");
    }
    assert_eq!(
        get(&f.state, "/measures/nope", None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn figures_are_those_of_mos_run() {
    let f = fixture().await;
    let measures = mos::pipeline::load_measures(&f.measures).unwrap();
    let (evaluation, _) = mos::pipeline::evaluate(&measures, &f.data, None, None, &[], &|_| {})
        .await
        .unwrap();
    let rows = mos::results::rows(&evaluation.results);

    // The CSV download of a measure is exactly its rows of `mos run`'s results.
    let (status, headers, csv) = get(
        &f.state,
        "/measures/victim_satisfaction_whole_experience/data.csv",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut expected: Vec<_> = rows
        .iter()
        .filter(|r| r.measure_id == "victim_satisfaction_whole_experience")
        .cloned()
        .collect();
    let mut served_rows = csv.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
    served_rows.sort();
    let mut expected_lines: Vec<String> = String::from_utf8(mos::results::to_csv(&expected))
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    expected_lines.sort();
    assert_eq!(served_rows, expected_lines);

    // The API's latest total is the last total row, and the page shows it as a percentage.
    expected.retain(|r| r.breakdown.is_empty());
    let latest = expected.last().unwrap();
    let (_, _, json) = get(
        &f.state,
        "/api/measures/victim_satisfaction_whole_experience",
        None,
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let total = &json["series"][0];
    assert!(total["group"].is_null());
    let last = total["points"].as_array().unwrap().last().unwrap();
    assert_eq!(last["value"].as_f64(), latest.value);
    assert_eq!(last["ci_lower"].as_f64(), latest.ci_lower);
    assert_eq!(last["period_end"], latest.period_end);
    let (_, _, page) = get(
        &f.state,
        "/measures/victim_satisfaction_whole_experience",
        None,
    )
    .await;
    let shown = format!("{:.1}%", latest.value.unwrap() * 100.0);
    assert!(
        page.contains(&format!(r#"<p class="value">{shown}</p>"#)),
        "headline {shown}"
    );
    assert!(page.contains("<svg"), "chart drawn");
    assert!(page.contains("<title>"), "values readable on hover");
    assert!(page.contains("As written in victim_satisfaction_whole_experience.toml"));
    assert!(page.contains("SHA-256"));

    // Small multiples for a breakdown, and one group's own chart.
    let (_, _, by_district) = get(
        &f.state,
        "/measures/victim_satisfaction_whole_experience?breakdown=district",
        None,
    )
    .await;
    assert_eq!(
        by_district
            .matches("<figcaption><a href=\"/measures/victim_satisfaction_whole_experience?breakdown=district&amp;group=")
            .count(),
        6
    );
    let (status, headers, svg) = get(
        &f.state,
        "/measures/victim_satisfaction_whole_experience/chart.svg?breakdown=district&group=fenland",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert!(svg.starts_with("<svg") && svg.contains("Fenland"));
    let response = mos::web::app(f.state.clone())
        .oneshot(
            Request::get("/measures/victim_satisfaction_whole_experience/chart.png")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    let png = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000);
    // Rasterised once for the snapshot, then served as kept.
    let kept = f
        .state
        .snapshot()
        .chart("victim_satisfaction_whole_experience   png")
        .expect("the PNG is kept with the snapshot");
    assert_eq!(&kept[..], &png[..]);
}

#[tokio::test(flavor = "multi_thread")]
async fn restricted_measures_need_a_token() {
    let f = fixture().await;
    for path in [
        "/measures/domestic_abuse_crimes",
        "/measures/domestic_abuse_crimes/data.csv",
        "/measures/domestic_abuse_crimes/figures.xlsx",
        "/measures/domestic_abuse_crimes/chart.svg",
        "/api/measures/domestic_abuse_crimes",
    ] {
        let (status, _, body) = get(&f.state, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            !body.contains("domestic_abuse_crimes,20"),
            "no figures in the refusal"
        );
        // From another client each time: five wrong tokens from one would
        // have it wait (see `wrong_bearer_tokens_are_throttled`).
        let elsewhere = std::net::SocketAddr::from(([10, 0, 0, path.len() as u8], 4000));
        let request = Request::get(path).extension(axum::extract::ConnectInfo(elsewhere));
        assert_eq!(
            send(&f.state, request, Some("wrong-token-wrong-token"))
                .await
                .0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        let (status, headers, _) = get(&f.state, path, Some(TOKEN)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        // No cache keeps a restricted answer, or gives it to another viewer.
        assert_eq!(headers["cache-control"], "private, no-store", "{path}");
        assert_eq!(headers["vary"], "Cookie, Authorization", "{path}");
    }
    // The status of extracts that only restricted measures read (mental
    // health contacts) is for signed-in analysts.
    let sources = |body: &str| -> Vec<String> {
        serde_json::from_str::<serde_json::Value>(body).unwrap()["extracts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["source"].as_str().unwrap().to_string())
            .collect()
    };
    let public_status = sources(&get(&f.state, "/api/status", None).await.2);
    let analyst_status = sources(&get(&f.state, "/api/status", Some(TOKEN)).await.2);
    assert!(analyst_status.contains(&"mental_health_contacts".to_string()));
    assert!(!public_status.contains(&"mental_health_contacts".to_string()));
    assert!(public_status.contains(&"victim_satisfaction".to_string()));
    let (_, _, public_list) = get(&f.state, "/api/measures", None).await;
    let (_, _, analyst_list) = get(&f.state, "/api/measures", Some(TOKEN)).await;
    let count = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s).unwrap()["measures"]
            .as_array()
            .unwrap()
            .len()
    };
    // An analyst sees every measure of the folder (its own files).
    let files = crate::common::toml_files(&f.measures);
    assert_eq!(count(&analyst_list), files);
    assert!(count(&public_list) < files);
    assert!(!public_list.contains("cse_crimes"));
}

#[tokio::test(flavor = "multi_thread")]
async fn suppressed_figures_and_identifiers_never_appear() {
    let f = fixture().await;
    let (_, _, json) = get(&f.state, "/api/measures/cse_crimes", Some(TOKEN)).await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut suppressed = 0;
    for series in json["series"].as_array().unwrap() {
        for p in series["points"].as_array().unwrap() {
            if p["suppressed"] == true {
                suppressed += 1;
                for field in ["numerator", "value", "ci_lower", "ci_upper", "spc_signal"] {
                    assert!(p[field].is_null(), "{field} withheld");
                }
            }
        }
    }
    assert!(suppressed > 0, "the fixture has suppressed CSE points");
    let (_, _, csv) = get(&f.state, "/measures/cse_crimes/data.csv", Some(TOKEN)).await;
    for line in csv.lines().filter(|l| l.contains(",true,")) {
        let cells: Vec<&str> = line.split(',').collect();
        assert!(cells[5..10].iter().all(|c| c.is_empty()), "{line}");
    }
    let (_, _, svg) = get(
        &f.state,
        "/measures/cse_crimes/chart.svg?breakdown=district&group=fenland",
        Some(TOKEN),
    )
    .await;
    assert!(svg.contains("suppressed (small number)"));

    // No victim or crime identifier from the extracts on any page or API response.
    let crimes = std::fs::read_to_string(f.data.join("crimes.csv")).unwrap();
    let identifiers: Vec<String> = crimes
        .lines()
        .skip(1)
        .take(2000)
        .flat_map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            [cells[0].to_string(), cells[4].to_string()]
        })
        .filter(|s| !s.is_empty())
        .collect();
    let mut everything = String::new();
    for path in ["/", "/objectives/4", "/api/measures", "/api/status"] {
        everything += &get(&f.state, path, Some(TOKEN)).await.2;
    }
    for m in mos::pipeline::load_measures(&f.measures).unwrap().measures {
        everything += &get(&f.state, &format!("/measures/{}", m.id), Some(TOKEN))
            .await
            .2;
        everything += &get(&f.state, &format!("/api/measures/{}", m.id), Some(TOKEN))
            .await
            .2;
    }
    for id in &identifiers {
        assert!(
            !everything.contains(&format!("{id}\""))
                && !everything.contains(&format!("{id},"))
                && !everything.contains(&format!(">{id}<")),
            "identifier {id} served"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_reload_keeps_the_last_good_results() {
    let f = fixture().await;
    assert_eq!(
        send(&f.state, Request::post("/api/reload"), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let before = get(&f.state, "/api/measures/young_victims", None).await.2;

    let file = f.measures.join("young_victims.toml");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        good.replace(
            "filter = \"victim_age < 18\"",
            "filter = \"victim_agee < 18\"",
        ),
    )
    .unwrap();
    let (status, _, body) = send(&f.state, Request::post("/api/reload"), Some(TOKEN)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("victim_agee"), "{body}");
    assert_eq!(
        get(&f.state, "/api/measures/young_victims", None).await.2,
        before,
        "last good results still served"
    );
    let (_, _, page) = get(&f.state, "/", Some(TOKEN)).await;
    assert!(
        page.contains("Re-evaluation failed"),
        "analysts see the failure"
    );
    let (_, _, public_page) = get(&f.state, "/", None).await;
    assert!(!public_page.contains("Re-evaluation failed"));

    // Fixed, and now a new title shows: the swap happened.
    std::fs::write(
        &file,
        good.replace(
            "Crimes against children and young people",
            "Crimes against under-18s",
        ),
    )
    .unwrap();
    assert_eq!(
        send(&f.state, Request::post("/api/reload"), Some(TOKEN))
            .await
            .0,
        StatusCode::OK
    );
    assert!(
        get(&f.state, "/measures/young_victims", None)
            .await
            .2
            .contains("Crimes against under-18s")
    );
    assert!(
        !get(&f.state, "/", Some(TOKEN))
            .await
            .2
            .contains("Re-evaluation failed")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduled_packs_are_written_and_failures_shown_to_analysts() {
    let f = fixture().await;
    let dashboards = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards/plan.toml"),
        dashboards.path().join("plan.toml"),
    )
    .unwrap();
    let packs = dashboards.path().join("packs");
    let blocked = dashboards.path().join("blocked");
    std::fs::write(&blocked, "a file where the packs folder should be").unwrap();
    std::fs::write(
        dashboards.path().join("schedules.toml"),
        format!(
            "[[schedule]]\nname = \"Board\"\ncron = \"0 6 1W * *\"\nobjectives = [4]\nout = \"{}\"\npdf = false\n\n[[schedule]]\nname = \"Broken\"\ncron = \"0 6 1W * *\"\nout = \"{}\"\npdf = false\n",
            packs.display(),
            blocked.join("inside").display()
        ),
    )
    .unwrap();
    let config = ServeConfig {
        dashboards: dashboards.path().to_path_buf(),
        ..f.state.config.clone()
    };
    let state = AppState::new(
        config,
        TokenStore::from_hashes(vec![("a".into(), hash_token(TOKEN))]),
    )
    .await
    .unwrap();
    assert_eq!(state.schedules.len(), 2);
    let written = state.run_schedule(&state.schedules[0]).await.unwrap();
    assert_eq!(written.len(), 1);
    assert!(written[0].join("report.html").is_file() && written[0].join("manifest.json").is_file());
    assert!(state.run_schedule(&state.schedules[1]).await.is_err());
    let (_, _, analyst) = get(&state, "/", Some(TOKEN)).await;
    assert!(
        analyst.contains("The scheduled pack “Broken” failed"),
        "analysts see the failure"
    );
    assert!(!analyst.contains("“Board” failed"));
    let (_, _, public) = get(&state, "/", None).await;
    assert!(!public.contains("scheduled pack"));
}

/// A schedule with `site = true` publishes the static site (as `mos
/// publish` does) at its times, and with `after_load = true` after each load
/// of new figures too.
#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_site_is_published_after_each_load() {
    let f = fixture().await;
    let dashboards = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards/plan.toml"),
        dashboards.path().join("plan.toml"),
    )
    .unwrap();
    let site = dashboards.path().join("site");
    std::fs::write(
        dashboards.path().join("schedules.toml"),
        format!(
            "[[schedule]]\nname = \"Public website\"\nsite = true\ncron = \"0 7 1W * *\"\nafter_load = true\nout = \"{}\"\n",
            site.display()
        ),
    )
    .unwrap();
    let config = ServeConfig {
        dashboards: dashboards.path().to_path_buf(),
        ..f.state.config.clone()
    };
    let state = AppState::new(config, TokenStore::default()).await.unwrap();
    assert!(
        !site.exists(),
        "nothing is published before a load or the cron's time"
    );
    state.reload().await.unwrap();
    let started = std::time::Instant::now();
    while !site.join(mos::web::publish::MANIFEST).is_file() {
        assert!(
            started.elapsed().as_secs() < 60,
            "the site was not published after the load"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let home = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(home.contains("href=\"objectives/4.html\""), "{home}");
    // At its time, as a pack's schedule runs: the site, whole.
    std::fs::remove_dir_all(&site).unwrap();
    let written = state.run_schedule(&state.schedules[0]).await.unwrap();
    assert_eq!(written, std::slice::from_ref(&site));
    assert!(site.join("data.html").is_file() && site.join("index.html").is_file());
}

/// A change is evaluated only once the files have stayed unchanged for the
/// settle time: an export paused part-way is not published half done.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_waits_for_the_settle_time() {
    let f = fixture().await;
    let config = ServeConfig {
        data: Some(f.data.clone()),
        snapshots: None,
        measures: f.measures.clone(),
        dashboards: Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards"),
        max_reject_share: None,
    };
    let settle = std::time::Duration::from_secs(4);
    let options = mos::web::ServeOptions {
        settle,
        ..Default::default()
    };
    let state = AppState::with_options(config, TokenStore::default(), options)
        .await
        .unwrap();
    mos::web::spawn_watcher(state.clone(), std::time::Duration::from_millis(100));
    let file = f.measures.join("street_triage_contacts.toml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("Street triage contacts", "Street triage contacts (renamed)");
    std::fs::write(&file, text).unwrap();
    let changed = std::time::Instant::now();
    loop {
        let (_, _, page) = get(&state, "/measures/street_triage_contacts", None).await;
        if page.contains("Street triage contacts (renamed)") {
            break;
        }
        assert!(
            changed.elapsed() < std::time::Duration::from_secs(60),
            "the change was not picked up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        changed.elapsed() >= settle,
        "evaluated {:?} after the change, before it had settled",
        changed.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_on_disk_is_picked_up_without_a_restart() {
    let f = fixture().await;
    mos::web::spawn_watcher(f.state.clone(), std::time::Duration::from_millis(100));
    let file = f.measures.join("street_triage_contacts.toml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("Street triage contacts", "Street triage contacts (renamed)");
    std::fs::write(&file, text).unwrap();
    let started = std::time::Instant::now();
    loop {
        let (_, _, page) = get(&f.state, "/measures/street_triage_contacts", None).await;
        if page.contains("Street triage contacts (renamed)") {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the change was not picked up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// A board pack records its snapshot; when a crime is later reclassified, the
/// measure page sets the figure as published beside the latest, with the
/// difference, and says how fresh the data is.
#[tokio::test(flavor = "multi_thread")]
async fn restated_figures_are_shown_beside_the_figures_as_published() {
    let f = fixture().await;
    let snapshots = f.state.config.snapshots.clone().unwrap();
    let history = mos::history::History::new(&snapshots);
    let first = f.state.snapshot().evaluation.snapshot.clone().unwrap();
    assert_eq!(history.list().unwrap().len(), 1);

    // Freshness: the latest recorded date in the crimes extract, read here.
    let crimes_path = f.data.join("crimes.csv");
    let crimes = std::fs::read_to_string(&crimes_path).unwrap();
    let header: Vec<&str> = crimes.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (date_col, da_col) = (column("recorded_date"), column("domestic_abuse"));
    let latest = crimes
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(date_col).unwrap()[..10].to_string())
        .max()
        .unwrap();
    let latest = chrono::NaiveDate::parse_from_str(&latest, "%Y-%m-%d").unwrap();
    let (_, _, page) = get(&f.state, "/measures/domestic_abuse_crimes", Some(TOKEN)).await;
    assert!(
        page.contains(&format!("Data to {}, loaded", latest.format("%-d %b %Y"))),
        "freshness on the measure page"
    );
    assert!(page.contains(&first.id));

    // The board pack publishes the current snapshot, and its manifest says so.
    let packs = tempfile::tempdir().unwrap();
    let snapshot = f.state.snapshot();
    let written = mos::report::write_packs(
        &snapshot.evaluation,
        &snapshot.plan,
        packs.path(),
        &Default::default(),
    )
    .unwrap();
    let objective_4 = written
        .iter()
        .find(|p| p.to_string_lossy().contains("objective-4-"))
        .expect("a pack for Objective 4");
    mos::report::record_publication(&history, &snapshot.evaluation, objective_4, None).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(objective_4.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["snapshot"]["id"], first.id.as_str());
    f.state.reload().await.unwrap();
    let (_, _, page) = get(&f.state, "/measures/domestic_abuse_crimes", Some(TOKEN)).await;
    assert!(page.contains("These are the figures published in objective-4-"));
    // A measure that pack did not carry was never published: no such section.
    let (_, _, page) = get(&f.state, "/measures/calls_101_abandoned", Some(TOKEN)).await;
    assert!(page.contains("<h1"), "the measure's page");
    assert!(!page.contains("As published"), "never in a pack");

    // One domestic abuse crime in the first month is reclassified as not domestic abuse.
    let month = crimes
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(date_col)
        .unwrap()[..7]
        .to_string();
    let count_in = |text: &str| {
        text.lines()
            .skip(1)
            .filter(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                cells[date_col].starts_with(&month) && cells[da_col] == "true"
            })
            .count()
    };
    let before = count_in(&crimes);
    let mut lines: Vec<String> = crimes.lines().map(str::to_string).collect();
    let target = lines
        .iter()
        .position(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            cells[date_col].starts_with(&month) && cells[da_col] == "true"
        })
        .unwrap();
    let mut cells: Vec<String> = lines[target].split(',').map(str::to_string).collect();
    cells[da_col] = "false".into();
    lines[target] = cells.join(",");
    let restated = lines.join("\n") + "\n";
    assert_eq!(count_in(&restated), before - 1);
    std::fs::write(&crimes_path, restated).unwrap();
    f.state.reload().await.unwrap();

    let second = f.state.snapshot().evaluation.snapshot.clone().unwrap();
    assert_ne!(second.id, first.id, "changed inputs make a new snapshot");
    assert_eq!(history.list().unwrap().len(), 2);
    let (_, _, page) = get(&f.state, "/measures/domestic_abuse_crimes", Some(TOKEN)).await;
    let section = &page[page
        .find("As published and latest")
        .expect("the comparison")..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("1 figure changed"), "{section}");
    let month_start =
        chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap();
    assert!(
        section.contains(&format!(
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>−1</td></tr>",
            month_start.format("%b %Y"),
            before,
            before - 1
        )),
        "{section}"
    );
    // The published snapshot still holds the figure the board saw.
    let stored = history.points(&first.id, "domestic_abuse_crimes").unwrap();
    let then = stored
        .iter()
        .find(|p| p.breakdown.is_empty() && p.period_start == month_start.to_string())
        .unwrap();
    assert_eq!(then.value, Some(before as f64));
}

/// A request with a form body (and any headers), without a bearer token.
async fn post_form(
    state: &Arc<AppState>,
    uri: &str,
    form: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::post(uri)
        .header("host", "dashboard.example")
        .header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = mos::web::app(state.clone())
        .oneshot(request.body(Body::from(form.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// The `name=value` a response's Set-Cookie sets.
fn set_cookie(headers: &axum::http::HeaderMap) -> String {
    headers["set-cookie"].to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_in_starts_a_server_side_session_that_signing_out_ends() {
    let f = fixture().await;
    let restricted = "/measures/domestic_abuse_crimes";
    let (status, headers, _) = post_form(&f.state, "/login", &format!("token={TOKEN}"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = set_cookie(&headers);
    assert!(
        cookie.starts_with("mos_session=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(!cookie.contains(TOKEN), "the cookie is not the token");
    assert!(!cookie.contains("Secure"), "plain HTTP here");
    let session = cookie.split(';').next().unwrap().to_string();
    let with_cookie = |uri: &str| Request::get(uri).header("cookie", session.clone());
    assert_eq!(
        send(&f.state, with_cookie(restricted), None).await.0,
        StatusCode::OK
    );
    // Signing out ends the session on the server: the old cookie is nothing.
    let (status, _, _) = post_form(&f.state, "/logout", "", &[("cookie", &session)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        send(&f.state, with_cookie(restricted), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Behind a TLS proxy, the cookie is Secure.
    let (_, headers, _) = post_form(
        &f.state,
        "/login",
        &format!("token={TOKEN}"),
        &[("x-forwarded-proto", "https")],
    )
    .await;
    assert!(set_cookie(&headers).contains("; Secure"));
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_sign_ins_are_throttled_and_other_sites_cannot_post() {
    let f = fixture().await;
    for _ in 0..mos::web::auth::MAX_FAILURES {
        let (status, _, _) = post_form(&f.state, "/login", "token=guess-guess-guess", &[]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, headers, body) =
        post_form(&f.state, "/login", &format!("token={TOKEN}"), &[]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key("retry-after"));
    assert!(body.contains("Too many failed sign-ins"));
    // A page of another site posting here is refused, whatever it posts.
    for (uri, form) in [
        ("/login", format!("token={TOKEN}")),
        ("/logout", String::new()),
        ("/api/reload", String::new()),
    ] {
        let (status, headers, _) =
            post_form(&f.state, uri, &form, &[("origin", "https://evil.example")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        assert!(!headers.contains_key("set-cookie"), "{uri}");
    }
    let (status, _, _) =
        post_form(&f.state, "/logout", "", &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The dashboard's own pages may.
    let (status, _, _) = post_form(
        &f.state,
        "/logout",
        "",
        &[("origin", "https://dashboard.example")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

/// Guessing bearer tokens is throttled as guessing at the sign-in form is:
/// after five wrong tokens in a minute, even the right one waits.
#[tokio::test(flavor = "multi_thread")]
async fn wrong_bearer_tokens_are_throttled() {
    let f = fixture().await;
    for i in 0..mos::web::auth::MAX_FAILURES {
        let (status, _, _) = get(
            &f.state,
            "/api/measures",
            Some(&format!("guess-guess-guess-{i}")),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "a wrong token is a public view");
    }
    let (status, headers, body) = get(&f.state, "/api/measures", Some(TOKEN)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key("retry-after"));
    assert!(body.contains("Too many wrong tokens"), "{body}");
    // The public, without a token, are not held up.
    let (status, _, _) = get(&f.state, "/api/measures", None).await;
    assert_eq!(status, StatusCode::OK);
}

/// Limits resting on fewer than 12 points are trial limits: the API says so
/// (and on how many points they rest, counted here), the chart labels them
/// and the measure page's reading says it in words.
#[tokio::test(flavor = "multi_thread")]
async fn trial_limits_are_marked_in_the_api_the_chart_and_the_reading() {
    let f = fixture().await;
    let id = "hate_crimes_by_financial_quarter";
    let (_, _, body) = get(&f.state, &format!("/api/measures/{id}"), None).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let total = &json["series"][0];
    let points = total["points"].as_array().unwrap();
    let segments = total["spc"].as_array().unwrap();
    assert_eq!(segments.len(), 2, "the break starts a second segment");
    for segment in segments {
        let (from, to) = (
            segment["from"].as_str().unwrap(),
            segment["to"].as_str().unwrap(),
        );
        let published = points
            .iter()
            .filter(|p| {
                let start = p["period_start"].as_str().unwrap();
                start >= from && start <= to && p["value"].is_number()
            })
            .count() as u64;
        assert_eq!(segment["points_in_limits"], published, "{segment}");
        assert_eq!(segment["trial"], published < 12, "{segment}");
    }
    let latest = segments.last().unwrap();
    assert_eq!(latest["trial"], true, "quarters since the break: {latest}");
    let (_, _, svg) = get(&f.state, &format!("/measures/{id}/chart.svg"), None).await;
    assert!(svg.contains("Trial limits ("), "the chart labels them");
    let (_, _, page) = get(&f.state, &format!("/measures/{id}"), None).await;
    assert!(
        page.contains("The limits are trial limits"),
        "the reading says so"
    );
}

/// How fresh the figures are is told from the extracts the reader may see:
/// an extract only restricted measures read (mental health contacts) never
/// gives its date to the public, in the footer of any page.
#[tokio::test(flavor = "multi_thread")]
async fn the_public_footer_never_dates_a_restricted_extract() {
    let f = fixture().await;
    let path = f.data.join("mental_health_contacts.csv");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("MHLATE1,2024-05-20T10:00:00,fenland,street_triage,,30,60\n");
    std::fs::write(&path, text).unwrap();
    f.state.reload().await.unwrap();
    let restricted_date = "Data to 20 May 2024";
    for page in [
        "/",
        "/objectives/1",
        "/measures/victims_hub_referrals",
        "/api",
    ] {
        let (_, _, public) = get(&f.state, page, None).await;
        assert!(public.contains("Data to "), "{page}: no freshness");
        assert!(
            !public.contains(restricted_date),
            "{page}: the public sees it"
        );
    }
    let (_, _, analyst) = get(&f.state, "/", Some(TOKEN)).await;
    assert!(
        analyst.contains(restricted_date),
        "analysts see the latest date"
    );
}

/// A description is Markdown, as commentary is: the page shows emphasis and
/// code, never the asterisks and backticks; many thousands read with commas.
#[tokio::test(flavor = "multi_thread")]
async fn descriptions_read_as_text_and_numbers_as_people_write_them() {
    let f = fixture().await;
    let file = f.measures.join("victim_satisfaction_whole_experience.toml");
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "Share of surveyed victims",
        "Share of **surveyed** victims (`whole_experience` 1 to 3)",
        1,
    );
    std::fs::write(&file, text).unwrap();
    f.state.reload().await.unwrap();
    let (_, _, page) = get(
        &f.state,
        "/measures/victim_satisfaction_whole_experience",
        None,
    )
    .await;
    assert!(page.contains("<strong>surveyed</strong>"), "{page}");
    assert!(page.contains("<code>whole_experience</code>"), "{page}");
    // The description as read (the definition section further down shows
    // the file as written, Markdown and all).
    let lede = page
        .split("<div class=\"lede\">")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .expect("the description under the title");
    assert!(lede.contains("<strong>surveyed</strong>"), "{lede}");
    assert!(
        !lede.contains("**") && !lede.contains('`'),
        "literal Markdown: {lede}"
    );

    // The largest latest count, as the page's headline shows it: in
    // thousands with commas (counted here digit by digit).
    let snapshot = f.state.snapshot();
    let (id, latest) = snapshot
        .evaluation
        .results
        .iter()
        .filter(|r| r.measure.kind == mos::definition::MeasureKind::Count)
        .filter_map(|r| Some((r.measure.id.clone(), r.total().points.last()?.value()?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert!(latest >= 1000.0, "{id}: {latest}");
    let digits = format!("{latest:.0}");
    let mut with_commas = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            with_commas.push(',');
        }
        with_commas.push(c);
    }
    let (_, _, page) = get(&f.state, &format!("/measures/{id}"), Some(TOKEN)).await;
    assert!(
        page.contains(&with_commas),
        "{id}: {with_commas} not on its page"
    );
    let ungrouped: Vec<&str> = page
        .lines()
        .filter(|l| l.contains(&format!(">{digits}<")))
        .collect();
    assert!(
        ungrouped.is_empty(),
        "{id}: {digits} shown ungrouped: {ungrouped:?}"
    );
}

/// The home page's cards and the objective pages tell one story: each card
/// counts its measures by the grades the objective page's summary gives, so
/// a card's "Requires scrutiny" is the number of exceptions under it, for
/// the public and for analysts alike.
#[tokio::test(flavor = "multi_thread")]
async fn the_home_cards_count_the_grades_the_objective_pages_give() {
    let f = fixture().await;
    let mut exceptions_seen = 0;
    for token in [None, Some(TOKEN)] {
        let (_, _, home) = get(&f.state, "/", token).await;
        assert!(!home.contains("Change, neither better nor worse</dt>"));
        let cards: Vec<&str> = home
            .split(r#"<section class="objective-card">"#)
            .skip(1)
            .collect();
        assert!(cards.len() >= 4, "{home}");
        for card in cards {
            let number = card
                .split(r#"href="/objectives/"#)
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap();
            let count = |label: &str| -> usize {
                card.split(&format!("<dt>{label}</dt><dd>"))
                    .nth(1)
                    .map_or(0, |rest| rest[..rest.find('<').unwrap()].parse().unwrap())
            };
            let (_, _, page) = get(&f.state, &format!("/objectives/{number}"), token).await;
            let exceptions = page.matches(r#"<article class="exception">"#).count();
            let in_summary = |class: &str| {
                page.matches(&format!(r#"<span class="grade {class}">"#))
                    .count()
            };
            assert_eq!(count("Requires scrutiny"), exceptions, "objective {number}");
            assert_eq!(count("Requires scrutiny"), in_summary("scrutiny"));
            assert_eq!(count("Improving"), in_summary("improving"));
            assert_eq!(count("Content"), in_summary("content"));
            exceptions_seen += exceptions;
        }
    }
    assert!(exceptions_seen > 0, "the demo has exceptions to count");
}

/// The README's embed, as written: the Plan's `[publish] embed_origins` may
/// frame a public measure's headline, chart and reading, and nothing else;
/// a restricted measure has no embed, for an analyst's browser too; and an
/// origin that could end the policy's directive is refused with its line.
#[tokio::test(flavor = "multi_thread")]
async fn a_public_measure_is_embedded_only_by_the_plans_websites() {
    let readme = std::fs::read_to_string(crate::common::root().join("README.md")).unwrap();
    let publish =
        crate::common::readme_block("toml", "the embed origins", |b| b.starts_with("[publish]"));
    let iframe = crate::common::readme_block("html", "the iframe", |b| b.contains("<iframe"));
    assert!(readme.contains("### Embedding a measure"));
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards/plan.toml"))
            .unwrap();
    let dashboards = tempfile::tempdir().unwrap();
    std::fs::write(
        dashboards.path().join("plan.toml"),
        shipped.replace("[publish]\nembed_origins = []\n", &publish),
    )
    .unwrap();
    let f = fixture_with_dashboards(dashboards.path().to_path_buf()).await;

    // The README's iframe names a shipped public measure by its title.
    let path = iframe
        .split("performance.example.org")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert_eq!(path, "/embed/measures/calls_999_answered_within_10_seconds");
    assert!(iframe.contains("title=\"999 calls answered within 10 seconds\""));

    let (status, headers, page) = get(&f.state, path, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors https://www.cambridgeshire-pcc.gov.uk")
            && !csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(!headers.contains_key("x-frame-options"));
    // The measure alone: its title, headline, chart and reading, no navigation.
    assert!(page.contains("999 calls answered within 10 seconds"));
    assert!(page.contains("<svg") && page.contains("<figcaption>"));
    assert!(!page.contains("aria-label=\"Objectives\"") && !page.contains("Analyst sign-in"));
    assert!(page.contains("target=\"_top\""));

    // Every other page still refuses to be framed.
    let (_, headers, _) = get(
        &f.state,
        "/measures/calls_999_answered_within_10_seconds",
        None,
    )
    .await;
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(headers["x-frame-options"], "DENY");

    // A restricted measure has no embed, even for an analyst, and its title
    // is not given.
    for token in [None, Some(TOKEN)] {
        let (status, _, page) = get(&f.state, "/embed/measures/domestic_abuse_crimes", token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!page.contains("Domestic abuse crimes recorded"), "{page}");
    }

    // An origin with a path and another directive is refused, with its line.
    std::fs::write(
        dashboards.path().join("plan.toml"),
        shipped.replace(
            "[publish]\nembed_origins = []\n",
            "[publish]\nembed_origins = [\"https://example.org/x; script-src *\"]\n",
        ),
    )
    .unwrap();
    let line = shipped
        .lines()
        .position(|l| l.starts_with("embed_origins"))
        .unwrap()
        + 1;
    let out = crate::common::mos_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "--dashboards", dashboards.path().to_str().unwrap()],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains(&format!("plan.toml:{line}:")) && said.contains("is not a website's origin"),
        "{said}"
    );
}
