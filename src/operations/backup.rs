//! The office's record as one archive, and back: what no later run can
//! rebuild. That is the project's declarations (`data/*.toml` and
//! `data/sources/`, `measures/`, `dashboards/`), the analysts' commentary,
//! every snapshot with the record of published packs, the packs themselves,
//! the settings beside the extracts (`sources.toml`, `peer_groups.toml`),
//! the tokens file and the installation's key for hashing people
//! (`.kept-work/.person-key`). Left out, because the next evaluation rebuilds
//! them or the force's systems hold them: the kept work, the demo data and
//! the extracts (rows about victims have no place in a backup of figures).
//!
//! The archive is a zip whose `mos-backup.json` lists every file with its
//! SHA-256 and mode; restoring checks every file against it before writing
//! any, and never writes over a file that differs unless told to.

use crate::common::atomic;
use crate::common::digest::sha256_hex;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Where the record lives: the same folders the other commands are given.
#[derive(Debug, Clone)]
pub struct Places {
    /// The project's folder (where `data/` and the packs' folders are).
    pub project: PathBuf,
    pub measures: PathBuf,
    pub dashboards: PathBuf,
    pub snapshots: PathBuf,
    pub commentary: PathBuf,
    /// The folders packs are published to (`packs/`, each schedule's `out`),
    /// as paths in the project.
    pub packs: Vec<PathBuf>,
    /// The extracts' folder, for its settings files (never its extracts).
    pub data: Option<PathBuf>,
    pub tokens: Option<PathBuf>,
}

/// What the archive holds, by the part of the record each file belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The `mos` that wrote it.
    pub mos: String,
    pub made_at: String,
    pub files: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// `project/…` (`data/` and the packs), `measures/…`, `dashboards/…`,
    /// `snapshots/…`, `commentary/…`, `settings/…` or `tokens`: the part,
    /// then the path inside it.
    pub name: String,
    pub sha256: String,
    /// Unix permission bits, restored as they were.
    pub mode: u32,
}

const MANIFEST: &str = "mos-backup.json";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] atomic::WriteError),
    #[error("{}: not a backup mos can read ({message}); give the file `mos backup` wrote", .path.display())]
    NotABackup { path: PathBuf, message: String },
    #[error("{}: {name} does not match its SHA-256 in the backup's list: the archive is damaged, and nothing was restored", .path.display())]
    Damaged { path: PathBuf, name: String },
    #[error("{} already exists and differs from the backup's copy; nothing was restored. Move it aside, or restore with --overwrite to put the backup's copy in its place", .path.display())]
    Differs { path: PathBuf },
    #[error("the backup holds {name}, but no place to restore it was given: {hint}")]
    NoPlace { name: String, hint: &'static str },
}

/// Writes the record found at `places` as a zip archive at `out` (private to
/// this user); returns its manifest.
pub fn write(places: &Places, out: &Path) -> Result<Manifest, BackupError> {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let project = &places.project;
    // Declarations: data/'s TOML files (never an extract put there).
    let data = project.join("data");
    collect(&data, "project/data", &mut files, &|p| {
        p.extension().is_some_and(|e| e == "toml")
    })?;
    collect(&places.measures, "measures", &mut files, &|_| true)?;
    collect(&places.dashboards, "dashboards", &mut files, &|_| true)?;
    collect(&places.commentary, "commentary", &mut files, &|_| true)?;
    // Snapshots, with the installation's key but not the rest of the kept work.
    collect(&places.snapshots, "snapshots", &mut files, &|p| {
        !p.components().any(|c| c.as_os_str() == ".kept-work")
            || p.file_name().is_some_and(|n| n == ".person-key")
    })?;
    for folder in &places.packs {
        let inner = format!("project/{}", folder.display());
        collect(&project.join(folder), &inner, &mut files, &|_| true)?;
    }
    files.sort();
    files.dedup();
    if let Some(data) = &places.data {
        for name in ["sources.toml", "peer_groups.toml"] {
            let path = data.join(name);
            if path.is_file() {
                files.push((format!("settings/{name}"), path));
            }
        }
    }
    if let Some(tokens) = &places.tokens {
        files.push(("tokens".into(), tokens.clone()));
    }
    files.retain(|(_, path)| !same_file(path, out));
    let mut manifest = Manifest {
        mos: crate::common::digest::engine_version(),
        made_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        files: Vec::new(),
    };
    let mut archive = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut archive));
        for (name, path) in &files {
            let bytes = std::fs::read(path).map_err(|source| BackupError::Read {
                path: path.clone(),
                source,
            })?;
            let mode = mode_of(path);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(mode);
            zip.start_file(name.as_str(), options)
                .map_err(|e| zip_error(out, e))?;
            zip.write_all(&bytes)
                .map_err(|e| zip_error(out, e.into()))?;
            manifest.files.push(Entry {
                name: name.clone(),
                sha256: sha256_hex(&bytes),
                mode,
            });
        }
        let options = zip::write::SimpleFileOptions::default().unix_permissions(0o600);
        zip.start_file(MANIFEST, options)
            .map_err(|e| zip_error(out, e))?;
        let listed = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
        zip.write_all(&listed)
            .map_err(|e| zip_error(out, e.into()))?;
        zip.finish().map_err(|e| zip_error(out, e))?;
    }
    atomic::write_file(out, &archive)?;
    Ok(manifest)
}

