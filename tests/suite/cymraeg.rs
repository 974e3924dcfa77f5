//! Cymraeg: a force whose `data/force.toml` says `languages = ["cy", "en"]`
//! publishes every page in Welsh below `cy/` and every pack in Welsh too.
//! Checked as a Welsh reader would meet them: the Welsh pages carry no
//! message of the English catalogue (read here from `locales/en/mos.ftl`
//! with a parser of the test's own), show the measures' declared Welsh text,
//! link to their English twins and back, and give the same figures.

use crate::common::{mos_in, ok, readme_block, root};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Copies `from` into `to`, folders and all.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The README's Welsh force keys, as written: the ```toml block that
/// declares `languages`.
fn readme_force_keys() -> String {
    readme_block("toml", "languages", |b| {
        b.contains("languages = [\"cy\", \"en\"]")
    })
}

/// Each measure's Welsh title, as the test gives it.
fn welsh_title(id: &str) -> String {
    format!("Mesur Cymraeg {id}")
}

/// Inserts `line` after the first line of `text` that starts with `key =`.
fn after_key(text: &str, key: &str, line: &str) -> String {
    let at = text
        .match_indices(&format!("{key} ="))
        .map(|(at, _)| at)
        .find(|&at| at == 0 || text[..at].ends_with('\n'))
        .unwrap_or_else(|| panic!("no `{key} =` line in {text}"));
    let end = at + text[at..].find('\n').unwrap() + 1;
    format!("{}{line}\n{}", &text[..end], &text[end..])
}

/// A project of the shipped measures, sources and Plan, for a force that
/// writes in Welsh (the README's keys in `data/force.toml`), with every
/// declaration given its Welsh text but `leave_out`'s, and commentary on
/// March 2026's hate incidents in both languages. Its figures are the demo's
/// (to March 2026).
fn welsh_project(leave_out: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    copy_tree(&root().join("measures"), &p.join("measures"));
    copy_tree(&root().join("dashboards"), &p.join("dashboards"));
    copy_tree(&root().join("data/sources"), &p.join("data/sources"));
    // The README's keys go before the force file's first table.
    let force = std::fs::read_to_string(root().join("data/force.toml")).unwrap();
    let first_table = force.find("\n[").unwrap() + 1;
    let force = format!(
        "{}{}\n{}",
        &force[..first_table],
        readme_force_keys(),
        &force[first_table..]
    );
    std::fs::write(p.join("data/force.toml"), force).unwrap();
    for entry in walk(&p.join("measures")) {
        if entry.extension().is_none_or(|e| e != "toml")
            || entry.components().any(|c| c.as_os_str() == "tests")
        {
            continue;
        }
        let text = std::fs::read_to_string(&entry).unwrap();
        let id = entry.file_stem().unwrap().to_string_lossy().into_owned();
        if Some(id.as_str()) == leave_out
            || !text.contains("\ntitle =") && !text.starts_with("title =")
        {
            continue;
        }
        let text = after_key(
            &text,
            "title",
            &format!(
                "title_cy = \"{}\"\ndescription_cy = \"Disgrifiad Cymraeg o'r mesur {id}.\"",
                welsh_title(&id)
            ),
        );
        std::fs::write(&entry, text).unwrap();
    }
    let plan = std::fs::read_to_string(p.join("dashboards/plan.toml")).unwrap();
    let mut welsh = String::new();
    let mut objective = 0;
    for line in plan.lines() {
        welsh.push_str(line);
        welsh.push('\n');
        if line.starts_with("plan =") {
            welsh.push_str("plan_cy = \"Cynllun Heddlu a Throseddu\"\n");
        } else if line.starts_with("title =") {
            // Before the summary, which may run over several lines.
            objective += 1;
            welsh.push_str(&format!(
                "title_cy = \"Amcan Cymraeg {objective}\"\nsummary_cy = \"Crynodeb Cymraeg.\"\n"
            ));
        }
    }
    // Themes are inline tables: `{ id = "x", title = "T" … }`.
    let welsh = welsh.replace(
        "\", title = \"",
        "\", title_cy = \"Thema Gymraeg\", title = \"",
    );
    std::fs::write(p.join("dashboards/plan.toml"), welsh).unwrap();
    std::fs::create_dir_all(p.join("commentary/2026-03")).unwrap();
    std::fs::write(
        p.join("commentary/2026-03/hate_incidents.md"),
        "Reports rose after the match; the rise is within the limits.\n",
    )
    .unwrap();
    std::fs::write(
        p.join("commentary/2026-03/hate_incidents.cy.md"),
        "Cododd yr adroddiadau ar ôl y gêm; mae'r cynnydd o fewn y terfynau.\n",
    )
    .unwrap();
    dir
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The literal words of each message of a Fluent file, by id: its text with
/// every placeable (`{ $x }`, a select's braces) and variant key taken out,
/// cut where they were. Written for the test, not taken from the catalogue's
/// library.
fn catalogue_fragments(path: &Path) -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut messages: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            current = None;
            continue;
        }
        if !line.starts_with(' ') {
            let (id, value) = line.split_once(" = ").unwrap_or_else(|| panic!("{line}"));
            messages.insert(id.to_string(), value.to_string());
            current = Some(id.to_string());
        } else if let Some(id) = &current {
            let value = messages.get_mut(id).unwrap();
            value.push('\n');
            value.push_str(line.trim());
        }
    }
    messages
        .into_iter()
        .map(|(id, value)| {
            let mut fragments = Vec::new();
            for line in value.lines() {
                // A variant: `[key] text` or `*[key] text`.
                let line = match line.trim_start_matches('*').strip_prefix('[') {
                    Some(rest) => &rest[rest.find(']').unwrap() + 1..],
                    None => line,
                };
                // Cut at every brace: what lies between braces is literal text.
                let mut depth = 0;
                let mut piece = String::new();
                for c in line.chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            fragments.push(std::mem::take(&mut piece));
                        }
                        '}' => depth -= 1,
                        _ if depth == 0 => piece.push(c),
                        _ => {}
                    }
                }
                fragments.push(piece);
            }
            let fragments = fragments
                .into_iter()
                .map(|f| {
                    f.trim()
                        .trim_matches(|c: char| ",.:;()".contains(c))
                        .trim()
                        .to_string()
                })
                .filter(|f| !f.is_empty())
                .collect();
            (id, fragments)
        })
        .collect()
}

