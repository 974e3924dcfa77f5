//! `mos publish`: the public dashboard as a static site, for an office whose
//! website is a content-management system with no server of its own.
//!
//! The pages are the dashboard's own: the app is asked for each, in-process,
//! as the public sees it (with [`StaticSite`], which leaves out what needs
//! the server), starting from the home page, the open data page and each
//! public measure's embed, and following every link. Each answer is written
//! as a file, its links rewritten relative to it, so that the folder works
//! from any static host or opened from disk. Everything comes from one
//! snapshot, in a fixed order, so the same inputs give the same bytes; a
//! manifest lists every file with its SHA-256. The folder is staged beside
//! its place and swapped in whole.

use super::{AppState, Snapshot, StaticSite};
use crate::common::atomic::{StagedFolder, WriteError};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

/// The manifest's name, in the site's root.
pub const MANIFEST: &str = "manifest.json";

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A link of the public pages the dashboard does not answer: the site
    /// would have a broken link, so it is not written.
    #[error(
        "the page {page} links to {link}, which the dashboard answers with {status}: nothing was published, and the site already there stays as it was"
    )]
    BrokenLink {
        page: String,
        link: String,
        status: StatusCode,
    },
    #[error("{0}; nothing was published, and the site already there stays as it was")]
    Write(#[from] WriteError),
}

/// What was published: the files (by path in the site) and the snapshot.
#[derive(Debug, serde::Serialize)]
pub struct Manifest {
    /// The snapshot the figures come from (none where snapshots are not kept).
    pub snapshot: Option<String>,
    /// The last day the figures cover.
    pub data_to: Option<chrono::NaiveDate>,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, serde::Serialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub bytes: usize,
}

/// Writes the public site of the state's current snapshot into `out`.
pub async fn publish(state: Arc<AppState>, out: &Path) -> Result<Manifest, PublishError> {
    let snapshot = state.snapshot();
    let files = crawl(state, &snapshot).await?;
    let evaluation = &snapshot.evaluation;
    let manifest = Manifest {
        snapshot: evaluation.snapshot_id().map(str::to_string),
        data_to: evaluation.data_to(
            evaluation
                .results
                .iter()
                .filter(|r| super::pages::can_see(&super::Viewer::Public, &r.measure)),
        ),
        files: files
            .iter()
            .map(|(path, bytes)| ManifestFile {
                path: path.clone(),
                sha256: crate::common::digest::sha256_hex(bytes),
                bytes: bytes.len(),
            })
            .collect(),
    };
    let mut listing = serde_json::to_vec_pretty(&manifest).expect("JSON of a manifest");
    listing.push(b'\n');
    let out = out.to_path_buf();
    tokio::task::spawn_blocking(move || write_site(&out, &files, &listing))
        .await
        .expect("the writer does not panic")?;
    Ok(manifest)
}

/// Every file of the site, by path, asked of the app from the seeds and
/// then every link; in path order.
async fn crawl(
    state: Arc<AppState>,
    snapshot: &Arc<Snapshot>,
) -> Result<BTreeMap<String, Vec<u8>>, PublishError> {
    let app = super::routes(state);
    let mut queue: VecDeque<(String, String)> = seeds(snapshot)
        .into_iter()
        .map(|url| ("the site's seeds".to_string(), url))
        .collect();
    let mut seen: BTreeSet<String> = queue.iter().map(|(_, url)| url.clone()).collect();
    let mut files = BTreeMap::new();
    while let Some((from, url)) = queue.pop_front() {
        let request = Request::get(&url)
            .extension(StaticSite(snapshot.clone()))
            .body(Body::empty())
            .expect("a request for a path of the app's own");
        let response = app.clone().oneshot(request).await.expect("infallible");
        if response.status() != StatusCode::OK {
            return Err(PublishError::BrokenLink {
                page: from,
                link: url,
                status: response.status(),
            });
        }
        let rewritten = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|t| t.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html") || t.starts_with("image/svg+xml"));
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body in memory");
        let path = file_for(&url);
        let bytes = if rewritten {
            let text = String::from_utf8_lossy(&body);
            let (text, links) = relative_links(&text, &path);
            for link in links {
                if seen.insert(link.clone()) {
                    queue.push_back((url.clone(), link));
                }
            }
            text.into_bytes()
        } else {
            body.to_vec()
        };
        files.insert(path, bytes);
    }
    Ok(files)
}