/// Puts the record in the archive `from` back at `places`; returns the
/// files written (those already there and the same are left as they are).
pub fn restore(from: &Path, places: &Places, overwrite: bool) -> Result<Vec<PathBuf>, BackupError> {
    let bytes = std::fs::read(from).map_err(|source| BackupError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    let not_a_backup = |message: String| BackupError::NotABackup {
        path: from.to_path_buf(),
        message,
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| not_a_backup(e.to_string()))?;
    let manifest: Manifest = {
        let mut file = zip
            .by_name(MANIFEST)
            .map_err(|_| not_a_backup(format!("it has no {MANIFEST}")))?;
        let mut text = Vec::new();
        file.read_to_end(&mut text)
            .map_err(|e| not_a_backup(e.to_string()))?;
        serde_json::from_slice(&text).map_err(|e| not_a_backup(e.to_string()))?
    };
    // Every file read and checked, and its place found, before any is written.
    let mut planned: Vec<(PathBuf, Vec<u8>, u32)> = Vec::new();
    for entry in &manifest.files {
        let mut file = zip
            .by_name(&entry.name)
            .map_err(|_| not_a_backup(format!("{} is listed but missing", entry.name)))?;
        let mut content = Vec::new();
        file.read_to_end(&mut content)
            .map_err(|e| not_a_backup(e.to_string()))?;
        if sha256_hex(&content) != entry.sha256 {
            return Err(BackupError::Damaged {
                path: from.to_path_buf(),
                name: entry.name.clone(),
            });
        }
        let path = place_of(&entry.name, places)
            .ok_or_else(|| not_a_backup(format!("{} is not a part of a backup", entry.name)))??;
        match std::fs::read(&path) {
            Ok(there) if there == content => continue,
            Ok(_) if !overwrite => return Err(BackupError::Differs { path }),
            _ => {}
        }
        planned.push((path, content, entry.mode));
    }
    let mut written = Vec::new();
    for (path, content, mode) in planned {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            atomic::create_private_dir(dir)?;
        }
        atomic::write_file(&path, &content)?;
        set_mode(&path, mode)?;
        written.push(path);
    }
    Ok(written)
}

/// Where an archive's file goes back to; `None` for a name of no part.
fn place_of(name: &str, places: &Places) -> Option<Result<PathBuf, BackupError>> {
    let (part, rest) = name.split_once('/').unwrap_or((name, ""));
    // No part of a name may climb out of its folder.
    if Path::new(rest)
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return None;
    }
    let place = match part {
        "project" if !rest.is_empty() => places.project.join(rest),
        "measures" if !rest.is_empty() => places.measures.join(rest),
        "dashboards" if !rest.is_empty() => places.dashboards.join(rest),
        "commentary" if !rest.is_empty() => places.commentary.join(rest),
        "snapshots" if !rest.is_empty() => places.snapshots.join(rest),
        "settings" => match &places.data {
            Some(data) => data.join(rest),
            None => {
                return Some(Err(BackupError::NoPlace {
                    name: name.into(),
                    hint: "give --data, the extracts' folder, to restore its settings",
                }));
            }
        },
        "tokens" if rest.is_empty() => match &places.tokens {
            Some(tokens) => tokens.clone(),
            None => {
                return Some(Err(BackupError::NoPlace {
                    name: name.into(),
                    hint: "give --tokens FILE, where the tokens file goes",
                }));
            }
        },
        _ => return None,
    };
    Some(Ok(place))
}

/// Every file under `dir` that `keep` accepts, as `(prefix/relative, path)`,
/// in a stable order; nothing when `dir` is not there. Links are not followed.
fn collect(
    dir: &Path,
    prefix: &str,
    files: &mut Vec<(String, PathBuf)>,
    keep: &dyn Fn(&Path) -> bool,
) -> Result<(), BackupError> {
    if !dir.is_dir() {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| BackupError::Read {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .expect("a listed entry has a name")
            .to_string_lossy()
            .into_owned();
        let Ok(kind) = std::fs::symlink_metadata(&path).map(|m| m.file_type()) else {
            continue;
        };
        let inner = format!("{prefix}/{name}");
        if kind.is_dir() {
            // A staged pack or snapshot left by a killed writer is not the record.
            if !atomic::is_leftover(&name) {
                collect(&path, &inner, files, keep)?;
            }
        } else if kind.is_file() && keep(&path) {
            files.push((inner, path));
        }
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn mode_of(path: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).map_or(0o600, |m| m.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        0o600
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(
            |source| atomic::WriteError {
                path: path.to_path_buf(),
                source,
            },
        )?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn zip_error(out: &Path, e: zip::result::ZipError) -> BackupError {
    BackupError::Write(atomic::WriteError {
        path: out.to_path_buf(),
        source: std::io::Error::other(e),
    })
}