/// What a reader reads of a page: its text and its labels, without the code
/// it quotes (`pre`, `code`: the declaration as written, its SQL), the
/// scripts, or the tags; each element's text on a line of its own.
fn readable(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('>').map_or(rest.len(), |c| open + c + 1);
        let tag = &rest[open..close];
        for attribute in ["aria-label=\"", "title=\"", "alt=\""] {
            if let Some(at) = tag.find(attribute) {
                let value = &tag[at + attribute.len()..];
                out.push('\n');
                out.push_str(&value[..value.find('"').unwrap_or(0)]);
            }
        }
        out.push('\n');
        rest = &rest[close..];
        for skipped in ["pre", "code", "script", "style"] {
            if tag.starts_with(&format!("<{skipped}")) && !tag.ends_with("/>") {
                let end = format!("</{skipped}>");
                rest = &rest[rest.find(&end).unwrap_or(0)..];
            }
        }
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// Whether `words` stands in `text` as whole words.
fn says(text: &str, words: &str) -> bool {
    text.match_indices(words).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + words.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The numbers of the table of every figure on a measure page, in order:
/// what must be the same in both languages.
fn figures_of(page: &str) -> Vec<String> {
    let Some(start) = page.find("id=\"figures\"") else {
        return Vec::new();
    };
    let table = &page[start..start + page[start..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    let mut numbers = Vec::new();
    let mut current = String::new();
    for c in readable(body).chars() {
        if c.is_ascii_digit() || (".,%-".contains(c) && !current.is_empty()) {
            current.push(c);
        } else if !current.is_empty() {
            numbers.push(
                std::mem::take(&mut current)
                    .trim_end_matches([',', '.'])
                    .to_string(),
            );
        }
    }
    numbers
}

/// The file a relative link from `from` (a path in the site) leads to.
fn resolve(from: &str, link: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in link.split('#').next().unwrap().split('/') {
        match part {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// The address of the link in `page` to its twin in `language`.
fn twin_link<'a>(page: &'a str, language: &str) -> Option<&'a str> {
    let marker = format!("hreflang=\"{language}\"");
    page.match_indices("<a ").find_map(|(at, _)| {
        let tag = &page[at..at + page[at..].find('>')?];
        let href = tag.split(" href=\"").nth(1)?;
        tag.contains(&marker)
            .then(|| &href[..href.find('"').unwrap()])
    })
}

#[test]
fn every_welsh_page_is_in_welsh_links_its_english_twin_and_gives_the_same_figures() {
    let project = welsh_project(None);
    let p = project.path();
    ok(mos_in(p, &["check"]));
    ok(mos_in(p, &["publish", "--out", "site"]));
    let site = p.join("site");
    let pages: BTreeMap<String, String> = walk(&site)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "html"))
        .map(|f| {
            let name = f
                .strip_prefix(&site)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&f).unwrap())
        })
        .collect();
    let welsh: Vec<&String> = pages.keys().filter(|k| k.starts_with("cy/")).collect();
    let english = pages.len() - welsh.len();
    assert!(welsh.len() > 50, "{} Welsh pages", welsh.len());
    assert_eq!(welsh.len(), english, "a Welsh page for every English one");

    let english_catalogue = catalogue_fragments(&root().join("locales/en/mos.ftl"));
    assert!(english_catalogue.len() > 200, "{}", english_catalogue.len());
    assert_eq!(
        english_catalogue.keys().collect::<Vec<_>>(),
        catalogue_fragments(&root().join("locales/cy/mos.ftl"))
            .keys()
            .collect::<Vec<_>>(),
        "the same messages in both"
    );
    // What Welsh writes as English does: names, formats and acronyms.
    let shared = [
        "API",
        "Metadata",
        "CSV",
        "Excel",
        "SVG",
        "PNG",
        "JSON",
        "Signal",
        "SPC",
        "Signal SPC",
    ];
    let english_only: Vec<(&String, &String)> = english_catalogue
        .iter()
        .flat_map(|(id, fragments)| fragments.iter().map(move |f| (id, f)))
        .filter(|(_, f)| {
            !shared.contains(&f.as_str()) && f.chars().filter(|c| c.is_alphabetic()).count() > 2
        })
        .collect();

    let mut shown_commentary = false;
    for name in &welsh {
        let page = &pages[*name];
        let english_name = name.strip_prefix("cy/").unwrap();
        assert!(
            page.contains("<html lang=\"cy\">"),
            "{name} is not marked as Welsh"
        );
        // The twin links, both ways.
        let to_english =
            twin_link(page, "en").unwrap_or_else(|| panic!("{name} has no link to English"));
        assert_eq!(
            resolve(name, to_english),
            english_name,
            "{name}'s English twin"
        );
        let english_page = &pages[english_name];
        let to_welsh = twin_link(english_page, "cy")
            .unwrap_or_else(|| panic!("{english_name} has no link to Welsh"));
        assert_eq!(
            resolve(english_name, to_welsh),
            **name,
            "{english_name}'s Welsh twin"
        );
        // Every other link stays in Welsh.
        for link in page
            .split(" href=\"")
            .skip(1)
            .map(|l| &l[..l.find('"').unwrap()])
        {
            let to = resolve(name, link);
            if link.starts_with('#')
                || link.contains("://")
                || to.ends_with(".css")
                || to.ends_with(".svg") && to.starts_with("assets/")
            {
                continue;
            }
            if link == to_english {
                continue;
            }
            assert!(
                to.starts_with("cy/") || to.starts_with("assets/"),
                "{name} links to {link} ({to}), out of Welsh"
            );
        }
        // No English message left: a sentence's words as a phrase anywhere;
        // a one-word message (a heading, a button) as an element's whole text.
        let text = readable(page);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (id, fragment) in &english_only {
            let left = if fragment.contains(' ') {
                says(&text, fragment)
            } else {
                lines.contains(&fragment.as_str())
            };
            assert!(!left, "{name} says \"{fragment}\" (English message {id})");
        }
        // Its measure's declared Welsh title, and the same figures as in English.
        if let Some(id) = english_name
            .strip_prefix("measures/")
            .and_then(|m| m.strip_suffix(".html"))
            .filter(|m| !m.contains("--"))
        {
            assert!(
                page.contains(&format!("<h1>{}</h1>", welsh_title(id))),
                "{name}'s title"
            );
            // (The declaration as written, quoted on both, holds both titles.)
            assert!(
                !readable(english_page).contains(&welsh_title(id)),
                "{english_name} shows the Welsh title"
            );
            let figures = figures_of(page);
            assert!(
                !figures.is_empty() || !page.contains("id=\"figures\""),
                "{name}"
            );
            assert_eq!(
                figures,
                figures_of(english_page),
                "{name}: the figures differ"
            );
            if id == "hate_incidents" {
                assert!(
                    page.contains("Cododd yr adroddiadau ar ôl y gêm"),
                    "{name}'s commentary"
                );
                assert!(english_page.contains("Reports rose after the match"));
                shown_commentary = true;
            }
        }
    }
    assert!(shown_commentary, "hate incidents has a page");
    // Welsh pages of each kind pass axe-core (a `lang` on each link to the
    // other language, the page's own `cy`).
    let sample: Vec<String> = welsh
        .iter()
        .filter(|name| !name.contains("--"))
        .map(|name| name.to_string())
        .collect();
    if let Some(problems) = crate::publish::axe_problems(&site, &sample) {
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
    // Welsh dates: a month written the Welsh way on the Welsh home page.
    assert!(readable(&pages["cy/index.html"]).contains("Maw 2026"));
    assert!(pages["cy/index.html"].contains("Cynllun Heddlu a Throseddu"));
}

#[test]
fn a_welsh_force_is_told_of_each_declaration_without_its_welsh_text() {
    let project = welsh_project(Some("hate_incidents"));
    let p = project.path();
    let output = mos_in(p, &["check"]);
    assert!(
        !output.status.success(),
        "a measure without Welsh text passed"
    );
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("hate_incidents.toml"), "{said}");
    assert!(
        said.contains("`hate_incidents` has no Welsh text"),
        "{said}"
    );
    assert!(
        said.contains("`title_cy`") && said.contains("`description_cy`"),
        "{said}"
    );
    // Pointed at its title's line.
    let line = std::fs::read_to_string(p.join("measures/hate_incidents.toml"))
        .unwrap()
        .lines()
        .position(|l| l.starts_with("title ="))
        .unwrap()
        + 1;
    assert!(
        said.contains(&format!("hate_incidents.toml:{line}:")),
        "{said}"
    );
    // Only that one: every other measure and the Plan have theirs.
    assert_eq!(said.matches("has no Welsh text").count(), 1, "{said}");
    // With the README's Welsh keys, as written, it passes.
    let keys: String = readme_block("toml", "title_cy", |b| b.contains("title_cy = "))
        .lines()
        .filter(|l| l.contains("_cy = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = p.join("measures/hate_incidents.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, after_key(&text, "title", keys.trim_end())).unwrap();
    let output = ok(mos_in(p, &["check"]));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("every measure and the Plan have their Welsh text"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    // An English force is never asked for Welsh.
    let english = tempfile::tempdir().unwrap();
    copy_tree(&root().join("measures"), &english.path().join("measures"));
    copy_tree(
        &root().join("dashboards"),
        &english.path().join("dashboards"),
    );
    copy_tree(&root().join("data"), &english.path().join("data"));
    let output = ok(mos_in(english.path(), &["check"]));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("Welsh"));
}

/// `mos report` of Objective 4 as at 10 April 2026 into `out`, with `more`.
fn objective_4_pack(p: &Path, out: &str, more: &[&str]) -> std::process::Output {
    let mut args = vec![
        "report",
        "--objective",
        "4",
        "--as-of",
        "2026-04-10",
        "--out",
        out,
    ];
    args.extend(more);
    mos_in(p, &args)
}

#[test]
fn a_welsh_force_gets_each_pack_in_both_languages_with_the_same_figures() {
    let project = welsh_project(None);
    let p = project.path();
    // By default, both languages the force writes in.
    ok(objective_4_pack(p, "packs", &[]));
    let english = p.join("packs/objective-4-2026-03");
    let welsh = p.join("packs/objective-4-2026-03-cy");
    let report = std::fs::read_to_string(welsh.join("report.html")).unwrap();
    assert!(report.contains("<html lang=\"cy\">"));
    assert!(
        report.contains("Amcan 4: Amcan Cymraeg 4 – perfformiad hyd at Mawrth 2026"),
        "{}",
        &report[..2000]
    );
    assert!(report.contains(&welsh_title("hate_incidents")));
    let text = readable(&report);
    assert!(!says(&text, "Figures by period") && !says(&text, "Provenance and methods"));
    // The same figures: the results contract's CSV is the same in both.
    assert_eq!(
        std::fs::read(english.join("figures.csv")).unwrap(),
        std::fs::read(welsh.join("figures.csv")).unwrap()
    );
    // The workbook in Welsh: its contents sheet is named so.
    let workbook = std::fs::read(welsh.join("figures.xlsx")).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(workbook)).unwrap();
    let mut sheets = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/workbook.xml").unwrap(),
        &mut sheets,
    )
    .unwrap();
    assert!(sheets.contains("name=\"Cynnwys\""), "{sheets}");
    // The PDF, where Chromium is (always in CI).
    if mos::report::pdf::chromium().is_some() {
        let pdf = std::fs::read(welsh.join("report.pdf")).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI has no Chromium for the Welsh PDF"
        );
    }
    // `--language en` writes the English pack alone.
    ok(objective_4_pack(p, "english", &["--language", "en"]));
    let written: Vec<_> = std::fs::read_dir(p.join("english"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        written,
        vec![std::ffi::OsString::from("objective-4-2026-03")]
    );
    // A language the catalogue has not is refused, naming those it has.
    let refused = mos_in(p, &["report", "--out", "x", "--language", "fr"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("\"cy\" (Cymraeg)"));
}

/// A request to the served dashboard on `port`: its status, `Location` and
/// body. HTTP/1.0, so the body runs to the end of the connection.
fn ask(
    port: u16,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, Option<String>, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let location = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .map(str::to_string);
    (status, location, body.to_string())
}

#[test]
fn the_served_dashboard_answers_below_cy_in_welsh_and_keeps_the_language() {
    let project = welsh_project(None);
    let p = project.path();
    let token = "Good-Token_0123456789";
    let hash = ok(mos_in(p, &["token-hash", "analyst", token]));
    std::fs::write(p.join("tokens.txt"), &hash.stdout).unwrap();
    let port = crate::common::free_port();
    let _server = crate::common::Server(
        std::process::Command::new(env!("CARGO_BIN_EXE_mos"))
            .args([
                "serve",
                "--tokens",
                "tokens.txt",
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .current_dir(p)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = std::time::Instant::now();
    while crate::common::http_get(port, "/health", "").is_none() {
        assert!(
            started.elapsed().as_secs() < 120,
            "the dashboard did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let get = |path: &str| ask(port, "GET", path, "", "");
    // The English page links to its Welsh twin, query and all.
    let uri = "/measures/hate_incidents?breakdown=district";
    let (status, _, english) = get(uri);
    assert_eq!(status, 200);
    assert!(english.contains("<html lang=\"en-GB\">"));
    assert_eq!(
        twin_link(&english, "cy"),
        Some("/cy/measures/hate_incidents?breakdown=district")
    );
    // The Welsh one, below /cy/, in Welsh, with its links kept in Welsh.
    let (status, _, welsh) = get(&format!("/cy{uri}"));
    assert_eq!(status, 200);
    assert!(welsh.contains("<html lang=\"cy\">"));
    assert_eq!(twin_link(&welsh, "en"), Some(uri));
    assert!(
        welsh.contains("href=\"/cy/objectives/4\""),
        "links stay in Welsh"
    );
    assert!(
        welsh.contains("href=\"/assets/style.css\""),
        "the assets are the same"
    );
    assert!(welsh.contains(&welsh_title("hate_incidents")));
    // Both addresses of the home page.
    for home in ["/cy", "/cy/"] {
        let (status, _, page) = get(home);
        assert_eq!(status, 200, "{home}");
        assert!(page.contains("<html lang=\"cy\">") && page.contains("Cynllun Heddlu a Throseddu"));
        assert_eq!(twin_link(&page, "en"), Some("/"), "{home}");
    }
    // A chart's words are Welsh too: its months and its description.
    let (_, _, svg) = get("/cy/measures/hate_incidents/chart.svg");
    assert!(
        svg.contains("Maw 26") && svg.contains("ffigur o Ebr 2021 i Maw 2026"),
        "{}",
        &svg[..svg.len().min(3000)]
    );
    // An unknown Welsh page is not found, in Welsh.
    let (status, _, missing) = get("/cy/measures/no_such_measure");
    assert_eq!(status, 404);
    assert!(missing.contains("Ni ddaethpwyd o hyd i'r dudalen"));
    // Signing in from a Welsh page comes back to a Welsh page.
    let (status, location, _) = ask(
        port,
        "POST",
        "/cy/login",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        &format!("token={token}"),
    );
    assert_eq!((status, location.as_deref()), (303, Some("/cy/")));
    // A restricted measure's Welsh page, for a signed-in analyst.
    let (status, _, restricted) = ask(
        port,
        "GET",
        "/cy/measures/domestic_abuse_crimes",
        &format!("Authorization: Bearer {token}\r\n"),
        "",
    );
    assert_eq!(status, 200);
    assert!(restricted.contains(&welsh_title("domestic_abuse_crimes")));
    assert!(restricted.contains("Ysgrifennu sylwebaeth ar y cyfnod diweddaraf"));
}