/// Where the crawl starts: what no page links to (the embeds, which are
/// for the office's own pages), and the pages every page links to.
/// A force that writes in Welsh has the same site again below `cy/`.
fn seeds(snapshot: &Snapshot) -> Vec<String> {
    let mut seeds = Vec::new();
    for language in &snapshot.languages {
        let prefix = language.path_prefix();
        seeds.push(format!("{prefix}/"));
        seeds.push(format!("{prefix}/data"));
        for result in &snapshot.evaluation.results {
            if super::pages::can_see(&super::Viewer::Public, &result.measure) {
                seeds.push(format!("{prefix}/embed/measures/{}", result.measure.id));
            }
        }
    }
    seeds
}

/// The file the site keeps `url` in: a page as `.html` (the home page as
/// `index.html`, an embed as `embed/<id>.html`), anything else under its own
/// name; a query becomes part of the name.
pub fn file_for(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = path.trim_start_matches('/');
    // A language's home page (`/cy/`) is its folder's index.
    if path.is_empty() || path.ends_with('/') {
        return format!("{path}index.html");
    }
    let (language, path) = match path.split_once('/') {
        Some((code, rest)) if crate::common::language::Language::from_code(code).is_some() => {
            (format!("{code}/"), rest)
        }
        _ => (String::new(), path),
    };
    let path = path
        .strip_prefix("embed/measures/")
        .map_or_else(|| path.to_string(), |id| format!("embed/{id}"));
    let path = format!("{language}{path}");
    let named = |stem: &str, extension: &str| match query {
        "" => format!("{stem}{extension}"),
        query => format!("{stem}--{}{extension}", query_name(query)),
    };
    let last = path.rsplit('/').next().unwrap_or_default();
    match last.rfind('.') {
        Some(dot) => {
            let split = path.len() - (last.len() - dot);
            named(&path[..split], &path[split..])
        }
        _ => named(&path, ".html"),
    }
}

/// A query as part of a file's name: `breakdown=district&group=north` is
/// `breakdown-district--group-north`; where a character had to be left out
/// (a space in a group's name), a short hash of the query tells it apart.
fn query_name(query: &str) -> String {
    let mut lossy = false;
    let mut name = String::with_capacity(query.len());
    for c in query.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' => name.push(c),
            '=' => name.push('-'),
            '&' => name.push_str("--"),
            _ => {
                lossy = true;
                name.push('_');
            }
        }
    }
    if lossy {
        let hash = crate::common::digest::sha256_hex(query.as_bytes());
        name.push('-');
        name.push_str(&hash[..8]);
    }
    name
}

/// The places a page or chart names another of the site: attributes, and
/// the addresses of a page's schema.org description.
const LINK_OPENERS: [&str; 5] = [
    "href=\"",
    "src=\"",
    "action=\"",
    "\"url\":\"",
    "\"contentUrl\":\"",
];

/// `text` (of the file at `path`) with every link to the app (`/...`) made
/// relative to it, and those links' URLs, to be fetched.
fn relative_links(text: &str, path: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut links = Vec::new();
    let mut done = 0;
    // Every value that starts with a slash starts at a quote and a slash.
    for (at, _) in text.match_indices("\"/") {
        let start = at + 1;
        if start < done || !LINK_OPENERS.iter().any(|o| text[..start].ends_with(o)) {
            continue;
        }
        let end = start + text[start..].find('"').unwrap_or(text.len() - start);
        let value = &text[start..end];
        if value.starts_with("//") {
            continue;
        }
        out.push_str(&text[done..start]);
        let unescaped = value.replace("&amp;", "&");
        let (url, fragment) = unescaped
            .split_once('#')
            .map_or((unescaped.as_str(), None), |(u, f)| (u, Some(f)));
        out.push_str(&relative_to(path, &file_for(url)));
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(fragment);
        }
        links.push(url.to_string());
        done = end;
    }
    out.push_str(&text[done..]);
    (out, links)
}

