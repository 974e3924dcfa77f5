//! The analysts' commentary, `commentary/<YYYY-MM>/<measure id>.md`, as an
//! analyst writes it: on the measure page under the chart, in the pack beside
//! the figures and in the workbook's contents sheet; Markdown's small safe
//! subset, everything else inert; mistakes named by `mos check` with a fix.
//! And the dated events (annotations) declared beside a measure.

use crate::common;

use common::{mos_in, ok};
use std::path::Path;

const COMMENTARY: &str = "---
author: Jo Analyst
date: 2024-04-05
---
Reports rose after the *online form* went live.

- Third-party reporting centres opened.

<script>alert('x')</script> [more](javascript:alert(1)) <img src=x onerror=alert(2)>
";

/// A project of the shipped measures with demo data to March 2024 and
/// commentary on March 2024's hate incidents, at the project's root.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    ok(mos_in(
        p,
        &[
            "generate", "--out", "extracts", "--years", "3", "--scale", "0.1", "--seed", "4",
        ],
    ));
    std::fs::create_dir_all(p.join("commentary/2024-03")).unwrap();
    std::fs::write(p.join("commentary/2024-03/hate_incidents.md"), COMMENTARY).unwrap();
    dir
}

/// The dashboard's state on the project `p` (the shipped measures and plan),
/// its commentary read from `p/commentary`.
async fn serve(p: &Path, tokens: mos::web::auth::TokenStore) -> std::sync::Arc<mos::web::AppState> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = mos::web::ServeConfig {
        data: Some(p.join("extracts")),
        snapshots: Some(p.join("snapshots")),
        measures: root.join("measures"),
        dashboards: root.join("dashboards"),
        max_reject_share: None,
    };
    let options = mos::web::ServeOptions {
        commentary: Some(p.join("commentary")),
        ..Default::default()
    };
    mos::web::AppState::with_options(config, tokens, options)
        .await
        .unwrap()
}

