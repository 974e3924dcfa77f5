//! Writes that a reader never sees half done, that a kill never leaves broken,
//! and that no other user of the machine can read: a file through a private
//! temporary file renamed over it; a folder (a pack, a snapshot) staged beside
//! its place and swapped in whole, under a lock, with whatever a killed writer
//! left behind cleaned up by the next one.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", .path.display())]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

fn at(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to a private (0600) temporary file beside `path`, then
/// renames it over `path`.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(at(dir))?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(at(dir))?;
    file.write_all(bytes).map_err(at(path))?;
    file.as_file().sync_all().map_err(at(path))?;
    file.persist(path).map_err(|e| at(path)(e.error))?;
    Ok(())
}

/// Writes `files` as the folder `dir`, swapped in whole (see [`StagedFolder`]).
pub fn write_folder(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<(), WriteError> {
    let stage = StagedFolder::begin(dir)?;
    for (name, bytes) in files {
        stage.write(name, bytes)?;
    }
    stage.publish()
}

/// Creates `dir` (and its parents) readable by this user alone.
pub fn create_private_dir(dir: &Path) -> Result<(), WriteError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(at(dir))
}

/// Creates `path` afresh, readable by this user alone.
pub fn create_private_file(path: &Path) -> Result<File, WriteError> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(at(path))
}

/// A folder being written beside its final place (`.stage-NAME-XXXXXX`,
/// private), published whole by [`StagedFolder::publish`]. While it lives it
/// holds a lock on the folder it is written in, so two writers there take
/// turns instead of colliding; dropped unpublished, the stage is removed.
pub struct StagedFolder {
    target: PathBuf,
    stage: tempfile::TempDir,
    _lock: Option<File>,
}

impl StagedFolder {
    pub fn begin(target: &Path) -> Result<StagedFolder, WriteError> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        create_private_dir(parent)?;
        // The folder itself is the lock (no lock file to leave behind), released
        // by the kernel when the process ends, however it ends. Systems that
        // cannot open a folder as a file go unlocked.
        let lock = if cfg!(unix) {
            let folder = File::open(parent).map_err(at(parent))?;
            folder.lock().map_err(at(parent))?;
            Some(folder)
        } else {
            None
        };
        recover(parent, &name, target)?;
        let stage = tempfile::Builder::new()
            .prefix(&stage_prefix(&name))
            .permissions(private_dir())
            .tempdir_in(parent)
            .map_err(at(parent))?;
        Ok(StagedFolder {
            target: target.to_path_buf(),
            stage,
            _lock: lock,
        })
    }

    /// The staging folder: write the folder's files here.
    pub fn path(&self) -> &Path {
        self.stage.path()
    }

    /// Writes one file of the folder, private.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let path = self.stage.path().join(name);
        let mut file = create_private_file(&path)?;
        file.write_all(bytes).map_err(at(&path))?;
        file.sync_all().map_err(at(&path))
    }

    /// A private scratch folder inside the stage, for work that is not part
    /// of the folder (removed when dropped, and with the stage if killed).
    pub fn scratch(&self) -> Result<tempfile::TempDir, WriteError> {
        tempfile::Builder::new()
            .prefix(".scratch-")
            .permissions(private_dir())
            .tempdir_in(self.stage.path())
            .map_err(at(self.stage.path()))
    }

    /// Puts the staged folder in the target's place. Where the target exists
    /// the two are exchanged in one step where the system can (Linux), so a
    /// reader finds the old folder or the new one, never none.
    pub fn publish(self) -> Result<(), WriteError> {
        let target = self.target.as_path();
        let stage = self.stage.keep();
        let parent = target.parent().unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if target.exists() {
            if exchange(&stage, target).is_ok() {
                // The stage now holds the old folder.
                let _ = std::fs::remove_dir_all(&stage);
                return Ok(());
            }
            // Two renames: a kill between them is undone by the next writer.
            let previous = parent.join(previous_name(&name));
            let _ = std::fs::remove_dir_all(&previous);
            std::fs::rename(target, &previous).map_err(at(target))?;
            if let Err(source) = std::fs::rename(&stage, target) {
                let _ = std::fs::rename(&previous, target);
                let _ = std::fs::remove_dir_all(&stage);
                return Err(at(target)(source));
            }
            let _ = std::fs::remove_dir_all(&previous);
            return Ok(());
        }
        std::fs::rename(&stage, target).map_err(|source| {
            let _ = std::fs::remove_dir_all(&stage);
            at(target)(source)
        })
    }
}