/// The relative address of the file `to` from the file `from`, both paths in
/// the site: `measures/a.html` to `index.html` is `../index.html`.
fn relative_to(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to_parts.len() - 1);
    let mut relative = "../".repeat(from_dirs.len() - common);
    relative.push_str(&to_parts[common..].join("/"));
    relative
}

/// Stages the site, makes it readable by the web server that serves it (it
/// is public by construction), and swaps it in.
fn write_site(
    out: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    manifest: &[u8],
) -> Result<(), WriteError> {
    let stage = StagedFolder::begin(out)?;
    for (path, bytes) in files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .chain([(MANIFEST, manifest)])
    {
        if let Some((dir, _)) = path.rsplit_once('/') {
            crate::common::atomic::create_private_dir(&stage.path().join(dir))?;
        }
        stage.write(path, bytes)?;
    }
    open_to_all(stage.path())?;
    stage.publish()
}

/// Folders 0755 and files 0644, below and including `dir`.
fn open_to_all(dir: &Path) -> Result<(), WriteError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let at = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WriteError { path, source }
        };
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).map_err(at(dir))?;
        for entry in std::fs::read_dir(dir).map_err(at(dir))? {
            let entry = entry.map_err(at(dir))?;
            let path = entry.path();
            if entry.file_type().map_err(at(&path))?.is_dir() {
                open_to_all(&path)?;
            } else {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
                    .map_err(at(&path))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_has_a_file_of_its_own() {
        assert_eq!(file_for("/"), "index.html");
        assert_eq!(file_for("/objectives/4"), "objectives/4.html");
        assert_eq!(file_for("/embed/measures/arrests"), "embed/arrests.html");
        assert_eq!(file_for("/cy/"), "cy/index.html");
        assert_eq!(
            file_for("/cy/embed/measures/arrests"),
            "cy/embed/arrests.html"
        );
        assert_eq!(
            file_for("/cy/measures/arrests?breakdown=d"),
            "cy/measures/arrests--breakdown-d.html"
        );
        assert_eq!(file_for("/data/arrests.csv"), "data/arrests.csv");
        assert_eq!(
            file_for("/data/arrests.csv-metadata.json"),
            "data/arrests.csv-metadata.json"
        );
        assert_eq!(
            file_for("/measures/arrests?breakdown=district&group=fenland"),
            "measures/arrests--breakdown-district--group-fenland.html"
        );
        assert_eq!(
            file_for("/measures/arrests/chart.svg?breakdown=district&group=fenland"),
            "measures/arrests/chart--breakdown-district--group-fenland.svg"
        );
        // Names that differ only in what a file name cannot hold stay apart.
        let (a, b) = (
            file_for("/measures/m?breakdown=offence&group=Shop lifting"),
            file_for("/measures/m?breakdown=offence&group=Shop/lifting"),
        );
        assert_ne!(a, b);
        assert!(a.starts_with("measures/m--breakdown-offence--group-Shop_lifting-"));
        assert!(!a.contains(' ') && !b[9..].contains('/'), "{a} {b}");
    }

    #[test]
    fn links_are_made_relative_to_the_file_they_are_in() {
        assert_eq!(
            relative_to("index.html", "objectives/4.html"),
            "objectives/4.html"
        );
        assert_eq!(
            relative_to("measures/a.html", "index.html"),
            "../index.html"
        );
        assert_eq!(relative_to("measures/a.html", "measures/b.html"), "b.html");
        assert_eq!(
            relative_to("measures/a/chart.svg", "measures/b.html"),
            "../b.html"
        );
        let (text, links) = relative_links(
            r##"<a href="/">Home</a> <a href="/measures/x?breakdown=a&amp;group=b#top">x</a> <a href="#main">skip</a> <a href="https://example.org/">out</a> <link href="/assets/style.css"> {"url":"/measures/x"}"##,
            "objectives/4.html",
        );
        assert_eq!(
            text,
            r##"<a href="../index.html">Home</a> <a href="../measures/x--breakdown-a--group-b.html#top">x</a> <a href="#main">skip</a> <a href="https://example.org/">out</a> <link href="../assets/style.css"> {"url":"../measures/x.html"}"##
        );
        assert_eq!(
            links,
            [
                "/",
                "/measures/x?breakdown=a&group=b",
                "/assets/style.css",
                "/measures/x"
            ]
        );
    }
}