/// The page at `uri`, asked for with a bearer token where given.
async fn page_of(
    state: std::sync::Arc<mos::web::AppState>,
    uri: &str,
    token: Option<&str>,
) -> String {
    use tower::ServiceExt;
    let mut request = axum::http::Request::get(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = mos::web::app(state)
        .oneshot(request.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Whether `html` has a tag other than those of the safe subset and the page's own.
fn assert_inert(html: &str) {
    assert!(!html.contains("<script>alert"), "a script ran");
    assert!(!html.contains("<img src=x"), "an image tag");
    assert!(!html.contains("href=\"javascript:"), "a script link");
    assert!(
        html.contains("&lt;script&gt;alert"),
        "shown as the text it is"
    );
}

/// `mos report` of Objective 4 as at 10 April 2024 in the project at `p`:
/// the pack's folder.
fn objective_4_pack(p: &Path) -> std::path::PathBuf {
    ok(mos_in(
        p,
        &[
            "report",
            "--data",
            "extracts",
            "--objective",
            "4",
            "--as-of",
            "2024-04-10",
            "--out",
            "packs",
        ],
    ));
    p.join("packs/objective-4-2024-03")
}

#[test]
fn commentary_at_the_projects_root_is_in_the_pack_and_its_workbook() {
    let dir = project();
    let p = dir.path();
    let pack = objective_4_pack(p);
    let html = std::fs::read_to_string(pack.join("report.html")).unwrap();
    let section = &html[html.find(r#"id="hate_incidents""#).unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("Commentary on"), "{section}");
    assert!(section.contains("Reports rose after the <em>online form</em> went live."));
    assert!(section.contains("<li>Third-party reporting centres opened.</li>"));
    assert!(section.contains("Jo Analyst, 5 April 2024"));
    // The shipped annotation inside the data's span is listed; the later one is not.
    assert!(
        section.contains("<li>3 April 2023: Online hate reporting form goes live</li>"),
        "{section}"
    );
    assert!(!section.contains("Awareness Week"));
    assert_inert(&html);

    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(pack.join("figures.xlsx")).unwrap();
    let contents = book.worksheet_range("Contents").unwrap();
    let header: Vec<String> = contents
        .rows()
        .nth(3)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[5], "Commentary");
    let row = contents
        .rows()
        .find(|r| r[0] == Data::String("Hate crimes and incidents reported".into()))
        .unwrap();
    let text = row[5].to_string();
    assert!(
        text.starts_with("Reports rose after the online form went live."),
        "{text}"
    );
    assert!(!text.contains('*'), "plain text: {text}");
}

#[test]
fn commentary_is_on_the_measure_page_under_the_chart() {
    let dir = project();
    let p = dir.path();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let state = serve(p, mos::web::auth::TokenStore::default()).await;
        let page = page_of(state, "/measures/hate_incidents", None).await;
        let chart = page.find(r#"<figure class="chart""#).unwrap();
        let commentary = page
            .find(r#"<section class="commentary">"#)
            .expect("the commentary");
        assert!(commentary > chart, "under the chart");
        // The event is drawn on the chart (numbered, its text on hover) and listed under it.
        assert!(page.contains("<title>3 April 2023: Online hate reporting form goes live</title>"));
        assert!(page.contains("<li>3 April 2023: Online hate reporting form goes live</li>"));
        assert!(page.contains("Reports rose after the <em>online form</em> went live."));
        assert_inert(&page);
    });
}

#[test]
fn mistaken_commentary_is_named_by_check_with_a_fix() {
    let dir = project();
    let p = dir.path();
    // A measure the project does not have; a quarterly measure's middle month;
    // a month still to come.
    std::fs::write(p.join("commentary/2024-03/hate_incident.md"), "x").unwrap();
    std::fs::create_dir_all(p.join("commentary/2024-02")).unwrap();
    std::fs::write(p.join("commentary/2024-02/cse_crimes.md"), "x").unwrap();
    std::fs::create_dir_all(p.join("commentary/2099-01")).unwrap();
    std::fs::write(p.join("commentary/2099-01/hate_incidents.md"), "x").unwrap();
    // And, beside them, a file with two mistakes in its front matter: one
    // bad file hides none of the others' mistakes, nor its own second one.
    std::fs::write(
        p.join("commentary/2024-03/hate_incidents.md"),
        "---\ngrade: excellent\ndate: 3 April\n---\nx\n",
    )
    .unwrap();
    let checked = mos_in(p, &["check"]);
    assert!(!checked.status.success());
    let message = String::from_utf8_lossy(&checked.stderr);
    assert!(message.contains("`excellent` is not a grade"), "{message}");
    assert!(message.contains("`3 April` is not a date"), "{message}");
    assert!(message.contains("5 errors in commentary"), "{message}");
    assert!(!message.contains("measure definitions"), "{message}");
    assert!(message.contains("hate_incident.md"), "{message}");
    assert!(
        message.contains("did you mean `hate_incidents`?"),
        "{message}"
    );
    assert!(
        message.contains("commentary for 2024-02, which is no period of `cse_crimes`"),
        "{message}"
    );
    assert!(message.contains("commentary for 2099-01"), "{message}");
    // `--commentary DIR` reads another folder instead.
    let elsewhere = p.join("notes");
    std::fs::create_dir_all(elsewhere.join("2024-03")).unwrap();
    std::fs::write(elsewhere.join("2024-03/hate_incidents.md"), "Fine.").unwrap();
    ok(mos_in(
        p,
        &["check", "--commentary", elsewhere.to_str().unwrap()],
    ));
}

/// The README's commentary example, as written, renders as it promises.
#[test]
fn the_readme_commentary_example_works_as_written() {
    let example = common::readme_block("markdown", "the commentary example", |_| true);
    let dir = project();
    let p = dir.path();
    std::fs::write(p.join("commentary/2024-03/hate_incidents.md"), example).unwrap();
    ok(mos_in(p, &["check"]));
    let html = std::fs::read_to_string(objective_4_pack(p).join("report.html")).unwrap();
    assert!(
        html.contains("<strong>above the level of 2022</strong>"),
        "bold"
    );
    assert!(html.contains(
        "<li>Third-party reporting centres opened in Peterborough and Wisbech in 2024.</li>"
    ));
    assert!(html.contains("Jo Analyst, 7 April 2026"));
}

#[test]
fn a_mistaken_annotation_is_named_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("measures")).unwrap();
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("measures/hate_incidents.toml"),
    )
    .unwrap();
    let broken = shipped.replace("\"2023-04-03\"", "\"3 April 2023\"");
    std::fs::write(p.join("measures/hate_incidents.toml"), broken).unwrap();
    let checked = mos_in(p, &["check"]);
    assert!(!checked.status.success());
    let message = String::from_utf8_lossy(&checked.stderr);
    let line = shipped
        .lines()
        .position(|l| l.contains("2023-04-03"))
        .unwrap()
        + 1;
    assert!(
        message.contains(&format!("hate_incidents.toml:{line}:")),
        "{message}"
    );
    assert!(
        message.contains("`3 April 2023` is not a date"),
        "{message}"
    );
    assert!(message.contains("YYYY-MM-DD"), "{message}");
}

/// The README's annotations example is the shipped measure's, as written.
#[test]
fn the_readme_annotations_example_is_the_shipped_measures() {
    let block = common::readme_block("toml", "the annotations example", |b| {
        b.contains("annotations = [")
    });
    let measure =
        std::fs::read_to_string(common::root().join("measures/hate_incidents.toml")).unwrap();
    assert!(measure.contains(&block), "{block}");
}

/// Each measure's grade as a board summary (the matrix) gives it: measure id
/// (from its link) → grade class.
fn grades_in(html: &str, link_prefix: &str) -> std::collections::BTreeMap<String, String> {
    let matrix = &html[html
        .find(r#"<table class="matrix">"#)
        .expect("a summary matrix")..];
    let matrix = &matrix[..matrix.find("</table>").unwrap()];
    matrix
        .split(&format!(r#"<tr><th scope="row"><a href="{link_prefix}"#))
        .skip(1)
        .map(|row| {
            let id = row[..row.find('"').unwrap()].to_string();
            let grade = row.split(r#"<span class="grade "#).nth(1).unwrap();
            (id, grade[..grade.find('"').unwrap()].to_string())
        })
        .collect()
}

/// The pack and the dashboard grade every measure alike (one configuration,
/// `[grading]` in plan.toml); on the demo data the exceptions are not empty;
/// an analyst's grade stands over the rules', shown as set by hand.
#[test]
fn the_pack_and_the_dashboard_give_the_same_grades() {
    let dir = project();
    let p = dir.path();
    // An analyst's grade for one measure, with its reason: the README's example, as written.
    let example = common::readme_block("markdown", "the grade example", |b| {
        b.contains("grade: requires_scrutiny")
    });
    std::fs::write(
        p.join("commentary/2024-03/young_victims.md"),
        format!("{example}Watched closely.\n"),
    )
    .unwrap();
    let pack = std::fs::read_to_string(objective_4_pack(p).join("report.html")).unwrap();
    let in_pack = grades_in(&pack, "#");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let page = runtime.block_on(async {
        let token = "grading-test-token-0123456789";
        let tokens = mos::web::auth::TokenStore::from_hashes(vec![(
            "analyst".into(),
            mos::web::auth::hash_token(token),
        )]);
        let state = serve(p, tokens).await;
        page_of(state, "/objectives/4", Some(token)).await
    });
    let on_page = grades_in(&page, "/measures/");
    assert!(in_pack.len() >= 10, "{in_pack:?}");
    assert_eq!(in_pack, on_page, "the pack and the dashboard agree");
    assert!(
        in_pack.values().any(|g| g == "scrutiny"),
        "the exceptions are not empty: {in_pack:?}"
    );
    assert_eq!(in_pack["young_victims"], "scrutiny");
    for html in [&pack, &page] {
        assert!(html.contains("Exceptions: what requires scrutiny"));
        assert!(html.contains("a rise the partnership board asked to follow (set by an analyst)"));
    }
    // The summary leads the pack, before its contents.
    assert!(
        pack.find(r#"<table class="matrix">"#).unwrap() < pack.find("<h2>Contents</h2>").unwrap()
    );
}

/// A signed-in analyst writes commentary from the measure page: the form
/// carries its session's token, the file is saved where `mos` reads it, the
/// version before is kept, and the page shows it at once, inert; the public
/// never can, nor can another site's page.
#[test]
fn a_signed_in_analyst_writes_commentary_from_the_measure_page() {
    use tower::ServiceExt;
    let dir = project();
    let p = dir.path();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let token = "commentary-writer-token-0123456789";
        let tokens = mos::web::auth::TokenStore::from_hashes(vec![(
            "Jo Analyst".into(),
            mos::web::auth::hash_token(token),
        )]);
        let state = serve(p, tokens).await;
        let send = |request: axum::http::Request<axum::body::Body>| {
            let state = state.clone();
            async move {
                let response = mos::web::app(state).oneshot(request).await.unwrap();
                let status = response.status();
                let headers = response.headers().clone();
                let body = axum::body::to_bytes(response.into_body(), 1 << 24)
                    .await
                    .unwrap();
                (status, headers, String::from_utf8_lossy(&body).into_owned())
            }
        };
        let post = |uri: &str, form: String, cookie: Option<&str>| {
            let mut request = axum::http::Request::post(uri)
                .header("host", "board.example")
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            request.body(axum::body::Body::from(form)).unwrap()
        };
        let (_, headers, _) = send(post("/login", format!("token={token}"), None)).await;
        let cookie = headers["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let get = |uri: &str, cookie: Option<&str>| {
            let mut request = axum::http::Request::get(uri);
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            request.body(axum::body::Body::empty()).unwrap()
        };
        // The public cannot open the form, nor save.
        let url = "/measures/hate_incidents/commentary";
        assert_eq!(
            send(get(url, None)).await.0,
            axum::http::StatusCode::UNAUTHORIZED
        );
        let (status, _, form) = send(get(url, Some(&cookie))).await;
        assert_eq!(status, axum::http::StatusCode::OK);
        assert!(
            form.contains("Reports rose after the *online form* went live."),
            "the text so far"
        );
        let form_token = form.split(r#"name="form_token" value=""#).nth(1).unwrap();
        let form_token = &form_token[..form_token.find('"').unwrap()];
        let text = "Rose again in **March**.\n\n<script>alert('x')</script>";
        let encoded: String = url_encode(text);
        let (status, _, _) = send(post(
            url,
            format!("text={encoded}&form_token={form_token}"),
            None,
        ))
        .await;
        assert_eq!(
            status,
            axum::http::StatusCode::UNAUTHORIZED,
            "the public never can"
        );
        let (status, _, _) = send(post(
            url,
            format!("text={encoded}&form_token=forged"),
            Some(&cookie),
        ))
        .await;
        assert_eq!(
            status,
            axum::http::StatusCode::FORBIDDEN,
            "a forged form token"
        );
        let (status, _, _) = send(post(
            url,
            format!("text={encoded}&form_token={form_token}"),
            Some(&cookie),
        ))
        .await;
        assert_eq!(status, axum::http::StatusCode::SEE_OTHER);

        let month = p.join("commentary/2024-03");
        let saved = std::fs::read_to_string(month.join("hate_incidents.md")).unwrap();
        assert!(
            saved.starts_with("---\nauthor: Jo Analyst\ndate: "),
            "{saved}"
        );
        assert!(
            saved.ends_with("Rose again in **March**.\n\n<script>alert('x')</script>\n"),
            "{saved}"
        );
        let kept: Vec<String> = std::fs::read_dir(&month)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".previous"))
            .collect();
        assert_eq!(kept.len(), 1, "the version before is kept: {kept:?}");
        assert_eq!(
            std::fs::read_to_string(month.join(&kept[0])).unwrap(),
            COMMENTARY
        );
        let (_, _, page) = send(get("/measures/hate_incidents", None)).await;
        assert!(
            page.contains("Rose again in <strong>March</strong>."),
            "shown at once"
        );
        assert!(!page.contains("<script>alert"), "inert");
    });
}

/// `application/x-www-form-urlencoded` for a form field.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// With `--data`, commentary on a month outside its measure's data (a period
/// with no figures) is named too.
#[test]
fn check_with_data_names_commentary_on_a_month_without_figures() {
    let dir = project();
    let p = dir.path();
    std::fs::create_dir_all(p.join("commentary/2019-03")).unwrap();
    std::fs::write(p.join("commentary/2019-03/hate_incidents.md"), "Too early.").unwrap();
    ok(mos_in(p, &["check"]));
    let checked = mos_in(p, &["check", "--data", "extracts"]);
    assert!(!checked.status.success());
    let message = String::from_utf8_lossy(&checked.stderr);
    assert!(message.contains("2019-03/hate_incidents.md"), "{message}");
    assert!(
        message.contains(
            "commentary for 2019-03, but `hate_incidents` has figures from 2021-04 to 2024-03 only"
        ),
        "{message}"
    );
}