/// Whether a folder's name is a stage or a swapped-out copy made here: left
/// by a killed writer, never part of the record.
pub fn is_leftover(name: &str) -> bool {
    name.starts_with(".stage-") || name.starts_with(".previous-")
}

fn stage_prefix(name: &str) -> String {
    format!(".stage-{name}-")
}

fn previous_name(name: &str) -> String {
    format!(".previous-{name}")
}

#[cfg(unix)]
fn private_dir() -> std::fs::Permissions {
    std::os::unix::fs::PermissionsExt::from_mode(0o700)
}

#[cfg(not(unix))]
fn private_dir() -> std::fs::Permissions {
    std::fs::metadata(".")
        .map(|m| m.permissions())
        .expect("the current folder")
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// What a writer killed mid-way left beside `target`, put right (the caller
/// holds the lock, so no other writer is at work): a folder moved aside and
/// never replaced goes back; stages and leftovers are removed.
fn recover(parent: &Path, name: &str, target: &Path) -> Result<(), WriteError> {
    let previous = parent.join(previous_name(name));
    if previous.exists() {
        if target.exists() {
            let _ = std::fs::remove_dir_all(&previous);
        } else {
            std::fs::rename(&previous, target).map_err(at(target))?;
        }
    }
    let prefix = stage_prefix(name);
    for entry in std::fs::read_dir(parent).map_err(at(parent))?.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(dir: &Path, name: &str) -> String {
        std::fs::read_to_string(dir.join(name)).unwrap()
    }

    #[test]
    fn a_folder_is_published_whole_and_replaces_the_last() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("pack");
        for text in ["first", "second"] {
            let stage = StagedFolder::begin(&target).unwrap();
            stage.write("a.txt", text.as_bytes()).unwrap();
            stage.publish().unwrap();
            assert_eq!(read(&target, "a.txt"), text);
        }
        let left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["pack"]);
    }

    #[cfg(unix)]
    #[test]
    fn stages_and_their_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let stage = StagedFolder::begin(&root.path().join("pack")).unwrap();
        stage.write("a.txt", b"x").unwrap();
        let scratch = stage.scratch().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(stage.path()), 0o700);
        assert_eq!(mode(scratch.path()), 0o700);
        assert_eq!(mode(&stage.path().join("a.txt")), 0o600);
    }

    #[test]
    fn what_a_killed_writer_left_is_put_right() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("pack");
        // Killed between its two renames: the old pack aside, none in place,
        // and its stage left behind.
        let previous = root.path().join(".previous-pack");
        std::fs::create_dir_all(&previous).unwrap();
        std::fs::write(previous.join("a.txt"), "old").unwrap();
        std::fs::create_dir_all(root.path().join(".stage-pack-abc123/.scratch-x")).unwrap();
        let stage = StagedFolder::begin(&target).unwrap();
        assert_eq!(read(&target, "a.txt"), "old", "the old pack is back");
        assert!(!previous.exists());
        assert!(!root.path().join(".stage-pack-abc123").exists());
        drop(stage);
        let left = std::fs::read_dir(root.path()).unwrap().count();
        assert_eq!(left, 1, "an unpublished stage is removed");
    }

    #[test]
    fn two_writers_to_one_place_take_turns() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("pack");
        let first = StagedFolder::begin(&target).unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        let waiting = {
            let target = target.clone();
            std::thread::spawn(move || {
                let second = StagedFolder::begin(&target).unwrap();
                sender.send(()).unwrap();
                second.write("a.txt", b"second").unwrap();
                second.publish().unwrap();
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(
            receiver.try_recv().is_err(),
            "the second waits for the first"
        );
        first.write("a.txt", b"first").unwrap();
        first.publish().unwrap();
        waiting.join().unwrap();
        assert_eq!(read(&target, "a.txt"), "second");
    }
}
