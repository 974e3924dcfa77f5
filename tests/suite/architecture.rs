//! The layout is the pipeline: the top-level modules of `src/` depend on one
//! another in one direction only. Read from the `crate::` paths of every
//! source file (comments left out), the graph must have no cycle, and the
//! lower layers must not reach up: a change to the web layer never becomes a
//! change the engine depends on.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules its files name, and where.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<PathBuf>>>;

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The text with `//` comments (and so doc comments) removed.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string (a URL) is rare in a `crate::` line; the
            // check errs towards seeing a dependency, never hiding one.
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules: BTreeSet<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_stem()?.to_string_lossy().into_owned();
            (p.is_dir() || (name != "lib" && name != "main")).then_some(name)
        })
        .collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        let text = without_comments(&std::fs::read_to_string(&file).unwrap());
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if modules.contains(&name) && name != top {
                graph
                    .entry(top.clone())
                    .or_default()
                    .entry(name)
                    .or_default()
                    .insert(relative.to_path_buf());
            }
        }
        assert!(
            !text.contains("crate::{"),
            "{}: name each module in its own `use crate::module::...` line, so this check sees it",
            relative.display()
        );
    }
    graph
}

/// A cycle of the graph, if it has one: the modules in order, the first again at the end.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        module: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut cycle = path[at..].to_vec();
            cycle.push(module.to_string());
            return Some(cycle);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_string());
        for next in graph.get(module).into_iter().flat_map(|d| d.keys()) {
            if let Some(cycle) = visit(graph, next, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(module.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(graph, m, &mut Vec::new(), &mut done))
}

#[test]
fn the_top_level_modules_have_no_dependency_cycle() {
    let graph = graph();
    if let Some(cycle) = cycle(&graph) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| format!("{} -> {} (in {:?})", w[0], w[1], graph[&w[0]][&w[1]]))
            .collect();
        panic!("a dependency cycle:\n{}", steps.join("\n"));
    }
}

#[test]
fn the_layers_below_never_reach_up() {
    let graph = graph();
    // Each layer, and the layers it must never use.
    let above = |layer: &str| -> &[&str] {
        match layer {
            "common" => &[
                "definition",
                "ingest",
                "engine",
                "stats",
                "evaluation",
                "presentation",
                "web",
                "report",
                "demo",
            ],
            "ingest" | "stats" => &["engine", "evaluation", "presentation", "web", "report"],
            "definition" => &["engine", "evaluation", "presentation", "web", "report"],
            "engine" => &["evaluation", "presentation", "web", "report"],
            "evaluation" => &["presentation", "web", "report"],
            "presentation" => &["evaluation", "web", "report"],
            "report" => &["web"],
            _ => &[],
        }
    };
    for (layer, uses) in &graph {
        for used in uses.keys() {
            assert!(
                !above(layer).contains(&used.as_str()),
                "{layer} uses {used}, a layer above it (in {:?})",
                uses[used]
            );
        }
    }
    // And the check sees the layers it speaks of.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for layer in [
        "common",
        "definition",
        "ingest",
        "engine",
        "stats",
        "evaluation",
        "presentation",
        "web",
        "report",
    ] {
        assert!(src.join(layer).is_dir(), "no module `{layer}` in src/");
    }
}

#[test]
fn the_check_finds_a_cycle_when_there_is_one() {
    let mut graph = Graph::new();
    for (from, to) in [("engine", "stats"), ("stats", "web"), ("web", "engine")] {
        graph
            .entry(from.into())
            .or_default()
            .entry(to.into())
            .or_default();
    }
    assert_eq!(
        cycle(&graph),
        Some(vec![
            "engine".into(),
            "stats".into(),
            "web".into(),
            "engine".into()
        ])
    );
}

/// HTML tags a string literal might open: a page or pack assembled by hand.
const TAGS: &[&str] = &[
    "a",
    "article",
    "body",
    "br",
    "button",
    "caption",
    "circle",
    "code",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "head",
    "header",
    "html",
    "input",
    "label",
    "li",
    "link",
    "main",
    "meta",
    "nav",
    "ol",
    "option",
    "p",
    "path",
    "pre",
    "script",
    "section",
    "select",
    "span",
    "strong",
    "style",
    "summary",
    "svg",
    "table",
    "tbody",
    "td",
    "text",
    "textarea",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
];

/// The HTML tags opened (or closed) at the start of a string literal in `text`.
fn tags_in_literals(text: &str) -> Vec<String> {
    text.match_indices("\"<")
        .filter_map(|(at, _)| {
            let rest = text[at + 2..].trim_start_matches('/');
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let after = rest[name.len()..].chars().next();
            (TAGS.contains(&name.as_str()) && matches!(after, Some(' ' | '>' | '/')))
                .then_some(name)
        })
        .collect()
}

/// Pages, packs and their pieces are written with maud, which escapes every
/// value unless told not to: no string literal outside it starts a tag.
#[test]
fn no_html_is_assembled_from_strings() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests may spell out the markup they expect.
        let code = text.split("#[cfg(test)]").next().unwrap();
        let code = without_comments(code);
        // The hover targets go in before the end of plotters' SVG.
        let code = code.replace(r#""</svg>""#, "");
        for tag in tags_in_literals(&code) {
            found.push(format!(
                "{}: <{tag}",
                file.strip_prefix(&src).unwrap().display()
            ));
        }
    }
    assert!(
        found.is_empty(),
        "HTML written by hand:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_html_check_sees_a_tag_in_a_string() {
    assert_eq!(
        tags_in_literals(
            r#"format!(r"x") + "<td>{}</td>" + "<section class=\"a\">" + "<3" + "<tokens>""#
        ),
        vec!["td".to_string(), "section".to_string()]
    );
}
